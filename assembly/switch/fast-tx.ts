// The Tx fast path (no reference counterpart: it must give exactly what the general path,
// veb.ts txOne, gives for the frames it takes; test/switch/differential-fastpath.test.ts checks
// it): the common VF-to-VF unicast frame switched with per-burst configuration, two MAC
// look-ups, one Toeplitz hash and one 16-byte descriptor store.
import {
  D_FLAGS, DF_DD, DF_EOP, DF_LB, DF_VLE, MAC_SLOT_BYTES, MAC_SLOT_POOLS, SH_DIRTY, SF_VLAN_FILTER, SF_RSS_ON_LB, SF_ALWAYS_COPY,
  RSS_NONE, SH_TAIL, SH_FPKTS, SH_FBYTES,
  CP_TX_PACKETS, CP_TX_BYTES, CP_TX_UNICAST, CP_TX_LB_PACKETS, CP_TX_LB_BYTES, DR_NONE, SS_TRACE,
  SS_FAST_FRAMES, SS_NOWNERS,
} from "../abi";
import { gBufSize, gBufCount, gHeadroom, gSwitchState, gMacTable, gMacMask, bufAddr, descAt } from "../mem";
import {
  NONE, cFlags, cVet, cVetExt, cTxMax, cRxBuf, mVfre, mAupe, mUpe, mLle, mMacas,
} from "./config";
import { cntPool } from "./counters";
import { trace, traceSetDelivered } from "./trace";
import { macAt } from "./l2";
import { macSlotPools } from "./select";
import { psHi, psLo } from "./poolset";
import { shadow, shadowFull, shadowInit, shadowPush } from "./rings";
import { fastCopy } from "./buffers";
import { RSS_BAIL, fastRssType, fastRssHash } from "../rss";
import {
  dpPool, dpMax, dpTable, dpTypes, dpInner, dpReta, dpRetaMask, dpRxRing, fbN, fbBytes,
  destPoolLoad, fastBurstBegin, fastBurstAdd, fastBurstEnd,
} from "./fast-burst";

// Per-burst state, set by txFastBegin (veb.ts txLoop) and read into locals by txFast (which contains no calls, so
// its loop keeps them in registers).
let fPool: u32 = 0;
let fSrcBit: u64 = 0;
let fSpoof = false;
let fRss = false;
let fCopy = false;
let fTrace = false;
let fTxLimit: u32 = 0;
let fVetLe: u32 = 0;
let fVetExtLe: u32 = 0;
let fAdd: u64 = 0;
let fKeep: u64 = 0;
let fKeepHi: u64 = 0; // fKeep for pools 64..127 (0 on a port of at most 64 pools)
let fAddHi: u64 = 0; // fAdd & fKeepHi

/**
 * Switches frames `start`.. of the burst while they take the fast path; returns the index of
 * the first one that does not (n when all did). The common VF-to-VF frame: untagged for the
 * switch, unicast, no VLAN insertion, 60 bytes up to the Tx and pool size limits and one Rx
 * buffer, an exact-MAC hit that selects exactly one pool by loopback, a ring with room (and a
 * free buffer when every copy is DMA'd), and an RSS answer from fastRss (or RSS off on
 * loopback). For such a frame txOne's result follows from the per-burst configuration plus the
 * per-frame anti-spoof look-up, DA look-up, Toeplitz hash and ring room. Its counters are summed
 * (Tx in fast-burst.ts fbN/fbBytes, Rx per ring in the shadow; written by txLoop and publish). A frame that
 * fails any check is left untouched for txOne.
 */
export function txFast(desc: usize, m: u32, head: u32, start: u32, n: u32): u32 {
  const pool = fPool;
  const srcBit = fSrcBit;
  const spoofCheck = fSpoof;
  const rssOn = fRss;
  const copy = fCopy;
  const traceOn = fTrace;
  const txLimit = fTxLimit;
  const vetLe = fVetLe;
  const vetExtLe = fVetExtLe;
  const addMask = fAdd;
  const keepMask = fKeep;
  const vfre = psLo(mVfre);
  const keepHi = fKeepHi;
  const addHi = fAddHi;
  const bufCount = gBufCount;
  const bufSize = gBufSize;
  // The destination pool's configuration (fast-burst.ts), in locals: one Rx buffer caps the size.
  let dPool = dpPool;
  let dMax = dpMax < cRxBuf ? dpMax : cRxBuf;
  let dTable = dpTable;
  let dTypes = dpTypes;
  let dInner = dpInner;
  let dReta = dpReta;
  let dRetaMask = dpRetaMask;
  let dRxRing = dpRxRing;
  let txN: u32 = 0;
  let txBytes: u64 = 0;
  const owned = load<u32>(gSwitchState + SS_NOWNERS) != 0;
  let i = start;
  for (; i < n; i++) {
    const d = descAt(desc, m, head, i);
    const lo = load<u64>(d);
    const buf = <u32>lo;
    const off = <u32>(lo >> 32) & 0xffff;
    const len = <u32>(lo >> 48);
    if (buf >= bufCount || off + 64 > bufSize) break;
    if ((load<u8>(d + D_FLAGS) & DF_VLE) != 0 || len < 60 || len > txLimit) break;
    const f = bufAddr(buf) + off;
    const et = <u32>load<u16>(f + 12);
    const da = macAt(f);
    if (et == vetLe || et == vetExtLe || (da & 1) != 0) break;
    let P = macFindIn(gMacTable, gMacMask, da) & vfre;
    if (P == 0) break;
    // A frame that reaches a pool >= 64 (the same masks on the hi word) is left to txOne. Only
    // on a port of more than 64 pools: the second look-up of the DA reads its hi word.
    if (keepHi != 0 && ((load<u64>(macSlotPools(da) + 8) & keepHi) | addHi) != 0) break;
    P = (P | addMask) & keepMask;
    if (P == 0 || (P & (P - 1)) != 0) break;
    if (spoofCheck && (macFindIn(gMacTable, gMacMask, macAt(f + 6)) & srcBit) == 0) break;
    const p = <u32>ctz(P);
    if (p != dPool) {
      destPoolLoad(p);
      dPool = p;
      dMax = dpMax < cRxBuf ? dpMax : cRxBuf; // one descriptor
      dTable = dpTable;
      dTypes = dpTypes;
      dInner = dpInner;
      dReta = dpReta;
      dRetaMask = dpRetaMask;
      dRxRing = dpRxRing;
    }
    if (len > dMax) break;
    let rtype: u32 = RSS_NONE;
    let hash: u32 = 0;
    let queue: u32 = 0;
    if (rssOn) {
      rtype = fastRssType(f, len, dTypes, dInner);
      if (rtype == RSS_BAIL) break;
      hash = fastRssHash(f, rtype, dTable); // (0 for RSS_NONE)
      queue = <u32>load<u8>(dReta + <usize>(hash & dRetaMask));
    }
    const ring = dRxRing + queue;
    const sh = shadow(ring);
    if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(ring);
    const tail = load<u32>(sh + SH_TAIL);
    if (shadowFull(sh, tail)) break;
    // Commit: the frame is delivered to pool p, queue `queue`, not to the wire.
    let b = buf;
    let o = off;
    if (copy) {
      b = fastCopy(buf, off, f, len, owned);
      if (b == NONE) break;
      o = gHeadroom;
    }
    shadowPush(sh, tail,
      <u64>b | (<u64>(o & 0xffff) << 32) | (<u64>len << 48),
      <u64>hash | (<u64>(DF_DD | DF_LB | DF_EOP) << 48) | (<u64>(rtype & 0xff) << 56),
    );
    const bytes = <u64>(len + 4);
    store<u32>(sh + SH_FPKTS, load<u32>(sh + SH_FPKTS) + 1);
    store<u64>(sh + SH_FBYTES, load<u64>(sh + SH_FBYTES) + bytes);
    txN++;
    txBytes += bytes;
    if (traceOn) {
      traceSetDelivered(P);
      trace(pool, DR_NONE, false, false);
    }
  }
  if (txN != 0) fastBurstAdd(txN, txBytes, true);
  return i;
}

/**
 * Per-burst set-up of the fast path for a burst of `pool` (txLoop, before its first frame; only
 * for pool < 64: the fast path works on the pools 0..63 word of the pool sets).
 */
@inline export function txFastBegin(pool: u32): void {
  const srcBit = <u64>1 << (pool & 63);
  fPool = pool;
  fSrcBit = srcBit;
  fSpoof = (psLo(mMacas) & srcBit) != 0;
  fRss = (cFlags & SF_RSS_ON_LB) != 0;
  fCopy = (cFlags & SF_ALWAYS_COPY) != 0;
  fTrace = load<u32>(gSwitchState + SS_TRACE) != 0;
  fTxLimit = cTxMax >= 4 ? cTxMax - 4 : 0; // len + 4 > SC_TX_MAX is a Tx drop
  fVetLe = <u32>bswap<u16>(<u16>cVet); // EtherType fields compared as loaded (little-endian)
  fVetExtLe = <u32>bswap<u16>(<u16>cVetExt);
  // selectTx for an untagged unicast frame with an exact hit, as masks.
  fAdd = psLo(mUpe);
  fKeep = ((psLo(mLle) & srcBit) != 0 ? ~(<u64>0) : ~srcBit) &
    ((cFlags & SF_VLAN_FILTER) != 0 ? psLo(mAupe) : ~(<u64>0)) & psLo(mVfre);
  fKeepHi = ((cFlags & SF_VLAN_FILTER) != 0 ? psHi(mAupe) : ~(<u64>0)) & psHi(mVfre);
  fAddHi = psHi(mUpe) & fKeepHi;
  fastBurstBegin();
}

/** After the burst: the Tx counters of the fast-path frames, summed; the last drop reason. */
@inline export function txFastEnd(pool: u32): void {
  if (fbN != 0) {
    const tn = <u64>fbN;
    cntPool(pool, CP_TX_PACKETS, tn);
    cntPool(pool, CP_TX_BYTES, fbBytes);
    cntPool(pool, CP_TX_UNICAST, tn);
    cntPool(pool, CP_TX_LB_PACKETS, tn);
    cntPool(pool, CP_TX_LB_BYTES, fbBytes);
  }
  fastBurstEnd(SS_FAST_FRAMES);
}

/** select.ts macFind with the table and its mask passed in (read once per burst by the caller). */
@inline function macFindIn(table: usize, mask: u32, mac: u64): u64 {
  const key = mac | (<u64>1 << 48);
  let i = <u32>((mac * 0x9e3779b97f4a7c15) >> 40) & mask;
  for (let n: u32 = 0; n <= mask; n++) {
    const slot = table + <usize>i * MAC_SLOT_BYTES;
    const k = load<u64>(slot);
    if (k == key) return load<u64>(slot + MAC_SLOT_POOLS);
    if (k == 0) return 0;
    i = (i + 1) & mask;
  }
  return 0;
}
