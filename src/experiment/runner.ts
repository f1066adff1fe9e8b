// Where trials run. An experiment asks a TrialRunner for one simulation per ScenarioSpec; the
// runner decides which thread runs it (inline on this thread, or a piscina worker). A
// simulation is a pure function of its spec, so which worker ran it never shows in a result.
import type { ScenarioSpec, SimResult } from "../engine/types.ts";

export interface TrialRunner {
  /** Threads simulating at once (1 for the inline runner). */
  readonly workers: number;
  run(spec: ScenarioSpec): Promise<SimResult>;
  close(): Promise<void>;
}

export type SimulateFn = (spec: ScenarioSpec) => SimResult | Promise<SimResult>;

/** Runs every simulation on the calling thread, one after the other. */
export function inlineRunner(simulate: SimulateFn): TrialRunner {
  return {
    workers: 1,
    run: async (spec) => simulate(spec),
    close: async () => {},
  };
}
