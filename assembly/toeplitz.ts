// Table-driven Toeplitz hash. The table (built by TypeScript from the key, TOEPLITZ_TABLE_BYTES)
// holds, for input position i and byte value b, the XOR of the 32-bit key windows selected by
// the set bits of b: table[i*256 + b]. One load + XOR per input byte.
import { TOEPLITZ_POSITIONS } from "./abi";

@inline export function tz(table: usize, pos: u32, b: u32): u32 {
  return load<u32>(table + ((<usize>pos << 10) | (<usize>b << 2)));
}

/** Hash of `n` bytes at `data` (n is clamped to the table's 36 positions). */
export function toeplitz(table: usize, data: usize, n: u32): u32 {
  if (n > <u32>TOEPLITZ_POSITIONS) n = <u32>TOEPLITZ_POSITIONS;
  let h: u32 = 0;
  for (let i: u32 = 0; i < n; i++) h ^= tz(table, i, load<u8>(data + i));
  return h;
}

/** Hash of 4 bytes (one 32-bit big-endian word already in memory order) at input position pos. */
@inline export function tzWord(table: usize, pos: u32, w: u32): u32 {
  // w is the little-endian load of 4 memory bytes: byte k is (w >> 8k) & 0xff.
  return tz(table, pos, w & 0xff) ^ tz(table, pos + 1, (w >> 8) & 0xff) ^
    tz(table, pos + 2, (w >> 16) & 0xff) ^ tz(table, pos + 3, w >> 24);
}

// Byte k of `p`, pre-scaled to a table index (4-byte entries); the input position goes into
// the table load's constant offset (position << 10).
@inline function at(p: usize, k: usize): usize {
  return <usize>load<u8>(p + k) << 2;
}

/** IPv4 2-tuple (addrs = 8 bytes src, dst) plus, when ports != 0, the 4 port bytes at `ports`.
 *  Each input byte is loaded on its own (one zero-extending load): the same look-ups as
 *  extracting bytes from 32-bit words, in fewer instructions of V8's code (no copy, no mask). */
@inline export function hashV4(table: usize, addrs: usize, ports: usize): u32 {
  let h = load<u32>(table + at(addrs, 0)) ^ load<u32>(table + at(addrs, 1), 1024) ^
    load<u32>(table + at(addrs, 2), 2048) ^ load<u32>(table + at(addrs, 3), 3072) ^
    load<u32>(table + at(addrs, 4), 4096) ^ load<u32>(table + at(addrs, 5), 5120) ^
    load<u32>(table + at(addrs, 6), 6144) ^ load<u32>(table + at(addrs, 7), 7168);
  if (ports) {
    h ^= load<u32>(table + at(ports, 0), 8192) ^ load<u32>(table + at(ports, 1), 9216) ^
      load<u32>(table + at(ports, 2), 10240) ^ load<u32>(table + at(ports, 3), 11264);
  }
  return h;
}

/** Toeplitz of the 4 bytes at `p` at the positions of `t` = table + position * 1024. */
@inline function tzAt(t: usize, p: usize): u32 {
  return load<u32>(t + at(p, 0)) ^ load<u32>(t + at(p, 1), 1024) ^ load<u32>(t + at(p, 2), 2048) ^
    load<u32>(t + at(p, 3), 3072);
}

/** IPv6: src (16 bytes at src), dst (16 bytes at dst), optional ports. */
export function hashV6(table: usize, src: usize, dst: usize, ports: usize): u32 {
  return hashV6Inline(table, src, dst, ports);
}

/** hashV6, inlined into rssLayers (its one caller on the parse path). */
@inline export function hashV6Inline(table: usize, src: usize, dst: usize, ports: usize): u32 {
  let h = tzAt(table, src) ^ tzAt(table + 4096, src + 4) ^ tzAt(table + 8192, src + 8) ^
    tzAt(table + 12288, src + 12) ^ tzAt(table + 16384, dst) ^ tzAt(table + 20480, dst + 4) ^
    tzAt(table + 24576, dst + 8) ^ tzAt(table + 28672, dst + 12);
  if (ports) h ^= tzAt(table + 32768, ports);
  return h;
}

/** IPv4 4-tuple hash of 12 contiguous bytes (src, dst, sport, dport). */
export function toeplitzIpv4Tuple(table: usize, data: usize): u32 {
  return hashV4(table, data, data + 8);
}

/** Benchmark helper: hashes `count` 12-byte tuples `stride` bytes apart; returns the XOR of all. */
export function toeplitzBatchIpv4(table: usize, data: usize, stride: u32, count: u32): u32 {
  let x: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = data + <usize>i * stride;
    x ^= hashV4(table, p, p + 8);
  }
  return x;
}
