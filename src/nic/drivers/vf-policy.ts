// Per-VF checks shared by the ixgbe-style drivers (ix, igb): vlan 0 refused, all-zero MAC
// refused, a MAC already used by the PF or another VF refused (newest sys/dev/ixgbe/if_sriov.c).
import { ZERO_MAC } from "../host-model.ts";
import type { DriverFailure, VfParams } from "./driver.ts";

/** A fixed mac-addr already used by the PF or a VF added before: EADDRINUSE (the VF is dropped). */
export function checkVfMacInUse(params: VfParams, macsInUse: Set<string>): DriverFailure | undefined {
  const mac = params.get("mac-addr");
  // The all-zero MAC assigns no address (the VF makes one up), so two VFs may both have it.
  if (typeof mac === "string" && mac !== ZERO_MAC && macsInUse.has(mac))
    return {
      errno: "EADDRINUSE",
      reason: `MAC ${mac} is already used by the PF or another VF`,
      key: "mac-addr",
    };
  return undefined;
}

export function checkVfMacAndVlan(params: VfParams, macsInUse: Set<string>): DriverFailure | undefined {
  const vlan = params.get("vlan");
  if (vlan === 0)
    return {
      errno: "EOPNOTSUPP",
      reason: "vlan 0 is not supported by the driver (use 1..4095 or trunk)",
      key: "vlan",
    };
  const mac = params.get("mac-addr");
  if (typeof mac === "string") {
    if (mac === ZERO_MAC)
      return { errno: "EINVAL", reason: "the all-zero MAC address is invalid", key: "mac-addr" };
  }
  return checkVfMacInUse(params, macsInUse);
}
