// The runner a command uses: 1 worker = simulations inline on this thread (no thread start-up);
// N > 1 = a piscina pool of N workers (src/experiment/pool.ts), with this thread simulating too
// until they have started (src/experiment/hybrid.ts). All call the same simulate().
// Either way a worker that dies during a simulation (an injected worker-exit fault, or a real
// crash) costs that simulation one rerun, recorded in its result.
import { type FaultSpec, withWorkerExitRetry } from "../engine/faults.ts";
import { PartitionedRunner } from "../engine/parallel/run.ts";
import { ensureKernels, simulate } from "../engine/simulate.ts";
import { hybridRunner } from "./hybrid.ts";
import { poolRunner } from "./pool.ts";
import { inlineRunner, type TrialRunner } from "./runner.ts";

type WorkerExit = Extract<FaultSpec, { kind: "worker-exit" }>;

export async function createRunner(
  workers: number,
  o: { workerExit?: WorkerExit | null; partitions?: 1 | 2 } = {},
): Promise<TrialRunner> {
  // Builds the Wasm kernels if needed, before any worker loads them.
  await ensureKernels();
  if (o.partitions === 2) return partitionedRunner();
  return withWorkerExit(workers > 1 ? startingPool(workers) : inlineRunner(simulate), o.workerExit ?? null);
}

/** A pool of `workers` threads, started when the experiment proves long enough, and this
 *  thread simulating until they are up (src/experiment/hybrid.ts). */
function startingPool(workers: number): TrialRunner {
  return hybridRunner(
    workers,
    () => {
      const pool = poolRunner(workers);
      return { pool, started: Array.from({ length: workers }, () => pool.probe()) };
    },
    simulate,
  );
}

/** Each simulation on two threads (conservative synchronization, src/engine/parallel/), one
 *  simulation at a time: the same simulated results as one thread. */
function partitionedRunner(): TrialRunner {
  const p = new PartitionedRunner();
  return { workers: 1, run: (spec) => p.simulate(spec), close: () => p.close() };
}

/**
 * Reruns a simulation whose worker died (once), and injects `fault` into the first simulation
 * asked for (the experiment asks in a deterministic order: the first case's first trial).
 */
export function withWorkerExit(r: TrialRunner, fault: WorkerExit | null): TrialRunner {
  let first = true;
  return {
    workers: r.workers,
    close: () => r.close(),
    run: async (spec) => {
      const inject = first ? fault : null;
      first = false;
      const { result, record } = await withWorkerExitRetry(inject, (withFault) =>
        r.run(withFault && inject ? { ...spec, faults: [...(spec.faults ?? []), inject] } : spec),
      );
      if (record) result.faults = [...(result.faults ?? []), record];
      return result;
    },
  };
}
