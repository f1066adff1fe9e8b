// Learning software bridge (if_bridge / Linux bridge) with N ports: learns source MAC -> port,
// forwards by destination MAC, floods unknown and group destinations to every port but the
// ingress (the first gets the frame's own buffer, the others copies from the bridge's free
// stack; no buffer left: the copy is dropped and counted), filters frames whose destination
// sits on the ingress port. Optional ageing: an entry not refreshed for B_AGE_NS of simulator
// time is forgotten (the frame is then flooded). Nothing allocated; one thread per bridge.
import { R_TAIL, D_BUF, D_OFF, D_LEN, DESC_BYTES } from "../abi";
import {
  B_TABLE, B_MASK, B_NPORTS, B_RET, B_OUTS, B_FREE, B_COUNTS, B_AGE_NS, B_CLOCK, B_LOOKUPS, B_LEARNED,
  B_FLOODED, B_FILTERED, B_FORWARDED, B_COPIES, B_NOBUF, B_AGED, B_FRET, B_NFRET, BRIDGE_ENTRY_BYTES,
} from "../pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";

@inline function bump(ctx: usize, off: usize, v: u64): void { store<u64>(ctx + off, load<u64>(ctx + off) + v); }

@inline function macHash(lo: u32, hi: u32): u32 {
  let h = lo * 0x9e3779b1 ^ hi * 0x85ebca6b;
  return h ^ (h >> 15);
}

/** Finds the slot of a MAC (or the empty slot where it would go). */
function slotOf(table: usize, mask: u32, lo: u32, hi: u32): usize {
  let i = macHash(lo, hi) & mask;
  for (let probe: u32 = 0; probe <= mask; probe++) {
    const e = table + <usize>(i * BRIDGE_ENTRY_BYTES);
    if (load<u32>(e + 8) == 0) return e;
    if (load<u32>(e) == lo && <u32>load<u16>(e + 4) == hi) return e;
    i = (i + 1) & mask;
  }
  return 0; // table full
}

@inline function outRing(ctx: usize, p: u32): usize { return <usize>load<u32>(<usize>load<u32>(ctx + B_OUTS) + (<usize>p << 2)); }

/** Appends descriptor `d` (or a copy of it in `buf`) to port `p`'s burst. */
@inline function enqueue(ctx: usize, counts: usize, p: u32, d: usize, buf: u32): void {
  const out = outRing(ctx, p);
  const c = load<u32>(counts + (<usize>p << 2));
  const o = rDesc(out, load<u32>(out + R_TAIL) + c);
  memory.copy(o, d, DESC_BYTES);
  if (buf != 0xffffffff) store<u32>(o + D_BUF, buf);
  store<u32>(counts + (<usize>p << 2), c + 1);
}

/** Takes flood-copy buffers the consumers sent home back onto the bridge's free stack. */
function drainCopies(ctx: usize, free: usize): void {
  const nret = load<u32>(ctx + B_NFRET);
  if (nret == 0 || free == 0) return;
  const tab = <usize>load<u32>(ctx + B_FRET);
  let count = load<u32>(free);
  for (let i: u32 = 0; i < nret; i++) {
    const r = <usize>load<u32>(tab + (<usize>i << 2));
    const m = rAvail(r);
    if (m == 0) continue;
    const head = load<u32>(r);
    for (let k: u32 = 0; k < m; k++) { store<u32>(free + 64 + (<usize>count << 2), load<u32>(rDesc(r, head + k) + D_BUF)); count++; }
    rPublishHead(r, m);
  }
  store<u32>(free, count);
}

/** Bridges up to `budget` frames arriving on `inRing` (port `inPort`). Returns frames consumed. */
export function bridgeBurst(ctx: usize, inRing: usize, inPort: u32, budget: u32): u32 {
  drainCopies(ctx, <usize>load<u32>(ctx + B_FREE));
  let n = rAvail(inRing);
  if (n > budget) n = budget;
  const nports = load<u32>(ctx + B_NPORTS);
  // Every output may receive the whole burst: bound n by the smallest space.
  for (let p: u32 = 0; p < nports; p++) {
    if (p == inPort) continue;
    const s = rSpace(outRing(ctx, p));
    if (s < n) n = s;
  }
  const ret = <usize>load<u32>(ctx + B_RET);
  if (ret != 0) { const s = rSpace(ret); if (s < n) n = s; }
  if (n == 0) return 0;
  const table = <usize>load<u32>(ctx + B_TABLE);
  const mask = load<u32>(ctx + B_MASK);
  const counts = <usize>load<u32>(ctx + B_COUNTS);
  const free = <usize>load<u32>(ctx + B_FREE);
  const ageNs = <u64>load<u32>(ctx + B_AGE_NS);
  const clockAt = <usize>load<u32>(ctx + B_CLOCK);
  const now = clockAt != 0 ? <u32>(atomic.load<u64>(clockAt) >> 10) : 0;
  const age = <u32>(ageNs >> 10);
  memory.fill(counts, 0, <usize>nports << 2);
  const base = bufBase(ctx);
  const stride = bufStride(ctx);
  const head = load<u32>(inRing);
  let retCount: u32 = 0;
  const retTail = ret != 0 ? load<u32>(ret + R_TAIL) : 0;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inRing, head + k);
    const f = frameAddr(base, stride, d);
    let port: u32 = 0xffffffff;
    let flood = false;
    if (descLen(d) >= 14) {
      const dlo = load<u32>(f), dhi = <u32>load<u16>(f + 4);
      const slo = load<u32>(f + 6), shi = <u32>load<u16>(f + 10);
      bump(ctx, B_LOOKUPS, 1);
      if ((slo & 1) == 0) { // learn unicast sources only
        const e = slotOf(table, mask, slo, shi);
        if (e != 0) {
          const v = load<u32>(e + 8);
          if (v == 0 || v == 3) { store<u32>(e, slo); store<u16>(e + 4, <u16>shi); store<u32>(e + 8, 1); bump(ctx, B_LEARNED, 1); }
          if (v != 2) { store<u16>(e + 6, <u16>inPort); store<u32>(e + 12, now); } // static entries stay
        }
      }
      if ((dlo & 1) == 0) {
        const e = slotOf(table, mask, dlo, dhi);
        if (e != 0 && load<u32>(e + 8) != 0) {
          // Static entries (valid == 2) never age.
          if (age != 0 && load<u32>(e + 8) == 1 && now - load<u32>(e + 12) > age) {
            store<u32>(e + 8, 3); // expired: a tombstone keeps the probe chains intact
            bump(ctx, B_AGED, 1);
          } else if (load<u32>(e + 8) != 3) port = <u32>load<u16>(e + 6);
        }
      }
      if (port == 0xffffffff) flood = true;
    } else port = inPort; // runt: filter
    if (flood) {
      bump(ctx, B_FLOODED, 1);
      let first = true;
      for (let p: u32 = 0; p < nports; p++) {
        if (p == inPort) continue;
        if (first) { enqueue(ctx, counts, p, d, 0xffffffff); first = false; continue; }
        const fc = free != 0 ? load<u32>(free) : 0;
        if (fc == 0) { bump(ctx, B_NOBUF, 1); continue; }
        const nb = load<u32>(free + 64 + (<usize>(fc - 1) << 2));
        store<u32>(free, fc - 1);
        const off = <u32>load<u16>(d + D_OFF);
        memory.copy(base + <usize>(nb * stride) + <usize>off, f, <usize>load<u16>(d + D_LEN));
        enqueue(ctx, counts, p, d, nb);
        bump(ctx, B_COPIES, 1);
      }
      if (first) { // single-port bridge: nowhere to go
        bump(ctx, B_FILTERED, 1);
        if (ret != 0) { store<u32>(rDesc(ret, retTail + retCount) + D_BUF, load<u32>(d + D_BUF)); retCount++; }
      } else bump(ctx, B_FORWARDED, 1);
      continue;
    }
    if (port == inPort || port >= nports) {
      bump(ctx, B_FILTERED, 1);
      if (ret != 0) { store<u32>(rDesc(ret, retTail + retCount) + D_BUF, load<u32>(d + D_BUF)); retCount++; }
      continue;
    }
    enqueue(ctx, counts, port, d, 0xffffffff);
    bump(ctx, B_FORWARDED, 1);
  }
  rPublishHead(inRing, n);
  for (let p: u32 = 0; p < nports; p++) {
    const c = load<u32>(counts + (<usize>p << 2));
    if (c != 0) rPublishTail(outRing(ctx, p), c);
  }
  if (retCount != 0) rPublishTail(ret, retCount);
  return n;
}
