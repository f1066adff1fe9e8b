// The network interfaces of the Linux view: one per PCI PF (named like the host's device,
// e.g. ixl0, with systemd's enp<b>s<d>f<f> as altname) and one per netdevsim port (sim<ID>,
// altname eni<ID>np<P+1>). Each resolves to the SR-IOV owner its VF settings go to.
import { derivedVfMac, type HostState } from "../host-model.ts";
import type { VfRecord } from "../types.ts";
import { bdfOfRid, predictableName } from "./bdf.ts";
import { type LinuxDriverFacts, NETDEVSIM_FACTS } from "./drivers.ts";
import { type MtuFacts, mtuFacts } from "./mtu.ts";
import { nsimDevices, nsimPortAltName, nsimPortName } from "./netdevsim.ts";
import { type LinuxPciPf, linuxPciPfs, pfBoundDriver } from "./pci-sriov.ts";
import { linuxOf, type NsimDevice } from "./state.ts";

export type NetdevOwner =
  | { kind: "pci"; pf: LinuxPciPf }
  | { kind: "nsim"; dev: NsimDevice }
  /** A VF's own netdev, from its host driver (iavf, ixgbevf, igbvf): no VFs of its own. */
  | { kind: "vf"; pf: LinuxPciPf; vf: VfRecord; bdf: string }
  /** `lo`: no device under it, no ndo_set_vf_*. */
  | { kind: "loopback" };

export interface Netdev {
  ifindex: number;
  name: string;
  /** systemd's predictable name; lo has none. */
  altname?: string;
  mac: string;
  owner: NetdevOwner;
  facts: LinuxDriverFacts;
  /** IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU (mtu.ts). */
  mtu: MtuFacts;
  /** A netdevsim port's index on its device (0 for every other netdev). */
  port: number;
}

/** The loopback device: net_ns_init registers it first, so it is ifindex 1 on every Linux host. */
export const LOOPBACK_IFINDEX = 1;

/** lo has no driver of its own with VF operations: facts that never reach a VF setting. */
const LOOPBACK_FACTS: LinuxDriverFacts = {
  pfDriver: "",
  vfDriver: "",
  qinq: false,
  reportsQueryRss: false,
  linkSpeedMbps: 0,
};

export function netdevs(state: HostState): Netdev[] {
  const out = unsortedNetdevs(state).map((n) => ({
    ...n,
    port: n.port ?? 0,
    mtu: mtuFacts(state, n.owner, n.port),
  }));
  return out.sort((a, b) => a.ifindex - b.ifindex);
}

function unsortedNetdevs(state: HostState): Array<Omit<Netdev, "mtu" | "port"> & { port?: number }> {
  const out: Array<Omit<Netdev, "mtu" | "port"> & { port?: number }> = [
    {
      ifindex: LOOPBACK_IFINDEX,
      name: "lo",
      mac: "00:00:00:00:00:00",
      owner: { kind: "loopback" },
      facts: LOOPBACK_FACTS,
    },
  ];
  linuxPciPfs(state).forEach((pf, i) => {
    // The PF driver registers the PF's netdev: none while it is unbound (or on vfio-pci).
    if (pfBoundDriver(state, pf) !== pf.facts.pfDriver) return;
    out.push({
      ifindex: linuxOf(state).pfs[pf.info.name]?.ifindex ?? 2 + i,
      name: pf.info.name,
      altname: predictableName(pf.info.rid),
      mac: pf.info.mac,
      owner: { kind: "pci", pf },
      facts: pf.facts,
    });
  });
  // Each VF with its host driver bound has a netdev, named as the host names the VF (iavf0,
  // ixv1: what pciconf shows), with systemd's VF name as altname (PF name + v<index>, naming
  // scheme v247+). ifindex: representative, 100 per PF (PF k's VF i is 100 * (k + 1) + i).
  // A VF without one (unbound, autoprobe 0, or a ppt(4) passthrough VF) has no netdev.
  linuxPciPfs(state).forEach((pf, k) => {
    const rt = state.pfs[pf.info.name];
    for (const vf of rt?.sriovEnabled ? rt.vfs : []) {
      if (vf.attached === false || vf.driver === "ppt") continue;
      out.push({
        ifindex: 100 * (k + 1) + vf.index,
        name: vf.name,
        altname: `${predictableName(pf.info.rid)}v${vf.index}`,
        mac: vf.effectiveMac,
        owner: { kind: "vf", pf, vf, bdf: bdfOfRid(vf.rid, pf.info.address.domain) },
        facts: { ...pf.facts, reportsQueryRss: false },
      });
    }
  });
  for (const dev of nsimDevices(state))
    for (let p = 0; p < dev.ports; p++)
      out.push({
        ifindex: dev.ifindex + p,
        name: nsimPortName(dev, p),
        altname: nsimPortAltName(dev, p),
        // eth_hw_addr_random(): locally administered; deterministic here.
        mac: derivedVfMac("00:00:00:00:00:00", `netdevsim${dev.id}`, 0x8000 + p),
        owner: { kind: "nsim", dev },
        facts: NETDEVSIM_FACTS,
        port: p,
      });
  return out;
}

export function findNetdev(state: HostState, name: string): Netdev | undefined {
  return netdevs(state).find((n) => n.name === name || n.altname === name);
}
