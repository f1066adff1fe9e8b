// The packet paths as data (Snabb-style configurations, not code): each is a list of elements
// joined by named links (SPSC rings), per direction. Receive (`elements`): the wire (a peer,
// played by a generator) sends to a consumer on this host. Transmit (`tx`): the consumer (a
// generator playing its stack) sends through its driver, the NIC's Tx ring and the switch's
// transmit side (vebTxBurst) to the wire (a peer sink) or, looped back, to another pool.
// src/paths/build.ts turns a graph into rings and element contexts in shared memory.
// Link names with a meaning to the NIC switch: `nic.tx` (the consumer pool's Tx ring 0),
// `peer.rx` (the peer pool's Rx ring 0), `wire.out` (the switch's wire-out ring).
import type { PathContext } from "../model/cost.ts";

export type ElementSpec =
  | { kind: "gen"; name: string; out: string }
  /** Driver Tx side: posts on a NIC Tx ring (doorbells), reaps completions (interrupts, ITR). */
  | { kind: "txdrv"; name: string; in: string; out: string; iotlbPerFrame: number }
  /** The NIC switch's transmit side for the consumer's pool (Tx gates, anti-spoof, loopback). */
  | { kind: "veb-tx"; name: string; in: "nic.tx"; out: "wire.out" | "peer.rx" }
  | { kind: "guest-tx"; name: string; in: string; vq: string }
  | { kind: "vhost-tx"; name: string; vq: string; out: string }
  /** The ping peer: answers ICMP echo requests from the wire back onto the wire. */
  | { kind: "echo"; name: string; in: string; out: string }
  | { kind: "veb"; name: string; in: string; out: string; pool: "pf" | "vf" }
  | {
      kind: "hop";
      name: string;
      in: string;
      out: string;
      role: "pf-rx" | "epair" | "tap";
      interrupts: boolean;
    }
  | {
      kind: "bridge";
      name: string;
      in: string;
      uplink: string;
      port: string;
      /** Ports beyond the two (port 2, 3, ...): floods are copied to each. */
      more?: string[];
      inPort?: number;
    }
  | { kind: "vhost"; name: string; in: string; vq: string }
  | { kind: "guest-rx"; name: string; vq: string; sink: string }
  | {
      kind: "sink";
      name: string;
      in: string | null;
      role: string;
      iotlbPerFrame: number;
      interrupts: boolean;
    };

export interface PathGraph {
  name: string;
  summary: string;
  /** Who pays for what in the cost model. */
  context: PathContext;
  /** Where the consumer lives. */
  consumer: "host" | "jail" | "vm";
  /** Uses a VF created through the control plane (else the PF). */
  usesVf: boolean;
  /** Receive direction (null: the path only transmits). */
  elements: ElementSpec[] | null;
  /** Transmit direction. */
  tx: ElementSpec[];
}

export type Direction = "rx" | "tx" | "both";

const genTx = (out: string) => ({ kind: "gen", name: "gen-tx", out }) as const;
const vebTx = { kind: "veb-tx", name: "veb-tx", in: "nic.tx", out: "wire.out" } as const;
const wirePeer = {
  kind: "sink",
  name: "wire-peer",
  in: "wire.out",
  role: "peer on the wire",
  iotlbPerFrame: 0,
  interrupts: false,
} as const;

/** Transmit through a driver that owns a NIC queue pair (PF or VF). */
function driverTx(driver: string, iotlb: number): ElementSpec[] {
  return [
    genTx("stack.tx"),
    { kind: "txdrv", name: driver, in: "stack.tx", out: "nic.tx", iotlbPerFrame: iotlb },
    vebTx,
    wirePeer,
  ];
}

const gen = { kind: "gen", name: "gen", out: "wire" } as const;

export const PATHS: readonly PathGraph[] = [
  {
    name: "native",
    summary: "PF in the host's network stack",
    context: "host",
    consumer: "host",
    usesVf: false,
    tx: driverTx("pf-tx", 0),
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      {
        kind: "sink",
        name: "host-stack",
        in: "pf.rx0",
        role: "host stack (PF driver)",
        iotlbPerFrame: 0,
        interrupts: true,
      },
    ],
  },
  {
    name: "jail-vf",
    summary: "VF (iavf) moved into a vnet jail; the jail shares the host kernel",
    context: "host",
    consumer: "jail",
    usesVf: true,
    tx: driverTx("iavf-tx", 0),
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "vf.rx0", pool: "vf" },
      {
        kind: "sink",
        name: "jail-stack",
        in: "vf.rx0",
        role: "jail stack (iavf)",
        iotlbPerFrame: 0,
        interrupts: true,
      },
    ],
  },
  {
    name: "vm-vf",
    summary: "VF passed through (ppt) to a bhyve VM: host takes the interrupt, then injects",
    context: "vm-assigned",
    consumer: "vm",
    usesVf: true,
    tx: driverTx("guest-iavf-tx", 2),
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "vf.rx0", pool: "vf" },
      {
        kind: "sink",
        name: "guest-iavf",
        in: "vf.rx0",
        role: "guest stack (iavf in the VM)",
        iotlbPerFrame: 2,
        interrupts: true,
      },
    ],
  },
  {
    name: "passthrough",
    summary: "whole PF passed through to one VM (no SR-IOV; a second VM is refused)",
    context: "vm-assigned",
    consumer: "vm",
    usesVf: false,
    tx: driverTx("guest-pf-tx", 2),
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      {
        kind: "sink",
        name: "guest-pf",
        in: "pf.rx0",
        role: "guest stack (PF driver in the VM)",
        iotlbPerFrame: 2,
        interrupts: true,
      },
    ],
  },
  {
    name: "virtio",
    summary: "paravirtual: PF in the host, learning bridge, tap, vhost-copy backend, split virtqueue",
    context: "virtio",
    consumer: "vm",
    usesVf: false,
    tx: [
      genTx("guest.tx"),
      { kind: "guest-tx", name: "virtio-net-tx", in: "guest.tx", vq: "vq1" },
      { kind: "vhost-tx", name: "vhost-copy-tx", vq: "vq1", out: "tap.tx" },
      { kind: "hop", name: "tap-tx", in: "tap.tx", out: "bridge.tx", role: "tap", interrupts: false },
      {
        kind: "bridge",
        name: "bridge-tx",
        in: "bridge.tx",
        uplink: "uplink.tx",
        port: "tap.back",
        inPort: 1,
      },
      { kind: "txdrv", name: "pf-tx", in: "uplink.tx", out: "nic.tx", iotlbPerFrame: 0 },
      vebTx,
      wirePeer,
    ],
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      { kind: "hop", name: "pf-rx", in: "pf.rx0", out: "bridge.in", role: "pf-rx", interrupts: true },
      { kind: "bridge", name: "bridge", in: "bridge.in", uplink: "uplink.out", port: "tap.in" },
      { kind: "hop", name: "tap", in: "tap.in", out: "tap.q", role: "tap", interrupts: false },
      { kind: "vhost", name: "vhost-copy", in: "tap.q", vq: "vq0" },
      { kind: "guest-rx", name: "virtio-net", vq: "vq0", sink: "guest-virtio" },
    ],
  },
  {
    name: "jail-epair",
    summary: "PF in the host, if_bridge, epair into a vnet jail",
    context: "host",
    consumer: "jail",
    usesVf: false,
    tx: [
      genTx("jail.tx"),
      { kind: "hop", name: "epair-tx", in: "jail.tx", out: "bridge.tx", role: "epair", interrupts: false },
      {
        kind: "bridge",
        name: "bridge-tx",
        in: "bridge.tx",
        uplink: "uplink.tx",
        port: "epair.back",
        inPort: 1,
      },
      { kind: "txdrv", name: "pf-tx", in: "uplink.tx", out: "nic.tx", iotlbPerFrame: 0 },
      vebTx,
      wirePeer,
    ],
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      { kind: "hop", name: "pf-rx", in: "pf.rx0", out: "bridge.in", role: "pf-rx", interrupts: true },
      { kind: "bridge", name: "bridge", in: "bridge.in", uplink: "uplink.out", port: "epair.a" },
      { kind: "hop", name: "epair", in: "epair.a", out: "epair.b", role: "epair", interrupts: false },
      {
        kind: "sink",
        name: "jail-stack",
        in: "epair.b",
        role: "jail stack (epair b)",
        iotlbPerFrame: 0,
        interrupts: false,
      },
    ],
  },
  {
    name: "vf-loopback",
    summary: "VF to VF inside the NIC: the jail's VF sends to the VM's VF (VEB loopback, never on the wire)",
    context: "host",
    consumer: "jail",
    usesVf: true,
    elements: null,
    tx: [
      genTx("stack.tx"),
      { kind: "txdrv", name: "iavf-tx", in: "stack.tx", out: "nic.tx", iotlbPerFrame: 0 },
      { kind: "veb-tx", name: "veb-tx", in: "nic.tx", out: "peer.rx" },
      {
        kind: "sink",
        name: "guest-iavf",
        in: "peer.rx",
        role: "guest stack (iavf in the VM, looped back)",
        iotlbPerFrame: 2,
        interrupts: true,
      },
    ],
  },
];

/** The elements a run executes: receive, transmit or both (generators first). */
export function elementsFor(g: PathGraph, dir: Direction): Array<{ dir: "rx" | "tx"; el: ElementSpec }> {
  const out: Array<{ dir: "rx" | "tx"; el: ElementSpec }> = [];
  if (dir !== "tx") {
    if (!g.elements) throw new Error(`path ${g.name} has no receive direction (it only transmits)`);
    for (const el of g.elements) out.push({ dir: "rx", el });
  }
  if (dir !== "rx") for (const el of g.tx) out.push({ dir: "tx", el });
  return out.sort((a, b) => (a.el.kind === "gen" ? 0 : 1) - (b.el.kind === "gen" ? 0 : 1));
}

/** Directions a path can run. */
export function directionsOf(g: PathGraph): Direction[] {
  return g.elements ? ["rx", "tx", "both"] : ["tx"];
}

export const PATH_NAMES = PATHS.map((p) => p.name);

export function pathByName(name: string): PathGraph | undefined {
  return PATHS.find((p) => p.name === name);
}
