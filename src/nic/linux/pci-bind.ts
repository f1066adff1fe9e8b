// Driver binding of the PCI functions in the Linux view: /sys/bus/pci/drivers/<drv>/bind and
// unbind (drivers/base/bus.c bind_store, unbind_store), /sys/bus/pci/drivers_probe
// (drivers_probe_store), <BDF>/driver_override (drivers/pci/pci-sysfs.c, driver_set_override),
// new_id and remove_id (drivers/pci/pci-driver.c), and vfio-pci once `iovsim modprobe` loaded it
// (drivers/vfio/pci/vfio_pci.c: an ID table that matches only with driver_override, plus dynamic
// IDs). A VF moves between its host driver (iavf, ixgbevf, igbvf: a netdev the jail can take),
// vfio-pci and no driver (both the VM's). A PF's driver can be unbound too: its remove disables
// SR-IOV first, as i40e/ixgbe/igb do (docs/linux-mode.md, "Unbinding a PF driver").
import type { HostState } from "../host-model.ts";
import { lowestFreeUnit, namesInUse, runtimeOf } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import type { VfRecord } from "../types.ts";
import { bdfOfRid } from "./bdf.ts";
import { VFIO_PCI } from "./drivers.ts";
import { fail, type LinuxErrno, OK, type SysResult } from "./errno.ts";
import { sscanfHex } from "./kstrto.ts";
import {
  disableSriov,
  type LinuxPciPf,
  linuxPciPfs,
  noteIovctlOwned,
  pfBoundDriver,
  sriovTotalVfs,
} from "./pci-sriov.ts";
import { allocIfindex, forgetPfMtu, forgetVfMtu, linuxOf, type PciDynId, pfLinuxOf } from "./state.ts";

export { VFIO_PCI };

/** PCI_ANY_ID */
const ANY = 0xffffffff;

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

/** vfio-pci is a module a distribution ships unloaded: present only after `iovsim modprobe vfio-pci`. */
export function vfioLoaded(state: HostState): boolean {
  return linuxOf(state).vfioPci !== undefined;
}

/**
 * The driver bound now: a PF's own unless unbound (or then bound to vfio-pci); a VF's host driver
 * unless unbound or made with autoprobe off, or vfio-pci. A ppt(4) passthrough VF (iovctl -C,
 * passthrough: true) has no Linux driver.
 */
export function boundDriver(state: HostState, fn: PciFunction): string | undefined {
  if (fn.kind === "pf") return pfBoundDriver(state, fn.pf);
  if (fn.vf.driver === "ppt") return undefined;
  if (fn.vf.attached !== false) return fn.pf.facts.vfDriver;
  return pfLinuxOf(state, fn.pf.info.name).noHostDriver?.[String(fn.vf.index)] === "vfio-pci"
    ? VFIO_PCI
    : undefined;
}

/** The host's PCI drivers in registration order: each PF's and VF driver (boot), then vfio-pci. */
function registeredPciDrivers(state: HostState): string[] {
  const names = new Set<string>();
  for (const pf of linuxPciPfs(state)) {
    names.add(pf.facts.pfDriver);
    names.add(pf.facts.vfDriver);
  }
  if (vfioLoaded(state)) names.add(VFIO_PCI);
  return [...names];
}

/** Every PCI driver the simulated host has loaded (as `ls /sys/bus/pci/drivers` sorts them). */
export function loadedPciDrivers(state: HostState): string[] {
  return registeredPciDrivers(state).sort();
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

/** EBUSY for a VF iovctl -C made, with the kernel log line that says why. */
function refuseIovctlVf(state: HostState, fn: PciFunction, what: string): SysResult {
  noteIovctlOwned(state, fn.bdf, what);
  return fail("EBUSY");
}

/** What pci_match_one_device compares: a device's IDs (or new_id's dummy device). */
interface DevIds {
  vendor: number;
  device: number;
  subvendor: number;
  subdevice: number;
  cls: number;
}

function idsOf(fn: PciFunction): DevIds {
  const p = fn.pf.info.profile;
  return fn.kind === "pf"
    ? {
        vendor: p.pf.vendor,
        device: p.pf.device,
        subvendor: p.pf.subvendor,
        subdevice: p.pf.subdevice,
        cls: p.pf.class,
      }
    : {
        vendor: p.pf.vendor,
        device: p.sriov.vfDeviceId,
        subvendor: p.pf.subvendor,
        subdevice: p.vf.subdevice,
        cls: p.pf.class,
      };
}

function matchOne(id: PciDynId, dev: DevIds): boolean {
  return (
    (id.vendor === ANY || id.vendor === dev.vendor) &&
    (id.device === ANY || id.device === dev.device) &&
    (id.subvendor === ANY || id.subvendor === dev.subvendor) &&
    (id.subdevice === ANY || id.subdevice === dev.subdevice) &&
    ((id.cls ^ dev.cls) & id.classMask) === 0
  );
}

const anyId = (vendor: number, device: number): PciDynId => ({
  vendor,
  device,
  subvendor: ANY,
  subdevice: ANY,
  cls: 0,
  classMask: 0,
});

/** A driver's static ID table as far as the host's devices go: the PF driver's PF, the VF driver's VF. */
function staticTable(state: HostState, drv: string): PciDynId[] {
  const out: PciDynId[] = [];
  for (const pf of linuxPciPfs(state)) {
    const p = pf.info.profile;
    if (pf.facts.pfDriver === drv) out.push(anyId(p.pf.vendor, p.pf.device));
    if (pf.facts.vfDriver === drv) out.push(anyId(p.pf.vendor, p.sriov.vfDeviceId));
  }
  return out;
}

function dynidsOf(state: HostState, drv: string): PciDynId[] {
  return linuxOf(state).dynids?.[drv] ?? [];
}

/**
 * pci_match_device(): a driver_override naming another driver matches nothing; then the dynamic
 * IDs, then the static table (vfio-pci's one entry, PCI_DRIVER_OVERRIDE_DEVICE_VFIO(ANY, ANY), is
 * override_only: it matches only a device whose driver_override names vfio-pci); a device with
 * driver_override naming this driver always matches.
 */
function pciMatchDevice(state: HostState, drv: string, dev: DevIds, override: string | undefined): boolean {
  if (override !== undefined && override !== drv) return false;
  if (dynidsOf(state, drv).some((id) => matchOne(id, dev))) return true;
  if (drv !== VFIO_PCI && staticTable(state, drv).some((id) => matchOne(id, dev))) return true;
  return override === drv;
}

function matches(state: HostState, fn: PciFunction, drv: string): boolean {
  return pciMatchDevice(state, drv, idsOf(fn), driverOverrideOf(state, fn));
}

/**
 * pci_device_probe() after a match: a VF of a PF with sriov_drivers_autoprobe 0 probes only with
 * a driver_override (pci_device_can_probe); then the driver's probe. vfio-pci takes any device
 * (vfio_pci_core_register_device refuses a PF with VFs: EBUSY); a host driver forced onto a
 * device it does not know fails its probe (ENODEV).
 */
function probe(state: HostState, fn: PciFunction, drv: string): LinuxErrno | undefined {
  const override = driverOverrideOf(state, fn);
  if (fn.kind === "vf" && !pfLinuxOf(state, fn.pf.info.name).autoprobe && override === undefined)
    return "ENODEV";
  if (!matches(state, fn, drv)) return "ENODEV";
  if (drv === VFIO_PCI) {
    if (fn.kind === "pf" && state.pfs[fn.pf.info.name]?.sriovEnabled) {
      appendDmesg(state, [`vfio-pci ${fn.bdf}: Cannot bind to PF with SR-IOV enabled`]);
      return "EBUSY";
    }
    return undefined; // a PF without VFs: whole-device assignment, as vfio-pci allows
  }
  const own = fn.kind === "pf" ? fn.pf.facts.pfDriver : fn.pf.facts.vfDriver;
  return drv === own ? undefined : "ENODEV";
}

/**
 * The probe succeeded on a PF: its own driver comes back (ixl0's netdev, /dev/iov/ixl0, 0 VFs:
 * no PF driver here enables VFs at probe without its max_vfs parameter), or vfio-pci takes it.
 */
function attachPf(state: HostState, fn: PciFunction & { kind: "pf" }, drv: string): void {
  const rt = runtimeOf(state, fn.pf.info.name);
  const lin = pfLinuxOf(state, fn.pf.info.name);
  if (drv === VFIO_PCI) {
    lin.pfNoDriver = VFIO_PCI;
    return;
  }
  delete rt.attached;
  delete lin.pfNoDriver;
  // register_netdev gives the new netdev the next free ifindex, not its old one.
  lin.ifindex = allocIfindex(state);
  appendDmesg(state, [
    `iovsim: ${fn.bdf}: ${drv} bound: ${fn.pf.info.name} registered, SR-IOV off (sriov_totalvfs ${sriovTotalVfs(state, fn.pf)})`,
  ]);
}

/** The probe succeeded: the VF gets its host driver back (a netdev) or vfio-pci (none). */
function attach(state: HostState, fn: PciFunction & { kind: "vf" }, drv: string): void {
  const lin = pfLinuxOf(state, fn.pf.info.name);
  const key = String(fn.vf.index);
  if (drv === VFIO_PCI) {
    fn.vf.attached = false;
    lin.noHostDriver = { ...lin.noHostDriver, [key]: "vfio-pci" };
    return;
  }
  // The netdev comes back under the lowest free unit, as a driver probe names it.
  fn.vf.name = `${fn.vf.driver}${lowestFreeUnit(namesInUse(state), fn.vf.driver)}`;
  fn.vf.attached = true;
  if (lin.noHostDriver) delete lin.noHostDriver[key];
}

/** driver_probe_device() on an unbound function the caller found matching: errno, or bound. */
function probeAndAttach(state: HostState, fn: PciFunction, drv: string): LinuxErrno | undefined {
  const e = probe(state, fn, drv);
  if (e !== undefined) return e;
  if (fn.kind === "vf") attach(state, fn, drv);
  else attachPf(state, fn, drv);
  return undefined;
}

/** echo BDF > /sys/bus/pci/drivers/<drv>/unbind */
export function storeUnbind(state: HostState, drv: string, buf: string): SysResult {
  const fn = findByName(state, buf);
  if (!fn || boundDriver(state, fn) !== drv) return fail("ENODEV");
  if (ownedByIovctl(state, fn)) return refuseIovctlVf(state, fn, `unbind from ${drv}`);
  if (fn.kind === "pf") return unbindPf(state, fn, drv);
  if (fn.vf.attachedVm) return fail("EBUSY");
  fn.vf.attached = false;
  const lin = pfLinuxOf(state, fn.pf.info.name);
  lin.noHostDriver = { ...lin.noHostDriver, [String(fn.vf.index)]: "unbind" };
  forgetVfMtu(state, fn.pf.info.name, fn.vf.index);
  return OK;
}

/**
 * device_release_driver() on a PF. Its own driver's remove (i40e_remove, ixgbe_remove,
 * igb_remove) disables SR-IOV first (pci_disable_sriov: every VF is removed, whatever driver it
 * had, vfio-pci included), then unregisters its netdev; pci_iov_remove resets sriov_totalvfs to
 * TotalVFs. vfio-pci's remove has nothing more to undo (it takes only a PF without VFs).
 * Refused, changing nothing: VFs iovctl -C made (the FreeBSD view's, whose driver detach fails
 * with them: pci_iov_detach EBUSY), or a VF a VM holds (none can here: `vm attach` takes only
 * ppt(4) VFs, which are iovctl -C's; checked so that nothing is ever dropped silently).
 */
function unbindPf(state: HostState, fn: PciFunction & { kind: "pf" }, drv: string): SysResult {
  const name = fn.pf.info.name;
  const rt = runtimeOf(state, name);
  if (rt.sriovEnabled && rt.configuredBy !== "sysfs") {
    appendDmesg(state, [
      `iovsim: ${fn.bdf}: SR-IOV was enabled by iovctl -C (FreeBSD view); remove the VFs with iovctl -D`,
    ]);
    return fail("EBUSY");
  }
  const held = rt.vfs.find((vf) => vf.attachedVm);
  if (held) {
    appendDmesg(state, [`iovsim: ${fn.bdf}: VF ${held.index} is assigned to VM '${held.attachedVm}'`]);
    return fail("EBUSY");
  }
  const lin = pfLinuxOf(state, name);
  if (drv === VFIO_PCI) {
    lin.pfNoDriver = "unbind";
    return OK;
  }
  const n = rt.sriovEnabled ? rt.vfs.length : 0;
  if (n > 0) disableSriov(state, fn.pf);
  rt.attached = false;
  lin.pfNoDriver = "unbind";
  forgetPfMtu(state, name);
  const rules = dropFlowRules(state, name);
  appendDmesg(state, [
    `iovsim: ${fn.bdf}: ${drv} unbound: ${n > 0 ? `its remove disabled SR-IOV (${n} VF${n === 1 ? "" : "s"} removed) and ` : ""}unregistered ${name}${rules > 0 ? ` (its ${rules} flow rule${rules === 1 ? "" : "s"} freed)` : ""}`,
  ]);
  return OK;
}

/**
 * The PF driver's remove frees its flow director filters with the netdev (i40e_fdir_filter_exit,
 * ixgbe_fdir_filter_exit): the port's `iovsim flow` rules go, and a bind starts with none.
 * Returns how many there were (state.flow is validated where it is read, src/steering/flow-state.ts).
 */
function dropFlowRules(state: HostState, port: string): number {
  const flow = state.flow as Record<string, unknown> | undefined;
  if (!flow || typeof flow !== "object" || !(port in flow)) return 0;
  const rules = flow[port];
  delete flow[port];
  return Array.isArray(rules) ? rules.length : 0;
}

/** echo BDF > /sys/bus/pci/drivers/<drv>/bind (bind_store, device_driver_attach). */
export function storeBind(state: HostState, drv: string, buf: string): SysResult {
  const fn = findByName(state, buf);
  // driver_match_device() first: no match is ENODEV, whether or not a driver is bound.
  if (!fn || !matches(state, fn, drv)) return fail("ENODEV");
  if (boundDriver(state, fn) !== undefined) return fail("EBUSY"); // __driver_probe_device: dev->driver
  if (ownedByIovctl(state, fn)) return refuseIovctlVf(state, fn, `bind to ${drv}`);
  const e = probeAndAttach(state, fn, drv);
  return e === undefined ? OK : fail(e);
}

/** echo BDF > /sys/bus/pci/drivers_probe: bind an unbound function to the first driver that probes it. */
export function storeDriversProbe(state: HostState, buf: string): SysResult {
  const fn = findByName(state, buf);
  if (!fn) return fail("ENODEV");
  if (boundDriver(state, fn) !== undefined || ownedByIovctl(state, fn)) return OK;
  // device_attach(): drivers in registration order (vfio-pci, loaded last, after the host
  // drivers); a failed probe moves on; no driver at all is not an error: the function stays unbound.
  for (const drv of registeredPciDrivers(state))
    if (matches(state, fn, drv) && probeAndAttach(state, fn, drv) === undefined) break;
  return OK;
}

/** driver_attach() (new_id, vfio-pci's ids=): probe every unbound function the driver matches. */
export function driverAttach(state: HostState, drv: string): void {
  for (const fn of pciFunctions(state))
    if (boundDriver(state, fn) === undefined && !ownedByIovctl(state, fn) && matches(state, fn, drv))
      probeAndAttach(state, fn, drv); // __driver_attach ignores probe errors
}

/** pci_add_dynid(): append the ID, then driver_attach. */
export function addDynId(state: HostState, drv: string, id: PciDynId): void {
  const lin = linuxOf(state);
  lin.dynids = { ...lin.dynids, [drv]: [...dynidsOf(state, drv), id] };
  driverAttach(state, drv);
}

/**
 * echo "VENDOR DEVICE [SUBVENDOR SUBDEVICE CLASS CLASS_MASK DRIVER_DATA]" > drivers/<drv>/new_id
 * (new_id_store): hex fields; fewer than two → EINVAL; without driver_data, an ID the driver
 * already matches → EEXIST; driver_data must be one of the driver's table's (all 0 here) → EINVAL.
 */
export function storeNewId(state: HostState, drv: string, buf: string): SysResult {
  const f = sscanfHex(buf, 7, " ", [32, 32, 32, 32, 32, 32, 64]);
  if (f.length < 2) return fail("EINVAL");
  const id: PciDynId = {
    vendor: f[0],
    device: f[1],
    subvendor: f[2] ?? ANY,
    subdevice: f[3] ?? ANY,
    cls: f[4] ?? 0,
    classMask: f[5] ?? 0,
  };
  if (f.length !== 7) {
    const dummy = {
      vendor: id.vendor,
      device: id.device,
      subvendor: id.subvendor,
      subdevice: id.subdevice,
      cls: id.cls,
    };
    if (pciMatchDevice(state, drv, dummy, undefined)) return fail("EEXIST");
  }
  if ((f[6] ?? 0) !== 0) return fail("EINVAL");
  addDynId(state, drv, id);
  return OK;
}

/** echo "VENDOR DEVICE [SUBVENDOR SUBDEVICE CLASS CLASS_MASK]" > drivers/<drv>/remove_id: the first dynamic ID it matches, else ENODEV. */
export function storeRemoveId(state: HostState, drv: string, buf: string): SysResult {
  const f = sscanfHex(buf, 6);
  if (f.length < 2) return fail("EINVAL");
  const [vendor, device, subvendor = ANY, subdevice = ANY, cls = 0, classMask = 0] = f;
  const ids = dynidsOf(state, drv);
  const at = ids.findIndex(
    (id) =>
      id.vendor === vendor &&
      id.device === device &&
      (subvendor === ANY || id.subvendor === subvendor) &&
      (subdevice === ANY || id.subdevice === subdevice) &&
      ((id.cls ^ cls) & classMask) === 0,
  );
  if (at < 0) return fail("ENODEV");
  const lin = linuxOf(state);
  lin.dynids = { ...lin.dynids, [drv]: ids.filter((_, i) => i !== at) };
  if (lin.dynids[drv].length === 0) delete lin.dynids[drv];
  return OK;
}

/** cat driver_override: "%s\n" of the string, "(null)" when none. */
export function readDriverOverride(state: HostState, fn: PciFunction): string {
  return `${driverOverrideOf(state, fn) ?? "(null)"}\n`;
}

/** echo NAME > driver_override (driver_set_override): up to the first newline; empty clears it. */
export function storeDriverOverride(state: HostState, fn: PciFunction, buf: string): SysResult {
  if (buf.length >= 4095) return fail("EINVAL"); // count >= PAGE_SIZE - 1
  // A VF iovctl -C made is the FreeBSD view's: its driver (iavf, ppt) is not Linux's to choose,
  // as bind and unbind are refused. Linux itself takes any override and applies it at the next
  // probe; here there is no next probe for it, so the write is refused as bind is (EBUSY).
  if (ownedByIovctl(state, fn)) return refuseIovctlVf(state, fn, "driver_override");
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
