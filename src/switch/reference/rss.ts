// Receive-side scaling, reference model (data-plane spec §4): which hash type applies to a
// parsed frame, which bytes feed the Toeplitz hash, outer vs tunnel-aware inner input, and the
// redirection-table look-up that turns a hash into a queue.
import { concatBytes as cat } from "../../bytes.ts";
import type { ParsedFrame, ParsedLayers } from "./parsed.ts";
import { MS_RSS_KEY, toeplitzHash } from "./toeplitz.ts";

/** Rx descriptor RSS-type codes (ixgbe numbering, spec §4.4). */
export const RssType = {
  NONE: 0,
  TCP_IPV4: 1,
  IPV4: 2,
  TCP_IPV6: 3,
  IPV6_EX: 4,
  IPV6: 5,
  TCP_IPV6_EX: 6,
  UDP_IPV4: 7,
  UDP_IPV6: 8,
  UDP_IPV6_EX: 9,
} as const;
export type RssTypeCode = (typeof RssType)[keyof typeof RssType];

/** Hash-type enable bits, as in 82576/82599 MRQC[31:16] (spec §4.4). */
export const RssEnable = {
  TCP_IPV4: 1 << 16,
  IPV4: 1 << 17,
  TCP_IPV6_EX: 1 << 18,
  IPV6_EX: 1 << 19,
  IPV6: 1 << 20,
  TCP_IPV6: 1 << 21,
  UDP_IPV4: 1 << 22,
  UDP_IPV6: 1 << 23,
  UDP_IPV6_EX: 1 << 24,
} as const;
export const RSS_ALL_TYPES = Object.values(RssEnable).reduce((a, b) => a | b, 0);
/** Linux ixgbe's default: no UDP 4-tuple (UDP then hashes on the 2-tuple). */
export const RSS_LINUX_IXGBE_DEFAULT =
  RssEnable.TCP_IPV4 | RssEnable.IPV4 | RssEnable.TCP_IPV6 | RssEnable.IPV6;

export type RssLevel = "outer" | "inner";

export interface RssConfig {
  key: Uint8Array;
  /** OR of RssEnable bits. */
  enabled: number;
  level: RssLevel;
}

export const DEFAULT_RSS: RssConfig = { key: MS_RSS_KEY, enabled: RSS_ALL_TYPES, level: "outer" };

export interface RssResult {
  hash: number;
  type: RssTypeCode;
}

export interface RssInput {
  type: RssTypeCode;
  /** The Toeplitz input bytes (src addr ‖ dst addr [‖ src port ‖ dst port]); empty for NONE. */
  bytes: Uint8Array;
}

const NONE: RssInput = { type: RssType.NONE, bytes: new Uint8Array(0) };

/**
 * Is the IP packet of this layer set truncated: header cut, a length field (IPv4 total length,
 * IPv6 payload length) past the bytes present, or an extension-header / AH chain running past
 * the packet's end? Such a packet gets hash 0, RSS type none (spec §7.5 rule 4, §10.3): unlike
 * QEMU, which falls back to the 2-tuple. The parser names the deepest cut layer in
 * `parsed.truncated`, and nothing is parsed behind an extension-chain cut, so a cut "ipv6-ext" /
 * "ah" (with "inner-" inside a tunnel) is the chain cut of exactly that level.
 */
export function ipTruncated(parsed: ParsedFrame, level: RssLevel): boolean {
  const layers = level === "inner" ? parsed.inner : parsed;
  const l3 = layers?.l3;
  if (!l3) return false;
  if (l3.headerTruncated || l3.truncated) return true;
  const prefix = level === "inner" ? "inner-" : "";
  return parsed.truncated === `${prefix}ipv6-ext` || parsed.truncated === `${prefix}ah`;
}

/** Picks the hash type and input bytes for one layer set (spec §4.3–§4.5). */
export function rssInputForLayers(frame: Uint8Array, layers: ParsedLayers, enabled: number): RssInput {
  const l3 = layers.l3;
  if (!l3 || l3.headerTruncated || l3.truncated) return NONE; // non-IP or truncated IP: no hash (§4.5, §7.5)
  const l4 = layers.l4;
  // 4-tuple only with the whole fixed L4 header present, IP not cut and not a fragment (§4.4).
  // An incomplete L4 header inside a complete IP packet falls back to the 2-tuple (QEMU, §4.4).
  const l4ok = l4 !== undefined && l4.complete === true && !l3.fragment && l4.sport !== undefined;
  const isTcp = l4ok && l4!.proto === "tcp";
  const isUdp = l4ok && l4!.proto === "udp";
  const on = (bit: number) => (enabled & bit) !== 0;
  const ports = () => frame.subarray(l4!.offset, l4!.offset + 4);

  if (l3.proto === "ipv4") {
    const addrs = frame.subarray(l3.offset + 12, l3.offset + 20);
    if (isTcp && on(RssEnable.TCP_IPV4)) return { type: RssType.TCP_IPV4, bytes: cat(addrs, ports()) };
    if (isUdp && on(RssEnable.UDP_IPV4)) return { type: RssType.UDP_IPV4, bytes: cat(addrs, ports()) };
    if (on(RssEnable.IPV4)) return { type: RssType.IPV4, bytes: addrs };
    return NONE;
  }

  const src = frame.subarray(l3.offset + 8, l3.offset + 24);
  const dst = frame.subarray(l3.offset + 24, l3.offset + 40);
  const hasEx = l3.homeAddrOffset !== undefined || l3.rt2DstOffset !== undefined;
  const exSrc =
    l3.homeAddrOffset !== undefined ? frame.subarray(l3.homeAddrOffset, l3.homeAddrOffset + 16) : src;
  const exDst = l3.rt2DstOffset !== undefined ? frame.subarray(l3.rt2DstOffset, l3.rt2DstOffset + 16) : dst;
  const plain = cat(src, dst);
  const ex = cat(exSrc, exDst);
  // EX variants substitute the Home Address / type-2 routing address when present (§4.3).
  if (isTcp) {
    if (hasEx && on(RssEnable.TCP_IPV6_EX)) return { type: RssType.TCP_IPV6_EX, bytes: cat(ex, ports()) };
    if (on(RssEnable.TCP_IPV6)) return { type: RssType.TCP_IPV6, bytes: cat(plain, ports()) };
    if (on(RssEnable.TCP_IPV6_EX)) return { type: RssType.TCP_IPV6_EX, bytes: cat(plain, ports()) };
  }
  if (isUdp) {
    if (hasEx && on(RssEnable.UDP_IPV6_EX)) return { type: RssType.UDP_IPV6_EX, bytes: cat(ex, ports()) };
    if (on(RssEnable.UDP_IPV6)) return { type: RssType.UDP_IPV6, bytes: cat(plain, ports()) };
    if (on(RssEnable.UDP_IPV6_EX)) return { type: RssType.UDP_IPV6_EX, bytes: cat(plain, ports()) };
  }
  if (hasEx && on(RssEnable.IPV6_EX)) return { type: RssType.IPV6_EX, bytes: ex };
  if (on(RssEnable.IPV6)) return { type: RssType.IPV6, bytes: plain };
  if (on(RssEnable.IPV6_EX)) return { type: RssType.IPV6_EX, bytes: plain };
  return NONE;
}

/**
 * The layer set RSS hashes (spec §4.7): the outer packet, or with level "inner" the packet
 * inside a recognised tunnel, falling back to the outer packet when the inner one gives no hash
 * (truncated included). A truncated outer packet gives no hash at either level (§7.5 rule 4).
 */
export function rssInput(frame: Uint8Array, parsed: ParsedFrame, cfg: RssConfig = DEFAULT_RSS): RssInput {
  if (ipTruncated(parsed, "outer")) return NONE;
  if (cfg.level === "inner" && parsed.tunnel && parsed.inner && !ipTruncated(parsed, "inner")) {
    const inner = rssInputForLayers(frame, parsed.inner, cfg.enabled);
    if (inner.type !== RssType.NONE) return inner;
  }
  return rssInputForLayers(frame, parsed, cfg.enabled);
}

export function rssHash(frame: Uint8Array, parsed: ParsedFrame, cfg: RssConfig = DEFAULT_RSS): RssResult {
  const input = rssInput(frame, parsed, cfg);
  if (input.type === RssType.NONE) return { hash: 0, type: RssType.NONE };
  return { hash: toeplitzHash(input.bytes, cfg.key), type: input.type };
}

/** Linux's default redirection table: entry i = i mod nQueues (spec §4.6). */
export function defaultReta(nQueues: number, size = 128): number[] {
  return Array.from({ length: size }, (_, i) => i % Math.max(1, nQueues));
}

/** Queue for a hash: RETA[hash & (size - 1)]; the table size must be a power of two. */
export function retaQueue(hash: number, reta: readonly number[]): number {
  if (reta.length === 0 || (reta.length & (reta.length - 1)) !== 0) {
    throw new RangeError(`redirection table size ${reta.length} is not a power of two`);
  }
  return reta[(hash >>> 0) & (reta.length - 1)];
}
