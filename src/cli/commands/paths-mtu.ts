// `paths --mtu N`: the MTU every interface of the simulated paths runs at, as the administrator
// sets it with `ifconfig IF mtu N` (FreeBSD) or `ip link set DEV mtu N` (Linux) on the PF, the VF
// in the jail or VM, the bridge and its members, the epair, the tap and the guest's vtnet. The
// iovctl.conf has no MTU and neither has the simulated host's state, so the run takes it as an
// option (1500 by default, every driver's default). A frame longer than the MTU allows is refused
// before any simulation, and so is an MTU a driver on the path would refuse.
import { UserError } from "../../errors.ts";
import type { Costs } from "../../model/costs.ts";
import { FRAME_OVERHEAD, STANDARD_MTU } from "../../nic/frames.ts";
import { getProfile } from "../../nic/profile.ts";
import { framesDriver, VTNET_MAX_MTU_NOMRG } from "../../paths/frames.ts";
import { enginePath } from "../../paths/path-graphs.ts";
import { type PathHost, portOf } from "../../paths/setup.ts";

/** IPv4's smallest MTU (RFC 791: every host takes 68-byte datagrams); the drivers' ETHERMIN-based
 *  floors are below the frames the generator makes anyway. */
export const MIN_MTU = 68;
/** The largest MTU any modelled driver accepts (ix/ixgbe: 9728 - 18); a path's own is checked after. */
const MAX_ANY_MTU = 9710;

/** --mtu N (default 1500). */
export function parseMtu(v: string | undefined): number {
  if (v === undefined) return STANDARD_MTU;
  const n = Number(v);
  // Decimal digits only, as the other numeric options: Number() would take 0x10 or 1e3.
  if (!/^\d+$/.test(v) || n < MIN_MTU || n > MAX_ANY_MTU)
    throw new UserError(
      "E_USAGE",
      `--mtu: '${v}' is not an MTU in ${MIN_MTU}..${MAX_ANY_MTU} (${MAX_ANY_MTU}: the largest any modelled driver takes; a path's own drivers may take less)`,
    );
  return n;
}

/** Paths whose frames reach a guest's virtio-net (vtnet) receive queue. */
const VIRTIO_PATHS = new Set(["virtio", "virtio-tap"]);

/**
 * Refuses an MTU one of the drivers on a path would refuse: the NIC pool's driver (the consumer's
 * VF or the PF, on the OS the cost profile runs on that side; the looped-back peer's), from the
 * NIC profile's `frames`; and vtnet(4) without mergeable buffers on the virtio paths. Bridges,
 * epairs and taps take any MTU, and the run sets one MTU on every member (if_bridge refuses a
 * member whose MTU differs: "invalid MTU").
 */
export function checkPathMtu(mtu: number, paths: string[], ph: PathHost, costs: Costs): void {
  if (mtu <= STANDARD_MTU) return;
  for (const name of new Set(paths)) {
    const path = enginePath(name);
    if (!path) continue;
    const port = portOf(ph, path.nic);
    const pf = ph.host.pf(port);
    const profile = pf ? getProfile(pf.profile) : undefined;
    if (!profile) continue;
    const sides = [
      { fn: path.nic.pool === "pf" ? ("pf" as const) : ("vf" as const), assigned: path.nic.assigned },
      ...(path.nic.peer ? [{ fn: "vf" as const, assigned: path.nic.peerAssigned ?? false }] : []),
    ];
    if (!profile.frames)
      throw new UserError(
        "E_USAGE",
        `--mtu ${mtu}: path '${name}' crosses ${port}, whose NIC profile '${profile.id}' has no frames entry (its largest frame and its drivers' receive buffers, docs/formats/nic-profile.md), so it runs at MTU ${STANDARD_MTU} only`,
      );
    for (const s of sides) {
      const os = costs.os[s.assigned ? "guest" : "host"];
      const d = framesDriver(profile, os, s.fn);
      if (d && mtu > d.maxMtu)
        throw new UserError(
          "E_USAGE",
          `--mtu ${mtu}: path '${name}' runs ${os === "freebsd" ? "FreeBSD" : "Linux"}'s ${d.driver} on ${port}'s ${s.fn.toUpperCase()} (${profile.pf.deviceName}), which takes an MTU of at most ${d.maxMtu} (largest frame ${profile.frames.maxFrameBytes.value} bytes); give --mtu ${d.maxMtu} or less`,
        );
    }
    // A FreeBSD guest's vtnet; Linux's virtio_net chains pages ("big packets") for any MTU.
    if (VIRTIO_PATHS.has(name) && costs.os.guest === "freebsd" && mtu > VTNET_MAX_MTU_NOMRG)
      throw new UserError(
        "E_USAGE",
        `--mtu ${mtu}: path '${name}' ends in the FreeBSD guest's vtnet(4) (cost profile '${costs.name}'), which without mergeable receive buffers takes each frame into one cluster of at most 9216 bytes (MJUM9BYTES) behind its 12-byte virtio-net header, so its MTU is at most ${VTNET_MAX_MTU_NOMRG} (sys/dev/virtio/network/if_vtnet.c vtnet_rx_cluster_size); give --mtu ${VTNET_MAX_MTU_NOMRG} or less`,
      );
  }
}

/**
 * Refuses a frame size the path's MTU cannot carry: a frame of S bytes (with FCS, without a tag
 * the NIC adds) needs an MTU of at least S - 18. `sizes`: the option's item and the longest frame
 * it makes (imix: 1518; a size raised to hold the encapsulation's headers: the raised size).
 */
export function checkFramesFitMtu(
  sizes: Array<{ item: string; longest: number }>,
  mtu: number,
  given: boolean,
): void {
  for (const s of sizes) {
    const need = s.longest - FRAME_OVERHEAD;
    if (need <= mtu) continue;
    const what =
      s.item === "imix" ? `imix's ${s.longest}-byte frames need` : `a ${s.longest}-byte frame needs`;
    throw new UserError(
      "E_USAGE",
      `--size ${s.item}: ${what} an MTU of at least ${need} (the frame with FCS less 14 bytes of Ethernet header and 4 of FCS), and ${given ? `--mtu is ${mtu}` : `the paths run at MTU ${mtu}, every interface's default`}: add --mtu ${need} or more (the MTU 'ifconfig IF mtu N' or 'ip link set DEV mtu N' would set on every interface of the path)`,
    );
  }
}
