// Trials on piscina worker threads: one worker entry point (src/workers/simulate-worker.ts),
// each worker instantiating the engine once and running whole simulations, one at a time. Which
// worker runs which simulation is piscina's choice and never shows in a result.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ScenarioSpec, SimResult } from "../engine/types.ts";
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
    run: (spec: ScenarioSpec) => pool.run(spec) as Promise<SimResult>,
    close: () => pool.destroy(),
  };
}
