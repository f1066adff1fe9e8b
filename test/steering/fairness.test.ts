import { describe, expect, it } from "vitest";
import { balance, jain } from "../../src/steering/fairness.ts";
import { modelThroughput, STEERING_MODEL } from "../../src/steering/model.ts";
import { buildSteeringTraffic, flowSequence } from "../../src/steering/traffic.ts";

describe("fairness measures (anchors §4.3)", () => {
  it("Jain's index: 1 when equal, k/n when k of n share equally, 1/n for one queue", () => {
    expect(jain([5, 5, 5, 5])).toBe(1);
    expect(jain([4, 4, 0, 0])).toBe(0.5);
    expect(jain([9, 0, 0, 0])).toBe(0.25);
    expect(jain([0, 0])).toBe(0);
  });
  it("balance is mean/max", () => {
    expect(balance([5, 5, 5, 5])).toBe(1);
    expect(balance([8, 0, 0, 0])).toBe(0.25);
    expect(balance([3, 1])).toBeCloseTo(2 / 3);
  });
  it("the model scales the per-core rate by n x balance and caps software dispatch", () => {
    expect(modelThroughput([10, 0, 0, 0], false).mpps).toBeCloseTo(STEERING_MODEL.coreMpps);
    expect(modelThroughput([10, 10, 10, 10], false).mpps).toBeCloseTo(4 * STEERING_MODEL.coreMpps);
    const d = modelThroughput([10, 10, 10, 10], true);
    expect(d.mpps).toBe(Math.min(STEERING_MODEL.dispatcherMpps, 4 * STEERING_MODEL.coreMpps));
  });
});

describe("steering traffic", () => {
  it("uniform popularity is exactly even; Zipf is skewed and reproducible from the seed", () => {
    const u = flowSequence({ flows: 8, popularity: "uniform", zipfS: 1, frames: 64, seed: 1 });
    expect(new Set(u).size).toBe(8);
    const z1 = flowSequence({ flows: 64, popularity: "zipf", zipfS: 1.2, frames: 4000, seed: 7 });
    const z2 = flowSequence({ flows: 64, popularity: "zipf", zipfS: 1.2, frames: 4000, seed: 7 });
    expect(z1).toEqual(z2);
    const top = z1.filter((f) => f === 0).length;
    const tail = z1.filter((f) => f === 63).length;
    expect(top).toBeGreaterThan(10 * Math.max(1, tail));
  });
  it("instances regime addresses each flow to its instance's MAC; one-tunnel uses one MAC", () => {
    const mac = (f: Uint8Array) =>
      Array.from(f.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
    const base = {
      encap: "vxlan" as const,
      flows: 16,
      popularity: "uniform" as const,
      zipfS: 1,
      frames: 64,
      instances: 4,
      seed: 1,
    };
    const one = buildSteeringTraffic({ ...base, regime: "one-tunnel" });
    expect(new Set(one.frames.map(mac)).size).toBe(1);
    const many = buildSteeringTraffic({ ...base, regime: "instances" });
    expect(new Set(many.frames.map(mac))).toEqual(new Set(many.dstMacs));
    expect(many.dstMacs).toHaveLength(4);
  });
  it("rejects out-of-range sizes with the option's name", () => {
    const base = {
      encap: "gtpu" as const,
      regime: "one-tunnel" as const,
      popularity: "uniform" as const,
      zipfS: 1,
      instances: 4,
      seed: 1,
    };
    expect(() => buildSteeringTraffic({ ...base, flows: 0, frames: 10 })).toThrow(/--flows/);
    expect(() => buildSteeringTraffic({ ...base, flows: 4, frames: 0 })).toThrow(/--frames/);
  });
});
