// The hang rule of `npm run fuzz`: the campaign publishes the index of the case it is running;
// a case whose index has not moved for `hangMs` is a hang. Outside the cases (index < 0: -1
// loading and reading the seed corpus, -2 writing the result) the limit is at least `startupMs`.
export class HangWatch {
  private last = Number.NaN;
  private since = 0;
  constructor(
    private readonly hangMs: number,
    private readonly startupMs: number,
  ) {}

  /** Feeds the published case index at time `nowMs`; true when that case is hung. */
  observe(caseIndex: number, nowMs: number): boolean {
    if (caseIndex !== this.last) {
      this.last = caseIndex;
      this.since = nowMs;
      return false;
    }
    const limit = caseIndex < 0 ? Math.max(this.hangMs, this.startupMs) : this.hangMs;
    return nowMs - this.since > limit;
  }
}
