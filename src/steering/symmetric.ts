// Symmetric RSS: both directions of a conversation hash alike, as stateful gateways need.
// DPDK's RTE_ETH_HASH_FUNCTION_SYMMETRIC_TOEPLITZ replaces src and dst (addresses, then ports)
// by src XOR dst before the Toeplitz hash (what E810 does by default for GTP-U);
// RTE_ETH_HASH_FUNCTION_SYMMETRIC_TOEPLITZ_SORT puts each pair in ascending order instead.
// Computed on the reference parser's Toeplitz input (src/switch/reference/rss.ts).
import { parseFrame } from "../switch/reference/parse.ts";
import type { ParsedFrame } from "../switch/reference/parsed.ts";
import { rssInput } from "../switch/reference/rss.ts";
import { MS_RSS_KEY, toeplitzHash } from "../switch/reference/toeplitz.ts";

export type Symmetric = "toeplitz" | "sorted";

/** Symmetric variants of the Toeplitz input (DPDK RTE_ETH_HASH_FUNCTION_SYMMETRIC_TOEPLITZ and _SORT). */
export function symmetricInput(bytes: Uint8Array, mode: Symmetric): Uint8Array {
  const addr = bytes.length >= 32 ? 16 : 4;
  const ports = bytes.length === 2 * addr + 4;
  const out = Uint8Array.from(bytes);
  const pair = (off: number, len: number) => {
    const a = bytes.subarray(off, off + len);
    const b = bytes.subarray(off + len, off + 2 * len);
    if (mode === "toeplitz") {
      // src and dst are both replaced by src XOR dst.
      for (let i = 0; i < len; i++) out[off + i] = out[off + len + i] = a[i]! ^ b[i]!;
      return;
    }
    // sorted: the smaller of (src, dst) first.
    let cmp = 0;
    for (let i = 0; i < len && cmp === 0; i++) cmp = a[i]! - b[i]!;
    if (cmp > 0) {
      out.set(b, off);
      out.set(a, off + len);
    }
  };
  pair(0, addr);
  if (ports) pair(2 * addr, 2);
  return out;
}

/** The symmetric RSS hash of a frame at a level (0 when the frame gives no hash). */
export function symmetricHash(
  frame: Uint8Array,
  level: "outer" | "inner",
  mode: Symmetric,
  enabled: number,
  parsed: ParsedFrame = parseFrame(frame),
): number {
  const input = rssInput(frame, parsed, { key: MS_RSS_KEY, enabled, level });
  if (input.bytes.length === 0) return 0;
  return toeplitzHash(symmetricInput(input.bytes, mode), MS_RSS_KEY);
}
