// The property both fast-path differential tests run: per seed, a biased configuration, the
// general random events with 70% of the non-drain ones replaced by the path's own case, run
// through both switches (odd seeds in always-copy mode); every difference fails the seed.
import fc from "fast-check";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { type DiffResult, runBoth, type SwitchEvent } from "./diff-harness.ts";
import { type Rng, randomEvents, rng } from "./random-switch.ts";

export interface FastPathRun {
  configs: number;
  eventsPerConfig: number;
  config: (r: Rng) => SwitchConfig;
  /** One event of the path's common case. */
  event: (r: Rng, cfg: SwitchConfig) => SwitchEvent;
  /** The frames the fast path under test took in one run. */
  fastFrames: (res: DiffResult) => number;
}

export interface FastPathTotals {
  frames: number;
  wire: number;
  /** Fast-path frames in zero-copy runs and in always-copy runs. */
  fast: { zeroCopy: number; copy: number };
}

export function checkFastPathAgrees(run: FastPathRun): FastPathTotals {
  const totals: FastPathTotals = { frames: 0, wire: 0, fast: { zeroCopy: 0, copy: 0 } };
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
      const r = rng(seed);
      const cfg = run.config(r);
      const general = randomEvents(r, cfg, run.eventsPerConfig);
      const events = general.map((e) => (e.kind === "drain" || r.bool(0.3) ? e : run.event(r, cfg)));
      const alwaysCopy = (seed & 1) === 1;
      const res = runBoth(cfg, events, undefined, { alwaysCopy });
      totals.frames += res.frames;
      totals.fast[alwaysCopy ? "copy" : "zeroCopy"] += run.fastFrames(res);
      totals.wire += events.filter((e) => e.kind === "wire").length;
      if (res.problems.length > 0) throw new Error(`seed ${seed}:\n${res.problems.join("\n")}`);
    }),
    { numRuns: run.configs, seed: 0x5eed, endOnFailure: true },
  );
  return totals;
}
