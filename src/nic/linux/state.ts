// The Linux view's own persistent data, kept in HostState.linux (saved with the rest of the
// host, atomically, under the same lock): per-PF sysfs settings and ip-link VF settings,
// netdevsim devices, and the interface index counter. Validated with zod on every read.
import { z } from "zod";
import { UserError } from "../../errors.ts";
import { type HostState, pfInfo, stateFileOf, ZERO_MAC } from "../host-model.ts";

/** IFLA_VF_LINK_STATE_*: 0 auto, 1 enable, 2 disable. */
export type LinkState = 0 | 1 | 2;

/** One VF's settings as netdevsim's struct nsim_vf_config / a PF driver's VF table keeps them. */
export interface VfLinuxConfig {
  /** "xx:xx:xx:xx:xx:xx"; all-zero = unset. */
  mac: string;
  vlan: number;
  qos: number;
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  vlanProto: number;
  minTxRate: number;
  maxTxRate: number;
  spoofchk: boolean;
  trust: boolean;
  rssQuery: boolean;
  linkState: LinkState;
}

export interface PfLinux {
  /** sriov_drivers_autoprobe: bind host VF drivers to new VFs. */
  autoprobe: boolean;
  /** Per-VF ip-link settings of the VFs enabled through sysfs (index = VF index). */
  vfs: VfLinuxConfig[];
  /** Fault injection (debugfs iovsim/<BDF>/fail_vf_add): VF index whose add fails, -1 = off. */
  failVfAdd: number;
  /** Fault injection (debugfs iovsim/<BDF>/vf_enable_limit): driver enables at most this many, 0 = no limit. */
  vfEnableLimit: number;
  /** driver_override of the PF ("pf") and of its VFs (VF index); absent = none ("(null)"). */
  driverOverride?: Record<string, string>;
  /**
   * VF index -> why that VF has no host (netdev) driver: unbound through sysfs, made with
   * sriov_drivers_autoprobe 0, or bound to vfio-pci. Absent: its host driver is bound.
   */
  noHostDriver?: Record<string, NoHostDriver>;
  /**
   * Why the PF itself has no PF driver (HostState.pfs[pf].attached === false): its driver was
   * unbound through sysfs, or it is bound to vfio-pci. Absent: its PF driver is bound.
   */
  pfNoDriver?: "unbind" | "vfio-pci";
  /** The PF netdev's ifindex once its driver was bound again (a new netdev, a new index); absent: boot's. */
  ifindex?: number;
  /** The PF netdev's MTU (ip link set DEV mtu N; mtu.ts); absent: 1500. */
  mtu?: number;
  /** VF index -> its own netdev's MTU (the VFs enabled through sysfs); absent: 1500. */
  vfMtu?: Record<string, number>;
}

export type NoHostDriver = "unbind" | "autoprobe" | "vfio-pci";

/** A dynamic ID (new_id; vfio-pci's ids= module parameter): struct pci_device_id's match fields. */
export interface PciDynId {
  vendor: number;
  device: number;
  subvendor: number;
  subdevice: number;
  cls: number;
  classMask: number;
}

export interface NsimDevice {
  id: number;
  ports: number;
  maxVfs: number;
  numVfs: number;
  eswitch: "legacy" | "switchdev";
  /**
   * VF index -> settings (sparse: absent = zero-initialised). Survives 0 -> N; reallocated
   * (cleared) only when max_vfs is written.
   */
  vfconfigs: Record<string, VfLinuxConfig>;
  /** ifindex of port 0 (port p has ifindex + p). */
  ifindex: number;
  /** Port -> its netdev's MTU; absent: 1500. */
  mtu?: Record<string, number>;
}

export interface LinuxState {
  version: 1;
  pfs: Record<string, PfLinux>;
  netdevsim: NsimDevice[];
  nextIfindex: number;
  /** Modules loaded with `iovsim modprobe` (only vfio-pci): absent = not loaded (a fresh boot). */
  vfioPci?: { loaded: true };
  /** Dynamic IDs per PCI driver (new_id), in the order added. */
  dynids?: Record<string, PciDynId[]>;
}

/** An Ethernet netdev's MTU: ETH_MIN_MTU..ETH_MAX_MTU (each driver's own bound is checked on set). */
const mtuValue = z.number().int().min(68).max(65535);
const u32 = z.number().int().min(0).max(0xffffffff);
const dynId = z.strictObject({
  vendor: u32,
  device: u32,
  subvendor: u32,
  subdevice: u32,
  cls: u32,
  classMask: u32,
});

const vfLinuxConfig = z.strictObject({
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/),
  vlan: z.number().int().min(0).max(4095),
  qos: z.number().int().min(0).max(7),
  vlanProto: z.number().int(),
  minTxRate: z.number().int().min(0),
  maxTxRate: z.number().int().min(0),
  spoofchk: z.boolean(),
  trust: z.boolean(),
  rssQuery: z.boolean(),
  linkState: z.union([z.literal(0), z.literal(1), z.literal(2)]),
});

// Strict: a key this version does not know is reported, never dropped by the next write.
const linuxStateSchema = z.strictObject({
  version: z.literal(1),
  pfs: z.record(
    z.string(),
    z.strictObject({
      autoprobe: z.boolean(),
      vfs: z.array(vfLinuxConfig),
      failVfAdd: z.number().int(),
      vfEnableLimit: z.number().int().min(0),
      driverOverride: z.record(z.string().regex(/^(pf|\d+)$/), z.string().min(1)).optional(),
      noHostDriver: z
        .record(z.string().regex(/^\d+$/), z.enum(["unbind", "autoprobe", "vfio-pci"]))
        .optional(),
      pfNoDriver: z.enum(["unbind", "vfio-pci"]).optional(),
      ifindex: z.number().int().min(1).optional(),
      mtu: mtuValue.optional(),
      vfMtu: z.record(z.string().regex(/^\d+$/), mtuValue).optional(),
    }),
  ),
  netdevsim: z.array(
    z.strictObject({
      id: z.number().int().min(0),
      ports: z.number().int().min(0),
      maxVfs: z.number().int().min(0),
      numVfs: z.number().int().min(0),
      eswitch: z.enum(["legacy", "switchdev"]),
      vfconfigs: z.record(z.string().regex(/^\d+$/), vfLinuxConfig),
      ifindex: z.number().int().min(1),
      mtu: z.record(z.string().regex(/^\d+$/), mtuValue).optional(),
    }),
  ),
  nextIfindex: z.number().int().min(0),
  vfioPci: z.strictObject({ loaded: z.literal(true) }).optional(),
  dynids: z.record(z.string(), z.array(dynId)).optional(),
});

/** The first ifindex of a netdev registered after boot (PFs have 2.., netdevsim ports and rebound PFs 16..). */
const FIRST_DYNAMIC_IFINDEX = 16;

/** dev_new_index() for netdevs registered after boot: the next free indexes (representative). */
export function allocIfindex(state: HostState, count = 1): number {
  const lin = linuxOf(state);
  const ifindex = FIRST_DYNAMIC_IFINDEX + lin.nextIfindex;
  lin.nextIfindex += Math.max(1, count);
  return ifindex;
}

/** Objects already validated (linuxOf is called many times per command). */
const validated = new WeakSet<object>();

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;

/** A zero-initialised VF config (kcalloc), as netdevsim starts. */
export function zeroVfConfig(): VfLinuxConfig {
  return {
    mac: ZERO_MAC,
    vlan: 0,
    qos: 0,
    vlanProto: ETH_P_8021Q,
    minTxRate: 0,
    maxTxRate: 0,
    spoofchk: false,
    trust: false,
    rssQuery: false,
    linkState: 0,
  };
}

/** The Linux data of a host (created empty on first use), validated when it came from disk. */
export function linuxOf(state: HostState): LinuxState {
  if (state.linux === undefined) {
    const fresh: LinuxState = { version: 1, pfs: {}, netdevsim: [], nextIfindex: 0 };
    validated.add(fresh);
    state.linux = fresh;
    return fresh;
  }
  if (typeof state.linux === "object" && state.linux !== null && validated.has(state.linux))
    return state.linux as LinuxState;
  const r = linuxStateSchema.safeParse(state.linux);
  if (!r.success) {
    const file = stateFileOf(state);
    throw new UserError(
      "E_STATE_CORRUPT",
      `state file ${file ? `${file} ` : ""}is corrupt: ${schemaProblems(r.error.issues)[0]}; run 'iovsim reset' to start from a clean host`,
    );
  }
  state.linux = r.data;
  validated.add(r.data);
  return r.data as LinuxState;
}

export function pfLinuxOf(state: HostState, pfName: string): PfLinux {
  const l = linuxOf(state);
  let p = l.pfs[pfName];
  if (!p) {
    p = { autoprobe: true, vfs: [], failVfAdd: -1, vfEnableLimit: 0 };
    l.pfs[pfName] = p;
  }
  return p;
}

/** A PF netdev unregistered (its driver unbound): the next one starts at 1500. */
export function forgetPfMtu(state: HostState, pfName: string): void {
  delete pfLinuxOf(state, pfName).mtu;
}

/** VF `index`'s netdev unregistered (its driver unbound); every VF's without an index (VFs removed). */
export function forgetVfMtu(state: HostState, pfName: string, index?: number): void {
  const lin = pfLinuxOf(state, pfName);
  if (index === undefined || lin.vfMtu === undefined) delete lin.vfMtu;
  else {
    delete lin.vfMtu[String(index)];
    if (Object.keys(lin.vfMtu).length === 0) delete lin.vfMtu;
  }
}

/** zod's issues as "$.linux<path>: reason"; an unknown key at its own path, as the state loader names it. */
function schemaProblems(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const unknown = i.code === "unrecognized_keys" ? i.keys[0] : undefined;
    const at = unknown === undefined ? i.path : [...i.path, unknown];
    const why = unknown === undefined ? i.message : "a key this iovsim does not know";
    return `$.linux${at.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${why}`;
  });
}

/**
 * Every broken rule of a state file's Linux section (empty when a kernel could have left it),
 * as "$.linux...: reason": its schema, then what the schema cannot say. The per-VF settings of
 * a PF are its sysfs VFs' (pci_enable_sriov made exactly numVfs, each with its settings; a
 * missing one crashed `ip link show`); a driver_override or a missing driver belongs to a VF
 * that exists; a PF without its driver is one the host records as detached; netdevsim's VFs
 * fit its max_vfs. Run by the state loader (registered in src/cli/state-sections.ts).
 */
export function linuxSectionProblems(value: unknown, state: HostState): string[] {
  const r = linuxStateSchema.safeParse(value);
  if (!r.success) return schemaProblems(r.error.issues);
  const lin = r.data as LinuxState;
  const out: string[] = [];
  for (const [name, p] of Object.entries(lin.pfs)) {
    const at = `$.linux.pfs.${name}`;
    if (!pfInfo(state, name)) {
      out.push(`${at}: no SR-IOV device '${name}' in the host description`);
      continue;
    }
    const rt = state.pfs[name];
    const vfs = rt?.sriovEnabled ? rt.vfs : [];
    const sysfs = rt?.sriovEnabled === true && rt.configuredBy === "sysfs";
    const want = sysfs ? vfs.length : 0;
    if (p.vfs.length !== want)
      out.push(
        `${at}.vfs: ${p.vfs.length} VF settings, but ${name} has ${want} VF${want === 1 ? "" : "s"} enabled through sriov_numvfs (one each)`,
      );
    p.vfs.forEach((c, i) => {
      if (c.vlanProto !== ETH_P_8021Q && c.vlanProto !== ETH_P_8021AD)
        out.push(`${at}.vfs[${i}].vlanProto: ${c.vlanProto} is neither 802.1Q (33024) nor 802.1ad (34984)`);
      // rtnl_set_vf_rate: a non-zero maximum below the minimum is EINVAL.
      if (c.maxTxRate !== 0 && c.maxTxRate < c.minTxRate)
        out.push(
          `${at}.vfs[${i}].maxTxRate: ${c.maxTxRate} below minTxRate ${c.minTxRate} (the kernel refuses it)`,
        );
    });
    if (p.failVfAdd < -1) out.push(`${at}.failVfAdd: ${p.failVfAdd} (a VF index, or -1 for off)`);
    const vf = (key: string) => vfs.find((v) => String(v.index) === key);
    for (const key of Object.keys(p.driverOverride ?? {}))
      if (key !== "pf" && !vf(key))
        out.push(
          `${at}.driverOverride.${key}: ${name} has no VF ${key} (a VF's driver_override goes with it)`,
        );
    for (const key of Object.keys(p.noHostDriver ?? {})) {
      const v = vf(key);
      if (!v) out.push(`${at}.noHostDriver.${key}: ${name} has no VF ${key}`);
      else if (v.attached !== false)
        out.push(
          `${at}.noHostDriver.${key}: VF ${key} has no host driver here, but $.pfs.${name} records it attached`,
        );
    }
    // An MTU belongs to a netdev that exists: the PF's with its driver, a sysfs VF's with its own.
    if (p.mtu !== undefined && p.pfNoDriver !== undefined)
      out.push(`${at}.mtu: ${name} has no PF driver, so no netdev to have an MTU`);
    for (const key of Object.keys(p.vfMtu ?? {})) {
      const v = vf(key);
      if (!v || !sysfs) out.push(`${at}.vfMtu.${key}: ${name} has no VF ${key} enabled through sriov_numvfs`);
      else if (v.attached === false)
        out.push(`${at}.vfMtu.${key}: VF ${key} has no host driver, so no netdev`);
    }
    if ((p.pfNoDriver !== undefined) !== (rt?.attached === false))
      out.push(
        `${at}.pfNoDriver: ${p.pfNoDriver === undefined ? "absent" : `"${p.pfNoDriver}"`}, but $.pfs.${name}.attached is ${rt?.attached === false ? "false" : "true"}`,
      );
  }
  // The other way round: a PF whose VFs sriov_numvfs enabled keeps their settings here.
  for (const [name, rt] of Object.entries(state.pfs))
    if (rt.sriovEnabled && rt.configuredBy === "sysfs" && rt.vfs.length > 0 && !lin.pfs[name])
      out.push(
        `$.linux.pfs: no entry for ${name}, whose ${rt.vfs.length} VFs sriov_numvfs enabled (their ip-link settings)`,
      );
  const ids = new Set<number>();
  lin.netdevsim.forEach((d, i) => {
    const at = `$.linux.netdevsim[${i}]`;
    if (ids.has(d.id)) out.push(`${at}.id: netdevsim${d.id} is recorded twice`);
    ids.add(d.id);
    // sriov_numvfs refuses more VFs than max_vfs (docs/linux-mode.md, netdevsim).
    if (d.numVfs > d.maxVfs) out.push(`${at}.numVfs: ${d.numVfs} VFs but max_vfs is ${d.maxVfs}`);
    for (const key of Object.keys(d.vfconfigs))
      if (Number(key) >= d.maxVfs) out.push(`${at}.vfconfigs.${key}: VF ${key} but max_vfs is ${d.maxVfs}`);
  });
  return out;
}
