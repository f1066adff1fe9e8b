// Trials on piscina worker threads: one worker entry point (src/workers/simulate-worker.ts),
// each worker instantiating the engine once and running whole simulations, one at a time. Which
// worker runs which simulation is piscina's choice and never shows in a result.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";
import { UserError } from "../errors.ts";
import type { SimulateReply } from "../workers/simulate-worker.ts";
import type { TrialRunner } from "./runner.ts";

const WORKER_FILE = fileURLToPath(new URL("../workers/simulate-worker.ts", import.meta.url));

/** execArgv for workers: the parent's, plus tsx's loader when it is not there (workers are .ts). */
export function workerExecArgv(): string[] {
  const argv = [...process.execArgv];
  const hasTsx =
    argv.some((a, i) => (a === "--import" || a === "--loader") && /tsx/.test(argv[i + 1] ?? "")) ||
    argv.some((a) => /^--(import|loader)=.*tsx/.test(a));
  if (!hasTsx) argv.push("--import", createRequire(import.meta.url).resolve("tsx"));
  return argv;
}

/** `filename`: the worker entry point (tests give a test double's). */
export function poolRunner(workers: number, filename = WORKER_FILE): TrialRunner {
  const pool = new Piscina({
    filename,
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
    close: () => pool.destroy(),
  };
}
