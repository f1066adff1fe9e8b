// The Wasm parser from JavaScript: parses one frame in the kernels and turns the summary
// record (PS_* / LS_* words, assembly/abi.ts) into the reference's ParsedFrame shape, so
// `decode` and the differential tests can use either parser.
import * as A from "../../assembly/abi.ts";
import { MS_RSS_KEY } from "./config.ts";
import { Layout } from "./layout.ts";
import { toeplitzTable } from "./nic.ts";
import type { L3Info, L4Info, ParsedFrame, ParsedLayers, TunnelType } from "./reference/parsed.ts";
import { formatIpv6 } from "./reference/reader.ts";
import { createMemory, instantiateKernels, type Kernels, loadModuleSync } from "./wasm.ts";

const TR_NAMES: Record<number, string> = {
  [A.TR_ETH]: "eth",
  [A.TR_VLAN]: "vlan",
  [A.TR_IPV4]: "ipv4",
  [A.TR_IPV6]: "ipv6",
  [A.TR_IPV6_EXT]: "ipv6-ext",
  [A.TR_AH]: "ah",
  [A.TR_TCP]: "tcp",
  [A.TR_UDP]: "udp",
  [A.TR_SCTP]: "sctp",
  [A.TR_ICMP]: "icmp",
  [A.TR_ICMPV6]: "icmpv6",
  [A.TR_VXLAN]: "vxlan",
  [A.TR_VXLAN_GPE]: "vxlan-gpe",
  [A.TR_GENEVE]: "geneve",
  [A.TR_GRE]: "gre",
  [A.TR_GTPU]: "gtpu",
  [A.TR_MPLS]: "mpls",
};
const L4_NAMES: Record<number, L4Info["proto"]> = {
  [A.L4_TCP]: "tcp",
  [A.L4_UDP]: "udp",
  [A.L4_SCTP]: "sctp",
  [A.L4_ICMP]: "icmp",
  [A.L4_ICMPV6]: "icmpv6",
  [A.L4_GRE]: "gre",
  [A.L4_ESP]: "esp",
};
const TUN_NAMES: Record<number, TunnelType> = {
  [A.TUN_VXLAN]: "vxlan",
  [A.TUN_VXLAN_GPE]: "vxlan-gpe",
  [A.TUN_GENEVE]: "geneve",
  [A.TUN_GRE]: "gre",
  [A.TUN_NVGRE]: "nvgre",
  [A.TUN_GTPU]: "gtpu",
  [A.TUN_MPLS]: "mpls",
  [A.TUN_IPIP]: "ipip",
};
const ALL_TYPES = A.RT_ALL;
/** Largest frame the parser instance accepts (a pcap snapshot length). */
export const MAX_PARSE_FRAME = 262144;

function layerName(code: number): string | undefined {
  if (code === 0) return undefined;
  const base = TR_NAMES[code & ~A.TR_INNER] ?? `layer-${code & ~A.TR_INNER}`;
  return code & A.TR_INNER ? `inner-${base}` : base;
}

const mac = (b: Uint8Array, o: number) =>
  Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, "0")).join(":");

/** Decodes one layer set of a summary record. */
function layersFrom(w: Uint32Array, base: number, frame: Uint8Array): ParsedLayers {
  const g = (i: number) => w[base + i]!;
  const f = g(A.LS_FLAGS);
  const out: ParsedLayers = { vlans: [] };
  if (f & A.LF_ETH) {
    const o = g(A.LS_ETH_OFF);
    out.eth = { dst: mac(frame, o), src: mac(frame, o + 6), type: g(A.LS_ETH_TYPE), offset: o };
  }
  for (let i = 0; i < g(A.LS_NVLAN); i++) {
    const v = g(A.LS_VLANS + i);
    const tci = v & 0xffff;
    out.vlans.push({ tpid: v >>> 16, pcp: tci >> 13, dei: (tci >> 12) & 1, vid: tci & 0xfff });
  }
  if (f & A.LF_ETHERTYPE) out.etherType = g(A.LS_ETHERTYPE);
  if (f & A.LF_L3) {
    const o = g(A.LS_L3_OFF);
    const v4 = g(A.LS_L3) === 4;
    const l3: L3Info = {
      proto: v4 ? "ipv4" : "ipv6",
      offset: o,
      src: v4
        ? Array.from(frame.subarray(o + 12, o + 16)).join(".")
        : formatIpv6(frame.subarray(o + 8, o + 24)),
      dst: v4
        ? Array.from(frame.subarray(o + 16, o + 20)).join(".")
        : formatIpv6(frame.subarray(o + 24, o + 40)),
      fragment: (f & A.LF_FRAG) !== 0,
      nextProto: g(A.LS_NEXT),
      fragOffset: g(A.LS_FRAG_OFF),
    };
    if (f & A.LF_L3_TRUNC) l3.truncated = true;
    if (f & A.LF_HDR_TRUNC) l3.headerTruncated = true;
    if (f & A.LF_HOME) l3.homeAddrOffset = g(A.LS_HOME);
    if (f & A.LF_RT2) l3.rt2DstOffset = g(A.LS_RT2);
    out.l3 = l3;
  }
  if (f & A.LF_L4) {
    const l4: L4Info = { proto: L4_NAMES[g(A.LS_L4)] ?? "other", offset: g(A.LS_L4_OFF) };
    if (f & A.LF_PORTS) {
      l4.sport = g(A.LS_PORTS) >>> 16;
      l4.dport = g(A.LS_PORTS) & 0xffff;
    }
    l4.complete = (f & A.LF_COMPLETE) !== 0;
    out.l4 = l4;
  }
  return out;
}

/** Turns a summary record (u32 words) into a ParsedFrame. */
export function summaryToParsed(w: Uint32Array, frame: Uint8Array): ParsedFrame {
  const parsed: ParsedFrame = {
    len: w[A.PS_LEN]!,
    ...layersFrom(w, A.PS_OUTER, frame),
    rss: { outer: w[A.PS_RSS_OUTER]! >>> 0, inner: w[A.PS_RSS_INNER]! >>> 0 },
  };
  const tun = w[A.PS_TUN]!;
  if (tun !== A.TUN_NONE) {
    parsed.tunnel = { type: TUN_NAMES[tun]!, innerOffset: w[A.PS_TUN_OFF]! };
    if (w[A.PS_TUN_FLAGS]! & A.TF_ID) parsed.tunnel.id = w[A.PS_TUN_ID]! >>> 0;
    if (tun === A.TUN_VXLAN_GPE) {
      const g = w[A.PS_TUN_GPE]!;
      parsed.tunnel.gpe =
        w[A.PS_TUN_FLAGS]! & A.TF_GPE_NEXT ? { flags: g >>> 8, nextProtocol: g & 0xff } : { flags: g >>> 8 };
    }
    if (tun === A.TUN_MPLS) {
      parsed.tunnel.labels = Array.from(w.subarray(A.PS_LABELS, A.PS_LABELS + w[A.PS_NLABEL]!));
    }
    if (w[A.PS_TUN_FLAGS]! & A.TF_INNER) parsed.inner = layersFrom(w, A.PS_INNER, frame);
  }
  const t = layerName(w[A.PS_TRUNC]!);
  if (t) parsed.truncated = t;
  const inv = layerName(w[A.PS_INVALID]!);
  if (inv) parsed.invalid = inv;
  return parsed;
}

/** A single-threaded parser instance with its own small shared memory. */
export class WasmParser {
  readonly kernels: Kernels;
  private readonly layout: Layout;
  private readonly frameAt: number;
  private readonly recordAt: number;
  private readonly tableAt: number;

  constructor(opts: { vxlanPorts?: number[]; module?: WebAssembly.Module } = {}) {
    const memory = createMemory(8);
    const inst = instantiateKernels(opts.module ?? loadModuleSync(), memory);
    this.kernels = inst.exports;
    this.layout = new Layout(memory, inst.heapBase);
    // The parser reads only the tunnel-port table from the header.
    const ports = this.layout.addRegion("tunnel-ports", 64).offset;
    this.layout.setHeader(A.H_TUNNEL_PORTS, ports);
    const vx = opts.vxlanPorts ?? [];
    if (vx.length > 15) throw new Error("at most 15 extra VXLAN ports");
    vx.forEach((p, i) => {
      this.layout.dv().setUint16(ports + 2 * i, p, true);
    });
    this.recordAt = this.layout.addRegion("parse-record", A.PARSE_BYTES).offset;
    this.tableAt = this.layout.addRegion("toeplitz-ms", A.TOEPLITZ_TABLE_BYTES).offset;
    this.layout.u32().set(toeplitzTable(MS_RSS_KEY), this.tableAt >>> 2);
    this.frameAt = this.layout.addRegion("frame", MAX_PARSE_FRAME + 64).offset;
    if (this.kernels.init(this.layout.header) !== 0) throw new Error("wasm init failed");
  }

  /** Raw summary words (for tests and tools); copies the frame into Wasm memory first. */
  summary(frame: Uint8Array, withRss = true): Uint32Array {
    if (frame.length > MAX_PARSE_FRAME)
      throw new RangeError(`frame of ${frame.length} bytes exceeds ${MAX_PARSE_FRAME}`);
    this.layout.u8().set(frame, this.frameAt);
    const k = this.kernels as unknown as {
      parse(f: number, len: number, out: number): number;
      parseRss(rec: number, f: number, table: number, enabled: number): void;
    };
    k.parse(this.frameAt, frame.length, this.recordAt);
    if (withRss) k.parseRss(this.recordAt, this.frameAt, this.tableAt, ALL_TYPES);
    return this.layout.u32().slice(this.recordAt >>> 2, (this.recordAt >>> 2) + A.PARSE_WORDS);
  }

  parse(frame: Uint8Array): ParsedFrame {
    return summaryToParsed(this.summary(frame), frame);
  }
}
