// Loading and unloading kernel modules on the simulated Linux host (`iovsim modprobe`). The PF and
// VF drivers are built in as far as iovsim goes (loaded at boot); vfio-pci is what a
// distribution ships as a module nobody loads until the administrator (or libvirt) runs
// `modprobe vfio-pci`. Its `ids=` parameter is vfio_pci_fill_ids (drivers/vfio/pci/vfio_pci.c).
import type { HostState } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import { sscanfHex } from "./kstrto.ts";
import { addDynId, boundDriver, pciFunctions, VFIO_PCI, vfioLoaded } from "./pci-bind.ts";
import { linuxPciPfs } from "./pci-sriov.ts";
import { linuxOf, pfLinuxOf } from "./state.ts";

/** What modprobe answers: nothing (exit 0), or its message and exit status. */
export type ModprobeResult = { ok: true } | { ok: false; message: string };

/** Representative `uname -r` of the simulated host, for modprobe's "not found" message. */
export const SIM_KERNEL_RELEASE = "6.8.0-iovsim";

const VFIO_PARAMS_NOT_SIMULATED = [
  "nointxmask",
  "disable_vga",
  "disable_idle_d3",
  "enable_sriov",
  "disable_denylist",
];

/** modprobe treats '-' and '_' in a module name alike; the module's name is with '_'. */
function canonical(name: string): string {
  return name.replaceAll("-", "_");
}

function builtinModules(state: HostState): Set<string> {
  const out = new Set<string>(["netdevsim"]);
  for (const pf of linuxPciPfs(state)) {
    out.add(canonical(pf.facts.pfDriver));
    out.add(canonical(pf.facts.vfDriver));
  }
  return out;
}

/** `modprobe MODULE [param=value ...]` */
export function modprobeLoad(state: HostState, module: string, params: string[]): ModprobeResult {
  const name = canonical(module);
  if (name !== "vfio_pci") {
    if (builtinModules(state).has(name)) return { ok: true }; // already loaded: nothing to do
    return {
      ok: false,
      message: `modprobe: FATAL: Module ${module} not found in directory /lib/modules/${SIM_KERNEL_RELEASE}`,
    };
  }
  for (const p of params) {
    const key = p.split("=")[0];
    if (VFIO_PARAMS_NOT_SIMULATED.includes(key))
      return {
        ok: false,
        message: `iovsim: modprobe: vfio-pci parameter '${key}' is not simulated (only ids=)`,
      };
  }
  if (vfioLoaded(state)) return { ok: true }; // modprobe leaves a live module as it is
  const log: string[] = [];
  for (const p of params)
    if (!p.startsWith("ids=")) log.push(`vfio_pci: unknown parameter '${p.split("=")[0]}' ignored`);
  // vfio.ko's init line, then pci_register_driver (nothing matches yet: its table needs
  // driver_override), then the ids= entries, each a dynamic ID and a driver_attach.
  log.push("VFIO - User Level meta-driver version: 0.3");
  appendDmesg(state, log);
  linuxOf(state).vfioPci = { loaded: true };
  const ids = params.filter((p) => p.startsWith("ids=")).map((p) => p.slice(4));
  for (const entry of ids.join(",").split(",")) {
    if (entry === "") continue;
    const f = sscanfHex(entry, 6, ":");
    if (f.length < 2) {
      appendDmesg(state, [`vfio_pci: invalid id string "${entry}"`]);
      continue;
    }
    const [vendor, device, subvendor = 0xffffffff, subdevice = 0xffffffff, cls = 0, classMask = 0] = f;
    const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
    appendDmesg(state, [
      `vfio_pci: add [${h(vendor, 4)}:${h(device, 4)}[${h(subvendor, 4)}:${h(subdevice, 4)}]] class 0x${h(cls, 6)}/${h(classMask, 8)}`,
    ]);
    addDynId(state, VFIO_PCI, { vendor, device, subvendor, subdevice, cls, classMask });
  }
  return { ok: true };
}

/** `modprobe -r MODULE`: vfio-pci's devices are unbound (pci_unregister_driver), its dynamic IDs dropped. */
export function modprobeRemove(state: HostState, module: string): ModprobeResult {
  const name = canonical(module);
  if (name === "vfio_pci") {
    if (!vfioLoaded(state))
      return { ok: false, message: `modprobe: FATAL: Module ${name} is not in kernel.` };
    for (const fn of pciFunctions(state)) {
      if (boundDriver(state, fn) !== VFIO_PCI) continue;
      const lin = pfLinuxOf(state, fn.pf.info.name);
      if (fn.kind === "pf") lin.pfNoDriver = "unbind";
      else lin.noHostDriver![String(fn.vf.index)] = "unbind";
    }
    const lin = linuxOf(state);
    delete lin.vfioPci;
    if (lin.dynids) delete lin.dynids[VFIO_PCI];
    return { ok: true };
  }
  if (builtinModules(state).has(name)) {
    // What unloading would do to a PF, one PF at a time: unbinding its driver (bind brings it back).
    const pfs = linuxPciPfs(state).filter((pf) => canonical(pf.facts.pfDriver) === name);
    const instead = pfs.length
      ? `; to take a PF from its driver, unbind it: ${pfs.map((pf) => `iovsim sysfs write /sys/bus/pci/drivers/${pf.facts.pfDriver}/unbind ${pf.bdf}`).join("; ")}`
      : "";
    return {
      ok: false,
      message: `iovsim: modprobe -r ${module}: unloading the host's NIC drivers is not simulated (only vfio-pci)${instead}`,
    };
  }
  return { ok: false, message: `modprobe: FATAL: Module ${name} is not in kernel.` };
}
