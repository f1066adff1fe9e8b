// The software dispatcher element (anchors §4.2 "software RSS/RPS"): one thread takes every
// frame from the single hardware queue, parses it and hashes the innermost tuple in software
// (the project's Wasm parser and Toeplitz code; RSS key and RETA like a NIC's), and fans the
// descriptors out to n worker rings in the shared memory (SPSC rings, zero copy: the buffer
// travels, not the bytes). Workers take their ring and return the buffers.
//
// Bursts (DESIGN principle 4): the dispatcher is the Wasm kernel `dispatchBurst`
// (assembly/dispatch.ts), one JS→Wasm call per burst; its context block (input ring, worker
// rings, RETA, counters) is written here, in TypeScript, which owns the memory layout.
//
// WasmDispatcher runs single-threaded in the caller's thread (dispatcher and workers in turn):
// the ring protocol is the multi-thread one, but the measured rate is one thread's.
import * as A from "../../assembly/abi.ts";
import type { Layout } from "../switch/layout.ts";
import type { WasmSwitch } from "../switch/nic.ts";

const WORKER_RING = 1024;
/** Dispatcher RETA entries (worker i mod n), like a NIC's 128-entry table. */
export const DISPATCH_RETA = 128;
const BURST = 256;

export type DispatchKernels = {
  dispatchBurst(ctx: number, budget: number): number;
  ringRecycle(id: number, budget: number): number;
};

export interface DispatchStats {
  /** Frames the dispatcher took from the hardware queue. */
  dispatched: number;
  /** Frames each worker took from its ring. */
  perWorker: number[];
  /** Frames refused because a worker ring was full (0: a full ring holds the dispatcher back). */
  ringFull: number;
}

export interface DispatchContextSpec {
  inRing: number;
  outRings: readonly number[];
  /** Toeplitz byte table (the pool's key). */
  table: number;
  /** Parse record scratch (PARSE_BYTES, owned by the dispatcher's thread). */
  record: number;
}

/** Allocates and fills a dispatcher context block (A.DX_*) in the layout; returns its offset. */
export function addDispatchContext(L: Layout, name: string, spec: DispatchContextSpec): number {
  const n = spec.outRings.length;
  if (n < 1 || n > A.DX_MAX_OUT) throw new RangeError(`dispatcher: ${n} worker rings (1..${A.DX_MAX_OUT})`);
  const ctx = L.addRegion(name, A.DISPATCH_CTX_BYTES, 64).offset;
  const dv = L.dv();
  const w = (off: number, v: number) => dv.setUint32(ctx + off, v >>> 0, true);
  w(A.DX_IN, spec.inRing);
  w(A.DX_NOUT, n);
  w(A.DX_TABLE, spec.table);
  w(A.DX_REC, spec.record);
  w(A.DX_RETA_MASK, DISPATCH_RETA - 1);
  w(A.DX_TYPES, A.RT_ALL);
  w(A.DX_TAKEN, 0);
  spec.outRings.forEach((r, i) => {
    const e = ctx + A.DX_OUTS + i * A.DXW_BYTES;
    dv.setUint32(e + A.DXW_RING, r, true);
    dv.setUint32(e + A.DXW_FRAMES, 0, true);
    dv.setUint32(e + A.DXW_PEND, 0, true);
  });
  for (let i = 0; i < DISPATCH_RETA; i++) dv.setUint8(ctx + A.DX_RETA + i, i % n);
  return ctx;
}

/** Counters of a dispatcher context: frames taken, frames enqueued per worker ring. */
export function readDispatchContext(dv: DataView, ctx: number): { taken: number; perRing: number[] } {
  const n = dv.getUint32(ctx + A.DX_NOUT, true);
  const perRing: number[] = [];
  for (let i = 0; i < n; i++)
    perRing.push(dv.getUint32(ctx + A.DX_OUTS + i * A.DXW_BYTES + A.DXW_FRAMES, true));
  return { taken: dv.getUint32(ctx + A.DX_TAKEN, true), perRing };
}

export class WasmDispatcher {
  private readonly ringIds: number[];
  private readonly inRing: number;
  private readonly ctx: number;
  private readonly k: DispatchKernels;
  readonly stats: DispatchStats;

  /** Dispatches from Rx queue `queue` of `pool`; that pool's Toeplitz table (the switch's key) is reused. */
  constructor(
    private readonly sw: WasmSwitch,
    workers: number,
    pool: number,
    queue = 0,
  ) {
    const L = sw.layout;
    const rings = Array.from({ length: workers }, (_, w) =>
      L.addRing(`dispatch:${w}`, WORKER_RING, A.RING_KIND_OTHER, pool, w),
    );
    this.ringIds = rings.map((r) => r.id);
    this.inRing = sw.sl.rxRings[pool]![queue]!.offset;
    this.ctx = addDispatchContext(L, "dispatch-ctx", {
      inRing: this.inRing,
      outRings: rings.map((r) => r.offset),
      table: sw.sl.toeplitz + pool * A.TOEPLITZ_TABLE_BYTES,
      record: L.addRegion("dispatch-parse", A.PARSE_BYTES, 64).offset,
    });
    this.k = sw.kernels as unknown as DispatchKernels;
    this.stats = { dispatched: 0, perWorker: new Array(workers).fill(0), ringFull: 0 };
  }

  /** Frames waiting in the input (hardware) ring. */
  private pending(): number {
    const u32 = this.sw.layout.u32();
    return (u32[(this.inRing + A.R_TAIL) >>> 2]! - u32[(this.inRing + A.R_HEAD) >>> 2]!) >>> 0;
  }

  /**
   * Dispatches every frame waiting in the hardware queue, in bursts (one Wasm call each); when
   * a worker ring is full the workers run first (back-pressure, nothing dropped). Returns the
   * frames taken.
   */
  dispatchAll(): number {
    let taken = 0;
    for (;;) {
      const n = this.k.dispatchBurst(this.ctx, BURST);
      taken += n;
      if (this.pending() === 0) break;
      if (n === 0) this.runWorkers();
    }
    this.stats.dispatched += taken;
    return taken;
  }

  /** Each worker drains its ring: counts the frames and returns the buffers (one Wasm call per ring). */
  runWorkers(): void {
    this.ringIds.forEach((id, w) => {
      this.stats.perWorker[w]! += this.k.ringRecycle(id, 0xffffffff);
    });
  }

  /** The kernel's own counters (frames taken, enqueued per worker): cross-check for conservation. */
  kernelCounts(): { taken: number; perRing: number[] } {
    return readDispatchContext(this.sw.layout.dv(), this.ctx);
  }
}
