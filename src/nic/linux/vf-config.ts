// The PF side of `ip link set DEV vf N ...`: rtnetlink's do_setvfinfo applying the VF
// attributes in its order (MAC, VLAN, rate, spoofchk, link state, query_rss, trust) through the
// driver's ndo_set_vf_* (control-plane.md §6.4-§6.5). Like the kernel it is not atomic: the
// settings before a rejected one stay applied. PCI VFs mirror every change into the VfRecord
// the data plane programs the switch from.
import { type HostState, pfInfo, ZERO_MAC } from "../host-model.ts";
import { appendDmesg } from "../kernel.ts";
import type { VfRecord } from "../types.ts";
import { fail, type LinuxErrno, OK, type SysResult } from "./errno.ts";
import type { Netdev } from "./netdevs.ts";
import { applyToVfRecord, currentNumVfs, noteIovctlOwned } from "./pci-sriov.ts";
import {
  ETH_P_8021AD,
  ETH_P_8021Q,
  type LinkState,
  pfLinuxOf,
  type VfLinuxConfig,
  zeroVfConfig,
} from "./state.ts";

export interface VfRequest {
  vf: number;
  mac?: string;
  /** IFLA_VF_VLAN (ip sends it for 802.1Q). */
  vlan?: { vlan: number; qos: number; proto: number };
  /** IFLA_VF_VLAN_LIST (ip sends it for 802.1ad, with every `vlan` that follows; the kernel takes one). */
  vlanList?: Array<{ vlan: number; qos: number; proto: number }>;
  /** Legacy `rate` (IFLA_VF_TX_RATE): max rate, min kept. */
  rate?: number;
  minTxRate?: number;
  maxTxRate?: number;
  spoofchk?: boolean;
  linkState?: number;
  rssQuery?: boolean;
  trust?: boolean;
  /** IFLA_VF_IB_NODE_GUID / IFLA_VF_IB_PORT_GUID: InfiniBand only (no driver here has ndo_set_vf_guid). */
  nodeGuid?: boolean;
  portGuid?: boolean;
}

/** At most this many entries in IFLA_VF_VLAN_LIST (net/core/rtnetlink.c MAX_VLAN_LIST_LEN). */
const MAX_VLAN_LIST_LEN = 1;

/** How many VFs the netdev's device has right now. */
export function vfCount(state: HostState, nd: Netdev): number {
  if (nd.owner.kind === "vf" || nd.owner.kind === "loopback") return 0;
  return nd.owner.kind === "nsim" ? nd.owner.dev.numVfs : currentNumVfs(state, nd.owner.pf.info.name);
}

/** True when the PF's VFs were created by iovctl: the Linux view may show them but not change them. */
export function ownedByIovctl(state: HostState, nd: Netdev): boolean {
  if (nd.owner.kind !== "pci") return false;
  const rt = state.pfs[nd.owner.pf.info.name];
  return rt?.sriovEnabled === true && rt.configuredBy !== "sysfs";
}

/** What get_vf_config reports for VF i (call only with i < vfCount). */
export function vfConfigOf(state: HostState, nd: Netdev, i: number): VfLinuxConfig {
  if (nd.owner.kind === "nsim") return nd.owner.dev.vfconfigs[String(i)] ?? zeroVfConfig();
  if (nd.owner.kind === "vf" || nd.owner.kind === "loopback")
    throw new Error(`${nd.name} has no VFs (a VF's netdev or lo)`);
  const name = nd.owner.pf.info.name;
  if (!ownedByIovctl(state, nd)) return pfLinuxOf(state, name).vfs[i];
  // iovctl-created VFs: translate their FreeBSD configuration.
  const vf = state.pfs[name].vfs.find((v) => v.index === i);
  const c = vf?.config;
  return {
    ...zeroVfConfig(),
    mac: c?.macAddr ?? ZERO_MAC,
    vlan: c?.vlan !== null && c?.vlan !== undefined && c.vlan <= 4095 ? c.vlan : 0,
    spoofchk: c?.macAntiSpoof ?? true,
    trust: c ? c.allowSetMac && c.allowPromisc : false,
  };
}

function mutableConfig(state: HostState, nd: Netdev, i: number): VfLinuxConfig {
  if (nd.owner.kind === "nsim") {
    const key = String(i);
    nd.owner.dev.vfconfigs[key] ??= zeroVfConfig();
    return nd.owner.dev.vfconfigs[key];
  }
  if (nd.owner.kind === "vf" || nd.owner.kind === "loopback")
    throw new Error(`${nd.name} has no VFs (a VF's netdev or lo)`);
  return pfLinuxOf(state, nd.owner.pf.info.name).vfs[i];
}

function syncPci(state: HostState, nd: Netdev, i: number): void {
  if (nd.owner.kind !== "pci") return;
  const info = pfInfo(state, nd.owner.pf.info.name)!;
  const vf: VfRecord | undefined = state.pfs[info.name]?.vfs.find((v) => v.index === i);
  if (vf) applyToVfRecord(info, vf, pfLinuxOf(state, info.name).vfs[i]);
}

function isMulticast(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** What the data plane runs of VF i's settings beyond the switch's (src/paths/setup.ts): its
 *  transmit rate limit (Mb/s, 0: none) and link state (0 auto, 1 enable, 2 disable). VFs made
 *  by iovctl -C have neither (their FreeBSD configuration has no such parameters). */
export interface VfDataPlaneSettings {
  maxTxRateMbps: number;
  linkState: LinkState;
}

export function vfDataPlaneSettings(state: HostState, pfName: string, i: number): VfDataPlaneSettings {
  const rt = state.pfs[pfName];
  if (rt?.sriovEnabled !== true || rt.configuredBy !== "sysfs") return { maxTxRateMbps: 0, linkState: 0 };
  const c = pfLinuxOf(state, pfName).vfs[i];
  return { maxTxRateMbps: c?.maxTxRate ?? 0, linkState: c?.linkState ?? 0 };
}

/** ndo_set_vf_rate: netdevsim refuses it in switchdev mode; PCI drivers cap max at link speed and
 *  have no min rate unless their profile says so (ice: `linux.minTxRate`). */
function setRate(state: HostState, nd: Netdev, vf: number, min: number, max: number): LinuxErrno | undefined {
  // rtnl_set_vf_rate(): the kernel refuses a maximum below the minimum before any driver sees it.
  if (max !== 0 && max < min) return "EINVAL";
  if (nd.owner.kind === "nsim") {
    if (nd.owner.dev.eswitch === "switchdev") {
      appendDmesg(state, ["Not supported in switchdev mode. Please use devlink API."]);
      return "EOPNOTSUPP";
    }
    if (vf >= vfCount(state, nd)) return "EINVAL";
    const c = mutableConfig(state, nd, vf);
    // struct nsim_vf_config keeps the rates as u16.
    c.minTxRate = min & 0xffff;
    c.maxTxRate = max & 0xffff;
    return undefined;
  }
  if (vf >= vfCount(state, nd)) return invalidVf(state, nd, vf);
  if (min !== 0 && nd.facts.minTxRate === true) {
    // ice_min_tx_rate_oversubscribed (ice_sriov.c): the VFs' minimums, this VF's new one in
    // place of its old, may not exceed the link speed.
    const link = nd.facts.linkSpeedMbps;
    let others = 0;
    for (let j = 0; j < vfCount(state, nd); j++) if (j !== vf) others += vfConfigOf(state, nd, j).minTxRate;
    if (link > 0 && others + min > link) {
      pfDriverLog(state, nd, [
        `min_tx_rate of ${min} Mbps on VF ${vf} would cause oversubscription of ${others + min - link} Mbps based on the current link speed ${link} Mbps`,
      ]);
      return "EINVAL";
    }
  } else if (min !== 0) {
    // i40e_ndo_set_vf_bw says why; ixgbe and igb refuse it silently.
    if (nd.facts.pfDriver === "i40e")
      pfDriverLog(state, nd, [`Invalid min tx rate (${min}) (greater than 0) specified for VF ${vf}.`]);
    return "EINVAL";
  }
  if (nd.facts.linkSpeedMbps > 0 && max > nd.facts.linkSpeedMbps) {
    if (nd.facts.pfDriver === "ice") {
      // ice_set_vf_bw sets min_tx_rate before ice_set_max_bw_limit refuses the max (in Kb/s,
      // against ice_get_link_speed_kbps), so a new minimum stays applied.
      if (nd.facts.minTxRate === true) mutableConfig(state, nd, vf).minTxRate = min;
      const link = nd.facts.linkSpeedMbps;
      pfDriverLog(state, nd, [
        `invalid max Tx rate ${max * 1000} Kbps specified for ICE_VSI_VF ${iceVfVsiIdx(vf)} is greater than current link speed ${link * 1000} Kbps`,
        `Unable to set max-tx-rate for VF ${vf}`,
      ]);
      return "EINVAL";
    }
    // i40e_set_bw_limit (i40e_main.c, called by i40e_ndo_set_vf_bw) names the VF's VSI by its
    // switch element ID; ixgbe and igb refuse silently.
    if (nd.facts.pfDriver === "i40e")
      pfDriverLog(state, nd, [`Invalid max tx rate ${max} specified for VSI seid ${i40eVfVsiSeid(vf)}.`]);
    return "EINVAL";
  }
  // ixgbe: "rate limit cannot be less than 10Mbs" (max_tx_rate 1..10 is EINVAL).
  if (max !== 0 && max <= (nd.facts.maxTxRateFloorMbps ?? 0)) return "EINVAL";
  // i40e_set_bw_limit(): the hardware's credits are 50 Mb/s, so a lower limit becomes 50 with a
  // warning; i40e_ndo_set_vf_bw still records (and get_vf_config reports) the rate asked for.
  if (nd.facts.pfDriver === "i40e" && max > 0 && max < 50 && nd.owner.kind === "pci")
    appendDmesg(state, [`i40e ${nd.owner.pf.bdf}: Setting max tx rate to minimum usable value of 50Mbps.`]);
  const c = mutableConfig(state, nd, vf);
  c.minTxRate = nd.facts.minTxRate === true ? min : 0;
  c.maxTxRate = max;
  return undefined;
}

/**
 * An index past the VFs: i40e's ndo_set_vf_* and ndo_get_vf_config check it first
 * (i40e_validate_vf and the same test inline, i40e_virtchnl_pf.c: "Invalid VF Identifier %d");
 * ixgbe and igb return EINVAL without a word.
 */
function invalidVf(state: HostState, nd: Netdev, vf: number): LinuxErrno {
  if (nd.facts.pfDriver === "i40e") pfDriverLog(state, nd, [`Invalid VF Identifier ${vf}`]);
  return "EINVAL";
}

/**
 * The SEID of VF n's VSI. Firmware assigns SEIDs; the PFs' main VSIs show up as 390..399 in
 * i40e's dmesg ("VSI seid 391 ... disable timeout" on function 1), and VF VSIs are made after
 * them. ASSUMPTION (representative, not derived): 400 + n.
 */
function i40eVfVsiSeid(vf: number): number {
  return 400 + vf;
}

/** The index (vsi->idx, its slot in pf->vsi[]) ice's messages name a VF's VSI by: ice_vsi_alloc
 *  takes the next free slot, after the PF's main VSI (0) and the flow director's control VSI (1,
 *  ice_init_fdir when ICE_FLAG_FD_ENA); VF n's then 2 + n (assumption: VFs made in order, no
 *  other VSIs such as channels or switchdev representors). */
function iceVfVsiIdx(vf: number): number {
  return 2 + vf;
}

/**
 * A PCI PF driver's log lines: dev_info's "i40e 0000:01:00.0: ...", or netdev_info's (ixgbe's
 * e_info) "ixgbe 0000:03:00.0 ix0: ..."; netdevsim logs none of these.
 */
function pfDriverLog(state: HostState, nd: Netdev, lines: string[], withNetdev = false): void {
  if (nd.owner.kind !== "pci") return;
  const prefix = `${nd.facts.pfDriver} ${nd.owner.pf.bdf}${withNetdev ? ` ${nd.name}` : ""}: `;
  appendDmesg(
    state,
    lines.map((l) => prefix + l),
  );
}

/**
 * ndo_set_vf_mac's messages: i40e_ndo_set_vf_mac "Setting MAC ..." then "Bring down and up the
 * VF interface to make this change effective." (i40e_virtchnl_pf.c); ixgbe_ndo_set_vf_mac and
 * igb_ndo_set_vf_mac "setting MAC ..." then "Reload the VF driver to make this change effective.".
 */
function macSetLines(nd: Netdev, mac: string, vf: number): string[] {
  if (nd.facts.pfDriver === "i40e")
    return [
      `Setting MAC ${mac} on VF ${vf}`,
      "Bring down and up the VF interface to make this change effective.",
    ];
  return [`setting MAC ${mac} on VF ${vf}`, "Reload the VF driver to make this change effective."];
}

/**
 * ndo_set_vf_trust's message on a change: i40e "VF %u is now %strusted" (un), igb (dev_info)
 * and ixgbe (e_info(drv, ...): netdev_info) "VF %u is %strusted" (not ).
 */
function logTrust(state: HostState, nd: Netdev, trust: boolean, vf: number): void {
  if (nd.facts.pfDriver === "i40e") pfDriverLog(state, nd, [`VF ${vf} is now ${trust ? "" : "un"}trusted`]);
  else pfDriverLog(state, nd, [`VF ${vf} is ${trust ? "" : "not "}trusted`], nd.facts.pfDriver === "ixgbe");
}

/** Applies one `ip link set DEV vf N ...` request; returns the first error (earlier settings stay). */
export function setVf(state: HostState, nd: Netdev, req: VfRequest): SysResult {
  // iavf, ixgbevf, igbvf and lo have no ndo_set_vf_*: rtnetlink answers EOPNOTSUPP to the first.
  if (nd.owner.kind === "vf" || nd.owner.kind === "loopback") return fail("EOPNOTSUPP");
  if (ownedByIovctl(state, nd)) {
    if (nd.owner.kind === "pci")
      noteIovctlOwned(state, nd.owner.pf.bdf, `ip link set ${nd.name} vf ${req.vf}`);
    return fail("EBUSY");
  }
  const n = vfCount(state, nd);
  const i = req.vf;
  const cfg = () => mutableConfig(state, nd, i);
  // One entry per attribute present, in do_setvfinfo's order; each returns its errno or applies.
  const steps: Array<() => LinuxErrno | undefined> = [];
  const { mac, vlan, rate, spoofchk, linkState, rssQuery, trust } = req;
  if (mac !== undefined)
    steps.push(() => {
      if (i >= n) return invalidVf(state, nd, i);
      // Only multicast is refused: the zero address means "unset". i40e_ndo_set_vf_mac says why
      // (dev_err); ixgbe's and igb's refuse it without a word.
      if (isMulticast(mac)) {
        if (nd.facts.pfDriver === "i40e")
          pfDriverLog(state, nd, [`Invalid Ethernet address ${mac} for VF ${i}`]);
        return "EINVAL";
      }
      cfg().mac = mac;
      if (mac !== ZERO_MAC) pfDriverLog(state, nd, macSetLines(nd, mac, i));
    });
  const setVlan = (v: { vlan: number; qos: number; proto: number }): LinuxErrno | undefined => {
    if (v.proto !== ETH_P_8021Q && v.proto !== ETH_P_8021AD) return "EPROTONOSUPPORT"; // rtnetlink
    if (i >= n) return invalidVf(state, nd, i);
    if (v.vlan > 4095 || v.qos > 7) return "EINVAL";
    if (v.proto === ETH_P_8021AD && !nd.facts.qinq) return "EPROTONOSUPPORT";
    Object.assign(cfg(), { vlan: v.vlan, qos: v.qos, vlanProto: v.proto });
    // ixgbe_enable_port_vlan and igb_enable_port_vlan log every port VLAN set (vlan || qos);
    // i40e_ndo_set_vf_port_vlan only one with a VLAN ID.
    const logs = nd.facts.pfDriver === "i40e" ? v.vlan !== 0 : v.vlan !== 0 || v.qos !== 0;
    if (logs) pfDriverLog(state, nd, [`Setting VLAN ${v.vlan}, QOS 0x${v.qos.toString(16)} on VF ${i}`]);
  };
  if (vlan !== undefined) steps.push(() => setVlan(vlan));
  const { vlanList } = req;
  if (vlanList !== undefined)
    steps.push(() => {
      if (vlanList.length > MAX_VLAN_LIST_LEN) return "EOPNOTSUPP";
      return vlanList.length === 0 ? "EINVAL" : setVlan(vlanList[0]);
    });
  if (rate !== undefined)
    // IFLA_VF_TX_RATE: get_vf_config first (EINVAL for a bad index), then keep the min rate.
    steps.push(() =>
      i >= n ? invalidVf(state, nd, i) : setRate(state, nd, i, vfConfigOf(state, nd, i).minTxRate, rate),
    );
  if (req.minTxRate !== undefined || req.maxTxRate !== undefined)
    steps.push(() => {
      const cur = i < n ? vfConfigOf(state, nd, i) : zeroVfConfig();
      return setRate(state, nd, i, req.minTxRate ?? cur.minTxRate, req.maxTxRate ?? cur.maxTxRate);
    });
  if (spoofchk !== undefined)
    steps.push(() => {
      if (i >= n) return invalidVf(state, nd, i);
      cfg().spoofchk = spoofchk;
    });
  if (linkState !== undefined)
    steps.push(() => {
      // rtnetlink: no ndo_set_vf_link_state (igb) is EOPNOTSUPP, before the driver sees the index.
      if (nd.facts.vfLinkState === false) return "EOPNOTSUPP";
      if (i >= n) return invalidVf(state, nd, i);
      if (!(linkState === 0 || linkState === 1 || linkState === 2)) return "EINVAL";
      cfg().linkState = linkState as LinkState;
    });
  if (rssQuery !== undefined)
    steps.push(() => {
      // i40e and igb have no ndo_set_vf_rss_query_en.
      if (!nd.facts.reportsQueryRss) return "EOPNOTSUPP";
      if (i >= n) return "EINVAL";
      cfg().rssQuery = rssQuery;
    });
  if (trust !== undefined)
    steps.push(() => {
      if (i >= n) return invalidVf(state, nd, i);
      const changed = vfConfigOf(state, nd, i).trust !== trust;
      cfg().trust = trust;
      // The drivers log only a change ("nothing to do" otherwise).
      if (changed) logTrust(state, nd, trust, i);
    });
  // No driver here (i40e, ixgbe, igb, netdevsim) has ndo_set_vf_guid: EOPNOTSUPP, after the rest.
  if (req.nodeGuid || req.portGuid) steps.push(() => (req.vf >= 0x7fffffff ? "EINVAL" : "EOPNOTSUPP"));
  for (const step of steps) {
    const e = step();
    if (e) return fail(e);
    syncPci(state, nd, i);
  }
  return OK;
}
