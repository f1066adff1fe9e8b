// Why `iovsim vm attach` (bhyve, ppt(4)) refuses a VF made through sysfs, worded for the state
// the VF is in on Linux: its host driver bound, bound to vfio-pci, unbound through sysfs, or made
// with sriov_drivers_autoprobe 0. Each says what Linux does instead (vfio-pci) and where the VF
// goes in `paths --host` / `ping --host`.
import type { HostState } from "../host-model.ts";
import type { VfRecord } from "../types.ts";
import { bdfOfRid } from "./bdf.ts";
import { vfioLoaded } from "./pci-bind.ts";
import { pfLinuxOf } from "./state.ts";

/** Why a VF made through sysfs has no host (netdev) driver, or "bound" when it has one. */
export function vfHostDriverState(
  state: HostState,
  pfName: string,
  vf: VfRecord,
): "bound" | "unbind" | "autoprobe" | "vfio-pci" {
  if (vf.attached !== false) return "bound";
  return pfLinuxOf(state, pfName).noHostDriver?.[String(vf.index)] ?? "unbind";
}

export function linuxVmRefusal(state: HostState, pfName: string, vf: VfRecord, domain: number): string {
  const bdf = bdfOfRid(vf.rid, domain);
  const dev = `/sys/bus/pci/devices/${bdf}`;
  const head = `${vf.selector} (${bdf}) was made through sysfs (the Linux view): 'vm attach' gives a bhyve VM a ppt(4) VF, made by 'iovctl -C' with 'passthrough: true'.`;
  const vm = "'paths --host' and 'ping --host' give it to the VM";
  const modprobe = vfioLoaded(state) ? "" : "iovsim modprobe vfio-pci; ";
  const state_ = vfHostDriverState(state, pfName, vf);
  if (state_ === "vfio-pci") return `${head} It is bound to vfio-pci, as a VM's VF is on Linux: ${vm}`;
  const toVfio = `${modprobe}iovsim sysfs write ${dev}/driver_override vfio-pci; iovsim sysfs write /sys/bus/pci/drivers_probe ${bdf}`;
  if (state_ === "unbind" || state_ === "autoprobe")
    return `${head} It has no driver (${state_ === "unbind" ? "its host driver was unbound through sysfs" : "made with sriov_drivers_autoprobe 0"}); ${vm}, or bind it to vfio-pci as on Linux: ${toVfio}`;
  return `${head} On Linux a VM gets a VF bound to vfio-pci: ${modprobe}iovsim sysfs write ${dev}/driver_override vfio-pci; iovsim sysfs write ${dev}/driver/unbind ${bdf}; iovsim sysfs write /sys/bus/pci/drivers_probe ${bdf}; then ${vm}`;
}
