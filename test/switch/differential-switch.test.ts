// Differential test (issue 4 item 6): the Wasm switch and the reference switch agree on
// 100,000+ random frames across random switch configurations: per-frame outcome, deliveries
// (pool, queue, hash, RSS type, flags, bytes), wire output and every counter.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModule } from "../../src/switch/wasm.ts";
import { runBoth } from "./diff-harness.ts";
import { randomConfig, randomEvents, rng } from "./random-switch.ts";

const CONFIGS = 250;
const EVENTS_PER_CONFIG = 460;

beforeAll(async () => {
  await loadModule();
});

describe("Wasm switch vs reference switch on random frames and configurations", () => {
  it(`agrees on ${CONFIGS} configurations x ${EVENTS_PER_CONFIG} events`, () => {
    let frames = 0;
    // Both delivery modes (zero-copy hand-over and DMA-like copies), and the Tx fast path
    // (assembly/switch/fast-tx.ts txFast) must be exercised in each, not only the general path.
    const fast = { zeroCopy: 0, copy: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
        const r = rng(seed);
        const cfg = randomConfig(r);
        const alwaysCopy = (seed & 1) === 1;
        const res = runBoth(cfg, randomEvents(r, cfg, EVENTS_PER_CONFIG), undefined, { alwaysCopy });
        frames += res.frames;
        fast[alwaysCopy ? "copy" : "zeroCopy"] += res.fastFrames;
        if (res.problems.length > 0) throw new Error(`seed ${seed}:\n${res.problems.join("\n")}`);
      }),
      { numRuns: CONFIGS, seed: 0x10f5, endOnFailure: true },
    );
    expect(frames).toBeGreaterThanOrEqual(100_000);
    expect(fast.zeroCopy).toBeGreaterThan(100); // heavier coverage: differential-fastpath.test.ts
    expect(fast.copy).toBeGreaterThan(100);
  });
});
