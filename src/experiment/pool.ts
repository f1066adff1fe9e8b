// Trials on piscina worker threads: one worker entry point (src/workers/simulate-worker.ts),
// each worker instantiating the engine once and running whole simulations, one at a time. Which
// worker runs which simulation is piscina's choice and never shows in a result. The worker
// loads its TypeScript as ESM through src/engine/esm-entry.mjs (loaded through tsx's require
// hook instead, the same simulation ran at less than half the speed: see that file).
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";
import { ESM_ENTRY, esmEntryData, workerExecArgv } from "../engine/worker-thread.ts";
import { UserError } from "../errors.ts";
import { type SimulateReply, START_PROBE } from "../workers/simulate-protocol.ts";
import type { TrialRunner } from "./runner.ts";

const WORKER_FILE = fileURLToPath(new URL("../workers/simulate-worker.ts", import.meta.url));

/** `filename`: the worker module, TypeScript with a default-exported handler (tests give a test
 *  double's). */
export interface PoolRunner extends TrialRunner {
  /** A start-up probe (the simulate worker's START_PROBE task): settles when a worker has loaded
   *  the engine and answered. */
  probe(): Promise<unknown>;
}

export function poolRunner(workers: number, filename = WORKER_FILE): PoolRunner {
  const pool = new Piscina({
    filename: ESM_ENTRY,
    workerData: esmEntryData(filename),
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: 30_000,
    execArgv: workerExecArgv(),
  });
  return {
    workers,
    run: async (spec: ScenarioSpec): Promise<SimResult> => {
      const reply = (await pool.run(spec)) as SimulateReply | SimResult;
      // The simulate worker wraps its answer; a test double's worker may return the result.
      if (!("ok" in reply)) return reply;
      if (reply.ok) return reply.result;
      const u = reply.userError;
      throw new UserError(u.code, u.message, u.exitCode);
    },
    probe: () => pool.run(START_PROBE),
    close: () => pool.destroy(),
  };
}
