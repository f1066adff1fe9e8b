// Each network interface's MTU on the Linux view: `ip link set DEV mtu N` and sysfs `mtu`
// (net/core/dev.c dev_set_mtu_ext, then the driver's ndo_change_mtu). Kept in HostState.linux:
// a PF netdev's in its PfLinux entry, a VF netdev's per VF index there, a netdevsim port's in
// its device; absent = 1500, what every driver here registers its netdev with. Each entry goes
// with its netdev: a driver unbound, the VFs removed, or the device deleted take it along.
import { FRAME_OVERHEAD } from "../frames.ts";
import type { HostState } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import type { NicProfile } from "../profile.ts";
import { fail, OK, type SysResult } from "./errno.ts";
import type { NetdevOwner } from "./netdevs.ts";
import { noteIovctlOwned } from "./pci-sriov.ts";
import { linuxOf, pfLinuxOf } from "./state.ts";

/** ETH_DATA_LEN: the MTU ether_setup() gives every Ethernet netdev. */
export const ETH_DATA_LEN = 1500;
/** ETH_MIN_MTU: ether_setup()'s min_mtu (the drivers here keep it). */
export const ETH_MIN_MTU = 68;
/** ETH_MAX_MTU: netdevsim's max_mtu (nsim_setup). */
const ETH_MAX_MTU = 65535;
/** loopback_setup's 64 KiB; gen_lo_setup sets no min_mtu/max_mtu (ip -d: minmtu 0 maxmtu 0). */
const LOOPBACK_MTU = 65536;

/** What the kernel reports of a netdev's MTU: IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU. */
export interface MtuFacts {
  mtu: number;
  minMtu: number;
  maxMtu: number;
}

/** The driver's max_mtu: the NIC profile's `frames` (linux pf/vf maxMtu); 1500 without one. */
function driverMaxMtu(profile: NicProfile, fn: "pf" | "vf"): number {
  return profile.frames?.linux[fn].maxMtu ?? ETH_DATA_LEN;
}

/** A netdev's MTU and its range, from its owner and the state. */
export function mtuFacts(state: HostState, owner: NetdevOwner, port = 0): MtuFacts {
  switch (owner.kind) {
    case "loopback":
      return { mtu: LOOPBACK_MTU, minMtu: 0, maxMtu: 0 };
    case "nsim":
      return {
        mtu: owner.dev.mtu?.[String(port)] ?? ETH_DATA_LEN,
        minMtu: ETH_MIN_MTU,
        maxMtu: ETH_MAX_MTU,
      };
    case "pci":
      return {
        mtu: linuxOf(state).pfs[owner.pf.info.name]?.mtu ?? ETH_DATA_LEN,
        minMtu: ETH_MIN_MTU,
        maxMtu: driverMaxMtu(owner.pf.info.profile, "pf"),
      };
    case "vf":
      return {
        mtu: linuxOf(state).pfs[owner.pf.info.name]?.vfMtu?.[String(owner.vf.index)] ?? ETH_DATA_LEN,
        minMtu: ETH_MIN_MTU,
        maxMtu: driverMaxMtu(owner.pf.info.profile, "vf"),
      };
  }
}

/** A refusal of dev_set_mtu_ext: the errno and the extack message ip(8) prints instead of it. */
export type MtuResult = SysResult | { ok: false; errno: "EINVAL"; extack: string };

/**
 * `ip link set DEV mtu N` (IFLA_MTU, a u32 the kernel reads as int): dev_set_mtu_ext's checks
 * (an unchanged MTU succeeds first), then the driver's ndo_change_mtu. ixgbevf asks its PF
 * (IXGBE_VF_SET_LPE); an 82599's ixgbe refuses a VF jumbo frames while its own MTU is 1500
 * (ixgbe_sriov.c ixgbe_set_vf_lpe, mailbox API 1.1 and later), and ixgbevf_change_mtu answers EINVAL.
 */
export function setMtu(state: HostState, owner: NetdevOwner, port: number, requested: number): MtuResult {
  const mtu = requested | 0;
  const f = mtuFacts(state, owner, port);
  if (mtu === f.mtu) return OK;
  if (mtu < 0 || mtu < f.minMtu)
    return { ok: false, errno: "EINVAL", extack: "mtu less than device minimum" };
  if (f.maxMtu > 0 && mtu > f.maxMtu)
    return { ok: false, errno: "EINVAL", extack: "mtu greater than device maximum" };
  switch (owner.kind) {
    case "loopback":
      return fail("EOPNOTSUPP"); // not reached: the caller refuses lo as not simulated
    case "nsim":
      owner.dev.mtu = { ...owner.dev.mtu, [String(port)]: mtu };
      return OK;
    case "pci":
      pfLinuxOf(state, owner.pf.info.name).mtu = mtu;
      return OK;
    case "vf": {
      const name = owner.pf.info.name;
      const rt = state.pfs[name];
      // The FreeBSD view's VFs: their settings are iovctl's (as for ip link set ... vf N).
      if (rt?.sriovEnabled === true && rt.configuredBy !== "sysfs") {
        noteIovctlOwned(state, owner.bdf, "mtu");
        return fail("EBUSY");
      }
      const maxFrame = mtu + FRAME_OVERHEAD; // ETH_HLEN + ETH_FCS_LEN
      if (
        owner.pf.info.profile.frames?.linux.vf.jumboNeedsPfJumbo &&
        mtu > ETH_DATA_LEN &&
        (linuxOf(state).pfs[name]?.mtu ?? ETH_DATA_LEN) <= ETH_DATA_LEN
      ) {
        appendDmesg(state, [
          `${owner.pf.facts.pfDriver} ${owner.pf.bdf} ${name}: VF max_frame ${maxFrame} out of range`,
        ]);
        return fail("EINVAL");
      }
      const lin = pfLinuxOf(state, name);
      lin.vfMtu = { ...lin.vfMtu, [String(owner.vf.index)]: mtu };
      return OK;
    }
  }
}
