// Pool sets (abi.ts POOL_SET_BYTES): up to 128 pools as one v128, lane 0 = pools 0..63 (bit p),
// lane 1 = pools 64..127 (bit p - 64); in memory the same 16 bytes, lo then hi. Plain values,
// no allocation: the general paths and selection work on these, the fast paths on the lo lane.

export const PS_EMPTY: v128 = i64x2(0, 0);
export const PS_ALL: v128 = i64x2(-1, -1);

/** The set holding only `pool`. */
@inline export function psBit(pool: u32): v128 {
  const b = <u64>1 << <u64>(pool & 63);
  return pool < 64 ? i64x2(<i64>b, 0) : i64x2(0, <i64>b);
}
@inline export function psLo(s: v128): u64 {
  return <u64>i64x2.extract_lane(s, 0);
}
@inline export function psHi(s: v128): u64 {
  return <u64>i64x2.extract_lane(s, 1);
}
@inline export function psAny(s: v128): bool {
  return v128.any_true(s);
}
@inline export function psHas(s: v128, pool: u32): bool {
  const w = pool < 64 ? psLo(s) : psHi(s);
  return ((w >> <u64>(pool & 63)) & 1) != 0;
}
/** Pools in `s`. */
@inline export function psCount(s: v128): u32 {
  return <u32>popcnt(psLo(s)) + <u32>popcnt(psHi(s));
}
/** The lowest pool of a non-empty set. */
@inline export function psLowest(s: v128): u32 {
  const lo = psLo(s);
  return lo != 0 ? <u32>ctz(lo) : 64 + <u32>ctz(psHi(s));
}
@inline export function psLoad(at: usize): v128 {
  return v128.load(at);
}
