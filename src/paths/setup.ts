// The simulated host a path run uses: a fresh in-memory host (the user's saved state is never
// touched), VFs created through the control plane's API from an iovctl.conf, and the rule that
// a whole PF passed through can belong to one VM only.
import { UserError } from "../errors.ts";
import type { HostState } from "../nic/host-model.ts";
import { getProfile, Host, type HostSpec, KernelError, type VfRecord } from "../nic/index.ts";
import { type LoadedConfig, loadIovConfig } from "../nic/iovctl-validate.ts";
import { type VfDataPlaneSettings, vfDataPlaneSettings } from "../nic/linux/index.ts";
import { linkSpeedMbpsOf } from "../nic/profile.ts";
import type { Pos } from "../nic/ucl.ts";
import { uclFileSource } from "../nic/ucl-include.ts";
import type { NicBinding } from "./path-graphs.ts";

/** The whole-PF passthrough path uses a second port without SR-IOV. */
export const SECOND_PORT = "ix0";

/** Like the talk: ixl0 with a host VF (for the vnet jail) and passthrough VFs for VMs. */
export const TALK_IOVCTL_CONF = `# iovctl.conf as in the talk: one VF stays in the host (for a vnet jail),
# two are passed through (ppt) to bhyve VMs.
PF {
	device : "ixl0";
	num_vfs : 3;
}

DEFAULT {
	passthrough : true;
}

VF-0 {
	passthrough : false;
	mac-addr : "02:01:00:00:00:10";
}

VF-1 {
	mac-addr : "02:01:00:00:00:11";
}

VF-2 {
	mac-addr : "02:01:00:00:00:12";
}
`;

export interface PathHost {
  host: Host;
  pf: string;
  vfs: VfRecord[];
  /** VF (non-passthrough) the jail gets, and the ppt VF given to the VM. */
  jailVf?: VfRecord;
  vmVf?: VfRecord;
  pfMac: string;
  /** Link speed of the SR-IOV PF in Gbit/s (a path on another port has that port's: portLinkGbps). */
  linkGbps: number;
  /** Where the iovctl.conf names its PF (`device`'s value), when it came from one. */
  pfPos?: Pos;
  /** The VFs the iovctl.conf asks for (PF num_vfs), when it came from one: the driver may
   *  have created fewer (ix refuses a VF with `vlan : 0`, and iovctl -C still exits 0). */
  vfsAsked?: number;
  /** VFs (by index) whose `ip link set ... vf N` settings reach the data plane beyond the
   *  switch's: a transmit rate limit, a link state other than auto. Absent: none has any (an
   *  iovctl.conf has no such parameters). */
  vfSettings?: ReadonlyMap<number, VfDataPlaneSettings>;
}

/** VF `index`'s transmit rate limit and link state on this host (none: 0 and auto). */
export function vfSettingsOf(ph: PathHost, index: number): VfDataPlaneSettings {
  return ph.vfSettings?.get(index) ?? { maxTxRateMbps: 0, linkState: 0 };
}

/** Creates the VFs of `confText` on a fresh host (the embedded default, or `spec`). Config
 *  errors name file:line:column. With `fromFile`, `confText` is `file`'s and its `.include`s run. */
export function setupHost(
  confText: string,
  file = "iovctl.conf",
  spec?: HostSpec,
  fromFile = false,
  hostFile?: string,
): PathHost {
  const host = spec ? Host.fresh(spec, hostFile ?? "host spec") : Host.fresh();
  const loaded = loadIovConfig(
    confText,
    (dev) => {
      const name = dev.replace(/^\/dev\/iov\//, "");
      return host.pf(name) ? host.schema(name) : undefined;
    },
    fromFile ? uclFileSource(file) : undefined,
  );
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || !loaded.config || !loaded.device) {
    const d = errors[0];
    const where = d
      ? `${d.file ?? file}:${d.line ?? 1}:${d.column ?? 1}: ${d.message}`
      : loaded.device !== undefined
        ? noSuchPf(host, loaded.device, file, loaded.devicePos, spec === undefined, hostFile)
        : `${file}: no PF device found`;
    throw new UserError("E_CONFIG", `invalid iovctl.conf: ${where}`);
  }
  const pf = loaded.device.replace(/^\/dev\/iov\//, "");
  const rec = host.pf(pf);
  if (!rec) throw new UserError("E_CONFIG", `${file}: no PF '${pf}' on the simulated host`);
  try {
    host.iovConfig(pf, loaded.config);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    throw new UserError("E_CONFIG", kernelRefusal(e, loaded, file));
  }
  const vfs = host.listVfs(pf);
  const jailVf = vfs.find((v) => !v.config.passthrough);
  const vmVf = vfs.find((v) => v.config.passthrough);
  if (vmVf) host.attachVm("vm0", vmVf.name);
  const after = host.listVfs(pf);
  return {
    host,
    pf,
    vfs: after,
    jailVf,
    vmVf: after.find((v) => v.index === vmVf?.index),
    pfMac: host.pf(pf)!.mac,
    linkGbps: linkGbpsOf(rec.profile),
    vfsAsked: loaded.config.vfs.length,
    ...(loaded.devicePos ? { pfPos: loaded.devicePos } : {}),
  };
}

/**
 * A path that passes the second port (SECOND_PORT) through to a VM whole, on a configuration
 * whose iovctl.conf made VFs on that same PF: a PF with VFs cannot be passed through (its VFs
 * need its driver in the host), so the run would measure a device that cannot exist. The
 * refusal is located at the file's PF `device` value; undefined when the path can run.
 */
/**
 * A path on the second port (whole-PF passthrough of SECOND_PORT) on a host that has no such
 * PF (a host file of the user's without it): nothing to pass through. Undefined when it has one.
 */
export function secondPortMissing(
  ph: PathHost,
  nic: Pick<NicBinding, "port">,
  path: string,
  hostName: string,
): string | undefined {
  if (nic.port !== "second" || ph.host.pf(SECOND_PORT)) return undefined;
  const pfs = ph.host.pfs().map((p) => p.name);
  return `path '${path}' passes the whole PF ${SECOND_PORT} through to a VM, and ${hostName} has no ${SECOND_PORT} (its PFs: ${pfs.join(", ") || "none"}): add it to the host file (iovsim reset --host FILE), or choose other paths with --path`;
}

export function wholePfRefusal(
  ph: PathHost,
  nic: Pick<NicBinding, "port">,
  path: string,
  file: string,
): string | undefined {
  if (nic.port !== "second" || ph.pf !== SECOND_PORT) return undefined;
  const n = ph.host.pf(SECOND_PORT)?.vfs.length ?? 0;
  if (n === 0) return undefined;
  const at = ph.pfPos;
  const where = `${at?.file ?? file}:${at?.line ?? 1}:${at?.column ?? 1}`;
  return `${where}: path '${path}' passes the whole PF ${SECOND_PORT} through to a VM, and this configuration creates ${n} VF${n === 1 ? "" : "s"} on ${SECOND_PORT}: a PF with VFs cannot be passed through (its VFs need its driver in the host); configure the VFs on another PF, or choose other paths with --path`;
}

/**
 * The kernel refused a whole configuration (ENOSPC, EINVAL...): that is about num_vfs (TotalVFs,
 * the driver's limit, the bus), so it is located at num_vfs's value (in an included file, that
 * file's). For every command that applies an iovctl.conf to a fresh host (paths, ping, switch).
 */
export function kernelRefusal(e: KernelError, loaded: LoadedConfig, file: string): string {
  const at = loaded.source.locatePf("num_vfs");
  return `${at.file ?? file}:${at.line}:${at.column}: the simulated kernel refused the configuration: ${e.message}${e.detail ? ` (${e.detail})` : ""}`;
}

/**
 * PF.device names no PF of the host the file runs on: located at the value, in iovctl's words
 * (open of /dev/iov/<device>), with the PFs there are. `embedded`: that host is the embedded
 * default, not the state's (paths -f and ping -f without a host spec: a host file's PFs are
 * measured with --host); else the host's own (switch -f runs on the state's host).
 */
export function noSuchPf(
  host: Host,
  device: string,
  file: string,
  at: Pos | undefined,
  embedded: boolean,
  hostFile?: string,
): string {
  const pfs = host.pfs().map((p) => p.name);
  const which = embedded
    ? `the PFs of the embedded default host: ${pfs.join(", ")}; a host of your own: iovsim reset --host FILE`
    : `${hostFile ? `the PFs of the host file ${hostFile}` : "this host's PFs"}: ${pfs.join(", ") || "none"}`;
  const loc = `${at?.file ?? file}:${at?.line ?? 1}:${at?.column ?? 1}`;
  return `${loc}: Could not open device '/dev/iov/${device}': No such file or directory (${which})`;
}

/** A NIC profile's link speed in Gbit/s (its Linux view's Mb/s); 10 GbE when it gives none. */
export function linkGbpsOf(profile: string): number {
  return linkSpeedMbpsOf(getProfile(profile)) / 1000;
}

/** The port a path's NIC binding puts its frames on: the SR-IOV PF (its VFs, the PF itself, a
 *  bridge on it), or the second port passed through whole. */
export function portOf(ph: PathHost, nic: Pick<NicBinding, "port">): string {
  return nic.port === "main" ? ph.pf : SECOND_PORT;
}

/** The link speed (Gbit/s) of a port of the host: its NIC profile's. A port the host lacks has
 *  none to price (the engine refuses the path): the SR-IOV PF's is returned. */
export function portLinkGbps(ph: PathHost, port: string): number {
  const rec = ph.host.pf(port);
  return rec ? linkGbpsOf(rec.profile) : ph.linkGbps;
}

/** The link speed (Gbit/s) of the port a path's frames cross (its wire, its line rate). */
export function pathLinkGbps(ph: PathHost, nic: Pick<NicBinding, "port">): number {
  return portLinkGbps(ph, portOf(ph, nic));
}

/**
 * Where a path run's VFs come from: an iovctl.conf applied to a fresh host (`text` is the
 * file), or, with `hostState`, the VFs that already exist on a saved simulated host (`text` is
 * its state.json, `file` names it for messages). Plain data, so it travels to worker threads.
 */
export interface PathConfig {
  text: string;
  file: string;
  hostState?: true;
  /** The text is the file `file` on disk: its `.include`s are read (relative to the working directory). */
  fromFile?: true;
  /** The host the iovctl.conf is applied to when it is not the embedded default: the devices of
   *  the user's host file (`iovsim reset --host FILE`, as the state records them) and its name. */
  host?: { spec: HostSpec; file: string };
  /** The state file the run reads (its host file, or with `hostState` its VFs): a report
   *  (--html FILE) must not replace it. */
  stateFile?: string;
}

/**
 * The VFs that exist on a saved host (made through sysfs / `ip link` / devlink, or iovctl -C),
 * on a private copy of it: the saved state is never changed. The main PF is the first PF that
 * has VFs (else the first PF). Linux VFs have no passthrough flag, so: the jail gets the first
 * VF not marked 'passthrough : true' that has its host driver (VF 0 on Linux), the VM the first
 * passthrough VF, else the first driverless one, else the lowest-numbered VF after the jail's
 * (VF 1 on Linux). Port VLAN, MAC, spoof checking and trust
 * are the VF records' own, so the switch is programmed from them as for an iovctl.conf.
 */
export function pathHostFromState(state: HostState): PathHost {
  const host = new Host(structuredClone(state));
  const pfs = host.pfs();
  const rec = pfs.find((p) => p.vfs.length > 0) ?? pfs[0];
  if (!rec) throw new UserError("E_CONFIG", "the simulated host has no PF");
  const vfs = host.listVfs(rec.name);
  // The jail's VF needs its host driver (its netdev is what moves into the jail): a VF left
  // without one (sriov_drivers_autoprobe 0, or a failed iovctl -D) cannot be the jail's. A VF
  // without a host driver is what a VM is given (vfio-pci on Linux), so the VM's is the first
  // passthrough VF, else the first driverless one, else the next after the jail's.
  const jailVf = vfs.find((v) => !v.config.passthrough && v.attached !== false);
  const vmVf =
    vfs.find((v) => v.config.passthrough) ??
    vfs.find((v) => v.attached === false) ??
    vfs.find((v) => jailVf !== undefined && v.index > jailVf.index);
  const vfSettings = new Map<number, VfDataPlaneSettings>();
  for (const v of vfs) {
    const s = vfDataPlaneSettings(host.state, rec.name, v.index);
    if (s.maxTxRateMbps > 0 || s.linkState !== 0) vfSettings.set(v.index, s);
  }
  return {
    host,
    pf: rec.name,
    vfs,
    jailVf,
    vmVf,
    pfMac: rec.mac,
    linkGbps: linkGbpsOf(rec.profile),
    ...(vfSettings.size > 0 ? { vfSettings } : {}),
  };
}

/** The PathHost of a run's configuration (default: the talk's iovctl.conf), cached per thread. */
export function cachedPathHost(config: PathConfig | undefined, spec?: HostSpec): PathHost {
  if (!config?.hostState)
    return cachedSetupHost(
      config?.text ?? TALK_IOVCTL_CONF,
      config?.file ?? "iovctl.conf",
      spec ?? config?.host?.spec,
      config?.fromFile,
      config?.host?.file,
    );
  const key = JSON.stringify(["state", config.text]);
  const have = hostCache.get(key);
  if (have) return have;
  const ph = pathHostFromState(JSON.parse(config.text) as HostState);
  if (hostCache.size >= HOST_CACHE_ENTRIES) hostCache.clear();
  hostCache.set(key, ph);
  return ph;
}

/** Hosts set up by setupHost, by their inputs (config text, file name, host spec). */
const hostCache = new Map<string, PathHost>();
const HOST_CACHE_ENTRIES = 32;

/**
 * setupHost's result for these inputs, set up once per thread and shared by every later call
 * with the same inputs (a search runs the same host at many rates). setupHost is a pure function
 * of its inputs (a fresh in-memory host each time), and a path run only reads the host it gets
 * (the VF records, MACs and link speed it binds the switch to), so sharing it cannot change a
 * result. Errors are not cached: a bad config throws (with its location) on every call.
 */
export function cachedSetupHost(
  confText: string,
  file = "iovctl.conf",
  spec?: HostSpec,
  fromFile?: true,
  hostFile?: string,
): PathHost {
  const key = JSON.stringify([confText, file, spec ?? null, fromFile === true, hostFile ?? null]);
  const have = hostCache.get(key);
  if (have) return have;
  const ph = setupHost(confText, file, spec, fromFile === true, hostFile);
  if (hostCache.size >= HOST_CACHE_ENTRIES) hostCache.clear();
  hostCache.set(key, ph);
  return ph;
}

/** Forgets the hosts cachedSetupHost set up (tests: a cold start). */
export function clearHostCache(): void {
  hostCache.clear();
}

/** Whole-device passthrough: one VM per PF, and never a PF that has VFs. */
export class PfAssignments {
  private owner = new Map<string, string>();

  assign(host: Host, pf: string, vm: string): void {
    const rec = host.pf(pf);
    if (!rec) throw new UserError("E_PASSTHROUGH", `no PF '${pf}' on the simulated host`);
    if (rec.vfs.length > 0) {
      throw new UserError(
        "E_PASSTHROUGH",
        `${pf}: SR-IOV is enabled (${rec.vfs.length} VFs): the PF cannot be passed through whole`,
      );
    }
    const cur = this.owner.get(pf);
    if (cur !== undefined && cur !== vm) {
      throw new UserError(
        "E_PASSTHROUGH",
        `${pf} is already passed through to VM '${cur}': a whole PF can be given to one VM only (use SR-IOV VFs to share it)`,
      );
    }
    this.owner.set(pf, vm);
  }

  ownerOf(pf: string): string | undefined {
    return this.owner.get(pf);
  }
}
