// The embedded switch (VEB/VEPA) on descriptor rings: the semantics of
// src/switch/reference/veb.ts (spec §2, §3, §5, §6), processing bursts. One thread runs these
// kernels for a switch: it is the only consumer of the Tx and wire-in rings, the only producer
// of the Rx and wire-out rings, the only writer of the switch counters and of its free stack.
// Ring tails are published once per burst (shadow tails, atomic store-release).
// This file holds the burst drivers and the general paths (as the reference's veb.ts); the
// steps they use mirror the reference's split: l2.ts, select.ts, rss-select.ts, rings.ts,
// counters.ts (plus config.ts, buffers.ts, trace.ts); and
// fast-tx.ts / fast-rx.ts hold the fast paths, which have no reference counterpart.
import {
  R_HEAD, R_TAIL, R_MASK, R_DESC, R_DROPS, D_BUF, D_OFF, D_LEN, D_TCI, D_FLAGS, DF_DD, DF_EOP, DF_VP,
  DF_LB, DF_VLE, DF_BCAST, DF_MCAST, DF_TCI, SC_WIRE_IN, SC_WIRE_OUT, SF_LOOPBACK, SF_VLAN_FILTER,
  SF_QEMU_DEF_POOL, SF_RSS_ON_LB, SF_PORT_LPE, SF_TX_PAD, SF_ALWAYS_COPY, PC_FLAGS, PC_RLPML,
  PC_VLAN_ACTION, PC_DEFAULT_TCI, PC_INSERT_TPID, PC_RXRING, PC_TXQ, PC_TXRING, PF_LPE, PF_STRIP,
  PF_HIDE_VLAN, VA_USE_DESC, RSS_NONE, SCR_PLAN, PLAN_BYTES, CP_RX_PACKETS, CP_RX_BYTES, CP_RX_UNICAST,
  CP_RX_MULTICAST, CP_RX_BROADCAST, CP_RX_LB_PACKETS, CP_RX_LB_BYTES, CP_RX_DROPPED, CP_RX_OVERSIZE,
  CP_TX_PACKETS, CP_TX_BYTES, CP_TX_UNICAST, CP_TX_MULTICAST, CP_TX_BROADCAST, CP_TX_LB_PACKETS,
  CP_TX_LB_BYTES, CP_TX_DROPPED, CP_TX_ERRORS, CP_TX_SPOOFED, CP_MDD_EVENTS, CQ_RX_PACKETS,
  CQ_RX_BYTES, CQ_RX_NO_DESC, CQ_RX_DESCRIPTORS, CT_RX_PACKETS, CT_RX_BYTES, CT_TX_PACKETS,
  CT_TX_BYTES, CT_RUC, CT_RX_RUNT_DROPPED, CT_ROC, CT_RX_L2_FILTERED, CT_RX_VLAN_FILTERED,
  CT_RX_NO_POOL, CT_RX_ERRORS, CT_TX_SPOOFED, CT_TX_NO_DESTINATION, CT_RX_SIZE, CT_TX_SIZE,
  CT_BAD_DESC, CT_NO_BUFFER, CT_WIRE_OUT_FULL, CT_RX_MISSED, DR_NONE, DR_RUNT, DR_TAG_TRUNCATED, DR_OVERSIZE,
  DR_L2_FILTER, DR_VLAN_FILTER, DR_NO_POOL, DR_ALL_COPIES, DR_MDD_SHORT, DR_MDD_VLAN, DR_TX_OVERSIZE,
  DR_MAC_SPOOF, DR_VLAN_SPOOF, DR_NO_DESTINATION, SS_TRACE,
} from "../abi";
import {
  gBufSize, gBufCount, gHeadroom, gSwitchCfg, gVfta, gSwitchState, gScratch, bufAddr, ringAt, descAt, bufOk,
} from "../mem";
import {
  NONE, cFlags, cVet, cPortMax, cTxMax, cRxBuf, mVfre, mAupe, mUpe, mMacas, mVlanas, mVfte, scfg,
  loadConfig, pcfg,
} from "./config";
import { cntPool, cntQueue, cntPort, bucket } from "./counters";
import { trace, traceReset, traceAddDelivered, traceAddOversize, traceAddNoDesc } from "./trace";
import { macAt, lTags, lTagOff, lTci, lVid, lTrunc, switchL2, addrClass } from "./l2";
import { macLookup, vlanPools, bitTest, passesPortFilter, selectRx, tToWire, selectTx } from "./select";
import { PS_EMPTY, psAny, psBit, psCount, psHas, psLo, psLowest } from "./poolset";
import { qHash, qType, chooseQueueNewFrame, chooseQueue } from "./rss-select";
import { ringFree, writeDesc, publish } from "./rings";
import { bufAlloc, bufFree, drainReturns } from "./buffers";
import { txFast, txFastBegin, txFastEnd } from "./fast-tx";
import { rxFast, rxFastEnd } from "./fast-rx";
import { fastBurstBegin, fastBurstSlow, untaggedMax } from "./fast-burst";

/** Whether descriptor d of a general-path frame names a buffer of the pool; counts one that does not (never dereferenced). */
@inline function descUsable(d: usize): bool {
  if (bufOk(load<u32>(d + D_BUF), <u32>load<u16>(d + D_OFF))) return true;
  cntPort(CT_BAD_DESC, 1);
  return false;
}

// ---- copies into pools (reference deliverCopies) ----------------------------------------------
let dOversize: u32 = 0;
let dDelivered: u32 = 0;
let dOriginalUsed: bool = false;

// Each recognised tag adds 4 bytes in long-packet mode too (the hardware counts tags in RLPML;
// src/switch/reference/veb.ts isOversized).
@inline function isOversized(len: u32, tags: u32, longPacket: bool, rlpml: u32): bool {
  return longPacket ? len + 4 > rlpml + 4 * tags : len > 1514 + 4 * tags;
}

/**
 * Delivers the frame (buffer `buf`, data at `off`, `len` bytes) to every pool in P. When
 * `mayUseOriginal`, the last copy takes the original buffer (zero copy); otherwise every copy is
 * a fresh buffer. Counters as the reference; dOversize / dDelivered / dOriginalUsed report back.
 */
function deliver(buf: u32, off: u32, len: u32, P: v128, cls: u32, loopback: bool, mayUseOriginal: bool): void {
  const f = bufAddr(buf) + off;
  const plan = gScratch + SCR_PLAN;
  let n: u32 = 0;
  chooseQueueNewFrame();
  dOversize = 0;
  dDelivered = 0;
  dOriginalUsed = false;
  const rssOnLb = (cFlags & SF_RSS_ON_LB) != 0;
  // Pass 1: size check, queue choice, descriptor check (ascending pool order).
  while (psAny(P)) {
    const p = psLowest(P);
    P = v128.andnot(P, psBit(p));
    const pflags = pcfg(p, PC_FLAGS);
    if (isOversized(len, lTags, (pflags & PF_LPE) != 0, pcfg(p, PC_RLPML))) {
      dOversize++;
      cntPool(p, CP_RX_DROPPED, 1);
      cntPool(p, CP_RX_OVERSIZE, 1);
      traceAddOversize(p);
      continue;
    }
    const strip = (pflags & PF_STRIP) != 0 && lTags != 0;
    const blen = strip ? len - 4 : len;
    let queue: u32 = 0;
    let hash: u32 = 0;
    let rtype: u32 = RSS_NONE;
    if (!loopback || rssOnLb) {
      queue = chooseQueue(f, len, p, pflags);
      hash = qHash;
      rtype = qType;
    }
    const ring = pcfg(p, PC_RXRING) + queue;
    const k: u32 = blen == 0 ? 1 : (blen + cRxBuf - 1) / cRxBuf;
    if (ringFree(ring) < k) {
      cntQueue(ring, CQ_RX_NO_DESC, 1);
      cntPool(p, CP_RX_DROPPED, 1);
      traceAddNoDesc(p);
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
        traceAddNoDesc(p);
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
    traceAddDelivered(p);
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
  traceReset();
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
  let exact = PS_EMPTY;
  if (drop == DR_NONE) {
    exact = macLookup(da);
    if ((cFlags & SF_QEMU_DEF_POOL) == 0 && !passesPortFilter(da, cls, psAny(exact))) {
      cntPort(CT_RX_L2_FILTERED, 1);
      drop = DR_L2_FILTER;
    } else if ((cFlags & SF_VLAN_FILTER) != 0 && lVid >= 0 && !bitTest(gVfta, <u32>lVid)) {
      cntPort(CT_RX_VLAN_FILTERED, 1);
      drop = DR_VLAN_FILTER;
    }
  }
  let P = PS_EMPTY;
  if (drop == DR_NONE) {
    P = selectRx(da, macAt(f + 6), cls, exact, lVid);
    if (!psAny(P)) {
      cntPort(CT_RX_NO_POOL, 1);
      drop = DR_NO_POOL;
    }
  }
  if (drop != DR_NONE) {
    bufFree(buf);
    trace(0xff, drop, false, padded);
    return;
  }
  const selected = psCount(P);
  deliver(buf, off, len, P, cls, false, true);
  if (!dOriginalUsed) bufFree(buf);
  if (dOversize == selected) cntPort(CT_ROC, 1);
  if (dDelivered == 0) drop = dOversize == selected ? DR_OVERSIZE : DR_ALL_COPIES;
  trace(0xff, drop, false, padded);
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
  const portLim = untaggedMax((cFlags & SF_PORT_LPE) != 0, cPortMax);
  // Pools 0..63 only: rxFast leaves a frame that may reach a pool >= 64 to rxOne.
  const addMask = psLo(mUpe);
  const keepMask = ((cFlags & SF_VLAN_FILTER) != 0 ? psLo(mAupe) : ~(<u64>0)) & psLo(mVfre);
  const copy = (cFlags & SF_ALWAYS_COPY) != 0;
  const traceOn = load<u32>(gSwitchState + SS_TRACE) != 0;
  fastBurstBegin();
  let i: u32 = 0;
  while (i < n) {
    i = rxFast(desc, m, head, i, n, portLim, addMask, keepMask, copy, traceOn);
    if (i >= n) break;
    const d = descAt(desc, m, head, i++);
    if (!descUsable(d)) continue;
    rxOne(load<u32>(d + D_BUF), <u32>load<u16>(d + D_OFF), <u32>load<u16>(d + D_LEN));
    fastBurstSlow();
  }
  rxFastEnd();
  atomic.store<u32>(r + R_HEAD, head + n);
  publish();
  return n;
}

/**
 * Drops the next `n` frames of the wire-in ring before the switch parses them: the NIC's receive
 * packet buffer had no room for them when they arrived (the virtual-time engine decides which,
 * src/engine/elements/veb.ts; the 82599 counts them in RXMPC). Returns frames dropped.
 */
export function wireRxMiss(n: u32): u32 {
  loadConfig();
  const r = ringAt(scfg(SC_WIRE_IN));
  const head = load<u32>(r + R_HEAD);
  const avail = atomic.load<u32>(r + R_TAIL) - head;
  if (n > avail) n = avail;
  const m = load<u32>(r + R_MASK);
  const desc = <usize>load<u32>(r + R_DESC);
  for (let i: u32 = 0; i < n; i++) {
    const buf = load<u32>(descAt(desc, m, head, i) + D_BUF);
    if (buf < gBufCount) bufFree(buf); // (a descriptor naming no buffer of the pool: nothing to free)
  }
  cntPort(CT_RX_MISSED, <u64>n);
  atomic.store<u32>(r + R_HEAD, head + n);
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
  traceReset();
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
  const sa = macAt(f + 6);
  if (psHas(mMacas, pool)) {
    let spoof = DR_NONE;
    if (!psHas(macLookup(sa), pool)) spoof = DR_MAC_SPOOF;
    else if (psHas(mVlanas, pool) && lVid >= 0 && !psHas(vlanPools(<u32>lVid), pool)) {
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
  let P = PS_EMPTY;
  let toWire = true;
  if ((cFlags & SF_LOOPBACK) != 0) {
    P = selectTx(da, cls, pool, lVid);
    toWire = tToWire;
  }
  let drop = DR_NONE;
  const looped = psAny(P);
  if (looped) {
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
    if (!looped) {
      cntPort(CT_TX_NO_DESTINATION, 1);
      drop = DR_NO_DESTINATION;
    } else if (dDelivered == 0) {
      drop = DR_ALL_COPIES;
    }
    if (!looped || !dOriginalUsed) bufFree(buf);
  }
  trace(pool, drop, toWire, padded);
}

/** The Tx loop of one burst: runs of fast-path frames (txFast), the others through txOne. */
function txLoop(pool: u32, desc: usize, m: u32, head: u32, n: u32): void {
  // Per-burst feature bits: which checks can apply to a fast-path frame at all.
  // (A pool >= 64 - the PF of a 64-VF port - always takes the general path.)
  const fastOn = (cFlags & SF_LOOPBACK) != 0 && pcfg(pool, PC_VLAN_ACTION) == VA_USE_DESC && pool < 64;
  txFastBegin(pool);
  let i: u32 = 0;
  while (i < n) {
    if (fastOn) {
      i = txFast(desc, m, head, i, n);
      if (i >= n) break;
    }
    const d = descAt(desc, m, head, i++);
    if (!descUsable(d)) continue;
    txOne(pool, load<u32>(d + D_BUF), <u32>load<u16>(d + D_OFF), <u32>load<u16>(d + D_LEN), <u32>load<u8>(d + D_FLAGS), <u32>load<u16>(d + D_TCI));
    fastBurstSlow();
  }
  txFastEnd(pool);
}

/** Processes up to `budget` frames from Tx queue `queue` of `pool`. Returns frames consumed. */
export function vebTxBurst(pool: u32, queue: u32, budget: u32): u32 {
  loadConfig();
  if (!psHas(mVfte, pool)) return 0; // VFTE off: the ring is not serviced
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

/** Kept for callers that want the buffer size the kernels see. */
export function bufferSize(): u32 {
  return gBufSize;
}
