// Learning software bridge (if_bridge / Linux bridge): learns source MAC -> port, forwards by
// destination MAC, floods unknown and group destinations to the other port, filters frames
// whose destination sits on the ingress port. Two-port bridges only flood without copying
// (the paths use two ports); with more ports a flood goes to the lowest other port (documented).
import { R_TAIL, D_BUF, DESC_BYTES } from "./abi";
import {
  B_TABLE, B_MASK, B_NPORTS, B_RET, B_OUT0, B_LOOKUPS, B_LEARNED, B_FLOODED, B_FILTERED, B_FORWARDED,
  BRIDGE_ENTRY_BYTES,
} from "./pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufSize, frameAddr, descLen } from "./pathring";

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

/** Bridges up to `budget` frames arriving on `inRing` (port `inPort`). Returns frames consumed. */
export function bridgeBurst(ctx: usize, inRing: usize, inPort: u32, budget: u32): u32 {
  let n = rAvail(inRing);
  if (n > budget) n = budget;
  const nports = load<u32>(ctx + B_NPORTS);
  // Every output may receive the whole burst: bound n by the smallest space.
  for (let p: u32 = 0; p < nports; p++) {
    if (p == inPort) continue;
    const s = rSpace(<usize>load<u32>(ctx + B_OUT0 + (p << 2)));
    if (s < n) n = s;
  }
  const ret = <usize>load<u32>(ctx + B_RET);
  if (ret != 0) { const s = rSpace(ret); if (s < n) n = s; }
  if (n == 0) return 0;
  const table = <usize>load<u32>(ctx + B_TABLE);
  const mask = load<u32>(ctx + B_MASK);
  const base = bufBase(ctx);
  const size = bufSize(ctx);
  const head = load<u32>(inRing);
  let outCount0: u32 = 0, outCount1: u32 = 0, outCount2: u32 = 0, outCount3: u32 = 0;
  let retCount: u32 = 0;
  const retTail = ret != 0 ? load<u32>(ret + R_TAIL) : 0;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inRing, head + k);
    const f = frameAddr(base, size, d);
    let port: u32 = 0xffffffff;
    if (descLen(d) >= 14) {
      const dlo = load<u32>(f), dhi = <u32>load<u16>(f + 4);
      const slo = load<u32>(f + 6), shi = <u32>load<u16>(f + 10);
      bump(ctx, B_LOOKUPS, 1);
      if ((slo & 1) == 0) { // learn unicast sources only
        const e = slotOf(table, mask, slo, shi);
        if (e != 0) {
          if (load<u32>(e + 8) == 0) { store<u32>(e, slo); store<u16>(e + 4, <u16>shi); store<u32>(e + 8, 1); bump(ctx, B_LEARNED, 1); }
          store<u16>(e + 6, <u16>inPort);
        }
      }
      if ((dlo & 1) == 0) {
        const e = slotOf(table, mask, dlo, dhi);
        if (e != 0 && load<u32>(e + 8) != 0) port = <u32>load<u16>(e + 6);
      }
      if (port == 0xffffffff) { // unknown or group address: flood to the other port
        bump(ctx, B_FLOODED, 1);
        port = inPort == 0 ? 1 : 0;
        if (port >= nports) port = inPort; // single-port bridge: nowhere to go
      }
    } else port = inPort; // runt: filter
    if (port == inPort) {
      bump(ctx, B_FILTERED, 1);
      if (ret != 0) { store<u32>(rDesc(ret, retTail + retCount) + D_BUF, load<u32>(d + D_BUF)); retCount++; }
      continue;
    }
    const out = <usize>load<u32>(ctx + B_OUT0 + (port << 2));
    let c: u32 = port == 0 ? outCount0 : port == 1 ? outCount1 : port == 2 ? outCount2 : outCount3;
    memory.copy(rDesc(out, load<u32>(out + R_TAIL) + c), d, DESC_BYTES);
    if (port == 0) outCount0++; else if (port == 1) outCount1++; else if (port == 2) outCount2++; else outCount3++;
    bump(ctx, B_FORWARDED, 1);
  }
  rPublishHead(inRing, n);
  if (outCount0 != 0) rPublishTail(<usize>load<u32>(ctx + B_OUT0), outCount0);
  if (outCount1 != 0) rPublishTail(<usize>load<u32>(ctx + B_OUT0 + 4), outCount1);
  if (outCount2 != 0) rPublishTail(<usize>load<u32>(ctx + B_OUT0 + 8), outCount2);
  if (outCount3 != 0) rPublishTail(<usize>load<u32>(ctx + B_OUT0 + 12), outCount3);
  if (retCount != 0) rPublishTail(ret, retCount);
  return n;
}
