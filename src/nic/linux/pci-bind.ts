// Driver binding of the PCI functions in the Linux view: /sys/bus/pci/drivers/<drv>/bind and
// unbind (drivers/base/bus.c bind_store, unbind_store), /sys/bus/pci/drivers_probe
// (drivers_probe_store) and <BDF>/driver_override (drivers/pci/pci-sysfs.c, driver_set_override).
// A VF moves between its host driver (iavf, ixgbevf, igbvf: a netdev the jail can take) and no
// driver (the VM's, as one handed to vfio-pci). PF drivers stay bound (docs/linux-mode.md).
import type { HostState } from "../host-model.ts";
import { lowestFreeUnit, namesInUse } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import type { VfRecord } from "../types.ts";
import { bdfOfRid } from "./bdf.ts";
import { fail, OK, type SysResult } from "./errno.ts";
import { type LinuxPciPf, linuxPciPfs } from "./pci-sriov.ts";
import { pfLinuxOf } from "./state.ts";

/** A PCI function with a Linux driver model: a PF, or one of its VFs. */
export type PciFunction =
  | { kind: "pf"; pf: LinuxPciPf; bdf: string }
  | { kind: "vf"; pf: LinuxPciPf; vf: VfRecord; bdf: string };

/** sysfs_streq(): equal, or equal but for one trailing newline on either side. */
function sysfsStreq(a: string, b: string): boolean {
  return a === b || a === `${b}\n` || `${a}\n` === b;
}

export function pciFunctions(state: HostState): PciFunction[] {
  const out: PciFunction[] = [];
  for (const pf of linuxPciPfs(state)) {
    out.push({ kind: "pf", pf, bdf: pf.bdf });
    const rt = state.pfs[pf.info.name];
    for (const vf of rt?.sriovEnabled ? rt.vfs : [])
      out.push({ kind: "vf", pf, vf, bdf: bdfOfRid(vf.rid, pf.info.address.domain) });
  }
  return out;
}

/** bus_find_device_by_name(): the function a written BDF names. */
function findByName(state: HostState, buf: string): PciFunction | undefined {
  return pciFunctions(state).find((f) => sysfsStreq(f.bdf, buf));
}

/**
 * The driver bound now: a PF's always; a VF's unless unbound or made with autoprobe off. A
 * ppt(4) passthrough VF (iovctl -C, passthrough: true) has no Linux driver: Linux's analogue,
 * vfio-pci, is not loaded here.
 */
export function boundDriver(fn: PciFunction): string | undefined {
  if (fn.kind === "pf") return fn.pf.facts.pfDriver;
  return fn.vf.attached === false || fn.vf.driver === "ppt" ? undefined : fn.pf.facts.vfDriver;
}

/** Every PCI driver the simulated host has loaded: each PF's and each PF's VF driver. */
export function loadedPciDrivers(state: HostState): string[] {
  const names = new Set<string>();
  for (const pf of linuxPciPfs(state)) {
    names.add(pf.facts.pfDriver);
    names.add(pf.facts.vfDriver);
  }
  return [...names].sort();
}

function overrideKey(fn: PciFunction): string {
  return fn.kind === "pf" ? "pf" : String(fn.vf.index);
}

export function driverOverrideOf(state: HostState, fn: PciFunction): string | undefined {
  return pfLinuxOf(state, fn.pf.info.name).driverOverride?.[overrideKey(fn)];
}

/** VFs made by `iovctl -C` belong to the FreeBSD view (as for sriov_numvfs): EBUSY. */
function ownedByIovctl(state: HostState, fn: PciFunction): boolean {
  const rt = state.pfs[fn.pf.info.name];
  return fn.kind === "vf" && rt?.configuredBy !== "sysfs";
}

/**
 * pci_bus_match() then the driver's probe: with driver_override only that driver matches; else
 * the driver's ID table (a PF's driver for the PF, the VF driver for its VFs). A VF of a PF with
 * sriov_drivers_autoprobe 0 probes only with a driver_override (pci_device_can_probe).
 */
function probes(state: HostState, fn: PciFunction, drv: string): boolean {
  const override = driverOverrideOf(state, fn);
  const own = fn.kind === "pf" ? fn.pf.facts.pfDriver : fn.pf.facts.vfDriver;
  if (override !== undefined ? override !== drv : own !== drv) return false;
  if (fn.kind === "vf" && !pfLinuxOf(state, fn.pf.info.name).autoprobe && override === undefined)
    return false;
  // A foreign driver forced on with driver_override fails its probe (no device it knows).
  return drv === own;
}

function attachVf(state: HostState, fn: PciFunction & { kind: "vf" }): void {
  // The netdev comes back under the lowest free unit, as a driver probe names it.
  fn.vf.name = `${fn.vf.driver}${lowestFreeUnit(namesInUse(state), fn.vf.driver)}`;
  fn.vf.attached = true;
}

/** echo BDF > /sys/bus/pci/drivers/<drv>/unbind */
export function storeUnbind(state: HostState, drv: string, buf: string): SysResult {
  const fn = findByName(state, buf);
  if (!fn || boundDriver(fn) !== drv) return fail("ENODEV");
  if (ownedByIovctl(state, fn)) return fail("EBUSY");
  if (fn.kind === "pf") {
    appendDmesg(state, [
      `iovsim: ${fn.bdf}: unbinding the PF driver ${drv} is not simulated (${fn.pf.info.name} and its VFs stay)`,
    ]);
    return fail("EBUSY");
  }
  if (fn.vf.attachedVm) return fail("EBUSY");
  fn.vf.attached = false;
  return OK;
}

/** echo BDF > /sys/bus/pci/drivers/<drv>/bind */
export function storeBind(state: HostState, drv: string, buf: string): SysResult {
  const fn = findByName(state, buf);
  const override = fn && driverOverrideOf(state, fn);
  // driver_match_device() first: no match is ENODEV, whether or not a driver is bound.
  if (
    !fn ||
    (override !== undefined
      ? override !== drv
      : drv !== (fn.kind === "pf" ? fn.pf.facts.pfDriver : fn.pf.facts.vfDriver))
  )
    return fail("ENODEV");
  if (boundDriver(fn) !== undefined) return fail("EBUSY"); // __driver_probe_device: dev->driver
  if (ownedByIovctl(state, fn)) return fail("EBUSY");
  if (fn.kind === "pf" || !probes(state, fn, drv)) return fail("ENODEV");
  attachVf(state, fn);
  return OK;
}

/** echo BDF > /sys/bus/pci/drivers_probe: bind an unbound function to the first driver that probes it. */
export function storeDriversProbe(state: HostState, buf: string): SysResult {
  const fn = findByName(state, buf);
  if (!fn) return fail("ENODEV");
  if (boundDriver(fn) !== undefined || fn.kind === "pf" || ownedByIovctl(state, fn)) return OK;
  // device_attach(): no driver that probes it is not an error; the function stays unbound.
  if (loadedPciDrivers(state).some((d) => probes(state, fn, d))) attachVf(state, fn);
  return OK;
}

/** cat driver_override: "%s\n" of the string, "(null)" when none. */
export function readDriverOverride(state: HostState, fn: PciFunction): string {
  return `${driverOverrideOf(state, fn) ?? "(null)"}\n`;
}

/** echo NAME > driver_override (driver_set_override): up to the first newline; empty clears it. */
export function storeDriverOverride(state: HostState, fn: PciFunction, buf: string): SysResult {
  if (buf.length >= 4095) return fail("EINVAL"); // count >= PAGE_SIZE - 1
  const nl = buf.indexOf("\n");
  const name = nl >= 0 ? buf.slice(0, nl) : buf;
  const lin = pfLinuxOf(state, fn.pf.info.name);
  const key = overrideKey(fn);
  if (name === "") {
    if (lin.driverOverride) delete lin.driverOverride[key];
  } else {
    lin.driverOverride ??= {};
    lin.driverOverride[key] = name;
  }
  return OK;
}
