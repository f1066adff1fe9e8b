import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseShard, planSweep, shardFromEnv, shardPoints } from "../../src/sweep/plan.ts";
import { parseSweep } from "../../src/sweep/spec.ts";

const text = (seed = "fixed") => `name: p
experiment: paths
axes:
  path: [native, vm-vf, virtio]
  size: [64, 512, 1518]
  rate: [10%, 50%]
seed: { policy: ${seed}, value: 7 }
options: { trial-ms: 2 }
`;
const plan = (t = text()) => planSweep({ file: "p.yaml", text: t, spec: parseSweep(t, "p.yaml") });

describe("sweep plans", () => {
  it("is the product of the axes, last axis fastest, with each point's command line", () => {
    const p = plan();
    expect(p.points).toHaveLength(18);
    expect(p.points[0].coords).toEqual({ path: "native", size: 64, rate: "10%" });
    expect(p.points[1].coords).toEqual({ path: "native", size: 64, rate: "50%" });
    expect(p.points[17].coords).toEqual({ path: "virtio", size: 1518, rate: "50%" });
    expect(p.points[1].args).toEqual([
      "paths",
      "--trial-ms",
      "2",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "50%",
      "--seed",
      "7",
      "--json",
    ]);
  });

  it("per-point seeds depend on the coordinates, not on the point's position", () => {
    const a = plan(text("per-point"));
    const b = plan(text("per-point").replace("[native, vm-vf, virtio]", "[vm-vf, virtio]"));
    const find = (p: ReturnType<typeof plan>, path: string) =>
      p.points.find((x) => x.coords.path === path && x.coords.size === 512)!;
    expect(find(a, "virtio").seed).toBe(find(b, "virtio").seed);
    expect(new Set(a.points.map((x) => x.seed)).size).toBe(18);
  });

  it("a different sweep text is a different sweep", () => {
    expect(plan().hash).not.toBe(plan(text().replace("trial-ms: 2", "trial-ms: 3")).hash);
  });

  it("a point's cost follows --count (frames per trial) as it follows --trial-ms", () => {
    const counted = (counts: string) =>
      plan(`name: c\nexperiment: paths\naxes:\n  count: [${counts}]\noptions: { path: native, size: 64 }\n`);
    const [small, large] = counted("1000, 100000").points;
    expect(large.cost / small.cost).toBeCloseTo(100, 9);
    // A shard of the large point alone and one of the small point: the large one's shard is
    // the costly one, as its run simulates 100 times the frames.
    expect(shardPoints(counted("1000, 100000").points, 0, 2).map((p) => p.index)).toEqual([1]);
    // With a fixed --rate a count is one trial of those frames; a search runs about twelve.
    const rated = plan(
      "name: c\nexperiment: paths\naxes:\n  rate: [10%]\noptions: { path: native, size: 64, count: 1000 }\n",
    ).points[0];
    expect(small.cost / rated.cost).toBe(12);
  });

  it("shards partition the points, every one exactly once, balanced by cost", () => {
    const p = plan();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), (n) => {
        const seen: number[] = [];
        const loads: number[] = [];
        for (let k = 0; k < n; k++) {
          const s = shardPoints(p.points, k, n);
          seen.push(...s.map((x) => x.index));
          loads.push(s.reduce((a, x) => a + x.cost, 0));
          expect(s.map((x) => x.index)).toEqual([...s.map((x) => x.index)].sort((a, b) => a - b));
        }
        expect(seen.sort((a, b) => a - b)).toEqual(p.points.map((x) => x.index));
        const maxCost = Math.max(...p.points.map((x) => x.cost));
        if (n <= p.points.length)
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(maxCost);
      }),
    );
  });

  it("refuses shard numbers out of range", () => {
    expect(() => shardPoints(plan().points, 4, 4)).toThrow(/not in 0\.\.3/);
    expect(() => parseShard("1-4")).toThrow(/K\/N/);
  });

  it("takes K/N from Slurm job arrays and Kubernetes Indexed Jobs", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" })).toMatchObject({
      k: 2,
      n: 4,
    });
    expect(
      shardFromEnv({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1" }),
    ).toMatchObject({ k: 2, n: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "1", IOVSIM_SHARDS: "3" })).toMatchObject({ k: 1, n: 3 });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "1" })).toThrow(/IOVSIM_SHARDS/);
    expect(shardFromEnv({})).toBeUndefined();
  });
});
