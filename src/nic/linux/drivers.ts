// What the Linux view needs to know about each NIC profile's Linux drivers: the names (i40e for
// the X710, ixgbe for the 82599, igb for the 82576), which VLAN protocols their ndo_set_vf_vlan
// accepts, and whether get_vf_config reports query_rss. The facts live in the NIC's profile
// JSON (`linux`); a profile without one falls back to the FreeBSD driver names.
import { getProfile } from "../profile.ts";

export interface LinuxDriverFacts {
  pfDriver: string;
  vfDriver: string;
  /** i40e/ixgbe/igb refuse 802.1ad port VLANs (EPROTONOSUPPORT); netdevsim accepts them. */
  qinq: boolean;
  /** ixgbe reports rss_query_en; i40e and igb leave it unset (ip link prints no query_rss). */
  reportsQueryRss: boolean;
  /** Link speed in Mb/s: max_tx_rate above it is refused (EINVAL); 0 = no check (netdevsim). */
  linkSpeedMbps: number;
  /** ixgbe_ndo_set_vf_bw: a non-zero max_tx_rate at or below this is refused (EINVAL). */
  maxTxRateFloorMbps?: number;
  /** ndo_set_vf_link_state exists (igb: no, so `state` is EOPNOTSUPP). Absent: true. */
  vfLinkState?: boolean;
  /** ndo_set_vf_rate applies min_tx_rate (ice); the others refuse a non-zero one. Absent: false. */
  minTxRate?: boolean;
}

/** vfio-pci's driver name (a module loaded with `iovsim modprobe vfio-pci`). */
export const VFIO_PCI = "vfio-pci";

export const NETDEVSIM_FACTS: LinuxDriverFacts = {
  pfDriver: "netdevsim",
  vfDriver: "netdevsim",
  qinq: true,
  reportsQueryRss: true,
  linkSpeedMbps: 0,
};

export function linuxDriverFacts(
  profileId: string,
  fallbackPf: string,
  fallbackVf: string,
): LinuxDriverFacts {
  return (
    getProfile(profileId)?.linux ?? {
      pfDriver: fallbackPf,
      vfDriver: fallbackVf,
      qinq: false,
      reportsQueryRss: false,
      linkSpeedMbps: 0,
    }
  );
}
