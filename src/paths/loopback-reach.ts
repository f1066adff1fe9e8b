// Whether a VF-to-VF loopback path can carry anything: the NIC's own switch decides. One frame
// the path's consumer would send (its MAC to the peer VF's MAC, untagged: the NIC inserts a port
// VLAN) goes through the reference switch programmed exactly as the engine's is (programSwitch
// from the PF's VF records), so every reason the switch drops it (VLAN filter, anti-spoofing,
// no destination across port VLANs...) is covered without restating the VLAN rules here.
import type { PfRecord, VfRecord } from "../nic/types.ts";
import type { SwitchDecision } from "../switch/config.ts";
import { programSwitch } from "../switch/program.ts";
import { ReferenceSwitch } from "../switch/reference/veb.ts";
import { eth } from "../traffic/frames.ts";
import type { EnginePath } from "./path-graphs.ts";
import type { PathHost } from "./setup.ts";

/** The switch's decision for one frame from VF `from` to VF `to` of `pf`, and whether it reached `to`. */
export function loopbackDecision(
  pf: PfRecord,
  from: VfRecord,
  to: VfRecord,
): { reached: boolean; decision: SwitchDecision } {
  const config = programSwitch(pf);
  const fromPool = config.pools.findIndex((p) => p.vf === from.index);
  const toPool = config.pools.findIndex((p) => p.vf === to.index);
  const frame = eth({ dst: to.effectiveMac, src: from.effectiveMac })
    .ipv4({})
    .udp({})
    .payload(18)
    .build({ padTo: 60 });
  const decision = new ReferenceSwitch(config).transmitFromPool(fromPool, frame);
  return { reached: decision.deliveries.some((d) => d.pool === toPool), decision };
}

/** A VF's port VLAN setting as `ip link` / iovctl.conf name it. */
function vlanText(vf: VfRecord): string {
  const v = vf.config.vlan;
  if (v === null || v === undefined || v === 0) return "no port VLAN";
  if (v > 4095) return "VLAN trunk";
  return `port VLAN ${v}`;
}

/** What the switch's drop reason means, in words. */
const WHY: Partial<Record<string, string>> = {
  "no-destination":
    "the switch forwards a VF's frame only to pools in the same VLAN with the destination MAC, so it reaches no pool and is dropped (tx no destination)",
  "mac-spoof": "the sender's anti-spoofing check drops it (its source MAC is not the VF's)",
  "vlan-spoof": "the sender's VLAN anti-spoofing check drops it",
  "vlan-filter": "the port's VLAN filter drops it",
  "tx-disabled": "the sender's transmit is disabled",
};

/**
 * Why a path that loops the consumer's VF back to a peer VF carries nothing on `ph`, or null when
 * the switch delivers the consumer's frame to the peer (or the path has no peer VF). `from_`:
 * where the VFs were configured (the saved host, or an iovctl.conf), for the advice.
 */
export function loopbackUnreachable(
  path: EnginePath,
  ph: PathHost,
  from_: "host" | "file" = "host",
): string | null {
  const b = path.nic;
  if (b.peer === undefined || b.port !== "main" || b.mac !== "pool") return null;
  const vfOf = (role: "pf" | "host-vf" | "ppt-vf") =>
    role === "host-vf" ? ph.jailVf : role === "ppt-vf" ? ph.vmVf : undefined;
  const from = vfOf(b.pool);
  const to = vfOf(b.peer);
  const pf = ph.host.pf(ph.pf);
  if (!from || !to || !pf) return null;
  const { reached, decision } = loopbackDecision(pf, from, to);
  if (reached) return null;
  const reason = decision.dropped ?? (decision.toWire ? "to-wire" : "no-destination");
  const why =
    WHY[reason] ??
    (reason === "to-wire"
      ? "the switch sends it to the wire instead of looping it back"
      : `the switch drops it (${reason})`);
  return `path '${path.name}' loops VF ${from.index} of ${ph.pf} (${vlanText(from)}) back to VF ${to.index} (${vlanText(to)}), and the NIC's switch cannot connect them: ${why}; the path would carry nothing. Put both VFs in one VLAN (${from_ === "host" ? `iovsim ip link set ${ph.pf} vf N vlan V` : "the same 'vlan' for both in the file"}), or choose other paths with --path`;
}
