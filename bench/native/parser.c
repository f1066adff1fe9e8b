/* Native reference of the parser: assembly/parse.ts parse (bounds-safe, allocation-free, one
 * tunnel level) plus assembly/rss.ts parseRss (outer and tunnel-aware inner RSS over the summary,
 * table-driven Toeplitz of assembly/toeplitz.ts), over the frames of the bench's mix, on an image
 * of the Wasm memory the bench set up. The timed loop is rss.ts parseBurst.
 *
 * usage: parser IMAGE [rounds] [round_ms]
 * params: header, base, stride, lens, count, rec, table, enabled
 * prints: {"checksum":N,"xor":N,"rate":R,"best":R,"cpuRate":R}, R in frames per second: rate
 * the median round by wall clock, best the best one, cpuRate the median by process CPU time.
 * The checksum is FNV-1a of every frame's parse record after parse + parseRss, as
 * bench/parser.bench.ts computes it on the Wasm memory. */
#include "image.h"

#define K_NONE 0u
#define K_ETH 1u
#define K_V4 4u
#define K_V6 6u
#define K_MPLS 7u
#define K_OTHER 8u

static uint32_t pF, pLen, pOut;
static int pLs;
static uint32_t gPay, gEnd, gIAt, gIKind, gIEnd;

static inline uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline int has(uint32_t off, uint32_t n, uint32_t end) { return (uint64_t)off + n <= umin(end, pLen); }
static inline uint32_t b8(uint32_t o) { return ld8(pF + o); }
static inline uint32_t b16(uint32_t o) { return bswap16(ld16(pF + o)); }
static inline uint32_t b24(uint32_t o) { return (b8(o) << 16) | b16(o + 1); }
static inline uint32_t b32(uint32_t o) { return __builtin_bswap32(ld32(pF + o)); }
static inline uint32_t getw(int i) { return ld32(pOut + ((uint32_t)i << 2)); }
static inline void setw(int i, uint32_t v) { st32(pOut + ((uint32_t)i << 2), v); }
static inline uint32_t lsget(int i) { return getw(pLs + i); }
static inline void lsset(int i, uint32_t v) { setw(pLs + i, v); }
static inline void lsflag(uint32_t f) { setw(pLs + LS_FLAGS, getw(pLs + LS_FLAGS) | f); }
static void cut(uint32_t code, int inner) { setw(PS_TRUNC, code | (inner ? (uint32_t)TR_INNER : 0)); }
static void bad(uint32_t code, int inner) {
  if (getw(PS_INVALID) == 0) setw(PS_INVALID, code | (inner ? (uint32_t)TR_INNER : 0));
}
static inline int isTpid(uint32_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200 || t == 0x9300; }

static int isVxlanPort(uint32_t port) {
  if (port == 4789) return 1;
  if (gTunnelPorts == 0) return 0;
  for (uint32_t i = 0; i < 16; i++) {
    const uint32_t p = ld16(gTunnelPorts + (i << 1));
    if (p == 0) return 0;
    if (p == port) return 1;
  }
  return 0;
}

static int ipv4(uint32_t off, int inner, uint32_t limit);
static int ipv6(uint32_t off, int inner, uint32_t limit);
static void l4(uint32_t off, uint32_t end, int inner);
static void tunnel(uint32_t payload, uint32_t endIn);
static void mpls(uint32_t off, uint32_t end, int inner);

static void layers(uint32_t at, uint32_t startKind, int inner, uint32_t limitIn) {
  pLs = inner ? PS_INNER : PS_OUTER;
  const uint32_t limit = umin(limitIn, pLen);
  uint32_t off = at;
  uint32_t kind = startKind == K_ETH ? K_OTHER : startKind;
  if (startKind == K_ETH) {
    if (!has(off, 14, limit)) { cut(TR_ETH, inner); return; }
    const uint32_t type = b16(off + 12);
    lsflag(LF_ETH);
    lsset(LS_ETH_OFF, off);
    lsset(LS_ETH_TYPE, type);
    off += 14;
    uint32_t et = type, n = 0;
    while (isTpid(et) && n < 8) {
      if (!has(off, 4, limit)) { cut(TR_VLAN, inner); return; }
      lsset(LS_VLANS + (int)n, (et << 16) | b16(off));
      n++;
      lsset(LS_NVLAN, n);
      et = b16(off + 2);
      off += 4;
    }
    lsflag(LF_ETHERTYPE);
    lsset(LS_ETHERTYPE, et);
    if (et == 0x0800) kind = K_V4;
    else if (et == 0x86dd) kind = K_V6;
    else if ((et == 0x8847 || et == 0x8848) && !inner) kind = K_MPLS;
    else return;
  }
  if (kind == K_MPLS) { mpls(off, limit, inner); return; }
  const int ok = kind == K_V4 ? ipv4(off, inner, limit) : ipv6(off, inner, limit);
  if (!ok) return;
  if ((lsget(LS_FLAGS) & LF_HDR_TRUNC) != 0) return;
  const int frag = (lsget(LS_FLAGS) & LF_FRAG) != 0;
  if (frag && lsget(LS_FRAG_OFF) != 0) return;
  const uint32_t pay = gPay, end = gEnd;
  l4(pay, end, inner);
  if (inner || frag) return;
  tunnel(pay, end);
}

static int ipv4(uint32_t off, int inner, uint32_t limit) {
  if (!has(off, 20, limit)) { cut(TR_IPV4, inner); return 0; }
  const uint32_t vihl = b8(off), ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 != 4 || ihl < 20) { bad(TR_IPV4, inner); return 0; }
  if (!has(off, ihl, limit)) {
    cut(TR_IPV4, inner);
    const uint32_t fr = b16(off + 6);
    lsflag(LF_L3 | LF_L3_TRUNC | LF_HDR_TRUNC | (((fr & 0x2000) != 0 || (fr & 0x1fff) != 0) ? LF_FRAG : 0));
    lsset(LS_L3, 4);
    lsset(LS_L3_OFF, off);
    lsset(LS_NEXT, b8(off + 9));
    lsset(LS_FRAG_OFF, fr & 0x1fff);
    gPay = limit;
    gEnd = limit;
    return 1;
  }
  const uint32_t total = b16(off + 2);
  if (total < ihl) { bad(TR_IPV4, inner); return 0; }
  const uint32_t fragw = b16(off + 6), fo = fragw & 0x1fff;
  const int fragment = (fragw & 0x2000) != 0 || fo != 0;
  lsflag(LF_L3 | (fragment ? LF_FRAG : 0));
  lsset(LS_L3, 4);
  lsset(LS_L3_OFF, off);
  lsset(LS_NEXT, b8(off + 9));
  lsset(LS_FRAG_OFF, fo);
  uint32_t end = off + total;
  if (end > limit) {
    end = limit;
    lsflag(LF_L3_TRUNC);
    cut(TR_IPV4, inner);
  }
  uint32_t payload = off + ihl;
  if (lsget(LS_NEXT) == 51 && !(fragment && fo != 0)) {
    if (!has(payload, 2, end)) { cut(TR_AH, inner); gPay = end; gEnd = end; return 1; }
    const uint32_t ahLen = (b8(payload + 1) + 2) * 4;
    if (!has(payload, ahLen, end)) { cut(TR_AH, inner); gPay = end; gEnd = end; return 1; }
    lsset(LS_NEXT, b8(payload));
    payload += ahLen;
  }
  gPay = payload;
  gEnd = end;
  return 1;
}

static int extCut(uint32_t next, uint32_t end, int inner) {
  cut(TR_IPV6_EXT, inner);
  lsset(LS_NEXT, next);
  gPay = end;
  gEnd = end;
  return 1;
}

static void homeAddress(uint32_t start, uint32_t end) {
  uint32_t p = start;
  while (has(p, 1, end)) {
    const uint32_t type = b8(p);
    if (type == 0) { p += 1; continue; }
    if (!has(p, 2, end)) return;
    const uint32_t len = b8(p + 1);
    if (!has(p + 2, len, end)) return;
    if (type == 0xc9 && len == 16) {
      lsflag(LF_HOME);
      lsset(LS_HOME, p + 2);
    }
    p += 2 + len;
  }
}

static int ipv6(uint32_t off, int inner, uint32_t limit) {
  if (!has(off, 40, limit)) { cut(TR_IPV6, inner); return 0; }
  if (b8(off) >> 4 != 6) { bad(TR_IPV6, inner); return 0; }
  const uint32_t plen = b16(off + 4);
  uint32_t next = b8(off + 6);
  lsflag(LF_L3);
  lsset(LS_L3, 6);
  lsset(LS_L3_OFF, off);
  lsset(LS_NEXT, next);
  lsset(LS_FRAG_OFF, 0);
  uint32_t end = plen == 0 && next == 0 ? limit : off + 40 + plen;
  if (end > limit) {
    end = limit;
    lsflag(LF_L3_TRUNC);
    cut(TR_IPV6, inner);
  }
  uint32_t p = off + 40;
  for (int n = 0; n < 8; n++) {
    if (next == 0 || next == 43 || next == 60 || next == 135) {
      if (!has(p, 2, end)) return extCut(next, end, inner);
      const uint32_t len = (b8(p + 1) + 1) * 8;
      if (!has(p, len, end)) return extCut(next, end, inner);
      if (next == 43 && b8(p + 2) == 2 && b8(p + 3) == 1 && len >= 24) {
        lsflag(LF_RT2);
        lsset(LS_RT2, p + 8);
      }
      if (next == 60) homeAddress(p + 2, p + len);
      next = b8(p);
      p += len;
    } else if (next == 44) {
      if (!has(p, 8, end)) return extCut(next, end, inner);
      lsflag(LF_FRAG);
      lsset(LS_FRAG_OFF, b16(p + 2) >> 3);
      next = b8(p);
      p += 8;
    } else if (next == 51) {
      if (!has(p, 2, end)) return extCut(next, end, inner);
      const uint32_t len = (b8(p + 1) + 2) * 4;
      if (!has(p, len, end)) return extCut(next, end, inner);
      next = b8(p);
      p += len;
    } else {
      break;
    }
  }
  lsset(LS_NEXT, next);
  gPay = p;
  gEnd = end;
  return 1;
}

static int ports(uint32_t kind, uint32_t off, uint32_t end, uint32_t fixed, uint32_t name, int inner) {
  lsflag(LF_L4);
  lsset(LS_L4, kind);
  lsset(LS_L4_OFF, off);
  if (has(off, 4, end)) {
    lsflag(LF_PORTS);
    lsset(LS_PORTS, (b16(off) << 16) | b16(off + 2));
  }
  const uint32_t avail = end > off ? end - off : 0;
  const int complete = avail >= fixed;
  if (complete) lsflag(LF_COMPLETE);
  else cut(name, inner);
  return complete;
}

static void simpleL4(uint32_t kind, uint32_t off, int complete) {
  lsflag(LF_L4 | (complete ? LF_COMPLETE : 0));
  lsset(LS_L4, kind);
  lsset(LS_L4_OFF, off);
}

static void l4(uint32_t off, uint32_t end, int inner) {
  const uint32_t avail = end > off ? end - off : 0;
  const uint32_t next = lsget(LS_NEXT);
  if (next == 6) {
    if (ports(L4_TCP, off, end, 20, TR_TCP, inner)) {
      const uint32_t hl = (b8(off + 12) >> 4) * 4;
      if (hl < 20) {
        lsset(LS_FLAGS, lsget(LS_FLAGS) & ~(uint32_t)LF_COMPLETE);
        bad(TR_TCP, inner);
      } else if (!has(off, hl, end)) {
        cut(TR_TCP, inner);
      }
    }
  } else if (next == 17) {
    ports(L4_UDP, off, end, 8, TR_UDP, inner);
  } else if (next == 132) {
    ports(L4_SCTP, off, end, 12, TR_SCTP, inner);
  } else if (next == 1 || next == 58) {
    if (avail < 4) cut(next == 1 ? TR_ICMP : TR_ICMPV6, inner);
    simpleL4(next == 1 ? L4_ICMP : L4_ICMPV6, off, avail >= 4);
  } else if (next == 47) {
    simpleL4(L4_GRE, off, avail >= 4);
  } else if (next == 50) {
    simpleL4(L4_ESP, off, avail >= 8);
  }
}

static inline void setTunnel(uint32_t type, uint32_t innerOff) { setw(PS_TUN, type); setw(PS_TUN_OFF, innerOff); }
static inline void setTunnelId(uint32_t id) { setw(PS_TUN_ID, id); setw(PS_TUN_FLAGS, getw(PS_TUN_FLAGS) | TF_ID); }
static inline void innerAt(uint32_t at, uint32_t kind, uint32_t end) { gIAt = at; gIKind = kind; gIEnd = end; }
static void byProtocol(uint32_t protocol, uint32_t at, uint32_t end) {
  if (protocol == 0x6558) innerAt(at, K_ETH, end);
  else if (protocol == 0x0800) innerAt(at, K_V4, end);
  else if (protocol == 0x86dd) innerAt(at, K_V6, end);
}
static void byNibble(uint32_t nibble, uint32_t at, uint32_t end) {
  if (nibble == 4) innerAt(at, K_V4, end);
  else if (nibble == 6) innerAt(at, K_V6, end);
}

static void vxlan(uint32_t off, uint32_t end) {
  if (!has(off, 8, end)) { cut(TR_VXLAN, 0); return; }
  setTunnel(TUN_VXLAN, off + 8);
  setTunnelId(b24(off + 4));
  innerAt(off + 8, K_ETH, end);
}

/* VXLAN-GPE: version 0 only; the payload is entered when P is set and it is IPv4/IPv6/Ethernet. */
static void vxlanGpe(uint32_t off, uint32_t end) {
  if (!has(off, 8, end)) { cut(TR_VXLAN_GPE, 0); return; }
  const uint32_t flags = b8(off);
  if (((flags >> 4) & 0x3) != 0) { bad(TR_VXLAN_GPE, 0); return; }
  const uint32_t next = b8(off + 3);
  setTunnel(TUN_VXLAN_GPE, off + 8);
  setTunnelId(b24(off + 4));
  setw(PS_TUN_GPE, (flags << 8) | next);
  if ((flags & 0x04) == 0) return;
  setw(PS_TUN_FLAGS, getw(PS_TUN_FLAGS) | TF_GPE_NEXT);
  if (next == 3) innerAt(off + 8, K_ETH, end);
  else if (next == 1) innerAt(off + 8, K_V4, end);
  else if (next == 2) innerAt(off + 8, K_V6, end);
}

static void geneve(uint32_t off, uint32_t end) {
  if (!has(off, 8, end)) { cut(TR_GENEVE, 0); return; }
  if (b8(off) >> 6 != 0) { bad(TR_GENEVE, 0); return; }
  const uint32_t hlen = 8 + (b8(off) & 0x3f) * 4;
  setTunnel(TUN_GENEVE, off + hlen);
  setTunnelId(b24(off + 4));
  if (!has(off, hlen, end)) {
    cut(TR_GENEVE, 0);
    setw(PS_TUN_OFF, end);
    return;
  }
  byProtocol(b16(off + 2), off + hlen, end);
}

static void gre(uint32_t off, uint32_t end) {
  if (!has(off, 4, end)) { cut(TR_GRE, 0); return; }
  const uint32_t flags = b16(off);
  if ((flags & 0x7) != 0 || (flags & 0x4000) != 0) return;
  const int hasC = (flags & 0x8000) != 0, hasK = (flags & 0x2000) != 0, hasS = (flags & 0x1000) != 0;
  const uint32_t hlen = 4 + (hasC ? 4 : 0) + (hasK ? 4 : 0) + (hasS ? 4 : 0);
  const uint32_t protocol = b16(off + 2);
  if (!has(off, hlen, end)) {
    cut(TR_GRE, 0);
    setTunnel(TUN_GRE, end);
    return;
  }
  const int nvgre = protocol == 0x6558 && hasK;
  setTunnel(nvgre ? TUN_NVGRE : TUN_GRE, off + hlen);
  if (hasK) {
    const uint32_t key = b32(off + 4 + (hasC ? 4 : 0));
    setTunnelId(nvgre ? key >> 8 : key);
  }
  byProtocol(protocol, off + hlen, end);
}

static void gtpu(uint32_t off, uint32_t end) {
  if (!has(off, 8, end)) { cut(TR_GTPU, 0); return; }
  const uint32_t flags = b8(off);
  if (flags >> 5 != 1 || (flags & 0x10) == 0) { bad(TR_GTPU, 0); return; }
  const uint32_t msgType = b8(off + 1);
  setTunnel(TUN_GTPU, off + 8);
  setTunnelId(b32(off + 4));
  uint32_t p = off + 8;
  if (flags & 0x07) {
    if (!has(off, 12, end)) { cut(TR_GTPU, 0); return; }
    uint32_t nextExt = b8(off + 11);
    p = off + 12;
    int n = 0;
    while ((flags & 0x04) != 0 && nextExt != 0) {
      if (n++ >= 8) return;
      if (!has(p, 1, end)) { cut(TR_GTPU, 0); return; }
      const uint32_t len = b8(p) * 4;
      if (len == 0) { bad(TR_GTPU, 0); return; }
      if (!has(p, len, end)) { cut(TR_GTPU, 0); return; }
      nextExt = b8(p + len - 1);
      p += len;
    }
  }
  setw(PS_TUN_OFF, p);
  if (msgType != 0xff || !has(p, 1, end)) return;
  byNibble(b8(p) >> 4, p, end);
}

static void mpls(uint32_t off, uint32_t end, int inner) {
  uint32_t labels = 0, p = off;
  for (;;) {
    if (labels >= 8) { setTunnel(TUN_MPLS, p); setw(PS_NLABEL, labels); return; }
    if (!has(p, 4, end)) {
      cut(TR_MPLS, inner);
      if (labels > 0) { setTunnel(TUN_MPLS, p); setw(PS_NLABEL, labels); }
      return;
    }
    const uint32_t w = b32(p);
    setw(PS_LABELS + (int)labels, w >> 12);
    labels++;
    p += 4;
    if (w & 0x100) break;
  }
  setTunnel(TUN_MPLS, p);
  setw(PS_NLABEL, labels);
  if (!has(p, 1, end)) return;
  byNibble(b8(p) >> 4, p, end);
}

static void tunnel(uint32_t payload, uint32_t endIn) {
  uint32_t end = endIn;
  const uint32_t next = lsget(LS_NEXT);
  if (next == 4 || next == 41) {
    setTunnel(TUN_IPIP, payload);
    innerAt(payload, next == 4 ? K_V4 : K_V6, end);
    return;
  }
  const uint32_t f = lsget(LS_FLAGS);
  if ((f & LF_L4) == 0) return;
  const uint32_t kind = lsget(LS_L4);
  if (kind == L4_GRE) { gre(payload, end); return; }
  if (kind != L4_UDP || (f & LF_COMPLETE) == 0) return;
  const uint32_t l4off = lsget(LS_L4_OFF), body = l4off + 8, dport = lsget(LS_PORTS) & 0xffff;
  const uint32_t udpLen = b16(l4off + 4);
  if (udpLen < 8) { bad(TR_UDP, 0); return; }
  if (l4off + udpLen > end) cut(TR_UDP, 0);
  else end = l4off + udpLen;
  if (isVxlanPort(dport)) vxlan(body, end);
  else if (dport == 4790) vxlanGpe(body, end);
  else if (dport == 6081) geneve(body, end);
  else if (dport == 2152) gtpu(body, end);
  else if (dport == 6635) mpls(body, end, 0);
}

static uint32_t parse(uint32_t frame, uint32_t len, uint32_t out) {
  memset(M + out, 0, PARSE_BYTES);
  pF = frame;
  pLen = len;
  pOut = out;
  gIKind = K_NONE;
  setw(PS_LEN, len);
  layers(0, K_ETH, 0, len);
  if (getw(PS_TUN) != TUN_NONE && gIKind != K_NONE) {
    setw(PS_TUN_FLAGS, getw(PS_TUN_FLAGS) | TF_INNER);
    layers(gIAt, gIKind, 1, gIEnd);
  }
  return getw(PS_TRUNC);
}

/* ---- rss.ts / toeplitz.ts -------------------------------------------------------------------- */
static uint32_t gRssHash;

static inline uint32_t tzb(uint32_t table, uint32_t pos, uint32_t b) { return ld32(table + (pos << 10) + (b << 2)); }
static inline uint32_t tzw(uint32_t table, uint32_t pos, uint32_t w) {
  return tzb(table, pos, w & 0xff) ^ tzb(table, pos + 1, (w >> 8) & 0xff) ^ tzb(table, pos + 2, (w >> 16) & 0xff) ^
         tzb(table, pos + 3, w >> 24);
}
static inline uint32_t hashV4(uint32_t table, uint32_t addrs, uint32_t portsAt) {
  uint32_t h = tzw(table, 0, ld32(addrs)) ^ tzw(table, 4, ld32(addrs + 4));
  if (portsAt) h ^= tzw(table, 8, ld32(portsAt));
  return h;
}
static uint32_t hashV6(uint32_t table, uint32_t src, uint32_t dst, uint32_t portsAt) {
  uint32_t h = 0;
  for (uint32_t i = 0; i < 16; i += 4) h ^= tzw(table, i, ld32(src + i));
  for (uint32_t i = 0; i < 16; i += 4) h ^= tzw(table, 16 + i, ld32(dst + i));
  if (portsAt) h ^= tzw(table, 32, ld32(portsAt));
  return h;
}

static inline uint32_t w(uint32_t rec, int i) { return ld32(rec + ((uint32_t)i << 2)); }

static inline int ipTruncated(uint32_t rec, int ls) {
  const uint32_t f = w(rec, ls + LS_FLAGS);
  if ((f & LF_L3) == 0) return 0;
  if ((f & (LF_L3_TRUNC | LF_HDR_TRUNC)) != 0) return 1;
  const uint32_t t = w(rec, PS_TRUNC) ^ (ls == PS_INNER ? (uint32_t)TR_INNER : 0);
  return t == (uint32_t)TR_IPV6_EXT || t == (uint32_t)TR_AH;
}

static uint32_t rssLayers(uint32_t rec, int ls, uint32_t frame, uint32_t table, uint32_t enabled) {
  gRssHash = 0;
  const uint32_t f = w(rec, ls + LS_FLAGS);
  if ((f & LF_L3) == 0 || (f & (LF_HDR_TRUNC | LF_L3_TRUNC)) != 0) return RSS_NONE;
  const int l4ok = (f & (LF_L4 | LF_COMPLETE | LF_PORTS)) == (LF_L4 | LF_COMPLETE | LF_PORTS) && (f & LF_FRAG) == 0;
  const uint32_t kind = w(rec, ls + LS_L4);
  const int isTcp = l4ok && kind == L4_TCP, isUdp = l4ok && kind == L4_UDP;
  const uint32_t l3 = frame + w(rec, ls + LS_L3_OFF);
  const uint32_t portsAt = frame + w(rec, ls + LS_L4_OFF);
  if (w(rec, ls + LS_L3) == 4) {
    if (isTcp && (enabled & RT_TCP4)) { gRssHash = hashV4(table, l3 + 12, portsAt); return RSS_TCP4; }
    if (isUdp && (enabled & RT_UDP4)) { gRssHash = hashV4(table, l3 + 12, portsAt); return RSS_UDP4; }
    if (enabled & RT_IPV4) { gRssHash = hashV4(table, l3 + 12, 0); return RSS_IPV4; }
    return RSS_NONE;
  }
  const uint32_t src = l3 + 8, dst = l3 + 24;
  const int hasEx = (f & (LF_HOME | LF_RT2)) != 0;
  const uint32_t exSrc = (f & LF_HOME) ? frame + w(rec, ls + LS_HOME) : src;
  const uint32_t exDst = (f & LF_RT2) ? frame + w(rec, ls + LS_RT2) : dst;
  if (isTcp) {
    if (hasEx && (enabled & RT_TCP6_EX)) { gRssHash = hashV6(table, exSrc, exDst, portsAt); return RSS_TCP6_EX; }
    if (enabled & RT_TCP6) { gRssHash = hashV6(table, src, dst, portsAt); return RSS_TCP6; }
    if (enabled & RT_TCP6_EX) { gRssHash = hashV6(table, src, dst, portsAt); return RSS_TCP6_EX; }
  }
  if (isUdp) {
    if (hasEx && (enabled & RT_UDP6_EX)) { gRssHash = hashV6(table, exSrc, exDst, portsAt); return RSS_UDP6_EX; }
    if (enabled & RT_UDP6) { gRssHash = hashV6(table, src, dst, portsAt); return RSS_UDP6; }
    if (enabled & RT_UDP6_EX) { gRssHash = hashV6(table, src, dst, portsAt); return RSS_UDP6_EX; }
  }
  if (hasEx && (enabled & RT_IPV6_EX)) { gRssHash = hashV6(table, exSrc, exDst, 0); return RSS_IPV6_EX; }
  if (enabled & RT_IPV6) { gRssHash = hashV6(table, src, dst, 0); return RSS_IPV6; }
  if (enabled & RT_IPV6_EX) { gRssHash = hashV6(table, src, dst, 0); return RSS_IPV6_EX; }
  return RSS_NONE;
}

static uint32_t rssSummary(uint32_t rec, uint32_t frame, uint32_t table, uint32_t enabled, int inner) {
  if (ipTruncated(rec, PS_OUTER)) { gRssHash = 0; return RSS_NONE; }
  if (inner && w(rec, PS_TUN) != 0 && (w(rec, PS_TUN_FLAGS) & TF_INNER) != 0 && !ipTruncated(rec, PS_INNER)) {
    const uint32_t t = rssLayers(rec, PS_INNER, frame, table, enabled);
    if (t != RSS_NONE) return t;
  }
  return rssLayers(rec, PS_OUTER, frame, table, enabled);
}

static void parseRss(uint32_t rec, uint32_t frame, uint32_t table, uint32_t enabled) {
  rssSummary(rec, frame, table, enabled, 0);
  st32(rec + ((uint32_t)PS_RSS_OUTER << 2), gRssHash);
  rssSummary(rec, frame, table, enabled, 1);
  st32(rec + ((uint32_t)PS_RSS_INNER << 2), gRssHash);
}

/* ---- rss.ts parseBurst, the bench's iteration -------------------------------------------------- */
static uint32_t pBase, pStride, pLens, pCount, pRec, pTable, pEnabled;
static volatile uint32_t sink;

static uint32_t parseBurst(void) {
  uint32_t x = 0;
  for (uint32_t i = 0; i < pCount; i++) {
    const uint32_t f = pBase + i * pStride;
    x ^= parse(f, ld16(pLens + (i << 1)), pRec);
    if (pTable != 0) {
      parseRss(pRec, f, pTable, pEnabled);
      x ^= ld32(pRec + ((uint32_t)PS_RSS_INNER << 2));
    }
  }
  return x;
}
static void iteration(void) { sink ^= parseBurst(); }

int main(int argc, char **argv) {
  if (argc < 2) die("usage: parser IMAGE [rounds] [round_ms]");
  const int rounds = argc > 2 ? atoi(argv[2]) : 7;
  const double round_s = (argc > 3 ? atof(argv[3]) : 100) / 1000;
  load_image(argv[1]);
  if (NP < 8) die("missing parameters");
  mem_init(P[0]);
  pBase = P[1], pStride = P[2], pLens = P[3], pCount = P[4], pRec = P[5], pTable = P[6], pEnabled = P[7];
  uint32_t sum = FNV_INIT;
  for (uint32_t i = 0; i < pCount; i++) {
    const uint32_t f = pBase + i * pStride;
    parse(f, ld16(pLens + (i << 1)), pRec);
    parseRss(pRec, f, pTable, pEnabled);
    sum = fnv1a(sum, pRec, PARSE_BYTES);
  }
  const uint32_t x = parseBurst();
  const struct rates r = measure_rates(iteration, pCount, rounds, round_s);
  printf("{\"checksum\":%u,\"xor\":%u,\"rate\":%.0f,\"best\":%.0f,\"cpuRate\":%.0f}\n", sum, x, r.median, r.best,
         r.cpu_median);
  return 0;
}
