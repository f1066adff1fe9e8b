// Per-burst cached switch configuration (the Wasm side of src/switch/config.ts): loadConfig()
// copies the port flags, limits and pool masks (pool sets, poolset.ts) of the switch configuration
// block into globals at the start of every burst, so the kernels do not reload them per frame.
// Also the pool configuration accessor.
import {
  SC_FLAGS, SC_DEF_POOL, SC_MO, SC_VET, SC_VET_EXT, SC_PORT_MAX, SC_TX_MAX, SC_RX_BUF, SC_MASKS,
  M_VFRE, M_VFTE, M_BAM, M_AUPE, M_ROMPE, M_ROPE, M_MPE, M_UPE, M_VPE, M_LLE, M_FLP, M_MACAS, M_VLANAS,
  POOL_CFG_BYTES, POOL_SET_BYTES,
} from "../abi";
import { gSwitchCfg, gPoolCfg } from "../mem";
import { PS_EMPTY, psLoad } from "./poolset";

export const NONE: u32 = 0xffffffff;

export let cFlags: u32 = 0;
export let cDefPool: u32 = 0;
export let cMoShift: u32 = 4;
export let cVet: u32 = 0x8100;
export let cVetExt: u32 = 0x88a8;
export let cPortMax: u32 = 9728;
export let cTxMax: u32 = 9728;
export let cRxBuf: u32 = 2048;
export let mVfre: v128 = PS_EMPTY;
export let mBam: v128 = PS_EMPTY;
export let mAupe: v128 = PS_EMPTY;
export let mRompe: v128 = PS_EMPTY;
export let mRope: v128 = PS_EMPTY;
export let mMpe: v128 = PS_EMPTY;
export let mUpe: v128 = PS_EMPTY;
export let mVpe: v128 = PS_EMPTY;
export let mLle: v128 = PS_EMPTY;
export let mFlp: v128 = PS_EMPTY;
export let mMacas: v128 = PS_EMPTY;
export let mVlanas: v128 = PS_EMPTY;
export let mVfte: v128 = PS_EMPTY;

@inline export function mask(i: i32): v128 {
  return psLoad(gSwitchCfg + SC_MASKS + <usize>i * POOL_SET_BYTES);
}
@inline export function scfg(off: i32): u32 {
  return load<u32>(gSwitchCfg + <usize>off);
}

export function loadConfig(): void {
  cFlags = scfg(SC_FLAGS);
  cDefPool = scfg(SC_DEF_POOL);
  const mo = scfg(SC_MO) & 3;
  cMoShift = mo == 0 ? 4 : mo == 1 ? 3 : mo == 2 ? 2 : 0;
  cVet = scfg(SC_VET);
  cVetExt = scfg(SC_VET_EXT);
  cPortMax = scfg(SC_PORT_MAX);
  cTxMax = scfg(SC_TX_MAX);
  cRxBuf = scfg(SC_RX_BUF);
  if (cRxBuf == 0) cRxBuf = 2048;
  mVfre = mask(M_VFRE);
  mVfte = mask(M_VFTE);
  mBam = mask(M_BAM);
  mAupe = mask(M_AUPE);
  mRompe = mask(M_ROMPE);
  mRope = mask(M_ROPE);
  mMpe = mask(M_MPE);
  mUpe = mask(M_UPE);
  mVpe = mask(M_VPE);
  mLle = mask(M_LLE);
  mFlp = mask(M_FLP);
  mMacas = mask(M_MACAS);
  mVlanas = mask(M_VLANAS);
}

@inline export function pcfg(pool: u32, off: i32): u32 {
  return load<u32>(gPoolCfg + <usize>pool * POOL_CFG_BYTES + <usize>off);
}
