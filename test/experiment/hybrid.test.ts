// The hybrid runner (src/experiment/hybrid.ts): this thread simulates until the pool is worth
// starting and its workers are up; then the pool takes everything. Uses in-process doubles for
// both lanes (which lane ran a spec is recorded in the double's result), never wall-clock time.
import { describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { hybridRunner } from "../../src/experiment/hybrid.ts";
import { poolRunner } from "../../src/experiment/pool.ts";
import type { TrialRunner } from "../../src/experiment/runner.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

const spec = (seed: number, over: Partial<ScenarioSpec> = {}): ScenarioSpec => ({
  path: "native",
  direction: "rx",
  traffic: defaultProfile(),
  ratePps: 1e6,
  arrival: "constant",
  durationNs: 1e6,
  seed,
  profile: "bhyve",
  ...over,
});

/** A result that names the lane that made it. */
const result = (s: ScenarioSpec, lane: string) => ({ lane, seed: s.seed }) as unknown as SimResult;
const laneOf = (r: SimResult) => (r as unknown as { lane: string }).lane;

function lanes(startAfterMs: number) {
  const log = { poolStarts: 0, closed: false };
  let release: () => void = () => {};
  const up = new Promise<void>((res) => {
    release = res;
  });
  const pool: TrialRunner = {
    workers: 2,
    run: async (s) => result(s, "pool"),
    close: async () => {
      log.closed = true;
    },
  };
  const runner = hybridRunner(
    2,
    () => {
      log.poolStarts++;
      return { pool, started: [up, up] };
    },
    (s) => result(s, "here"),
    startAfterMs,
  );
  return { runner, log, release };
}

describe("hybrid runner (this thread, then the pool)", () => {
  it("a short experiment runs on this thread and never starts the pool", async () => {
    const { runner, log } = lanes(Number.POSITIVE_INFINITY);
    const rs = await Promise.all([1, 2, 3, 4].map((i) => runner.run(spec(i))));
    expect(rs.map(laneOf)).toEqual(["here", "here", "here", "here"]);
    expect(rs.map((r) => (r as unknown as { seed: number }).seed)).toEqual([1, 2, 3, 4]);
    await runner.close();
    expect(log.poolStarts).toBe(0);
  });

  it("starts the pool when work waits past the threshold, and hands everything to it once up", async () => {
    const { runner, log, release } = lanes(0);
    const first = await Promise.all([1, 2, 3].map((i) => runner.run(spec(i))));
    // The workers are not up yet: this thread ran all three, and the pool was started once.
    expect(first.map(laneOf)).toEqual(["here", "here", "here"]);
    expect(log.poolStarts).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    const later = await Promise.all([4, 5, 6].map((i) => runner.run(spec(i))));
    expect(later.map(laneOf)).toEqual(["pool", "pool", "pool"]);
    await runner.close();
    expect(log.closed).toBe(true);
  });

  it("sends a spec that injects a worker exit to the pool, never to this thread", async () => {
    const { runner, log, release } = lanes(Number.POSITIVE_INFINITY);
    const exit = spec(9, { faults: [{ kind: "worker-exit", at: { fraction: 0.25 } }] });
    const waiting = runner.run(exit);
    const other = await runner.run(spec(1));
    expect(laneOf(other)).toBe("here");
    expect(log.poolStarts).toBe(1);
    release();
    expect(laneOf(await waiting)).toBe("pool");
    await runner.close();
  });

  it("passes this thread's errors to the caller", async () => {
    const runner = hybridRunner(
      2,
      () => {
        throw new Error("pool must not start");
      },
      () => {
        throw new Error("bad spec");
      },
      Number.POSITIVE_INFINITY,
    );
    await expect(runner.run(spec(1))).rejects.toThrow(/bad spec/);
    await runner.close();
  });

  it("real engine: simulations on the started pool equal this thread's (minus the simulator block)", async () => {
    await ensureKernels();
    const specs = [
      spec(1, { path: "vm-vf", durationNs: 200_000 }),
      spec(2, { path: "virtio", durationNs: 200_000 }),
    ];
    const plain = (r: SimResult) => JSON.stringify({ ...r, simulator: undefined });
    const want = specs.map((s) => plain(simulate(s)));
    let started: Array<Promise<unknown>> = [];
    let hereRuns = 0;
    const runner = hybridRunner(
      2,
      () => {
        const pool = poolRunner(2);
        started = [pool.probe(), pool.probe()];
        return { pool, started };
      },
      (s) => {
        hereRuns++;
        return simulate(s);
      },
      0, // the first waiting simulation starts the pool
    );
    try {
      expect(plain(await runner.run(specs[0]))).toBe(want[0]);
      expect(hereRuns).toBe(1);
      await Promise.all(started);
      const rs = await Promise.all(specs.map((s) => runner.run(s)));
      expect(hereRuns).toBe(1); // both ran on the pool's workers
      expect(rs.map(plain)).toEqual(want);
    } finally {
      await runner.close();
    }
  }, 120_000);
});
