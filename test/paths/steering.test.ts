import { describe, expect, it } from "vitest";
import { jain, steeringComparison } from "../../src/paths/steering.ts";

describe("steering comparison on tunnelled traffic (anchors §4)", () => {
  it("Jain's index: 1 when equal, k/n when k of n share, 1/n for one queue", () => {
    expect(jain([5, 5, 5, 5])).toBe(1);
    expect(jain([4, 4, 0, 0])).toBe(0.5);
    expect(jain([9, 0, 0, 0])).toBe(0.25);
  });
  it("one tunnel collapses outer RSS and MAC steering onto one queue; inner RSS spreads it", () => {
    const rows = steeringComparison(["vxlan", "gtpu"], 4, 256, 2048);
    for (const encap of ["vxlan", "gtpu"]) {
      const j = (s: string) => rows.find((r) => r.encap === encap && r.strategy === s)!.jain;
      expect(j("single queue")).toBe(0.25);
      expect(j("outer RSS")).toBe(0.25);
      expect(j("MAC-based VF steering")).toBe(0.25);
      expect(j("inner RSS")).toBeGreaterThanOrEqual(0.95);
      expect(j("software dispatch")).toBeGreaterThanOrEqual(0.95);
      for (const r of rows) expect(r.perQueue.reduce((a, b) => a + b, 0)).toBe(2048);
    }
  });
});
