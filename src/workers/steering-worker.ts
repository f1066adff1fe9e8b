// piscina worker for threaded software dispatch (src/steering/threaded.ts). Two roles:
//   dispatch: takes descriptors from the VF's hardware Rx ring, parses and hashes the innermost
//             tuple with its own instance of the Wasm kernels, and pushes each descriptor into
//             one of n worker rings (RETA i mod n), waiting when a ring is full (back-pressure);
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
const BURST = 64;

export interface DispatchTask {
  role: "dispatch";
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  header: number;
  control: number;
  inRing: number;
  outRings: number[];
  table: number;
  record: number;
  reta: number[];
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

const ALL_TYPES = A.RT_ALL;

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
    parse(f: number, len: number, out: number): number;
    rssSummary(rec: number, f: number, table: number, enabled: number, inner: number): number;
    lastRssHash(): number;
  };
  if (k.init(t.header) !== 0) throw new Error("steering dispatcher: the kernels refused the layout header");
  const dv = new DataView(t.memory.buffer);
  const input = new SpscRing(t.memory, t.inRing);
  const outs = t.outRings.map((o) => new SpscRing(t.memory, o));
  const per = new Array<number>(outs.length).fill(0);
  const bufBase = dv.getUint32(t.header + 4 * A.H_BUF_BASE, true);
  const bufSize = dv.getUint32(t.header + 4 * A.H_BUF_SIZE, true);
  const mask = t.reta.length - 1;
  startGate(ctl);
  let frames = 0;
  let streak = 0;
  for (;;) {
    const n = Math.min(input.available(), BURST);
    if (n === 0) {
      if (Atomics.load(ctl, CTL_INJECT_DONE) === 1 && input.available() === 0) break;
      idle(ctl, ++streak);
      continue;
    }
    streak = 0;
    for (let i = 0; i < n; i++) {
      const d = input.peek(i);
      const at = bufBase + dv.getUint32(d + A.D_BUF, true) * bufSize + dv.getUint16(d + A.D_OFF, true);
      k.parse(at, dv.getUint16(d + A.D_LEN, true), t.record);
      k.rssSummary(t.record, at, t.table, ALL_TYPES, 1);
      const hash = k.lastRssHash() >>> 0;
      const w = t.reta[hash & mask]!;
      const out = outs[w]!;
      while (out.space() === 0) {
        out.publish();
        idle(ctl, 100);
      }
      out.push(d, hash);
      per[w]!++;
    }
    for (const o of outs) o.publish();
    input.consume(n);
    frames += n;
  }
  for (const o of outs) o.publish();
  Atomics.store(ctl, CTL_DISPATCH_DONE, 1);
  return { role: "dispatch", frames, perRing: per };
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
