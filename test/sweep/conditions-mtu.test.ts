// sweep merge --html's test conditions say the paths' MTU where a point ran at another than
// 1500, as the paths report's conditions do (a jumbo sweep read as if at the default MTU).
import { describe, expect, it } from "vitest";
import { sweepConditionRows } from "../../src/sweep/conditions.ts";
import type { MergedSweep } from "../../src/sweep/merge.ts";
import { pathsDoc } from "../report/paths-doc.ts";

function merged(mtus: Array<number | undefined>, axes: string[] = []): MergedSweep {
  const points = mtus.map((mtu, index) => {
    const result: Record<string, unknown> = { ...pathsDoc() };
    if (mtu === undefined) delete result.mtu_bytes;
    else result.mtu_bytes = mtu;
    return { index, coords: {}, seed: 1, result };
  });
  const m = {
    schema: "x",
    sweep: "s",
    experiment: "paths",
    hash: "h",
    version: "v",
    axes,
    count: points.length,
  };
  return { ...m, points } as unknown as MergedSweep;
}

describe("sweep merge: the MTU condition", () => {
  it("names the MTU when a point ran at another than 1500, and the axis that varies it", () => {
    expect(new Map(sweepConditionRows(merged([9000, 9000]))).get("MTU")).toBe(
      "9000 on every interface of the paths (paths --mtu)",
    );
    expect(new Map(sweepConditionRows(merged([1500, 9000], ["mtu"]))).get("MTU")).toBe(
      "1500, 9000 on every interface of the paths (paths --mtu) (the mtu axis)",
    );
  });

  it("says nothing at 1500, nor for documents from before mtu_bytes (they ran at 1500)", () => {
    expect(new Map(sweepConditionRows(merged([1500, undefined]))).has("MTU")).toBe(false);
  });
});
