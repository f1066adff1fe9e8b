// ping(8)'s summary of round-trip times (min/avg/max/stddev, population stddev as FreeBSD's
// ping prints it) plus the percentiles a latency study needs (nearest rank). With no reply
// there is no round-trip time: every figure is null (never 0, which reads as a measurement).
export interface RttSummary {
  min: number;
  avg: number;
  max: number;
  stddev: number;
  p50: number;
  p99: number;
}

/** A summary, or every figure null when no reply came back. */
export type RttFigures = RttSummary | { [K in keyof RttSummary]: null };

export const NO_RTT: { [K in keyof RttSummary]: null } = {
  min: null,
  avg: null,
  max: null,
  stddev: null,
  p50: null,
  p99: null,
};

/** Nearest-rank percentile of sorted values (q in 0..1). */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarizeRtts(rtts: readonly number[]): RttFigures {
  if (rtts.length === 0) return { ...NO_RTT };
  const s = [...rtts].sort((a, b) => a - b);
  // Summed as offsets from the minimum: round trips that do not vary give exactly their value
  // and a stddev of 0 (a plain sum of ten 9.782s averages to 9.781999999999998, stddev 2e-15).
  const avg = s[0] + s.reduce((a, b) => a + (b - s[0]), 0) / s.length;
  const stddev = Math.sqrt(s.reduce((a, b) => a + (b - avg) ** 2, 0) / s.length);
  return {
    min: s[0],
    avg,
    max: s[s.length - 1],
    stddev,
    p50: nearestRank(s, 0.5),
    p99: nearestRank(s, 0.99),
  };
}
