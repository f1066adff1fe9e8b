// The piscina worker entry point for simulations: each task is one ScenarioSpec, run to
// completion in virtual time; the result is plain data (structured-cloned back). The engine keeps
// one compiled module, one memory and one instance per thread (src/engine/warm.ts), so each worker
// instantiates them once, at its start-up probe, and reuses them for every later one. The main
// thread has built the Wasm file before starting the pool (src/experiment/runners.ts). The
// thread loads this module as ESM through src/engine/esm-entry.mjs (src/experiment/pool.ts).
import { WORKER_EXIT_CODE } from "../engine/faults.ts";
import { simulate } from "../engine/simulate.ts";
import type { ScenarioSpec } from "../engine/types.ts";
import { threadEngine } from "../engine/warm.ts";
import { UserError } from "../errors.ts";
import { isStartProbe, type SimulateReply, type StartProbe } from "./simulate-protocol.ts";

export default function runSimulation(
  spec: ScenarioSpec | StartProbe,
): SimulateReply | { ok: true; up: true } {
  // The start-up probe (src/experiment/hybrid.ts): the engine's modules are loaded by now; make
  // the thread's warm engine too, then answer.
  if (isStartProbe(spec)) {
    threadEngine();
    return { ok: true, up: true };
  }
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
