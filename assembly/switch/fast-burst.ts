// What the Tx and Rx fast paths (fast-tx.ts, fast-rx.ts) share: the per-burst tally of the
// frames they took, and the cached configuration of the pool the last frame went to. A burst
// is one direction (txLoop or wireRxBurst), and fastBurstBegin clears both at its start.
import { PC_FLAGS, PC_RLPML, PC_RXRING, PC_RXQ, PC_RSS_TYPES, PC_RETA_MASK, PC_RETA, PC_TOEPLITZ, PF_LPE, PF_STRIP, PF_RSS_INNER, PF_HIDE_VLAN, SS_LAST_DROP, DR_NONE } from "../abi";
import { gSwitchState } from "../mem";
import { NONE, pcfg } from "./config";

// The destination pool whose configuration is cached below (NONE: none yet this burst).
export let dpPool: u32 = NONE;
export let dpMax: u32 = 0; // isOversized for an untagged frame (a tagged one may be 4 bytes longer)
export let dpStrip = false;
export let dpHide = false;
export let dpTable: usize = 0;
export let dpTypes: u32 = 0;
export let dpInner = false;
export let dpReta: usize = 0;
export let dpRetaMask: u32 = 0;
export let dpRxRing: u32 = 0;
// One queue: every RETA entry is queue 0 (the writer, src/switch/nic.ts, admits only queues of
// the pool), so the ring is known before the hash.
export let dpOneQueue = false;

// Frames and wire bytes the fast path took this burst; whether the last frame was one it delivered.
export let fbN: u32 = 0;
export let fbBytes: u64 = 0;
let fbLastFast = false;

/** The largest untagged frame (without FCS) a limit `max` allows: 1514 unless long packets are on. */
@inline export function untaggedMax(longPacket: bool, max: u32): u32 {
  return longPacket ? (max >= 4 ? max - 4 : 0) : 1514;
}

/** Caches pool p's configuration in the dp* globals. */
@inline export function destPoolLoad(p: u32): void {
  dpPool = p;
  const pflags = pcfg(p, PC_FLAGS);
  dpMax = untaggedMax((pflags & PF_LPE) != 0, pcfg(p, PC_RLPML));
  dpStrip = (pflags & PF_STRIP) != 0;
  dpHide = (pflags & PF_HIDE_VLAN) != 0;
  dpTable = <usize>pcfg(p, PC_TOEPLITZ);
  dpTypes = pcfg(p, PC_RSS_TYPES);
  dpInner = (pflags & PF_RSS_INNER) != 0;
  dpReta = <usize>pcfg(p, PC_RETA);
  dpRetaMask = pcfg(p, PC_RETA_MASK);
  dpRxRing = pcfg(p, PC_RXRING);
  dpOneQueue = pcfg(p, PC_RXQ) == 1;
}

/** Per-burst set-up (txLoop / wireRxBurst, before its first frame). */
@inline export function fastBurstBegin(): void {
  dpPool = NONE;
  fbN = 0;
  fbBytes = 0;
  fbLastFast = false;
}

/** A frame went through the general path: the last frame was not a fast one. */
@inline export function fastBurstSlow(): void {
  fbLastFast = false;
}

/** Adds one fast-path call's `n` frames and `bytes` (n > 0); `lastDelivered`: its last frame was delivered. */
@inline export function fastBurstAdd(n: u32, bytes: u64, lastDelivered: bool): void {
  fbN += n;
  fbBytes += bytes;
  fbLastFast = lastDelivered;
}

/** After the burst: the fast frames added to the switch-state counter at `framesField`; the last drop reason. */
@inline export function fastBurstEnd(framesField: usize): void {
  if (fbN != 0) store<u32>(gSwitchState + framesField, load<u32>(gSwitchState + framesField) + fbN);
  if (fbLastFast) store<u32>(gSwitchState + SS_LAST_DROP, DR_NONE);
}
