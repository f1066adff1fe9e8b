// Public API of the Linux view of the simulated host (sysfs, netdevsim, ip link, devlink).
export { bdfOfAddress, bdfOfRid, predictableName } from "./bdf.ts";
export { pciDevlink } from "./devlink-pci.ts";
export { type LinuxErrno, linuxStrerror, type SysResult } from "./errno.ts";
export { IpJsonWriter } from "./ip-json.ts";
export {
  formatLinkShow,
  formatVfLine,
  IpUsageError,
  isUp,
  type LinkSetLookup,
  type LinkShowOptions,
  linkShowJson,
  parseLinkSet,
} from "./iplink.ts";
export { type ModprobeResult, modprobeLoad, modprobeRemove } from "./modules.ts";
export { type MtuFacts, type MtuResult, setMtu } from "./mtu.ts";
export { findNetdev, type Netdev, netdevs } from "./netdevs.ts";
export { findNsim, NSIM_DEFAULT_MAX_VFS, nsimDevices, setEswitchMode } from "./netdevsim.ts";
export {
  currentNumVfs,
  findPciPf,
  linuxPciPfs,
  pfBoundDriver,
  rebindAdvice,
  sriovTotalVfs,
} from "./pci-sriov.ts";
export { linuxOf, type VfLinuxConfig } from "./state.ts";
export { type LsEntry, sysfsLs, sysfsRead, sysfsWrite } from "./sysfs-ops.ts";
export {
  ownedByIovctl,
  setVf,
  type VfDataPlaneSettings,
  type VfRequest,
  vfConfigOf,
  vfCount,
  vfDataPlaneSettings,
} from "./vf-config.ts";
export { linuxVmRefusal, vfHostDriverState } from "./vm-refusal.ts";
