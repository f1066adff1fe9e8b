// RSS from a parse summary: hash type choice (spec §4.4, same order as reference/rss.ts),
// Toeplitz input selection, outer or tunnel-aware inner level with fallback to the outer packet.
import {
  PS_TUN, PS_TUN_FLAGS, TF_INNER, PS_OUTER, PS_INNER, PS_RSS_OUTER, PS_RSS_INNER,
  LS_FLAGS, LS_L3, LS_L3_OFF, LS_HOME, LS_RT2, LS_L4, LS_L4_OFF,
  LF_L3, LF_FRAG, LF_L3_TRUNC, LF_HDR_TRUNC, LF_HOME, LF_RT2, LF_L4, LF_PORTS, LF_COMPLETE, L4_TCP, L4_UDP,
  RT_TCP4, RT_IPV4, RT_TCP6_EX, RT_IPV6_EX, RT_IPV6, RT_TCP6, RT_UDP4, RT_UDP6, RT_UDP6_EX,
  RSS_NONE, RSS_TCP4, RSS_IPV4, RSS_TCP6, RSS_IPV6_EX, RSS_IPV6, RSS_TCP6_EX, RSS_UDP4, RSS_UDP6, RSS_UDP6_EX,
} from "./abi";
import { hashV4, hashV6 } from "./toeplitz";

/** Hash of the last rssLayers/rssSummary call (the return value is the RSS type). */
export let gRssHash: u32 = 0;

@inline function w(rec: usize, i: i32): u32 {
  return load<u32>(rec + (<usize>i << 2));
}

/** RSS for one layer set (word `ls` of the summary at `rec`); returns the RSS type, hash in gRssHash. */
export function rssLayers(rec: usize, ls: i32, frame: usize, table: usize, enabled: u32): u32 {
  gRssHash = 0;
  const f = w(rec, ls + LS_FLAGS);
  if ((f & LF_L3) == 0 || (f & LF_HDR_TRUNC) != 0) return RSS_NONE;
  const l4ok = (f & (LF_L4 | LF_COMPLETE | LF_PORTS)) == (LF_L4 | LF_COMPLETE | LF_PORTS) &&
    (f & (LF_FRAG | LF_L3_TRUNC)) == 0;
  const kind = w(rec, ls + LS_L4);
  const isTcp = l4ok && kind == L4_TCP;
  const isUdp = l4ok && kind == L4_UDP;
  const l3 = frame + <usize>w(rec, ls + LS_L3_OFF);
  const ports = frame + <usize>w(rec, ls + LS_L4_OFF);
  if (w(rec, ls + LS_L3) == 4) {
    if (isTcp && (enabled & RT_TCP4)) {
      gRssHash = hashV4(table, l3 + 12, ports);
      return RSS_TCP4;
    }
    if (isUdp && (enabled & RT_UDP4)) {
      gRssHash = hashV4(table, l3 + 12, ports);
      return RSS_UDP4;
    }
    if (enabled & RT_IPV4) {
      gRssHash = hashV4(table, l3 + 12, 0);
      return RSS_IPV4;
    }
    return RSS_NONE;
  }
  const src = l3 + 8;
  const dst = l3 + 24;
  const hasEx = (f & (LF_HOME | LF_RT2)) != 0;
  const exSrc = (f & LF_HOME) ? frame + <usize>w(rec, ls + LS_HOME) : src;
  const exDst = (f & LF_RT2) ? frame + <usize>w(rec, ls + LS_RT2) : dst;
  if (isTcp) {
    if (hasEx && (enabled & RT_TCP6_EX)) {
      gRssHash = hashV6(table, exSrc, exDst, ports);
      return RSS_TCP6_EX;
    }
    if (enabled & RT_TCP6) {
      gRssHash = hashV6(table, src, dst, ports);
      return RSS_TCP6;
    }
    if (enabled & RT_TCP6_EX) {
      gRssHash = hashV6(table, src, dst, ports);
      return RSS_TCP6_EX;
    }
  }
  if (isUdp) {
    if (hasEx && (enabled & RT_UDP6_EX)) {
      gRssHash = hashV6(table, exSrc, exDst, ports);
      return RSS_UDP6_EX;
    }
    if (enabled & RT_UDP6) {
      gRssHash = hashV6(table, src, dst, ports);
      return RSS_UDP6;
    }
    if (enabled & RT_UDP6_EX) {
      gRssHash = hashV6(table, src, dst, ports);
      return RSS_UDP6_EX;
    }
  }
  if (hasEx && (enabled & RT_IPV6_EX)) {
    gRssHash = hashV6(table, exSrc, exDst, 0);
    return RSS_IPV6_EX;
  }
  if (enabled & RT_IPV6) {
    gRssHash = hashV6(table, src, dst, 0);
    return RSS_IPV6;
  }
  if (enabled & RT_IPV6_EX) {
    gRssHash = hashV6(table, src, dst, 0);
    return RSS_IPV6_EX;
  }
  return RSS_NONE;
}

/** RSS of a parsed frame at the given level (inner falls back to outer when it gives no hash). */
export function rssSummary(rec: usize, frame: usize, table: usize, enabled: u32, inner: bool): u32 {
  if (inner && w(rec, PS_TUN) != 0 && (w(rec, PS_TUN_FLAGS) & TF_INNER) != 0) {
    const t = rssLayers(rec, PS_INNER, frame, table, enabled);
    if (t != RSS_NONE) return t;
  }
  return rssLayers(rec, PS_OUTER, frame, table, enabled);
}

/** Fills PS_RSS_OUTER / PS_RSS_INNER of a parsed record (decode's "rss" field). */
export function parseRss(rec: usize, frame: usize, table: usize, enabled: u32): void {
  rssSummary(rec, frame, table, enabled, false);
  store<u32>(rec + (<usize>PS_RSS_OUTER << 2), gRssHash);
  rssSummary(rec, frame, table, enabled, true);
  store<u32>(rec + (<usize>PS_RSS_INNER << 2), gRssHash);
}

/** Hash of the last rssSummary call (for JS callers). */
export function lastRssHash(): u32 {
  return gRssHash;
}
