// A thread keeps one Wasm memory and kernel instance warm between simulations, and caches the
// hosts it set up (src/engine/warm.ts, src/paths/setup.ts cachedSetupHost). None of it may show
// in a result: the same spec gives the same JSON (minus the wall-clock simulator block) cold, on
// a fresh memory, and warm, after other simulations in the same thread, even when everything the
// previous run left in the memory is garbage.
import { beforeAll, describe, expect, it } from "vitest";
import { preparedStats } from "../../src/engine/layout-cache.ts";
import { simulatePing } from "../../src/engine/ping.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { Direction, ScenarioSpec } from "../../src/engine/types.ts";
import { dropThreadEngine, threadEngine } from "../../src/engine/warm.ts";
import { ENGINE_PATH_NAMES, enginePath } from "../../src/paths/path-graphs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { GOLDEN_SCENARIOS } from "./golden-scenarios.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

function spec(path: string, direction: Direction, over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    path,
    direction,
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps: 1_000_000,
    arrival: "poisson",
    durationNs: 300_000,
    seed: 7,
    profile: "bhyve",
    ...over,
  };
}

function simulated(r: unknown): string {
  const { simulator: _wallClock, ...rest } = r as { simulator?: unknown };
  return JSON.stringify(rest);
}

function cold<T>(run: () => T): T {
  dropThreadEngine();
  return run();
}

/** Fills the warm memory above the kernels' heap with pseudo-random words (what a run leaves
 *  there is never read by the next one: it lays every region out zeroed and writes each frame
 *  before reading it). Not one repeated byte: a ring whose head and tail were left equal would
 *  look empty and hide a missing reset. */
function poisonWarmMemory(): void {
  const e = threadEngine();
  const base = Math.ceil(e.heapBase / 4096) * 4096;
  const words = new Uint32Array(e.memory.buffer, base);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
}

const directions = (name: string): Direction[] => {
  const p = enginePath(name)!;
  return [...(p.rx ? (["rx"] as const) : []), ...(p.tx ? (["tx"] as const) : [])];
};

describe("warm engine (one memory and instance per thread, cached hosts)", () => {
  it("gives the same result cold and warm after a different spec in the same thread", () => {
    const a = spec("vm-vf", "rx", { ratePps: 2_000_000 });
    const b = spec("virtio", "rx", {
      traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
      ratePps: 300_000,
      arrival: "constant",
      seed: 3,
    });
    const coldA = simulated(cold(() => simulate(a)));
    simulate(b); // another path, size, rate and seed dirties the memory and the caches
    const warmA = simulated(simulate(a));
    expect(warmA).toBe(coldA);
    // and the other way round
    const coldB = simulated(cold(() => simulate(b)));
    simulate(a);
    expect(simulated(simulate(b))).toBe(coldB);
    const wantPing = simulated(
      cold(() => simulatePing({ path: "vm-vf", count: 3, seed: 1, profile: "bhyve" })),
    );
    simulate(b);
    expect(simulated(simulatePing({ path: "vm-vf", count: 3, seed: 1, profile: "bhyve" }))).toBe(wantPing);
  });

  it("reuses the thread's memory and instance between simulations", () => {
    dropThreadEngine();
    simulate(spec("native", "rx"));
    const first = threadEngine();
    simulate(spec("jail-vf", "rx"));
    expect(threadEngine().memory).toBe(first.memory);
    expect(threadEngine().instance).toBe(first.instance);
    expect(threadEngine().uses).toBe(2);
  });

  it("lays a path out once for trials that differ only in rate and duration, and the reuse equals a cold run", () => {
    dropThreadEngine();
    const before = { ...preparedStats };
    const slow = spec("vm-vf", "rx", { ratePps: 500_000 });
    const fast = spec("vm-vf", "rx", { ratePps: 3_000_000, durationNs: 200_000 });
    simulate(slow);
    const reused = simulated(simulate(fast));
    expect(preparedStats.laidOut - before.laidOut).toBe(1);
    expect(preparedStats.reused - before.reused).toBe(1);
    expect(reused).toBe(simulated(cold(() => simulate(fast))));
    // Another seed (other frames) is another layout.
    simulate({ ...fast, seed: 8 });
    expect(preparedStats.laidOut - before.laidOut).toBe(3);
  });

  for (const path of ENGINE_PATH_NAMES)
    for (const direction of directions(path))
      it(`${path} ${direction}: a warm run over garbage left in the memory equals a cold run`, () => {
        const s = spec(path, direction);
        const want = simulated(cold(() => simulate(s)));
        poisonWarmMemory();
        expect(simulated(simulate(s))).toBe(want);
      });

  // The steering simulation lays its switch out in the same warm memory.
  for (const name of Object.keys(GOLDEN_SCENARIOS).filter((n) => n.startsWith("steering ")))
    it(`${name}: a warm run over garbage left in the memory equals a cold run`, () => {
      const run = GOLDEN_SCENARIOS[name];
      const want = simulated(cold(run));
      poisonWarmMemory();
      expect(simulated(run())).toBe(want);
    });
});
