// Counter updates (reference counters.ts): plain u64 words, one writer (the switch thread).
import { POOL_CNT_WORDS, QUEUE_CNT_WORDS } from "../abi";
import { gCntPool, gCntQueue, gCntPort } from "../mem";

@inline export function cntPool(pool: u32, idx: i32, v: u64): void {
  const p = gCntPool + ((<usize>pool * POOL_CNT_WORDS + <usize>idx) << 3);
  store<u64>(p, load<u64>(p) + v);
}
@inline export function cntQueue(ring: u32, idx: i32, v: u64): void {
  const p = gCntQueue + ((<usize>ring * QUEUE_CNT_WORDS + <usize>idx) << 3);
  store<u64>(p, load<u64>(p) + v);
}
@inline export function cntPort(idx: i32, v: u64): void {
  const p = gCntPort + (<usize>idx << 3);
  store<u64>(p, load<u64>(p) + v);
}
export function bucket(base: i32, lenNoFcs: u32): void {
  const l = lenNoFcs + 4;
  if (l < 64) return;
  let b: i32 = 5;
  if (l == 64) b = 0;
  else if (l <= 127) b = 1;
  else if (l <= 255) b = 2;
  else if (l <= 511) b = 3;
  else if (l <= 1023) b = 4;
  cntPort(base + b, 1);
}
