// Interrupt moderation (spec §5.7, QEMU igb_postpone_interrupt): when a cause arrives and the
// vector's throttle timer is idle, the interrupt fires at once and the timer is armed for the
// interval; causes arriving while it runs are coalesced into one interrupt when it expires
// (which does not re-arm it). Interval 0 disables moderation.

export interface ItrResult {
  /** Times at which interrupts fired, ascending. */
  fireTimes: number[];
  /** Events minus interrupts: how many interrupts moderation saved. */
  coalesced: number;
}

/** Interrupt times for cause arrival times `events` (any unit) and throttle interval `interval`. */
export function moderateInterrupts(events: readonly number[], interval: number): ItrResult {
  if (!(interval >= 0)) throw new RangeError(`interval ${interval} must be >= 0`);
  const sorted = [...events].sort((a, b) => a - b);
  const fireTimes: number[] = [];
  let running = false;
  let timerEnd = 0;
  let pending = false;
  for (const t of sorted) {
    if (running && t >= timerEnd) {
      running = false;
      if (pending) fireTimes.push(timerEnd);
      pending = false;
    }
    if (running) {
      pending = true;
      continue;
    }
    fireTimes.push(t);
    if (interval > 0) {
      running = true;
      timerEnd = t + interval;
    }
  }
  if (running && pending) fireTimes.push(timerEnd);
  return { fireTimes, coalesced: sorted.length - fireTimes.length };
}
