// A vCPU's virtqueue kick exits, as windows of virtual time [from, until) when it is out of guest
// mode: an interrupt raised inside one is taken at that exit's VM entry, with no exit of its own
// (interrupt-delivery.ts). Every kick's window is kept until it can no longer be asked about, not
// only the last: a guest's work is booked ahead of the event time, so a later kick may already be
// booked when an interrupt raised in an earlier kick's exit is delivered.

/** The kick exits booked on one vCPU, in time order (a vCPU books its work in order, so its
 *  windows come in order and do not overlap). */
export class KickExits {
  /** Flat [from, until] pairs; those before `head` are spent. */
  private readonly spans: number[] = [];
  private head = 0;

  /** Records a kick exit out of guest mode over [from, until); windows that ended by `now` are
   *  dropped (an interrupt is delivered at its raise time, never before the event time). */
  record(from: number, until: number, now: number): void {
    this.drop(now);
    this.spans.push(from, until);
  }

  /** The VM entry ending the recorded kick exit that `t` falls in, or -1 if none does (`t` no
   *  earlier than the event time of the last record: an interrupt is asked about when raised). */
  entryAfter(t: number): number {
    const s = this.spans;
    for (let i = this.head; i < s.length; i += 2) {
      if (t < s[i]) return -1; // the windows after it start later still
      if (t < s[i + 1]) return s[i + 1];
    }
    return -1;
  }

  /** Windows still kept (for tests). */
  get size(): number {
    return (this.spans.length - this.head) / 2;
  }

  private drop(t: number): void {
    const s = this.spans;
    while (this.head < s.length && s[this.head + 1] <= t) this.head += 2;
    if (this.head === s.length) {
      s.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > s.length) {
      s.splice(0, this.head);
      this.head = 0;
    }
  }
}
