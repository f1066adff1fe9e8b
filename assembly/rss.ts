// RSS from a parse summary: hash type choice (spec §4.4, same order as reference/rss.ts),
// Toeplitz input selection, outer or tunnel-aware inner level with fallback to the outer packet.
import {
  PS_TRUNC, PS_TUN, PS_TUN_FLAGS, TF_INNER, PS_OUTER, PS_INNER, PS_RSS_OUTER, PS_RSS_INNER,
  TR_IPV6_EXT, TR_AH, TR_INNER,
  LS_FLAGS, LS_L3, LS_L3_OFF, LS_HOME, LS_RT2, LS_L4, LS_L4_OFF,
  LF_L3, LF_FRAG, LF_L3_TRUNC, LF_HDR_TRUNC, LF_HOME, LF_RT2, LF_L4, LF_PORTS, LF_COMPLETE, L4_TCP, L4_UDP,
  RT_TCP4, RT_IPV4, RT_TCP6_EX, RT_IPV6_EX, RT_IPV6, RT_TCP6, RT_UDP4, RT_UDP6, RT_UDP6_EX,
  RSS_NONE, RSS_TCP4, RSS_IPV4, RSS_TCP6, RSS_IPV6_EX, RSS_IPV6, RSS_TCP6_EX, RSS_UDP4, RSS_UDP6, RSS_UDP6_EX,
} from "./abi";
import { hashV4, hashV6Inline } from "./toeplitz";
import { parse } from "./parse";

/** Hash of the last rssLayers/rssSummary call (the return value is the RSS type). */
export let gRssHash: u32 = 0;

@inline function w(rec: usize, i: i32): u32 {
  return load<u32>(rec + (<usize>i << 2));
}

/**
 * Is the IP packet of layer set `ls` truncated (header cut, length field past the bytes present,
 * or an extension / AH chain running past its end)? Then no hash (spec §7.5 rule 4, §10.3). The
 * deepest cut is in PS_TRUNC and nothing is parsed behind a chain cut (reference ipTruncated).
 */
@inline function ipTruncated(rec: usize, ls: i32): bool {
  const f = w(rec, ls + LS_FLAGS);
  if ((f & LF_L3) == 0) return false;
  if ((f & (LF_L3_TRUNC | LF_HDR_TRUNC)) != 0) return true;
  const t = w(rec, PS_TRUNC) ^ (ls == PS_INNER ? <u32>TR_INNER : 0);
  return t == <u32>TR_IPV6_EXT || t == <u32>TR_AH;
}

/** RSS for one layer set (word `ls` of the summary at `rec`); returns the RSS type, hash in gRssHash. */
export function rssLayers(rec: usize, ls: i32, frame: usize, table: usize, enabled: u32): u32 {
  return rssLayersInline(rec, ls, frame, table, enabled);
}

/** rssLayers, inlined into parseRss (the parse path); other callers share the call above. */
@inline function rssLayersInline(rec: usize, ls: i32, frame: usize, table: usize, enabled: u32): u32 {
  gRssHash = 0;
  const f = w(rec, ls + LS_FLAGS);
  if ((f & LF_L3) == 0 || (f & (LF_HDR_TRUNC | LF_L3_TRUNC)) != 0) return RSS_NONE;
  // An incomplete L4 header inside a complete IP packet falls back to the 2-tuple (QEMU, §4.4).
  const l4ok = (f & (LF_L4 | LF_COMPLETE | LF_PORTS)) == (LF_L4 | LF_COMPLETE | LF_PORTS) &&
    (f & LF_FRAG) == 0;
  const kind = w(rec, ls + LS_L4);
  const isTcp = l4ok && kind == L4_TCP;
  const isUdp = l4ok && kind == L4_UDP;
  const l3 = frame + <usize>w(rec, ls + LS_L3_OFF);
  const ports = frame + <usize>w(rec, ls + LS_L4_OFF);
  if (w(rec, ls + LS_L3) == 4) {
    let t4 = RSS_NONE;
    if (isTcp && (enabled & RT_TCP4)) t4 = RSS_TCP4;
    else if (isUdp && (enabled & RT_UDP4)) t4 = RSS_UDP4;
    else if (enabled & RT_IPV4) t4 = RSS_IPV4;
    else return RSS_NONE;
    gRssHash = hashV4(table, l3 + 12, t4 == RSS_IPV4 ? 0 : ports);
    return t4;
  }
  // IPv6: choose the type and its inputs (the first rule that applies, in the reference's
  // order), then hash once.
  const src = l3 + 8;
  const dst = l3 + 24;
  const hasEx = (f & (LF_HOME | LF_RT2)) != 0;
  let t = RSS_NONE;
  let ex = false; // hash the home address / routing-header destination
  let withPorts = true;
  if (isTcp) {
    if (hasEx && (enabled & RT_TCP6_EX)) {
      t = RSS_TCP6_EX;
      ex = true;
    } else if (enabled & RT_TCP6) t = RSS_TCP6;
    else if (enabled & RT_TCP6_EX) t = RSS_TCP6_EX;
  }
  if (t == RSS_NONE && isUdp) {
    if (hasEx && (enabled & RT_UDP6_EX)) {
      t = RSS_UDP6_EX;
      ex = true;
    } else if (enabled & RT_UDP6) t = RSS_UDP6;
    else if (enabled & RT_UDP6_EX) t = RSS_UDP6_EX;
  }
  if (t == RSS_NONE) {
    withPorts = false;
    if (hasEx && (enabled & RT_IPV6_EX)) {
      t = RSS_IPV6_EX;
      ex = true;
    } else if (enabled & RT_IPV6) t = RSS_IPV6;
    else if (enabled & RT_IPV6_EX) t = RSS_IPV6_EX;
    else return RSS_NONE;
  }
  const a = ex && (f & LF_HOME) ? frame + <usize>w(rec, ls + LS_HOME) : src;
  const b = ex && (f & LF_RT2) ? frame + <usize>w(rec, ls + LS_RT2) : dst;
  gRssHash = hashV6Inline(table, a, b, withPorts ? ports : 0);
  return t;
}

/**
 * RSS of a parsed frame at the given level: inner falls back to outer when it gives no hash
 * (truncated included); a truncated outer packet gives none at either level.
 */
export function rssSummary(rec: usize, frame: usize, table: usize, enabled: u32, inner: bool): u32 {
  if (ipTruncated(rec, PS_OUTER)) {
    gRssHash = 0;
    return RSS_NONE;
  }
  if (inner && w(rec, PS_TUN) != 0 && (w(rec, PS_TUN_FLAGS) & TF_INNER) != 0 && !ipTruncated(rec, PS_INNER)) {
    const t = rssLayers(rec, PS_INNER, frame, table, enabled);
    if (t != RSS_NONE) return t;
  }
  return rssLayers(rec, PS_OUTER, frame, table, enabled);
}

/** rssSummary with rssLayers inlined (parseRss, the parse path). */
@inline function rssSummaryInline(rec: usize, frame: usize, table: usize, enabled: u32, inner: bool): u32 {
  if (ipTruncated(rec, PS_OUTER)) {
    gRssHash = 0;
    return RSS_NONE;
  }
  if (inner && w(rec, PS_TUN) != 0 && (w(rec, PS_TUN_FLAGS) & TF_INNER) != 0 && !ipTruncated(rec, PS_INNER)) {
    const t = rssLayersInline(rec, PS_INNER, frame, table, enabled);
    if (t != RSS_NONE) return t;
  }
  return rssLayersInline(rec, PS_OUTER, frame, table, enabled);
}

/** Fills PS_RSS_OUTER / PS_RSS_INNER of a parsed record (decode's "rss" field). */
export function parseRss(rec: usize, frame: usize, table: usize, enabled: u32): void {
  rssSummaryInline(rec, frame, table, enabled, false);
  store<u32>(rec + (<usize>PS_RSS_OUTER << 2), gRssHash);
  rssSummaryInline(rec, frame, table, enabled, true);
  store<u32>(rec + (<usize>PS_RSS_INNER << 2), gRssHash);
}

/** Hash of the last rssSummary call (for JS callers). */
export function lastRssHash(): u32 {
  return gRssHash;
}

/**
 * Parses `count` frames laid out `stride` bytes apart from `base` (lengths: u16 array at
 * `lens`) into the record at `out`, plus the outer/inner RSS hashes when `table` != 0
 * (benchmarks, batch decode). Returns an XOR of the results so nothing is optimised away.
 */
export function parseBurst(base: usize, stride: u32, lens: usize, count: u32, out: usize, table: usize, enabled: u32): u32 {
  let x: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const f = base + <usize>i * stride;
    x ^= parse(f, <u32>load<u16>(lens + (<usize>i << 1)), out);
    if (table != 0) {
      parseRss(out, f, table, enabled);
      x ^= load<u32>(out + (<usize>PS_RSS_INNER << 2));
    }
  }
  return x;
}

export const RSS_BAIL: u32 = 0xffffffff;

/**
 * Fast path for the common frame: untagged (or one 0x8100 tag) IPv4 without options, not a
 * fragment, complete TCP or UDP inside the frame. Gives exactly what parse() + rssSummary()
 * give for such frames; returns RSS_BAIL for anything else (the caller then parses fully).
 */
export function fastRss(f: usize, len: u32, table: usize, enabled: u32, inner: bool): u32 {
  return fastRssInline(f, len, table, enabled, inner);
}

/** fastRss, inlined into the switch's fast path: fastRssType, then fastRssHash. */
@inline export function fastRssInline(f: usize, len: u32, table: usize, enabled: u32, inner: bool): u32 {
  const rtype = fastRssType(f, len, enabled, inner);
  if (rtype != RSS_BAIL) gRssHash = fastRssHash(f, rtype, table);
  return rtype;
}

/**
 * fastRss's answer without the hash: the RSS type the frame gets (RSS_NONE: no hash) or RSS_BAIL.
 * A caller that does not need the hash (a frame dropped before its queue matters) skips the
 * Toeplitz look-ups; fastRssHash gives the hash of the same frame.
 */
@inline export function fastRssType(f: usize, len: u32, enabled: u32, inner: bool): u32 {
  if (len < 34) return RSS_BAIL;
  let l3: u32 = 14;
  let et = <u32>load<u16>(f + 12);
  if (et == 0x0081) {
    // 802.1Q (bytes 81 00 read little-endian): one tag, then the EtherType
    et = <u32>load<u16>(f + 16);
    l3 = 18;
    if (len < 38) return RSS_BAIL;
  }
  if (et != 0x0008 || load<u8>(f + l3) != 0x45) return RSS_BAIL;
  const total = <u32>bswap<u16>(load<u16>(f + l3 + 2));
  if (total < 20 || l3 + total > len) return RSS_BAIL;
  if ((load<u16>(f + l3 + 6) & 0xff3f) != 0) return RSS_BAIL; // MF or offset (big-endian 0x3fff)
  const proto = <u32>load<u8>(f + l3 + 9);
  const l4 = f + l3 + 20;
  const avail = total - 20;
  let isTcp = false;
  let isUdp = false;
  if (proto == 6) {
    if (avail < 20) return RSS_BAIL;
    if ((<u32>load<u8>(l4 + 12) >> 4) < 5) return RSS_BAIL;
    isTcp = true;
  } else if (proto == 17) {
    if (avail < 8) return RSS_BAIL;
    if (inner) return RSS_BAIL; // a UDP tunnel could supply an inner hash
    isUdp = true;
  } else if (proto == 4 || proto == 41 || proto == 47 || proto == 51) {
    return RSS_BAIL; // tunnels and AH change what is hashed
  }
  if (isTcp && (enabled & RT_TCP4)) return RSS_TCP4;
  if (isUdp && (enabled & RT_UDP4)) return RSS_UDP4;
  if (enabled & RT_IPV4) return RSS_IPV4;
  return RSS_NONE;
}

/** The Toeplitz hash of a frame fastRssType typed `rtype` (not RSS_BAIL): 0 for RSS_NONE. */
@inline export function fastRssHash(f: usize, rtype: u32, table: usize): u32 {
  if (rtype == RSS_NONE) return 0;
  const l3: usize = load<u16>(f + 12) == 0x0081 ? 18 : 14;
  return hashV4(table, f + l3 + 12, rtype == RSS_IPV4 ? 0 : f + l3 + 20);
}
