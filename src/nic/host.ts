// The simulated host as a typed object: its PFs and VFs, the /dev/iov nodes, the kernel ioctls,
// dmesg, and bhyve VM assignments of passthrough VFs. loadHost/withHost tie it to the state dir.
import { UserError } from "../errors.ts";
import { pfDriverOf } from "./drivers/index.ts";
import { KernelError, NAME_MAX, PATH_MAX } from "./errno.ts";
import { freshState, type HostState, pfAttached, pfInfo, pfRecord, pfSpecs } from "./host-model.ts";
import { DEFAULT_HOST, type HostSpec, loadHostSpecFile } from "./host-spec.ts";
import {
  type ConfigOutcome,
  iovConfig,
  iovDelete,
  type Prediction,
  pfSchemaOf,
  predict,
  requirePf,
} from "./kernel.ts";
import { parseSelector, planVfRids, sameAddress } from "./pci.ts";
import { readState, withStateLock, writeStateAtomic } from "./state.ts";
import type { IovConfig, PfRecord, PfSchema, VfRecord } from "./types.ts";

export const DEFAULT_HOST_SOURCE = "embedded default host";

export class Host {
  /** The persistent data; mutated by the kernel methods, saved by withHost. */
  readonly state: HostState;

  constructor(state: HostState) {
    this.state = state;
  }

  static fresh(spec: HostSpec = DEFAULT_HOST, source = DEFAULT_HOST_SOURCE): Host {
    return new Host(freshState(structuredClone(spec), source));
  }

  pfs(): PfRecord[] {
    return pfSpecs(this.state).map((d) => pfRecord(this.state, d.name)!);
  }

  pf(name: string): PfRecord | undefined {
    return pfRecord(this.state, name);
  }

  /**
   * "/dev/iov/ixl0" -> "ixl0"; throws KernelError ENOENT (no such node), EISDIR (a directory,
   * e.g. "/dev/iov/") or ENOTDIR ("/dev/iov/ixl0/").
   */
  openIovDevice(path: string): string {
    // namei(9) copies the path in first: one of PATH_MAX bytes or more (its NUL does not fit) is
    // ENAMETOOLONG before any lookup.
    if (Buffer.byteLength(path) >= PATH_MAX)
      throw new KernelError("ENAMETOOLONG", `path of ${path.length} bytes`);
    // open(2) walks the path: "." and "//" are no-ops, ".." goes up. The simulated tree is just
    // /, /dev, /dev/iov (directories) and one node per PF in /dev/iov; nothing else exists.
    const dirs: string[] = [];
    let node: string | undefined;
    for (const p of path.split("/")) {
      // Anything after the node, even a trailing "/", treats the node as a directory.
      if (node !== undefined) throw new KernelError("ENOTDIR", `${node} is not a directory`);
      if (p === "" || p === ".") continue;
      // lookup() refuses a component longer than NAME_MAX before looking it up (vfs_lookup.c).
      if (Buffer.byteLength(p) > NAME_MAX)
        throw new KernelError("ENAMETOOLONG", `a component of ${p.length} bytes`);
      if (p === "..") {
        dirs.pop();
        continue;
      }
      const here = dirs.join("/");
      if (here === "" && p === "dev") dirs.push(p);
      else if (here === "dev" && p === "iov") dirs.push(p);
      // The node is the PF driver's (pci_iov_attach at attach, gone at detach): none while the
      // Linux view has the PF's driver unbound.
      else if (here === "dev/iov" && pfInfo(this.state, p) && pfAttached(this.state, p)) node = p;
      else throw new KernelError("ENOENT", `no such device node ${path}`);
    }
    if (node === undefined) throw new KernelError("EISDIR", `${path} is a directory`);
    return node;
  }

  /** Paths of the /dev/iov nodes (one per SR-IOV PF with its driver attached). */
  iovDevices(): string[] {
    return pfSpecs(this.state)
      .filter((d) => pfAttached(this.state, d.name))
      .map((d) => `/dev/iov/${d.name}`);
  }

  schema(pfName: string): PfSchema {
    return pfSchemaOf(requirePf(this.state, pfName));
  }

  /** IOV_CONFIG; the outcome lists the VFs ADD_VF refused (iovctl -C still succeeds). */
  iovConfig(pfName: string, config: IovConfig): ConfigOutcome {
    return iovConfig(this.state, pfName, config);
  }

  iovDelete(pfName: string): void {
    iovDelete(this.state, pfName);
  }

  dmesg(): string[] {
    return [...this.state.dmesg];
  }

  clearDmesg(): void {
    this.state.dmesg = [];
  }

  /** The VFs of a PF (copies). */
  listVfs(pfName: string): VfRecord[] {
    return this.pf(pfName)?.vfs ?? [];
  }

  /** Every VF on the host with its PF's name. */
  allVfs(): Array<{ pf: string; vf: VfRecord }> {
    return this.pfs().flatMap((p) => p.vfs.map((vf) => ({ pf: p.name, vf })));
  }

  /** A VF by device name ("ppt0") or pciconf selector ("pci0:1:0:17", or pciconf's "pci1:0:17"). */
  findVf(ref: string): { pf: string; vf: VfRecord } | undefined {
    const at = ref.includes(":") ? parseSelector(ref) : undefined;
    return this.allVfs().find(
      ({ vf }) =>
        (vf.attached !== false && vf.name === ref) ||
        vf.selector === ref ||
        (at !== undefined && sameAddress(parseSelector(vf.selector)!, at)),
    );
  }

  /** The PF a name or a selector names, if any. */
  private findPf(ref: string): string | undefined {
    if (pfInfo(this.state, ref)) return ref;
    const at = ref.includes(":") ? parseSelector(ref) : undefined;
    if (at === undefined) return undefined;
    return pfSpecs(this.state).find((d) => sameAddress(pfInfo(this.state, d.name)!.address, at))?.name;
  }

  /**
   * bhyve: give a passthrough VF to a VM (one VM per VF). A VF made through sysfs (the Linux
   * view) is refused with `linuxRefusal`'s text: the Linux view knows why such a VF has or lacks
   * a driver (src/nic/linux may not be imported here); without it, a generic text.
   */
  attachVm(vmName: string, ref: string, linuxRefusal?: (pf: string, vf: VfRecord) => string): VfRecord {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(vmName))
      throw new UserError(
        "E_VM_NAME",
        `invalid VM name '${vmName}' (letters, digits, '.', '_', '-'; at most 64)`,
      );
    const found = this.findVf(ref);
    const pf = found ? undefined : this.findPf(ref);
    if (pf)
      throw new UserError(
        "E_VM_NO_VF",
        `${pf === ref ? ref : `${ref} is ${pf}, which`} is a PF, not a VF: give the VM one of its passthrough VFs (pptN)`,
      );
    if (!found) throw new UserError("E_VM_NO_VF", `no VF '${ref}' on this host (see 'iovsim pciconf -l')`);
    const vf = this.mutableVf(found.pf, found.vf.index);
    if (this.state.pfs[found.pf]?.configuredBy === "sysfs")
      throw new UserError(
        "E_VM_LINUX_VF",
        linuxRefusal?.(found.pf, structuredClone(vf)) ??
          `${vf.selector} was made through sysfs (the Linux view): 'vm attach' gives a bhyve VM a ppt(4) VF, made by 'iovctl -C' with 'passthrough: true'`,
      );
    // VFs made by iovctl -C lose their driver only when a failed IOV_DELETE detached it (the
    // Linux view's bind/unbind refuses them with EBUSY).
    if (vf.attached === false)
      throw new UserError(
        "E_VM_DETACHED",
        `VF ${vf.selector} has no driver attached: a failed 'iovctl -D' detached it (run iovsim iovctl -D -d ${found.pf} again, then iovsim iovctl -C)`,
      );
    if (vf.driver !== "ppt")
      throw new UserError(
        "E_VM_NOT_PPT",
        `${vf.name} is not a passthrough VF: only ppt(4) devices can be given to a VM; set 'passthrough: true' for VF-${vf.index} and recreate the VFs`,
      );
    if (vf.attachedVm)
      throw new UserError("E_VM_BUSY", `${vf.name} is already attached to VM '${vf.attachedVm}'`);
    vf.attachedVm = vmName;
    return structuredClone(vf);
  }

  /** Detaches a VF (by device name/selector) or every VF of a VM (by VM name); returns what was detached. */
  detachVm(ref: string): VfRecord[] {
    const out: VfRecord[] = [];
    const byVf = this.findVf(ref);
    if (byVf?.vf.attachedVm) {
      const vf = this.mutableVf(byVf.pf, byVf.vf.index);
      vf.attachedVm = null;
      return [structuredClone(vf)];
    }
    for (const rt of Object.values(this.state.pfs))
      for (const vf of rt.vfs)
        if (vf.attachedVm === ref) {
          vf.attachedVm = null;
          out.push(structuredClone(vf));
        }
    if (out.length === 0) {
      if (byVf) throw new UserError("E_VM_NOT_ATTACHED", `${byVf.vf.name} is not attached to any VM`);
      throw new UserError("E_VM_UNKNOWN", `no VM '${ref}' and no attached VF '${ref}'`);
    }
    return out;
  }

  /** VM name -> the passthrough VFs it holds. */
  vms(): Array<{ vm: string; pf: string; vf: VfRecord }> {
    return this.allVfs()
      .filter(({ vf }) => vf.attachedVm)
      .map(({ pf, vf }) => ({ vm: vf.attachedVm!, pf, vf }));
  }

  private mutableVf(pf: string, index: number): VfRecord {
    const vf = this.state.pfs[pf]?.vfs.find((v) => v.index === index);
    if (!vf) throw new Error(`internal: VF ${pf}/${index} vanished`);
    return vf;
  }
}

/** Read-only snapshot: the saved host, or the embedded default host when nothing was saved. */
export async function loadHost(stateDir: string): Promise<Host> {
  const state = await readState(stateDir);
  return state ? new Host(state) : Host.fresh();
}

/**
 * Locked read-modify-write. Saves atomically when fn returns, and also when fn throws a
 * KernelError: a failed ioctl can still change the host (its dmesg lines, VFs detached by a
 * failed IOV_DELETE), as in the real kernel. Any other exception saves nothing. A host that did
 * not change is not written at all (state.json keeps its bytes and its mtime), except the first
 * save of the default host by a command that succeeded.
 */
export async function withHost<T>(stateDir: string, fn: (host: Host) => T | Promise<T>): Promise<T> {
  return withStateLock(stateDir, async () => {
    const saved = await readState(stateDir);
    const host = saved ? new Host(saved) : Host.fresh();
    const before = canonicalJson(host.state);
    const changed = () => canonicalJson(host.state) !== before;
    try {
      const result = await fn(host);
      if (!saved || changed()) await writeStateAtomic(stateDir, host.state);
      return result;
    } catch (e) {
      if (e instanceof KernelError && changed()) await writeStateAtomic(stateDir, host.state);
      throw e;
    }
  });
}

/** JSON with every object's keys sorted: the same content compares equal in any key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** `iovsim reset [--host FILE]`: a clean host (works even when the old state file is corrupt). */
export async function resetHost(stateDir: string, hostFile?: string): Promise<Host> {
  const host = hostFile ? Host.fresh(loadHostSpecFile(hostFile), hostFile) : Host.fresh();
  await withStateLock(stateDir, () => writeStateAtomic(stateDir, host.state));
  return host;
}

/** Offline: what IOV_CONFIG would do on this host, without changing anything. */
export function predictConfig(host: Host, pfName: string, config: IovConfig): Prediction {
  return predict(host.state, pfName, config);
}

/** Driver/NIC facts for `iovctl -S -v` and validate. */
export function pfLimits(
  host: Host,
  pfName: string,
): { totalVfs: number; driverMaxVfs: number; notes: string[] } {
  const info = requirePf(host.state, pfName);
  const d = pfDriverOf(info.profile).limits(info.profile);
  // How many VFs fit on the PF's bus with this offset/stride.
  let busMax = 0;
  while (
    busMax < info.totalVfs &&
    planVfRids(info.rid, info.firstVfOffset, info.vfStride, busMax + 1).lastRid >> 8 === info.rid >> 8
  )
    busMax++;
  const plan = planVfRids(info.rid, info.firstVfOffset, info.vfStride, 1);
  const notes = [
    `TotalVFs ${info.totalVfs} (SR-IOV capability; more → EINVAL)`,
    `VF routing IDs: PF RID 0x${info.rid.toString(16).padStart(4, "0")} + First VF Offset ${info.firstVfOffset} + i × VF Stride ${info.vfStride}${info.ari ? " (ARI: shown as slot 0, function = devfn)" : " (no ARI)"}; VF 0 at RID 0x${plan.firstRid.toString(16).padStart(4, "0")}`,
    ...(busMax < info.totalVfs ? [`only ${busMax} VFs fit on bus ${info.address.bus} (more → ENOSPC)`] : []),
    ...d.notes,
  ];
  return { totalVfs: info.totalVfs, driverMaxVfs: Math.min(d.driverMaxVfs, info.totalVfs, busMax), notes };
}
