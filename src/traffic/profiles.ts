// Generator profiles: what traffic to build (sizes, flows, popularity, protocol, encapsulation,
// rate, count) and the frame templates that the Wasm generator patches per packet, the way
// hardware generators (MoonGen, TRex, pktgen) work.
import { UserError } from "../errors.ts";
import { eth, type FrameBuilder } from "./frames.ts";

export type Encap = "none" | "vxlan" | "geneve" | "gre" | "nvgre" | "gtpu" | "mpls" | "qinq";
export type L4 = "udp" | "tcp" | "icmp";
export type SizeSpec = { kind: "fixed"; size: number } | { kind: "list"; sizes: number[] } | { kind: "imix" };

export interface TrafficProfile {
  sizes: SizeSpec;
  flows: number;
  popularity: "uniform" | "zipf";
  /** Zipf exponent (s). */
  zipfS: number;
  seed: number;
  l4: L4;
  encap: Encap;
  /** Simulator-time rate: link line rate by default (Gbit/s on the wire). */
  rateGbps: number;
  /** Frames to send (0: until the run stops). */
  count: number;
  dstMac: string;
  srcMac: string;
  /** An 802.1Q tag after the MACs (a port-VLAN VF's frames on the wire): each frame is 4 bytes
   *  longer than the size asked for, which stays the size the consumer sees once the NIC strips
   *  the tag. Absent or null: untagged. */
  vlan?: { vid: number; pcp: number } | null;
}

/** The longest frame (with FCS) a generator makes: the largest any modelled NIC takes (9728 B,
 *  the X710's, 82599's and E810's jumbo limit: src/nic/profiles/*.json frames.maxFrameBytes).
 *  Whether a path carries it is the path's MTU's business (paths --mtu). */
export const MAX_FRAME_BYTES = 9728;

export const ENCAPS: readonly Encap[] = ["none", "vxlan", "geneve", "gre", "nvgre", "gtpu", "mpls", "qinq"];

/** Simple IMIX 7:4:1 (frame sizes incl. FCS). */
export const IMIX: ReadonlyArray<[number, number]> = [
  [64, 7],
  [594, 4],
  [1518, 1],
];

export function defaultProfile(over: Partial<TrafficProfile> = {}): TrafficProfile {
  return {
    sizes: { kind: "fixed", size: 64 },
    flows: 64,
    popularity: "uniform",
    zipfS: 1.0,
    seed: 1,
    l4: "udp",
    encap: "none",
    rateGbps: 10,
    count: 0,
    dstMac: "02:00:00:00:00:01",
    srcMac: "02:00:00:00:ff:01",
    ...over,
  };
}

/** One template: the frame bytes (without FCS) and where the generator patches it. */
export interface Template {
  bytes: Uint8Array;
  /** Offset of the 16-byte stamp (sequence number, timestamp). */
  stampOff: number;
  /** Offset of the u16 big-endian field that carries the flow id (L4 source port / ICMP id). */
  flowOff: number;
  /** Offset of the L4 checksum, or 0xffff. */
  csumOff: number;
  /** 0 none, 1 UDP (0 = absent), 2 TCP/ICMP. */
  csumKind: number;
  /** Requested frame size incl. FCS, and the size actually built (raised when headers need more). */
  requested: number;
  size: number;
}

export interface TemplateSet {
  templates: Template[];
  /** Template index per packet, cycled (the size mix). */
  sequence: number[];
  /** Flow id table sampled uniformly by the generator (encodes the popularity). */
  flowTable: Uint16Array;
  notes: string[];
  /** Replay: frames are sent as they are (no flow/stamp/checksum patching); their arrival times
   *  go to a side table per buffer (src/traffic/replay.ts). */
  replay?: boolean;
  /** Replay at the capture's timestamps: the gap (ps) after each sequence position. */
  gapsPs?: number[];
}

const STAMP = 16;
const L4_HEADER: Record<L4, number> = { udp: 8, tcp: 20, icmp: 8 };

function innerHeaders(b: FrameBuilder, p: TrafficProfile): FrameBuilder {
  const ip = b.ipv4({ src: "10.1.0.1", dst: "10.2.0.1", ttl: 64 });
  if (p.l4 === "udp") return ip.udp({ sport: 1024, dport: 5001 });
  if (p.l4 === "tcp") return ip.tcp({ sport: 1024, dport: 5001, flags: 0x10 });
  return ip.icmp({ type: 8, code: 0, id: 1024, seq: 1 });
}

/** Bytes the profile's own 802.1Q tag adds to every frame. */
function tagBytes(p: TrafficProfile): number {
  return p.vlan ? 4 : 0;
}

function headers(p: TrafficProfile): FrameBuilder {
  const mac = eth({ dst: p.dstMac, src: p.srcMac });
  const outer = p.vlan ? mac.vlan(p.vlan.vid, { pcp: p.vlan.pcp }) : mac;
  const ipOuter = () => outer.ipv4({ src: "192.0.2.1", dst: "192.0.2.2", ttl: 64 });
  const innerEth = (b: FrameBuilder) => b.eth({ dst: "02:00:00:00:01:01", src: "02:00:00:00:01:02" });
  switch (p.encap) {
    case "none":
      return innerHeaders(outer, p);
    case "vxlan":
      return innerHeaders(innerEth(ipOuter().udp({ sport: 49152, checksum: false }).vxlan(100)), p);
    case "geneve":
      return innerHeaders(innerEth(ipOuter().udp({ sport: 49152, checksum: false }).geneve(100)), p);
    case "gre":
      return innerHeaders(ipOuter().gre({ key: 100 }), p);
    case "nvgre":
      return innerHeaders(innerEth(ipOuter().nvgre(100)), p);
    case "gtpu":
      return innerHeaders(ipOuter().udp({ sport: 2152, checksum: false }).gtpu(0x1000), p);
    case "mpls":
      return innerHeaders(outer.mpls([{ label: 100, ttl: 64 }]), p);
    case "qinq":
      return innerHeaders(outer.qinq(100, 200), p);
  }
}

function pattern(n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7 + 0x5a) & 0xff;
  return a;
}

export function buildTemplate(p: TrafficProfile, requested: number): Template {
  const headerLen = headers(p).build().length;
  const l4Start = headerLen - L4_HEADER[p.l4];
  const minSize = headerLen + STAMP + 4;
  // The tag rides on top of the size asked for (the NIC strips it before the consumer).
  const size = Math.max(requested + tagBytes(p), minSize);
  const bytes = headers(p)
    .payload(new Uint8Array([...new Uint8Array(STAMP), ...pattern(size - 4 - headerLen - STAMP)]))
    .build();
  const flowOff = p.l4 === "icmp" ? l4Start + 4 : l4Start;
  const csumOff = p.l4 === "udp" ? l4Start + 6 : p.l4 === "tcp" ? l4Start + 16 : l4Start + 2;
  return { bytes, stampOff: headerLen, flowOff, csumOff, csumKind: p.l4 === "udp" ? 1 : 2, requested, size };
}

/** Flow table: 4096 entries whose histogram follows the popularity (Zipf: rank k ∝ 1/k^s). */
export function flowTable(p: TrafficProfile, entries = 4096): Uint16Array {
  const t = new Uint16Array(entries);
  if (p.popularity === "uniform" || p.flows === 1) {
    for (let i = 0; i < entries; i++) t[i] = i % p.flows;
    return t;
  }
  const w = Array.from({ length: p.flows }, (_, k) => 1 / (k + 1) ** p.zipfS);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  let k = 0;
  for (let i = 0; i < entries; i++) {
    const q = (i + 0.5) / entries;
    while (k < p.flows - 1 && (acc + w[k]) / total < q) acc += w[k++];
    t[i] = k;
  }
  return t;
}

export function buildTemplates(p: TrafficProfile): TemplateSet {
  if (!Number.isInteger(p.flows) || p.flows < 1 || p.flows > 65535) {
    throw new UserError("E_TRAFFIC", `--flows must be 1..65535 (got ${p.flows})`);
  }
  const mix: Array<[number, number]> =
    p.sizes.kind === "fixed"
      ? [[p.sizes.size, 1]]
      : p.sizes.kind === "list"
        ? p.sizes.sizes.map((s) => [s, 1])
        : [...IMIX];
  for (const [s] of mix) {
    if (!Number.isInteger(s) || s < 64 || s > MAX_FRAME_BYTES)
      throw new UserError("E_TRAFFIC", `frame size ${s} is outside 64..${MAX_FRAME_BYTES}`);
  }
  const templates = mix.map(([s]) => buildTemplate(p, s));
  // Unencapsulated, it is the L4 header that needs the room (TCP's 20 bytes): named, not "none".
  const held = p.encap === "none" ? p.l4 : p.encap;
  const notes = templates
    .filter((t) => t.size !== t.requested + tagBytes(p))
    .map(
      (t) =>
        `${t.requested}-byte frames raised to ${t.size - tagBytes(p)} bytes to hold the ${held} headers and the stamp`,
    );
  // Interleave the mix (7:4:1 -> 0,1,0,1,...) so that short windows see every size.
  const sequence: number[] = [];
  const left = mix.map(([, w]) => w);
  while (left.some((x) => x > 0)) for (let i = 0; i < left.length; i++) if (left[i]-- > 0) sequence.push(i);
  return { templates, sequence, flowTable: flowTable(p), notes };
}

/** Average frame size (incl. FCS) of a template set, weighted by the sequence. */
export function averageSize(t: TemplateSet): number {
  return t.sequence.reduce((s, i) => s + t.templates[i].size, 0) / t.sequence.length;
}

/** Parses `64`, `64,512,1518` or `imix`. */
export function parseSizes(text: string, option = "--size"): SizeSpec {
  if (text === "imix") return { kind: "imix" };
  const parts = text.split(",").map((s) => s.trim());
  const sizes = parts.map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 64 || n > 1518)
      throw new UserError("E_USAGE", `${option}: '${s}' is not a frame size in 64..1518 (or 'imix')`);
    return n;
  });
  return sizes.length === 1 ? { kind: "fixed", size: sizes[0] } : { kind: "list", sizes };
}
