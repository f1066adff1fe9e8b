// Whether a trial's sender offered the load it was asked for. A sender on a CPU (the consumer's
// application transmitting, pktgen writing into a tap) is pushed back when the path cannot take
// its frames: it waits for room in its stack and ring (the engine's generator keeps its frames
// due and sends them late) or skips the slots it missed while busy, so it offers less than asked
// and loses nothing. Such a trial measured a lower load than the one it was run at: it cannot
// pass that load (the search), and its offered figure must not be read as the one asked (--rate).
// A sender sharing its CPU with the receive path also falls short waiting for receive work,
// which runs first (src/engine/receive-first.ts); shortSenders tells the two apart from what the
// engine recorded (SimResult.receive_first, SimResult.pushed_back).
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

/** A sender that fell short of its load, and what the engine recorded holding it back inside
 *  the measured window (shares of the window's length): receive work on its CPU that ran first
 *  (SimResult.receive_first: src/engine/receive-first.ts), and the path pushing it back
 *  (SimResult.pushed_back): its queue full (back-pressure), or its CPU busy with work already
 *  placed there. Shares of 0: the engine recorded no such time. */
export interface ShortSender extends Shortfall {
  direction: "rx" | "tx";
  /** The CPU it sends on (null: the engine recorded no wait or push-back for it). */
  resource: string | null;
  receiveFirstShare: number;
  queueFullShare: number;
  cpuBusyShare: number;
}

/**
 * The senders of the trial at `ratePps` (per direction) that fell short of their load
 * (directionShortfall for `both`, senderShortfall otherwise), each with what held it back.
 */
export function shortSenders(
  r: SimResult,
  ratePps: number,
  tolerance: number,
  poisson: boolean,
): ShortSender[] {
  const windowNs = r.window.to_ns - r.window.from_ns;
  const dirs: Array<"rx" | "tx"> = r.direction === "both" ? ["rx", "tx"] : [r.direction];
  const out: ShortSender[] = [];
  for (const direction of dirs) {
    const short =
      r.direction === "both"
        ? directionShortfall(r, direction, ratePps, tolerance, poisson)
        : senderShortfall(r, ratePps, tolerance, poisson);
    if (short === null) continue;
    const waited = (r.receive_first ?? []).filter((h) => h.direction === direction);
    const pushed = (r.pushed_back ?? []).filter((h) => h.direction === direction);
    const share = (ns: number) => (windowNs > 0 ? ns / windowNs : 0);
    const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
    out.push({
      ...short,
      direction,
      resource: waited[0]?.resource ?? pushed[0]?.resource ?? null,
      receiveFirstShare: share(sum(waited, (h) => h.waited_ns)),
      queueFullShare: share(sum(pushed, (h) => h.queue_full_ns)),
      cpuBusyShare: share(sum(pushed, (h) => h.cpu_busy_ns)),
    });
  }
  return out;
}

/** Why a short sender offered less, as the notes say it: each cause the engine recorded, the
 *  largest first, with its share of the measured window. */
export function shortfallCauses(
  s: Pick<ShortSender, "receiveFirstShare" | "queueFullShare" | "cpuBusyShare">,
): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const causes: Array<[number, string]> = [];
  if (s.receiveFirstShare > 0)
    causes.push([
      s.receiveFirstShare,
      `waited for receive work on its CPU for ${pct(s.receiveFirstShare)} of the window (receive first)`,
    ]);
  if (s.queueFullShare > 0)
    causes.push([s.queueFullShare, `found its queue full for ${pct(s.queueFullShare)} (pushed back)`]);
  if (s.cpuBusyShare > 0)
    causes.push([s.cpuBusyShare, `was behind with its CPU busy for ${pct(s.cpuBusyShare)} (pushed back)`]);
  if (causes.length === 0) return "no wait or push-back recorded";
  const texts = causes.sort((a, b) => b[0] - a[0]).map(([, t]) => t);
  return texts.length === 1 ? texts[0] : `${texts.slice(0, -1).join(", ")} and ${texts.at(-1)}`;
}
