// What the state file's schema cannot say: its records must describe a host the simulated
// kernel could have built (src/nic/kernel.ts for iovctl, src/nic/linux/pci-sriov.ts for sysfs).
// A state that breaks one of these rules came from a crash, a hand edit or another program, and
// later steps (the switch programming, the Linux view) would fail on it; it is reported as
// corrupt instead. Each rule and why it holds: docs/control-plane.md, "State directory".
import {
  derivedVfMac,
  type HostState,
  type PfInfo,
  type PfRuntime,
  pfInfo,
  vfAddress,
  ZERO_MAC,
} from "./host-model.ts";
import { formatSelector } from "./pci.ts";
import type { NicProfile } from "./profile.ts";
import { VF_VLAN_TRUNK } from "./types.ts";

/** A MAC as the kernel stores it: six lower-case hex pairs (iovctl's and ip link's parsers). */
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Why `mac` cannot be a VF's address, or undefined when it can (the all-zero MAC can: ixl). */
function badUnicastMac(mac: unknown): string | undefined {
  if (typeof mac !== "string" || !CANONICAL_MAC.test(mac))
    return `${JSON.stringify(mac)} is not a MAC address (xx:xx:xx:xx:xx:xx, lower-case hex)`;
  // iovctl's unicast-mac type and ip link's ndo_set_vf_mac both refuse multicast addresses.
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) return `${mac} is a multicast address`;
  return undefined;
}

/** Queue pairs a VF of this profile can get with `numVfs` VFs (ADD_VF's answer, either view). */
export function vfQueueRange(profile: NicProfile, numVfs: number): { min: number; max: number } {
  const l = profile.limits;
  // ix: the pool mode chosen at INIT fixes every VF's queues (4 below 32 VFs, 2 from 32 on).
  const mode = [...(l.poolModes ?? [])].sort((a, b) => b.minVfs - a.minVfs).find((m) => numVfs >= m.minVfs);
  if (mode) return { min: 1, max: mode.queuesPerVf };
  if (l.queuesPerVf !== undefined) return { min: 1, max: l.queuesPerVf };
  return { min: l.minQueuesPerVf ?? 1, max: l.maxQueuesPerVf ?? 16 };
}

/**
 * Every broken invariant of the state, each as "JSON path: reason" (empty when the state is one
 * the kernel could have produced).
 */
export function invariantProblems(state: HostState): string[] {
  const out: string[] = [];
  const specs = new Map(state.spec.devices.map((d) => [d.name, d]));
  // Device names are host-wide (FreeBSD's devclass gives each driver's units across every PF):
  // two VFs named iavf0, or a VF named like a boot device, would be one device to pciconf.
  const names = new Map<string, string>(state.spec.devices.map((d) => [d.name, "a device of the host"]));
  for (const [name, rt] of Object.entries(state.pfs)) {
    const at = `$.pfs.${name}`;
    const spec = specs.get(name);
    const info = spec && "profile" in spec ? pfInfo(state, name) : undefined;
    if (!info) {
      out.push(`${at}: no SR-IOV device '${name}' in the host description`);
      continue;
    }
    pfProblems(out, at, name, rt, info);
    // The Linux view keeps a sysfs PF's VF settings in its own section (src/nic/linux/state.ts
    // checks what it holds): without that section `ip link show` had nothing to print.
    if (rt.sriovEnabled && rt.configuredBy === "sysfs" && rt.vfs.length > 0 && state.linux === undefined)
      out.push(`${at}.configuredBy: "sysfs", but the state has no Linux section with its VFs' settings`);
    rt.vfs.forEach((vf, i) => {
      if (vf.attached === false) return;
      const owner = names.get(vf.name);
      if (owner !== undefined)
        out.push(`${at}.vfs[${i}].name: '${vf.name}' is already ${owner} (device names are host-wide)`);
      else names.set(vf.name, `${name}'s VF ${vf.index}`);
    });
  }
  return out;
}

function pfProblems(out: string[], at: string, name: string, rt: PfRuntime, info: PfInfo): void {
  const { totalVfs, mac: pfMac, profile } = info;
  const n = rt.numVfs ?? rt.vfs.length;
  const driverMax = profile.limits.driverMaxVfs;
  const sysfs = rt.configuredBy === "sysfs";
  if (n > totalVfs) out.push(`${at}.numVfs: ${n} VFs but ${name}'s TotalVFs is ${totalVfs}`);
  else if (n > driverMax)
    out.push(`${at}.numVfs: ${n} VFs but the ${profile.pf.driver} driver supports at most ${driverMax}`);
  // A PF driver's remove disables SR-IOV before the driver lets go (pci_disable_sriov).
  if (rt.attached === false && rt.sriovEnabled)
    out.push(`${at}.attached: false (no PF driver) while SR-IOV is enabled`);
  if (!rt.sriovEnabled) {
    if (rt.vfs.length > 0) out.push(`${at}.vfs: ${rt.vfs.length} VF records while SR-IOV is disabled`);
    else if (n > 0) out.push(`${at}.numVfs: ${n} while SR-IOV is disabled`);
    if (sysfs) out.push(`${at}.configuredBy: "sysfs" while SR-IOV is disabled`);
  }
  if (rt.vfs.length > n) out.push(`${at}.vfs: ${rt.vfs.length} VF records for numVfs ${n}`);
  // sriov_numvfs is all or nothing (pci_enable_sriov removes every VF when one fails), so a
  // sysfs PF has exactly VF 0..numVfs-1. iovctl may have fewer: a VF refused at ADD_VF is gone
  // while NumVFs keeps the request, so its number is a gap.
  else if (sysfs && rt.vfs.length !== n)
    out.push(
      `${at}.vfs: ${rt.vfs.length} VF records for numVfs ${n}, but sriov_numvfs enables all VFs or none`,
    );
  const seen = { index: new Set<number>(), name: new Set<string>(), rid: new Set<number>() };
  const configuredMacs = new Map<string, number>([[pfMac.toLowerCase(), -1]]);
  const queues = vfQueueRange(profile, n);
  const hasVlanKey = profile.schema.vf.some((p) => p.type === "vlan");
  for (const [i, vf] of rt.vfs.entries()) {
    const where = `${at}.vfs[${i}]`;
    if (vf.index >= n) out.push(`${where}.index: VF ${vf.index} but numVfs is ${n}`);
    else if (sysfs && vf.index !== i)
      out.push(
        `${where}.index: VF ${vf.index} at position ${i}, but sriov_numvfs creates VF 0..${n - 1} in order`,
      );
    else if (!sysfs && i > 0 && vf.index < rt.vfs[i - 1].index)
      out.push(
        `${where}.index: VF ${vf.index} after VF ${rt.vfs[i - 1].index}, but IOV_CONFIG records VFs in the order ADD_VF made them`,
      );
    if (seen.index.has(vf.index)) out.push(`${where}.index: VF ${vf.index} is recorded twice`);
    // A VF no driver attached to (sriov_drivers_autoprobe 0) has no device name yet: its name
    // is a placeholder several such VFs share (pciconf shows them as none<N>).
    const named = vf.attached !== false;
    if (named && seen.name.has(vf.name)) out.push(`${where}.name: '${vf.name}' is recorded twice`);
    if (seen.rid.has(vf.rid)) out.push(`${where}.rid: routing ID ${vf.rid} is recorded twice`);
    seen.index.add(vf.index);
    if (named) seen.name.add(vf.name);
    seen.rid.add(vf.rid);
    identityProblems(out, where, name, vf, info, sysfs);

    const badMac = badUnicastMac(vf.effectiveMac);
    if (badMac) out.push(`${where}.effectiveMac: ${badMac}`);
    const mac = vf.config.macAddr;
    if (mac === null || (mac === ZERO_MAC && !sysfs)) {
      // Both views give a VF without a configured MAC the address derived from its number; in
      // the FreeBSD view an all-zero mac-addr assigns none either (the VF driver makes one up).
      const derived = derivedVfMac(pfMac, name, vf.index);
      // A state saved before iovsim gave a zero-MAC VF its made-up address kept the zero.
      const legacyZero = mac === ZERO_MAC && vf.effectiveMac === ZERO_MAC;
      if (!badMac && vf.effectiveMac !== derived && !legacyZero)
        out.push(
          `${where}.effectiveMac: ${vf.effectiveMac}, but VF ${vf.index} without a configured MAC gets ${derived}`,
        );
    } else {
      const badConfigured = badUnicastMac(mac);
      if (badConfigured) out.push(`${where}.config.macAddr: ${badConfigured}`);
      else if (mac !== vf.effectiveMac)
        out.push(
          `${where}.effectiveMac: ${JSON.stringify(vf.effectiveMac)} differs from the configured MAC ${mac}`,
        );
      // ADD_VF refuses a mac-addr the PF or an earlier VF has (EADDRINUSE); Linux's
      // ndo_set_vf_mac does not compare VFs, so a sysfs PF may have duplicates.
      const owner = configuredMacs.get(mac);
      if (!sysfs && owner !== undefined)
        out.push(
          `${where}.config.macAddr: ${mac} is already ${owner < 0 ? "the PF's MAC" : `VF-${owner}'s`} (the driver refuses it at ADD_VF)`,
        );
      else configuredMacs.set(mac, vf.index);
    }
    const q = vf.config.numQueues;
    if (q < queues.min || q > queues.max)
      out.push(
        `${where}.config.numQueues: ${q} queues, outside the ${queues.min}..${queues.max} the ${profile.pf.driver} driver gives a VF with ${n} VFs`,
      );
    const vlan = vf.config.vlan;
    // ip link sets a port VLAN on every NIC; iovctl only where the VF schema has a vlan key.
    if (vlan !== null && !hasVlanKey && !sysfs)
      out.push(`${where}.config.vlan: ${vlan}, but ${name}'s VF schema has no vlan key (iovctl)`);
    else if (vlan !== null && (vlan < 0 || vlan > VF_VLAN_TRUNK))
      out.push(`${where}.config.vlan: ${vlan} is not a VLAN ID (0..4095) or trunk (${VF_VLAN_TRUNK})`);
  }
}

/**
 * What the kernel derives from a VF's number and configuration, never chosen: its routing ID
 * (First VF Offset + n * VF Stride), the selector of that RID, its driver (ppt(4) for a
 * passthrough VF, else the NIC's VF driver), a name of that driver, and a VM only on a ppt VF.
 */
function identityProblems(
  out: string[],
  where: string,
  pf: string,
  vf: PfRuntime["vfs"][number],
  info: PfInfo,
  sysfs: boolean,
): void {
  const rid = info.rid + info.firstVfOffset + vf.index * info.vfStride;
  if (vf.rid !== rid)
    out.push(
      `${where}.rid: routing ID ${vf.rid}, but VF ${vf.index} of ${pf} is at ${rid} (First VF Offset ${info.firstVfOffset}, VF Stride ${info.vfStride})`,
    );
  else {
    const selector = formatSelector(vfAddress(info, rid));
    if (vf.selector !== selector)
      out.push(`${where}.selector: ${JSON.stringify(vf.selector)}, but routing ID ${rid} is ${selector}`);
  }
  // Only iovctl's IOV_CONFIG has a passthrough parameter; sriov_numvfs gives every VF its driver.
  if (sysfs && vf.config.passthrough)
    out.push(
      `${where}.config.passthrough: true, but sriov_numvfs has no passthrough VFs (iovctl's parameter)`,
    );
  const driver = vf.config.passthrough ? "ppt" : info.profile.vf.driver;
  if (vf.driver !== driver)
    out.push(
      `${where}.driver: ${JSON.stringify(vf.driver)}, but a ${vf.config.passthrough ? "passthrough" : "host"} VF of ${pf} attaches to ${driver}`,
    );
  else if (vf.attached !== false && !new RegExp(`^${driver}(?:0|[1-9]\\d*)$`).test(vf.name))
    out.push(`${where}.name: ${JSON.stringify(vf.name)} is not a ${driver} device name (${driver}<unit>)`);
  if (vf.attachedVm !== null && (vf.driver !== "ppt" || vf.attached === false))
    out.push(
      `${where}.attachedVm: '${vf.attachedVm}', but only an attached ppt(4) VF can be given to a VM (vm attach)`,
    );
}
