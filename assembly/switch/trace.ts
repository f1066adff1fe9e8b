// Per-frame trace records (tests): the last drop reason, and when a trace region is set, one
// record per frame with its source, drop reason and the pools it reached.
import { SS_LAST_DROP, TRACE_BYTES, SS_TRACE, SS_TRACE_CAP, SS_TRACE_COUNT } from "../abi";
import { gSwitchState } from "../mem";

let trDelivered: u64 = 0;
let trOversize: u64 = 0;
let trNoDesc: u64 = 0;

export function trace(src: u32, drop: u32, toWire: bool, padded: bool): void {
  store<u32>(gSwitchState + SS_LAST_DROP, drop);
  const base = <usize>load<u32>(gSwitchState + SS_TRACE);
  if (base == 0) return;
  const n = load<u32>(gSwitchState + SS_TRACE_COUNT);
  if (n >= load<u32>(gSwitchState + SS_TRACE_CAP)) return;
  const r = base + <usize>n * TRACE_BYTES;
  store<u32>(r, n);
  store<u8>(r + 4, <u8>src);
  store<u8>(r + 5, <u8>drop);
  store<u8>(r + 6, toWire ? 1 : 0);
  store<u8>(r + 7, padded ? 1 : 0);
  store<u64>(r + 8, trDelivered);
  store<u64>(r + 16, trOversize);
  store<u64>(r + 24, trNoDesc);
  store<u32>(gSwitchState + SS_TRACE_COUNT, n + 1);
}

/** Starts a frame's trace record: nothing delivered, oversized or short of descriptors yet. */
@inline export function traceReset(): void {
  trDelivered = 0;
  trOversize = 0;
  trNoDesc = 0;
}
/** A fast-path frame delivered to the pools of `P` and nothing else. */
@inline export function traceSetDelivered(P: u64): void {
  trDelivered = P;
  trOversize = 0;
  trNoDesc = 0;
}
@inline export function traceAddDelivered(p: u32): void {
  trDelivered |= <u64>1 << p;
}
@inline export function traceAddOversize(p: u32): void {
  trOversize |= <u64>1 << p;
}
@inline export function traceAddNoDesc(p: u32): void {
  trNoDesc |= <u64>1 << p;
}
