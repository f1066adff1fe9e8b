// The minimum latency (latency_us.min) is exact: the sinks keep the smallest latency they
// measured (assembly/elements/sink.ts S_LAT_MIN), not a histogram bucket. At idle with constant arrivals
// every frame crosses an empty path, so each one's latency is the same: the exact minimum, the
// exact maximum and the mean are one figure. Over random scenarios the minimum bounds every
// percentile and the mean from below, and is 0 only where no frame was measured.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { baseSpec } from "./base-spec.ts";
import { PROPERTY_SEED, resolved, runOrRefused, scenario } from "./scenario-arb.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** min <= p50 <= p90 <= p99 <= p99.9 <= max and min <= mean <= max; what breaks, else []. */
function orderErrors(r: SimResult): string[] {
  const l = r.latency_us;
  const chain: Array<[string, number]> = [
    ["min", l.min],
    ["p50", l.p50],
    ["p90", l.p90],
    ["p99", l.p99],
    ["p999", l.p999],
    ["max", l.max],
  ];
  const errs: string[] = [];
  for (let i = 1; i < chain.length; i++)
    if (chain[i - 1][1] > chain[i][1])
      errs.push(`${chain[i - 1][0]} ${chain[i - 1][1]} > ${chain[i][0]} ${chain[i][1]}`);
  if (l.mean < l.min || l.mean > l.max) errs.push(`mean ${l.mean} outside [${l.min}, ${l.max}]`);
  return errs;
}

describe("minimum latency", () => {
  it.each(["native", "vm-vf", "virtio", "virtio-tap", "jail-epair"])(
    "%s at idle (1 kpps, constant): every frame alike, so min = max = mean exactly",
    (path) => {
      const r = simulate(baseSpec({ path, ratePps: 1000, durationNs: 5e6, warmupNs: 1e6 }));
      const l = r.latency_us;
      expect(r.delivered_pps).toBeGreaterThan(0);
      expect(l.min).toBeGreaterThan(0);
      expect(l.min).toBe(l.max);
      expect(l.mean).toBe(l.min);
      expect(orderErrors(r)).toEqual([]);
    },
  );

  it("under load the frames differ: min below max, and every percentile between them", () => {
    const r = simulate(baseSpec({ arrival: "poisson", ratePps: 1e6 }));
    expect(r.latency_us.min).toBeGreaterThan(0);
    expect(r.latency_us.min).toBeLessThan(r.latency_us.max);
    expect(orderErrors(r)).toEqual([]);
  });

  it("over random scenarios: min bounds the percentiles and the mean, 0 only with nothing measured", () => {
    let ran = 0;
    fc.assert(
      fc.property(scenario(), (s) => {
        const r = runOrRefused(() => simulate(resolved(s)));
        if (r === null) return true;
        ran++;
        expect(orderErrors(r), JSON.stringify(s)).toEqual([]);
        // Latency is whole simulator ns: an exact minimum is a whole ns, not a bucket midpoint.
        const ns = r.latency_us.min * 1000;
        expect(Math.abs(ns - Math.round(ns)), JSON.stringify(s)).toBeLessThan(1e-6);
        if (r.delivered_pps > 0) expect(r.latency_us.min, JSON.stringify(s)).toBeGreaterThan(0);
        else expect(r.latency_us.min).toBe(0);
        return true;
      }),
      { numRuns: 40, seed: PROPERTY_SEED + 11 },
    );
    expect(ran).toBeGreaterThan(20);
  }, 120_000);
});
