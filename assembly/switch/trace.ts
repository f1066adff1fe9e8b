// Per-frame trace records (tests): the last drop reason, and when a trace region is set, one
// record per frame with its source, drop reason and the pools it reached (pool sets).
import {
  SS_LAST_DROP, TRACE_BYTES, TR_DELIVERED, TR_OVERSIZE, TR_NO_DESC, SS_TRACE, SS_TRACE_CAP, SS_TRACE_COUNT,
} from "../abi";
import { gSwitchState } from "../mem";
import { PS_EMPTY, psBit } from "./poolset";

let trDelivered: v128 = PS_EMPTY;
let trOversize: v128 = PS_EMPTY;
let trNoDesc: v128 = PS_EMPTY;

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
  v128.store(r + TR_DELIVERED, trDelivered);
  v128.store(r + TR_OVERSIZE, trOversize);
  v128.store(r + TR_NO_DESC, trNoDesc);
  store<u32>(gSwitchState + SS_TRACE_COUNT, n + 1);
}

/** Starts a frame's trace record: nothing delivered, oversized or short of descriptors yet. */
@inline export function traceReset(): void {
  trDelivered = PS_EMPTY;
  trOversize = PS_EMPTY;
  trNoDesc = PS_EMPTY;
}
/** A fast-path frame delivered to the pools 0..63 of `P` and nothing else. */
@inline export function traceSetDelivered(P: u64): void {
  trDelivered = i64x2(<i64>P, 0);
  trOversize = PS_EMPTY;
  trNoDesc = PS_EMPTY;
}
@inline export function traceAddDelivered(p: u32): void {
  trDelivered = v128.or(trDelivered, psBit(p));
}
@inline export function traceAddOversize(p: u32): void {
  trOversize = v128.or(trOversize, psBit(p));
}
@inline export function traceAddNoDesc(p: u32): void {
  trNoDesc = v128.or(trNoDesc, psBit(p));
}
