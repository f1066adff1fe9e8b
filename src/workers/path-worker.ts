// piscina worker: runs a schedule of path elements (Wasm kernels) over the shared rings until
// the stop flag is set. The shared WebAssembly.Memory and the compiled Module arrive once, in
// workerData; the module is instantiated once per worker at load time and reused by every task.
import { workerData } from "node:worker_threads";
import type { PlanStep } from "../paths/build.ts";
import { elementCall, instantiatePathKernels } from "../paths/kernels.ts";

export interface WorkerTask {
  worker: number;
  steps: PlanStep[];
  control: number;
  /** Frames per kernel call. */
  burst: number;
  /** Idle policy: after this many consecutive rounds that moved nothing (default 512, some
   *  µs), the worker sleeps (Atomics.wait on the control block's progress word) until another
   *  worker moves frames and notifies, or `idleWaitUs` pass (default 1000). 0 µs: pure
   *  busy-polling. A fixed sleep (the old 50 µs) outlasts the two bursts queued between stages
   *  and starves the next one; pure spinning wastes the CPU when the workers share a core. See
   *  docs/paths.md and bench/paths.bench.ts `--idle-spins` / `--idle-wait-us`. */
  idleSpins?: number;
  idleWaitUs?: number;
  /** Test hook: this worker dies (exits its thread) after moving this many frames. */
  crashAfterFrames?: number;
}

export interface WorkerResult {
  worker: number;
  frames: number;
  calls: number;
  idleRounds: number;
}

const { memory, module } = workerData as { memory: WebAssembly.Memory; module: WebAssembly.Module };
const { k } = instantiatePathKernels(module, memory);
const i32 = new Int32Array(memory.buffer);

export default function runSchedule(task: WorkerTask): WorkerResult {
  const ctl = task.control >>> 2;
  const STOP = ctl;
  const GO = ctl + 1;
  const READY = ctl + 2;
  // Views must follow memory.grow: the main thread sized the memory before starting us.
  const view = i32.buffer === memory.buffer ? i32 : new Int32Array(memory.buffer);
  Atomics.add(view, READY, 1);
  while (Atomics.load(view, GO) === 0 && Atomics.load(view, STOP) === 0) Atomics.wait(view, GO, 0, 5);
  const calls = task.steps.map((s) => elementCall(k, s, task.burst, task.worker));
  let frames = 0;
  let n = 0;
  let idle = 0;
  let idleStreak = 0;
  const spins = task.idleSpins ?? 512;
  const waitMs = (task.idleWaitUs ?? 1000) / 1000;
  const PROGRESS = ctl + 3;
  const WAITERS = ctl + 4;
  const one = calls.length === 1 ? calls[0] : undefined;
  const round = (): number => {
    if (one) return one();
    let m = 0;
    for (let c = 0; c < calls.length; c++) m += calls[c]();
    return m;
  };
  while (Atomics.load(view, STOP) === 0) {
    let moved = round();
    n += calls.length;
    if (moved === 0 && ++idleStreak > spins && waitMs > 0) {
      // Idle for a while: sleep until another worker makes progress (or the timeout). The
      // progress count is read before the last look for work, so a wake-up is never lost.
      const seen = Atomics.load(view, PROGRESS);
      Atomics.add(view, WAITERS, 1);
      moved = round();
      n += calls.length;
      if (moved === 0 && Atomics.load(view, STOP) === 0) Atomics.wait(view, PROGRESS, seen, waitMs);
      Atomics.sub(view, WAITERS, 1);
    }
    frames += moved;
    if (task.crashAfterFrames !== undefined && frames >= task.crashAfterFrames) {
      process.exit(86); // simulated crash: the worker thread dies mid-run
    }
    if (moved === 0) idle++;
    else {
      idleStreak = 0;
      // Frames moved (and their rings published): wake a sleeping worker, if any.
      Atomics.add(view, PROGRESS, 1);
      if (Atomics.load(view, WAITERS) !== 0) Atomics.notify(view, PROGRESS);
    }
  }
  return { worker: task.worker, frames, calls: n, idleRounds: idle };
}
