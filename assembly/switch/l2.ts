// The switch's own L2 view of a frame (reference l2.ts parseSwitchL2, addressClass): DA, SA,
// address class and the VLAN tags the port recognises (VET, double-VLAN mode). switchL2 leaves
// its answer in the l* globals.
import { SF_DOUBLE_VLAN } from "../abi";
import { cFlags, cVet, cVetExt } from "./config";

@inline export function macAt(p: usize): u64 {
  return <u64>load<u32>(p) | (<u64>load<u16>(p + 4) << 32);
}

export let lTags: u32 = 0;
export let lTagOff: u32 = 0;
export let lTci: u32 = 0;
export let lVid: i32 = -1;
export let lTrunc: bool = false;

export function switchL2(f: usize, len: u32): void {
  lTags = 0;
  lVid = -1;
  lTrunc = false;
  const first = <u32>bswap<u16>(load<u16>(f + 12));
  if ((cFlags & SF_DOUBLE_VLAN) != 0 && first == cVetExt) {
    if (len >= 18 && <u32>bswap<u16>(load<u16>(f + 16)) == cVet) {
      if (len < 20) {
        lTrunc = true;
      } else {
        lTags = 2;
        lTagOff = 16;
        lTci = <u32>bswap<u16>(load<u16>(f + 18));
        lVid = <i32>(lTci & 0xfff);
      }
    } else if (len < 18) {
      lTrunc = true;
    }
  } else if (first == cVet) {
    if (len < 16) {
      lTrunc = true;
    } else {
      lTags = 1;
      lTagOff = 12;
      lTci = <u32>bswap<u16>(load<u16>(f + 14));
      lVid = <i32>(lTci & 0xfff);
    }
  }
}

/** 0 unicast, 1 multicast, 2 broadcast. */
@inline export function addrClass(da: u64): u32 {
  if (da == 0xffffffffffff) return 2;
  return <u32>(da & 1);
}
