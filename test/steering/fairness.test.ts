import { describe, expect, it } from "vitest";
import { balance, jain, maxOverMean } from "../../src/steering/fairness.ts";
import { buildMix, flowSequence } from "../../src/steering/traffic.ts";

describe("fairness measures (anchors §4.3)", () => {
  it("Jain's index: 1 when equal, k/n when k of n share equally, 1/n for one queue", () => {
    expect(jain([5, 5, 5, 5])).toBe(1);
    expect(jain([4, 4, 0, 0])).toBe(0.5);
    expect(jain([9, 0, 0, 0])).toBe(0.25);
    expect(jain([0, 0])).toBe(0);
  });
  it("balance is mean/max and max/mean its inverse", () => {
    expect(balance([5, 5, 5, 5])).toBe(1);
    expect(balance([8, 0, 0, 0])).toBe(0.25);
    expect(maxOverMean([8, 0, 0, 0])).toBe(4);
    expect(maxOverMean([0, 0])).toBe(0);
  });
});

describe("traffic mixes", () => {
  it("Zipf popularity makes elephants; uniform does not", () => {
    const count = (zipfS: number) => {
      const t = buildMix({ mix: "gtpu", flows: 64, tunnels: 1, zipfS, seed: 3 });
      const c = new Array(64).fill(0);
      for (const f of flowSequence(t, 20000, 3)) c[f]++;
      return Math.max(...c) / (20000 / 64);
    };
    expect(count(0)).toBeLessThan(1.5);
    expect(count(1.2)).toBeGreaterThan(8);
  });
  it("every mix builds frames the reference parser reads; GTP-U pairs uplink with downlink", () => {
    for (const mix of ["plain", "vxlan", "gtpu", "gre", "mpls", "qinq", "esp", "mix"] as const) {
      const t = buildMix({ mix, flows: 32, tunnels: 2, zipfS: 0, seed: 1 });
      expect(t.flowFrames.length).toBe(32);
      expect(t.pairOf[3]).toBe(2);
    }
    const g = buildMix({ mix: "gtpu", flows: 4, tunnels: 1, zipfS: 0, seed: 1 });
    // Uplink (gNB -> UPF) and downlink (UPF -> gNB) of subscriber 0: outer addresses swapped.
    const src = (f: Uint8Array) => [...f.subarray(26, 30)].join(".");
    const dst = (f: Uint8Array) => [...f.subarray(30, 34)].join(".");
    expect(src(g.flowFrames[0]!)).toBe(dst(g.flowFrames[1]!));
  });
});
