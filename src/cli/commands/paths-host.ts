// `paths` and `ping` with --host (the state in --state DIR, $IOVSIM_STATE or the default): measure the VFs that exist on the
// simulated host now, made through either view (sysfs / `ip link` / devlink, or iovctl -C),
// instead of those of an iovctl.conf on a fresh host. Read-only: the state is never written.
import { SECOND_PORT, vfLinkDownMessage } from "../../engine/graph.ts";
import type { Direction } from "../../engine/types.ts";
import { UserError } from "../../errors.ts";
import type { HostState } from "../../nic/host-model.ts";
import { Host } from "../../nic/index.ts";
import {
  bdfOfRid,
  findNetdev,
  findPciPf,
  pfBoundDriver,
  rebindAdvice,
  vfHostDriverState,
} from "../../nic/linux/index.ts";
import { formatLinkShow } from "../../nic/linux/iplink.ts";
import { parseSelector } from "../../nic/pci.ts";
import { readState } from "../../nic/state.ts";
import { loopbackUnreachable } from "../../paths/loopback-reach.ts";
import { enginePath, vfRolesOf } from "../../paths/path-graphs.ts";
import {
  type PathConfig,
  type PathHost,
  pathHostFromState,
  secondPortMissing,
  vfSettingsOf,
} from "../../paths/setup.ts";
import type { CommandContext } from "../context.ts";

/**
 * The saved host as a path configuration when the user asked for it (--host: the state in
 * --state DIR, else $IOVSIM_STATE, else the default directory), else undefined (the caller
 * reads -f FILE or the talk's iovctl.conf). --state or $IOVSIM_STATE alone only say where the
 * state lives, as for every command, so a harness that isolates its state does not change what
 * `paths` measures. --host with -f is a usage error: the run measures one or the other.
 */
export async function stateConfig(
  command: "paths" | "ping",
  values: { host?: unknown; config?: unknown },
  ctx: Pick<CommandContext, "stateDir" | "stateSource">,
): Promise<PathConfig | undefined> {
  if (values.host !== true) return undefined;
  const source = ctx.stateSource;
  const named =
    source === "option"
      ? `--state ${ctx.stateDir}`
      : source === "env"
        ? `$IOVSIM_STATE (${ctx.stateDir})`
        : `default state ${ctx.stateDir}`;
  if (values.config !== undefined)
    throw new UserError(
      "E_USAGE",
      `${command}: --host and -f/--config are exclusive: measure the VFs of ${values.config as string} on a fresh host (-f), or those that exist on the simulated host in ${ctx.stateDir} (--host); leave one out`,
    );
  // A directory without state.json is a freshly booted host (no VFs), as for every command.
  const state = (await readState(ctx.stateDir)) ?? Host.fresh().state;
  return { text: JSON.stringify(state), file: named, hostState: true };
}

/**
 * The saved host's VFs for these paths, or a user error naming the PF and what to run when a
 * path needs a VF the host does not have (or a whole PF that has VFs).
 */
export function checkStateHost(conf: PathConfig, runs: PathRun[]): PathHost {
  const ph = pathHostFromState(JSON.parse(conf.text));
  const n = ph.vfs.length;
  const has = `${ph.pf} has ${n === 0 ? "no VFs" : n === 1 ? "1 VF" : `${n} VFs`} on the simulated host (${conf.file})`;
  // Linux changes a PF's VF count only through 0 (EBUSY otherwise); VFs iovctl -C made are
  // removed by iovctl -D only (sysfs answers EBUSY for them, as pci-sriov.ts does).
  const numvfs = `iovsim sysfs write /sys/class/net/${ph.pf}/device/sriov_numvfs`;
  const rt = ph.host.state.pfs[ph.pf];
  const byIovctl = n > 0 && rt?.sriovEnabled === true && rt.configuredBy !== "sysfs";
  const make = (vfs: number) =>
    byIovctl
      ? `${ph.pf}'s VFs were made by iovctl -C: remove them with iovsim iovctl -D -d ${ph.pf}, then create ${vfs} with iovsim iovctl -C -f iov.conf (num_vfs: ${vfs}), or choose other paths with --path`
      : `create them as on Linux: ${n > 0 ? `${numvfs} 0, then ` : ""}${numvfs} ${vfs} (or iovsim iovctl -C -f iov.conf), or choose other paths with --path`;
  // Every direction through the main port's NIC runs its PF driver (or its VFs, which need it):
  // none while the Linux view has that driver unbound. virtio-tap rx (pktgen into the tap) never
  // reaches the NIC, so it runs without one.
  const unboundPf = rt?.attached === false ? findPciPf(ph.host.state, ph.pf) : undefined;
  for (const { path: p, direction } of runs) {
    if (unboundPf && enginePath(p)?.nic.port === "main" && throughNic(p, direction)) {
      const { facts } = unboundPf;
      const vfio = pfBoundDriver(ph.host.state, unboundPf) !== undefined;
      throw new UserError(
        "E_CONFIG",
        `path '${p}' needs ${ph.pf}'s PF driver (${facts.pfDriver}), and it is ${vfio ? "unbound (the PF is bound to vfio-pci)" : "unbound"} on the simulated host (${conf.file}): bind it again with ${rebindAdvice(ph.host.state, unboundPf)}, or choose other paths with --path`,
      );
    }
    // The VF roles the path's NIC binding uses (its consumer's pool, its loopback peer).
    const path = enginePath(p);
    const roles = path ? vfRolesOf(path) : [];
    const needsJail = roles.includes("host-vf");
    const needsVm = roles.includes("ppt-vf");
    if (needsJail && !ph.jailVf) {
      const driverless = ph.vfs.filter((v) => !v.config.passthrough && v.attached === false);
      if (driverless.length > 0) {
        // Why the first one has no host driver on Linux (autoprobe 0, unbound, vfio-pci), and how to give it back.
        const v = driverless[0];
        const why = byIovctl ? "iovctl" : vfHostDriverState(ph.host.state, ph.pf, v);
        const bdf = bdfOfRid(v.rid, parseSelector(v.selector)?.domain ?? 0);
        const rebind = `${why === "vfio-pci" ? `iovsim sysfs write /sys/bus/pci/drivers/vfio-pci/unbind ${bdf}; ` : ""}iovsim sysfs write /sys/bus/pci/devices/${bdf}/driver_override ""; iovsim sysfs write /sys/bus/pci/drivers_probe ${bdf}`;
        if (why === "unbind" || why === "vfio-pci")
          throw new UserError(
            "E_CONFIG",
            `path '${p}' needs a VF for the jail with its driver bound (its netdev moves into the jail), and ${ph.pf}'s VF(s) ${driverless.map((d) => d.index).join(", ")} have none on the simulated host (${conf.file}; VF ${v.index} ${why === "vfio-pci" ? "is bound to vfio-pci" : "was unbound through sysfs"}): give it back its host driver (${rebind}), or choose other paths with --path`,
          );
        throw new UserError(
          "E_CONFIG",
          `path '${p}' needs a VF for the jail with its driver bound (its netdev moves into the jail), and ${ph.pf}'s VF(s) ${driverless.map((v) => v.index).join(", ")} have none on the simulated host (${conf.file}; ${byIovctl ? `a failed iovctl -D left them driverless): run iovsim iovctl -D -d ${ph.pf} again, then iovsim iovctl -C -f iov.conf` : `made with sriov_drivers_autoprobe 0): write 1 to /sys/class/net/${ph.pf}/device/sriov_drivers_autoprobe, then recreate the VFs (${numvfs} 0, then ${numvfs} ${Math.max(n, needsVm ? 2 : 1)})`}, or choose other paths with --path`,
        );
      }
      throw new UserError(
        "E_CONFIG",
        `path '${p}' needs a VF for the jail (the first VF without 'passthrough : true'), and ${has}: ${make(needsVm ? 2 : 1)}`,
      );
    }
    if (needsVm && !ph.vmVf)
      throw new UserError(
        "E_CONFIG",
        `path '${p}' needs a VF for the VM (the first 'passthrough : true' VF, else the first VF without a host driver, else the VF after the jail's: VF 1 of VFs made on Linux), and ${has}: ${make(2)}`,
      );
    // A VF whose link the PF forced down (ip link ... state disable) carries nothing.
    for (const vf of [needsJail ? ph.jailVf : undefined, needsVm ? ph.vmVf : undefined])
      if (vf && vfSettingsOf(ph, vf.index).linkState === 2)
        throw new UserError("E_CONFIG", vfLinkDownMessage(p, ph.pf, vf.index));
    // VF-to-VF loopback between VFs the NIC's switch cannot connect (port VLANs...) carries nothing.
    const unreachable = path ? loopbackUnreachable(path, ph) : null;
    if (unreachable) throw new UserError("E_CONFIG", unreachable);
    const second = ph.host.pf(SECOND_PORT);
    const missing = path
      ? secondPortMissing(ph, path.nic, p, `the simulated host (${conf.file})`)
      : undefined;
    if (missing) throw new UserError("E_CONFIG", missing);
    if (enginePath(p)?.nic.port === "second" && second && second.vfs.length > 0)
      throw new UserError(
        "E_CONFIG",
        `path '${p}' passes the whole PF ${SECOND_PORT} through to a VM, and ${SECOND_PORT} has ${second.vfs.length} VF(s) on the simulated host (${conf.file}): a PF with VFs cannot be passed through; remove them with iovsim sysfs write /sys/class/net/${SECOND_PORT}/device/sriov_numvfs 0, or choose other paths with --path`,
      );
  }
  return ph;
}

/** A path and the direction the run measures on it. */
export interface PathRun {
  path: string;
  direction: Direction;
}

/** Whether `direction` of `path` passes an element on the NIC (its VEB), which its PF driver runs. */
export function throughNic(path: string, direction: Direction): boolean {
  const p = enginePath(path);
  if (!p) return false;
  const els = [...(direction !== "tx" ? (p.rx ?? []) : []), ...(direction !== "rx" ? (p.tx ?? []) : [])];
  return els.some((e) => p.resources.find((r) => r.name === e.on)?.kind === "nic");
}

/**
 * What a report shows as the run's configuration: the iovctl.conf as given, or for a saved
 * host its PF as `ip link show` prints it (not the whole state.json) and the VFs each path got.
 */
export function reportConfig(conf: PathConfig): { text: string; file: string } {
  if (!conf.hostState) return { text: conf.text, file: conf.file };
  const state = JSON.parse(conf.text) as HostState;
  const ph = pathHostFromState(state);
  const nd = findNetdev(state, ph.pf);
  const who = (role: string, vf?: { index: number }) => `# ${role}: ${vf ? `VF ${vf.index}` : "none"}\n`;
  return {
    file: conf.file,
    text: `# ip link show ${ph.pf}\n${nd ? formatLinkShow(state, nd) : ""}${who("jail (jail-vf)", ph.jailVf)}${who("VM (vm-vf)", ph.vmVf)}`,
  };
}

/**
 * With --host, the run measures one PF's VFs (the first that has any): a note names the other
 * PFs that have VFs too, which the run does not measure, so a user who configured them is told.
 */
export function otherPfsNote(ph: PathHost): string | undefined {
  const others = ph.host
    .pfs()
    .filter((p) => p.name !== ph.pf && p.vfs.length > 0)
    .map((p) => `${p.name} (${p.vfs.length} VF${p.vfs.length === 1 ? "" : "s"})`);
  if (others.length === 0) return undefined;
  return `--host: the run measures ${ph.pf}'s VFs (the first PF that has VFs); ${others.join(", ")} ${others.length === 1 ? "has" : "have"} VFs too, not measured (a host with only that PF's VFs measures it)`;
}
