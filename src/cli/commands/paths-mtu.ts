// `paths --mtu N`: the MTU every interface of the simulated paths runs at, as the administrator
// sets it with `ifconfig IF mtu N` (FreeBSD) or `ip link set DEV mtu N` (Linux) on the PF, the VF
// in the jail or VM, the bridge and its members, the epair, the tap and the guest's vtnet. The
// iovctl.conf has no MTU, so the run takes it as an option (1500 by default, every driver's
// default); with --host, the saved host's `ip link set DEV mtu N` gives it (stateMtus). A frame longer than the MTU allows is refused
// before any simulation, and so is an MTU a driver on the path would refuse.
import { UserError } from "../../errors.ts";
import type { Costs } from "../../model/costs.ts";
import { FRAME_OVERHEAD, STANDARD_MTU } from "../../nic/frames.ts";
import { findNetdev } from "../../nic/linux/index.ts";
import { getProfile } from "../../nic/profile.ts";
import { framesDriver, VTNET_MAX_MTU_NOMRG } from "../../paths/frames.ts";
import { enginePath } from "../../paths/path-graphs.ts";
import { type PathHost, portOf } from "../../paths/setup.ts";
import { MAX_FRAME_BYTES } from "../../traffic/profiles.ts";

/** IPv4's smallest MTU (RFC 791: every host takes 68-byte datagrams); the drivers' ETHERMIN-based
 *  floors are below the frames the generator makes anyway. */
export const MIN_MTU = 68;
/** The largest MTU whose full frame the generator makes (MAX_FRAME_BYTES, the largest any
 *  modelled NIC takes, less the header and FCS); a path's own drivers are checked after. */
const MAX_ANY_MTU = MAX_FRAME_BYTES - FRAME_OVERHEAD;

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

/** The largest MTU a driver on a path takes, and the refusal of an MTU above it. */
export interface PathMtuLimit {
  path: string;
  max: number;
  refusal: (mtu: number) => string;
}

/**
 * The MTU bounds of the drivers on the paths: the NIC pool's driver (the consumer's VF or the PF,
 * on the OS the cost profile runs on that side; the looped-back peer's), from the NIC profile's
 * `frames`; and vtnet(4) without mergeable buffers on the virtio paths. Bridges, epairs and taps
 * take any MTU, and the run sets one MTU on every member (if_bridge refuses a member whose MTU
 * differs: "invalid MTU"). In path order.
 */
export function pathMtuLimits(paths: string[], ph: PathHost, costs: Costs): PathMtuLimit[] {
  const out: PathMtuLimit[] = [];
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
    const frames = profile.frames;
    if (!frames) {
      out.push({
        path: name,
        max: STANDARD_MTU,
        refusal: (mtu) =>
          `--mtu ${mtu}: path '${name}' crosses ${port}, whose NIC profile '${profile.id}' has no frames entry (its largest frame and its drivers' receive buffers, docs/formats/nic-profile.md), so it runs at MTU ${STANDARD_MTU} only`,
      });
      continue;
    }
    for (const s of sides) {
      const os = costs.os[s.assigned ? "guest" : "host"];
      const d = framesDriver(profile, os, s.fn);
      if (d)
        out.push({
          path: name,
          max: d.maxMtu,
          refusal: (mtu) =>
            `--mtu ${mtu}: path '${name}' runs ${os === "freebsd" ? "FreeBSD" : "Linux"}'s ${d.driver} on ${port}'s ${s.fn.toUpperCase()} (${profile.pf.deviceName}), which takes an MTU of at most ${d.maxMtu} (largest frame ${frames.maxFrameBytes.value} bytes); give --mtu ${d.maxMtu} or less`,
        });
    }
    // A FreeBSD guest's vtnet; Linux's virtio_net chains pages ("big packets") for any MTU.
    if (VIRTIO_PATHS.has(name) && costs.os.guest === "freebsd")
      out.push({
        path: name,
        max: VTNET_MAX_MTU_NOMRG,
        refusal: (mtu) =>
          `--mtu ${mtu}: path '${name}' ends in the FreeBSD guest's vtnet(4) (cost profile '${costs.name}'), which without mergeable receive buffers takes each frame into one cluster of at most 9216 bytes (MJUM9BYTES) behind its 12-byte virtio-net header, so its MTU is at most ${VTNET_MAX_MTU_NOMRG} (sys/dev/virtio/network/if_vtnet.c vtnet_rx_cluster_size); give --mtu ${VTNET_MAX_MTU_NOMRG} or less`,
      });
  }
  return out;
}

/** Refuses an MTU one of the drivers on a path would refuse (pathMtuLimits), the first in path order. */
export function checkPathMtu(mtu: number, paths: string[], ph: PathHost, costs: Costs): void {
  if (mtu <= STANDARD_MTU) return;
  const over = pathMtuLimits(paths, ph, costs).find((l) => mtu > l.max);
  if (over) throw new UserError("E_USAGE", over.refusal(mtu));
}

/**
 * Refuses a frame size the path's MTU cannot carry: a frame of S bytes (with FCS, without a tag
 * the NIC adds) needs an MTU of at least S - 18. `sizes`: the option's item and the longest frame
 * it makes (imix: 1518; a size raised to hold the encapsulation's headers: the raised size).
 */
export function checkFramesFitMtu(
  sizes: Array<{ item: string; longest: number }>,
  mtu: number,
  from: "option" | "state" | "default",
  limits: PathMtuLimit[] = [],
): void {
  for (const s of sizes) {
    const need = s.longest - FRAME_OVERHEAD;
    if (need <= mtu) continue;
    // No --mtu carries it: a driver on the paths takes less (ixl: 9706, so 9724-byte frames).
    const cap = limits.reduce<PathMtuLimit | undefined>((a, l) => (a && a.max <= l.max ? a : l), undefined);
    if (cap && need > cap.max)
      throw new UserError(
        "E_USAGE",
        `--size ${s.item}: a ${s.longest}-byte frame needs an MTU of at least ${need} (the frame with FCS less 14 bytes of Ethernet header and 4 of FCS), and no --mtu carries it on these paths: ${cap
          .refusal(need)
          .replace(/^--mtu \d+: /, "")
          .replace(
            /; give --mtu \d+ or less$/,
            "",
          )}; give --size ${cap.max + FRAME_OVERHEAD} or less (or leave path '${cap.path}' out with --path)`,
      );
    const what =
      s.item === "imix" ? `imix's ${s.longest}-byte frames need` : `a ${s.longest}-byte frame needs`;
    throw new UserError(
      "E_USAGE",
      `--size ${s.item}: ${what} an MTU of at least ${need} (the frame with FCS less 14 bytes of Ethernet header and 4 of FCS), and ${from === "option" ? `--mtu is ${mtu}` : from === "state" ? `the paths' interfaces are at MTU ${mtu} on the simulated host` : `the paths run at MTU ${mtu}, every interface's default`}: add --mtu ${need} or more (the MTU 'ifconfig IF mtu N' or 'ip link set DEV mtu N' would set on every interface of the path)`,
    );
  }
}

/** The MTU a captured frame (no FCS) needs: its length less the 14-byte header, and less a
 *  VLAN tag's 4 bytes (EtherType 0x8100 at offset 12). */
export function captureFrameMtu(f: Uint8Array): number {
  return f.length - 14 - (f.length >= 18 && f[12] === 0x81 && f[13] === 0 ? 4 : 0);
}

/**
 * A capture the consumers send (--direction tx or both) is held to the MTU as generated frames
 * are: the sender's stack refuses a frame above its interface's MTU (FreeBSD bpf_movein and
 * Linux packet_snd: EMSGSIZE), so such a replay is refused before any simulation, naming the
 * capture's frame and the --mtu that carries it. Received frames are not: the wire may bring
 * them, and the NIC's pool drops them as oversize (a warning counts them).
 */
export function checkSentCaptureFitsMtu(
  file: string,
  frames: readonly Uint8Array[],
  mtu: number,
  from: "option" | "state" | "default",
): void {
  let worst = -1;
  for (let i = 0; i < frames.length; i++)
    if (
      worst < 0
        ? captureFrameMtu(frames[i]) > mtu
        : captureFrameMtu(frames[i]) > captureFrameMtu(frames[worst])
    )
      worst = i;
  if (worst < 0) return;
  const f = frames[worst];
  const need = captureFrameMtu(f);
  throw new UserError(
    "E_USAGE",
    `--pcap ${file}: frame ${worst + 1} is ${f.length} bytes without FCS, which needs an MTU of at least ${need} to be sent (the consumers send the capture: a stack refuses a frame above its interface's MTU, EMSGSIZE), and ${from === "option" ? `--mtu is ${mtu}` : from === "state" ? `the paths' interfaces are at MTU ${mtu} on the simulated host` : `the paths run at MTU ${mtu}, every interface's default`}: add --mtu ${need} or more`,
  );
}

/** One path's interface on the saved host and the MTU it has there. */
export interface StateMtu {
  path: string;
  iface: string;
  mtu: number;
  /** A VF iovctl -C made (the FreeBSD view's): ip link set DEV mtu N answers EBUSY for it. */
  iovctlVf?: boolean;
}

/**
 * With --host, the MTU each path's interface has on the saved host (ip link set DEV mtu N,
 * sysfs mtu): the PF's netdev for the paths on the PF (native, and the bridges it is a member
 * of), the jail VF's own netdev. A VF or a whole PF given to a VM has its MTU set in the guest,
 * which the state does not hold: such a path runs at the run's MTU.
 */
export function stateMtus(ph: PathHost, paths: string[]): StateMtu[] {
  const out: StateMtu[] = [];
  for (const name of new Set(paths)) {
    const path = enginePath(name);
    if (path?.nic.port !== "main") continue;
    const iface =
      path.nic.pool === "pf" && !path.nic.assigned
        ? ph.pf
        : path.nic.pool === "host-vf"
          ? ph.jailVf?.name
          : undefined;
    const nd = iface === undefined ? undefined : findNetdev(ph.host.state, iface);
    if (!nd) continue;
    const rt = nd.owner.kind === "vf" ? ph.host.state.pfs[nd.owner.pf.info.name] : undefined;
    const iovctlVf = rt?.sriovEnabled === true && rt.configuredBy !== "sysfs";
    out.push({ path: name, iface: nd.name, mtu: nd.mtu.mtu, ...(iovctlVf ? { iovctlVf } : {}) });
  }
  return out;
}

/**
 * The run's MTU: --mtu when given (a note names the saved host's interfaces it overrides, with
 * --host), else with --host the MTU the paths' interfaces have there, else 1500. One run has one
 * MTU, so paths whose interfaces disagree are refused, naming each (a real host runs them apart).
 */
/** The interfaces ip link cannot set (VFs iovctl -C made: EBUSY), named where the refusal
 *  tells the user to set the MTUs alike, so the advice is one that can be followed. */
function fixedNote(fromState: StateMtu[]): string {
  const fixed = [...new Map(fromState.filter((s) => s.iovctlVf).map((s) => [s.iface, s])).values()];
  if (fixed.length === 0) return "";
  const names = fixed.map((s) => `${s.iface} (${s.mtu})`).join(", ");
  return `; ${names} ${fixed.length === 1 ? "is a VF" : "are VFs"} iovctl -C made, whose MTU ip link cannot change (Device or resource busy): set the others to ${fixed[0].mtu}`;
}

export function runMtu(
  given: string | undefined,
  fromState: StateMtu[],
  notes: string[],
  paths: string[] = [],
): number {
  if (given !== undefined) {
    const mtu = parseMtu(given);
    const other = fromState.filter((s) => s.mtu !== mtu);
    const ifaces = [...new Map(other.map((s) => [s.iface, s])).values()];
    if (ifaces.length > 0)
      notes.push(
        `--mtu ${mtu} overrides the MTU of ${ifaces.map((s) => `${s.iface} (${s.mtu})`).join(", ")} on the simulated host: every interface of the paths runs at ${mtu}`,
      );
    return mtu;
  }
  const mtus = [...new Set(fromState.map((s) => s.mtu))];
  if (mtus.length > 1) {
    const each = fromState.map((s) => `'${s.path}' on ${s.iface} at ${s.mtu}`).join(", ");
    throw new UserError(
      "E_CONFIG",
      `the paths' interfaces have different MTUs on the simulated host (${each}), and one run has one MTU: set them alike (iovsim ip link set DEV mtu N${fixedNote(fromState)}), measure them apart with --path, or give --mtu N for all`,
    );
  }
  const mtu = mtus[0] ?? STANDARD_MTU;
  if (mtu !== STANDARD_MTU) {
    const ifaces = [...new Set(fromState.map((s) => s.iface))];
    // A VM's interface (a passed-through VF or PF, a guest's vtnet) has its MTU set in the
    // guest, which the state does not hold: taken as the same.
    const guests = [...new Set(paths)].filter((p) => {
      const nic = enginePath(p)?.nic;
      return nic !== undefined && (nic.assigned || nic.peerAssigned === true || VIRTIO_PATHS.has(p));
    });
    notes.push(
      `the paths run at MTU ${mtu}, what ${ifaces.join(" and ")} ${ifaces.length === 1 ? "has" : "have"} on the simulated host (ip link set DEV mtu N; --mtu overrides it)${guests.length > 0 ? `; ${guests.join(", ")}: the guest's interface, set in the guest, is taken at ${mtu} too` : ""}`,
    );
  }
  return mtu;
}
