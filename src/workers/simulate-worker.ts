// The piscina worker entry point for simulations: each task is one ScenarioSpec, run to
// completion in virtual time; the result is plain data (structured-cloned back). The engine keeps
// one compiled module and one shared memory per thread (src/engine/graph.ts), so each worker
// instantiates them once, at its first simulation, and reuses them for every later one. The main
// thread has built the Wasm file before starting the pool (src/experiment/runners.ts). The
// thread loads this module as ESM through src/engine/esm-entry.mjs (src/experiment/pool.ts).
import { WORKER_EXIT_CODE } from "../engine/faults.ts";
import { simulate } from "../engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";
import { UserError } from "../errors.ts";

/** A user error crosses the thread boundary as data (an Error's class and code would not). */
export type SimulateReply =
  | { ok: true; result: SimResult }
  | { ok: false; userError: { code: string; message: string; exitCode: number } };

export default function runSimulation(spec: ScenarioSpec): SimulateReply {
  try {
    // An injected worker-exit fault ends this thread mid-run, as a crash would: piscina reports
    // the exit to the runner, which reruns the simulation on a fresh worker.
    return { ok: true, result: simulate(spec, { onWorkerExit: () => process.exit(WORKER_EXIT_CODE) }) };
  } catch (e) {
    if (e instanceof UserError)
      return { ok: false, userError: { code: e.code, message: e.message, exitCode: e.exitCode } };
    throw e;
  }
}
