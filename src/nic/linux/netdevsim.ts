// netdevsim, the kernel's own SR-IOV simulator (drivers/net/netdevsim/bus.c, dev.c;
// control-plane.md §6.5): new_device/del_device on the netdevsim bus, the per-device
// sriov_numvfs (no sriov_totalvfs: the cap is debugfs max_vfs, default 4, and going over it is
// ENOMEM), max_vfs itself, and the devlink eswitch mode. Not a PCI device: its VFs are
// configuration entries only, so they do not appear in pciconf or reach the data plane.
import type { HostState } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import { fail, OK, type SysResult } from "./errno.ts";
import { kstrtoul, sscanfUints } from "./kstrto.ts";
import { allocIfindex, linuxOf, type NsimDevice } from "./state.ts";

/** NSIM_BUS_DEV_MAX_VFS. */
export const NSIM_DEFAULT_MAX_VFS = 4;
/** NSIM_DEV_VF_PORT_INDEX_MAX - NSIM_DEV_VF_PORT_INDEX_BASE (UINT_MAX - 128). */
const NSIM_MAX_VFS_LIMIT = 0xffffffff - 128;
const INT_MAX = 0x7fffffff;
/** ifindex 1 is lo, then the host's PCI PFs; netdevsim ports are numbered after them. */

export function nsimDevices(state: HostState): NsimDevice[] {
  return [...linuxOf(state).netdevsim].sort((a, b) => a.id - b.id);
}

export function findNsim(state: HostState, id: number): NsimDevice | undefined {
  return linuxOf(state).netdevsim.find((d) => d.id === id);
}

/** Port p's netdev name: sim<ID> for port 0 (the spec's fixtures), sim<ID>p<P> for the others. */
export function nsimPortName(dev: NsimDevice, port: number): string {
  return port === 0 ? `sim${dev.id}` : `sim${dev.id}p${port}`;
}

/** systemd's name for the same port (kernel selftests see these): eni<ID>np<P+1>. */
export function nsimPortAltName(dev: NsimDevice, port: number): string {
  return `eni${dev.id}np${port + 1}`;
}

/** echo "ID [PORTS]" > /sys/bus/netdevsim/new_device */
export function storeNewDevice(state: HostState, buf: string): SysResult {
  const v = sscanfUints(buf, 2);
  if (v.length === 0) {
    appendDmesg(state, ['Format for adding new device is "id port_count" (uint uint).']);
    return fail("EINVAL");
  }
  const [id, ports = 1] = v;
  if (id > INT_MAX) {
    appendDmesg(state, ['Value of "id" is too big.']);
    return fail("EINVAL");
  }
  const lin = linuxOf(state);
  // ida_alloc_range(id, id) fails when the id is taken.
  if (lin.netdevsim.some((d) => d.id === id)) return fail("ENOSPC");
  lin.netdevsim.push({
    id,
    ports,
    maxVfs: NSIM_DEFAULT_MAX_VFS,
    numVfs: 0,
    eswitch: "legacy",
    vfconfigs: {},
    ifindex: allocIfindex(state, ports),
  });
  return OK;
}

/** echo ID > /sys/bus/netdevsim/del_device */
export function storeDelDevice(state: HostState, buf: string): SysResult {
  const v = sscanfUints(buf, 1);
  if (v.length === 0) {
    appendDmesg(state, ['Format for deleting device is "id" (uint).']);
    return fail("EINVAL");
  }
  if (v[0] > INT_MAX) {
    appendDmesg(state, ['Value of "id" is too big.']);
    return fail("EINVAL");
  }
  const lin = linuxOf(state);
  const i = lin.netdevsim.findIndex((d) => d.id === v[0]);
  if (i < 0) return fail("ENOENT");
  lin.netdevsim.splice(i, 1);
  return OK;
}

/** echo N > /sys/bus/netdevsim/devices/netdevsim<ID>/sriov_numvfs */
export function storeNsimNumvfs(dev: NsimDevice, buf: string): SysResult {
  const p = kstrtoul(buf, 0, 0xffffffff);
  if (!p.ok) return fail(p.errno);
  const n = p.value;
  if (dev.numVfs === n) return OK;
  if (dev.numVfs !== 0 && n !== 0) return fail("EBUSY");
  if (n > dev.maxVfs) return fail("ENOMEM");
  // The VF config array is not touched: settings made before 0 survive the next N (§9.5).
  dev.numVfs = n;
  return OK;
}

/** echo N > /sys/kernel/debug/netdevsim/netdevsim<ID>/max_vfs (nsim_bus_dev_max_vfs_write). */
export function storeNsimMaxVfs(dev: NsimDevice, buf: string): SysResult {
  if (Buffer.byteLength(buf) >= 10) return fail("ENOSPC");
  const p = kstrtoul(buf, 10, 0xffffffff);
  if (!p.ok) return fail("EINVAL");
  if (p.value > NSIM_MAX_VFS_LIMIT) return fail("ERANGE");
  if (dev.numVfs !== 0) return fail("EBUSY");
  dev.maxVfs = p.value;
  dev.vfconfigs = {};
  return OK;
}

/** devlink dev eswitch set netdevsim/netdevsim<ID> mode legacy|switchdev */
export function setEswitchMode(dev: NsimDevice, mode: "legacy" | "switchdev"): SysResult {
  dev.eswitch = mode;
  return OK;
}
