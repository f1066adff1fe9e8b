// Offered load: line rate of a link for a frame size, and `--rate` as a user writes it
// (pps, kpps, Mpps, Mbps, Gbps or % of line rate, or line). Gbps are Layer-1 bits (frame + 20 B of preamble,
// start delimiter and inter-frame gap), so 100 % of a 10 GbE line is 10 Gbps at every size.

import { UserError } from "../errors.ts";

/** Preamble (7) + start-of-frame delimiter (1) + minimum inter-frame gap (12), IEEE 802.3. */
export const PREAMBLE_IFG_BYTES = 20;

/** Frames per second a link carries back to back at `frameBytes` (with FCS). */
export function lineRatePps(frameBytes: number, linkGbps: number): number {
  return (linkGbps * 1e9) / ((frameBytes + PREAMBLE_IFG_BYTES) * 8);
}

/** Layer-1 Gbit/s of `pps` frames of `frameBytes` (with FCS). */
export function l1Gbps(pps: number, frameBytes: number): number {
  return (pps * (frameBytes + PREAMBLE_IFG_BYTES) * 8) / 1e9;
}

export type RateSpec =
  /** `upToLine`: a rate the wire caps rather than refuses (a capture at its own timestamps:
   *  frames packed closer than a link carries them arrive at its line rate). */
  | { kind: "pps"; pps: number; text: string; upToLine?: true }
  | { kind: "gbps"; gbps: number; text: string }
  | { kind: "percent"; percent: number; text: string };

const UNITS: Record<string, (n: number) => { kind: "pps" | "gbps"; value: number }> = {
  pps: (n) => ({ kind: "pps", value: n }),
  kpps: (n) => ({ kind: "pps", value: n * 1e3 }),
  mpps: (n) => ({ kind: "pps", value: n * 1e6 }),
  mbps: (n) => ({ kind: "gbps", value: n / 1e3 }),
  gbps: (n) => ({ kind: "gbps", value: n }),
  // As the reports write a link ("10 Gbit/s link"), so the unit can be typed back.
  "mbit/s": (n) => ({ kind: "gbps", value: n / 1e3 }),
  "gbit/s": (n) => ({ kind: "gbps", value: n }),
};

/** Parses `14880952pps`, `500kpps`, `5Mpps`, `2500Mbps`, `2.5Gbps` (or Gbit/s, Mbit/s), `40%`
 *  or `line` (100 % of line rate: RFC 2544's maximum frame rate); case-insensitive. */
export function parseRate(text: string, option = "--rate"): RateSpec {
  if (/^\s*line\s*$/i.test(text)) return { kind: "percent", percent: 100, text };
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%|[a-zA-Z]+(?:\/s)?)\s*$/.exec(text);
  const bad = () =>
    new UserError(
      "E_USAGE",
      `${option}: '${text}' is not a rate (give a positive number with a unit: pps, kpps, Mpps, Mbps, Gbps (or Mbit/s, Gbit/s) or %, or 'line' for line rate; e.g. 5Mpps or 40%)`,
    );
  if (!m) throw bad();
  const n = Number(m[1]);
  if (!Number.isFinite(n) || n <= 0) throw bad();
  if (m[2] === "%") {
    if (n > 100) throw new UserError("E_USAGE", `${option}: '${text}' is above 100 % of line rate`);
    return { kind: "percent", percent: n, text };
  }
  const unit = UNITS[m[2].toLowerCase()];
  if (!unit) throw bad();
  const u = unit(n);
  return u.kind === "pps" ? { kind: "pps", pps: u.value, text } : { kind: "gbps", gbps: u.value, text };
}

/**
 * The rate in frames per second for frames of `frameBytes` on a `linkGbps` link. A rate above
 * line rate is an error (the wire cannot carry it), named with the size that exceeds it.
 */
export function resolveRate(r: RateSpec, frameBytes: number, linkGbps: number, option = "--rate"): number {
  const line = lineRatePps(frameBytes, linkGbps);
  const pps =
    r.kind === "percent"
      ? (line * r.percent) / 100
      : r.kind === "gbps"
        ? (r.gbps * 1e9) / ((frameBytes + PREAMBLE_IFG_BYTES) * 8)
        : r.pps;
  // A relative tolerance: 100 % or the exact line rate in pps must not fail on rounding.
  if (pps > line * (1 + 1e-9) && !(r.kind === "pps" && r.upToLine)) {
    throw new UserError(
      "E_USAGE",
      `${option} ${r.text}: above the line rate of ${Number(frameBytes.toFixed(1))}-byte frames on a ${linkGbps} Gbit/s link (${mppsBelow(line, pps)} Mpps)`,
    );
  }
  return Math.min(pps, line);
}

/**
 * The line rate in Mpps with enough decimals to read below the rate asked for: 14881kpps is
 * above 14.880952 Mpps, which three decimals wrote as 14.881, the rate refused.
 */
function mppsBelow(linePps: number, askedPps: number): string {
  let text = (linePps / 1e6).toFixed(3);
  for (let d = 4; d <= 6 && Number(text) >= askedPps / 1e6; d++) text = (linePps / 1e6).toFixed(d);
  return text;
}
