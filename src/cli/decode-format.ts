// How `iovsim decode` prints a parsed frame: the JSON object of docs/decode-json.md, and a
// one-line human summary.
import { type Symmetric, symmetricHash } from "../steering/symmetric.ts";
import type { ParsedFrame, ParsedLayers } from "../switch/reference/parsed.ts";
import { RSS_ALL_TYPES } from "../switch/reference/rss.ts";

const hex16 = (v: number) => `0x${v.toString(16).padStart(4, "0")}`;
const hex32 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

export interface DecodeJsonLayers {
  /** `type` for Ethernet II; `length` instead for an IEEE 802.3 frame (field ≤ 1500). */
  eth?: { dst: string; src: string; type?: string; length?: number };
  vlans: Array<{ tpid: string; vid: number; pcp: number }>;
  l3?: { proto: string; src: string; dst: string; fragment: boolean };
  l4?: { proto: string; sport?: number; dport?: number };
}

export interface DecodeJson extends DecodeJsonLayers {
  frame: number;
  len: number;
  tunnel?: { type: string; id?: number; labels?: number[]; flags?: string; next_protocol?: number };
  inner?: DecodeJsonLayers;
  rss: { outer: string; inner: string };
  /** Symmetric hashes (same key and types as `rss`); only when the frame's bytes are given. */
  rss_symmetric?: { toeplitz: { outer: string; inner: string }; sorted: { outer: string; inner: string } };
  truncated?: string;
  invalid?: string;
}

function layersJson(l: ParsedLayers): DecodeJsonLayers {
  const out: DecodeJsonLayers = {
    vlans: l.vlans.map((v) => ({ tpid: hex16(v.tpid), vid: v.vid, pcp: v.pcp })),
  };
  if (l.eth) {
    out.eth =
      l.eth.type <= 1500
        ? { dst: l.eth.dst, src: l.eth.src, length: l.eth.type }
        : { dst: l.eth.dst, src: l.eth.src, type: hex16(l.eth.type) };
  }
  if (l.l3) out.l3 = { proto: l.l3.proto, src: l.l3.src, dst: l.l3.dst, fragment: l.l3.fragment };
  if (l.l4) {
    out.l4 = { proto: l.l4.proto };
    if (l.l4.sport !== undefined) out.l4.sport = l.l4.sport;
    if (l.l4.dport !== undefined) out.l4.dport = l.l4.dport;
  }
  // Key order: eth, vlans, l3, l4 (as documented).
  return {
    ...(out.eth && { eth: out.eth }),
    vlans: out.vlans,
    ...(out.l3 && { l3: out.l3 }),
    ...(out.l4 && { l4: out.l4 }),
  };
}

export function decodeJson(frameNo: number, p: ParsedFrame, frame?: Uint8Array): DecodeJson {
  const out: DecodeJson = { frame: frameNo, len: p.len, ...layersJson(p), rss: { outer: "", inner: "" } };
  delete (out as Partial<DecodeJson>).rss; // keep "rss" after the tunnel fields
  if (p.tunnel) {
    out.tunnel = { type: p.tunnel.type };
    if (p.tunnel.id !== undefined) out.tunnel.id = p.tunnel.id;
    if (p.tunnel.labels) out.tunnel.labels = [...p.tunnel.labels];
    if (p.tunnel.gpe) {
      out.tunnel.flags = `0x${p.tunnel.gpe.flags.toString(16).padStart(2, "0")}`;
      if (p.tunnel.gpe.nextProtocol !== undefined) out.tunnel.next_protocol = p.tunnel.gpe.nextProtocol;
    }
  }
  if (p.inner) out.inner = layersJson(p.inner);
  out.rss = { outer: hex32(p.rss.outer), inner: hex32(p.rss.inner) };
  if (frame) {
    const h = (level: "outer" | "inner", m: Symmetric) =>
      hex32(symmetricHash(frame, level, m, RSS_ALL_TYPES, p));
    out.rss_symmetric = {
      toeplitz: { outer: h("outer", "toeplitz"), inner: h("inner", "toeplitz") },
      sorted: { outer: h("outer", "sorted"), inner: h("inner", "sorted") },
    };
  }
  if (p.truncated) out.truncated = p.truncated;
  if (p.invalid) out.invalid = p.invalid;
  return out;
}

function layersText(l: ParsedLayers): string[] {
  const parts: string[] = [];
  if (l.eth) parts.push(`${l.eth.src} > ${l.eth.dst}`);
  for (const v of l.vlans)
    parts.push(
      `${v.tpid === 0x8100 ? "vlan" : `tag ${hex16(v.tpid)}`} ${v.vid}${v.pcp ? ` pcp ${v.pcp}` : ""}`,
    );
  if (l.l3) parts.push(`${l.l3.proto} ${l.l3.src} > ${l.l3.dst}${l.l3.fragment ? " frag" : ""}`);
  // A field of 1500 or less is an IEEE 802.3 length (LLC follows), not an EtherType, as the
  // JSON's eth.length says: the line printed 'ethertype 0x0026' for a 38-byte LLC frame.
  else if (l.etherType !== undefined)
    parts.push(l.etherType <= 1500 ? `802.3 length ${l.etherType}` : `ethertype ${hex16(l.etherType)}`);
  if (l.l4) parts.push(l.l4.sport !== undefined ? `${l.l4.proto} ${l.l4.sport} > ${l.l4.dport}` : l.l4.proto);
  return parts;
}

export function decodeLine(frameNo: number, p: ParsedFrame): string {
  const parts = [`${String(frameNo).padStart(5)}  ${String(p.len).padStart(5)}B`, ...layersText(p)];
  if (p.tunnel) {
    const id = p.tunnel.labels
      ? ` labels ${p.tunnel.labels.join("/")}`
      : p.tunnel.id !== undefined
        ? ` ${p.tunnel.id}`
        : "";
    parts.push(`[${p.tunnel.type}${id}${p.tunnel.gpe ? gpeText(p.tunnel.gpe) : ""}]`);
    if (p.inner) parts.push(...layersText(p.inner));
  }
  parts.push(`rss ${hex32(p.rss.outer)}/${hex32(p.rss.inner)}`);
  if (p.truncated) parts.push(`TRUNCATED ${p.truncated}`);
  if (p.invalid) parts.push(`INVALID ${p.invalid}`);
  return parts.join("  ");
}

const GPE_NEXT_NAMES: Record<number, string> = { 1: "ipv4", 2: "ipv6", 3: "eth", 4: "nsh" };

/** " next eth", " next 0x05", or " no next protocol" (P bit clear: the payload type is unknown). */
function gpeText(g: { flags: number; nextProtocol?: number }): string {
  if (g.nextProtocol === undefined) return " no next protocol";
  return ` next ${GPE_NEXT_NAMES[g.nextProtocol] ?? `0x${g.nextProtocol.toString(16).padStart(2, "0")}`}`;
}
