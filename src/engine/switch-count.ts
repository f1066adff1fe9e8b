// A guest scheduler's count of context switches per stat tick, as FreeBSD's ULE keeps it for its
// idle-spin rule (sys/kern/sched_ule.c): sched_switch adds one per switch to tdq_switchcnt, and
// sched_clock, on every stat tick, moves it to tdq_oldswitchcnt and starts a new count;
// sched_idletd reads the two together (TDQ_SWITCHCNT). Ticks fall at whole multiples of the
// tick in virtual time. sched_clock seeds the new count with the CPU's load (at most one here),
// which is left out.
export class SwitchCount {
  private tick = 0;
  private current = 0;
  private last = 0;

  constructor(private readonly tickNs: number) {}

  /** Moves the count to the tick `t` falls in. */
  private roll(t: number): void {
    const k = Math.floor(t / this.tickNs);
    if (k <= this.tick) return; // the same tick (or work placed a little in the past)
    this.last = k === this.tick + 1 ? this.current : 0;
    this.current = 0;
    this.tick = k;
  }

  /** One context switch at `t`. */
  add(t: number): void {
    this.roll(t);
    this.current++;
  }

  /** Switches in the tick of `t` and the one before it (TDQ_SWITCHCNT). */
  total(t: number): number {
    this.roll(t);
    return this.current + this.last;
  }
}
