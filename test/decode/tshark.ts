// tshark as an external oracle for `iovsim decode --json`: runs tshark once per file and
// compares, frame by frame and field by field, what both decoders found.
import { execFileSync, spawnSync } from "node:child_process";
import type { DecodeJson, DecodeJsonLayers } from "../../src/cli/decode-format.ts";

export function tsharkAvailable(): boolean {
  const r = spawnSync("tshark", ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

/** tshark fields compared (see docs/decode-json.md for the mapping). */
export const TSHARK_FIELDS = [
  "frame.number",
  "frame.cap_len",
  "frame.protocols",
  "eth.dst",
  "eth.src",
  "eth.type",
  "vlan.id",
  "vlan.priority",
  "ieee8021ad.id",
  "ieee8021ad.priority",
  "ip.src",
  "ip.dst",
  "ip.flags.mf",
  "ip.frag_offset",
  "ipv6.src",
  "ipv6.dst",
  "ipv6.fraghdr.offset",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
  "vxlan.vni",
  "vxlan.next_proto",
  "geneve.vni",
  "gtp.teid",
  "gre.key",
  "mpls.label",
] as const;

export type TsharkFrame = Record<string, string[]>;

/** Decodes a capture with tshark; reassembly off so every frame stands alone (like a NIC). */
export function tsharkFrames(file: string, decodeAs: string[] = []): TsharkFrame[] {
  const args = ["-r", file, "-T", "json", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"];
  for (const d of decodeAs) args.push("-d", d);
  for (const f of TSHARK_FIELDS) args.push("-e", f);
  const out = execFileSync("tshark", args, {
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 256 << 20,
  }).toString();
  const docs = JSON.parse(out) as Array<{ _source: { layers: TsharkFrame } }>;
  return docs.map((d) => d._source.layers);
}

/** The tshark-field view of what our decoder reported, in tshark's outer-to-inner order. */
export function ourFields(j: DecodeJson): Record<string, string[]> {
  if (!Array.isArray(j.vlans)) return {}; // a non-Ethernet record, skipped by decode
  const sets: DecodeJsonLayers[] = [j, ...(j.inner ? [j.inner] : [])];
  const f: Record<string, string[]> = {};
  const push = (k: string, v: string | number) => {
    f[k] ??= [];
    f[k].push(String(v));
  };
  for (const s of sets) {
    if (s.eth) {
      push("eth.dst", s.eth.dst);
      push("eth.src", s.eth.src);
      if (s.eth.type !== undefined) push("eth.type", s.eth.type);
    }
    for (const v of s.vlans) {
      // tshark: 802.1ad S-tags are ieee8021ad.*, 0x8100 and 0x9100 tags are vlan.*
      if (v.tpid === "0x88a8") {
        push("ieee8021ad.id", v.vid);
        push("ieee8021ad.priority", v.pcp);
      } else if (v.tpid === "0x8100" || v.tpid === "0x9100") {
        push("vlan.id", v.vid);
        push("vlan.priority", v.pcp);
      }
    }
    if (s.l3) {
      const p = s.l3.proto === "ipv4" ? "ip" : "ipv6";
      push(`${p}.src`, s.l3.src);
      push(`${p}.dst`, s.l3.dst);
    }
    if (s.l4 && (s.l4.proto === "tcp" || s.l4.proto === "udp") && s.l4.sport !== undefined) {
      push(`${s.l4.proto}.srcport`, s.l4.sport);
      push(`${s.l4.proto}.dstport`, s.l4.dport!);
    }
  }
  const t = j.tunnel;
  if (t?.type === "vxlan") push("vxlan.vni", t.id!);
  // tshark shows VXLAN-GPE under the vxlan fields; it names no 'vxlan' in frame.protocols.
  if (t?.type === "vxlan-gpe") {
    push("vxlan.vni", t.id!);
    if (t.next_protocol !== undefined) push("vxlan.next_proto", t.next_protocol);
  }
  if (t?.type === "geneve") push("geneve.vni", t.id!);
  if (t?.type === "gtpu") push("gtp.teid", t.id!);
  if (t?.type === "gre" && t.id !== undefined) push("gre.key", t.id);
  if (t?.type === "nvgre") push("gre.key.vsid", t.id!);
  if (t?.type === "mpls") for (const l of t.labels ?? []) push("mpls.label", l);
  return f;
}

const HEX_FIELDS = new Set(["gtp.teid", "geneve.vni", "gre.key"]);

/** tshark's values normalised to ours (hex ids to decimal; NVGRE VSID from the key). */
export function theirFields(t: TsharkFrame): Record<string, string[]> {
  const f: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(t)) {
    f[k] = vs.map((v) => (HEX_FIELDS.has(k) && /^0x/i.test(v) ? String(Number.parseInt(v, 16)) : v));
  }
  return f;
}

/** Fields checked by compareFrame's own rules (frame metadata, fragment flags, the GRE key). */
const NOT_COMPARED_BY_VALUE = new Set<string>([
  "frame.number",
  "frame.cap_len",
  "frame.protocols",
  "ip.flags.mf",
  "ip.frag_offset",
  "ipv6.fraghdr.offset",
  "gre.key",
]);

/** Fields compared value by value, in tshark's field order. */
export const COMPARED = TSHARK_FIELDS.filter((f) => !NOT_COMPARED_BY_VALUE.has(f));

/** tshark fields that belong to each layer name our `truncated` can report. */
const CUT_LAYER_FIELDS: Record<string, string[]> = {
  eth: ["eth.dst", "eth.src", "eth.type"],
  vlan: ["vlan.id", "vlan.priority", "ieee8021ad.id", "ieee8021ad.priority"],
  ipv4: ["ip.src", "ip.dst"],
  ipv6: ["ipv6.src", "ipv6.dst"],
  "ipv6-ext": [],
  tcp: ["tcp.srcport", "tcp.dstport"],
  udp: ["udp.srcport", "udp.dstport"],
  vxlan: ["vxlan.vni"],
  "vxlan-gpe": ["vxlan.vni", "vxlan.next_proto"],
  geneve: ["geneve.vni"],
  gtpu: ["gtp.teid"],
  mpls: ["mpls.label"],
  gre: [],
};

/**
 * Differences between our decode and tshark's for one frame, as readable strings.
 *
 * Every value both report at the same position must be equal. The number of values must be
 * equal too, with two documented exceptions: tshark decodes deeper than we do (packets quoted
 * inside ICMP errors, tunnels inside tunnels), so it may have further values after ours; and at
 * the layer our `truncated` names, tshark shows the fields that fit before the cut while we
 * report a header only when it is complete, so the cut layer's fields may be present on one
 * side only.
 */
export function compareFrame(ours: DecodeJson, tshark: TsharkFrame): string[] {
  const o = ourFields(ours);
  const t = theirFields(tshark);
  const diffs: string[] = [];
  const protos = (tshark["frame.protocols"] ?? [""])[0];
  // NSH behind VXLAN-GPE is reported, not entered: tshark goes on into it.
  const deeper = /icmp|nsh/.test(protos) || countTunnels(protos) > 1;
  const depthLimit = deeper ? valuesBeforeCut(protos) : undefined;
  const cutLayer = ours.truncated?.replace(/^inner-/, "");
  const cutFields = new Set(cutLayer ? (CUT_LAYER_FIELDS[cutLayer] ?? []) : []);
  for (const k of COMPARED) {
    const ov = o[k] ?? [];
    // Where tshark went deeper than we decode, keep only its values from before that point.
    const all = t[k] ?? [];
    const tv = depthLimit ? all.slice(0, depthLimit(k, all.length)) : all;
    const n = Math.min(ov.length, tv.length);
    const commonOk = ov.slice(0, n).every((v, i) => tv[i] === v);
    const lengthOk = ov.length === tv.length || cutFields.has(k);
    if (!commonOk || !lengthOk) diffs.push(`${k}: ours [${ov.join(", ")}] tshark [${tv.join(", ")}]`);
  }
  // GRE: tshark shows the whole 32-bit key; NVGRE's VSID is its top 24 bits.
  if (ours.tunnel?.type === "gre" || ours.tunnel?.type === "nvgre") {
    const key = t["gre.key"]?.[0];
    const want = ours.tunnel.id;
    const got =
      key === undefined ? undefined : ours.tunnel.type === "nvgre" ? Number(key) >>> 8 : Number(key);
    if (want !== got && cutLayer !== "gre") diffs.push(`gre key: ours ${want} tshark ${key}`);
  } else if (t["gre.key"] && !deeper && cutLayer !== "gre")
    diffs.push(`gre.key ${t["gre.key"]} but no GRE tunnel decoded`);
  // Fragment flag of the outer packet.
  if (ours.l3 && !deeper) {
    const mf = t["ip.flags.mf"]?.[0];
    const off = t["ip.frag_offset"]?.[0];
    const frag6 = t["ipv6.fraghdr.offset"]?.[0];
    const theirs =
      ours.l3.proto === "ipv4" ? mf === "1" || (off !== undefined && off !== "0") : frag6 !== undefined;
    if (theirs !== ours.l3.fragment) diffs.push(`fragment: ours ${ours.l3.fragment} tshark ${theirs}`);
  }
  return diffs;
}

const FIELD_PROTO: Record<string, string> = {
  eth: "eth",
  vlan: "vlan",
  ieee8021ad: "ieee8021ad",
  ip: "ip",
  ipv6: "ipv6",
  tcp: "tcp",
  udp: "udp",
  vxlan: "vxlan",
  geneve: "geneve",
  gtp: "gtp",
  mpls: "mpls",
};

/**
 * For a frame tshark decoded deeper than we do (an ICMP error quoting a packet, a tunnel inside
 * the tunnel), how many of a field's values belong to the layers before that point, counted
 * from tshark's own protocol list (frame.protocols).
 */
function valuesBeforeCut(protos: string): (field: string, available: number) => number {
  const list = protos.split(":");
  let cut = list.findIndex((p) => p === "icmp" || p === "icmpv6" || p === "nsh");
  let tunnels = 0;
  list.forEach((p, i) => {
    if (["vxlan", "geneve", "gtp", "gre", "mpls"].includes(p) && ++tunnels === 2 && (cut < 0 || i < cut))
      cut = i;
  });
  const prefix = cut < 0 ? list : list.slice(0, cut);
  return (field, available) => {
    const proto = FIELD_PROTO[field.split(".")[0]];
    if (proto === "mpls") return prefix.includes("mpls") ? available : 0; // one layer, all labels
    // VXLAN-GPE is absent from tshark's protocol list (udp:nsh, udp:ip): its one header is ours.
    if (proto === "vxlan" && !list.includes("vxlan")) return Math.min(available, 1);
    return prefix.filter((p) => p === proto).length;
  };
}

function countTunnels(protos: string): number {
  return protos.split(":").filter((p) => ["vxlan", "geneve", "gtp", "gre", "mpls"].includes(p)).length;
}
