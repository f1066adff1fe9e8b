// Software dispatch on worker threads: the switch runs in this thread (single writer of the
// switch kernels and the free-buffer stack); one piscina thread is the dispatcher (consumer of
// the VF's hardware Rx ring), n piscina threads are the workers; buffers come back through one
// return ring per worker. Frames are offered in bursts only while the Rx ring and the buffer
// pool have room (the generator does not outrun the receiver), so nothing is dropped for lack
// of descriptors and the per-worker counts do not depend on timing.
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import * as A from "../../assembly/abi.ts";
import { workerExecArgv } from "../paths/engine.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { createMemory } from "../switch/wasm.ts";
import {
  CTL_GO,
  CTL_INJECT_DONE,
  CTL_READY,
  type SteeringTask,
  type SteeringTaskResult,
} from "../workers/steering-worker.ts";
import {
  addDispatchContext,
  type DispatchKernels,
  type DispatchStats,
  readDispatchContext,
} from "./dispatcher.ts";
import { injectWireBurst } from "./inject.ts";
import type { StrategySetup } from "./strategies.ts";

const WORKER_FILE = fileURLToPath(new URL("../workers/steering-worker.ts", import.meta.url));
const WORKER_RING = 1024;
const BUF_COUNT = 4096;
const RETURN_RING = 4096; // >= BUF_COUNT: a worker never waits on its return ring
const CHUNK = 512;
/** 64 MiB up front: the layout never grows after the threads took their views. */
const PAGES = 1024;

let pool: Piscina | undefined;
let poolThreads = 0;

function threadPool(threads: number): Piscina {
  if (pool && poolThreads >= threads) return pool;
  void pool?.destroy();
  pool = new Piscina({
    filename: WORKER_FILE,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 10_000,
    atomics: "sync",
    concurrentTasksPerWorker: 1,
    execArgv: workerExecArgv(),
  });
  poolThreads = threads;
  return pool;
}

/** Stops the dispatch threads (call once the runs are over, or the process stays alive). */
export async function closeSteeringThreads(): Promise<void> {
  const p = pool;
  pool = undefined;
  poolThreads = 0;
  await p?.destroy();
}

export interface ThreadedDispatchRun {
  stats: DispatchStats;
  /** Frames the switch put in each (pool:queue) Rx ring. */
  ringCounts: Map<string, number>;
  seconds: number;
  sw: WasmSwitch;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runThreadedDispatch(
  setup: StrategySetup,
  frames: readonly Uint8Array[],
  module: WebAssembly.Module,
): Promise<ThreadedDispatchRun> {
  const memory = createMemory(PAGES);
  const sw = new WasmSwitch(setup.config, { module, memory, bufCount: BUF_COUNT, wireRingSize: 1024 });
  const L = sw.layout;
  const hw = setup.hwQueues[0]!;
  const n = setup.cores;
  const workerRings = Array.from({ length: n }, (_, w) =>
    L.addRing(`sw-dispatch:${w}`, WORKER_RING, A.RING_KIND_OTHER, hw.pool, w),
  );
  const returnRings = Array.from({ length: n }, (_, w) =>
    L.addRing(`sw-return:${w}`, RETURN_RING, A.RING_KIND_OTHER, hw.pool, w),
  );
  const dispatchCtx = addDispatchContext(L, "sw-dispatch-ctx", {
    inRing: sw.sl.rxRings[hw.pool]![hw.queue]!.offset,
    outRings: workerRings.map((r) => r.offset),
    table: sw.sl.toeplitz + hw.pool * A.TOEPLITZ_TABLE_BYTES,
    record: L.addRegion("sw-dispatch-parse", A.PARSE_BYTES, 64).offset,
  });
  const control = L.addRegion("sw-dispatch-control", 64, 64).offset;
  if (memory.buffer.byteLength !== PAGES * 65536)
    throw new Error("steering: the layout outgrew the preallocated memory");
  const ctl = new Int32Array(memory.buffer, control, 4);
  const k = sw.kernels as unknown as DispatchKernels;
  const hwRing = sw.rx[hw.pool]![hw.queue]!;
  const ringCounts = new Map<string, number>();

  const p = threadPool(n + 1);
  const tasks: Array<Promise<SteeringTaskResult>> = [];
  const dispatchTask: SteeringTask = {
    role: "dispatch",
    memory,
    module,
    header: L.header,
    control,
    ctx: dispatchCtx,
  };
  tasks.push(p.run(dispatchTask) as Promise<SteeringTaskResult>);
  workerRings.forEach((r, w) => {
    const t: SteeringTask = {
      role: "worker",
      memory,
      control,
      inRing: r.offset,
      returnRing: returnRings[w]!.offset,
    };
    tasks.push(p.run(t) as Promise<SteeringTaskResult>);
  });
  // Surface a thread's failure instead of waiting for it forever.
  let failure: unknown;
  for (const t of tasks) t.catch((e) => (failure ??= e));
  const check = () => {
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  };
  while (Atomics.load(ctl, CTL_READY) < n + 1) {
    check();
    await sleep(1);
  }

  // Buffers the workers handed back: freed by the switch's thread, one Wasm call per ring.
  const reclaim = () => {
    for (const r of returnRings) k.ringRecycle(r.id, 0xffffffff);
  };
  // Rings other than the dispatcher's input are drained here by count (frames that went elsewhere).
  const others = sw.sl.rxRings.flatMap((qs, pi) =>
    qs.flatMap((r, q) => (pi === hw.pool && q === hw.queue ? [] : [{ id: r.id, key: `${pi}:${q}` }])),
  );
  const drainOthers = () => {
    for (const o of others) {
      const got = k.ringRecycle(o.id, 0xffffffff);
      if (got > 0) ringCounts.set(o.key, (ringCounts.get(o.key) ?? 0) + got);
    }
  };

  const t0 = performance.now();
  Atomics.store(ctl, CTL_GO, 1);
  Atomics.notify(ctl, CTL_GO);
  const before = sw.counters().queues[hw.pool]![hw.queue]!.rx_packets;
  for (let i = 0; i < frames.length; i += CHUNK) {
    const end = Math.min(i + CHUNK, frames.length);
    // Back-pressure: wait for descriptors in the hardware ring and free buffers.
    for (;;) {
      reclaim();
      if (hwRing.free() >= end - i && sw.free.count() >= end - i + 64) break;
      check();
      await sleep(0);
    }
    for (let at = i; at < end; ) {
      at += injectWireBurst(sw, frames, at, end);
      sw.run();
    }
    drainOthers();
  }
  Atomics.store(ctl, CTL_INJECT_DONE, 1);
  const results = await Promise.all(tasks);
  reclaim();
  const seconds = (performance.now() - t0) / 1000;
  const dispatched = results.find((r) => r.role === "dispatch")!;
  const c = sw.counters().queues[hw.pool]![hw.queue]!.rx_packets - before;
  ringCounts.set(`${hw.pool}:${hw.queue}`, dispatched.frames);
  const workers = results.filter((r) => r.role === "worker");
  const stats: DispatchStats = {
    dispatched: dispatched.frames,
    perWorker: workers.map((w) => w.frames),
    ringFull: 0,
  };
  const kc = readDispatchContext(new DataView(memory.buffer), dispatchCtx);
  if (kc.taken !== dispatched.frames)
    throw new Error(
      `steering: dispatcher kernel took ${kc.taken} frames, its thread reported ${dispatched.frames}`,
    );
  if (c !== dispatched.frames)
    throw new Error(`steering: hardware queue got ${c} frames, dispatcher took ${dispatched.frames}`);
  const routed = kc.perRing;
  stats.perWorker.forEach((f, w) => {
    if (f !== routed[w])
      throw new Error(`steering: dispatcher sent ${routed[w]} frames to worker ${w}, it took ${f}`);
  });
  return { stats, ringCounts, seconds, sw };
}
