// The reference frame parser: data-plane spec §7 written out as plain TypeScript.
//
// Rules it follows (spec §7.5): every read is bounds-checked first (FrameReader); the deepest
// header cut short is named in `truncated` (outer layers by name, e.g. "ipv4"; layers inside a
// tunnel as "inner-ipv4"; an IP length past the frame end counts as a cut of that IP layer); a header that fails a sanity check is named in `invalid`; neither ever throws.
// Length fields are trusted only up to the bytes actually present. Loops are bounded: at most
// 8 VLAN tags, 8 IPv6 extension headers, 8 MPLS labels, 8 GTP-U extension headers. One level
// of tunnel is decoded (outer + inner); a tunnel inside an IP fragment is not looked at.
import type { L3Info, L4Info, ParsedFrame, ParsedLayers, TunnelInfo } from "./parsed.ts";
import { FrameReader } from "./reader.ts";
import { DEFAULT_RSS, rssHash } from "./rss.ts";

export interface ParseOptions {
  /** UDP destination ports decoded as VXLAN in addition to 4789 (e.g. Linux's 8472). */
  vxlanPorts?: number[];
}

export const VXLAN_PORT = 4789;
/** VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe-13, still an Internet-Draft; IANA udp 4790, tshark's default). */
export const VXLAN_GPE_PORT = 4790;
/** VXLAN-GPE Next Protocol values (the draft's IANA registry; DPDK RTE_VXLAN_GPE_TYPE_*). */
export const GPE_IPV4 = 0x01;
export const GPE_IPV6 = 0x02;
export const GPE_ETHERNET = 0x03;
export const GPE_NSH = 0x04;
export const GENEVE_PORT = 6081;
export const GTPU_PORT = 2152;
export const MPLS_UDP_PORT = 6635;

export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_MPLS_UC = 0x8847;
export const ETH_MPLS_MC = 0x8848;
export const ETH_TEB = 0x6558; // transparent Ethernet bridging (NVGRE, GENEVE)
export const VLAN_TPIDS: readonly number[] = [0x8100, 0x88a8, 0x9100, 0x9200, 0x9300];

const MAX_VLAN_TAGS = 8;
const MAX_IPV6_EXT = 8;
const MAX_MPLS_LABELS = 8;
const MAX_GTPU_EXT = 8;

const IPPROTO_ICMP = 1;
const IPPROTO_IPIP = 4;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;
const IPPROTO_ESP = 50;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;
const IPV6_HBH = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_DSTOPTS = 60;
const IPV6_MOBILITY = 135;

/** Where an encapsulated packet starts, what it starts with, and where its carrier ends. */
type InnerStart = { at: number; kind: "eth" | "ipv4" | "ipv6"; end?: number };

class Parser {
  readonly r: FrameReader;
  readonly vxlanPorts: Set<number>;
  truncated?: string;
  invalid?: string;
  constructor(bytes: Uint8Array, opts: ParseOptions) {
    this.r = new FrameReader(bytes);
    this.vxlanPorts = new Set([VXLAN_PORT, ...(opts.vxlanPorts ?? [])]);
  }

  /**
   * Records a layer that was cut short. The deepest one wins: in a capture cut by a snaplen the
   * outer IP length always overruns the frame, but the useful fact is which header was cut.
   */
  cut(layer: string, inner: boolean): void {
    this.truncated = inner ? `inner-${layer}` : layer;
  }
  bad(layer: string, inner: boolean): void {
    this.invalid ??= inner ? `inner-${layer}` : layer;
  }
  /** Whether `len` bytes at `off` lie before `end`; if not, records `layer` as cut short. */
  fits(off: number, len: number, end: number, layer: string, inner: boolean): boolean {
    if (this.r.has(off, len, end)) return true;
    this.cut(layer, inner);
    return false;
  }

  /**
   * Parses one layer set starting at `start`. For the outer packet (`inner` false) it also
   * recognises a tunnel and returns where the encapsulated packet starts.
   */
  layers(
    start: InnerStart,
    inner: boolean,
  ): { layers: ParsedLayers; tunnel?: TunnelInfo; innerStart?: InnerStart } {
    const layers: ParsedLayers = { vlans: [] };
    // An encapsulated packet ends where its carrier ends (bytes after it are padding).
    const limit = Math.min(start.end ?? this.r.len, this.r.len);
    let off = start.at;
    let kind: "ipv4" | "ipv6" | "mpls" | "other" = start.kind === "eth" ? "other" : start.kind;
    if (start.kind === "eth") {
      const r = this.r;
      if (!this.fits(off, 14, limit, "eth", inner)) return { layers };
      const type = r.u16(off + 12);
      layers.eth = { dst: r.mac(off), src: r.mac(off + 6), type, offset: off };
      off += 14;
      let etherType = type;
      // VLAN tags, outermost first, bounded (spec §7.2).
      while (VLAN_TPIDS.includes(etherType) && layers.vlans.length < MAX_VLAN_TAGS) {
        if (!this.fits(off, 4, limit, "vlan", inner)) return { layers };
        const tci = r.u16(off);
        layers.vlans.push({ tpid: etherType, pcp: tci >> 13, dei: (tci >> 12) & 1, vid: tci & 0xfff });
        etherType = r.u16(off + 2);
        off += 4;
      }
      layers.etherType = etherType;
      if (etherType === ETH_IPV4) kind = "ipv4";
      else if (etherType === ETH_IPV6) kind = "ipv6";
      else if ((etherType === ETH_MPLS_UC || etherType === ETH_MPLS_MC) && !inner) kind = "mpls";
      else return { layers }; // ARP, LLDP, 802.3 length (≤ 0x05DC), ...: not IP
    }
    if (kind === "mpls") {
      const m = this.mpls(off, limit, inner);
      return m ? { layers, ...m } : { layers };
    }
    const ip = kind === "ipv4" ? this.ipv4(off, inner, limit) : this.ipv6(off, inner, limit);
    if (!ip) return { layers };
    layers.l3 = ip.l3;
    if (ip.l3.headerTruncated) return { layers };
    // Non-first fragments carry no L4 header (spec §7.3).
    if (ip.l3.fragment && (ip.l3.fragOffset ?? 0) !== 0) return { layers };
    const l4 = this.l4(ip.l3, ip.payload, ip.end, inner);
    if (l4.l4) layers.l4 = l4.l4;
    // Tunnels are decoded only in the outer packet and never inside a fragment.
    if (inner || ip.l3.fragment) return { layers };
    const t = this.tunnel(ip.l3, layers.l4, ip.payload, ip.end);
    return t ? { layers, ...t } : { layers };
  }

  ipv4(off: number, inner: boolean, limit: number): { l3: L3Info; payload: number; end: number } | undefined {
    const r = this.r;
    if (!this.fits(off, 20, limit, "ipv4", inner)) return undefined;
    const vihl = r.u8(off);
    const ihl = (vihl & 0x0f) * 4;
    if (vihl >> 4 !== 4 || ihl < 20) {
      this.bad("ipv4", inner);
      return undefined;
    }
    if (!r.has(off, ihl, limit)) {
      // Options cut short: the addresses are known, nothing behind them is (and RSS gives 0).
      this.cut("ipv4", inner);
      const frag = r.u16(off + 6);
      const l3: L3Info = {
        proto: "ipv4",
        offset: off,
        src: r.ipv4(off + 12),
        dst: r.ipv4(off + 16),
        fragment: (frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0,
        nextProto: r.u8(off + 9),
        fragOffset: frag & 0x1fff,
        truncated: true,
        headerTruncated: true,
      };
      return { l3, payload: limit, end: limit };
    }
    const totalLen = r.u16(off + 2);
    if (totalLen < ihl) {
      this.bad("ipv4", inner);
      return undefined;
    }
    const frag = r.u16(off + 6);
    const fragOffset = frag & 0x1fff;
    const l3: L3Info = {
      proto: "ipv4",
      offset: off,
      src: r.ipv4(off + 12),
      dst: r.ipv4(off + 16),
      fragment: (frag & 0x2000) !== 0 || fragOffset !== 0,
      nextProto: r.u8(off + 9),
      fragOffset,
    };
    // Bytes past the total length are Ethernet padding; a total length past the frame is a cut.
    let end = off + totalLen;
    if (end > limit) {
      end = limit;
      l3.truncated = true;
      this.cut("ipv4", inner);
    }
    let payload = off + ihl;
    // An AH in IPv4 is skipped like in IPv6 (length in 4-byte units + 2).
    if (l3.nextProto === IPPROTO_AH && !(l3.fragment && fragOffset !== 0)) {
      if (!this.fits(payload, 2, end, "ah", inner)) return { l3, payload: end, end };
      const ahLen = (r.u8(payload + 1) + 2) * 4;
      if (!this.fits(payload, ahLen, end, "ah", inner)) return { l3, payload: end, end };
      l3.nextProto = r.u8(payload);
      payload += ahLen;
    }
    return { l3, payload, end };
  }

  ipv6(off: number, inner: boolean, limit: number): { l3: L3Info; payload: number; end: number } | undefined {
    const r = this.r;
    if (!this.fits(off, 40, limit, "ipv6", inner)) return undefined;
    if (r.u8(off) >> 4 !== 6) {
      this.bad("ipv6", inner);
      return undefined;
    }
    const payloadLen = r.u16(off + 4);
    let next = r.u8(off + 6);
    const l3: L3Info = {
      proto: "ipv6",
      offset: off,
      src: r.ipv6(off + 8),
      dst: r.ipv6(off + 24),
      fragment: false,
      nextProto: next,
      fragOffset: 0,
    };
    // Payload length 0 with a Hop-by-Hop header is a jumbogram: the frame decides the end.
    let end = payloadLen === 0 && next === IPV6_HBH ? limit : off + 40 + payloadLen;
    if (end > limit) {
      end = limit;
      l3.truncated = true;
      this.cut("ipv6", inner);
    }
    let p = off + 40;
    // Extension headers with their own length rules (spec §7.4), bounded walk.
    for (let n = 0; n < MAX_IPV6_EXT; n++) {
      if (next === IPV6_HBH || next === IPV6_ROUTING || next === IPV6_DSTOPTS || next === IPV6_MOBILITY) {
        if (!r.has(p, 2, end)) return this.extCut(l3, next, end, inner);
        const len = (r.u8(p + 1) + 1) * 8;
        if (!r.has(p, len, end)) return this.extCut(l3, next, end, inner);
        if (next === IPV6_ROUTING && r.u8(p + 2) === 2 && r.u8(p + 3) === 1 && len >= 24)
          l3.rt2DstOffset = p + 8;
        if (next === IPV6_DSTOPTS) this.homeAddress(l3, p + 2, p + len);
        next = r.u8(p);
        p += len;
      } else if (next === IPV6_FRAGMENT) {
        if (!r.has(p, 8, end)) return this.extCut(l3, next, end, inner);
        l3.fragment = true;
        l3.fragOffset = r.u16(p + 2) >> 3;
        next = r.u8(p);
        p += 8;
      } else if (next === IPPROTO_AH) {
        if (!r.has(p, 2, end)) return this.extCut(l3, next, end, inner);
        const len = (r.u8(p + 1) + 2) * 4; // AH counts 4-byte units (RFC 4302)
        if (!r.has(p, len, end)) return this.extCut(l3, next, end, inner);
        next = r.u8(p);
        p += len;
      } else {
        break; // ESP (50), No Next Header (59), or an upper-layer protocol
      }
    }
    l3.nextProto = next;
    return { l3, payload: p, end };
  }

  private extCut(l3: L3Info, next: number, end: number, inner: boolean) {
    this.cut("ipv6-ext", inner);
    l3.nextProto = next;
    return { l3, payload: end, end };
  }

  /** Finds a Home Address option (type 0xC9, 16 bytes) in a Destination Options header. */
  private homeAddress(l3: L3Info, start: number, end: number): void {
    const r = this.r;
    let p = start;
    while (r.has(p, 1, end)) {
      const type = r.u8(p);
      if (type === 0) {
        p += 1; // Pad1
        continue;
      }
      if (!r.has(p, 2, end)) return;
      const len = r.u8(p + 1);
      if (!r.has(p + 2, len, end)) return;
      if (type === 0xc9 && len === 16) l3.homeAddrOffset = p + 2;
      p += 2 + len;
    }
  }

  l4(l3: L3Info, off: number, end: number, inner: boolean): { l4?: L4Info } {
    const r = this.r;
    const avail = Math.max(0, end - off);
    const ports = (info: L4Info, fixed: number, name: string) => {
      if (r.has(off, 4, end)) {
        info.sport = r.u16(off);
        info.dport = r.u16(off + 2);
      }
      info.complete = avail >= fixed;
      if (!info.complete) this.cut(name, inner);
      return { l4: info };
    };
    switch (l3.nextProto) {
      case IPPROTO_TCP: {
        const out = ports({ proto: "tcp", offset: off }, 20, "tcp");
        if (out.l4.complete) {
          const hl = (r.u8(off + 12) >> 4) * 4;
          if (hl < 20) {
            out.l4.complete = false; // data offset < 5 (spec §7.3)
            this.bad("tcp", inner);
          } else if (!r.has(off, hl, end)) this.cut("tcp", inner);
        }
        return out;
      }
      case IPPROTO_UDP:
        return ports({ proto: "udp", offset: off }, 8, "udp");
      case IPPROTO_SCTP:
        return ports({ proto: "sctp", offset: off }, 12, "sctp");
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6: {
        const name = l3.nextProto === IPPROTO_ICMP ? "icmp" : "icmpv6";
        if (avail < 4) this.cut(name, inner);
        return { l4: { proto: name, offset: off, complete: avail >= 4 } };
      }
      case IPPROTO_GRE:
        return { l4: { proto: "gre", offset: off, complete: avail >= 4 } };
      case IPPROTO_ESP:
        return { l4: { proto: "esp", offset: off, complete: avail >= 8 } };
      default:
        return {}; // IP-in-IP, No Next Header, IGMP, OSPF, ...: no transport header we decode
    }
  }

  /** Recognises a tunnel carried by the outer packet (spec §4.7 constants). */
  tunnel(
    l3: L3Info,
    l4: L4Info | undefined,
    payload: number,
    end: number,
  ): { tunnel: TunnelInfo; innerStart?: InnerStart } | undefined {
    if (l3.nextProto === IPPROTO_IPIP || l3.nextProto === IPPROTO_IPV6) {
      const kind = l3.nextProto === IPPROTO_IPIP ? "ipv4" : "ipv6";
      return { tunnel: { type: "ipip", innerOffset: payload }, innerStart: { at: payload, kind, end } };
    }
    if (l4?.proto === "gre") return this.gre(payload, end);
    if (l4?.proto !== "udp" || !l4.complete) return undefined;
    const body = l4.offset + 8;
    const dport = l4.dport!;
    // The UDP length bounds the tunnel payload; a length past the packet is a cut, < 8 is bad.
    const udpLen = this.r.u16(l4.offset + 4);
    if (udpLen < 8) {
      this.bad("udp", false);
      return undefined;
    }
    if (l4.offset + udpLen > end) this.cut("udp", false);
    else end = l4.offset + udpLen;
    // A port the user named as VXLAN (--vxlan-port) is VXLAN, 4790 included.
    if (this.vxlanPorts.has(dport)) return this.vxlan(body, end);
    if (dport === VXLAN_GPE_PORT) return this.vxlanGpe(body, end);
    if (dport === GENEVE_PORT) return this.geneve(body, end);
    if (dport === GTPU_PORT) return this.gtpu(body, end);
    if (dport === MPLS_UDP_PORT) return this.mpls(body, end, false);
    return undefined;
  }

  vxlan(off: number, end: number) {
    if (!this.fits(off, 8, end, "vxlan", false)) return undefined;
    const tunnel: TunnelInfo = { type: "vxlan", id: this.r.u24(off + 4), innerOffset: off + 8 };
    return { tunnel, innerStart: { at: off + 8, kind: "eth" as const, end } };
  }

  /**
   * VXLAN-GPE: flags R R Ver(2) I P B O, 16 reserved bits, Next Protocol, VNI, 8 reserved bits.
   * A version other than 0 is not decoded (the draft: a receiver MUST drop it, as Linux does).
   * The payload is decoded only when the P bit says the Next Protocol field is present and
   * names IPv4, IPv6 or Ethernet; NSH (0x4) and others are reported, not entered.
   */
  vxlanGpe(off: number, end: number) {
    const r = this.r;
    if (!this.fits(off, 8, end, "vxlan-gpe", false)) return undefined;
    const flags = r.u8(off);
    if ((flags >> 4) & 0x3) {
      this.bad("vxlan-gpe", false);
      return undefined;
    }
    const hasNext = (flags & 0x04) !== 0;
    const next = r.u8(off + 3);
    const tunnel: TunnelInfo = {
      type: "vxlan-gpe",
      id: r.u24(off + 4),
      gpe: hasNext ? { flags, nextProtocol: next } : { flags },
      innerOffset: off + 8,
    };
    if (!hasNext) return { tunnel };
    const at = off + 8;
    if (next === GPE_ETHERNET) return { tunnel, innerStart: { at, kind: "eth" as const, end } };
    if (next === GPE_IPV4) return { tunnel, innerStart: { at, kind: "ipv4" as const, end } };
    if (next === GPE_IPV6) return { tunnel, innerStart: { at, kind: "ipv6" as const, end } };
    return { tunnel };
  }

  geneve(off: number, end: number) {
    const r = this.r;
    if (!this.fits(off, 8, end, "geneve", false)) return undefined;
    if (r.u8(off) >> 6 !== 0) {
      this.bad("geneve", false); // only version 0 is defined
      return undefined;
    }
    const hlen = 8 + (r.u8(off) & 0x3f) * 4;
    const tunnel: TunnelInfo = { type: "geneve", id: r.u24(off + 4), innerOffset: off + hlen };
    if (!r.has(off, hlen, end)) {
      this.cut("geneve", false);
      tunnel.innerOffset = end; // options cut short: nothing inside is visible
      return { tunnel };
    }
    return { tunnel, innerStart: byProtocol(r.u16(off + 2), off + hlen, end) };
  }

  gre(off: number, end: number) {
    const r = this.r;
    if (!this.fits(off, 4, end, "gre", false)) return undefined;
    const flags = r.u16(off);
    // Version 1 (PPTP) and the routing bit are not decoded (DPDK gives up there too).
    if ((flags & 0x7) !== 0 || (flags & 0x4000) !== 0) return undefined;
    const hasC = (flags & 0x8000) !== 0;
    const hasK = (flags & 0x2000) !== 0;
    const hasS = (flags & 0x1000) !== 0;
    const hlen = 4 + (hasC ? 4 : 0) + (hasK ? 4 : 0) + (hasS ? 4 : 0);
    const protocol = r.u16(off + 2);
    if (!r.has(off, hlen, end)) {
      this.cut("gre", false);
      return { tunnel: { type: "gre" as const, innerOffset: end } }; // optional fields cut short
    }
    const key = hasK ? r.u32(off + 4 + (hasC ? 4 : 0)) : undefined;
    // Transparent Ethernet with a key is NVGRE (RFC 7637): the key's top 24 bits are the VSID.
    const nvgre = protocol === ETH_TEB && key !== undefined;
    const tunnel: TunnelInfo = {
      type: nvgre ? "nvgre" : "gre",
      id: nvgre ? key! >>> 8 : key,
      innerOffset: off + hlen,
    };
    return { tunnel, innerStart: byProtocol(protocol, off + hlen, end) };
  }

  gtpu(off: number, end: number) {
    const r = this.r;
    if (!this.fits(off, 8, end, "gtpu", false)) return undefined;
    const flags = r.u8(off);
    if (flags >> 5 !== 1 || (flags & 0x10) === 0) {
      this.bad("gtpu", false); // GTPv1 with PT = 1 only
      return undefined;
    }
    const msgType = r.u8(off + 1);
    const tunnel: TunnelInfo = { type: "gtpu", id: r.u32(off + 4), innerOffset: off + 8 };
    let p = off + 8;
    if (flags & 0x07) {
      // E, S or PN: sequence number, N-PDU number and next-extension type are all present.
      if (!this.fits(off, 12, end, "gtpu", false)) return { tunnel };
      let nextExt = r.u8(off + 11);
      p = off + 12;
      let n = 0;
      while ((flags & 0x04) !== 0 && nextExt !== 0) {
        if (n++ >= MAX_GTPU_EXT) return { tunnel };
        if (!this.fits(p, 1, end, "gtpu", false)) return { tunnel };
        const len = r.u8(p) * 4; // extension length counts 4-byte units, including itself
        if (len === 0) {
          this.bad("gtpu", false);
          return { tunnel };
        }
        if (!this.fits(p, len, end, "gtpu", false)) return { tunnel };
        nextExt = r.u8(p + len - 1);
        p += len;
      }
    }
    tunnel.innerOffset = p;
    // Only a G-PDU (0xff) carries a user packet: IPv4 or IPv6 by its first nibble.
    if (msgType !== 0xff || !r.has(p, 1, end)) return { tunnel };
    return { tunnel, innerStart: byNibble(r.u8(p) >> 4, p, end) };
  }

  mpls(off: number, end: number, inner: boolean) {
    const r = this.r;
    const labels: number[] = [];
    let p = off;
    for (;;) {
      if (labels.length >= MAX_MPLS_LABELS)
        return { tunnel: { type: "mpls" as const, labels, innerOffset: p } };
      if (!this.fits(p, 4, end, "mpls", inner))
        return labels.length ? { tunnel: { type: "mpls" as const, labels, innerOffset: p } } : undefined;
      const w = r.u32(p);
      labels.push(w >>> 12);
      p += 4;
      if (w & 0x100) break; // bottom of stack
    }
    const tunnel: TunnelInfo = { type: "mpls", labels, innerOffset: p };
    if (!r.has(p, 1, end)) return { tunnel };
    return { tunnel, innerStart: byNibble(r.u8(p) >> 4, p, end) };
  }
}

function byProtocol(protocol: number, at: number, end: number): InnerStart | undefined {
  if (protocol === ETH_TEB) return { at, kind: "eth", end };
  if (protocol === ETH_IPV4) return { at, kind: "ipv4", end };
  if (protocol === ETH_IPV6) return { at, kind: "ipv6", end };
  return undefined;
}

function byNibble(nibble: number, at: number, end: number): InnerStart | undefined {
  if (nibble === 4) return { at, kind: "ipv4", end };
  if (nibble === 6) return { at, kind: "ipv6", end };
  return undefined;
}

/** Parses one Ethernet frame. Never throws and never reads outside `frame`. */
export function parseFrame(frame: Uint8Array, opts: ParseOptions = {}): ParsedFrame {
  const p = new Parser(frame, opts);
  const outer = p.layers({ at: 0, kind: "eth" }, false);
  const parsed: ParsedFrame = { len: frame.length, ...outer.layers, rss: { outer: 0, inner: 0 } };
  if (outer.tunnel) {
    parsed.tunnel = outer.tunnel;
    if (outer.innerStart) parsed.inner = p.layers(outer.innerStart, true).layers;
  }
  if (p.truncated) parsed.truncated = p.truncated;
  if (p.invalid) parsed.invalid = p.invalid;
  parsed.rss = {
    outer: rssHash(frame, parsed, DEFAULT_RSS).hash,
    inner: rssHash(frame, parsed, { ...DEFAULT_RSS, level: "inner" }).hash,
  };
  return parsed;
}
