// Whether a trial's sender offered the load it was asked for. A sender on a CPU (the consumer's
// application transmitting, pktgen writing into a tap) is pushed back when the path cannot take
// its frames: it waits for room in its stack and ring (the engine's generator keeps its frames
// due and sends them late) or skips the slots it missed while busy, so it offers less than asked
// and loses nothing. Such a trial measured a lower load than the one it was run at: it cannot
// pass that load (the search), and its offered figure must not be read as the one asked (--rate).
import type { SimResult } from "../engine/types.ts";

export interface Shortfall {
  /** The load asked, summed over both directions of a `both` trial (pps). */
  askedPps: number;
  /** What the trial offered (pps, as SimResult.offered_pps). */
  offeredPps: number;
}

/**
 * The trial at `ratePps` (per direction) offered less than asked, beyond one frame, `tolerance`
 * (a ratio of the asked load) and, with `poisson` arrivals, what their frame count varies by
 * (5 standard deviations): the asked and offered rates, else null. Judged on the measured
 * window's own length and count (SimResult.window): a length derived from whole-run counts
 * holds the warm-up, whose sender may have kept up where the steady state does not.
 */
export function senderShortfall(
  r: SimResult,
  ratePps: number,
  tolerance: number,
  poisson: boolean,
): Shortfall | null {
  const askedPps = ratePps * (r.direction === "both" ? 2 : 1);
  if (!(askedPps > 0)) return null;
  return short(r, askedPps, r.window.offered, tolerance, poisson)
    ? { askedPps, offeredPps: r.offered_pps }
    : null;
}

/**
 * One direction of a `both` trial whose sender offered less than the `ratePps` asked of it (the
 * same test as senderShortfall, on that direction's own frames over the trial's window), else
 * null. Summed over the two directions, a transmit sender held back hid behind a receive
 * direction that offered its all, and the note spoke of "the sender" and of the receive loss.
 */
export function directionShortfall(
  r: SimResult,
  direction: "rx" | "tx",
  ratePps: number,
  tolerance: number,
  poisson: boolean,
): Shortfall | null {
  const d = r.per_direction?.[direction];
  const frames = r.window.per_direction?.[direction];
  if (d === undefined || frames === undefined || !(ratePps > 0)) return null;
  return short(r, ratePps, frames.offered, tolerance, poisson)
    ? { askedPps: ratePps, offeredPps: d.offered_pps }
    : null;
}

/** `offered` frames in the window fall short of `askedPps` over its length by more than the
 *  allowance (one frame, the tolerance, Poisson's spread); a window of no length judges nothing. */
function short(
  r: SimResult,
  askedPps: number,
  offered: number,
  tolerance: number,
  poisson: boolean,
): boolean {
  const windowS = (r.window.to_ns - r.window.from_ns) / 1e9;
  if (!(windowS > 0)) return false;
  const askedFrames = askedPps * windowS;
  const allowance = 1 + tolerance * askedFrames + (poisson ? 5 * Math.sqrt(askedFrames) : 0);
  return askedFrames - offered > allowance;
}
