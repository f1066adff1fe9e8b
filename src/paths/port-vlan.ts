// A VF's port (access) VLAN as the wire sees it. The NIC inserts the VF's tag on transmit and
// strips it on receive (src/switch/program.ts setPortVlan: VMVIR "default", STRVLAN), so the
// consumer sends and receives untagged frames while the wire between the port and the upstream
// switch carries an 802.1Q tag: VID and PCP (`ip link ... qos Q`), 4 bytes more per frame.
// VID 0 with a PCP (`ip link ... vlan 0 qos Q`) is a priority tag (802.1Q: VID 0 = no VLAN).
import type { VfRecord } from "../nic/types.ts";
import { VF_VLAN_TRUNK } from "../nic/types.ts";
import type { EnginePath } from "./path-graphs.ts";
import type { PathHost } from "./setup.ts";

/** The 802.1Q tag frames of a port-VLAN VF carry on the wire. */
export interface WireVlan {
  vid: number;
  pcp: number;
}

/** Bytes a tag adds to a frame on the wire (TPID + TCI). */
export const VLAN_TAG_BYTES = 4;

/** The tag the NIC inserts for this VF (the switch's rule: any VID 0..4095; trunk or none: null). */
export function portVlanOf(vf: VfRecord | undefined): WireVlan | null {
  const vlan = vf?.config.vlan;
  if (vlan === null || vlan === undefined || vlan === VF_VLAN_TRUNK || vlan > 4095) return null;
  return { vid: vlan, pcp: vf?.config.vlanQos ?? 0 };
}

/** The VF a path's consumer owns on `ph`, if its pool is a VF on the SR-IOV port. */
function consumerVf(path: EnginePath, ph: PathHost): VfRecord | undefined {
  const b = path.nic;
  if (b.port !== "main") return undefined;
  if (b.pool === "host-vf") return ph.jailVf;
  if (b.pool === "ppt-vf") return ph.vmVf;
  return undefined;
}

/**
 * The tag the wire carries between a path's consumer and the peer on the wire: the consumer
 * VF's port VLAN. None for a PF consumer, and none for VF-to-VF loopback (the tag is inserted
 * and stripped inside the NIC, never on the wire).
 */
export function wireVlanOf(path: EnginePath, ph: PathHost): WireVlan | null {
  if (path.nic.peer !== undefined) return null;
  return portVlanOf(consumerVf(path, ph));
}

/** The note that says what a port VLAN does to a run: the tag's bytes on the wire, or, for a
 *  capture replayed from the wire (sent as captured), which of its frames can reach the VF. */
export function portVlanNote(
  path: EnginePath,
  ph: PathHost,
  file: string,
  replayedFromWire = false,
): string | null {
  const tag = wireVlanOf(path, ph);
  const vf = consumerVf(path, ph);
  if (!tag || !vf) return null;
  // VID 0 with a priority (ip link `vlan 0 qos Q`): an 802.1Q priority tag, not a VLAN.
  const what =
    tag.vid === 0
      ? `a priority tag (VID 0, priority ${tag.pcp})`
      : `port VLAN ${tag.vid}${tag.pcp ? ` (priority ${tag.pcp})` : ""}`;
  const has = `${path.name}: VF-${vf.index} has ${what} in ${file}`;
  if (replayedFromWire)
    return `${has}: the capture is replayed from the wire as captured, so only its frames tagged ${tag.vid}${tag.vid === 0 ? " (priority tagged)" : ""} can reach the VF (the NIC strips the tag); untagged frames and other VLANs go to other pools or are dropped by the VLAN filter`;
  return `${has}: the NIC tags its frames on the wire and strips the tag on receive, so each frame is ${VLAN_TAG_BYTES} bytes longer on the wire than the size asked for (line rate and Gbit/s count them)`;
}
