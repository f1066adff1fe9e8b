// The event queue of the discrete-event engine: a binary heap ordered by (virtual time ns,
// insertion sequence), so events at the same time run in the order they were scheduled and a
// run is deterministic by construction. Keys live in typed arrays (no boxed numbers, no per-event
// object); the heap grows by doubling and never shrinks during a run.
export type Action = (t: number) => void;

export class EventQueue {
  private times = new Float64Array(256);
  private seqs = new Float64Array(256);
  private acts: Array<Action | undefined> = new Array(256);
  private n = 0;
  private seq = 0;
  /** Events popped so far (simulator statistics). */
  popped = 0;
  /** Virtual time of the event running (or last run): a cross-thread link stamps it on what it sends. */
  now = 0;

  get size(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const s = new Float64Array(cap);
    s.set(this.seqs);
    this.times = t;
    this.seqs = s;
    this.acts.length = cap;
  }

  push(t: number, act: Action): void {
    if (!(t >= 0) || t === Number.POSITIVE_INFINITY) throw new Error(`event at invalid time ${t}`);
    if (this.n === this.times.length) this.grow();
    const { times, seqs, acts } = this;
    const s = this.seq++;
    let i = this.n++;
    // Sift up: move parents down until the new key's place is found.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p];
      if (tp < t || (tp === t && seqs[p] < s)) break;
      times[i] = tp;
      seqs[i] = seqs[p];
      acts[i] = acts[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    acts[i] = act;
  }

  /** Time of the next event (Infinity when none). */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest event and runs it. Returns false when the queue is empty. */
  runNext(): boolean {
    const n = this.n;
    if (n === 0) return false;
    const { times, seqs, acts } = this;
    const t = times[0];
    const act = acts[0] as Action;
    const m = n - 1;
    this.n = m;
    if (m > 0) {
      // Sift the last entry down from the root.
      const lt = times[m];
      const ls = seqs[m];
      const la = acts[m];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        let tc = times[c];
        const r = c + 1;
        if (r < m) {
          const tr = times[r];
          if (tr < tc || (tr === tc && seqs[r] < seqs[c])) {
            c = r;
            tc = tr;
          }
        }
        if (lt < tc || (lt === tc && ls < seqs[c])) break;
        times[i] = tc;
        seqs[i] = seqs[c];
        acts[i] = acts[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      acts[i] = la;
    }
    acts[m] = undefined;
    this.popped++;
    this.now = t;
    act(t);
    return true;
  }
}
