// The software dispatcher element (anchors §4.2 "software RSS/RPS"): one thread takes every
// frame from the single hardware queue, parses it and hashes the innermost tuple in software
// (the project's Wasm parser and Toeplitz code; RSS key and RETA like a NIC's), and fans the
// descriptors out to n worker rings in the shared memory (SPSC rings, zero copy: the buffer
// travels, not the bytes). The dispatcher is the Wasm kernel `dispatchBurst`
// (assembly/elements/dispatch.ts), one JS->Wasm call per burst; its context block (input ring, worker
// rings, RETA, counters) is written here, in TypeScript, which owns the memory layout. The
// engine element that runs it in virtual time is in src/steering/elements.ts.
import * as A from "../../assembly/abi.ts";
import type { Layout } from "../switch/layout.ts";

/** Dispatcher RETA entries (worker i mod n), like a NIC's 128-entry table. */
export const DISPATCH_RETA = 128;

export interface DispatchContextSpec {
  inRing: number;
  outRings: readonly number[];
  /** Toeplitz byte table (the pool's key). */
  table: number;
  /** Parse record scratch (PARSE_BYTES, owned by the dispatcher's thread). */
  record: number;
  /** Round robin over the workers instead of the inner hash (no flow affinity). */
  spray?: boolean;
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
  w(A.DX_SPRAY, spec.spray ? 1 : 0);
  w(A.DX_NEXT, 0);
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
