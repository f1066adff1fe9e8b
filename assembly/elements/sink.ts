// Sink element: the consumer at the end of a path (host stack, jail, guest driver). Counts
// frames and bytes, checks the stamp (sequence, template, flow) and the payload pattern, records
// latency in simulator time (generator clock now - stamp) in a log-linear histogram, raises
// interrupts under moderation (ITR, in simulator time), rings the refill doorbell once per burst
// and returns the buffers to their owner.
import { R_TAIL, R_DESC, R_MASK, D_BUF } from "../abi";
import {
  S_IN, S_RET, S_TPL, S_NTPL, S_CLOCK, S_ITR_NS, S_IOTLB, S_FLOWS, S_FLAGS, SF_NO_SEQ, S_HINT, S_OWN_LO, S_OWN_HI, S_RET2, S_PACKETS, S_BYTES, S_BAD, S_REORDER, S_GAP,
  S_PKT_PS, S_WARMUP_US, S_MEASURED, S_SIDE, HIST_SUB, S_DOORBELLS, S_INTERRUPTS, S_IOTLB_LOOKUPS, S_LAST_IRQ, S_EXPECT, S_LAT_SUM, S_LAT_MAX, S_LAT_MIN, S_HIST, HIST_BUCKETS,
  T_ADDR, T_LEN, T_PAY, TPL_BYTES, STAMP_MAGIC, STAMP_BYTES,
} from "../pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";

@inline function bump(ctx: usize, off: usize, v: u64): void { store<u64>(ctx + off, load<u64>(ctx + off) + v); }

/** Histogram bucket: exact below 16 ns, then HIST_SUB (16) sub-buckets per power of two. */
@inline export function latBucket(ns: u64): u32 {
  if (ns < 16) return <u32>ns;
  const e = 63 - <u32>clz<u64>(ns);
  const b = <u32>HIST_SUB + (e - 4) * <u32>HIST_SUB + <u32>((ns >> (e - 4)) & 15);
  return b < <u32>HIST_BUCKETS ? b : <u32>HIST_BUCKETS - 1;
}

/** Frames per doorbell: a driver refills (Rx) or posts (Tx) descriptors and writes the tail once
 *  per batch of this many, so the count does not depend on how threads interleave. */
export const DOORBELL_BATCH: u64 = 32;

/** Simulator time (ns) stamped in the frame by the generator, or u64.MAX_VALUE when none. */
export function frameStamp(tplTab: usize, ntpl: u32, frame: usize, len: u32): u64 {
  for (let i: u32 = 0; i < ntpl; i++) {
    const t = tplTab + <usize>(i * TPL_BYTES);
    const tail = <u32>load<u16>(t + T_LEN) - <u32>load<u16>(t + T_PAY);
    if (tail > len || tail < <u32>STAMP_BYTES) continue;
    const w = load<u32>(frame + <usize>(len - tail));
    if ((w >> 16) == STAMP_MAGIC && (w & 0xffff) == i) return load<u64>(frame + <usize>(len - tail) + 8);
  }
  return u64.MAX_VALUE;
}

/** Counts `n` more frames through a driver (S_PACKETS) and the doorbells their batches ring. */
export function driverFrames(ctx: usize, n: u64): void {
  const before = load<u64>(ctx + S_PACKETS);
  const after = before + n;
  store<u64>(ctx + S_PACKETS, after);
  bump(ctx, S_DOORBELLS, (after + DOORBELL_BATCH - 1) / DOORBELL_BATCH - (before + DOORBELL_BATCH - 1) / DOORBELL_BATCH);
}

/** Interrupt moderation for one frame handled at simulator time `t` (its stamp when it has one). */
export function frameInterrupt(ctx: usize, t: u64): void {
  if (t == u64.MAX_VALUE) return;
  sinkInterrupt(ctx, t);
}

let lastStamp: u64 = u64.MAX_VALUE;

/** One measured frame's latency: count, sum, max, min and histogram bucket (sinkBurst keeps
 *  the same figures in locals across its loop and stores them once). */
@inline function recordLatency(ctx: usize, lat: u64): void {
  bump(ctx, S_MEASURED, 1);
  bump(ctx, S_LAT_SUM, lat);
  if (lat > load<u64>(ctx + S_LAT_MAX)) store<u64>(ctx + S_LAT_MAX, lat);
  if (lat < load<u64>(ctx + S_LAT_MIN)) store<u64>(ctx + S_LAT_MIN, lat);
  bump(ctx, <usize>S_HIST + (<usize>latBucket(lat) << 3), 1);
}

/** Checks one frame against its stamp and template; records counters. Returns false when bad. */
export function sinkCheck(ctx: usize, frame: usize, len: u32, now: u64): bool {
  bump(ctx, S_PACKETS, 1);
  bump(ctx, S_BYTES, len);
  lastStamp = u64.MAX_VALUE;
  const tplTab = <usize>load<u32>(ctx + S_TPL);
  const ntpl = load<u32>(ctx + S_NTPL);
  if (ntpl == 0) return true; // replayed capture without stamps: count only
  // The stamp sits at a fixed distance from the frame's end (tags may be stripped in front).
  let ok = len >= <u32>STAMP_BYTES;
  let pay: usize = 0;
  let tpl: usize = 0;
  let tlen: u32 = 0;
  if (ok) {
    // Find the template: the stamp names it; validate before trusting.
    // Try the stamp position of every template whose length could fit.
    ok = false;
    for (let i: u32 = 0; i < ntpl; i++) {
      const t = tplTab + <usize>(i * TPL_BYTES);
      const l = <u32>load<u16>(t + T_LEN);
      const p = <u32>load<u16>(t + T_PAY);
      const tail = l - p; // bytes from the stamp to the end
      if (tail > len) continue;
      const at = frame + <usize>(len - tail);
      const w = load<u32>(at);
      if ((w >> 16) == STAMP_MAGIC && (w & 0xffff) == i) { ok = true; pay = at; tpl = <usize>load<u32>(t + T_ADDR) + <usize>p; tlen = tail; break; }
    }
  }
  if (ok) {
    // Payload pattern after the stamp must equal the template's.
    let j: u32 = STAMP_BYTES;
    for (; j + 8 <= tlen; j += 8) if (load<u64>(pay + j) != load<u64>(tpl + j)) { ok = false; break; }
    if (ok) for (; j < tlen; j++) if (load<u8>(pay + j) != load<u8>(tpl + j)) { ok = false; break; }
  }
  if (!ok) { bump(ctx, S_BAD, 1); return false; }
  if ((load<u32>(ctx + S_FLAGS) & SF_NO_SEQ) == 0) {
    const seq = <u64>load<u32>(pay + 4);
    const expect = load<u64>(ctx + S_EXPECT);
    const e32 = expect & 0xffffffff;
    if (seq < e32) bump(ctx, S_REORDER, 1);
    else {
      if (seq > e32) bump(ctx, S_GAP, seq - e32);
      store<u64>(ctx + S_EXPECT, (expect & ~(<u64>0xffffffff)) + seq + 1);
    }
  }
  const ts = load<u64>(pay + 8);
  lastStamp = ts;
  if (ts < <u64>load<u32>(ctx + S_WARMUP_US) * 1000) return true; // warm-up: not measured
  recordLatency(ctx, now > ts ? now - ts : 0);
  return true;
}

/** A replayed frame (no stamp in its bytes) with its arrival time `ts` from a side table
 *  (u64.MAX_VALUE: none): counted, and its latency recorded when it arrived after the warm-up. */
export function sinkReplayed(ctx: usize, len: u32, ts: u64, now: u64): void {
  bump(ctx, S_PACKETS, 1);
  bump(ctx, S_BYTES, len);
  lastStamp = ts;
  if (ts == u64.MAX_VALUE || ts < <u64>load<u32>(ctx + S_WARMUP_US) * 1000) return;
  recordLatency(ctx, now > ts ? now - ts : 0);
}

/** Interrupt moderation: at most one interrupt per ITR interval of simulator time (ITR 0: one
 *  per frame; S_ITR_NS = 0xffffffff: this element raises no interrupts). */
export function sinkInterrupt(ctx: usize, now: u64): void {
  const itr32 = load<u32>(ctx + S_ITR_NS);
  if (itr32 == 0xffffffff) return;
  const itr = <u64>itr32;
  const last = load<u64>(ctx + S_LAST_IRQ);
  if (load<u64>(ctx + S_INTERRUPTS) == 0 || now >= last + itr) {
    bump(ctx, S_INTERRUPTS, 1);
    store<u64>(ctx + S_LAST_IRQ, now);
  }
}

/** Consumes up to `budget` frames from the sink's ring. Returns how many. */
export function sinkBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + S_IN);
  let n = rAvail(inr);
  if (n > budget) n = budget;
  const ret = <usize>load<u32>(ctx + S_RET);
  if (ret != 0) { const s = rSpace(ret); if (s < n) n = s; }
  const ret2 = <usize>load<u32>(ctx + S_RET2);
  if (ret2 != 0) { const s = rSpace(ret2); if (s < n) n = s; }
  if (n == 0) return 0;
  const ownLo = load<u32>(ctx + S_OWN_LO);
  const ownHi = load<u32>(ctx + S_OWN_HI);
  const rtail2 = ret2 != 0 ? load<u32>(ret2 + R_TAIL) : 0;
  let n2: u32 = 0;
  let n1: u32 = 0;
  const clockAt = <usize>load<u32>(ctx + S_CLOCK);
  const now0 = clockAt != 0 ? atomic.load<u64>(clockAt) : 0;
  // Virtual-time engine: frame k of the burst is done at clock + (k+1) x S_PKT_PS.
  const pktPs = load<u64>(ctx + S_PKT_PS);
  const warm = <u64>load<u32>(ctx + S_WARMUP_US) * 1000;
  let measured = load<u64>(ctx + S_MEASURED);
  const base = bufBase(ctx);
  const stride = bufStride(ctx);
  const head = load<u32>(inr);
  const rtail = ret != 0 ? load<u32>(ret + R_TAIL) : 0;
  const before = load<u64>(ctx + S_PACKETS);
  // The per-frame work of sinkCheck + sinkInterrupt with the counters in locals (written once
  // per burst) and the template found from the last frame's (fixed sizes: the first try).
  const tplTab = <usize>load<u32>(ctx + S_TPL);
  const ntpl = load<u32>(ctx + S_NTPL);
  const seqOn = (load<u32>(ctx + S_FLAGS) & SF_NO_SEQ) == 0;
  const itr32 = load<u32>(ctx + S_ITR_NS);
  const irqOn = itr32 != 0xffffffff;
  const itr = <u64>itr32;
  let irqs = load<u64>(ctx + S_INTERRUPTS);
  let lastIrq = load<u64>(ctx + S_LAST_IRQ);
  let bytes = load<u64>(ctx + S_BYTES);
  let bad = load<u64>(ctx + S_BAD);
  let reorder = load<u64>(ctx + S_REORDER);
  let gap = load<u64>(ctx + S_GAP);
  let expect = load<u64>(ctx + S_EXPECT);
  let latSum = load<u64>(ctx + S_LAT_SUM);
  let latMax = load<u64>(ctx + S_LAT_MAX);
  let latMin = load<u64>(ctx + S_LAT_MIN);
  let hint = load<u32>(ctx + S_HINT);
  const side = <usize>load<u32>(ctx + S_SIDE);
  const inDesc = <usize>load<u32>(inr + R_DESC);
  const inMask = load<u32>(inr + R_MASK);
  for (let k: u32 = 0; k < n; k++) {
    const now = now0 + (<u64>(k + 1) * pktPs) / 1000;
    const d = inDesc + (<usize>((head + k) & inMask) << 4);
    const lo = load<u64>(d);
    const b = <u32>lo;
    const frame = base + <usize>(b * stride) + <usize>((lo >> 32) & 0xffff);
    const len = <u32>(lo >> 48);
    bytes += <u64>len;
    let stamp = u64.MAX_VALUE;
    let measure = false; // a stamped frame past the warm-up
    if (ntpl == 0 && side != 0) {
      // Replayed frame: its arrival time from the side table (captured bytes carry no stamp).
      const ts = load<u64>(side + (<usize>b << 3));
      if (ts != u64.MAX_VALUE) {
        stamp = ts;
        measure = ts >= warm;
      }
    } else if (ntpl != 0) {
      let ok = false;
      let pay: usize = 0;
      let tpl: usize = 0;
      let tlen: u32 = 0;
      if (len >= <u32>STAMP_BYTES) {
        // The stamp names its template: try the last frame's first, then every template.
        for (let j: u32 = 0; j <= ntpl; j++) {
          const i = j == 0 ? hint : j - 1;
          if (i >= ntpl || (j != 0 && i == hint)) continue;
          const t = tplTab + <usize>(i * TPL_BYTES);
          const p = <u32>load<u16>(t + T_PAY);
          const tail = <u32>load<u16>(t + T_LEN) - p; // bytes from the stamp to the end
          if (tail > len) continue;
          const at = frame + <usize>(len - tail);
          const w = load<u32>(at);
          if ((w >> 16) == STAMP_MAGIC && (w & 0xffff) == i) {
            ok = true;
            pay = at;
            tpl = <usize>load<u32>(t + T_ADDR) + <usize>p;
            tlen = tail;
            hint = i;
            break;
          }
        }
      }
      if (ok) {
        // Payload pattern after the stamp must equal the template's.
        let j: u32 = STAMP_BYTES;
        for (; j + 8 <= tlen; j += 8) if (load<u64>(pay + j) != load<u64>(tpl + j)) { ok = false; break; }
        if (ok) for (; j < tlen; j++) if (load<u8>(pay + j) != load<u8>(tpl + j)) { ok = false; break; }
      }
      if (!ok) bad++;
      else {
        if (seqOn) {
          const sq = <u64>load<u32>(pay + 4);
          const e32 = expect & 0xffffffff;
          if (sq < e32) reorder++;
          else {
            if (sq > e32) gap += sq - e32;
            expect = (expect & ~(<u64>0xffffffff)) + sq + 1;
          }
        }
        const ts = load<u64>(pay + 8);
        stamp = ts;
        measure = ts >= warm;
      }
    }
    // One place records a measured frame's latency, whichever table its stamp came from.
    if (measure) {
      const lat = now > stamp ? now - stamp : 0;
      measured++;
      latSum += lat;
      if (lat > latMax) latMax = lat;
      if (lat < latMin) latMin = lat;
      const hb = ctx + <usize>S_HIST + (<usize>latBucket(lat) << 3);
      store<u64>(hb, load<u64>(hb) + 1);
    }
    // Moderation keyed on the frame's own stamp (deterministic); unstamped frames use the clock.
    if (irqOn) {
      const t = stamp != u64.MAX_VALUE ? stamp : now;
      if (irqs == 0 || t >= lastIrq + itr) {
        irqs++;
        lastIrq = t;
      }
    }
    if (ret2 != 0 && b >= ownLo && b < ownHi) { store<u32>(rDesc(ret2, rtail2 + n2) + D_BUF, b); n2++; }
    else if (ret != 0) { store<u32>(rDesc(ret, rtail + n1) + D_BUF, b); n1++; }
  }
  store<u64>(ctx + S_PACKETS, before + <u64>n);
  store<u64>(ctx + S_BYTES, bytes);
  store<u64>(ctx + S_BAD, bad);
  store<u64>(ctx + S_REORDER, reorder);
  store<u64>(ctx + S_GAP, gap);
  store<u64>(ctx + S_EXPECT, expect);
  store<u64>(ctx + S_LAT_SUM, latSum);
  store<u64>(ctx + S_LAT_MAX, latMax);
  store<u64>(ctx + S_LAT_MIN, latMin);
  store<u64>(ctx + S_MEASURED, measured);
  store<u64>(ctx + S_INTERRUPTS, irqs);
  store<u64>(ctx + S_LAST_IRQ, lastIrq);
  store<u32>(ctx + S_HINT, hint);
  rPublishHead(inr, n);
  if (ret != 0 && n1 != 0) rPublishTail(ret, n1);
  if (n2 != 0) rPublishTail(ret2, n2);
  // The driver refills descriptors and writes the tail once per DOORBELL_BATCH frames.
  const after = before + <u64>n;
  bump(ctx, S_DOORBELLS, (after + DOORBELL_BATCH - 1) / DOORBELL_BATCH - (before + DOORBELL_BATCH - 1) / DOORBELL_BATCH);
  bump(ctx, S_IOTLB_LOOKUPS, <u64>n * <u64>load<u32>(ctx + S_IOTLB));
  return n;
}
