// The Linux PCI core and PF drivers behind /sys/bus/pci/devices/<BDF>/sriov_*: the store of
// sriov_numvfs (drivers/pci/iov.c sriov_numvfs_store, control-plane.md §6.2), sriov_enable's
// all-or-nothing VF add (§6.3), sriov_drivers_autoprobe, and the iovsim fault-injection knobs.
// It works on the same HostState as the FreeBSD kernel model: VFs are VfRecords in the PF's
// runtime, so pciconf, iovctl -L and the data plane see them.
import type { DriverContext, VfParams } from "../drivers/driver.ts";
import { isFailure } from "../drivers/driver.ts";
import { pfDriverOf } from "../drivers/index.ts";
import type { Errno } from "../errno.ts";
import {
  derivedVfMac,
  type HostState,
  lowestFreeUnit,
  namesInUse,
  nextVfListOrder,
  type PfInfo,
  pfInfo,
  pfSpecs,
  runtimeOf,
  vfAddress,
  ZERO_MAC,
} from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import { formatSelector, planVfRids } from "../pci.ts";
import { VF_VLAN_TRUNK, type VfRecord } from "../types.ts";
import { bdfOfRid } from "./bdf.ts";
import { type LinuxDriverFacts, linuxDriverFacts, VFIO_PCI } from "./drivers.ts";
import { fail, type LinuxErrno, OK, type SysResult } from "./errno.ts";
import { kstrtobool, kstrtoul } from "./kstrto.ts";
import { forgetVfMtu, pfLinuxOf, type VfLinuxConfig, zeroVfConfig } from "./state.ts";

/** A PCI PF as the Linux view sees it. */
export interface LinuxPciPf {
  info: PfInfo;
  bdf: string;
  facts: LinuxDriverFacts;
}

export function linuxPciPfs(state: HostState): LinuxPciPf[] {
  return pfSpecs(state).map((d) => {
    const info = pfInfo(state, d.name)!;
    return {
      info,
      bdf: bdfOfRid(info.rid, info.address.domain),
      facts: linuxDriverFacts(info.profile.id, info.profile.pf.driver, info.profile.vf.driver),
    };
  });
}

export function findPciPf(state: HostState, name: string): LinuxPciPf | undefined {
  return linuxPciPfs(state).find((p) => p.info.name === name || p.bdf === name);
}

/**
 * The driver bound to a PCI PF now: its own PF driver (from boot), none (unbound through sysfs)
 * or vfio-pci (bound after that).
 */
export function pfBoundDriver(state: HostState, pf: LinuxPciPf): string | undefined {
  if (state.pfs[pf.info.name]?.attached !== false) return pf.facts.pfDriver;
  return pfLinuxOf(state, pf.info.name).pfNoDriver === VFIO_PCI ? VFIO_PCI : undefined;
}

/**
 * The commands that give a PCI PF its own driver back ("bind it again with ..."): unbind it from
 * the driver it is bound to now (vfio-pci), if any, then bind its PF driver.
 */
export function rebindAdvice(state: HostState, pf: LinuxPciPf): string {
  const bound = pfBoundDriver(state, pf);
  const unbind =
    bound !== undefined && bound !== pf.facts.pfDriver
      ? `iovsim sysfs write /sys/bus/pci/drivers/${bound}/unbind ${pf.bdf}; `
      : "";
  return `${unbind}iovsim sysfs write /sys/bus/pci/drivers/${pf.facts.pfDriver}/bind ${pf.bdf}`;
}

/**
 * sriov_totalvfs: TotalVFs, or the lower limit the PF driver set with pci_sriov_set_totalvfs in
 * its probe (ixgbe 63, igb 7). Without that driver it is TotalVFs again: pci_iov_remove resets
 * driver_max_VFs when the driver is unbound (vfio-pci sets no limit).
 */
export function sriovTotalVfs(state: HostState, pf: LinuxPciPf): number {
  if (pfBoundDriver(state, pf) !== pf.facts.pfDriver) return pf.info.totalVfs;
  const d = pfDriverOf(pf.info.profile).limits(pf.info.profile);
  return Math.min(pf.info.totalVfs, d.driverMaxVfs);
}

/** num_VFs as the PCI core knows it (VFs enabled through either view). */
export function currentNumVfs(state: HostState, pfName: string): number {
  const rt = state.pfs[pfName];
  if (!rt?.sriovEnabled) return 0;
  return rt.configuredBy === "sysfs" ? rt.vfs.length : (rt.numVfs ?? rt.vfs.length);
}

function klog(state: HostState, pf: LinuxPciPf, text: string): void {
  appendDmesg(state, [`${pf.facts.pfDriver} ${pf.bdf}: ${text}`]);
}

function toLinuxErrno(e: Errno): LinuxErrno {
  const same: Partial<Record<Errno, LinuxErrno>> = {
    EINVAL: "EINVAL",
    EBUSY: "EBUSY",
    ENOSPC: "ENOSPC",
    ENOENT: "ENOENT",
    ENOMEM: "ENOMEM",
    EACCES: "EACCES",
    EOPNOTSUPP: "EOPNOTSUPP",
  };
  return same[e] ?? "EIO";
}

/** Per-VF settings a PCI PF driver starts a new VF with: netdevsim's zeroed ones (no admin MAC,
 *  untrusted) but anti-spoof on. */
export function pciDefaultVfConfig(): VfLinuxConfig {
  return { ...zeroVfConfig(), spoofchk: true };
}

/** True when the PF's VF schema has a `vlan` key (then "no port VLAN" is trunk, else null). */
function hasVlanKey(info: PfInfo): boolean {
  return info.profile.schema.vf.some((p) => p.type === "vlan");
}

/** Mirrors Linux VF settings into the VfRecord the data plane programs the switch from. */
export function applyToVfRecord(info: PfInfo, vf: VfRecord, cfg: VfLinuxConfig): void {
  const mac = cfg.mac === ZERO_MAC ? null : cfg.mac;
  vf.config.macAddr = mac;
  vf.effectiveMac = mac ?? derivedVfMac(info.mac, info.name, vf.index);
  vf.config.macAntiSpoof = cfg.spoofchk;
  // A trusted VF may change its MAC and enter promiscuous modes (i40e/ixgbe "trust on").
  vf.config.allowSetMac = cfg.trust;
  vf.config.allowPromisc = cfg.trust;
  // ixgbe_ndo_set_vf_vlan, i40e_ndo_set_vf_port_vlan and igb_ndo_set_vf_vlan all take
  // `if (vlan || qos)` as a port VLAN: with VID 0 and a PCP the NIC inserts a priority tag.
  const portVlan = cfg.vlan !== 0 || cfg.qos !== 0;
  vf.config.vlan = portVlan ? cfg.vlan : hasVlanKey(info) ? VF_VLAN_TRUNK : null;
  vf.config.vlanQos = portVlan ? cfg.qos : 0;
}

function defaultParams(info: PfInfo): VfParams {
  const params: VfParams = new Map([["passthrough", false]]);
  for (const p of info.profile.schema.vf)
    if (p.default !== undefined) params.set(p.name.toLowerCase(), p.default);
  return params;
}

/**
 * The explanation a refusal of the FreeBSD view's VFs leaves in the kernel log (the errno alone,
 * EBUSY, says nothing of why): `what` is refused at `bdf` (the PF's, or one of its VFs')
 * because iovctl -C made the VFs.
 */
export function noteIovctlOwned(state: HostState, bdf: string, what?: string): void {
  appendDmesg(state, [
    `iovsim: ${bdf}: ${what ? `${what}: ` : ""}SR-IOV was enabled by iovctl -C (FreeBSD view); remove the VFs with iovctl -D`,
  ]);
}

/** pci_disable_sriov through the PF driver: every VF removed, with its Linux settings and bindings. */
export function disableSriov(state: HostState, pf: LinuxPciPf): void {
  const rt = runtimeOf(state, pf.info.name);
  const ctx: DriverContext = {
    pfName: pf.info.name,
    pfMac: pf.info.mac,
    profile: pf.info.profile,
    state: rt.driverState,
    log: () => {},
  };
  pfDriverOf(pf.info.profile).uninit(ctx);
  rt.vfs = [];
  rt.sriovEnabled = false;
  rt.numVfs = 0;
  rt.driverState = {};
  delete rt.configuredBy;
  delete rt.vfListOrder;
  const lin = pfLinuxOf(state, pf.info.name);
  lin.vfs = [];
  delete lin.noHostDriver;
  forgetVfMtu(state, pf.info.name);
  // A VF's driver_override goes with its struct pci_dev; the PF's stays.
  if (lin.driverOverride)
    for (const key of Object.keys(lin.driverOverride)) if (key !== "pf") delete lin.driverOverride[key];
}

/**
 * The PF driver's sriov_configure(n) → pci_enable_sriov: returns the number of VFs enabled, or
 * an errno. All or nothing: a failing VF add removes every VF added so far (§6.3).
 */
function sriovConfigure(state: HostState, pf: LinuxPciPf, requested: number): number | LinuxErrno {
  const { info } = pf;
  const lin = pfLinuxOf(state, info.name);
  const rt = runtimeOf(state, info.name);
  const log: string[] = [];
  const driverState = {};
  const ctx: DriverContext = {
    pfName: info.name,
    pfMac: info.mac,
    profile: info.profile,
    state: driverState,
    log: (t) => log.push(`${pf.facts.pfDriver} ${pf.bdf}: ${t}`),
  };
  // A driver that cannot get resources for all VFs enables fewer (fault-injection knob).
  const n = lin.vfEnableLimit > 0 ? Math.min(requested, lin.vfEnableLimit) : requested;
  const driver = pfDriverOf(info.profile);
  const initFailure = driver.init(ctx, n);
  if (initFailure) {
    appendDmesg(state, log);
    return toLinuxErrno(initFailure.errno);
  }
  const plan = planVfRids(info.rid, info.firstVfOffset, info.vfStride, n);
  // sriov_enable(): the last VF's bus (pci_iov_virtfn_bus) must be within the PF's bus range,
  // [its bus, the port's subordinate bus]; VFs past the PF's own bus go on the buses after it.
  const busNr = plan.lastRid >> 8;
  if (n > 0 && busNr > info.lastBus) {
    const hex = (b: number) => b.toString(16).padStart(2, "0");
    // %pR of a bus resource: "[bus 05]", or "[bus 05-06]" for a range.
    const range =
      info.lastBus > info.address.bus
        ? `${hex(info.address.bus)}-${hex(info.lastBus)}`
        : hex(info.address.bus);
    klog(state, pf, `can't enable ${n} VFs (bus ${hex(busNr)} out of range of [bus ${range}])`);
    return "ENOMEM";
  }
  const params = defaultParams(info);
  const used = namesInUse(state);
  const macsInUse = new Set([info.mac]);
  const added: VfRecord[] = [];
  for (let i = 0; i < n; i++) {
    const rid = plan.rid(i);
    const bdf = bdfOfRid(rid, info.address.domain);
    if (lin.failVfAdd === i) {
      log.push(`iovsim: fault injection: pci_iov_add_virtfn failed for VF ${i} (${bdf})`);
      appendDmesg(state, log);
      return "ENOMEM"; // nothing is kept: `added` is dropped with this call's driver state
    }
    const r = driver.addVf(ctx, i, params, macsInUse);
    if (isFailure(r)) {
      appendDmesg(state, log);
      return toLinuxErrno(r.errno);
    }
    const vfDriver = info.profile.vf.driver;
    const name = `${vfDriver}${lowestFreeUnit(used, vfDriver)}`;
    if (lin.autoprobe) used.add(name);
    added.push({
      index: i,
      name,
      driver: vfDriver,
      rid,
      selector: formatSelector(vfAddress(info, rid)),
      effectiveMac: derivedVfMac(info.mac, info.name, i),
      config: {
        passthrough: false,
        macAddr: null,
        macAntiSpoof: true,
        allowSetMac: false,
        allowPromisc: false,
        numQueues: r.numQueues,
        vlan: hasVlanKey(info) ? VF_VLAN_TRUNK : null,
        extra: {},
      },
      attachedVm: null,
      attached: lin.autoprobe,
    });
    const p = info.profile;
    log.push(
      `pci ${bdf}: [${p.pf.vendor.toString(16).padStart(4, "0")}:${p.sriov.vfDeviceId.toString(16).padStart(4, "0")}] type 00 class 0x${p.pf.class.toString(16).padStart(6, "0")} PCIe Endpoint`,
    );
  }
  rt.driverState = driverState;
  // pci_iov_add_virtfn appends the VFs to the device list now, after any made before.
  rt.vfListOrder = nextVfListOrder(state);
  rt.vfs = added;
  rt.sriovEnabled = true;
  rt.numVfs = n;
  rt.configuredBy = "sysfs";
  lin.vfs = added.map(() => pciDefaultVfConfig());
  if (!lin.autoprobe)
    lin.noHostDriver = Object.fromEntries(added.map((vf) => [String(vf.index), "autoprobe"]));
  for (const vf of added) applyToVfRecord(info, vf, lin.vfs[vf.index]);
  appendDmesg(state, log);
  return n;
}

/** echo BUF > /sys/bus/pci/devices/<BDF>/sriov_numvfs (sriov_numvfs_store, in its order). */
export function storeSriovNumvfs(state: HostState, pf: LinuxPciPf, buf: string): SysResult {
  // `if (kstrtou16(buf, 0, &num_vfs) < 0) return -EINVAL;`: 65536 is EINVAL here, not kstrtou16's ERANGE.
  const parsed = kstrtoul(buf, 0, 0xffff);
  if (!parsed.ok) return fail("EINVAL");
  const n = parsed.value;
  if (n > sriovTotalVfs(state, pf)) return fail("ERANGE");
  const current = currentNumVfs(state, pf.info.name);
  if (n === current) return OK;
  // The PF's driver configures SR-IOV (its sriov_configure): none bound -> ENOENT; vfio-pci's
  // vfio_pci_sriov_configure answers ENOENT without its enable_sriov parameter (not simulated).
  const bound = pfBoundDriver(state, pf);
  if (bound === undefined) {
    appendDmesg(state, [`pci ${pf.bdf}: no driver bound to device; cannot configure SR-IOV`]);
    return fail("ENOENT");
  }
  if (bound === VFIO_PCI) return fail("ENOENT");
  const rt = state.pfs[pf.info.name];
  const ownedByIovctl = rt?.sriovEnabled === true && rt.configuredBy !== "sysfs";
  if (n === 0) {
    if (ownedByIovctl) {
      noteIovctlOwned(state, pf.bdf);
      return fail("EBUSY");
    }
    disableSriov(state, pf);
    return OK;
  }
  if (current !== 0) {
    klog(state, pf, `${current} VFs already enabled. Disable before enabling ${n} VFs`);
    return fail("EBUSY");
  }
  const r = sriovConfigure(state, pf, n);
  if (typeof r === "string") return fail(r);
  if (r !== n) klog(state, pf, `${n} VFs requested; only ${r} enabled`);
  return OK;
}

/** echo BUF > sriov_drivers_autoprobe (kstrtobool; applies to VFs enabled later). */
export function storeAutoprobe(state: HostState, pf: LinuxPciPf, buf: string): SysResult {
  const b = kstrtobool(buf);
  if (!b.ok) return fail(b.errno);
  pfLinuxOf(state, pf.info.name).autoprobe = b.value;
  return OK;
}

/** iovsim's debugfs knobs: fail_vf_add (-1 = off, else a VF index), vf_enable_limit (0 = off). */
export function storeFaultKnob(
  state: HostState,
  pf: LinuxPciPf,
  knob: "fail_vf_add" | "vf_enable_limit",
  buf: string,
): SysResult {
  const lin = pfLinuxOf(state, pf.info.name);
  const text = buf.replace(/\n$/, "").trim();
  if (knob === "fail_vf_add") {
    if (text === "-1") {
      lin.failVfAdd = -1;
      return OK;
    }
    const v = kstrtoul(buf, 0, 0xffff);
    if (!v.ok) return fail(v.errno);
    lin.failVfAdd = v.value;
    return OK;
  }
  const v = kstrtoul(buf, 0, 0xffff);
  if (!v.ok) return fail(v.errno);
  lin.vfEnableLimit = v.value;
  return OK;
}
