// piscina worker for threaded software dispatch (src/steering/threaded.ts). Two roles:
//   dispatch: takes descriptors from the VF's hardware Rx ring, parses and hashes the innermost
//             tuple and pushes each descriptor into one of n worker rings (RETA i mod n), all in
//             one call of its own instance of the Wasm kernel dispatchBurst per burst, waiting
//             when a ring is full (back-pressure);
//   worker:   drains its ring, counts the frames and hands the buffers back to the switch's
//             thread through its return ring (the free stack has a single writer).
// Each ring has one producer and one consumer thread; the memory and module come with the task.
import * as A from "../../assembly/abi.ts";
import { SpscRing } from "../steering/spsc.ts";
import { instantiateKernels } from "../switch/wasm.ts";

export const CTL_INJECT_DONE = 0;
export const CTL_DISPATCH_DONE = 1;
export const CTL_READY = 2;
export const CTL_GO = 3;
const BURST = 256;

export interface DispatchTask {
  role: "dispatch";
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  header: number;
  control: number;
  /** Dispatcher context block (A.DX_*: input ring, worker rings, RETA, counters). */
  ctx: number;
}
export interface SinkTask {
  role: "worker";
  memory: WebAssembly.Memory;
  control: number;
  inRing: number;
  returnRing: number;
}
export type SteeringTask = DispatchTask | SinkTask;
export interface SteeringTaskResult {
  role: "dispatch" | "worker";
  frames: number;
  perRing: number[];
}

function idle(ctl: Int32Array, streak: number): void {
  // Nothing to do: yield the core (2-vCPU machines run the switch thread too).
  if (streak > 64) Atomics.wait(ctl, CTL_GO, 1, 0.05);
}

function startGate(ctl: Int32Array): void {
  Atomics.add(ctl, CTL_READY, 1);
  while (Atomics.load(ctl, CTL_GO) === 0) Atomics.wait(ctl, CTL_GO, 0, 5);
}

function runDispatch(t: DispatchTask): SteeringTaskResult {
  const ctl = new Int32Array(t.memory.buffer, t.control, 4);
  const inst = instantiateKernels(t.module, t.memory);
  const k = inst.exports as unknown as {
    init(h: number): number;
    dispatchBurst(ctx: number, budget: number): number;
  };
  if (k.init(t.header) !== 0) throw new Error("steering dispatcher: the kernels refused the layout header");
  const dv = new DataView(t.memory.buffer);
  // The kernel consumes the input ring: read its indices from memory, not from a cached view.
  const i32 = new Int32Array(t.memory.buffer);
  const inRing = dv.getUint32(t.ctx + A.DX_IN, true);
  const waiting = () =>
    (Atomics.load(i32, (inRing + A.R_TAIL) >>> 2) - Atomics.load(i32, (inRing + A.R_HEAD) >>> 2)) >>> 0;
  startGate(ctl);
  let frames = 0;
  let streak = 0;
  for (;;) {
    // One Wasm call per burst: parse + inner hash + enqueue on the RETA's worker ring; it stops
    // at a full worker ring (the frame stays in the input ring: back-pressure).
    const n = k.dispatchBurst(t.ctx, BURST);
    if (n === 0) {
      if (Atomics.load(ctl, CTL_INJECT_DONE) === 1 && waiting() === 0) break;
      idle(ctl, ++streak);
      continue;
    }
    streak = 0;
    frames += n;
  }
  Atomics.store(ctl, CTL_DISPATCH_DONE, 1);
  const n = dv.getUint32(t.ctx + A.DX_NOUT, true);
  const perRing: number[] = [];
  for (let i = 0; i < n; i++)
    perRing.push(dv.getUint32(t.ctx + A.DX_OUTS + i * A.DXW_BYTES + A.DXW_FRAMES, true));
  return { role: "dispatch", frames, perRing };
}

function runSink(t: SinkTask): SteeringTaskResult {
  const ctl = new Int32Array(t.memory.buffer, t.control, 4);
  const input = new SpscRing(t.memory, t.inRing);
  const ret = new SpscRing(t.memory, t.returnRing);
  startGate(ctl);
  let frames = 0;
  let streak = 0;
  for (;;) {
    const n = Math.min(input.available(), BURST);
    if (n === 0) {
      if (Atomics.load(ctl, CTL_DISPATCH_DONE) === 1 && input.available() === 0) break;
      idle(ctl, ++streak);
      continue;
    }
    streak = 0;
    for (let i = 0; i < n; i++) {
      while (ret.space() === 0) {
        ret.publish();
        idle(ctl, 100);
      }
      ret.push(input.peek(i));
    }
    ret.publish();
    input.consume(n);
    frames += n;
  }
  return { role: "worker", frames, perRing: [] };
}

export default function run(task: SteeringTask): SteeringTaskResult {
  return task.role === "dispatch" ? runDispatch(task) : runSink(task);
}
