// The piscina worker entry point for simulations: each task is one ScenarioSpec, run to
// completion in virtual time; the result is plain data (structured-cloned back). The engine keeps
// one compiled module and one shared memory per thread (src/engine/graph.ts), so each worker
// instantiates them once, at its first simulation, and reuses them for every later one.
import { ensureKernels, simulate } from "../engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";

await ensureKernels();

export default function runSimulation(spec: ScenarioSpec): SimResult {
  return simulate(spec);
}
