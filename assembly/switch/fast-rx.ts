// The Rx fast path (no reference counterpart: it must give exactly what the general path,
// veb.ts rxOne, gives for the frames it takes; test/switch/differential-rx-fastpath.test.ts
// checks it): the common unicast wire frame received with per-burst configuration, one MAC
// look-up, one Toeplitz hash and one 16-byte descriptor store.
import {
  DF_DD, DF_EOP, DF_VP, DF_TCI, SF_VLAN_FILTER, SF_DOUBLE_VLAN,
  RSS_NONE, SS_LAST_DROP, SH_TAIL, SH_HEAD, SH_DIRTY, SH_DESC, SH_MASK, SH_LIMIT,
  SH_RPKTS, SH_RBYTES, CT_RX_PACKETS, CT_RX_BYTES, CT_RX_SIZE, DR_NONE, SS_RX_FAST_FRAMES, SS_NOWNERS,
  POOL_SET_BYTES, DR_ALL_COPIES, CQ_RX_NO_DESC, CP_RX_DROPPED,
} from "../abi";
import { gBufBase, gBufSize, gBufCount, gBufStride, gHeadroom, gVfta, gVlanPools, gCntPort, gSwitchState, bufAddr, descAt } from "../mem";
import { NONE, cFlags, cVet, cVetExt, cRxBuf, mVfre, mVpe, mFlp, mUpe, mAupe } from "./config";
import { cntPool, cntPort, cntQueue } from "./counters";
import { trace, traceAddNoDesc, traceReset, traceSetDelivered } from "./trace";
import { macAt } from "./l2";
import { macFind, macSlotPools, bitTest } from "./select";
import { psHi, psLo } from "./poolset";
import { shadow, shadowInit } from "./rings";
import { bufFree, bufFreeInBurst, bufFreeFlush, fastCopy } from "./buffers";
import { RSS_BAIL, fastRssType, fastRssHash } from "../rss";
// The destination pool's configuration, cached across frames (fast-burst.ts). The loop uses
// these globals directly: copied into locals they were a dozen more loop-carried values than
// registers, spilled and shuffled every frame.
import {
  dpPool, dpMax, dpStrip, dpHide, dpTable, dpTypes, dpInner, dpReta, dpRetaMask, dpRxRing, dpOneQueue, fbN, fbBytes,
  destPoolLoad, fastBurstBegin, fastBurstAdd, fastBurstEnd,
} from "./fast-burst";

/**
 * Receives frames `start`.. of the wire burst while they take the fast path; returns the index
 * of the first one that does not (n when all did). The common wire frame: untagged for the
 * switch, 60 bytes up to the port and pool size limits and one Rx buffer, unicast with an
 * exact-MAC hit that (with the per-burst UPE/AUPE/VFRE masks) selects exactly one pool, an RSS
 * answer from fastRss, a ring with room (and a free buffer when every delivery is copied). For
 * such a frame rxOne's result follows from per-burst configuration plus the per-frame DA
 * look-up, Toeplitz hash and ring room. A ring without room drops the frame here as rxOne does
 * (deliver's "no descriptor": port Rx counted, queue and pool drop counters, buffer freed, the
 * last drop reason DR_ALL_COPIES): under overload most frames take this path. Counters are summed (port Rx in rN/rBytes, Rx pool and
 * queue per ring in the shadow; written by wireRxBurst and publish); the size bucket is counted
 * directly. A frame that fails any check is left untouched for rxOne. The masks are the pools
 * 0..63 words of the pool sets; a frame that may reach a pool >= 64 is left to rxOne too.
 */
export function rxFast(desc: usize, m: u32, head: u32, start: u32, n: u32, portLim: u32, addMask: u64, keepMask: u64, copy: bool, traceOn: bool): u32 {
  const vfre = psLo(mVfre);
  const flp = psLo(mFlp);
  const vpe = psLo(mVpe);
  const vlanFilter = (cFlags & SF_VLAN_FILTER) != 0;
  // The same masks on the pools 64..127 word (keepHiU is 0 on a port of at most 64 pools).
  const vfreHi = psHi(mVfre);
  const vpeHi = psHi(mVpe);
  const upeHi = psHi(mUpe);
  const keepHiU = (vlanFilter ? psHi(mAupe) : ~(<u64>0)) & vfreHi;
  // One 802.1Q tag (VET 0x8100, what fastRss reads as a tag): limits +4 bytes (LPE or not).
  const tagOk = cVet == 0x8100;
  const portLimT: u32 = portLim + 4;
  const bufCount = gBufCount;
  const bufSize = gBufSize;
  const vetLe = <u32>bswap<u16>(<u16>cVet); // EtherType fields compared as loaded (little-endian)
  const vetExtLe = (cFlags & SF_DOUBLE_VLAN) != 0 ? <u32>bswap<u16>(<u16>cVetExt) : NONE;
  let rxN: u32 = 0;
  let rxBytes: u64 = 0;
  const owned = load<u32>(gSwitchState + SS_NOWNERS) != 0;
  let lastDelivered = false;
  // The MAC table does not change during a burst, and a burst's frames mostly share their
  // destination: the last look-up is reused for the same address.
  let lastDa: u64 = u64.MAX_VALUE;
  let lastPools: u64 = 0;
  // "No descriptor" drops counted per run of the same ring and pool, written once per run.
  let dropRing: u32 = 0;
  let dropPool: u32 = 0;
  let drops: u64 = 0;
  // Under overload most frames find their ring full. The outcome of that drop is a function of
  // the frame's first 16 bytes (DA, SA, EtherType, TCI: every byte the checks before it read),
  // its length and this burst's configuration, with one queue per pool (no hash picks the
  // ring), and a full ring stays full for the rest of the call (its head and limit are fixed,
  // its tail moves only on a delivery). So the last such drop is remembered, and a frame whose
  // 16 bytes and length equal it is dropped the same way without the checks (memoLen 0: none).
  let memoHdr = v128.splat<i64>(0);
  let memoLen: u32 = 0;
  let memoRing: u32 = 0;
  let memoPool: u32 = 0;
  let memoBp: usize = 0;
  let i = start;
  for (; i < n; i++) {
    const d = descAt(desc, m, head, i);
    const lo = load<u64>(d);
    const buf = <u32>lo;
    const off = <u32>(lo >> 32) & 0xffff;
    const len = <u32>(lo >> 48);
    if (buf >= bufCount || off + 64 > bufSize || off + len > bufSize) break;
    if (len < 60) break;
    const f = bufAddr(buf) + off;
    if (len == memoLen && !v128.any_true(v128.xor(v128.load(f), memoHdr))) {
      // The remembered drop (see memoHdr): the same counts as the full path's drop below.
      if (drops != 0 && (memoRing != dropRing || memoPool != dropPool)) {
        cntQueue(dropRing, CQ_RX_NO_DESC, drops);
        cntPool(dropPool, CP_RX_DROPPED, drops);
        drops = 0;
      }
      dropRing = memoRing;
      dropPool = memoPool;
      lastDelivered = false;
      if (traceOn) {
        store<u64>(memoBp, load<u64>(memoBp) + 1);
        rxN++;
        rxBytes += <u64>(len + 4);
        drops++;
        bufFreeInBurst(buf);
        traceReset();
        traceAddNoDesc(memoPool);
        trace(0xff, DR_ALL_COPIES, false, false);
        continue;
      }
      // The run of frames that repeat the remembered drop, in a loop of its own (few live
      // values, the buffer geometry read once): each frame is freed in order, its counts (all
      // the same) added once for the run. A frame that is not such a repeat ends the run
      // untouched; the loop above then takes it from its first check.
      const bb = gBufBase;
      const bs = <usize>gBufStride;
      let j = i;
      let b = buf;
      for (;;) {
        bufFreeInBurst(b);
        j++;
        if (j >= n) break;
        const lj = load<u64>(descAt(desc, m, head, j));
        b = <u32>lj;
        const oj = <u32>(lj >> 32) & 0xffff;
        if (<u32>(lj >> 48) != memoLen || b >= bufCount || oj + 64 > bufSize || oj + memoLen > bufSize) break;
        if (v128.any_true(v128.xor(v128.load(bb + <usize>b * bs + <usize>oj), memoHdr))) break;
      }
      const run = j - i;
      store<u64>(memoBp, load<u64>(memoBp) + <u64>run);
      rxN += run;
      rxBytes += <u64>run * <u64>(len + 4);
      drops += <u64>run;
      i = j - 1; // (the for loop's i++ moves to the frame that ended the run)
      continue;
    }
    const et = <u32>load<u16>(f + 12);
    const da = macAt(f);
    if (et == vetExtLe || (da & 1) != 0) break;
    const tagged = et == vetLe;
    let tci: u32 = 0;
    let keep = keepMask;
    let keepHi = keepHiU;
    if (tagged) {
      if (!tagOk || len > portLimT) break;
      tci = <u32>bswap<u16>(load<u16>(f + 14));
      const vid = tci & 0xfff;
      if (vlanFilter) {
        if (!bitTest(gVfta, vid)) break; // the general path drops it (VLAN filter)
        const vlanAt = gVlanPools + <usize>vid * POOL_SET_BYTES;
        keep = (load<u64>(vlanAt) | vpe) & vfre;
        if (vfreHi != 0) keepHi = (load<u64>(vlanAt + 8) | vpeHi) & vfreHi;
      }
    } else if (len > portLim) break;
    if (da != lastDa) {
      lastDa = da;
      lastPools = macFind(da);
    }
    let P = lastPools & vfre;
    if (P == 0) break;
    // A frame that may reach a pool >= 64 (the same masks on the hi word, before FLP pruning)
    // is left to rxOne. Only on a port of more than 64 pools: a second look-up reads the hi word.
    if (keepHi != 0 && ((load<u64>(macSlotPools(da) + 8) | upeHi) & keepHi) != 0) break;
    P = (P | addMask) & keep;
    if (P == 0) break; // selectRx would try the default pool
    if (flp != 0) P &= ~(macFind(macAt(f + 6)) & flp); // loopback-source pruning (FLP)
    if (P == 0 || (P & (P - 1)) != 0) break;
    const p = <u32>ctz(P);
    if (p != dpPool) destPoolLoad(p);
    if (len > (tagged ? dpMax + 4 : dpMax)) break;
    const strip = tagged && dpStrip;
    if (strip && copy) break; // (the general path copies around the tag)
    const blen = strip ? len - 4 : len;
    if (blen > cRxBuf) break; // one descriptor
    // The RSS answer picks the queue. With one queue the ring is known without it, and a frame
    // that finds that ring full is dropped whatever the answer (rxOne's deliver counts the same
    // drop for it), so the answer is worked out only for a frame that is delivered.
    let rtype: u32 = RSS_NONE;
    let hash: u32 = 0;
    let ring = dpRxRing;
    if (!dpOneQueue) {
      rtype = fastRssType(f, len, dpTypes, dpInner);
      if (rtype == RSS_BAIL) break;
      hash = fastRssHash(f, rtype, dpTable);
      ring += <u32>load<u8>(dpReta + <usize>(hash & dpRetaMask));
    }
    const sh = shadow(ring);
    if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(ring);
    const tail = load<u32>(sh + SH_TAIL);
    // Port size bucket (bucket(): 64, 65-127, ..., 1024+; len >= 60 here).
    const l = len + 4;
    const bk: i32 = l == 64 ? 0 : l <= 127 ? 1 : l <= 255 ? 2 : l <= 511 ? 3 : l <= 1023 ? 4 : 5;
    const bp = gCntPort + (<usize>(CT_RX_SIZE + bk) << 3);
    if (tail - load<u32>(sh + SH_HEAD) >= load<u32>(sh + SH_LIMIT)) {
      // No descriptor (rxOne -> deliver, one pool, ring full): received, then dropped.
      store<u64>(bp, load<u64>(bp) + 1);
      rxN++;
      rxBytes += <u64>l;
      if (drops != 0 && (ring != dropRing || p != dropPool)) {
        cntQueue(dropRing, CQ_RX_NO_DESC, drops);
        cntPool(dropPool, CP_RX_DROPPED, drops);
        drops = 0;
      }
      dropRing = ring;
      dropPool = p;
      drops++;
      if (dpOneQueue) {
        memoHdr = v128.load(f);
        memoLen = len;
        memoRing = ring;
        memoPool = p;
        memoBp = bp;
      }
      bufFreeInBurst(buf);
      lastDelivered = false;
      if (traceOn) {
        traceReset();
        traceAddNoDesc(p);
        trace(0xff, DR_ALL_COPIES, false, false);
      }
      continue;
    }
    if (dpOneQueue) {
      rtype = fastRssType(f, len, dpTypes, dpInner);
      if (rtype == RSS_BAIL) break; // rxOne takes it (the ring's shadow is set up for the burst)
      hash = fastRssHash(f, rtype, dpTable);
    }
    // Commit: the frame is delivered to pool p, ring `ring`.
    let b = buf;
    let o = off;
    if (copy) {
      b = fastCopy(buf, off, f, len, owned);
      if (b == NONE) break;
      o = gHeadroom;
    }
    let flags: u32 = DF_DD | DF_EOP;
    let dtci: u32 = 0;
    if (strip) {
      // VLAN strip in place: DA/SA move over the tag (12 bytes, read before written).
      const w0 = load<u64>(f);
      const w1 = load<u32>(f + 8);
      store<u64>(f + 4, w0);
      store<u32>(f + 12, w1);
      o += 4;
      flags |= DF_VP;
      if (!dpHide) {
        flags |= DF_TCI;
        dtci = tci;
      }
    }
    const slot = <usize>load<u32>(sh + SH_DESC) + (<usize>(tail & load<u32>(sh + SH_MASK)) << 4);
    v128.store(slot, i64x2(
      <i64>(<u64>b | (<u64>(o & 0xffff) << 32) | (<u64>blen << 48)),
      <i64>(<u64>hash | (<u64>dtci << 32) | (<u64>flags << 48) | (<u64>(rtype & 0xff) << 56)),
    ));
    store<u32>(sh + SH_TAIL, tail + 1);
    const bytes = <u64>(len + 4);
    store<u32>(sh + SH_RPKTS, load<u32>(sh + SH_RPKTS) + 1);
    store<u64>(sh + SH_RBYTES, load<u64>(sh + SH_RBYTES) + <u64>(blen + 4));
    store<u64>(bp, load<u64>(bp) + 1);
    rxN++;
    rxBytes += bytes;
    lastDelivered = true;
    if (traceOn) {
      traceSetDelivered(P);
      trace(0xff, DR_NONE, false, false);
    }
  }
  if (drops != 0) {
    cntQueue(dropRing, CQ_RX_NO_DESC, drops);
    cntPool(dropPool, CP_RX_DROPPED, drops);
  }
  bufFreeFlush();
  if (rxN != 0) {
    fastBurstAdd(rxN, rxBytes, lastDelivered);
    // A fast drop was the last frame: its reason is the last drop (rxOne's trace call).
    if (!lastDelivered) store<u32>(gSwitchState + SS_LAST_DROP, DR_ALL_COPIES);
  }
  return i;
}

/** After the burst: the port Rx counters of the fast-path frames, summed; the last drop reason. */
@inline export function rxFastEnd(): void {
  if (fbN != 0) {
    cntPort(CT_RX_PACKETS, <u64>fbN);
    cntPort(CT_RX_BYTES, fbBytes);
  }
  fastBurstEnd(SS_RX_FAST_FRAMES);
}
