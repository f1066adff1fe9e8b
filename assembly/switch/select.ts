// Pool selection (reference select.ts): exact-MAC filters (an open-addressing table written by
// TypeScript, src/switch/nic.ts), hash filters (MTA/UTA), VLAN pools, then receive pool
// selection and transmit switching as the spec's ordered steps, on pool sets (poolset.ts).
import {
  SF_VLAN_FILTER, SF_PORT_UPE, SF_PORT_MPE, SF_DIS_DEF_POOL, SF_QEMU_DEF_POOL, SF_PORT_BAM,
  MAC_SLOT_BYTES, MAC_SLOT_POOLS, POOL_SET_BYTES,
} from "../abi";
import { gMacTable, gMacMask, gMta, gUta, gVlanPools } from "../mem";
import {
  cFlags, cDefPool, cMoShift, mVfre, mBam, mAupe, mRompe, mRope, mMpe, mUpe, mVpe, mLle, mFlp,
} from "./config";
import { PS_EMPTY, psAny, psBit, psHas, psLoad } from "./poolset";

/**
 * Address of the pool set of the exact filters for `mac` (0 when none): the set's lo word is at
 * the address, its hi word 8 bytes on. The fast paths read the words they need.
 */
@inline export function macSlotPools(mac: u64): usize {
  const key = mac | (<u64>1 << 48);
  let i = <u32>((mac * 0x9e3779b97f4a7c15) >> 40) & gMacMask;
  for (let n: u32 = 0; n <= gMacMask; n++) {
    const slot = gMacTable + <usize>i * MAC_SLOT_BYTES;
    const k = load<u64>(slot);
    if (k == key) return slot + MAC_SLOT_POOLS;
    if (k == 0) return 0;
    i = (i + 1) & gMacMask;
  }
  return 0;
}

/** Pools of the exact filters for `mac` (empty when none). */
export function macLookup(mac: u64): v128 {
  const at = macSlotPools(mac);
  return at == 0 ? PS_EMPTY : psLoad(at);
}

/** Pools 0..63 of the exact filters for `mac` (the fast paths' word; 0 when none). */
@inline export function macFind(mac: u64): u64 {
  const key = mac | (<u64>1 << 48);
  let i = <u32>((mac * 0x9e3779b97f4a7c15) >> 40) & gMacMask;
  for (let n: u32 = 0; n <= gMacMask; n++) {
    const slot = gMacTable + <usize>i * MAC_SLOT_BYTES;
    const k = load<u64>(slot);
    if (k == key) return load<u64>(slot + MAC_SLOT_POOLS);
    if (k == 0) return 0;
    i = (i + 1) & gMacMask;
  }
  return 0;
}

/** The VLVF pool set of VLAN `vid`. */
@inline export function vlanPools(vid: u32): v128 {
  return psLoad(gVlanPools + <usize>vid * POOL_SET_BYTES);
}

@inline export function bitTest(table: usize, idx: u32): bool {
  return ((load<u32>(table + (<usize>(idx >> 5) << 2)) >> (idx & 31)) & 1) != 0;
}
@inline export function hashIdx(mac: u64): u32 {
  const w = <u32>((mac >> 32) & 0xffff); // DA[4] | DA[5] << 8
  return (w >> cMoShift) & 0xfff;
}

@inline export function vlanStep(P: v128, vid: i32): v128 {
  if ((cFlags & SF_VLAN_FILTER) == 0) return P;
  if (vid < 0) return v128.and(P, mAupe);
  return v128.and(P, v128.or(vlanPools(<u32>vid), mVpe));
}

export function passesPortFilter(da: u64, cls: u32, exactHit: bool): bool {
  if (exactHit) return true;
  if (cls == 2) return (cFlags & SF_PORT_BAM) != 0;
  if (cls == 1) return (cFlags & SF_PORT_MPE) != 0 || bitTest(gMta, hashIdx(da));
  return (cFlags & SF_PORT_UPE) != 0 || bitTest(gUta, hashIdx(da));
}

@inline export function selectRx(da: u64, sa: u64, cls: u32, exact: v128, vid: i32): v128 {
  let P = v128.and(exact, mVfre);
  if (cls == 2) P = v128.or(P, mBam);
  if (cls == 0 && !psAny(P) && bitTest(gUta, hashIdx(da))) P = v128.or(P, mRope);
  if (cls == 1 && !psAny(P) && bitTest(gMta, hashIdx(da))) P = v128.or(P, mRompe);
  if (cls == 1) P = v128.or(P, mMpe);
  if (cls == 0) P = v128.or(P, mUpe);
  P = vlanStep(P, vid);
  const defaultApplies = (cFlags & SF_QEMU_DEF_POOL) == 0 || cls == 0;
  if (!psAny(P) && (cFlags & SF_DIS_DEF_POOL) == 0 && defaultApplies) P = psBit(cDefPool);
  if (psAny(mFlp)) P = v128.andnot(P, v128.and(macLookup(sa), mFlp));
  return v128.and(P, mVfre);
}

export let tToWire: bool = false;

export function selectTx(da: u64, cls: u32, src: u32, vid: i32): v128 {
  let P = v128.and(macLookup(da), mVfre);
  const exactHit = psAny(P);
  if (cls == 2) P = v128.or(P, mBam);
  if (cls == 0 && !psAny(P) && bitTest(gUta, hashIdx(da))) P = v128.or(P, mRope);
  if (cls == 1 && !psAny(P) && bitTest(gMta, hashIdx(da))) P = v128.or(P, mRompe);
  if (cls == 0) P = v128.or(P, mUpe);
  if (cls == 1) P = v128.or(P, mMpe);
  const lle = psHas(mLle, src);
  if (!lle) P = v128.andnot(P, psBit(src));
  P = vlanStep(P, vid);
  if (!psAny(P) && cls != 0 && (cFlags & (SF_DIS_DEF_POOL | SF_QEMU_DEF_POOL)) == 0) {
    if (cDefPool != src || lle) P = psBit(cDefPool);
  }
  tToWire = cls != 0 || !exactHit;
  return v128.and(P, mVfre);
}
