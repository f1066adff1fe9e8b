// The kernel's pci_iov: IOV_GET_SCHEMA, IOV_CONFIG (control-plane.md §4.2) and IOV_DELETE (§4.5)
// over the host's data, calling the PF driver models. Errors are KernelError(errno); kernel and
// driver messages go to dmesg in FreeBSD's "<device>: <text>" style.
import { type CheckedConfig, checkIovConfig } from "./config-check.ts";
import { type DriverContext, type DriverState, isFailure } from "./drivers/driver.ts";
import { pfDriverOf } from "./drivers/index.ts";
import { type Errno, KernelError } from "./errno.ts";
import {
  DMESG_MAX_LINES,
  effectiveVfMac,
  type HostState,
  locationWords,
  lowestFreeUnit,
  namesInUse,
  nextVfListOrder,
  type PfInfo,
  pfAttached,
  pfInfo,
  runtimeOf,
  vfAddress,
  ZERO_MAC,
} from "./host-model.ts";
import { formatSelector, planVfRids, vfsFitOnBus } from "./pci.ts";
import { IOV_PF_PARAMS, IOV_VF_PARAMS } from "./profile.ts";
import type { IovConfig, PfSchema, VfConfig, VfRecord } from "./types.ts";

export interface KernelProblem {
  severity: "error" | "warning";
  errno?: Errno;
  vf?: number;
  key?: string;
  message: string;
  /** The line the kernel logs when IOV_CONFIG fails on this problem (device_printf). */
  kernelLog?: string;
}

export function pfSchemaOf(info: PfInfo): PfSchema {
  const clone = <T>(x: T): T => structuredClone(x);
  return {
    pf: { iov: clone(IOV_PF_PARAMS), driver: clone(info.profile.schema.pf) },
    vf: { iov: clone(IOV_VF_PARAMS), driver: clone(info.profile.schema.vf) },
  };
}

export function requirePf(state: HostState, name: string): PfInfo {
  const info = pfInfo(state, name);
  if (!info) throw new KernelError("ENXIO", `no SR-IOV PF named '${name}' on this host`);
  return info;
}

/**
 * A PF whose IOV ioctls can be reached: pci_iov_attach made /dev/iov/<pf> when its driver
 * attached, and its detach removed it. Without its driver (unbound in the Linux view) the open
 * fails first (ENOENT, what iovctl prints); a library caller that skips the open gets the same.
 */
function requireIovDevice(state: HostState, name: string): PfInfo {
  const info = requirePf(state, name);
  if (!pfAttached(state, name))
    throw new KernelError(
      "ENOENT",
      `${name} has no driver attached (unbound through Linux sysfs): there is no /dev/iov/${name}`,
    );
  return info;
}

/**
 * The kernel log line that says why IOV_CONFIG / IOV_DELETE found a PF busy when the Linux view
 * enabled its VFs (iovctl itself prints FreeBSD's bare "Device busy"); nothing for iovctl's own.
 */
function noteLinuxOwned(state: HostState, pfName: string): void {
  if (state.pfs[pfName]?.configuredBy !== "sysfs") return;
  appendDmesg(state, [
    `iovsim: ${pfName}: SR-IOV was enabled through Linux sysfs (sriov_numvfs); write 0 there to remove the VFs`,
  ]);
}

export function appendDmesg(state: HostState, lines: string[]): void {
  state.dmesg.push(...lines);
  if (state.dmesg.length > DMESG_MAX_LINES) state.dmesg.splice(0, state.dmesg.length - DMESG_MAX_LINES);
}

function driverContext(info: PfInfo, driverState: DriverState, log: string[]): DriverContext {
  return {
    pfName: info.name,
    pfMac: info.mac,
    profile: info.profile,
    state: driverState,
    log: (text) => log.push(`${info.name}: ${text}`),
  };
}

/**
 * Every reason IOV_CONFIG would fail before creating VFs, in the kernel's order (the first one
 * is the errno the ioctl returns): busy, schema (§3.5), TotalVFs, driver INIT, bus numbers.
 */
export function preflight(
  state: HostState,
  info: PfInfo,
  config: IovConfig,
): { errors: KernelProblem[]; checked: CheckedConfig } {
  const errors: KernelProblem[] = [];
  const rt = state.pfs[info.name];
  if (rt?.sriovEnabled)
    errors.push({
      severity: "error",
      errno: "EBUSY",
      // VFs the Linux view enabled are its own: iovctl -D fails on them too (EBUSY, iovDelete).
      message:
        rt.configuredBy === "sysfs"
          ? `${info.name} already has SR-IOV enabled with ${rt.vfs.length} VF(s), through Linux sysfs (sriov_numvfs): iovctl -D cannot destroy them (Device busy); write 0 there first (iovsim sysfs write /sys/class/net/${info.name}/device/sriov_numvfs 0), the kernel accepts one configuration at a time`
          : `${info.name} already has SR-IOV enabled with ${rt.vfs.length} VF(s); destroy them first (iovctl -D), the kernel accepts one configuration at a time`,
    });
  const checked = checkIovConfig(pfSchemaOf(info), config);
  for (const p of checked.problems) errors.push({ severity: "error", errno: "EINVAL", ...p });
  const n = checked.numVfs;
  if (n > info.totalVfs)
    errors.push({
      severity: "error",
      errno: "EINVAL",
      key: "num_vfs",
      message: `num_vfs ${n} exceeds TotalVFs ${info.totalVfs} of ${info.name}'s SR-IOV capability`,
    });
  if (n >= 1) {
    const init = pfDriverOf(info.profile).init(driverContext(info, {}, []), n);
    if (init)
      errors.push({
        severity: "error",
        errno: init.errno,
        key: "num_vfs",
        message: `num_vfs ${n}: ${init.reason}`,
      });
    const plan = planVfRids(info.rid, info.firstVfOffset, info.vfStride, Math.min(n, 65535));
    if (!vfsFitOnBus(info.rid, plan))
      errors.push({
        severity: "error",
        errno: "ENOSPC",
        key: "num_vfs",
        // pci_iov_config (@10de111e): device_printf before ENOSPC when the VFs need another bus.
        kernelLog: `${info.name}: not enough PCIe bus numbers for VFs`,
        message: `num_vfs ${n}: the last VF's RID 0x${plan.lastRid.toString(16)} is not on ${info.name}'s bus ${info.address.bus} (not enough PCIe bus numbers for VFs)${info.ari ? "" : `; ARI Capable Hierarchy is clear (${info.spec.sriov?.ari === false ? "the host file's sriov.ari" : "its port does not forward ARI"}), so ${info.name} reports First VF Offset ${info.firstVfOffset}`}`,
      });
    else if (state.spec.kernel?.strictAriSlotCheck && !info.ari && vfAddress(info, plan.lastRid).slot !== 0)
      errors.push({
        severity: "error",
        errno: "ENOSPC",
        key: "num_vfs",
        message: `num_vfs ${n}: without ARI only slot 0 is addressable, but the last VF would be at ${formatSelector(vfAddress(info, plan.lastRid))}`,
      });
  }
  return { errors, checked };
}

/** The VF parameters the data plane reads into VfConfig; any other one is kept in `extra`. */
export const VF_CONFIG_KEYS = [
  "passthrough",
  "mac-addr",
  "mac-anti-spoof",
  "allow-set-mac",
  "allow-promisc",
  "num-queues",
  "vlan",
] as const;
const KNOWN_VF_KEYS = new Set<string>(VF_CONFIG_KEYS);

function vfConfigFrom(
  params: Map<string, boolean | number | string>,
  numQueues: number,
  hasVlan: boolean,
): VfConfig {
  const extra: Record<string, boolean | number | string> = {};
  for (const [k, v] of params) if (!KNOWN_VF_KEYS.has(k)) extra[k] = v;
  const mac = params.get("mac-addr");
  const vlan = params.get("vlan");
  return {
    passthrough: params.get("passthrough") === true,
    macAddr: typeof mac === "string" ? mac : null,
    // Secure defaults when a driver's schema lacks the key: anti-spoof on, nothing else allowed.
    macAntiSpoof: params.get("mac-anti-spoof") !== false,
    allowSetMac: params.get("allow-set-mac") === true,
    allowPromisc: params.get("allow-promisc") === true,
    numQueues,
    vlan: hasVlan && typeof vlan === "number" ? vlan : null,
    extra,
  };
}

export interface ConfigOutcome {
  dropped: Array<{ index: number; errno: Errno; reason: string; key?: string }>;
  /** The dmesg lines this call produced. */
  log: string[];
}

/** IOV_CONFIG. Throws KernelError; on success VFs exist (some may have been dropped by ADD_VF). */
export function iovConfig(state: HostState, pfName: string, config: IovConfig): ConfigOutcome {
  const info = requireIovDevice(state, pfName);
  const { errors, checked } = preflight(state, info, config);
  if (errors.length > 0) {
    if (state.pfs[pfName]?.sriovEnabled) noteLinuxOwned(state, pfName);
    if (errors[0].kernelLog !== undefined) appendDmesg(state, [errors[0].kernelLog]);
    throw new KernelError(errors[0].errno!, errors[0].message);
  }

  const log: string[] = [];
  const rt = runtimeOf(state, pfName);
  const driver = pfDriverOf(info.profile);
  rt.driverState = {};
  const ctx = driverContext(info, rt.driverState, log);
  const initFailure = driver.init(ctx, checked.numVfs);
  if (initFailure) throw new KernelError(initFailure.errno, initFailure.reason);

  const plan = planVfRids(info.rid, info.firstVfOffset, info.vfStride, checked.numVfs);
  const hasVlan = info.profile.schema.vf.some((p) => p.type === "vlan");
  const macsInUse = new Set([info.mac]);
  const created: VfRecord[] = [];
  const outcome: ConfigOutcome = { dropped: [], log };
  for (let i = 0; i < checked.numVfs; i++) {
    const params = checked.vfParams[i];
    const r = driver.addVf(ctx, i, params, macsInUse);
    if (isFailure(r)) {
      log.push(`${pfName}: Failed to add VF ${i}`);
      outcome.dropped.push({ index: i, errno: r.errno, reason: r.reason, ...(r.key ? { key: r.key } : {}) });
      continue;
    }
    const cfg = vfConfigFrom(params, r.numQueues, hasVlan);
    if (cfg.macAddr && cfg.macAddr !== ZERO_MAC) macsInUse.add(cfg.macAddr);
    const rid = plan.rid(i);
    created.push({
      index: i,
      name: "",
      driver: cfg.passthrough ? "ppt" : info.profile.vf.driver,
      rid,
      selector: formatSelector(vfAddress(info, rid)),
      effectiveMac: effectiveVfMac(cfg.macAddr, info.mac, pfName, i),
      config: cfg,
      attachedVm: null,
      attached: true,
    });
  }
  // bus_generic_attach: the new children probe and attach after every ADD_VF.
  const used = namesInUse(state);
  for (const vf of created) {
    vf.name = `${vf.driver}${lowestFreeUnit(used, vf.driver)}`;
    used.add(vf.name);
    const where = locationWords(vfAddress(info, vf.rid));
    if (vf.driver === "ppt") log.push(`${vf.name} ${where}`);
    else {
      log.push(`${vf.name}: <${info.profile.vf.description}> ${where}`);
      log.push(`${vf.name}: Ethernet address: ${vf.effectiveMac}`);
    }
  }
  rt.sriovEnabled = true;
  rt.numVfs = checked.numVfs;
  rt.vfListOrder = nextVfListOrder(state);
  rt.vfs = created;
  appendDmesg(state, log);
  return outcome;
}

/** IOV_DELETE. ECHILD without VFs; EBUSY (partial detach kept) when a ppt VF belongs to a VM. */
export function iovDelete(state: HostState, pfName: string): void {
  const info = requireIovDevice(state, pfName);
  const rt = state.pfs[pfName];
  if (!rt?.sriovEnabled) throw new KernelError("ECHILD", `${pfName} has no VFs`);
  // Shared host: VFs enabled through the Linux view (sysfs sriov_numvfs) belong to it.
  if (rt.configuredBy === "sysfs") {
    noteLinuxOwned(state, pfName);
    throw new KernelError(
      "EBUSY",
      `${pfName}'s VFs were enabled through Linux sysfs (sriov_numvfs); write 0 there to remove them`,
    );
  }
  for (const vf of rt.vfs) {
    if (vf.attached === false) continue;
    if (vf.driver === "ppt" && vf.attachedVm) {
      appendDmesg(state, [`${pfName}: Could not disable SR-IOV: failed to detach VF ${vf.name}`]);
      throw new KernelError("EBUSY", `${vf.name} is assigned to VM '${vf.attachedVm}'`);
    }
    vf.attached = false;
  }
  pfDriverOf(info.profile).uninit(driverContext(info, rt.driverState, []));
  rt.vfs = [];
  rt.sriovEnabled = false;
  rt.numVfs = 0;
  rt.driverState = {};
  delete rt.vfListOrder;
}

export interface Prediction {
  errno?: Errno;
  problems: Array<{ severity: "error" | "warning"; vf?: number; key?: string; message: string }>;
  vfs: VfRecord[];
  log: string[];
}

/** What IOV_CONFIG would do, on a copy of the state: every problem, the VFs and the log lines. */
export function predict(state: HostState, pfName: string, config: IovConfig): Prediction {
  const info = requirePf(state, pfName);
  const { errors } = preflight(state, info, config);
  const problems: Prediction["problems"] = errors.map(({ severity, vf, key, message }) => ({
    severity,
    vf,
    key,
    message,
  }));
  const errno = errors[0]?.errno;
  if (errors.some((e) => e.errno !== "EBUSY")) return { errno, problems, vfs: [], log: [] };

  // Only "busy" (or nothing): show what -D followed by -C would give.
  const copy: HostState = structuredClone(state);
  delete copy.pfs[pfName];
  const outcome = iovConfig(copy, pfName, config);
  const log = outcome.log;
  const vfs = copy.pfs[pfName].vfs;
  for (const vf of vfs) {
    // ixl keeps a zero mac-addr; the VF makes up its own address, and ixl_vf_mac_valid refuses
    // a filter for anything but the assigned one without allow-set-mac (the switch programs none).
    if (vf.config.macAddr === ZERO_MAC && !vf.config.allowSetMac)
      problems.push({
        severity: "warning",
        vf: vf.index,
        key: "mac-addr",
        message: `VF-${vf.index}: mac-addr 00:00:00:00:00:00 assigns no address: the VF makes one up (${vf.effectiveMac} here), which the ${info.profile.pf.driver} driver refuses to filter (EPERM) unless allow-set-mac is true, so no unicast reaches it (broadcast and multicast do)`,
      });
    const asked = config.vfs[vf.index].driver.find(([k]) => k.toLowerCase() === "num-queues")?.[1];
    if (asked !== undefined && Number(asked) !== vf.config.numQueues)
      problems.push({
        severity: "warning",
        vf: vf.index,
        key: "num-queues",
        message: `VF-${vf.index}: num-queues ${String(asked)} is outside the driver's range; it will use ${vf.config.numQueues}`,
      });
  }
  for (const d of outcome.dropped) {
    if (d.errno === "EADDRINUSE") {
      // Two functions with one MAC is never what was meant: an error, at the second mac-addr.
      const mac = config.vfs[d.index].driver.find(([k]) => k.toLowerCase() === "mac-addr")?.[1];
      const text =
        mac instanceof Uint8Array
          ? [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":")
          : String(mac);
      const owner = vfs.find((v) => v.index < d.index && v.config.macAddr === text);
      problems.push({
        severity: "error",
        vf: d.index,
        key: "mac-addr",
        message: `VF-${d.index}: mac-addr ${text} is already used by ${owner ? `VF-${owner.index}` : `the PF (${pfName})`}; the ${info.profile.pf.driver} driver refuses VF-${d.index} (EADDRINUSE) and iovctl -C creates the others`,
      });
      continue;
    }
    problems.push({
      severity: "warning",
      vf: d.index,
      ...(d.key ? { key: d.key } : {}),
      message: `VF-${d.index}: the ${info.profile.pf.driver} driver refuses this VF (${d.errno}: ${d.reason}); it is dropped and iovctl -C still exits 0`,
    });
  }
  return { errno, problems, vfs, log };
}
