// The runner a command uses: 1 worker = simulations inline on this thread (no thread start-up);
// N > 1 = a piscina pool of N workers (src/experiment/pool.ts). Both call the same simulate().
import { ensureKernels, simulate } from "../engine/simulate.ts";
import { poolRunner } from "./pool.ts";
import { inlineRunner, type TrialRunner } from "./runner.ts";

export async function createRunner(workers: number): Promise<TrialRunner> {
  // Builds the Wasm kernels if needed, before any worker loads them.
  await ensureKernels();
  if (workers > 1) return poolRunner(workers);
  return inlineRunner(simulate);
}
