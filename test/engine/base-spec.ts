// The engine tests' base scenario and the comparison they share: native Rx, default traffic,
// 1 Mpps constant for 2 ms after 0.2 ms warm-up, seed 7, bhyve costs; a test names only what
// it changes.
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

export function baseSpec(over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    path: "native",
    direction: "rx",
    traffic: defaultProfile(),
    ratePps: 1e6,
    arrival: "constant",
    durationNs: 2e6,
    warmupNs: 2e5,
    seed: 7,
    profile: "bhyve",
    ...over,
  };
}

/** A result without its wall-clock block (and setup time), as plain JSON data. */
export function simulated(r: unknown): unknown {
  const { simulator: _s, ...rest } = r as { simulator?: unknown };
  return JSON.parse(JSON.stringify(rest));
}
