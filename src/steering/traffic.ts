// Traffic mixes for the steering experiments, built with the frame builder (src/traffic/frames.ts).
// Every frame is real bytes; nothing about where it will be steered is decided here. Each frame
// belongs to a flow (the sink checks per-flow order on it) and flows come in pairs where the
// traffic is bidirectional (uplink/downlink of one subscriber: symmetric hashing's case).
//   plain : UDP and TCP 5-tuples, many hosts (what RSS was made for);
//   vxlan : few VTEP pairs, fixed outer UDP source port, a VNI per tenant;
//   vxlan-gpe: the same VTEP pairs on UDP 4790, the user's IP packet directly behind the header
//           (Next Protocol IPv4/IPv6, no inner Ethernet);
//   gtpu  : a mobile core's N3: few gNB/UPF pairs, one TEID per direction per subscriber, uplink
//           and downlink, a PDU session container extension header on a third of the subscribers;
//   gre   : few GRE tunnels (key per tunnel); mpls: 2-3 label stacks; qinq: S-tag + C-tag;
//   esp   : IPsec tunnel mode, few gateway pairs, one SPI per SA, nothing visible inside;
//   mix   : all of the above but vxlan-gpe, interleaved;
//   pcap  : any capture, flows from its parsed 5-tuples (src/cli reads the file).
// Popularity: uniform (round robin over flows) or Zipf (elephant flows), seeded.
// Address families (`ip`, the CLI's --ip): the user's packets (the inner headers of a tunnel, the
// only IP header of plain, mpls and qinq) and the underlay (the outer IP header of vxlan, gtpu,
// gre and esp) are IPv4 or IPv6 each. An IPv6 address is the mix's IPv4 address a.b.c.d written
// 2001:db8:a:b::c:d (the documentation prefix, RFC 3849), so both families have the same flows.
import { UserError } from "../errors.ts";
import { mulberry32 } from "../prng.ts";
import { parseFrame } from "../switch/reference/parse.ts";
import { eth, type FrameBuilder } from "../traffic/frames.ts";

export type MixName = "plain" | "vxlan" | "vxlan-gpe" | "gtpu" | "gre" | "mpls" | "qinq" | "esp" | "mix";
export const MIX_NAMES: readonly MixName[] = [
  "plain",
  "vxlan",
  "vxlan-gpe",
  "gtpu",
  "gre",
  "mpls",
  "qinq",
  "esp",
  "mix",
];
// "mix" interleaves the mixes it had before vxlan-gpe came (its flows, and so every published
// mix figure, stay as they were); vxlan-gpe is VXLAN's case again with an IP payload.
const SINGLE_MIXES = MIX_NAMES.filter((m) => m !== "mix" && m !== "vxlan-gpe") as Exclude<MixName, "mix">[];

/** An IP version as the parser and `decode --json` name it. */
export type IpName = "ipv4" | "ipv6";

/** IP version of the user's packets (inner) and of the tunnel underlay (outer). */
export interface IpFamilies {
  inner: 4 | 6;
  outer: 4 | 6;
}
export const IPV4_ONLY: IpFamilies = { inner: 4, outer: 4 };
/** --ip values: `4` and `6` everywhere, `6in4` IPv6 users over an IPv4 underlay, `4in6` the reverse. */
export const IP_CHOICES: Record<string, IpFamilies> = {
  "4": IPV4_ONLY,
  "6": { inner: 6, outer: 6 },
  "6in4": { inner: 6, outer: 4 },
  "4in6": { inner: 4, outer: 6 },
};

export interface MixSpec {
  mix: MixName;
  /** Address families (default IPv4 only). */
  ip?: IpFamilies;
  /** Flows (directional streams); bidirectional mixes pair flows 2u, 2u+1. */
  flows: number;
  /** Tunnel endpoint pairs (gNBs per UPF, VTEP pairs, GRE tunnels, IPsec gateway pairs). */
  tunnels: number;
  /** Zipf exponent (0: uniform popularity). */
  zipfS: number;
  seed: number;
}

export interface SteeringTraffic {
  name: string;
  /** The frames the generator sends (each again for each of its packets): one per flow, or for a
   *  capture each distinct frame, several for a flow whose frames differ (see flowOfFrame). */
  flowFrames: Uint8Array[];
  /** The flow (5-tuple) of each frame of flowFrames, where a flow has several; absent: frame i
   *  is flow i. Order (reordering) and the core a flow ran on are per flow. */
  flowOfFrame?: Int32Array;
  /** The partner of each frame's flow (the other direction), or -1. */
  pairOf: Int32Array;
  /** Frame popularity: cumulative weights (sampled by the generator). */
  cdf: Float64Array;
  note: string;
  /** Bytes of payload inside the innermost headers of every frame, or null where that is not
   *  one figure (ESP's opaque body, the interleaved mix, a capture). */
  payloadBytes: number | null;
  /** IP version of the user's packets (inner) and of the underlay (outer) in the frames; null
   *  where a mix has no such header (plain's underlay, esp's ciphertext) or for a capture. */
  ip: { inner: IpName | null; outer: IpName | null } | null;
  /** A capture's records and frames left out before the engine, by reason (the note says
   *  them in words); absent for generated mixes, which leave nothing out. */
  droppedBeforeEngine?: Record<string, number>;
}

/** The tunnel endpoint's (or receiving host's) MAC: every mix is addressed to it. */
export const ENDPOINT_MAC = "02:5e:00:00:00:00";
/** MAC of generator instance k (one VF per instance: the talk's fix). Instance 0 = the endpoint. */
export function instanceMac(k: number): string {
  return `02:5e:00:00:${((k >> 8) & 0xff).toString(16).padStart(2, "0")}:${(k & 0xff).toString(16).padStart(2, "0")}`;
}
const PEER_MAC = "02:5e:00:00:ff:fe";
const PAYLOAD = 32;

/** Deterministic PRNG (mulberry32, src/prng.ts). */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}

const ip = (a: number, b: number, c: number) => `${a}.${(b >> 8) & 0xff}.${b & 0xff}.${c}`;
const ueAddr = (u: number) => `10.${64 + ((u >> 16) & 0x3f)}.${(u >> 8) & 0xff}.${u & 0xff}`;
const port = (u: number) => 1024 + (u % 60000);

/** The IPv6 address standing for IPv4 address a.b.c.d in a mix: 2001:db8:a:b::c:d. */
export function v6Of(v4: string): string {
  const [a, b, c, d] = v4.split(".");
  return `2001:db8:${a}:${b}::${c}:${d}`;
}

/** An IP header of family `fam` from src to dst (given as IPv4 text), TTL / hop limit 64. */
function ipHeader(b: FrameBuilder, fam: 4 | 6, src: string, dst: string, proto?: number): FrameBuilder {
  return fam === 4
    ? b.ipv4({ src, dst, ttl: 64, ...(proto === undefined ? {} : { proto }) })
    : b.ipv6({
        src: v6Of(src),
        dst: v6Of(dst),
        hopLimit: 64,
        ...(proto === undefined ? {} : { nextHeader: proto }),
      });
}

/** Frame of flow f (of `flows`) in a single mix. */
function frameOf(mix: Exclude<MixName, "mix">, f: number, tunnels: number, fam: IpFamilies): Uint8Array {
  const outer = eth({ dst: ENDPOINT_MAC, src: PEER_MAC });
  const u = f >> 1; // subscriber / inner conversation
  const down = (f & 1) === 1;
  const t = u % tunnels; // tunnel endpoint pair
  const a = ueAddr(u);
  const srv = "198.51.100.10";
  const udpIn = (b: FrameBuilder, src: string, dst: string, sport: number, dport: number) =>
    ipHeader(b, fam.inner, src, dst).udp({ sport, dport }).payload(PAYLOAD).build();
  const inner = (b: FrameBuilder) => (down ? udpIn(b, srv, a, 443, port(u)) : udpIn(b, a, srv, port(u), 443));
  // The underlay's header between tunnel endpoints x (uplink source) and y.
  const under = (x: string, y: string, proto?: number) =>
    down ? ipHeader(outer, fam.outer, y, x, proto) : ipHeader(outer, fam.outer, x, y, proto);
  const innerEth = (b: FrameBuilder) => b.eth({ dst: "02:00:00:00:01:01", src: "02:00:00:00:01:02" });
  switch (mix) {
    case "plain": {
      const hostA = ip(172, 16 + u, 1 + (u % 200));
      const hostB = ip(172, 31, 1 + ((u >> 3) % 200));
      const l3 = down ? ipHeader(outer, fam.inner, hostB, hostA) : ipHeader(outer, fam.inner, hostA, hostB);
      const [sp, dp] = down ? [80, port(u)] : [port(u), 80];
      return (u % 2 === 0 ? l3.udp({ sport: sp, dport: dp }) : l3.tcp({ sport: sp, dport: dp, flags: 0x10 }))
        .payload(PAYLOAD)
        .build();
    }
    case "gtpu": {
      // N3: gNB t <-> the UPF, UDP 2152 both ways; uplink TEID allocated by the UPF, downlink by the gNB.
      const gnb = ip(192, 168 * 256 + t, 1);
      const upf = "203.0.113.1";
      const ext = u % 3 === 0 ? { ext: [{ type: 0x85, content: [down ? 0x00 : 0x10, 0x09] }] } : {};
      const teid = down ? 0x20000000 + u : 0x10000000 + u;
      const l3 = under(gnb, upf);
      return inner(l3.udp({ sport: 2152, dport: 2152, checksum: false }).gtpu(teid, ext));
    }
    case "vxlan": {
      const [va, vb] = [ip(192, 0 * 256 + 2, 1 + t), ip(192, 0 * 256 + 2, 101 + t)];
      const l3 = under(va, vb);
      return inner(innerEth(l3.udp({ sport: 49152, checksum: false }).vxlan(100 + (u % 4))));
    }
    case "vxlan-gpe": {
      const [va, vb] = [ip(192, 0 * 256 + 2, 1 + t), ip(192, 0 * 256 + 2, 101 + t)];
      const l3 = under(va, vb);
      return inner(l3.udp({ sport: 49152, checksum: false }).vxlanGpe(100 + (u % 4)));
    }
    case "gre": {
      const [ga, gb] = [ip(198, 18 * 256, 1 + t), ip(198, 18 * 256, 101 + t)];
      const l3 = under(ga, gb);
      return inner(l3.gre({ key: 100 + t }));
    }
    case "mpls": {
      const stack = u % 2 === 0 ? [16001 + t, 100] : [16001 + t, 17002, 100];
      return inner(outer.mpls(stack.map((label) => ({ label, ttl: 64 }))));
    }
    case "qinq":
      return inner(outer.qinq(100 + t, 200 + (u % 16)));
    case "esp": {
      // Tunnel-mode ESP: SPI + sequence number, then ciphertext (no visible inner header).
      const [sa, sb] = [ip(198, 19 * 256, 1 + t), ip(198, 19 * 256, 101 + t)];
      const spi = 0x1000 + f;
      const body = new Uint8Array(8 + 64);
      new DataView(body.buffer).setUint32(0, spi);
      new DataView(body.buffer).setUint32(4, 1);
      for (let i = 8; i < body.length; i++) body[i] = (i * 31 + f) & 0xff;
      return under(sa, sb, 50).payload(body).build();
    }
  }
}

const NOTES: Record<MixName, string> = {
  plain: "UDP and TCP 5-tuples between many hosts",
  vxlan: "VTEP pairs with a fixed outer UDP source port, VNI per tenant",
  "vxlan-gpe":
    "VXLAN-GPE (UDP 4790): VTEP pairs with a fixed outer UDP source port, VNI per tenant, IP payload",
  gtpu: "N3: gNB/UPF pairs, UDP 2152->2152, TEID per subscriber and direction, uplink+downlink, PDU session container on 1/3",
  gre: "GRE tunnels, key per tunnel",
  mpls: "MPLS over Ethernet, 2-3 label stacks",
  qinq: "QinQ S-tag 0x88a8 + C-tag, plain IPv4/UDP behind",
  esp: "IPsec ESP tunnel mode: gateway pairs, SPI per SA, no inner visibility",
  mix: "every mix above but vxlan-gpe, interleaved",
};

export function validateMix(spec: MixSpec): void {
  const bad = (opt: string, msg: string) => {
    throw new UserError("E_USAGE", `${opt}: ${msg}`);
  };
  if (!Number.isInteger(spec.flows) || spec.flows < 2 || spec.flows > 65536)
    bad("--flows", `must be an integer in 2..65536 (got ${spec.flows})`);
  if (!Number.isInteger(spec.tunnels) || spec.tunnels < 1 || spec.tunnels > 250)
    bad("--tunnels", `must be an integer in 1..250 (got ${spec.tunnels})`);
  if (!(spec.zipfS >= 0 && spec.zipfS <= 10))
    bad("--zipf", `exponent must be in [0, 10] (got ${spec.zipfS})`);
}

function popularity(flows: number, zipfS: number, seed: number): Float64Array {
  // Zipf over a seeded permutation of the flows, so the elephants are not all flow 0, 1, 2...
  const rank = Array.from({ length: flows }, (_, i) => i);
  const rnd = prng(seed ^ 0x5eed);
  for (let i = flows - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const cdf = new Float64Array(flows);
  let acc = 0;
  for (let f = 0; f < flows; f++) {
    acc += zipfS === 0 ? 1 : 1 / (rank[f]! + 1) ** zipfS;
    cdf[f] = acc;
  }
  return cdf;
}

/** Builds a mix: one frame per flow, pairs, popularity. */
export function buildMix(spec: MixSpec): SteeringTraffic {
  validateMix(spec);
  const flows = spec.flows - (spec.flows % 2);
  const flowFrames: Uint8Array[] = [];
  for (let f = 0; f < flows; f++) {
    const mix = spec.mix === "mix" ? SINGLE_MIXES[(f >> 1) % SINGLE_MIXES.length]! : spec.mix;
    const g = spec.mix === "mix" ? 2 * Math.floor(f / (2 * SINGLE_MIXES.length)) + (f & 1) : f;
    flowFrames.push(frameOf(mix, g, spec.tunnels, spec.ip ?? IPV4_ONLY));
  }
  const pairOf = new Int32Array(flows);
  for (let f = 0; f < flows; f++) pairOf[f] = f ^ 1;
  const pop = spec.zipfS > 0 ? `, Zipf s=${spec.zipfS}` : "";
  return {
    name: spec.mix,
    flowFrames,
    pairOf,
    cdf: popularity(flows, spec.zipfS, spec.seed),
    // Plain traffic has no tunnel: its frames do not depend on spec.tunnels.
    note: `${spec.mix === "qinq" && spec.ip?.inner === 6 ? NOTES.qinq.replace("IPv4", "IPv6") : NOTES[spec.mix]}; ${flows} flows${spec.mix === "plain" ? "" : `, ${spec.tunnels} tunnel endpoint pair(s)`}${pop}${familyNote(spec.mix, spec.ip ?? IPV4_ONLY)}`,
    payloadBytes: spec.mix === "esp" || spec.mix === "mix" ? null : PAYLOAD,
    ip: familiesOf(spec.mix, spec.ip ?? IPV4_ONLY),
  };
}

/** The IP versions a mix's frames carry: no underlay for plain, mpls, qinq; esp shows none inside. */
function familiesOf(mix: MixName, ip: IpFamilies): SteeringTraffic["ip"] {
  const noUnderlay = mix === "plain" || mix === "mpls" || mix === "qinq";
  const name = (v: 4 | 6): IpName => (v === 4 ? "ipv4" : "ipv6");
  return { inner: mix === "esp" ? null : name(ip.inner), outer: noUnderlay ? null : name(ip.outer) };
}

/** What --ip changed in a mix ("" for IPv4 only, as before --ip). */
function familyNote(mix: MixName, ip: IpFamilies): string {
  if (ip.inner === 4 && ip.outer === 4) return "";
  const v = (f: 4 | 6) => `IPv${f}`;
  switch (mix) {
    case "plain":
    case "mpls":
    case "qinq":
      return `; ${v(ip.inner)} (no underlay)`;
    case "esp":
      return `; ${v(ip.outer)} underlay (the inner packets are ciphertext)`;
    case "mix":
      return `; ${v(ip.inner)} user packets, ${v(ip.outer)} underlay`;
    default:
      return `; ${v(ip.inner)} inside, ${v(ip.outer)} underlay`;
  }
}

/** Replayable frame sizes: an Ethernet header at least, a standard (non-jumbo) frame at most. */
const MIN_REPLAY_BYTES = 14;
const MAX_REPLAY_BYTES = 1514;
const MAX_REPLAY_FRAMES = 65536;

/**
 * A capture as a mix: each distinct frame is replayed; flows from the parsed (inner) 5-tuple.
 * Frames that cannot be replayed are left out and counted by reason in the note (never silently):
 * shorter than an Ethernet header, longer than 1514 bytes, beyond the first 65536, and
 * `nonEthernet` records of another link type that the caller already set aside.
 */
export function mixFromCapture(frames: Uint8Array[], file: string, nonEthernet = 0): SteeringTraffic {
  const runts = frames.filter((f) => f.length < MIN_REPLAY_BYTES).length;
  const oversize = frames.filter((f) => f.length > MAX_REPLAY_BYTES).length;
  // A sender pads a short frame to the 60-byte minimum (captures often keep it unpadded).
  const fitting = frames.filter((f) => f.length >= MIN_REPLAY_BYTES && f.length <= MAX_REPLAY_BYTES);
  const beyond = Math.max(0, fitting.length - MAX_REPLAY_FRAMES);
  const usable = fitting.slice(0, MAX_REPLAY_FRAMES).map((f) => {
    if (f.length >= 60) return f;
    const p = new Uint8Array(60);
    p.set(f);
    return p;
  });
  // Left out by reason: the note's words and --json's mixes[].dropped_before_engine.
  const droppedBeforeEngine: Record<string, number> = {};
  for (const [n, reason] of [
    [runts, `shorter than an Ethernet header (${MIN_REPLAY_BYTES} B)`],
    [oversize, `longer than ${MAX_REPLAY_BYTES} B`],
    [nonEthernet, "of another link type than Ethernet"],
    [beyond, `beyond the first ${MAX_REPLAY_FRAMES}`],
  ] as const)
    if (n > 0) droppedBeforeEngine[reason] = n;
  const leftOut = Object.entries(droppedBeforeEngine).map(([reason, n]) => `${n} ${reason}`);
  const leftOutNote = leftOut.length ? `; left out: ${leftOut.join(", ")}` : "";
  if (usable.length === 0)
    throw new UserError(
      "E_TRAFFIC",
      `--mix pcap:${file}: no frame of 14..1514 bytes to replay${leftOutNote}`,
    );
  const key = (fr: Uint8Array): string => {
    const p = parseFrame(fr);
    const l = p.inner?.l3 ? p.inner : p;
    return `${p.tunnel?.id ?? ""}|${l.l3?.src}|${l.l3?.dst}|${l.l4?.sport}|${l.l4?.dport}|${l.l4?.proto}`;
  };
  // Each distinct frame is replayed with its weight (the frames of one flow may differ: tagged and
  // untagged, other sizes); its flow (the 5-tuple) keeps the per-flow order and pairing figures.
  const flowIds = new Map<string, number>();
  const byHash = new Map<number, number[]>();
  const flowFrames: Uint8Array[] = [];
  const flowOfFrame: number[] = [];
  const weight: number[] = [];
  for (const fr of usable) {
    const h = frameHash(fr);
    const same = byHash.get(h) ?? [];
    let id = same.find((i) => sameBytes(flowFrames[i]!, fr));
    if (id === undefined) {
      id = flowFrames.length;
      same.push(id);
      byHash.set(h, same);
      flowFrames.push(fr);
      weight.push(0);
      const k = key(fr);
      let flow = flowIds.get(k);
      if (flow === undefined) {
        flow = flowIds.size;
        flowIds.set(k, flow);
      }
      flowOfFrame.push(flow);
    }
    weight[id]!++;
  }
  const cdf = new Float64Array(weight.length);
  let acc = 0;
  weight.forEach((w, i) => {
    acc += w;
    cdf[i] = acc;
  });
  const distinct = flowFrames.length > flowIds.size ? `, ${flowFrames.length} distinct frames` : "";
  return {
    name: `pcap:${file}`,
    flowFrames,
    ...(flowFrames.length > flowIds.size ? { flowOfFrame: Int32Array.from(flowOfFrame) } : {}),
    pairOf: new Int32Array(flowFrames.length).fill(-1),
    cdf,
    note: `${plural(usable.length, "frame")} replayed, ${plural(flowIds.size, "flow")}${distinct} (popularity as captured)${leftOutNote}`,
    payloadBytes: null,
    ip: null,
    droppedBeforeEngine,
  };
}

/** FNV-1a over a frame's bytes: finds frames replayed more than once without a key per byte. */
function frameHash(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The flow frame `i` of `t.flowFrames` belongs to (its own index unless a flow has several). */
export function flowOfFrame(t: SteeringTraffic, i: number): number {
  return t.flowOfFrame ? t.flowOfFrame[i]! : i;
}

/** How many flows `t` has (frames that share a flow count once). */
export function flowCount(t: SteeringTraffic): number {
  if (!t.flowOfFrame) return t.flowFrames.length;
  let n = 0;
  for (const f of t.flowOfFrame) n = Math.max(n, f + 1);
  return n;
}

/** The flow of each of `count` frames, drawn from the popularity (seeded, deterministic). */
export function flowSequence(t: SteeringTraffic, count: number, seed: number): Int32Array {
  const out = new Int32Array(count);
  const n = t.cdf.length;
  const total = t.cdf[n - 1]!;
  const uniform = t.cdf[0] === 1 && total === n;
  const rnd = prng(seed);
  for (let i = 0; i < count; i++) {
    if (uniform) {
      out[i] = Math.floor(rnd() * n);
      continue;
    }
    const x = rnd() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t.cdf[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

/** "1 frame", "2 frames". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
