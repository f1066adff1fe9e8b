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
  /** Idle policy: after this many consecutive rounds that moved nothing, the worker sleeps
   *  (Atomics.wait) `idleWaitUs` per round until work shows up again (default 256 rounds,
   *  50 µs). 0 µs: pure busy-polling. On a machine with fewer cores than busy threads, a short
   *  wait lets the other stage run; see bench/paths.bench.ts `--idle-spins` / `--idle-wait-us`. */
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
  const spins = task.idleSpins ?? 256;
  const waitMs = (task.idleWaitUs ?? 50) / 1000;
  const one = calls.length === 1 ? calls[0] : undefined;
  while (Atomics.load(view, STOP) === 0) {
    let moved = 0;
    if (one) moved = one();
    else for (let c = 0; c < calls.length; c++) moved += calls[c]();
    n += calls.length;
    frames += moved;
    if (task.crashAfterFrames !== undefined && frames >= task.crashAfterFrames) {
      process.exit(86); // simulated crash: the worker thread dies mid-run
    }
    if (moved === 0) {
      idle++;
      // Nothing to do: back off briefly so a 2-core machine's other worker gets the CPU.
      if (++idleStreak > spins && waitMs > 0) Atomics.wait(view, STOP, 0, waitMs);
    } else idleStreak = 0;
  }
  return { worker: task.worker, frames, calls: n, idleRounds: idle };
}
