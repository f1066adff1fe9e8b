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

/** IPv4 2-tuple (addrs = 8 bytes src, dst) plus, when ports != 0, the 4 port bytes at `ports`. */
@inline export function hashV4(table: usize, addrs: usize, ports: usize): u32 {
  let h = tzWord(table, 0, load<u32>(addrs)) ^ tzWord(table, 4, load<u32>(addrs + 4));
  if (ports) h ^= tzWord(table, 8, load<u32>(ports));
  return h;
}

/** IPv6: src (16 bytes at src), dst (16 bytes at dst), optional ports. */
export function hashV6(table: usize, src: usize, dst: usize, ports: usize): u32 {
  let h: u32 = 0;
  for (let i: u32 = 0; i < 16; i += 4) h ^= tzWord(table, i, load<u32>(src + i));
  for (let i: u32 = 0; i < 16; i += 4) h ^= tzWord(table, 16 + i, load<u32>(dst + i));
  if (ports) h ^= tzWord(table, 32, load<u32>(ports));
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
