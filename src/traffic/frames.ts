// A composable, deterministic frame builder for tests, the switch tests and the traffic generator.
//
//   eth({ dst, src }).vlan(100).ipv4({ src, dst }).udp({ sport: 50000 }).vxlan(100)
//     .eth({ dst, src }).ipv4({ src, dst }).tcp({ sport: 1, dport: 2 }).build()
//
// Layers are recorded in order and serialised innermost first at build(), so every length,
// next-protocol field and checksum is derived from what follows. Fields left out get fixed
// defaults (no randomness): the same calls always give the same bytes.
import { concatBytes as concat } from "../bytes.ts";

export type Mac = string | Uint8Array;
export type Bytes = Uint8Array | number[];

export interface EthOpts {
  dst?: Mac;
  src?: Mac;
  /** EtherType override (default: derived from the next layer; 0x88b5 for a bare payload). */
  type?: number;
}
export interface VlanOpts {
  pcp?: number;
  dei?: number;
  /** TPID of this tag (0x8100 C-tag; 0x88a8 or 0x9100 for a QinQ outer S-tag). */
  tpid?: number;
}
export interface Ipv4Opts {
  src?: string;
  dst?: string;
  tos?: number;
  id?: number;
  ttl?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
  /** Raw option bytes, padded to a multiple of 4 with End-of-Options (0). */
  options?: Bytes;
  proto?: number;
  /** Override the total length field (for malformed-frame tests). */
  totalLength?: number;
  /** Override the header checksum (for tests); default computed. */
  checksum?: number;
  /** Override the version nibble (for malformed-frame tests). */
  version?: number;
  /** Override the IHL nibble (for malformed-frame tests). */
  ihl?: number;
}
export type Ipv6Ext =
  | { type: "hbh" | "dstopts"; options?: Bytes }
  | { type: "routing"; routingType?: number; segmentsLeft?: number; addresses?: string[] }
  | { type: "fragment"; offset?: number; more?: boolean; id?: number }
  | { type: "ah"; spi?: number; seq?: number; icvLength?: number };
export interface Ipv6Opts {
  src?: string;
  dst?: string;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
  ext?: Ipv6Ext[];
  nextHeader?: number;
  payloadLength?: number;
}
export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** Flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). Default SYN. */
  flags?: number;
  window?: number;
  options?: Bytes;
}
export interface UdpOpts {
  sport?: number;
  /** Default: the tunnel's well-known port when a tunnel follows (VXLAN 4789, ...), else 9. */
  dport?: number;
  /** false leaves the checksum 0 (allowed for IPv4). */
  checksum?: boolean;
}
export interface IcmpOpts {
  type?: number;
  code?: number;
  id?: number;
  seq?: number;
}
export interface ArpOpts {
  op?: number;
  sha?: Mac;
  spa?: string;
  tha?: Mac;
  tpa?: string;
}
export interface GeneveOpt {
  cls: number;
  type: number;
  /** Option data, a multiple of 4 bytes. */
  data: Bytes;
}
export interface GeneveOpts {
  options?: GeneveOpt[];
  /** Protocol type (default: from the next layer, 0x6558 for Ethernet). */
  protocol?: number;
}
export interface VxlanGpeOpts {
  /** Flags byte R R Ver Ver I P B O (default 0x0c: I and P). */
  flags?: number;
  /** Next Protocol (default: from the next layer: IPv4 1, IPv6 2, Ethernet 3). */
  nextProtocol?: number;
}
export interface GreOpts {
  key?: number;
  seq?: number;
  /** Add the checksum field (C bit). */
  checksum?: boolean;
  protocol?: number;
}
export interface GtpuExt {
  type: number;
  /** Content bytes; padded so that length byte + content + next-type is a multiple of 4. */
  content?: Bytes;
}
export interface GtpuOpts {
  seq?: number;
  npdu?: number;
  ext?: GtpuExt[];
  messageType?: number;
}
export interface MplsLabel {
  label: number;
  tc?: number;
  ttl?: number;
}

type Layer =
  | { kind: "eth"; o: EthOpts }
  | { kind: "vlan"; vid: number; o: VlanOpts }
  | { kind: "ipv4"; o: Ipv4Opts }
  | { kind: "ipv6"; o: Ipv6Opts }
  | { kind: "tcp"; o: TcpOpts }
  | { kind: "udp"; o: UdpOpts }
  | { kind: "icmp"; o: IcmpOpts }
  | { kind: "icmpv6"; o: IcmpOpts }
  | { kind: "arp"; o: ArpOpts }
  | { kind: "vxlan"; vni: number }
  | { kind: "vxlan-gpe"; vni: number; o: VxlanGpeOpts }
  | { kind: "geneve"; vni: number; o: GeneveOpts }
  | { kind: "gre"; o: GreOpts }
  | { kind: "nvgre"; vsid: number; flowId: number }
  | { kind: "gtpu"; teid: number; o: GtpuOpts }
  | { kind: "mpls"; labels: MplsLabel[] }
  | { kind: "payload"; data: Uint8Array };

const ETHERTYPE: Partial<Record<Layer["kind"], number>> = {
  ipv4: 0x0800,
  ipv6: 0x86dd,
  arp: 0x0806,
  mpls: 0x8847,
};
const IPPROTO: Partial<Record<Layer["kind"], number>> = {
  ipv4: 4,
  ipv6: 41,
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
  gre: 47,
  nvgre: 47,
};
const UDP_PORT: Partial<Record<Layer["kind"], number>> = {
  vxlan: 4789,
  "vxlan-gpe": 4790,
  geneve: 6081,
  gtpu: 2152,
  mpls: 6635,
};
/** VXLAN-GPE Next Protocol of the layer inside (IPv4 1, IPv6 2, Ethernet 3). */
const GPE_NEXT: Partial<Record<Layer["kind"], number>> = { ipv4: 0x01, ipv6: 0x02, eth: 0x03 };
const TUNNEL_PROTOCOL: Partial<Record<Layer["kind"], number>> = {
  eth: 0x6558,
  ipv4: 0x0800,
  ipv6: 0x86dd,
  mpls: 0x8847,
};

export class FrameBuilder {
  private readonly layers: Layer[];
  constructor(layers: Layer[] = []) {
    this.layers = layers;
  }
  private with(l: Layer): FrameBuilder {
    return new FrameBuilder([...this.layers, l]);
  }
  eth(o: EthOpts = {}): FrameBuilder {
    return this.with({ kind: "eth", o });
  }
  vlan(vid: number, o: VlanOpts = {}): FrameBuilder {
    return this.with({ kind: "vlan", vid, o });
  }
  /** Outer S-tag (TPID 0x88a8 unless given) followed by an inner 802.1Q C-tag. */
  qinq(svid: number, cvid: number, outerTpid = 0x88a8): FrameBuilder {
    return this.vlan(svid, { tpid: outerTpid }).vlan(cvid);
  }
  ipv4(o: Ipv4Opts = {}): FrameBuilder {
    return this.with({ kind: "ipv4", o });
  }
  ipv6(o: Ipv6Opts = {}): FrameBuilder {
    return this.with({ kind: "ipv6", o });
  }
  tcp(o: TcpOpts = {}): FrameBuilder {
    return this.with({ kind: "tcp", o });
  }
  udp(o: UdpOpts = {}): FrameBuilder {
    return this.with({ kind: "udp", o });
  }
  icmp(o: IcmpOpts = {}): FrameBuilder {
    return this.with({ kind: "icmp", o });
  }
  icmpv6(o: IcmpOpts = {}): FrameBuilder {
    return this.with({ kind: "icmpv6", o });
  }
  arp(o: ArpOpts = {}): FrameBuilder {
    return this.with({ kind: "arp", o });
  }
  vxlan(vni: number): FrameBuilder {
    return this.with({ kind: "vxlan", vni });
  }
  /** VXLAN-GPE (UDP 4790): I and P set, Next Protocol from the layer that follows unless given. */
  vxlanGpe(vni: number, o: VxlanGpeOpts = {}): FrameBuilder {
    return this.with({ kind: "vxlan-gpe", vni, o });
  }
  geneve(vni: number, o: GeneveOpts = {}): FrameBuilder {
    return this.with({ kind: "geneve", vni, o });
  }
  gre(o: GreOpts = {}): FrameBuilder {
    return this.with({ kind: "gre", o });
  }
  /** NVGRE: GRE with K set, protocol 0x6558, key = VSID << 8 | flow id. */
  nvgre(vsid: number, flowId = 0): FrameBuilder {
    return this.with({ kind: "nvgre", vsid, flowId });
  }
  gtpu(teid: number, o: GtpuOpts = {}): FrameBuilder {
    return this.with({ kind: "gtpu", teid, o });
  }
  mpls(labels: Array<number | MplsLabel>): FrameBuilder {
    return this.with({ kind: "mpls", labels: labels.map((l) => (typeof l === "number" ? { label: l } : l)) });
  }
  /** Raw bytes, or `n` bytes of a fixed pattern (i & 0xff). */
  payload(data: Bytes | number): FrameBuilder {
    const bytes =
      typeof data === "number"
        ? Uint8Array.from({ length: data }, (_, i) => i & 0xff)
        : Uint8Array.from(data);
    return this.with({ kind: "payload", data: bytes });
  }

  /** Serialises the frame; `padTo` zero-pads the result (e.g. 60 for the Ethernet minimum). */
  build(opts: { padTo?: number } = {}): Uint8Array {
    let inner: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
    for (let i = this.layers.length - 1; i >= 0; i--) inner = this.serialise(i, inner);
    if (opts.padTo && inner.length < opts.padTo) {
      const padded = new Uint8Array(opts.padTo);
      padded.set(inner);
      return padded;
    }
    return inner;
  }

  private next(i: number): Layer | undefined {
    return this.layers[i + 1];
  }

  /** The nearest IP layer before index i (for the TCP/UDP/ICMPv6 pseudo-header). */
  private enclosingIp(i: number): Layer | undefined {
    for (let j = i - 1; j >= 0; j--) {
      const k = this.layers[j].kind;
      if (k === "ipv4" || k === "ipv6") return this.layers[j];
    }
    return undefined;
  }

  private etherTypeFor(i: number): number {
    const n = this.next(i);
    if (!n) return 0x88b5; // local experimental EtherType for a bare frame
    if (n.kind === "vlan") return n.o.tpid ?? 0x8100;
    return ETHERTYPE[n.kind] ?? 0x88b5;
  }

  private serialise(i: number, inner: Uint8Array): Uint8Array {
    const l = this.layers[i];
    switch (l.kind) {
      case "payload":
        return concat(l.data, inner);
      case "eth":
        return concat(
          mac(l.o.dst ?? "02:00:00:00:00:02"),
          mac(l.o.src ?? "02:00:00:00:00:01"),
          be16(l.o.type ?? this.etherTypeFor(i)),
          inner,
        );
      case "vlan": {
        // This tag's TPID was written by the layer before it; here go TCI + next EtherType.
        const tci = ((l.o.pcp ?? 0) << 13) | ((l.o.dei ?? 0) << 12) | (l.vid & 0xfff);
        return concat(be16(tci), be16(this.etherTypeFor(i)), inner);
      }
      case "ipv4":
        return ipv4Header(l.o, this.protoFor(i), inner);
      case "ipv6":
        return ipv6Packet(l.o, this.protoFor(i), inner);
      case "tcp":
        return this.tcpBytes(i, l.o, inner);
      case "udp":
        return this.udpBytes(i, l.o, inner);
      case "icmp":
      case "icmpv6": {
        const h = concat(
          [l.o.type ?? (l.kind === "icmp" ? 8 : 128), l.o.code ?? 0, 0, 0],
          be16(l.o.id ?? 1),
          be16(l.o.seq ?? 1),
          inner,
        );
        const ip = this.enclosingIp(i);
        const sum = l.kind === "icmpv6" && ip?.kind === "ipv6" ? pseudoSum6(ip.o, 58, h.length) : 0;
        const c = checksum(h, sum);
        h[2] = c >> 8;
        h[3] = c & 0xff;
        return h;
      }
      case "arp": {
        const o = l.o;
        return concat(
          be16(1),
          be16(0x0800),
          [6, 4],
          be16(o.op ?? 1),
          mac(o.sha ?? "02:00:00:00:00:01"),
          ipv4Addr(o.spa ?? "10.0.0.1"),
          mac(o.tha ?? "00:00:00:00:00:00"),
          ipv4Addr(o.tpa ?? "10.0.0.2"),
          inner,
        );
      }
      case "vxlan":
        return concat([0x08, 0, 0, 0], be24(l.vni), [0], inner);
      case "vxlan-gpe": {
        const next = l.o.nextProtocol ?? GPE_NEXT[this.next(i)?.kind ?? "eth"] ?? 0x03;
        return concat([l.o.flags ?? 0x0c, 0, 0, next], be24(l.vni), [0], inner);
      }
      case "geneve": {
        const opts = (l.o.options ?? []).map((o) => {
          const data = Uint8Array.from(o.data);
          if (data.length % 4 !== 0 || data.length > 124)
            throw new RangeError("GENEVE option data must be a multiple of 4 bytes, at most 124");
          return concat(be16(o.cls), [o.type & 0xff, data.length / 4], data);
        });
        const optBytes = concat(...opts);
        const proto = l.o.protocol ?? TUNNEL_PROTOCOL[this.next(i)?.kind ?? "eth"] ?? 0x6558;
        return concat([optBytes.length / 4, 0], be16(proto), be24(l.vni), [0], optBytes, inner);
      }
      case "gre": {
        const o = l.o;
        const proto = o.protocol ?? TUNNEL_PROTOCOL[this.next(i)?.kind ?? "ipv4"] ?? 0x0800;
        const flags =
          (o.checksum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
        const parts: Bytes[] = [be16(flags), be16(proto)];
        if (o.checksum) parts.push([0, 0, 0, 0]);
        if (o.key !== undefined) parts.push(be32(o.key));
        if (o.seq !== undefined) parts.push(be32(o.seq));
        const out = concat(...parts, inner);
        if (o.checksum) {
          const c = checksum(out);
          out[4] = c >> 8;
          out[5] = c & 0xff;
        }
        return out;
      }
      case "nvgre":
        return concat(
          be16(0x2000),
          be16(0x6558),
          be32(((l.vsid & 0xffffff) << 8) | (l.flowId & 0xff)),
          inner,
        );
      case "gtpu":
        return gtpu(l.teid, l.o, inner);
      case "mpls": {
        const words = l.labels.map((m, k) => {
          const bos = k === l.labels.length - 1 ? 1 : 0;
          return be32(((m.label & 0xfffff) << 12) | ((m.tc ?? 0) << 9) | (bos << 8) | (m.ttl ?? 64));
        });
        return concat(...words, inner);
      }
    }
  }

  private protoFor(i: number): number {
    const n = this.next(i);
    if (!n) return 59; // No Next Header
    return IPPROTO[n.kind] ?? 253; // 253: experimentation (RFC 3692)
  }

  private tcpBytes(i: number, o: TcpOpts, inner: Uint8Array): Uint8Array {
    const opt = Uint8Array.from(o.options ?? []);
    const optLen = (opt.length + 3) & ~3;
    const hlen = 20 + optLen;
    const h = new Uint8Array(hlen);
    h.set(be16(o.sport ?? 1024), 0);
    h.set(be16(o.dport ?? 80), 2);
    h.set(be32(o.seq ?? 1), 4);
    h.set(be32(o.ack ?? 0), 8);
    h[12] = (hlen / 4) << 4;
    h[13] = o.flags ?? 0x02;
    h.set(be16(o.window ?? 65535), 14);
    h.set(opt, 20);
    const seg = concat(h, inner);
    const c = checksum(seg, this.pseudo(i, 6, seg.length));
    seg[16] = c >> 8;
    seg[17] = c & 0xff;
    return seg;
  }

  private udpBytes(i: number, o: UdpOpts, inner: Uint8Array): Uint8Array {
    const n = this.next(i);
    const dport = o.dport ?? (n ? UDP_PORT[n.kind] : undefined) ?? 9;
    const seg = concat(be16(o.sport ?? 49152), be16(dport), be16(8 + inner.length), [0, 0], inner);
    const ip = this.enclosingIp(i);
    if (o.checksum !== false || ip?.kind === "ipv6") {
      let c = checksum(seg, this.pseudo(i, 17, seg.length));
      if (c === 0) c = 0xffff; // 0 means "no checksum" for UDP
      seg[6] = c >> 8;
      seg[7] = c & 0xff;
    }
    return seg;
  }

  private pseudo(i: number, proto: number, len: number): number {
    const ip = this.enclosingIp(i);
    if (ip?.kind === "ipv4") {
      return sumWords(
        concat(
          ipv4Addr(ip.o.src ?? DEFAULT_V4_SRC),
          ipv4Addr(ip.o.dst ?? DEFAULT_V4_DST),
          [0, proto],
          be16(len),
        ),
      );
    }
    if (ip?.kind === "ipv6") return pseudoSum6(ip.o, proto, len);
    return 0;
  }
}

/** Starts a frame with an Ethernet header. */
export function eth(o: EthOpts = {}): FrameBuilder {
  return new FrameBuilder().eth(o);
}
/** Starts a packet without L2 (for IP-level payloads). */
export function ipv4(o: Ipv4Opts = {}): FrameBuilder {
  return new FrameBuilder().ipv4(o);
}
export function ipv6(o: Ipv6Opts = {}): FrameBuilder {
  return new FrameBuilder().ipv6(o);
}

const DEFAULT_V4_SRC = "10.0.0.1";
const DEFAULT_V4_DST = "10.0.0.2";
const DEFAULT_V6_SRC = "2001:db8::1";
const DEFAULT_V6_DST = "2001:db8::2";

function ipv4Header(o: Ipv4Opts, proto: number, payload: Uint8Array): Uint8Array {
  const opt = Uint8Array.from(o.options ?? []);
  const optLen = (opt.length + 3) & ~3;
  const hlen = 20 + optLen;
  const h = new Uint8Array(hlen);
  h[0] = ((o.version ?? 4) << 4) | (o.ihl ?? hlen / 4);
  h[1] = o.tos ?? 0;
  h.set(be16(o.totalLength ?? hlen + payload.length), 2);
  h.set(be16(o.id ?? 1), 4);
  const fl = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) & 0x1fff);
  h.set(be16(fl), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? proto;
  h.set(ipv4Addr(o.src ?? DEFAULT_V4_SRC), 12);
  h.set(ipv4Addr(o.dst ?? DEFAULT_V4_DST), 16);
  h.set(opt, 20);
  const c = o.checksum ?? checksum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return concat(h, payload);
}

const EXT_CODE = { hbh: 0, routing: 43, fragment: 44, dstopts: 60, ah: 51 } as const;

function ipv6Packet(o: Ipv6Opts, proto: number, payload: Uint8Array): Uint8Array {
  const exts = o.ext ?? [];
  let body: Uint8Array = payload;
  let next = proto;
  for (let k = exts.length - 1; k >= 0; k--) {
    body = concat(ipv6Ext(exts[k], next), body);
    next = EXT_CODE[exts[k].type];
  }
  const h = new Uint8Array(40);
  const tc = o.trafficClass ?? 0;
  const fl = o.flowLabel ?? 0;
  h.set(be32(((6 << 28) | (tc << 20) | fl) >>> 0), 0);
  h.set(be16(o.payloadLength ?? body.length), 4);
  h[6] = o.nextHeader ?? next;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6Addr(o.src ?? DEFAULT_V6_SRC), 8);
  h.set(ipv6Addr(o.dst ?? DEFAULT_V6_DST), 24);
  return concat(h, body);
}

function ipv6Ext(e: Ipv6Ext, next: number): Uint8Array {
  switch (e.type) {
    case "hbh":
    case "dstopts": {
      // Pad the options so the header is a multiple of 8 bytes (PadN option 1, or Pad1 0).
      const opts = Array.from(e.options ?? []);
      const total = (2 + opts.length + 7) & ~7;
      const pad = total - 2 - opts.length;
      if (pad === 1) opts.push(0);
      else if (pad >= 2) opts.push(1, pad - 2, ...new Array(pad - 2).fill(0));
      return Uint8Array.from([next, total / 8 - 1, ...opts]);
    }
    case "routing": {
      const addrs = (e.addresses ?? ["2001:db8::99"]).map(ipv6Addr);
      const rtype = e.routingType ?? 0;
      return concat([next, addrs.length * 2, rtype, e.segmentsLeft ?? addrs.length, 0, 0, 0, 0], ...addrs);
    }
    case "fragment": {
      const w = ((e.offset ?? 0) << 3) | (e.more ? 1 : 0);
      return concat([next, 0], be16(w), be32(e.id ?? 1));
    }
    case "ah": {
      const icv = e.icvLength ?? 12;
      const totalWords = (12 + icv) / 4; // AH length is in 4-byte units, minus 2
      return concat(
        [next, totalWords - 2, 0, 0],
        be32(e.spi ?? 0x100),
        be32(e.seq ?? 1),
        new Uint8Array(icv),
      );
    }
  }
}

function gtpu(teid: number, o: GtpuOpts, inner: Uint8Array): Uint8Array {
  const exts = o.ext ?? [];
  const e = exts.length > 0;
  const s = o.seq !== undefined;
  const pn = o.npdu !== undefined;
  const opt: Bytes[] = [];
  if (e || s || pn) {
    opt.push(be16(o.seq ?? 0), [o.npdu ?? 0, e ? exts[0].type : 0]);
    exts.forEach((x, k) => {
      const content = Array.from(x.content ?? [0, 0]);
      // length byte + content + next-type byte, padded to a multiple of 4
      while ((content.length + 2) % 4 !== 0) content.push(0);
      const nextType = k + 1 < exts.length ? exts[k + 1].type : 0;
      opt.push([(content.length + 2) / 4, ...content, nextType]);
    });
  }
  const rest = concat(...opt, inner);
  const flags = 0x30 | (e ? 0x04 : 0) | (s ? 0x02 : 0) | (pn ? 0x01 : 0); // version 1, PT = GTP
  return concat([flags, o.messageType ?? 0xff], be16(rest.length), be32(teid), rest);
}

// ---- byte helpers -----------------------------------------------------------------------

export { concat };

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function be24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}
function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function mac(m: Mac): Uint8Array {
  if (typeof m !== "string") return m;
  const parts = m.split(":");
  if (parts.length !== 6) throw new RangeError(`bad MAC address '${m}'`);
  return Uint8Array.from(parts, (p) => {
    const v = Number.parseInt(p, 16);
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) throw new RangeError(`bad MAC address '${m}'`);
    return v;
  });
}

export function ipv4Addr(a: string): Uint8Array {
  const parts = a.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`bad IPv4 address '${a}'`);
  }
  return Uint8Array.from(parts, Number);
}

export function ipv6Addr(a: string): Uint8Array {
  const halves = a.split("::");
  if (halves.length > 2) throw new RangeError(`bad IPv6 address '${a}'`);
  const parse = (s: string) =>
    s === ""
      ? []
      : s.split(":").map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new RangeError(`bad IPv6 address '${a}'`);
          return Number.parseInt(g, 16);
        });
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) throw new RangeError(`bad IPv6 address '${a}'`);
  const groups = [...head, ...new Array(fill).fill(0), ...tail];
  return Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

function sumWords(b: Uint8Array, initial = 0): number {
  let s = initial;
  for (let k = 0; k + 1 < b.length; k += 2) s += (b[k] << 8) | b[k + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  return s;
}

/** RFC 1071 Internet checksum of `b`, starting from a partial sum (pseudo-header). */
export function checksum(b: Uint8Array, initial = 0): number {
  let s = sumWords(b, initial);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function pseudoSum6(o: Ipv6Opts, proto: number, len: number): number {
  // A routing header would change the final destination; tests use the header's dst.
  return sumWords(
    concat(ipv6Addr(o.src ?? DEFAULT_V6_SRC), ipv6Addr(o.dst ?? DEFAULT_V6_DST), be32(len), [0, 0, 0, proto]),
  );
}
