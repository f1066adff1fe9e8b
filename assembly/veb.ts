// The embedded switch (VEB/VEPA) on descriptor rings: the semantics of
// src/switch/reference/veb.ts (spec §2, §3, §5, §6), processing bursts. One thread runs these
// kernels for a switch: it is the only consumer of the Tx and wire-in rings, the only producer
// of the Rx and wire-out rings, the only writer of the switch counters and of its free stack.
// Ring tails are published once per burst (shadow tails, atomic store-release).
import {
  R_HEAD, R_TAIL, R_MASK, R_DESC, R_LIMIT, R_DROPS, R_OWNER,
  D_BUF, D_OFF, D_LEN, D_HASH, D_TCI, D_FLAGS, D_INFO, DESC_BYTES,
  DF_DD, DF_EOP, DF_VP, DF_LB, DF_VLE, DF_BCAST, DF_MCAST, DF_TCI,
  SC_FLAGS, SC_DEF_POOL, SC_MO, SC_VET, SC_VET_EXT, SC_PORT_MAX, SC_TX_MAX, SC_WIRE_IN, SC_WIRE_OUT,
  SC_MASKS, SC_RX_BUF,
  SF_LOOPBACK, SF_VLAN_FILTER, SF_DOUBLE_VLAN, SF_DIS_DEF_POOL, SF_QEMU_DEF_POOL, SF_RSS_ON_LB,
  SF_PORT_LPE, SF_TX_PAD, SF_PORT_UPE, SF_PORT_MPE, SF_PORT_BAM, SF_ALWAYS_COPY,
  M_VFRE, M_VFTE, M_BAM, M_AUPE, M_ROMPE, M_ROPE, M_MPE, M_UPE, M_VPE, M_LLE, M_FLP, M_MACAS, M_VLANAS,
  PC_FLAGS, PC_RLPML, PC_VLAN_ACTION, PC_DEFAULT_TCI, PC_INSERT_TPID, PC_RXQ, PC_RXRING, PC_TXQ, PC_TXRING,
  PC_RSS_TYPES, PC_RETA_MASK, PC_RETA, PC_TOEPLITZ, POOL_CFG_BYTES, PF_LPE, PF_STRIP, PF_RSS_INNER, PF_HIDE_VLAN,
  VA_USE_DESC, MAC_SLOT_BYTES,
  SS_FREE_STACK, SS_RETURN_RING, SS_LAST_DROP, SS_FAST_FRAMES, SS_RX_FAST_FRAMES, SS_NOWNERS, SS_OWNERS, SS_OWNER_BYTES, SS_TRACE, SS_TRACE_CAP, SS_TRACE_COUNT, TRACE_BYTES,
  FS_COUNT, FS_ENTRIES, SH_TAIL, SH_HEAD, SH_DIRTY, SH_DESC, SH_MASK, SH_LIMIT, SH_FPKTS, SH_FBYTES, SH_RPKTS, SH_RBYTES, SH_BYTES, SCR_PLAN, PLAN_BYTES, SCR_DIRTY,
  CP_RX_PACKETS, CP_RX_BYTES, CP_RX_UNICAST, CP_RX_MULTICAST, CP_RX_BROADCAST, CP_RX_LB_PACKETS, CP_RX_LB_BYTES,
  CP_RX_DROPPED, CP_RX_OVERSIZE, CP_TX_PACKETS, CP_TX_BYTES, CP_TX_UNICAST, CP_TX_MULTICAST, CP_TX_BROADCAST,
  CP_TX_LB_PACKETS, CP_TX_LB_BYTES, CP_TX_DROPPED, CP_TX_ERRORS, CP_TX_SPOOFED, CP_MDD_EVENTS, POOL_CNT_WORDS,
  CQ_RX_PACKETS, CQ_RX_BYTES, CQ_RX_NO_DESC, CQ_RX_DESCRIPTORS, QUEUE_CNT_WORDS,
  CT_RX_PACKETS, CT_RX_BYTES, CT_TX_PACKETS, CT_TX_BYTES, CT_RUC, CT_RX_RUNT_DROPPED, CT_ROC, CT_RX_L2_FILTERED,
  CT_RX_VLAN_FILTERED, CT_RX_NO_POOL, CT_RX_ERRORS, CT_TX_SPOOFED, CT_TX_NO_DESTINATION, CT_RX_SIZE, CT_TX_SIZE,
  CT_NO_BUFFER, CT_WIRE_OUT_FULL, CT_BAD_DESC,
  DR_NONE, DR_RUNT, DR_TAG_TRUNCATED, DR_OVERSIZE, DR_L2_FILTER, DR_VLAN_FILTER, DR_NO_POOL, DR_ALL_COPIES,
  DR_MDD_SHORT, DR_MDD_VLAN, DR_TX_OVERSIZE, DR_MAC_SPOOF, DR_VLAN_SPOOF, DR_NO_DESTINATION,
  RSS_NONE,
} from "./abi";
import {
  gSwitchCfg, gPoolCfg, gMacTable, gMacMask, gMta, gUta, gVfta, gVlanPools, gCntPool, gCntQueue, gCntPort,
  gSwitchState, gScratch, gShadow, gHeadroom, gBufSize, gBufCount, bufAddr, ringAt,
} from "./mem";
import { parse } from "./parse";
import { rssSummary, gRssHash, fastRss, fastRssInline, RSS_BAIL } from "./rss";

const NONE: u32 = 0xffffffff;

// ---- per-burst cached configuration ------------------------------------------------------
let cFlags: u32 = 0;
let cDefPool: u32 = 0;
let cMoShift: u32 = 4;
let cVet: u32 = 0x8100;
let cVetExt: u32 = 0x88a8;
let cPortMax: u32 = 9728;
let cTxMax: u32 = 9728;
let cRxBuf: u32 = 2048;
let mVfre: u64 = 0;
let mBam: u64 = 0;
let mAupe: u64 = 0;
let mRompe: u64 = 0;
let mRope: u64 = 0;
let mMpe: u64 = 0;
let mUpe: u64 = 0;
let mVpe: u64 = 0;
let mLle: u64 = 0;
let mFlp: u64 = 0;
let mMacas: u64 = 0;
let mVlanas: u64 = 0;
let mVfte: u64 = 0;
let nDirty: u32 = 0;

@inline function mask(i: i32): u64 {
  return load<u64>(gSwitchCfg + SC_MASKS + (<usize>i << 3));
}
@inline function scfg(off: i32): u32 {
  return load<u32>(gSwitchCfg + <usize>off);
}

function loadConfig(): void {
  cFlags = scfg(SC_FLAGS);
  cDefPool = scfg(SC_DEF_POOL);
  const mo = scfg(SC_MO) & 3;
  cMoShift = mo == 0 ? 4 : mo == 1 ? 3 : mo == 2 ? 2 : 0;
  cVet = scfg(SC_VET);
  cVetExt = scfg(SC_VET_EXT);
  cPortMax = scfg(SC_PORT_MAX);
  cTxMax = scfg(SC_TX_MAX);
  cRxBuf = scfg(SC_RX_BUF);
  if (cRxBuf == 0) cRxBuf = 2048;
  mVfre = mask(M_VFRE);
  mVfte = mask(M_VFTE);
  mBam = mask(M_BAM);
  mAupe = mask(M_AUPE);
  mRompe = mask(M_ROMPE);
  mRope = mask(M_ROPE);
  mMpe = mask(M_MPE);
  mUpe = mask(M_UPE);
  mVpe = mask(M_VPE);
  mLle = mask(M_LLE);
  mFlp = mask(M_FLP);
  mMacas = mask(M_MACAS);
  mVlanas = mask(M_VLANAS);
}

// ---- counters (plain u64 words, single writer) ----------------------------------------------
@inline function cntPool(pool: u32, idx: i32, v: u64): void {
  const p = gCntPool + ((<usize>pool * POOL_CNT_WORDS + <usize>idx) << 3);
  store<u64>(p, load<u64>(p) + v);
}
@inline function cntQueue(ring: u32, idx: i32, v: u64): void {
  const p = gCntQueue + ((<usize>ring * QUEUE_CNT_WORDS + <usize>idx) << 3);
  store<u64>(p, load<u64>(p) + v);
}
@inline function cntPort(idx: i32, v: u64): void {
  const p = gCntPort + (<usize>idx << 3);
  store<u64>(p, load<u64>(p) + v);
}
function bucket(base: i32, lenNoFcs: u32): void {
  const l = lenNoFcs + 4;
  if (l < 64) return;
  let b: i32 = 5;
  if (l == 64) b = 0;
  else if (l <= 127) b = 1;
  else if (l <= 255) b = 2;
  else if (l <= 511) b = 3;
  else if (l <= 1023) b = 4;
  cntPort(base + b, 1);
}

// ---- pool config ------------------------------------------------------------------------------
@inline function pcfg(pool: u32, off: i32): u32 {
  return load<u32>(gPoolCfg + <usize>pool * POOL_CFG_BYTES + <usize>off);
}

// ---- tables -----------------------------------------------------------------------------------
@inline function macAt(p: usize): u64 {
  return <u64>load<u32>(p) | (<u64>load<u16>(p + 4) << 32);
}

/** Pools of the exact filters for `mac` (0 when none). */
export function macLookup(mac: u64): u64 {
  return macFind(mac);
}

@inline function macFind(mac: u64): u64 {
  const key = mac | (<u64>1 << 48);
  let i = <u32>((mac * 0x9e3779b97f4a7c15) >> 40) & gMacMask;
  for (let n: u32 = 0; n <= gMacMask; n++) {
    const slot = gMacTable + <usize>i * MAC_SLOT_BYTES;
    const k = load<u64>(slot);
    if (k == key) return load<u64>(slot + 8);
    if (k == 0) return 0;
    i = (i + 1) & gMacMask;
  }
  return 0;
}

@inline function bitTest(table: usize, idx: u32): bool {
  return ((load<u32>(table + (<usize>(idx >> 5) << 2)) >> (idx & 31)) & 1) != 0;
}
@inline function hashIdx(mac: u64): u32 {
  const w = <u32>((mac >> 32) & 0xffff); // DA[4] | DA[5] << 8
  return (w >> cMoShift) & 0xfff;
}

// ---- L2 recognition (reference/l2.ts parseSwitchL2) ------------------------------------------
let lTags: u32 = 0;
let lTagOff: u32 = 0;
let lTci: u32 = 0;
let lVid: i32 = -1;
let lTrunc: bool = false;

function switchL2(f: usize, len: u32): void {
  lTags = 0;
  lVid = -1;
  lTrunc = false;
  const first = <u32>bswap<u16>(load<u16>(f + 12));
  if ((cFlags & SF_DOUBLE_VLAN) != 0 && first == cVetExt) {
    if (len >= 18 && <u32>bswap<u16>(load<u16>(f + 16)) == cVet) {
      if (len < 20) {
        lTrunc = true;
      } else {
        lTags = 2;
        lTagOff = 16;
        lTci = <u32>bswap<u16>(load<u16>(f + 18));
        lVid = <i32>(lTci & 0xfff);
      }
    } else if (len < 18) {
      lTrunc = true;
    }
  } else if (first == cVet) {
    if (len < 16) {
      lTrunc = true;
    } else {
      lTags = 1;
      lTagOff = 12;
      lTci = <u32>bswap<u16>(load<u16>(f + 14));
      lVid = <i32>(lTci & 0xfff);
    }
  }
}

/** 0 unicast, 1 multicast, 2 broadcast. */
@inline function addrClass(da: u64): u32 {
  if (da == 0xffffffffffff) return 2;
  return <u32>(da & 1);
}

@inline function vlanStep(P: u64, vid: i32): u64 {
  if ((cFlags & SF_VLAN_FILTER) == 0) return P;
  if (vid < 0) return P & mAupe;
  return P & (load<u64>(gVlanPools + (<usize>vid << 3)) | mVpe);
}

function passesPortFilter(da: u64, cls: u32, exact: u64): bool {
  if (exact != 0) return true;
  if (cls == 2) return (cFlags & SF_PORT_BAM) != 0;
  if (cls == 1) return (cFlags & SF_PORT_MPE) != 0 || bitTest(gMta, hashIdx(da));
  return (cFlags & SF_PORT_UPE) != 0 || bitTest(gUta, hashIdx(da));
}

function selectRx(da: u64, sa: u64, cls: u32, exact: u64, vid: i32): u64 {
  let P = exact & mVfre;
  if (cls == 2) P |= mBam;
  if (cls == 0 && P == 0 && bitTest(gUta, hashIdx(da))) P |= mRope;
  if (cls == 1 && P == 0 && bitTest(gMta, hashIdx(da))) P |= mRompe;
  if (cls == 1) P |= mMpe;
  if (cls == 0) P |= mUpe;
  P = vlanStep(P, vid);
  const defaultApplies = (cFlags & SF_QEMU_DEF_POOL) == 0 || cls == 0;
  if (P == 0 && (cFlags & SF_DIS_DEF_POOL) == 0 && defaultApplies) P = <u64>1 << cDefPool;
  if (mFlp != 0) P &= ~(macLookup(sa) & mFlp);
  return P & mVfre;
}

let tToWire: bool = false;

function selectTx(da: u64, cls: u32, src: u32, vid: i32): u64 {
  let P = macLookup(da) & mVfre;
  const exactHit = P != 0;
  if (cls == 2) P |= mBam;
  if (cls == 0 && P == 0 && bitTest(gUta, hashIdx(da))) P |= mRope;
  if (cls == 1 && P == 0 && bitTest(gMta, hashIdx(da))) P |= mRompe;
  if (cls == 0) P |= mUpe;
  if (cls == 1) P |= mMpe;
  const srcBit = <u64>1 << src;
  const lle = (mLle & srcBit) != 0;
  if (!lle) P &= ~srcBit;
  P = vlanStep(P, vid);
  if (P == 0 && cls != 0 && (cFlags & (SF_DIS_DEF_POOL | SF_QEMU_DEF_POOL)) == 0) {
    if (cDefPool != src || lle) P = <u64>1 << cDefPool;
  }
  tToWire = cls != 0 || !exactHit;
  return P & mVfre;
}

// ---- rings: shadow producer state, published once per burst ----------------------------------
@inline function shadow(ring: u32): usize {
  return gShadow + <usize>ring * SH_BYTES;
}

/** Free descriptors of Rx/wire-out ring `id` as the producer sees it in this burst. */
function ringFree(id: u32): u32 {
  const sh = shadow(id);
  const r = ringAt(id);
  if (load<u32>(sh + SH_DIRTY) == 0) {
    store<u32>(sh + SH_TAIL, load<u32>(r + R_TAIL));
    store<u32>(sh + SH_HEAD, atomic.load<u32>(r + R_HEAD));
    store<u32>(sh + SH_DESC, load<u32>(r + R_DESC));
    store<u32>(sh + SH_MASK, load<u32>(r + R_MASK));
    store<u32>(sh + SH_LIMIT, load<u32>(r + R_LIMIT));
    store<u32>(sh + SH_DIRTY, 1);
    store<u32>(gScratch + SCR_DIRTY + (<usize>nDirty << 2), id);
    nDirty++;
  }
  const used = load<u32>(sh + SH_TAIL) - load<u32>(sh + SH_HEAD);
  const limit = load<u32>(r + R_LIMIT);
  return used >= limit ? 0 : limit - used;
}

/** Writes one descriptor at the shadow tail of ring `id` (ringFree(id) must have been called). */
@inline function writeDesc(id: u32, buf: u32, off: u32, len: u32, hash: u32, tci: u32, flags: u32, info: u32): void {
  const sh = shadow(id);
  const t = load<u32>(sh + SH_TAIL);
  const d = <usize>load<u32>(sh + SH_DESC) + ((<usize>(t & load<u32>(sh + SH_MASK))) << 4);
  store<u64>(d, <u64>buf | (<u64>(off & 0xffff) << 32) | (<u64>(len & 0xffff) << 48));
  store<u64>(d + 8, <u64>hash | (<u64>(tci & 0xffff) << 32) | (<u64>(flags & 0xff) << 48) | (<u64>(info & 0xff) << 56));
  store<u32>(sh + SH_TAIL, t + 1);
}

function publish(): void {
  for (let i: u32 = 0; i < nDirty; i++) {
    const id = load<u32>(gScratch + SCR_DIRTY + (<usize>i << 2));
    const sh = shadow(id);
    const r = ringAt(id);
    atomic.store<u32>(r + R_TAIL, load<u32>(sh + SH_TAIL));
    store<u32>(sh + SH_DIRTY, 0);
    const fp = load<u32>(sh + SH_FPKTS);
    if (fp != 0) {
      // Frames the fast path enqueued: all unicast loopback copies of one descriptor each.
      const fb = load<u64>(sh + SH_FBYTES);
      const n = <u64>fp;
      const pool = load<u32>(r + R_OWNER);
      cntQueue(id, CQ_RX_PACKETS, n);
      cntQueue(id, CQ_RX_BYTES, fb);
      cntQueue(id, CQ_RX_DESCRIPTORS, n);
      cntPool(pool, CP_RX_PACKETS, n);
      cntPool(pool, CP_RX_BYTES, fb);
      cntPool(pool, CP_RX_UNICAST, n);
      cntPool(pool, CP_RX_LB_PACKETS, n);
      cntPool(pool, CP_RX_LB_BYTES, fb);
      store<u32>(sh + SH_FPKTS, 0);
      store<u64>(sh + SH_FBYTES, 0);
    }
    const rp = load<u32>(sh + SH_RPKTS);
    if (rp != 0) {
      // Frames the Rx fast path enqueued: unicast wire frames of one descriptor each.
      const rb = load<u64>(sh + SH_RBYTES);
      const n = <u64>rp;
      const pool = load<u32>(r + R_OWNER);
      cntQueue(id, CQ_RX_PACKETS, n);
      cntQueue(id, CQ_RX_BYTES, rb);
      cntQueue(id, CQ_RX_DESCRIPTORS, n);
      cntPool(pool, CP_RX_PACKETS, n);
      cntPool(pool, CP_RX_BYTES, rb);
      cntPool(pool, CP_RX_UNICAST, n);
      store<u32>(sh + SH_RPKTS, 0);
      store<u64>(sh + SH_RBYTES, 0);
    }
  }
  nDirty = 0;
}

// ---- buffers ------------------------------------------------------------------------------------
@inline function freeStack(): usize {
  return <usize>load<u32>(gSwitchState + SS_FREE_STACK);
}
export function bufAlloc(): u32 {
  const s = freeStack();
  const c = load<u32>(s + FS_COUNT);
  if (c == 0) return NONE;
  store<u32>(s + FS_COUNT, c - 1);
  return load<u32>(s + FS_ENTRIES + (<usize>(c - 1) << 2));
}
export function bufFree(idx: u32): void {
  const owners = load<u32>(gSwitchState + SS_NOWNERS);
  for (let k: u32 = 0; k < owners; k++) {
    const e = gSwitchState + SS_OWNERS + <usize>k * SS_OWNER_BYTES;
    if (idx >= load<u32>(e) && idx < load<u32>(e + 4)) {
      // Another thread's buffer: home on its return ring (sized for all of them, never full).
      const r = <usize>load<u32>(e + 8);
      const t = load<u32>(r + R_TAIL);
      store<u32>(<usize>load<u32>(r + R_DESC) + (<usize>(t & load<u32>(r + R_MASK)) << 4) + D_BUF, idx);
      atomic.store<u32>(r + R_TAIL, t + 1);
      return;
    }
  }
  const s = freeStack();
  const c = load<u32>(s + FS_COUNT);
  store<u32>(s + FS_ENTRIES + (<usize>c << 2), idx);
  store<u32>(s + FS_COUNT, c + 1);
}

/** Moves every buffer index waiting in the return ring (if any) onto the free stack. */
function drainReturns(): void {
  const id = load<u32>(gSwitchState + SS_RETURN_RING);
  if (id == NONE) return;
  const r = ringAt(id);
  const head = load<u32>(r + R_HEAD);
  const tail = atomic.load<u32>(r + R_TAIL);
  const m = load<u32>(r + R_MASK);
  const desc = <usize>load<u32>(r + R_DESC);
  for (let i = head; i != tail; i++) bufFree(load<u32>(desc + (<usize>(i & m) << 4)));
  atomic.store<u32>(r + R_HEAD, tail);
}

// ---- trace (tests) ----------------------------------------------------------------------------
let trDelivered: u64 = 0;
let trOversize: u64 = 0;
let trNoDesc: u64 = 0;

function trace(src: u32, drop: u32, toWire: bool, padded: bool): void {
  store<u32>(gSwitchState + SS_LAST_DROP, drop);
  const base = <usize>load<u32>(gSwitchState + SS_TRACE);
  if (base == 0) return;
  const n = load<u32>(gSwitchState + SS_TRACE_COUNT);
  if (n >= load<u32>(gSwitchState + SS_TRACE_CAP)) return;
  const r = base + <usize>n * TRACE_BYTES;
  store<u32>(r, n);
  store<u8>(r + 4, <u8>src);
  store<u8>(r + 5, <u8>drop);
  store<u8>(r + 6, toWire ? 1 : 0);
  store<u8>(r + 7, padded ? 1 : 0);
  store<u64>(r + 8, trDelivered);
  store<u64>(r + 16, trOversize);
  store<u64>(r + 24, trNoDesc);
  store<u32>(gSwitchState + SS_TRACE_COUNT, n + 1);
}

// ---- copies into pools (reference deliverCopies) ----------------------------------------------
let dOversize: u32 = 0;
let dDelivered: u32 = 0;
let dOriginalUsed: bool = false;

@inline function isOversized(len: u32, tags: u32, longPacket: bool, rlpml: u32): bool {
  return longPacket ? len + 4 > rlpml : len > 1514 + 4 * tags;
}

/**
 * Delivers the frame (buffer `buf`, data at `off`, `len` bytes) to every pool in P. When
 * `mayUseOriginal`, the last copy takes the original buffer (zero copy); otherwise every copy is
 * a fresh buffer. Counters as the reference; dOversize / dDelivered / dOriginalUsed report back.
 */
function deliver(buf: u32, off: u32, len: u32, P: u64, cls: u32, loopback: bool, mayUseOriginal: bool): void {
  const f = bufAddr(buf) + off;
  const plan = gScratch + SCR_PLAN;
  let n: u32 = 0;
  let parsed = false;
  dOversize = 0;
  dDelivered = 0;
  dOriginalUsed = false;
  const rssOnLb = (cFlags & SF_RSS_ON_LB) != 0;
  // Pass 1: size check, queue choice, descriptor check (ascending pool order).
  while (P != 0) {
    const p = <u32>ctz(P);
    P &= P - 1;
    const pflags = pcfg(p, PC_FLAGS);
    if (isOversized(len, lTags, (pflags & PF_LPE) != 0, pcfg(p, PC_RLPML))) {
      dOversize++;
      cntPool(p, CP_RX_DROPPED, 1);
      cntPool(p, CP_RX_OVERSIZE, 1);
      trOversize |= <u64>1 << p;
      continue;
    }
    const strip = (pflags & PF_STRIP) != 0 && lTags != 0;
    const blen = strip ? len - 4 : len;
    let queue: u32 = 0;
    let hash: u32 = 0;
    let rtype: u32 = RSS_NONE;
    if (!loopback || rssOnLb) {
      const table = <usize>pcfg(p, PC_TOEPLITZ);
      const types = pcfg(p, PC_RSS_TYPES);
      const inner = (pflags & PF_RSS_INNER) != 0;
      rtype = parsed ? RSS_BAIL : fastRss(f, len, table, types, inner);
      if (rtype == RSS_BAIL) {
        if (!parsed) {
          parse(f, len, gScratch);
          parsed = true;
        }
        rtype = rssSummary(gScratch, f, table, types, inner);
      }
      hash = rtype == RSS_NONE ? 0 : gRssHash;
      queue = <u32>load<u8>(<usize>pcfg(p, PC_RETA) + <usize>(hash & pcfg(p, PC_RETA_MASK)));
    }
    const ring = pcfg(p, PC_RXRING) + queue;
    const k: u32 = blen == 0 ? 1 : (blen + cRxBuf - 1) / cRxBuf;
    if (ringFree(ring) < k) {
      cntQueue(ring, CQ_RX_NO_DESC, 1);
      cntPool(p, CP_RX_DROPPED, 1);
      trNoDesc |= <u64>1 << p;
      continue;
    }
    const e = plan + <usize>n * PLAN_BYTES;
    store<u32>(e, p);
    store<u32>(e + 4, ring);
    store<u32>(e + 8, hash);
    store<u32>(e + 12, rtype);
    store<u32>(e + 16, k);
    store<u32>(e + 20, strip ? 1 : 0);
    store<u32>(e + 24, pflags);
    n++;
  }
  // Pass 2: copies first (from the untouched original), the original buffer last.
  const classFlag: u32 = cls == 2 ? DF_BCAST : cls == 1 ? DF_MCAST : 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = plan + <usize>i * PLAN_BYTES;
    const p = load<u32>(e);
    const ring = load<u32>(e + 4);
    const strip = load<u32>(e + 20) != 0;
    const pflags = load<u32>(e + 24);
    let b: u32;
    let o: u32;
    let l = len;
    if (mayUseOriginal && i == n - 1 && (cFlags & SF_ALWAYS_COPY) == 0) {
      b = buf;
      o = off;
      if (strip) {
        memory.copy(f + 4, f, lTagOff); // move DA/SA (and an outer tag) over the stripped tag
        o += 4;
        l -= 4;
      }
      dOriginalUsed = true;
    } else {
      b = bufAlloc();
      if (b == NONE) {
        cntPort(CT_NO_BUFFER, 1);
        cntPool(p, CP_RX_DROPPED, 1);
        trNoDesc |= <u64>1 << p;
        continue;
      }
      o = gHeadroom;
      const dst = bufAddr(b) + o;
      if (strip) {
        memory.copy(dst, f, lTagOff);
        memory.copy(dst + lTagOff, f + lTagOff + 4, len - lTagOff - 4);
        l -= 4;
      } else {
        memory.copy(dst, f, len);
      }
    }
    const k = load<u32>(e + 16);
    const hash = load<u32>(e + 8);
    const rtype = load<u32>(e + 12);
    let flags = DF_DD | classFlag | (loopback ? DF_LB : 0);
    let tci: u32 = 0;
    if (strip) {
      flags |= DF_VP;
      if ((pflags & PF_HIDE_VLAN) == 0) {
        flags |= DF_TCI;
        tci = lTci;
      }
    }
    for (let j: u32 = 0; j < k; j++) {
      const chunkOff = j * cRxBuf;
      const chunk = j == k - 1 ? l - chunkOff : cRxBuf;
      writeDesc(ring, b, o + chunkOff, chunk, hash, tci, j == k - 1 ? flags | DF_EOP : flags, rtype);
    }
    dDelivered++;
    trDelivered |= <u64>1 << p;
    cntQueue(ring, CQ_RX_PACKETS, 1);
    cntQueue(ring, CQ_RX_BYTES, <u64>(l + 4));
    cntQueue(ring, CQ_RX_DESCRIPTORS, <u64>k);
    cntPool(p, CP_RX_PACKETS, 1);
    cntPool(p, CP_RX_BYTES, <u64>(l + 4));
    cntPool(p, cls == 0 ? CP_RX_UNICAST : cls == 1 ? CP_RX_MULTICAST : CP_RX_BROADCAST, 1);
    if (loopback) {
      cntPool(p, CP_RX_LB_PACKETS, 1);
      cntPool(p, CP_RX_LB_BYTES, <u64>(l + 4));
    }
  }
}

// ---- receive from the wire (reference receiveFromWire) -----------------------------------------
function rxOne(buf: u32, off: u32, len: u32): void {
  trDelivered = 0;
  trOversize = 0;
  trNoDesc = 0;
  if (len < 14) {
    cntPort(CT_RX_RUNT_DROPPED, 1);
    bufFree(buf);
    trace(0xff, DR_RUNT, false, false);
    return;
  }
  const f = bufAddr(buf) + off;
  let padded = false;
  if (len < 60) {
    memory.fill(f + len, 0, 60 - len);
    len = 60;
    padded = true;
    cntPort(CT_RUC, 1);
  }
  cntPort(CT_RX_PACKETS, 1);
  cntPort(CT_RX_BYTES, <u64>(len + 4));
  bucket(CT_RX_SIZE, len);
  switchL2(f, len);
  let drop = DR_NONE;
  if (lTrunc) {
    cntPort(CT_RX_ERRORS, 1);
    drop = DR_TAG_TRUNCATED;
  } else if (isOversized(len, lTags, (cFlags & SF_PORT_LPE) != 0, cPortMax)) {
    cntPort(CT_ROC, 1);
    drop = DR_OVERSIZE;
  }
  const da = macAt(f);
  const cls = addrClass(da);
  let exact: u64 = 0;
  if (drop == DR_NONE) {
    exact = macLookup(da);
    if ((cFlags & SF_QEMU_DEF_POOL) == 0 && !passesPortFilter(da, cls, exact)) {
      cntPort(CT_RX_L2_FILTERED, 1);
      drop = DR_L2_FILTER;
    } else if ((cFlags & SF_VLAN_FILTER) != 0 && lVid >= 0 && !bitTest(gVfta, <u32>lVid)) {
      cntPort(CT_RX_VLAN_FILTERED, 1);
      drop = DR_VLAN_FILTER;
    }
  }
  let P: u64 = 0;
  if (drop == DR_NONE) {
    P = selectRx(da, macAt(f + 6), cls, exact, lVid);
    if (P == 0) {
      cntPort(CT_RX_NO_POOL, 1);
      drop = DR_NO_POOL;
    }
  }
  if (drop != DR_NONE) {
    bufFree(buf);
    trace(0xff, drop, false, padded);
    return;
  }
  const selected = <u32>popcnt(P);
  deliver(buf, off, len, P, cls, false, true);
  if (!dOriginalUsed) bufFree(buf);
  if (dOversize == selected) cntPort(CT_ROC, 1);
  if (dDelivered == 0) drop = dOversize == selected ? DR_OVERSIZE : DR_ALL_COPIES;
  trace(0xff, drop, false, padded);
}

// ---- Rx fast path ---------------------------------------------------------------------------
// Per-burst state for rxFast (set by wireRxBurst; read into locals so its loop keeps them in
// registers). The destination pool's configuration is cached across frames (fD* of txFast are
// not shared: Rx always hashes, Tx only with SF_RSS_ON_LB).
let rDPool: u32 = NONE;
let rDMax: u32 = 0;
let rDLpe = false;
let rDStrip = false;
let rDHide = false;
let rDTable: usize = 0;
let rDTypes: u32 = 0;
let rDInner = false;
let rDReta: usize = 0;
let rDRetaMask: u32 = 0;
let rDRxRing: u32 = 0;
let rN: u32 = 0;
let rBytes: u64 = 0;
let rLastFast = false;

/**
 * Receives frames `start`.. of the wire burst while they take the fast path; returns the index
 * of the first one that does not (n when all did). The common wire frame: untagged for the
 * switch, 60 bytes up to the port and pool size limits and one Rx buffer, unicast with an
 * exact-MAC hit that (with the per-burst UPE/AUPE/VFRE masks) selects exactly one pool, an RSS
 * answer from fastRss, a ring with room (and a free buffer when every delivery is copied). For
 * such a frame rxOne's result follows from per-burst configuration plus the per-frame DA
 * look-up, Toeplitz hash and ring room. Counters are summed (port Rx in rN/rBytes, Rx pool and
 * queue per ring in the shadow; written by wireRxBurst and publish); the size bucket is counted
 * directly. A frame that fails any check is left untouched for rxOne.
 */
function rxFast(desc: usize, m: u32, head: u32, start: u32, n: u32, portLim: u32, addMask: u64, keepMask: u64, copy: bool, traceOn: bool): u32 {
  const vfre = mVfre;
  const flp = mFlp;
  const vpe = mVpe;
  const vlanFilter = (cFlags & SF_VLAN_FILTER) != 0;
  // One 802.1Q tag (VET 0x8100, what fastRss reads as a tag): limits +4 bytes unless LPE.
  const tagOk = cVet == 0x8100;
  const portLimT: u32 = (cFlags & SF_PORT_LPE) != 0 ? portLim : 1518;
  const bufCount = gBufCount;
  const bufSize = gBufSize;
  const vetLe = <u32>bswap<u16>(<u16>cVet); // EtherType fields compared as loaded (little-endian)
  const vetExtLe = (cFlags & SF_DOUBLE_VLAN) != 0 ? <u32>bswap<u16>(<u16>cVetExt) : NONE;
  let dPool = rDPool;
  let dMax = rDMax;
  let dLpe = rDLpe;
  let dStrip = rDStrip;
  let dHide = rDHide;
  let dTable = rDTable;
  let dTypes = rDTypes;
  let dInner = rDInner;
  let dReta = rDReta;
  let dRetaMask = rDRetaMask;
  let dRxRing = rDRxRing;
  let rxN: u32 = 0;
  let rxBytes: u64 = 0;
  const owned = load<u32>(gSwitchState + SS_NOWNERS) != 0;
  let i = start;
  for (; i < n; i++) {
    const d = desc + (<usize>((head + i) & m) << 4);
    const lo = load<u64>(d);
    const buf = <u32>lo;
    const off = <u32>(lo >> 32) & 0xffff;
    const len = <u32>(lo >> 48);
    if (buf >= bufCount || off + 64 > bufSize || off + len > bufSize) break;
    if (len < 60) break;
    const f = bufAddr(buf) + off;
    const et = <u32>load<u16>(f + 12);
    const da = macAt(f);
    if (et == vetExtLe || (da & 1) != 0) break;
    const tagged = et == vetLe;
    let tci: u32 = 0;
    let keep = keepMask;
    if (tagged) {
      if (!tagOk || len > portLimT) break;
      tci = <u32>bswap<u16>(load<u16>(f + 14));
      const vid = tci & 0xfff;
      if (vlanFilter) {
        if (!bitTest(gVfta, vid)) break; // the general path drops it (VLAN filter)
        keep = (load<u64>(gVlanPools + (<usize>vid << 3)) | vpe) & vfre;
      }
    } else if (len > portLim) break;
    let P = macFind(da) & vfre;
    if (P == 0) break;
    P = (P | addMask) & keep;
    if (P == 0) break; // selectRx would try the default pool
    if (flp != 0) P &= ~(macFind(macAt(f + 6)) & flp); // loopback-source pruning (FLP)
    if (P == 0 || (P & (P - 1)) != 0) break;
    const p = <u32>ctz(P);
    if (p != dPool) {
      dPool = p;
      const pflags = pcfg(p, PC_FLAGS);
      const rlpml = pcfg(p, PC_RLPML);
      dLpe = (pflags & PF_LPE) != 0;
      dMax = dLpe ? (rlpml >= 4 ? rlpml - 4 : 0) : 1514; // isOversized, untagged
      dStrip = (pflags & PF_STRIP) != 0;
      dHide = (pflags & PF_HIDE_VLAN) != 0;
      dTable = <usize>pcfg(p, PC_TOEPLITZ);
      dTypes = pcfg(p, PC_RSS_TYPES);
      dInner = (pflags & PF_RSS_INNER) != 0;
      dReta = <usize>pcfg(p, PC_RETA);
      dRetaMask = pcfg(p, PC_RETA_MASK);
      dRxRing = pcfg(p, PC_RXRING);
    }
    if (len > (tagged && !dLpe ? 1518 : dMax)) break;
    const strip = tagged && dStrip;
    if (strip && copy) break; // (the general path copies around the tag)
    const blen = strip ? len - 4 : len;
    if (blen > cRxBuf) break; // one descriptor
    const rtype = fastRssInline(f, len, dTable, dTypes, dInner);
    if (rtype == RSS_BAIL) break;
    const hash: u32 = rtype != RSS_NONE ? gRssHash : 0;
    const queue = <u32>load<u8>(dReta + <usize>(hash & dRetaMask));
    const ring = dRxRing + queue;
    const sh = shadow(ring);
    if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(ring);
    const tail = load<u32>(sh + SH_TAIL);
    if (tail - load<u32>(sh + SH_HEAD) >= load<u32>(sh + SH_LIMIT)) break;
    // Commit: the frame is delivered to pool p, queue `queue`.
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
      if (!dHide) {
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
    // Port size bucket (bucket(): 64, 65-127, ..., 1024+; len >= 60 here).
    const l = len + 4;
    const bk: i32 = l == 64 ? 0 : l <= 127 ? 1 : l <= 255 ? 2 : l <= 511 ? 3 : l <= 1023 ? 4 : 5;
    const bp = gCntPort + (<usize>(CT_RX_SIZE + bk) << 3);
    store<u64>(bp, load<u64>(bp) + 1);
    rxN++;
    rxBytes += bytes;
    if (traceOn) {
      trDelivered = P;
      trOversize = 0;
      trNoDesc = 0;
      trace(0xff, DR_NONE, false, false);
    }
  }
  rDPool = dPool;
  rDMax = dMax;
  rDLpe = dLpe;
  rDStrip = dStrip;
  rDHide = dHide;
  rDTable = dTable;
  rDTypes = dTypes;
  rDInner = dInner;
  rDReta = dReta;
  rDRetaMask = dRetaMask;
  rDRxRing = dRxRing;
  if (rxN != 0) {
    rN += rxN;
    rBytes += rxBytes;
    rLastFast = true;
  }
  return i;
}

/** Processes up to `budget` frames from the wire-in ring. Returns frames consumed. */
export function wireRxBurst(budget: u32): u32 {
  loadConfig();
  drainReturns();
  const id = scfg(SC_WIRE_IN);
  const r = ringAt(id);
  const head = load<u32>(r + R_HEAD);
  const avail = atomic.load<u32>(r + R_TAIL) - head;
  const n = avail < budget ? avail : budget;
  const m = load<u32>(r + R_MASK);
  const desc = <usize>load<u32>(r + R_DESC);
  // selectRx for an untagged unicast frame with an exact hit, as masks (an exact hit passes the
  // port filter, so the QEMU default-pool rule changes nothing for it).
  const portLim: u32 = (cFlags & SF_PORT_LPE) != 0 ? (cPortMax >= 4 ? cPortMax - 4 : 0) : 1514;
  const addMask = mUpe;
  const keepMask = ((cFlags & SF_VLAN_FILTER) != 0 ? mAupe : ~(<u64>0)) & mVfre;
  const copy = (cFlags & SF_ALWAYS_COPY) != 0;
  const traceOn = load<u32>(gSwitchState + SS_TRACE) != 0;
  rDPool = NONE;
  rN = 0;
  rBytes = 0;
  rLastFast = false;
  let i: u32 = 0;
  while (i < n) {
    i = rxFast(desc, m, head, i, n, portLim, addMask, keepMask, copy, traceOn);
    if (i >= n) break;
    const d = desc + (<usize>((head + i) & m) << 4);
    i++;
    const buf = load<u32>(d + D_BUF);
    const off = <u32>load<u16>(d + D_OFF);
    if (buf >= gBufCount || off + 64 > gBufSize) {
      cntPort(CT_BAD_DESC, 1); // not a buffer of this pool: never dereference it
      continue;
    }
    rxOne(buf, off, <u32>load<u16>(d + D_LEN));
    rLastFast = false;
  }
  if (rN != 0) {
    cntPort(CT_RX_PACKETS, <u64>rN);
    cntPort(CT_RX_BYTES, rBytes);
    store<u32>(gSwitchState + SS_RX_FAST_FRAMES, load<u32>(gSwitchState + SS_RX_FAST_FRAMES) + rN);
  }
  if (rLastFast) store<u32>(gSwitchState + SS_LAST_DROP, DR_NONE);
  atomic.store<u32>(r + R_HEAD, head + n);
  publish();
  return n;
}

// ---- transmit from a pool (reference processTx) ---------------------------------------------
function txDrop(pool: u32, buf: u32, drop: u32, mdd: bool, padded: bool): void {
  cntPool(pool, CP_TX_ERRORS, 1);
  cntPool(pool, CP_TX_DROPPED, 1);
  if (mdd) cntPool(pool, CP_MDD_EVENTS, 1);
  bufFree(buf);
  trace(pool, drop, false, padded);
}

function txOne(pool: u32, buf: u32, off: u32, len: u32, dflags: u32, dtci: u32): void {
  trDelivered = 0;
  trOversize = 0;
  trNoDesc = 0;
  if (len < 14) {
    txDrop(pool, buf, DR_MDD_SHORT, false, false);
    return;
  }
  let f = bufAddr(buf) + off;
  let padded = false;
  if ((cFlags & SF_TX_PAD) != 0 && len < 60) {
    memory.fill(f + len, 0, 60 - len);
    len = 60;
    padded = true;
  }
  switchL2(f, len);
  if (lTrunc) {
    txDrop(pool, buf, DR_TAG_TRUNCATED, false, padded);
    return;
  }
  // VLAN insertion policy (VMVIR).
  const action = pcfg(pool, PC_VLAN_ACTION);
  let insTpid: u32 = 0;
  let insTci: u32 = 0;
  let insert = false;
  if (action != VA_USE_DESC) {
    const pvTpid = pcfg(pool, PC_INSERT_TPID);
    const outerType = <u32>bswap<u16>(load<u16>(f + 12));
    const qinq = pvTpid != cVet && outerType == cVet;
    if (!qinq && (lTags > 0 || outerType == pvTpid)) {
      txDrop(pool, buf, DR_MDD_VLAN, true, padded);
      return;
    }
    if (action == 1) {
      insert = true;
      insTpid = pvTpid;
      insTci = pcfg(pool, PC_DEFAULT_TCI) & 0xffff;
    }
  } else if ((dflags & DF_VLE) != 0) {
    insert = true;
    insTpid = cVet;
    insTci = dtci & 0xffff;
  }
  if (insert) {
    if (off >= 4) {
      memory.copy(f - 4, f, 12);
      f -= 4;
      off -= 4;
    } else {
      memory.copy(f + 16, f + 12, len - 12);
    }
    store<u16>(f + 12, bswap<u16>(<u16>insTpid));
    store<u16>(f + 14, bswap<u16>(<u16>insTci));
    len += 4;
    switchL2(f, len);
  }
  if (len + 4 > cTxMax) {
    txDrop(pool, buf, DR_TX_OVERSIZE, false, padded);
    return;
  }
  const srcBit = <u64>1 << pool;
  const sa = macAt(f + 6);
  if ((mMacas & srcBit) != 0) {
    let spoof = DR_NONE;
    if ((macLookup(sa) & srcBit) == 0) spoof = DR_MAC_SPOOF;
    else if ((mVlanas & srcBit) != 0 && lVid >= 0 && (load<u64>(gVlanPools + (<usize>lVid << 3)) & srcBit) == 0) {
      spoof = DR_VLAN_SPOOF;
    }
    if (spoof != DR_NONE) {
      cntPool(pool, CP_TX_SPOOFED, 1);
      cntPool(pool, CP_TX_DROPPED, 1);
      cntPort(CT_TX_SPOOFED, 1);
      bufFree(buf);
      trace(pool, spoof, false, padded);
      return;
    }
  }
  const da = macAt(f);
  const cls = addrClass(da);
  cntPool(pool, CP_TX_PACKETS, 1);
  cntPool(pool, CP_TX_BYTES, <u64>(len + 4));
  cntPool(pool, cls == 0 ? CP_TX_UNICAST : cls == 1 ? CP_TX_MULTICAST : CP_TX_BROADCAST, 1);
  let P: u64 = 0;
  let toWire = true;
  if ((cFlags & SF_LOOPBACK) != 0) {
    P = selectTx(da, cls, pool, lVid);
    toWire = tToWire;
  }
  let drop = DR_NONE;
  if (P != 0) {
    cntPool(pool, CP_TX_LB_PACKETS, 1);
    cntPool(pool, CP_TX_LB_BYTES, <u64>(len + 4));
    deliver(buf, off, len, P, cls, true, !toWire);
  }
  if (toWire) {
    cntPort(CT_TX_PACKETS, 1);
    cntPort(CT_TX_BYTES, <u64>(len + 4));
    bucket(CT_TX_SIZE, len);
    const w = scfg(SC_WIRE_OUT);
    if (ringFree(w) == 0) {
      cntPort(CT_WIRE_OUT_FULL, 1);
      const r = ringAt(w);
      store<u32>(r + R_DROPS, load<u32>(r + R_DROPS) + 1);
      bufFree(buf);
    } else {
      writeDesc(w, buf, off, len, 0, 0, DF_DD | DF_EOP, 0);
    }
  } else {
    if (P == 0) {
      cntPort(CT_TX_NO_DESTINATION, 1);
      drop = DR_NO_DESTINATION;
    } else if (dDelivered == 0) {
      drop = DR_ALL_COPIES;
    }
    if (P == 0 || !dOriginalUsed) bufFree(buf);
  }
  trace(pool, drop, toWire, padded);
}

/** Fast paths, copy mode: copies the frame into a fresh buffer (data at gHeadroom) and frees the
 *  original; returns the new buffer, or NONE (nothing changed) when no buffer is free. */
@inline function fastCopy(buf: u32, off: u32, f: usize, len: u32, owned: bool): u32 {
  const stack = freeStack();
  const c = load<u32>(stack + FS_COUNT);
  if (c == 0) return NONE;
  const b = load<u32>(stack + FS_ENTRIES + (<usize>(c - 1) << 2)); // bufAlloc
  copyFrame(bufAddr(b) + gHeadroom, gHeadroom, f, off, len);
  if (owned) {
    store<u32>(stack + FS_COUNT, c - 1);
    bufFree(buf); // (copy mode with buffer owners only)
  } else store<u32>(stack + FS_ENTRIES + (<usize>(c - 1) << 2), buf); // bufAlloc then bufFree(buf)
  return b;
}

/** Copies a frame of `len` bytes into a fresh buffer: 16-byte vectors when both buffers have room. */
@inline function copyFrame(dst: usize, dstOff: u32, src: usize, srcOff: u32, len: u32): void {
  const rounded = (len + 15) & ~15;
  if (srcOff + rounded <= gBufSize && dstOff + rounded <= gBufSize) {
    for (let i: u32 = 0; i < rounded; i += 16) v128.store(dst + i, v128.load(src + i));
  } else {
    memory.copy(dst, src, len);
  }
}

// ---- Tx fast path -------------------------------------------------------------------------
// Per-burst state, set by txLoop and read into locals by txFast (which contains no calls, so
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
let fDPool: u32 = NONE; // destination pool whose configuration is cached below
let fDMax: u32 = 0;
let fDTable: usize = 0;
let fDTypes: u32 = 0;
let fDInner = false;
let fDReta: usize = 0;
let fDRetaMask: u32 = 0;
let fDRxRing: u32 = 0;
let fTxN: u32 = 0;
let fTxBytes: u64 = 0;
let fLastFast = false;

/** First-touch set-up of ring `id`'s shadow for this burst (ringFree without the room answer). */
@inline function shadowInit(id: u32): void {
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

/**
 * Switches frames `start`.. of the burst while they take the fast path; returns the index of
 * the first one that does not (n when all did). The common VF-to-VF frame: untagged for the
 * switch, unicast, no VLAN insertion, 60 bytes up to the Tx and pool size limits and one Rx
 * buffer, an exact-MAC hit that selects exactly one pool by loopback, a ring with room (and a
 * free buffer when every copy is DMA'd), and an RSS answer from fastRss (or RSS off on
 * loopback). For such a frame txOne's result follows from the per-burst configuration plus the
 * per-frame anti-spoof look-up, DA look-up, Toeplitz hash and ring room. Its counters are summed
 * (Tx in fTxN/fTxBytes, Rx per ring in the shadow; written by txLoop and publish). A frame that
 * fails any check is left untouched for txOne.
 */
function txFast(desc: usize, m: u32, head: u32, start: u32, n: u32): u32 {
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
  const vfre = mVfre;
  const bufCount = gBufCount;
  const bufSize = gBufSize;
  let dPool = fDPool;
  let dMax = fDMax;
  let dTable = fDTable;
  let dTypes = fDTypes;
  let dInner = fDInner;
  let dReta = fDReta;
  let dRetaMask = fDRetaMask;
  let dRxRing = fDRxRing;
  let txN: u32 = 0;
  let txBytes: u64 = 0;
  const owned = load<u32>(gSwitchState + SS_NOWNERS) != 0;
  let i = start;
  for (; i < n; i++) {
    const d = desc + (<usize>((head + i) & m) << 4);
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
    let P = macFind(da) & vfre;
    if (P == 0) break;
    P = (P | addMask) & keepMask;
    if (P == 0 || (P & (P - 1)) != 0) break;
    if (spoofCheck && (macFind(macAt(f + 6)) & srcBit) == 0) break;
    const p = <u32>ctz(P);
    if (p != dPool) {
      dPool = p;
      const pflags = pcfg(p, PC_FLAGS);
      const rlpml = pcfg(p, PC_RLPML);
      let lim: u32 = (pflags & PF_LPE) != 0 ? (rlpml >= 4 ? rlpml - 4 : 0) : 1514;
      if (lim > cRxBuf) lim = cRxBuf; // one descriptor
      dMax = lim;
      dTable = <usize>pcfg(p, PC_TOEPLITZ);
      dTypes = pcfg(p, PC_RSS_TYPES);
      dInner = (pflags & PF_RSS_INNER) != 0;
      dReta = <usize>pcfg(p, PC_RETA);
      dRetaMask = pcfg(p, PC_RETA_MASK);
      dRxRing = pcfg(p, PC_RXRING);
    }
    if (len > dMax) break;
    let rtype: u32 = RSS_NONE;
    let hash: u32 = 0;
    let queue: u32 = 0;
    if (rssOn) {
      rtype = fastRssInline(f, len, dTable, dTypes, dInner);
      if (rtype == RSS_BAIL) break;
      if (rtype != RSS_NONE) hash = gRssHash;
      queue = <u32>load<u8>(dReta + <usize>(hash & dRetaMask));
    }
    const ring = dRxRing + queue;
    const sh = shadow(ring);
    if (load<u32>(sh + SH_DIRTY) == 0) shadowInit(ring);
    const tail = load<u32>(sh + SH_TAIL);
    if (tail - load<u32>(sh + SH_HEAD) >= load<u32>(sh + SH_LIMIT)) break;
    // Commit: the frame is delivered to pool p, queue `queue`, not to the wire.
    let b = buf;
    let o = off;
    if (copy) {
      b = fastCopy(buf, off, f, len, owned);
      if (b == NONE) break;
      o = gHeadroom;
    }
    // The descriptor (writeDesc's layout) in one 16-byte store at the shadow tail.
    const slot = <usize>load<u32>(sh + SH_DESC) + (<usize>(tail & load<u32>(sh + SH_MASK)) << 4);
    v128.store(slot, i64x2(
      <i64>(<u64>b | (<u64>(o & 0xffff) << 32) | (<u64>len << 48)),
      <i64>(<u64>hash | (<u64>(DF_DD | DF_LB | DF_EOP) << 48) | (<u64>(rtype & 0xff) << 56)),
    ));
    store<u32>(sh + SH_TAIL, tail + 1);
    const bytes = <u64>(len + 4);
    store<u32>(sh + SH_FPKTS, load<u32>(sh + SH_FPKTS) + 1);
    store<u64>(sh + SH_FBYTES, load<u64>(sh + SH_FBYTES) + bytes);
    txN++;
    txBytes += bytes;
    if (traceOn) {
      trDelivered = P;
      trOversize = 0;
      trNoDesc = 0;
      trace(pool, DR_NONE, false, false);
    }
  }
  fDPool = dPool;
  fDMax = dMax;
  fDTable = dTable;
  fDTypes = dTypes;
  fDInner = dInner;
  fDReta = dReta;
  fDRetaMask = dRetaMask;
  fDRxRing = dRxRing;
  if (txN != 0) {
    fTxN += txN;
    fTxBytes += txBytes;
    fLastFast = true;
  }
  return i;
}

/** The Tx loop of one burst: runs of fast-path frames (txFast), the others through txOne. */
function txLoop(pool: u32, desc: usize, m: u32, head: u32, n: u32): void {
  const srcBit = <u64>1 << pool;
  // Per-burst feature bits: which checks can apply to a fast-path frame at all.
  const fastOn = (cFlags & SF_LOOPBACK) != 0 && pcfg(pool, PC_VLAN_ACTION) == VA_USE_DESC;
  fPool = pool;
  fSrcBit = srcBit;
  fSpoof = (mMacas & srcBit) != 0;
  fRss = (cFlags & SF_RSS_ON_LB) != 0;
  fCopy = (cFlags & SF_ALWAYS_COPY) != 0;
  fTrace = load<u32>(gSwitchState + SS_TRACE) != 0;
  fTxLimit = cTxMax >= 4 ? cTxMax - 4 : 0; // len + 4 > SC_TX_MAX is a Tx drop
  fVetLe = <u32>bswap<u16>(<u16>cVet); // EtherType fields compared as loaded (little-endian)
  fVetExtLe = <u32>bswap<u16>(<u16>cVetExt);
  // selectTx for an untagged unicast frame with an exact hit, as masks.
  fAdd = mUpe;
  fKeep = ((mLle & srcBit) != 0 ? ~(<u64>0) : ~srcBit) &
    ((cFlags & SF_VLAN_FILTER) != 0 ? mAupe : ~(<u64>0)) & mVfre;
  fDPool = NONE;
  fTxN = 0;
  fTxBytes = 0;
  fLastFast = false;
  let i: u32 = 0;
  while (i < n) {
    if (fastOn) {
      i = txFast(desc, m, head, i, n);
      if (i >= n) break;
    }
    const d = desc + (<usize>((head + i) & m) << 4);
    i++;
    const buf = load<u32>(d + D_BUF);
    const off = <u32>load<u16>(d + D_OFF);
    if (buf >= gBufCount || off + 64 > gBufSize) {
      cntPort(CT_BAD_DESC, 1);
      continue;
    }
    txOne(pool, buf, off, <u32>load<u16>(d + D_LEN), <u32>load<u8>(d + D_FLAGS), <u32>load<u16>(d + D_TCI));
    fLastFast = false;
  }
  if (fTxN != 0) {
    const tn = <u64>fTxN;
    cntPool(pool, CP_TX_PACKETS, tn);
    cntPool(pool, CP_TX_BYTES, fTxBytes);
    cntPool(pool, CP_TX_UNICAST, tn);
    cntPool(pool, CP_TX_LB_PACKETS, tn);
    cntPool(pool, CP_TX_LB_BYTES, fTxBytes);
    store<u32>(gSwitchState + SS_FAST_FRAMES, load<u32>(gSwitchState + SS_FAST_FRAMES) + fTxN);
  }
  if (fLastFast) store<u32>(gSwitchState + SS_LAST_DROP, DR_NONE);
}

/** Processes up to `budget` frames from Tx queue `queue` of `pool`. Returns frames consumed. */
export function vebTxBurst(pool: u32, queue: u32, budget: u32): u32 {
  loadConfig();
  if ((mVfte & (<u64>1 << pool)) == 0) return 0; // VFTE off: the ring is not serviced
  if (queue >= pcfg(pool, PC_TXQ)) return 0;
  drainReturns();
  const r = ringAt(pcfg(pool, PC_TXRING) + queue);
  const head = load<u32>(r + R_HEAD);
  const avail = atomic.load<u32>(r + R_TAIL) - head;
  const n = avail < budget ? avail : budget;
  txLoop(pool, <usize>load<u32>(r + R_DESC), load<u32>(r + R_MASK), head, n);
  atomic.store<u32>(r + R_HEAD, head + n);
  publish();
  return n;
}

/** One pass over every pool's Tx queues (pool order, queue order), then the wire. */
export function vebRunAll(budget: u32): u32 {
  loadConfig();
  let total: u32 = 0;
  const pools = <u32>load<u32>(gSwitchCfg + 8);
  for (let p: u32 = 0; p < pools; p++) {
    const nq = pcfg(p, PC_TXQ);
    for (let q: u32 = 0; q < nq; q++) total += vebTxBurst(p, q, budget);
  }
  total += wireRxBurst(budget);
  return total;
}

/** Frames waiting in ring `id` (consumer view). */
export function ringCount(id: u32): u32 {
  const r = ringAt(id);
  return atomic.load<u32>(r + R_TAIL) - atomic.load<u32>(r + R_HEAD);
}

/** Kept for callers that want the buffer size the kernels see. */
export function bufferSize(): u32 {
  return gBufSize;
}
