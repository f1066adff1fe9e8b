// The path engine: one shared WebAssembly.Memory, one compiled Module and one piscina pool for a
// whole CLI invocation; each run lays out its regions afresh in that memory.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { createMemory, loadModule } from "../switch/wasm.ts";
import type { WorkerResult, WorkerTask } from "../workers/path-worker.ts";
import { instantiatePathKernels } from "./kernels.ts";

const WORKER_FILE = fileURLToPath(new URL("../workers/path-worker.ts", import.meta.url));

/** execArgv for workers: the parent's, plus tsx's loader when it is not already there. */
export function workerExecArgv(): string[] {
  const argv = [...process.execArgv];
  const hasTsx =
    argv.some((a, i) => (a === "--import" || a === "--loader") && /tsx/.test(argv[i + 1] ?? "")) ||
    argv.some((a) => /^--(import|loader)=.*tsx/.test(a));
  if (!hasTsx) argv.push("--import", createRequire(import.meta.url).resolve("tsx"));
  return argv;
}

export class PathEngine {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly heapBase: number;
  readonly threads: number;
  private pool: Piscina;

  private constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, threads: number) {
    this.memory = memory;
    this.module = module;
    this.heapBase = instantiatePathKernels(module, memory).heapBase;
    this.threads = threads;
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 30_000,
      atomics: "sync",
      concurrentTasksPerWorker: 1,
      execArgv: workerExecArgv(),
      workerData: { memory, module },
    });
  }

  /** Threads: the most workers any run of this engine will use. */
  static async create(threads: number): Promise<PathEngine> {
    const module = await loadModule();
    // Enough pages up front for the largest layout, so workers' views never go stale.
    const memory = createMemory(512);
    return new PathEngine(memory, module, threads);
  }

  run(task: WorkerTask): Promise<WorkerResult> {
    return this.pool.run(task) as Promise<WorkerResult>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
