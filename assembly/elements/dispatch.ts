// Software dispatcher element (src/steering/dispatcher.ts lays out its context, src/steering/elements.ts runs it in virtual time): takes
// a burst of descriptors from its input ring, parses each frame and hashes its innermost tuple
// (parse + rssSummary at the inner level, the same call the per-frame path made), and enqueues
// the descriptor (zero copy, software hash in D_HASH) on the worker ring the RETA picks. One
// call per burst; each worker ring's tail and the input head are published once per burst.
import {
  R_HEAD, R_TAIL, R_MASK, R_DESC, R_LIMIT, D_BUF, D_OFF, D_LEN, D_HASH, DF_EOP, D_FLAGS,
  DX_IN, DX_NOUT, DX_TABLE, DX_REC, DX_RETA_MASK, DX_TYPES, DX_TAKEN, DX_OUTS, DXW_RING, DXW_FRAMES, DXW_PEND, DXW_BYTES,
  DX_RETA, DX_SPRAY, DX_NEXT,
} from "../abi";
import { gBufBase, gBufStride, ringAt } from "../mem";
import { parse } from "../parse";
import { rssSummary, gRssHash } from "../rss";
import { bufFree } from "../switch/buffers";

@inline function descAt(r: usize, idx: u32): usize {
  return <usize>load<u32>(r + R_DESC) + (<usize>(idx & load<u32>(r + R_MASK)) << 4);
}

/**
 * Dispatches up to `budget` descriptors (one per frame) from the context's input ring. Stops
 * early at a frame whose worker ring is full (it stays in the input ring: back-pressure).
 * Returns the frames taken; DX_TAKEN and each worker's DXW_FRAMES accumulate.
 */
export function dispatchBurst(ctx: usize, budget: u32): u32 {
  const inR = <usize>load<u32>(ctx + DX_IN);
  const head = load<u32>(inR + R_HEAD);
  let n = atomic.load<u32>(inR + R_TAIL) - head;
  if (n > budget) n = budget;
  if (n == 0) return 0;
  const nOut = load<u32>(ctx + DX_NOUT);
  const table = <usize>load<u32>(ctx + DX_TABLE);
  const rec = <usize>load<u32>(ctx + DX_REC);
  const retaMask = load<u32>(ctx + DX_RETA_MASK);
  const types = load<u32>(ctx + DX_TYPES);
  // Spray: round robin over the workers, no parse, no flow affinity (frames of a flow may overtake).
  const spray = load<u32>(ctx + DX_SPRAY) != 0;
  let next = load<u32>(ctx + DX_NEXT);
  let i: u32 = 0;
  for (; i < n; i++) {
    const d = descAt(inR, head + i);
    let hash: u32 = 0;
    let wk: u32 = 0;
    if (spray) {
      wk = next % nOut;
    } else {
      const at = gBufBase + <usize>(load<u32>(d + D_BUF) * gBufStride) + <usize>load<u16>(d + D_OFF);
      parse(at, <u32>load<u16>(d + D_LEN), rec);
      rssSummary(rec, at, table, types, true);
      hash = gRssHash;
      wk = <u32>load<u8>(ctx + DX_RETA + <usize>(hash & retaMask));
    }
    const e = ctx + DX_OUTS + <usize>wk * DXW_BYTES;
    const r = <usize>load<u32>(e + DXW_RING);
    // Local tail: the tail the consumer last saw plus what this burst added (not yet published).
    const t = load<u32>(r + R_TAIL) + load<u32>(e + DXW_PEND);
    if (t - atomic.load<u32>(r + R_HEAD) >= load<u32>(r + R_LIMIT)) break; // worker ring full
    const dst = descAt(r, t);
    memory.copy(dst, d, 16);
    store<u32>(dst + D_HASH, hash);
    store<u32>(e + DXW_PEND, load<u32>(e + DXW_PEND) + 1);
    next++;
  }
  store<u32>(ctx + DX_NEXT, next);
  for (let w: u32 = 0; w < nOut; w++) {
    const e = ctx + DX_OUTS + <usize>w * DXW_BYTES;
    const p = load<u32>(e + DXW_PEND);
    if (p == 0) continue;
    const r = <usize>load<u32>(e + DXW_RING);
    atomic.store<u32>(r + R_TAIL, load<u32>(r + R_TAIL) + p);
    store<u32>(e + DXW_FRAMES, load<u32>(e + DXW_FRAMES) + p);
    store<u32>(e + DXW_PEND, 0);
  }
  if (i > 0) {
    atomic.store<u32>(inR + R_HEAD, head + i);
    store<u32>(ctx + DX_TAKEN, load<u32>(ctx + DX_TAKEN) + i);
  }
  return i;
}

/**
 * The switch's thread takes every descriptor waiting in ring `id` (up to `budget`) and frees
 * the buffer of each frame (at its EOP descriptor: a frame's descriptors share one buffer).
 * A driver that only counts: returns the frames taken, without handing them to JavaScript.
 */
export function ringRecycle(id: u32, budget: u32): u32 {
  const r = ringAt(id);
  const head = load<u32>(r + R_HEAD);
  let n = atomic.load<u32>(r + R_TAIL) - head;
  if (n > budget) n = budget;
  let frames: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const d = descAt(r, head + i);
    if ((load<u8>(d + D_FLAGS) & DF_EOP) == 0) continue;
    bufFree(load<u32>(d + D_BUF));
    frames++;
  }
  if (n > 0) atomic.store<u32>(r + R_HEAD, head + n);
  return frames;
}
