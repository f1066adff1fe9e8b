// Pool selection (reference select.ts): exact-MAC filters (an open-addressing table written by
// TypeScript, src/switch/nic.ts), hash filters (MTA/UTA), VLAN pools, then receive pool
// selection and transmit switching as the spec's ordered steps, on u64 pool masks.
import {
  SF_VLAN_FILTER, SF_PORT_UPE, SF_PORT_MPE, SF_DIS_DEF_POOL, SF_QEMU_DEF_POOL, SF_PORT_BAM,
  MAC_SLOT_BYTES,
} from "../abi";
import { gMacTable, gMacMask, gMta, gUta, gVlanPools } from "../mem";
import {
  cFlags, cDefPool, cMoShift, mVfre, mBam, mAupe, mRompe, mRope, mMpe, mUpe, mVpe, mLle, mFlp,
} from "./config";

/** Pools of the exact filters for `mac` (0 when none). */
export function macLookup(mac: u64): u64 {
  return macFind(mac);
}

@inline export function macFind(mac: u64): u64 {
  const key = mac | (<u64>1 << 48);
  let i = <u32>((mac * 0x9e3779b97f4a7c15) >> 40) & gMacMask;
  for (let n: u32 = 0; n <= gMacMask; n++) {
    const slot = gMacTable + <usize>i * MAC_SLOT_BYTES;
    const k = load<u64>(slot);
    if (k == key) return load<u64>(slot + 8);
    if (k == 0) return 0;
    i = (i + 1) & gMacMask;
  }
  return 0;
}

@inline export function bitTest(table: usize, idx: u32): bool {
  return ((load<u32>(table + (<usize>(idx >> 5) << 2)) >> (idx & 31)) & 1) != 0;
}
@inline export function hashIdx(mac: u64): u32 {
  const w = <u32>((mac >> 32) & 0xffff); // DA[4] | DA[5] << 8
  return (w >> cMoShift) & 0xfff;
}

@inline export function vlanStep(P: u64, vid: i32): u64 {
  if ((cFlags & SF_VLAN_FILTER) == 0) return P;
  if (vid < 0) return P & mAupe;
  return P & (load<u64>(gVlanPools + (<usize>vid << 3)) | mVpe);
}

export function passesPortFilter(da: u64, cls: u32, exact: u64): bool {
  if (exact != 0) return true;
  if (cls == 2) return (cFlags & SF_PORT_BAM) != 0;
  if (cls == 1) return (cFlags & SF_PORT_MPE) != 0 || bitTest(gMta, hashIdx(da));
  return (cFlags & SF_PORT_UPE) != 0 || bitTest(gUta, hashIdx(da));
}

export function selectRx(da: u64, sa: u64, cls: u32, exact: u64, vid: i32): u64 {
  let P = exact & mVfre;
  if (cls == 2) P |= mBam;
  if (cls == 0 && P == 0 && bitTest(gUta, hashIdx(da))) P |= mRope;
  if (cls == 1 && P == 0 && bitTest(gMta, hashIdx(da))) P |= mRompe;
  if (cls == 1) P |= mMpe;
  if (cls == 0) P |= mUpe;
  P = vlanStep(P, vid);
  const defaultApplies = (cFlags & SF_QEMU_DEF_POOL) == 0 || cls == 0;
  if (P == 0 && (cFlags & SF_DIS_DEF_POOL) == 0 && defaultApplies) P = <u64>1 << cDefPool;
  if (mFlp != 0) P &= ~(macLookup(sa) & mFlp);
  return P & mVfre;
}

export let tToWire: bool = false;

export function selectTx(da: u64, cls: u32, src: u32, vid: i32): u64 {
  let P = macLookup(da) & mVfre;
  const exactHit = P != 0;
  if (cls == 2) P |= mBam;
  if (cls == 0 && P == 0 && bitTest(gUta, hashIdx(da))) P |= mRope;
  if (cls == 1 && P == 0 && bitTest(gMta, hashIdx(da))) P |= mRompe;
  if (cls == 0) P |= mUpe;
  if (cls == 1) P |= mMpe;
  const srcBit = <u64>1 << src;
  const lle = (mLle & srcBit) != 0;
  if (!lle) P &= ~srcBit;
  P = vlanStep(P, vid);
  if (P == 0 && cls != 0 && (cFlags & (SF_DIS_DEF_POOL | SF_QEMU_DEF_POOL)) == 0) {
    if (cDefPool != src || lle) P = <u64>1 << cDefPool;
  }
  tToWire = cls != 0 || !exactHit;
  return P & mVfre;
}
