// What the state file's schema cannot say: its records must describe a host the simulated
// kernel could have built (src/nic/kernel.ts for iovctl, src/nic/linux/pci-sriov.ts for sysfs).
// A state that breaks one of these rules came from a crash, a hand edit or another program, and
// later steps (the switch programming, the Linux view) would fail on it; it is reported as
// corrupt instead. Each rule and why it holds: docs/control-plane.md, "State directory".
import { derivedVfMac, type HostState, type PfRuntime, pfInfo, ZERO_MAC } from "./host-model.ts";
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
  for (const [name, rt] of Object.entries(state.pfs)) {
    const at = `$.pfs.${name}`;
    const spec = specs.get(name);
    const info = spec && "profile" in spec ? pfInfo(state, name) : undefined;
    if (!info) {
      out.push(`${at}: no SR-IOV device '${name}' in the host description`);
      continue;
    }
    pfProblems(out, at, name, rt, info.totalVfs, info.mac, info.profile);
  }
  return out;
}

function pfProblems(
  out: string[],
  at: string,
  name: string,
  rt: PfRuntime,
  totalVfs: number,
  pfMac: string,
  profile: NicProfile,
): void {
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
    if (seen.index.has(vf.index)) out.push(`${where}.index: VF ${vf.index} is recorded twice`);
    // A VF no driver attached to (sriov_drivers_autoprobe 0) has no device name yet: its name
    // is a placeholder several such VFs share (pciconf shows them as none<N>).
    const named = vf.attached !== false;
    if (named && seen.name.has(vf.name)) out.push(`${where}.name: '${vf.name}' is recorded twice`);
    if (seen.rid.has(vf.rid)) out.push(`${where}.rid: routing ID ${vf.rid} is recorded twice`);
    seen.index.add(vf.index);
    if (named) seen.name.add(vf.name);
    seen.rid.add(vf.rid);

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
