// Which PCI PF drivers register a devlink instance, and what `devlink dev eswitch` gets from it.
// The kernel looks the handle up first (devlink_nl_pre_doit: no instance -> ENODEV, "No such
// device"). With one, eswitch show replies with the handle and only the attributes the driver
// has *_get ops for (net/devlink/dev.c devlink_nl_eswitch_fill), and eswitch set without
// eswitch_mode_set is EOPNOTSUPP (devlink_nl_eswitch_set_doit).
import type { HostState } from "../host-model.ts";
import { linuxPciPfs, pfBoundDriver } from "./pci-sriov.ts";

/**
 * Drivers with a devlink instance and no eswitch ops:
 * - i40e: i40e_devlink.c registers i40e_devlink_ops = { .info_get } (Linux 6.7+);
 * - ixgbe: ixgbe/devlink/devlink.c, ixgbe_allocate_devlink() in ixgbe_probe for every
 *   adapter, ixgbe_devlink_ops with no eswitch ops (Linux 6.16+; older kernels: no instance).
 * igb registers none (no devlink code in drivers/net/ethernet/intel/igb): "No such device".
 */
const DEVLINK_WITHOUT_ESWITCH = new Set(["i40e", "ixgbe"]);

/** The PCI PF at `bdf` when its driver has a devlink instance (then it has no eswitch ops). */
export function pciDevlink(state: HostState, bdf: string): { bdf: string; driver: string } | undefined {
  const pf = linuxPciPfs(state).find((p) => p.bdf === bdf);
  if (!pf || !DEVLINK_WITHOUT_ESWITCH.has(pf.facts.pfDriver)) return undefined;
  // The instance is the PF driver's (registered in probe, gone with its remove).
  if (pfBoundDriver(state, pf) !== pf.facts.pfDriver) return undefined;
  return { bdf, driver: pf.facts.pfDriver };
}
