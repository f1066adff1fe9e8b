// Rx and wire-out rings from the producer side (reference rings.ts): a shadow of each ring's
// tail, head, descriptors and limit taken at the first touch in a burst, descriptors written at
// the shadow tail, and the tails published once per burst (atomic store-release) together with
// the counters of the frames the fast paths enqueued.
import {
  R_HEAD, R_TAIL, R_MASK, R_DESC, R_OWNER, R_LIMIT, SH_TAIL, SH_HEAD, SH_DIRTY, SH_DESC, SH_MASK,
  SH_LIMIT, SH_FPKTS, SH_FBYTES, SH_RPKTS, SH_RBYTES, SH_BYTES, SCR_DIRTY, CP_RX_PACKETS, CP_RX_BYTES,
  CP_RX_UNICAST, CP_RX_LB_PACKETS, CP_RX_LB_BYTES, CQ_RX_PACKETS, CQ_RX_BYTES, CQ_RX_DESCRIPTORS,
} from "../abi";
import { gScratch, gShadow, ringAt } from "../mem";
import { cntPool, cntQueue } from "./counters";

let nDirty: u32 = 0;

@inline export function shadow(ring: u32): usize {
  return gShadow + <usize>ring * SH_BYTES;
}

/** Free descriptors of Rx/wire-out ring `id` as the producer sees it in this burst. */
export function ringFree(id: u32): u32 {
  const sh = shadow(id);
  const r = ringAt(id);
  if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(id);
  const used = load<u32>(sh + SH_TAIL) - load<u32>(sh + SH_HEAD);
  const limit = load<u32>(r + R_LIMIT);
  return used >= limit ? 0 : limit - used;
}

/** Writes one descriptor at the shadow tail of ring `id` (ringFree(id) must have been called). */
@inline export function writeDesc(id: u32, buf: u32, off: u32, len: u32, hash: u32, tci: u32, flags: u32, info: u32): void {
  const sh = shadow(id);
  const t = load<u32>(sh + SH_TAIL);
  const d = <usize>load<u32>(sh + SH_DESC) + ((<usize>(t & load<u32>(sh + SH_MASK))) << 4);
  store<u64>(d, <u64>buf | (<u64>(off & 0xffff) << 32) | (<u64>(len & 0xffff) << 48));
  store<u64>(d + 8, <u64>hash | (<u64>(tci & 0xffff) << 32) | (<u64>(flags & 0xff) << 48) | (<u64>(info & 0xff) << 56));
  store<u32>(sh + SH_TAIL, t + 1);
}

/** Counters of frames a fast path enqueued on ring `id`: unicast, one descriptor each; the Tx
 *  fast path's are local loopback copies. Counted once per publication, not per frame. */
@inline function countFastFrames(id: u32, pool: u32, n: u64, bytes: u64, loopback: bool): void {
  cntQueue(id, CQ_RX_PACKETS, n);
  cntQueue(id, CQ_RX_BYTES, bytes);
  cntQueue(id, CQ_RX_DESCRIPTORS, n);
  cntPool(pool, CP_RX_PACKETS, n);
  cntPool(pool, CP_RX_BYTES, bytes);
  cntPool(pool, CP_RX_UNICAST, n);
  if (loopback) {
    cntPool(pool, CP_RX_LB_PACKETS, n);
    cntPool(pool, CP_RX_LB_BYTES, bytes);
  }
}

/** Publishes every ring touched this burst (one atomic tail store each) and counts its fast-path frames. */
export function publish(): void {
  for (let i: u32 = 0; i < nDirty; i++) {
    const id = load<u32>(gScratch + SCR_DIRTY + (<usize>i << 2));
    const sh = shadow(id);
    const r = ringAt(id);
    atomic.store<u32>(r + R_TAIL, load<u32>(sh + SH_TAIL));
    store<u32>(sh + SH_DIRTY, 0);
    const fp = load<u32>(sh + SH_FPKTS);
    if (fp != 0) {
      // Frames the fast path enqueued: all unicast loopback copies of one descriptor each.
      countFastFrames(id, load<u32>(r + R_OWNER), <u64>fp, load<u64>(sh + SH_FBYTES), true);
      store<u32>(sh + SH_FPKTS, 0);
      store<u64>(sh + SH_FBYTES, 0);
    }
    const rp = load<u32>(sh + SH_RPKTS);
    if (rp != 0) {
      // Frames the Rx fast path enqueued: unicast wire frames of one descriptor each.
      countFastFrames(id, load<u32>(r + R_OWNER), <u64>rp, load<u64>(sh + SH_RBYTES), false);
      store<u32>(sh + SH_RPKTS, 0);
      store<u64>(sh + SH_RBYTES, 0);
    }
  }
  nDirty = 0;
}

/** First-touch set-up of ring `id`'s shadow for this burst (ringFree without the room answer). */
@inline export function shadowInit(id: u32): void {
  const sh = shadow(id);
  const r = ringAt(id);
  store<u32>(sh + SH_TAIL, load<u32>(r + R_TAIL));
  store<u32>(sh + SH_HEAD, atomic.load<u32>(r + R_HEAD));
  store<u32>(sh + SH_DESC, load<u32>(r + R_DESC));
  store<u32>(sh + SH_MASK, load<u32>(r + R_MASK));
  store<u32>(sh + SH_LIMIT, load<u32>(r + R_LIMIT));
  store<u32>(sh + SH_DIRTY, 1);
  store<u32>(gScratch + SCR_DIRTY + (<usize>nDirty << 2), id);
  nDirty++;
}

/** Ring `id`'s shadow, set up at its first touch in this burst (the fast paths' look-up). */
@inline export function shadowTouched(id: u32): usize {
  const sh = shadow(id);
  if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(id);
  return sh;
}

/** No room at the shadow tail `tail` (the ring's limit: what the driver's refills made visible). */
@inline export function shadowFull(sh: usize, tail: u32): bool {
  return tail - load<u32>(sh + SH_HEAD) >= load<u32>(sh + SH_LIMIT);
}

/** One descriptor (writeDesc's layout, words `w0`, `w1`) in one 16-byte store at the shadow
 *  tail `tail`, which then moves on. */
@inline export function shadowPush(sh: usize, tail: u32, w0: u64, w1: u64): void {
  const slot = <usize>load<u32>(sh + SH_DESC) + (<usize>(tail & load<u32>(sh + SH_MASK)) << 4);
  v128.store(slot, i64x2(<i64>w0, <i64>w1));
  store<u32>(sh + SH_TAIL, tail + 1);
}

/** Frames waiting in ring `id` (consumer view). */
export function ringCount(id: u32): u32 {
  const r = ringAt(id);
  return atomic.load<u32>(r + R_TAIL) - atomic.load<u32>(r + R_HEAD);
}
