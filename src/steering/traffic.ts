// Encapsulated test traffic for the steering experiments, built with the frame builder
// (src/traffic/frames.ts). Every frame is real bytes; nothing about where it will be steered is
// decided here. Three regimes (anchors §4.1, overview use case 3):
//   one-tunnel : one tunnel endpoint pair, fixed outer headers (the published failure mode);
//   entropy    : the encapsulator puts per-flow entropy in the outer headers where the
//                encapsulation has a place for it (RFC 7348 outer UDP source port for VXLAN and
//                GTP-U; GRE key, NVGRE FlowID, MPLS entropy label for the others);
//   instances  : the talk's fix: K generator instances, each with its own MAC (the MAC comes
//                before any encapsulation); outer headers stay those of the one tunnel.
import { UserError } from "../errors.ts";
import { eth, type FrameBuilder } from "../traffic/frames.ts";

export type SteeringEncap = "vxlan" | "gtpu" | "gre" | "nvgre" | "mpls" | "qinq";
export const STEERING_ENCAPS: readonly SteeringEncap[] = ["vxlan", "gtpu", "gre", "nvgre", "mpls", "qinq"];
export type Regime = "one-tunnel" | "entropy" | "instances";
export const REGIMES: readonly Regime[] = ["one-tunnel", "entropy", "instances"];
export type Popularity = "uniform" | "zipf";

export interface TrafficSpec {
  encap: SteeringEncap;
  regime: Regime;
  /** Inner flows (UEs / inner 5-tuples). */
  flows: number;
  popularity: Popularity;
  /** Zipf exponent s (rank k has weight 1/k^s). */
  zipfS: number;
  frames: number;
  /** Generator instances (regime "instances"); each gets instanceMac(k). */
  instances: number;
  seed: number;
}

export interface SteeringTraffic {
  spec: TrafficSpec;
  frames: Uint8Array[];
  /** Destination MACs that occur, in instance order (one for one-tunnel/entropy). */
  dstMacs: string[];
  /** Mean frame length without FCS. */
  meanBytes: number;
  /** What the regime means for this encapsulation (printed in notes). */
  note: string;
}

/** MAC of generator instance k (instance 0 is also the single VTEP's MAC). */
export function instanceMac(k: number): string {
  return `02:5e:00:00:${((k >> 8) & 0xff).toString(16).padStart(2, "0")}:${(k & 0xff).toString(16).padStart(2, "0")}`;
}
const PEER_MAC = "02:5e:00:00:ff:fe";
const OUTER_SRC = "192.0.2.1";
const OUTER_DST = "192.0.2.2";
const INNER_PAYLOAD = 32;

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flow of each frame: uniform = round robin (exactly even), zipf = seeded draws. */
export function flowSequence(
  spec: Pick<TrafficSpec, "flows" | "popularity" | "zipfS" | "frames" | "seed">,
): number[] {
  const { flows, frames } = spec;
  if (spec.popularity === "uniform" || flows === 1)
    return Array.from({ length: frames }, (_, i) => i % flows);
  const cdf: number[] = [];
  let acc = 0;
  for (let k = 0; k < flows; k++) {
    acc += 1 / (k + 1) ** spec.zipfS;
    cdf.push(acc);
  }
  const rnd = prng(spec.seed);
  return Array.from({ length: frames }, () => {
    const u = rnd() * acc;
    let lo = 0;
    let hi = flows - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

function innerAddr(f: number): string {
  return `10.${64 + ((f >> 16) & 0x3f)}.${(f >> 8) & 0xff}.${f & 0xff}`;
}
function innerSport(f: number): number {
  return 1024 + (f % 60000);
}

/** The VTEP's entropy hash of the inner flow (RFC 7348 §5: "a hash of the inner headers"). */
function innerEntropy(f: number): number {
  let h = 0x811c9dc5;
  for (const b of [...innerAddr(f).split(".").map(Number), innerSport(f) >> 8, innerSport(f) & 0xff]) {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h;
}

function inner(b: FrameBuilder, f: number): FrameBuilder {
  return b
    .ipv4({ src: innerAddr(f), dst: "10.255.0.1", ttl: 64 })
    .udp({ sport: innerSport(f), dport: 5001 })
    .payload(INNER_PAYLOAD);
}

function frameFor(spec: TrafficSpec, f: number, instance: number): Uint8Array {
  const entropy = spec.regime === "entropy";
  const dst = spec.regime === "instances" ? instanceMac(instance) : instanceMac(0);
  const outer = eth({ dst, src: PEER_MAC });
  const ipOuter = () => outer.ipv4({ src: OUTER_SRC, dst: OUTER_DST, ttl: 64 });
  const innerEth = (b: FrameBuilder) => b.eth({ dst: "02:00:00:00:01:01", src: "02:00:00:00:01:02" });
  const udpSport = (fixed: number) => (entropy ? 49152 | (innerEntropy(f) & 0x3fff) : fixed);
  switch (spec.encap) {
    case "vxlan":
      return inner(
        innerEth(
          ipOuter()
            .udp({ sport: udpSport(49152), checksum: false })
            .vxlan(100),
        ),
        f,
      ).build();
    case "gtpu": {
      // One TEID per UE (flow); every third UE's packets carry a PDU session container (0x85).
      const ext = f % 3 === 0 ? { ext: [{ type: 0x85, content: [0x00, 0x09] }] } : {};
      return inner(
        ipOuter()
          .udp({ sport: udpSport(2152), dport: 2152, checksum: false })
          .gtpu(0x1000 + f, ext),
        f,
      ).build();
    }
    case "gre":
      return inner(ipOuter().gre({ key: entropy ? 0x10000 + (innerEntropy(f) & 0xffff) : 100 }), f).build();
    case "nvgre":
      return inner(innerEth(ipOuter().nvgre(100, entropy ? innerEntropy(f) & 0xff : 0)), f).build();
    case "mpls": {
      // Transport + service labels; every other flow takes a three-label path. Entropy regime:
      // an entropy label pair (ELI 7, EL) as RFC 6790 places it, before the service label.
      const stack = f % 2 === 0 ? [16001, 100] : [16001, 17002, 100];
      if (entropy) stack.splice(1, 0, 7, 16 + (innerEntropy(f) & 0xfffef));
      return inner(outer.mpls(stack.map((label) => ({ label, ttl: 64 }))), f).build();
    }
    case "qinq":
      return inner(outer.qinq(100, 200 + (f % 16)), f).build();
  }
}

export function validateTrafficSpec(spec: TrafficSpec): void {
  const bad = (opt: string, msg: string) => {
    throw new UserError("E_USAGE", `${opt}: ${msg}`);
  };
  if (!Number.isInteger(spec.flows) || spec.flows < 1 || spec.flows > 65535)
    bad("--flows", `must be an integer in 1..65535 (got ${spec.flows})`);
  if (!Number.isInteger(spec.frames) || spec.frames < 1 || spec.frames > 1_000_000)
    bad("--frames", `must be an integer in 1..1000000 (got ${spec.frames})`);
  if (!Number.isInteger(spec.instances) || spec.instances < 1 || spec.instances > 63)
    bad("--queues", `generator instances must be 1..63 (got ${spec.instances})`);
  if (!(spec.zipfS > 0 && spec.zipfS <= 10)) bad("--zipf", `exponent must be in (0, 10] (got ${spec.zipfS})`);
}

const NOTES: Record<SteeringEncap, Record<Regime, string>> = {
  vxlan: {
    "one-tunnel": "one VTEP pair, fixed outer UDP source port",
    entropy: "RFC 7348: outer UDP source port = hash of the inner headers",
    instances: "one VTEP pair's outer headers, one MAC per generator instance",
  },
  gtpu: {
    "one-tunnel": "one N3 endpoint pair, UDP 2152->2152, TEID per UE, ext. headers on 1/3",
    entropy: "outer UDP source port = hash of the inner headers",
    instances: "one N3 endpoint pair's outer headers, one MAC per generator instance",
  },
  gre: {
    "one-tunnel": "one GRE tunnel (key 100)",
    entropy: "per-flow GRE key (a plain NIC hashes the outer 2-tuple only)",
    instances: "one GRE tunnel's outer headers, one MAC per generator instance",
  },
  nvgre: {
    "one-tunnel": "one NVGRE tunnel (VSID 100, FlowID 0)",
    entropy: "RFC 7637 FlowID = inner hash (invisible to outer RSS)",
    instances: "one NVGRE tunnel's outer headers, one MAC per generator instance",
  },
  mpls: {
    "one-tunnel": "MPLS over Ethernet, 2-3 label stacks",
    entropy: "RFC 6790 entropy label in the stack (a plain NIC does not parse MPLS)",
    instances: "MPLS label stacks, one MAC per generator instance",
  },
  qinq: {
    "one-tunnel": "QinQ S-tag 0x88a8 + C-tag, plain IPv4/UDP behind the tags",
    entropy: "QinQ has no outer tunnel header: same frames as one-tunnel",
    instances: "QinQ frames, one MAC per generator instance",
  },
};

/** Builds the frames (one frame per flow is built once and shared by that flow's packets). */
export function buildSteeringTraffic(spec: TrafficSpec): SteeringTraffic {
  validateTrafficSpec(spec);
  const seq = flowSequence(spec);
  const k = spec.regime === "instances" ? spec.instances : 1;
  const cache = new Map<number, Uint8Array>();
  // Flow f belongs to instance f mod K (the talk pairs instances client/server; each carries its share of UEs).
  const frames = seq.map((f) => {
    let fr = cache.get(f);
    if (!fr) {
      fr = frameFor(spec, f, f % k);
      cache.set(f, fr);
    }
    return fr;
  });
  const meanBytes = frames.reduce((s, f) => s + f.length, 0) / frames.length;
  return {
    spec,
    frames,
    dstMacs: Array.from({ length: k }, (_, i) => instanceMac(i)),
    meanBytes,
    note: NOTES[spec.encap][spec.regime],
  };
}
