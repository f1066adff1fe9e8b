// The event queue of the discrete-event engine: a binary heap ordered by (virtual time ns,
// insertion sequence), so events at the same time run in the order they were scheduled and a
// run is deterministic by construction.
export type Action = (t: number) => void;

export class EventQueue {
  private times: number[] = [];
  private seqs: number[] = [];
  private acts: Action[] = [];
  private seq = 0;
  /** Events popped so far (simulator statistics). */
  popped = 0;

  get size(): number {
    return this.times.length;
  }

  push(t: number, act: Action): void {
    if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`event at invalid time ${t}`);
    const { times, seqs, acts } = this;
    let i = times.length;
    times.push(t);
    seqs.push(this.seq++);
    acts.push(act);
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(p, i)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Time of the next event (Infinity when none). */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0] : Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest event and runs it. Returns false when the queue is empty. */
  runNext(): boolean {
    const { times, seqs, acts } = this;
    const n = times.length;
    if (n === 0) return false;
    const t = times[0];
    const act = acts[0];
    const last = n - 1;
    times[0] = times[last];
    seqs[0] = seqs[last];
    acts[0] = acts[last];
    times.pop();
    seqs.pop();
    acts.pop();
    // Sift down.
    let i = 0;
    const m = times.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= m) break;
      const r = l + 1;
      const c = r < m && this.less(r, l) ? r : l;
      if (this.less(i, c)) break;
      this.swap(i, c);
      i = c;
    }
    this.popped++;
    act(t);
    return true;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a];
    const tb = this.times[b];
    return ta < tb || (ta === tb && this.seqs[a] < this.seqs[b]);
  }

  private swap(a: number, b: number): void {
    const { times, seqs, acts } = this;
    const t = times[a];
    times[a] = times[b];
    times[b] = t;
    const s = seqs[a];
    seqs[a] = seqs[b];
    seqs[b] = s;
    const x = acts[a];
    acts[a] = acts[b];
    acts[b] = x;
  }
}
