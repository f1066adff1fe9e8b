// Bounds-safe frame parser: the same rules as src/switch/reference/parse.ts, written without
// allocation. Every read is preceded by has(off, n, end); a header cut short is recorded as a
// TR_* code in the summary, never a trap. Loops are bounded (8 tags, 8 IPv6 extension headers,
// 8 MPLS labels, 8 GTP-U extension headers); one level of tunnel is decoded.
import {
  PS_LEN, PS_TRUNC, PS_INVALID, PS_TUN, PS_TUN_FLAGS, PS_TUN_ID, PS_TUN_OFF, PS_NLABEL, PS_LABELS,
  PS_OUTER, PS_INNER, PARSE_BYTES, TF_ID, TF_INNER, PS_TUN_GPE, TF_GPE_NEXT,
  LS_FLAGS, LS_ETH_OFF, LS_ETH_TYPE, LS_ETHERTYPE, LS_NVLAN, LS_VLANS, LS_L3, LS_L3_OFF, LS_NEXT,
  LS_FRAG_OFF, LS_HOME, LS_RT2, LS_L4, LS_L4_OFF, LS_PORTS,
  LF_ETH, LF_ETHERTYPE, LF_L3, LF_FRAG, LF_L3_TRUNC, LF_HOME, LF_RT2, LF_L4, LF_PORTS, LF_COMPLETE, LF_HDR_TRUNC,
  L4_TCP, L4_UDP, L4_SCTP, L4_ICMP, L4_ICMPV6, L4_GRE, L4_ESP,
  TUN_NONE, TUN_VXLAN, TUN_VXLAN_GPE, TUN_GENEVE, TUN_GRE, TUN_NVGRE, TUN_GTPU, TUN_MPLS, TUN_IPIP,
  TR_ETH, TR_VLAN, TR_IPV4, TR_IPV6, TR_IPV6_EXT, TR_AH, TR_TCP, TR_UDP, TR_SCTP, TR_ICMP, TR_ICMPV6,
  TR_VXLAN, TR_VXLAN_GPE, TR_GENEVE, TR_GRE, TR_GTPU, TR_MPLS, TR_INNER,
} from "./abi";
import { gTunnelPorts } from "./mem";

const K_NONE: u32 = 0;
const K_ETH: u32 = 1;
const K_V4: u32 = 4;
const K_V6: u32 = 6;
const K_MPLS: u32 = 7;
const K_OTHER: u32 = 8;

// Per-call state (per instance; the parser is re-entrant only per thread, which is all we need).
let pF: usize = 0;
let pLen: u32 = 0;
let pOut: usize = 0;
let pLs: i32 = 0; // word index of the current layer set
let gPay: u32 = 0;
let gEnd: u32 = 0;
let gIAt: u32 = 0;
let gIKind: u32 = K_NONE;
let gIEnd: u32 = 0; // where the carrier of the inner packet ends

@inline function has(off: u32, n: u32, end: u32): bool {
  return <u64>off + <u64>n <= <u64>min(end, pLen);
}
@inline function b8(o: u32): u32 {
  return <u32>load<u8>(pF + o);
}
@inline function b16(o: u32): u32 {
  return <u32>bswap<u16>(load<u16>(pF + o));
}
@inline function b24(o: u32): u32 {
  return (b8(o) << 16) | b16(o + 1);
}
@inline function b32(o: u32): u32 {
  return bswap<u32>(load<u32>(pF + o));
}
@inline function getw(i: i32): u32 {
  return load<u32>(pOut + (<usize>i << 2));
}
@inline function setw(i: i32, v: u32): void {
  store<u32>(pOut + (<usize>i << 2), v);
}
@inline function lsget(i: i32): u32 {
  return getw(pLs + i);
}
@inline function lsset(i: i32, v: u32): void {
  setw(pLs + i, v);
}
@inline function lsflag(f: u32): void {
  setw(pLs + LS_FLAGS, getw(pLs + LS_FLAGS) | f);
}
// The hot path's accessors take the frame (fr), record (rec), layer set (ls) and frame length
// (flen) as arguments, kept in locals once inlined: V8 reloads a Wasm global after every store
// to memory, so the global-based helpers above cost two loads per field. The out-of-line
// helpers (cut, bad, tunnels other than VXLAN, extension chains) keep using the globals.
@inline function within(off: u32, n: u32, end: u32, flen: u32): bool {
  return <u64>off + <u64>n <= <u64>min(end, flen);
}
@inline function fb8(fr: usize, o: u32): u32 {
  return <u32>load<u8>(fr + o);
}
@inline function fb16(fr: usize, o: u32): u32 {
  return <u32>bswap<u16>(load<u16>(fr + o));
}
@inline function fb24(fr: usize, o: u32): u32 {
  return (fb8(fr, o) << 16) | fb16(fr, o + 1);
}
@inline function lget(base: usize, i: i32): u32 {
  return load<u32>(base + (<usize>i << 2));
}
@inline function lput(base: usize, i: i32, v: u32): void {
  store<u32>(base + (<usize>i << 2), v);
}
@inline function lor(ls: usize, f: u32): void {
  lput(ls, LS_FLAGS, lget(ls, LS_FLAGS) | f);
}
@inline function tunSet(rec: usize, type: u32, innerOff: u32): void {
  lput(rec, PS_TUN, type);
  lput(rec, PS_TUN_OFF, innerOff);
}
@inline function tunId(rec: usize, id: u32): void {
  lput(rec, PS_TUN_ID, id);
  lput(rec, PS_TUN_FLAGS, lget(rec, PS_TUN_FLAGS) | TF_ID);
}

/** The deepest cut wins (reference: a snaplen cut makes every outer length overrun). */
function cut(code: u32, inner: bool): void {
  setw(PS_TRUNC, code | (inner ? <u32>TR_INNER : 0));
}
function bad(code: u32, inner: bool): void {
  if (getw(PS_INVALID) == 0) setw(PS_INVALID, code | (inner ? <u32>TR_INNER : 0));
}

@inline function isTpid(t: u32): bool {
  return t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200 || t == 0x9300;
}

/** Is `port` a VXLAN UDP port (4789 or one of the configured extra ports)? */
export function isVxlanPort(port: u32): bool {
  if (port == 4789) return true;
  if (gTunnelPorts == 0) return false;
  for (let i = 0; i < 16; i++) {
    const p = <u32>load<u16>(gTunnelPorts + (<usize>i << 1));
    if (p == 0) return false;
    if (p == port) return true;
  }
  return false;
}

@inline function layers(
  fr: usize, rec: usize, flen: u32, at: u32, startKind: u32, inner: bool, limitIn: u32,
): void {
  pLs = inner ? PS_INNER : PS_OUTER; // for the out-of-line helpers
  const ls = rec + (<usize>pLs << 2);
  const limit = min(limitIn, flen);
  let off = at;
  let kind = startKind == K_ETH ? K_OTHER : startKind;
  if (startKind == K_ETH) {
    if (!within(off, 14, limit, flen)) {
      cut(TR_ETH, inner);
      return;
    }
    const type = fb16(fr, off + 12);
    lor(ls, LF_ETH);
    lput(ls, LS_ETH_OFF, off);
    lput(ls, LS_ETH_TYPE, type);
    off += 14;
    let et = type;
    let n: u32 = 0;
    while (isTpid(et) && n < 8) {
      if (!within(off, 4, limit, flen)) {
        cut(TR_VLAN, inner);
        return;
      }
      lput(ls, LS_VLANS + <i32>n, (et << 16) | fb16(fr, off));
      n++;
      lput(ls, LS_NVLAN, n);
      et = fb16(fr, off + 2);
      off += 4;
    }
    lor(ls, LF_ETHERTYPE);
    lput(ls, LS_ETHERTYPE, et);
    if (et == 0x0800) kind = K_V4;
    else if (et == 0x86dd) kind = K_V6;
    else if ((et == 0x8847 || et == 0x8848) && !inner) kind = K_MPLS;
    else return;
  }
  if (kind == K_MPLS) {
    mpls(off, limit, inner);
    return;
  }
  const ok = kind == K_V4
    ? ipv4(fr, rec, ls, flen, off, inner, limit)
    : ipv6(fr, rec, ls, flen, off, inner, limit);
  if (!ok) return;
  if ((lget(ls, LS_FLAGS) & LF_HDR_TRUNC) != 0) return;
  const frag = (lget(ls, LS_FLAGS) & LF_FRAG) != 0;
  if (frag && lget(ls, LS_FRAG_OFF) != 0) return;
  const pay = gPay;
  const end = gEnd;
  l4(fr, ls, flen, pay, end, inner);
  if (inner || frag) return;
  tunnel(fr, rec, ls, flen, pay, end);
}

@inline function ipv4(fr: usize, rec: usize, ls: usize, flen: u32, off: u32, inner: bool, limit: u32): bool {
  if (!within(off, 20, limit, flen)) {
    cut(TR_IPV4, inner);
    return false;
  }
  const vihl = fb8(fr, off);
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 != 4 || ihl < 20) {
    bad(TR_IPV4, inner);
    return false;
  }
  if (!within(off, ihl, limit, flen)) {
    // Options cut short: the addresses are known, nothing behind them is (RSS gives 0).
    cut(TR_IPV4, inner);
    const fw = fb16(fr, off + 6);
    lor(ls, LF_L3 | LF_L3_TRUNC | LF_HDR_TRUNC | (((fw & 0x2000) != 0 || (fw & 0x1fff) != 0) ? LF_FRAG : 0));
    lput(ls, LS_L3, 4);
    lput(ls, LS_L3_OFF, off);
    lput(ls, LS_NEXT, fb8(fr, off + 9));
    lput(ls, LS_FRAG_OFF, fw & 0x1fff);
    gPay = limit;
    gEnd = limit;
    return true;
  }
  const total = fb16(fr, off + 2);
  if (total < ihl) {
    bad(TR_IPV4, inner);
    return false;
  }
  const frag = fb16(fr, off + 6);
  const fo = frag & 0x1fff;
  const fragment = (frag & 0x2000) != 0 || fo != 0;
  lor(ls, LF_L3 | (fragment ? LF_FRAG : 0));
  lput(ls, LS_L3, 4);
  lput(ls, LS_L3_OFF, off);
  lput(ls, LS_NEXT, fb8(fr, off + 9));
  lput(ls, LS_FRAG_OFF, fo);
  let end = off + total;
  if (end > limit) {
    end = limit;
    lor(ls, LF_L3_TRUNC);
    cut(TR_IPV4, inner);
  }
  let payload = off + ihl;
  if (lget(ls, LS_NEXT) == 51 && !(fragment && fo != 0)) {
    if (!within(payload, 2, end, flen)) {
      cut(TR_AH, inner);
      gPay = end;
      gEnd = end;
      return true;
    }
    const ahLen = (fb8(fr, payload + 1) + 2) * 4;
    if (!within(payload, ahLen, end, flen)) {
      cut(TR_AH, inner);
      gPay = end;
      gEnd = end;
      return true;
    }
    lput(ls, LS_NEXT, fb8(fr, payload));
    payload += ahLen;
  }
  gPay = payload;
  gEnd = end;
  return true;
}

@inline function ipv6(fr: usize, rec: usize, ls: usize, flen: u32, off: u32, inner: bool, limit: u32): bool {
  if (!within(off, 40, limit, flen)) {
    cut(TR_IPV6, inner);
    return false;
  }
  if (fb8(fr, off) >> 4 != 6) {
    bad(TR_IPV6, inner);
    return false;
  }
  const plen = fb16(fr, off + 4);
  let next = fb8(fr, off + 6);
  lor(ls, LF_L3);
  lput(ls, LS_L3, 6);
  lput(ls, LS_L3_OFF, off);
  lput(ls, LS_NEXT, next);
  lput(ls, LS_FRAG_OFF, 0);
  let end = plen == 0 && next == 0 ? limit : off + 40 + plen;
  if (end > limit) {
    end = limit;
    lor(ls, LF_L3_TRUNC);
    cut(TR_IPV6, inner);
  }
  let p = off + 40;
  for (let n = 0; n < 8; n++) {
    if (next == 0 || next == 43 || next == 60 || next == 135) {
      if (!within(p, 2, end, flen)) return extCut(next, end, inner);
      const len = (fb8(fr, p + 1) + 1) * 8;
      if (!within(p, len, end, flen)) return extCut(next, end, inner);
      if (next == 43 && fb8(fr, p + 2) == 2 && fb8(fr, p + 3) == 1 && len >= 24) {
        lor(ls, LF_RT2);
        lput(ls, LS_RT2, p + 8);
      }
      if (next == 60) homeAddress(p + 2, p + len);
      next = fb8(fr, p);
      p += len;
    } else if (next == 44) {
      if (!within(p, 8, end, flen)) return extCut(next, end, inner);
      lor(ls, LF_FRAG);
      lput(ls, LS_FRAG_OFF, fb16(fr, p + 2) >> 3);
      next = fb8(fr, p);
      p += 8;
    } else if (next == 51) {
      if (!within(p, 2, end, flen)) return extCut(next, end, inner);
      const len = (fb8(fr, p + 1) + 2) * 4;
      if (!within(p, len, end, flen)) return extCut(next, end, inner);
      next = fb8(fr, p);
      p += len;
    } else {
      break;
    }
  }
  lput(ls, LS_NEXT, next);
  gPay = p;
  gEnd = end;
  return true;
}

function extCut(next: u32, end: u32, inner: bool): bool {
  cut(TR_IPV6_EXT, inner);
  lsset(LS_NEXT, next);
  gPay = end;
  gEnd = end;
  return true;
}

function homeAddress(start: u32, end: u32): void {
  let p = start;
  while (has(p, 1, end)) {
    const type = b8(p);
    if (type == 0) {
      p += 1;
      continue;
    }
    if (!has(p, 2, end)) return;
    const len = b8(p + 1);
    if (!has(p + 2, len, end)) return;
    if (type == 0xc9 && len == 16) {
      lsflag(LF_HOME);
      lsset(LS_HOME, p + 2);
    }
    p += 2 + len;
  }
}

@inline function ports(
  fr: usize, ls: usize, flen: u32, kind: u32, off: u32, end: u32, fixed: u32, name: u32, inner: bool,
): bool {
  lor(ls, LF_L4);
  lput(ls, LS_L4, kind);
  lput(ls, LS_L4_OFF, off);
  if (within(off, 4, end, flen)) {
    lor(ls, LF_PORTS);
    lput(ls, LS_PORTS, (fb16(fr, off) << 16) | fb16(fr, off + 2));
  }
  const avail = end > off ? end - off : 0;
  const complete = avail >= fixed;
  if (complete) lor(ls, LF_COMPLETE);
  else cut(name, inner);
  return complete;
}

function simpleL4(kind: u32, off: u32, complete: bool): void {
  lsflag(LF_L4 | (complete ? LF_COMPLETE : 0));
  lsset(LS_L4, kind);
  lsset(LS_L4_OFF, off);
}

@inline function l4(fr: usize, ls: usize, flen: u32, off: u32, end: u32, inner: bool): void {
  const avail = end > off ? end - off : 0;
  const next = lget(ls, LS_NEXT);
  if (next == 6) {
    if (ports(fr, ls, flen, L4_TCP, off, end, 20, TR_TCP, inner)) {
      const hl = (fb8(fr, off + 12) >> 4) * 4;
      if (hl < 20) {
        lput(ls, LS_FLAGS, lget(ls, LS_FLAGS) & ~LF_COMPLETE);
        bad(TR_TCP, inner);
      } else if (!within(off, hl, end, flen)) {
        cut(TR_TCP, inner);
      }
    }
  } else if (next == 17) {
    ports(fr, ls, flen, L4_UDP, off, end, 8, TR_UDP, inner);
  } else if (next == 132) {
    ports(fr, ls, flen, L4_SCTP, off, end, 12, TR_SCTP, inner);
  } else if (next == 1 || next == 58) {
    if (avail < 4) cut(next == 1 ? TR_ICMP : TR_ICMPV6, inner);
    simpleL4(next == 1 ? L4_ICMP : L4_ICMPV6, off, avail >= 4);
  } else if (next == 47) {
    simpleL4(L4_GRE, off, avail >= 4);
  } else if (next == 50) {
    simpleL4(L4_ESP, off, avail >= 8);
  }
}

@inline function setTunnel(type: u32, innerOff: u32): void {
  setw(PS_TUN, type);
  setw(PS_TUN_OFF, innerOff);
}
@inline function setTunnelId(id: u32): void {
  setw(PS_TUN_ID, id);
  setw(PS_TUN_FLAGS, getw(PS_TUN_FLAGS) | TF_ID);
}
@inline function innerAt(at: u32, kind: u32, end: u32): void {
  gIAt = at;
  gIKind = kind;
  gIEnd = end;
}
function byProtocol(protocol: u32, at: u32, end: u32): void {
  if (protocol == 0x6558) innerAt(at, K_ETH, end);
  else if (protocol == 0x0800) innerAt(at, K_V4, end);
  else if (protocol == 0x86dd) innerAt(at, K_V6, end);
}
function byNibble(nibble: u32, at: u32, end: u32): void {
  if (nibble == 4) innerAt(at, K_V4, end);
  else if (nibble == 6) innerAt(at, K_V6, end);
}

@inline function tunnel(fr: usize, rec: usize, ls: usize, flen: u32, payload: u32, endIn: u32): void {
  let end = endIn;
  const next = lget(ls, LS_NEXT);
  if (next == 4 || next == 41) {
    tunSet(rec, TUN_IPIP, payload);
    innerAt(payload, next == 4 ? K_V4 : K_V6, end);
    return;
  }
  const f = lget(ls, LS_FLAGS);
  if ((f & LF_L4) == 0) return;
  const kind = lget(ls, LS_L4);
  if (kind == L4_GRE) {
    gre(payload, end);
    return;
  }
  if (kind != L4_UDP || (f & LF_COMPLETE) == 0) return;
  const l4off = lget(ls, LS_L4_OFF);
  const body = l4off + 8;
  const dport = lget(ls, LS_PORTS) & 0xffff;
  // The UDP length bounds the tunnel payload; a length past the packet is a cut, < 8 is bad.
  const udpLen = fb16(fr, l4off + 4);
  if (udpLen < 8) {
    bad(TR_UDP, false);
    return;
  }
  if (l4off + udpLen > end) cut(TR_UDP, false);
  else end = l4off + udpLen;
  if (isVxlanPort(dport)) vxlan(fr, rec, flen, body, end);
  else if (dport == 4790) vxlanGpe(body, end);
  else if (dport == 6081) geneve(body, end);
  else if (dport == 2152) gtpu(body, end);
  else if (dport == 6635) mpls(body, end, false);
}

@inline function vxlan(fr: usize, rec: usize, flen: u32, off: u32, end: u32): void {
  if (!within(off, 8, end, flen)) {
    cut(TR_VXLAN, false);
    return;
  }
  tunSet(rec, TUN_VXLAN, off + 8);
  tunId(rec, fb24(fr, off + 4));
  innerAt(off + 8, K_ETH, end);
}

/** VXLAN-GPE: version 0 only; the payload is entered when P is set and it is IPv4/IPv6/Ethernet. */
function vxlanGpe(off: u32, end: u32): void {
  if (!has(off, 8, end)) {
    cut(TR_VXLAN_GPE, false);
    return;
  }
  const flags = b8(off);
  if (((flags >> 4) & 0x3) != 0) {
    bad(TR_VXLAN_GPE, false);
    return;
  }
  const next = b8(off + 3);
  setTunnel(TUN_VXLAN_GPE, off + 8);
  setTunnelId(b24(off + 4));
  setw(PS_TUN_GPE, (flags << 8) | next);
  if ((flags & 0x04) == 0) return;
  setw(PS_TUN_FLAGS, getw(PS_TUN_FLAGS) | TF_GPE_NEXT);
  if (next == 3) innerAt(off + 8, K_ETH, end);
  else if (next == 1) innerAt(off + 8, K_V4, end);
  else if (next == 2) innerAt(off + 8, K_V6, end);
}

function geneve(off: u32, end: u32): void {
  if (!has(off, 8, end)) {
    cut(TR_GENEVE, false);
    return;
  }
  if (b8(off) >> 6 != 0) {
    bad(TR_GENEVE, false);
    return;
  }
  const hlen = 8 + (b8(off) & 0x3f) * 4;
  setTunnel(TUN_GENEVE, off + hlen);
  setTunnelId(b24(off + 4));
  if (!has(off, hlen, end)) {
    cut(TR_GENEVE, false);
    setw(PS_TUN_OFF, end); // options cut short: nothing inside is visible
    return;
  }
  byProtocol(b16(off + 2), off + hlen, end);
}

function gre(off: u32, end: u32): void {
  if (!has(off, 4, end)) {
    cut(TR_GRE, false);
    return;
  }
  const flags = b16(off);
  if ((flags & 0x7) != 0 || (flags & 0x4000) != 0) return;
  const hasC = (flags & 0x8000) != 0;
  const hasK = (flags & 0x2000) != 0;
  const hasS = (flags & 0x1000) != 0;
  const hlen: u32 = 4 + (hasC ? 4 : 0) + (hasK ? 4 : 0) + (hasS ? 4 : 0);
  const protocol = b16(off + 2);
  if (!has(off, hlen, end)) {
    cut(TR_GRE, false);
    setTunnel(TUN_GRE, end); // optional fields cut short
    return;
  }
  const nvgre = protocol == 0x6558 && hasK;
  setTunnel(nvgre ? TUN_NVGRE : TUN_GRE, off + hlen);
  if (hasK) {
    const key = b32(off + 4 + (hasC ? 4 : 0));
    setTunnelId(nvgre ? key >>> 8 : key);
  }
  byProtocol(protocol, off + hlen, end);
}

function gtpu(off: u32, end: u32): void {
  if (!has(off, 8, end)) {
    cut(TR_GTPU, false);
    return;
  }
  const flags = b8(off);
  if (flags >> 5 != 1 || (flags & 0x10) == 0) {
    bad(TR_GTPU, false);
    return;
  }
  const msgType = b8(off + 1);
  setTunnel(TUN_GTPU, off + 8);
  setTunnelId(b32(off + 4));
  let p = off + 8;
  if (flags & 0x07) {
    if (!has(off, 12, end)) {
      cut(TR_GTPU, false);
      return;
    }
    let nextExt = b8(off + 11);
    p = off + 12;
    let n = 0;
    while ((flags & 0x04) != 0 && nextExt != 0) {
      if (n++ >= 8) return;
      if (!has(p, 1, end)) {
        cut(TR_GTPU, false);
        return;
      }
      const len = b8(p) * 4;
      if (len == 0) {
        bad(TR_GTPU, false);
        return;
      }
      if (!has(p, len, end)) {
        cut(TR_GTPU, false);
        return;
      }
      nextExt = b8(p + len - 1);
      p += len;
    }
  }
  setw(PS_TUN_OFF, p);
  if (msgType != 0xff || !has(p, 1, end)) return;
  byNibble(b8(p) >> 4, p, end);
}

function mpls(off: u32, end: u32, inner: bool): void {
  let labels: u32 = 0;
  let p = off;
  for (;;) {
    if (labels >= 8) {
      setTunnel(TUN_MPLS, p);
      setw(PS_NLABEL, labels);
      return;
    }
    if (!has(p, 4, end)) {
      cut(TR_MPLS, inner);
      if (labels > 0) {
        setTunnel(TUN_MPLS, p);
        setw(PS_NLABEL, labels);
      }
      return;
    }
    const w = b32(p);
    setw(PS_LABELS + <i32>labels, w >>> 12);
    labels++;
    p += 4;
    if (w & 0x100) break;
  }
  setTunnel(TUN_MPLS, p);
  setw(PS_NLABEL, labels);
  if (!has(p, 1, end)) return;
  byNibble(b8(p) >> 4, p, end);
}

/**
 * Zeroes the PARSE_BYTES record at `out` with 16-byte stores, unrolled: V8 runs memory.fill as
 * a call out of the generated code and checks for interrupts on every loop back-edge, both of
 * which cost more than the stores themselves at this size.
 */
@inline function clearRecord(out: usize): void {
  if (PARSE_BYTES != 512) ERROR("clearRecord is unrolled for a 512-byte parse record");
  const z = i64x2.splat(0);
  clear64(out, z);
  clear64(out + 64, z);
  clear64(out + 128, z);
  clear64(out + 192, z);
  clear64(out + 256, z);
  clear64(out + 320, z);
  clear64(out + 384, z);
  clear64(out + 448, z);
}
@inline function clear64(at: usize, z: v128): void {
  v128.store(at, z);
  v128.store(at, z, 16);
  v128.store(at, z, 32);
  v128.store(at, z, 48);
}

/**
 * Parses the frame of `len` bytes at `frame` into the summary record at `out` (PARSE_BYTES).
 * Returns the PS_TRUNC code (0 when nothing was cut).
 */
export function parse(frame: usize, len: u32, out: usize): u32 {
  clearRecord(out);
  pF = frame;
  pLen = len;
  pOut = out;
  gIKind = K_NONE;
  lput(out, PS_LEN, len);
  layers(frame, out, len, 0, K_ETH, false, len);
  if (lget(out, PS_TUN) != TUN_NONE && gIKind != K_NONE) {
    lput(out, PS_TUN_FLAGS, lget(out, PS_TUN_FLAGS) | TF_INNER);
    layers(frame, out, len, gIAt, gIKind, true, gIEnd);
  }
  return lget(out, PS_TRUNC);
}
