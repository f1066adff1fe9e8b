// Balance measures over per-core (per-queue) frame counts.

/** Jain's fairness index (anchors §4.3): (Σx)² / (n·Σx²), in [1/n, 1]; 0 when nothing arrived. */
export function jain(x: readonly number[]): number {
  const s = x.reduce((a, b) => a + b, 0);
  const s2 = x.reduce((a, b) => a + b * b, 0);
  return s2 === 0 ? 0 : (s * s) / (x.length * s2);
}

/**
 * Load-balance efficiency mean/max: the share of n cores' capacity usable before the busiest
 * one saturates (1 = perfectly even, 1/n = everything on one core). Throughput, unlike Jain's
 * index, is set by the busiest core, so the model uses this one.
 */
export function balance(x: readonly number[]): number {
  const max = Math.max(0, ...x);
  if (max === 0 || x.length === 0) return 0;
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return mean / max;
}

/** max/mean per-core load: 1 = even, n = everything on one of n cores; 0 when nothing arrived. */
export function maxOverMean(x: readonly number[]): number {
  const b = balance(x);
  return b === 0 ? 0 : 1 / b;
}
