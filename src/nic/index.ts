// Public typed library API of the control plane (contract: .helpers/cp-contract.md). The CLI,
// the data plane and the packet paths import from here only.
export { type Errno, KernelError, strerror } from "./errno.ts";
export { Host, loadHost, pfLimits, predictConfig, resetHost, withHost } from "./host.ts";
export { DEFAULT_HOST, type HostSpec, loadHostSpecFile, validateHostSpec } from "./host-spec.ts";
export type { Prediction } from "./kernel.ts";
export { addressOfRid, formatSelector, type PciAddress, parseSelector, planVfRids } from "./pci.ts";
export { formatPciconf, type PciconfOptions } from "./pciconf-format.ts";
export {
  allProfiles,
  getProfile,
  type NicProfile,
  parseNicProfile,
  registerNicProfileFile,
} from "./profile.ts";
export { statePath } from "./state.ts";
export { formatStatus } from "./status-format.ts";
export * from "./types.ts";

import type { Host } from "./host.ts";
import type { VfRecord } from "./types.ts";

/** The VFs of a PF (empty when SR-IOV is off or the PF does not exist). */
export function listVfs(host: Host, pfName: string): VfRecord[] {
  return host.listVfs(pfName);
}
