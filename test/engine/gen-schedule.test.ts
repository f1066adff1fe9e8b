// The generator keeps the offered schedule: after a frame longer than the gap between frame
// starts (IMIX's 594 and 1518 B frames at 90 % of line rate), the next frames follow back to
// back until the schedule is met again, so the long-run offered rate is the rate asked, and the
// wire never carries more than it serializes. (Before, each start was the previous start plus a
// gap counted from when the wire let the frame out: 90 % of IMIX line rate offered 73 %.)
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { Arrival } from "../../src/engine/types.ts";
import { lineRatePps } from "../../src/experiment/rate.ts";
import { defaultProfile, type TrafficProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const IMIX_MEAN = (7 * 64 + 4 * 594 + 1518) / 12; // with FCS, as the line rate counts it
const imix = defaultProfile({ sizes: { kind: "imix" } });

function offered(traffic: TrafficProfile, ratePps: number, arrival: Arrival, durationNs: number) {
  return simulate({
    path: "native",
    direction: "rx",
    traffic,
    ratePps,
    arrival,
    durationNs,
    seed: 1,
    profile: "bhyve",
  }).offered_pps;
}

describe("the generator's schedule", () => {
  it("IMIX at 90 % of line rate is offered at 90 % (constant arrivals), within 0.1 %", () => {
    const asked = 0.9 * lineRatePps(IMIX_MEAN, 10);
    expect(offered(imix, asked, "constant", 2e6) / asked).toBeCloseTo(1, 3);
  });

  it("IMIX at line rate fills the wire and no more", () => {
    const line = lineRatePps(IMIX_MEAN, 10);
    const r = offered(imix, line, "constant", 2e6) / line;
    expect(r).toBeGreaterThan(0.998);
    expect(r).toBeLessThanOrEqual(1.001);
  });

  it("Poisson IMIX at 90 % keeps the asked rate over a long run (within 2 %)", () => {
    const asked = 0.9 * lineRatePps(IMIX_MEAN, 10);
    const r = offered(imix, asked, "poisson", 20e6) / asked;
    expect(r).toBeGreaterThan(0.98);
    expect(r).toBeLessThan(1.02);
  });

  it("a fixed size whose wire time fits the gap is offered as before", () => {
    const big = defaultProfile({ sizes: { kind: "fixed", size: 1518 } });
    const asked = 0.9 * lineRatePps(1518, 10);
    expect(offered(big, asked, "constant", 2e6) / asked).toBeCloseTo(1, 3);
  });
});
