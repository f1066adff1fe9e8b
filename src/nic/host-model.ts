// The simulated host's persistent data (what state.json holds) and the read-only views over it:
// resolved PF facts (profile + host-file overrides), PfRecords, device units, boot messages.
import type { DriverState } from "./drivers/driver.ts";
import { type HostSpec, isPfSpec, type PfDeviceSpec, pfHierarchy } from "./host-spec.ts";
import { addressOfRid, formatSelector, type PciAddress, parseSelector, ridOf } from "./pci.ts";
import { defaultFirstVfOffset, getProfile, type NicProfile } from "./profile.ts";
import type { PfRecord, VfRecord } from "./types.ts";

export const STATE_VERSION = 1;
/** dmesg keeps the newest lines only, like the kernel's message buffer. */
export const DMESG_MAX_LINES = 10_000;

export interface PfRuntime {
  sriovEnabled: boolean;
  /** NumVFs register: what IOV_CONFIG asked for (VFs dropped by ADD_VF still count). */
  numVfs?: number;
  vfs: VfRecord[];
  driverState: DriverState;
  /** Which interface enabled SR-IOV: absent/"iovctl" = FreeBSD iovctl, "sysfs" = the Linux view (src/nic/linux). */
  configuredBy?: "iovctl" | "sysfs";
  /**
   * Where this PF's VFs sit in the kernel's device list (pci_devq, the order pciconf -l
   * prints): pci_fill_devinfo appends a VF when IOV_CONFIG creates it, so VFs come after every
   * device found at boot, and a PF configured later lists its VFs after another's (whether
   * iovctl -C or the Linux view's sriov_numvfs made them). Absent: before every numbered PF's
   * VFs (states saved before this field).
   */
  vfListOrder?: number;
  /**
   * False while no driver is attached to the PF: the Linux view unbound its PF driver (echo BDF >
   * /sys/bus/pci/drivers/<drv>/unbind) or bound it to vfio-pci. Then FreeBSD has no /dev/iov node
   * for it and pciconf shows it as none<N>; SR-IOV is disabled (the driver's remove did it).
   * Absent or true: its PF driver is attached, as at boot.
   */
  attached?: boolean;
}

/** The next vfListOrder: after every PF whose VFs exist now. */
export function nextVfListOrder(state: HostState): number {
  let last = 0;
  for (const rt of Object.values(state.pfs))
    if (rt.vfs.length > 0) last = Math.max(last, rt.vfListOrder ?? 0);
  return last + 1;
}

export interface HostState {
  version: number;
  /** "embedded default host" or the host file it was reset from. */
  hostSource: string;
  spec: HostSpec;
  pfs: Record<string, PfRuntime>;
  dmesg: string[];
  /** The Linux view's own data (netdevsim devices, per-VF ip-link settings); validated by src/nic/linux/state.ts. */
  linux?: unknown;
  /** Flow rules per port (`iovsim flow`); validated by src/steering/flow-state.ts. */
  flow?: unknown;
}

const stateFiles = new WeakMap<HostState, string>();

/** Remembers which file a loaded state came from, so later checks can name it. */
export function noteStateFile(state: HostState, path: string): void {
  stateFiles.set(state, path);
}

/** The file a state was loaded from, or undefined for a state built in memory. */
export function stateFileOf(state: HostState): string | undefined {
  return stateFiles.get(state);
}

/** Everything about one PF that does not change: spec, profile, address, and its record's
 *  name, MAC and SR-IOV capability (RID, TotalVFs, First VF Offset, VF Stride, ARI). */
export interface PfInfo
  extends Pick<PfRecord, "name" | "rid" | "totalVfs" | "firstVfOffset" | "vfStride" | "ari" | "mac"> {
  spec: PfDeviceSpec;
  profile: NicProfile;
  address: PciAddress;
  /** The highest bus number the PF's port forwards (its subordinate bus; the PF's own bus when
   *  the host file describes no port for it): Linux puts VFs up to it, FreeBSD on the PF's bus. */
  lastBus: number;
}

export function pfSpecs(state: HostState): PfDeviceSpec[] {
  return state.spec.devices.filter(isPfSpec);
}

export function pfInfo(state: HostState, name: string): PfInfo | undefined {
  const spec = pfSpecs(state).find((d) => d.name === name);
  if (!spec) return undefined;
  const profile = getProfile(spec.profile);
  if (!profile) throw new Error(`host device ${name}: unknown NIC profile '${spec.profile}'`);
  const address = parseSelector(spec.selector)!;
  const place = pfHierarchy(state.spec.devices, spec, address);
  const ari = place.ari;
  const totalVfs = spec.sriov?.totalVfs ?? profile.sriov.totalVfs;
  const vfStride = spec.sriov?.vfStride ?? profile.sriov.vfStride;
  return {
    name,
    spec,
    profile,
    address,
    rid: ridOf(address, false),
    totalVfs,
    firstVfOffset:
      spec.sriov?.firstVfOffset ?? defaultFirstVfOffset(profile, address.function, totalVfs, vfStride, ari),
    vfStride,
    ari,
    lastBus: place.lastBus,
    mac: spec.mac ?? derivedPfMac(profile.pf.macOui, name),
  };
}

export function runtimeOf(state: HostState, name: string): PfRuntime {
  let rt = state.pfs[name];
  if (!rt) {
    rt = { sriovEnabled: false, vfs: [], driverState: {} };
    state.pfs[name] = rt;
  }
  return rt;
}

/** Whether the PF's own driver is attached (false after the Linux view unbound it). */
export function pfAttached(state: HostState, name: string): boolean {
  return state.pfs[name]?.attached !== false;
}

export function pfRecord(state: HostState, name: string): PfRecord | undefined {
  const info = pfInfo(state, name);
  if (!info) return undefined;
  const rt = state.pfs[name] ?? { sriovEnabled: false, vfs: [], driverState: {} };
  return {
    name,
    profile: info.profile.id,
    selector: formatSelector(info.address),
    rid: info.rid,
    totalVfs: info.totalVfs,
    firstVfOffset: info.firstVfOffset,
    vfStride: info.vfStride,
    ari: info.ari,
    mac: info.mac,
    sriovEnabled: rt.sriovEnabled,
    vfs: rt.vfs.map((v) => structuredClone(v)),
    driver: info.profile.pf.driver,
    vfDriver: info.profile.vf.driver,
    vfDeviceId: info.profile.sriov.vfDeviceId,
    rss: { ...info.profile.rss },
  };
}

/** Device names in use right now (PFs, ordinary devices, attached VFs). */
export function namesInUse(state: HostState): Set<string> {
  const names = new Set(state.spec.devices.map((d) => d.name));
  for (const rt of Object.values(state.pfs))
    for (const vf of rt.vfs) if (vf.attached !== false) names.add(vf.name);
  return names;
}

/** FreeBSD's devclass gives a new device the lowest free unit of its driver, host-wide. */
export function lowestFreeUnit(used: Set<string>, driver: string): number {
  let unit = 0;
  while (used.has(`${driver}${unit}`)) unit++;
  return unit;
}

/** Deterministic locally administered MAC for a VF without mac-addr: 02:<3 bytes of PF hash>:<index>. */
export function derivedVfMac(pfMac: string, pfName: string, index: number): string {
  const h = fnv1a(`${pfName}/${pfMac}`);
  const bytes = [0x02, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, (index >> 8) & 0xff, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export const ZERO_MAC = "00:00:00:00:00:00";

/**
 * The MAC a VF's driver ends up with: the configured one, else its own. An all-zero mac-addr
 * (ixl accepts it) assigns nothing: iavf's attach treats a zero address as "none assigned" and
 * makes one up (sys/dev/iavf/if_iavf_iflib.c, iavf_check_ether_addr), so it gets the derived MAC.
 */
export function effectiveVfMac(
  configured: string | null,
  pfMac: string,
  pfName: string,
  index: number,
): string {
  return configured === null || configured === ZERO_MAC ? derivedVfMac(pfMac, pfName, index) : configured;
}

function derivedPfMac(oui: string, name: string): string {
  const h = fnv1a(name);
  return `${oui}:${[(h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Representative memory addresses (deterministic, per bus) for boot lines and iov bar lines. */
export function pfBar0(info: PfInfo): { base: number; end: number } {
  const base = 0xe0000000 + info.address.bus * 0x01000000;
  return { base, end: base + 0x7fffff };
}

export function vfBarBase(info: PfInfo, bar: number): bigint {
  return 0x38000000000n + BigInt(info.address.bus) * 0x10000000n + BigInt(bar) * 0x01000000n;
}

/** "at device S.F on pciB": how FreeBSD's pci bus prints a child's location. */
export function locationWords(a: PciAddress): string {
  return `at device ${a.slot}.${a.function} on pci${a.bus}`;
}

export function vfAddress(info: PfInfo, rid: number): PciAddress {
  return addressOfRid(rid, info.ari, info.address.domain);
}

/** A fresh host: no VFs, the boot messages of each PF driver in dmesg. */
export function freshState(spec: HostSpec, hostSource: string): HostState {
  const state: HostState = { version: STATE_VERSION, hostSource, spec, pfs: {}, dmesg: [] };
  for (const d of pfSpecs(state)) {
    const info = pfInfo(state, d.name)!;
    const bar = pfBar0(info);
    const vars: Record<string, string> = {
      name: info.name,
      description: info.profile.pf.description,
      slot: String(info.address.slot),
      function: String(info.address.function),
      bus: String(info.address.bus),
      mac: info.mac,
      totalVfs: String(info.totalVfs),
      bar0: bar.base.toString(16),
      bar0end: bar.end.toString(16),
    };
    for (const t of info.profile.pf.bootLog)
      state.dmesg.push(t.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? `{${k}}`));
  }
  return state;
}
