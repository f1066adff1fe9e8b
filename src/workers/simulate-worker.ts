// The piscina worker entry point for simulations: each task is one ScenarioSpec, run to
// completion in virtual time; the result is plain data (structured-cloned back). The engine
// module (and with it the Wasm module and memory) is loaded once per worker, at start-up.
import { simulate } from "../engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";

export default function runSimulation(spec: ScenarioSpec): SimResult | Promise<SimResult> {
  return simulate(spec);
}
