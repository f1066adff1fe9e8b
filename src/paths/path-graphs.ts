// The packet paths of the virtual-time engine, as data: elements joined by named links, each
// element bound to the resource it runs on and to the cost-profile entries it is charged per
// batch and per packet, plus the path's NIC binding. The engine (src/engine) builds and runs any
// such graph with generic loops; adding a path from existing elements touches this file only.
// Element kinds and fields follow the layout format of src/paths/build.ts (which lays out the
// rings and contexts in shared memory); `on`, `costs` and `irqHost` are the timing binding the
// engine adds.

import type { CostName } from "../model/costs.ts";
import type { ElementSpec, PathGraph } from "./build.ts";

/** Cost-profile entries charged per batch (one kernel call) and per packet of the batch. */
export interface ElementCosts {
  batch?: CostName[];
  packet?: CostName[];
}

export type EngineElement = ElementSpec & {
  /** Resource the element runs on. */
  on: string;
  costs?: ElementCosts;
  /** The element's device interrupt lands on this host core first (ppt: pptintr, then injection). */
  irqHost?: string;
};

/** Which switch pool a path's consumer owns, and where its frames go. */
export interface NicBinding {
  /** "main": the SR-IOV PF of the iovctl.conf; "second": a second port without SR-IOV (whole-PF passthrough). */
  port: "main" | "second";
  /** The consumer's pool: the PF, the host VF (for a jail) or the ppt VF (for a VM). */
  pool: "pf" | "host-vf" | "ppt-vf";
  /** Transmit looped back inside the NIC to this pool (vf-loopback). */
  peer?: "host-vf" | "ppt-vf";
  /** The consumer's MAC: its pool's, or one behind a bridge (a VM's virtio NIC, a jail's epair). */
  mac: "pool" | string;
  /** if_bridge members are promiscuous. */
  promiscuous?: boolean;
  /** DMA of this pool goes through the IOMMU (an assigned device): IOTLB look-ups. */
  assigned: boolean;
  /** DMA to the loopback peer's pool goes through the IOMMU. */
  peerAssigned?: boolean;
}

/** Kinds of resource an element can run on (the engine's ResourceUse kinds). */
export type ResourceKind = "wire" | "nic" | "pcie" | "core" | "vcpu" | "vhost" | "dispatcher";

export interface EnginePath {
  name: string;
  summary: string;
  resources: Array<{ name: string; kind: ResourceKind }>;
  nic: NicBinding;
  /** Receive direction (null: transmit only). */
  rx: EngineElement[] | null;
  /** Transmit direction: the consumer sends (null: the path forwards what it receives and has
   *  no consumer of its own, so it only runs rx). */
  tx: EngineElement[] | null;
  /** A capture replays on transmit (paths --pcap --direction tx): the transmit side brings each
   *  frame to the peer on the wire in the buffer it was generated in, so the side table times it
   *  (drivers, epair and bridge move descriptors; virtio's guest copies into its transmit buffer
   *  and vhost back into the frame's own buffer, paired with the descriptor). Not vf-loopback:
   *  its peer may receive the NIC's copies, which the side table does not follow on transmit. */
  txReplay?: true;
}

const RX_DRIVER: ElementCosts = {
  batch: ["drv_rx_batch_cycles"],
  packet: ["drv_rx_pkt_cycles", "stack_rx_cycles"],
};
const TX_DRIVER: ElementCosts = {
  batch: ["doorbell_cycles"],
  packet: ["drv_tx_pkt_cycles", "tx_reap_pkt_cycles"],
};
const APP_TX: ElementCosts = { packet: ["stack_tx_cycles"] };
const VHOST: ElementCosts = { batch: ["vhost_batch_cycles"], packet: ["vhost_pkt_cycles"] };

const withIrqHost = (irqHost?: string) => (irqHost ? { irqHost } : {});

const wireGen: EngineElement = { kind: "gen", name: "gen", out: "wire", on: "wire-rx" };
const vebRx = (pool: "pf" | "vf"): EngineElement => ({
  kind: "veb",
  name: "veb-rx",
  in: "wire",
  out: `${pool}.rx0`,
  pool,
  on: "nic",
});
const vebTx: EngineElement = { kind: "veb-tx", name: "veb-tx", in: "nic.tx", out: "wire.out", on: "nic" };
const wirePeer: EngineElement = {
  kind: "sink",
  name: "wire-peer",
  in: "wire.out",
  role: "peer on the wire",
  iotlbPerFrame: 0,
  interrupts: false,
  on: "wire-tx",
};

/** The consumer's application sending into its stack (`out`) on `cpu`. */
const appTx = (out: string, cpu: string): EngineElement => ({
  kind: "gen",
  name: "gen-tx",
  out,
  on: cpu,
  costs: APP_TX,
});

/** A driver's transmit onto the NIC's queue, from the stack or a bridge's uplink (`input`). */
const txDriver = (name: string, input: string, on: string, irqHost?: string): EngineElement => ({
  kind: "txdrv",
  name,
  in: input,
  out: "nic.tx",
  iotlbPerFrame: 0,
  on,
  costs: TX_DRIVER,
  ...withIrqHost(irqHost),
});

/** Transmit through a driver that owns a NIC queue pair, the consumer's stack on `cpu`. */
function driverTx(driver: string, cpu: string, irqHost?: string): EngineElement[] {
  return [appTx("stack.tx", cpu), txDriver(driver, "stack.tx", cpu, irqHost), vebTx, wirePeer];
}

const directSink = (
  name: string,
  pool: "pf" | "vf",
  cpu: string,
  role: string,
  irqHost?: string,
): EngineElement => ({
  kind: "sink",
  name,
  in: `${pool}.rx0`,
  role,
  iotlbPerFrame: 0,
  interrupts: true,
  on: cpu,
  costs: RX_DRIVER,
  ...withIrqHost(irqHost),
});

/** A hop in software that no interrupt starts: `role`'s per-packet `packet` costs on `on`. */
const softHop = (
  name: string,
  input: string,
  out: string,
  role: "epair" | "tap",
  on: string,
  packet: CostName[],
): EngineElement => ({
  kind: "hop",
  name,
  in: input,
  out,
  role,
  interrupts: false,
  on,
  costs: { packet },
});

/** The PF driver in the host hands frames to the software bridge (if_bridge member). */
const pfRxHop: EngineElement = {
  kind: "hop",
  name: "pf-rx",
  in: "pf.rx0",
  out: "bridge.in",
  role: "pf-rx",
  interrupts: true,
  on: "host-core0",
  costs: { batch: ["drv_rx_batch_cycles"], packet: ["drv_rx_pkt_cycles"] },
};

/** A learning bridge between an uplink and `port`; `inPort` 1: its frames come in from `port`. */
const bridge = (
  name: string,
  input: string,
  uplink: string,
  port: string,
  on: string,
  inPort?: number,
): EngineElement => ({
  kind: "bridge",
  name,
  in: input,
  uplink,
  port,
  ...(inPort !== undefined ? { inPort } : {}),
  on,
  costs: { packet: ["bridge_cycles"] },
});

/** The host's learning bridge between the PF (uplink) and `port` (tap or epair). */
const hostBridge = (port: string): EngineElement =>
  bridge("bridge", "bridge.in", "uplink.out", port, "host-core0");

/** Receive from the wire through the PF driver in the host into `hostBridge0`. */
const wireToHostBridge = (hostBridge0: EngineElement): EngineElement[] => [
  wireGen,
  vebRx("pf"),
  pfRxHop,
  hostBridge0,
];

/** Transmit back out: a bridge (`name`, its member `port` the frames come from) sends them out its
 *  uplink, the PF driver puts them on the NIC's queue, the NIC on the wire; all on `on`. */
const bridgeToWire = (
  name: string,
  input: string,
  uplink: string,
  port: string,
  on: string,
): EngineElement[] => [
  bridge(name, input, uplink, port, on, 1),
  txDriver("pf-tx", uplink, on),
  vebTx,
  wirePeer,
];

/** The NIC binding of a path behind the host's bridge: the PF, promiscuous, the consumer's `mac`. */
const bridgedPf = (mac: string): NicBinding => ({
  port: "main",
  pool: "pf",
  mac,
  promiscuous: true,
  assigned: false,
});

const HOST = [
  { name: "wire-rx", kind: "wire" },
  { name: "wire-tx", kind: "wire" },
  { name: "nic", kind: "nic" },
  { name: "pcie-up", kind: "pcie" },
  { name: "pcie-down", kind: "pcie" },
  { name: "host-core0", kind: "core" },
] as const;
const WITH_VM = [...HOST, { name: "guest-vcpu0", kind: "vcpu" }] as const;

/** Where a direct path's consumer runs: on the host's core, or on a VM's vCPU, whose device
 *  interrupt the host takes first and then injects. */
const CONSUMER_AT = {
  host: { resources: HOST, cpu: "host-core0", irqHost: undefined },
  vm: { resources: WITH_VM, cpu: "guest-vcpu0", irqHost: "host-core0" },
} as const;

/** A path whose consumer owns a NIC queue pair (its pool's): the NIC steers frames straight to
 *  its receive driver (`rxName`, stack `role`), and it transmits through its driver `txName`. */
const directPath = (p: {
  name: string;
  summary: string;
  nic: NicBinding;
  at: keyof typeof CONSUMER_AT;
  rxName: string;
  role: string;
  txName: string;
}): EnginePath => {
  const { resources, cpu, irqHost } = CONSUMER_AT[p.at];
  const pool = p.nic.pool === "pf" ? "pf" : "vf";
  return {
    name: p.name,
    summary: p.summary,
    resources: [...resources],
    nic: p.nic,
    rx: [wireGen, vebRx(pool), directSink(p.rxName, pool, cpu, p.role, irqHost)],
    tx: driverTx(p.txName, cpu, irqHost),
    txReplay: true,
  };
};

/** The guest's receive through virtio: the vhost-copy backend takes frames from the tap's queue
 *  into the split virtqueue, the guest's virtio-net driver and stack consume them. */
const VIRTIO_RX: EngineElement[] = [
  { kind: "vhost", name: "vhost-copy", in: "tap.q", vq: "vq0", on: "vhost0", costs: VHOST },
  {
    kind: "guest-rx",
    name: "virtio-net",
    vq: "vq0",
    sink: "guest-virtio",
    on: "guest-vcpu0",
    costs: RX_DRIVER,
  },
];

/** The guest's transmit through virtio: driver, vhost-copy backend, tap, bridge, PF to the wire. */
const VIRTIO_TX: EngineElement[] = [
  appTx("guest.tx", "guest-vcpu0"),
  {
    kind: "guest-tx",
    name: "virtio-net-tx",
    in: "guest.tx",
    vq: "vq1",
    on: "guest-vcpu0",
    costs: { packet: ["drv_tx_pkt_cycles"] },
  },
  { kind: "vhost-tx", name: "vhost-copy-tx", vq: "vq1", out: "tap.tx", on: "vhost0", costs: VHOST },
  softHop("tap-tx", "tap.tx", "bridge.tx", "tap", "vhost0", ["tap_cycles"]),
  ...bridgeToWire("bridge-tx", "bridge.tx", "uplink.tx", "tap.back", "vhost0"),
];

/** A VM with a virtio NIC behind the host's bridge: `rxFront` feeds the tap's queue. */
const virtioPath = (
  name: string,
  summary: string,
  rxFront: EngineElement[],
  txReplay?: true,
): EnginePath => ({
  name,
  summary,
  resources: [...WITH_VM, { name: "vhost0", kind: "vhost" }],
  nic: bridgedPf("58:9c:fc:00:00:01"),
  rx: [...rxFront, ...VIRTIO_RX],
  tx: VIRTIO_TX,
  ...(txReplay ? { txReplay } : {}),
});

/** Without RSS, if_epair runs every epair's deliveries on one unpinned taskqueue thread (if_epair.c
 *  epair_mod_init at D33731's commit 24f0bfbad57b); the forwarding paths give it a core of its
 *  own. In setup B epair1b's task runs on that same thread. */
const EPAIR_TASKQUEUE = "host-core1";

/** An epair hop on the taskqueue: epair_menq's enqueue, the task's flush and the peer's input.
 *  (FreeBSD runs epair_transmit/epair_menq, a lock-free buf_ring enqueue, on the sender's thread;
 *  epair_cycles is one assumption and is not split between the two threads.)
 *  Handed over from another core (`fromOtherCore`), the taskqueue reads what the sender's core
 *  wrote: priced as the steering hand-off is, one cross-core transfer per packet on each side
 *  (the sender's is on `bridge0ToEpair`). */
const epairHop = (name: string, input: string, out: string, fromOtherCore = false): EngineElement =>
  softHop(
    name,
    input,
    out,
    "epair",
    EPAIR_TASKQUEUE,
    fromOtherCore ? ["xcore_transfer_cycles", "epair_cycles"] : ["epair_cycles"],
  );

/** bridge0 on the NIC's receive core, whose if_transmit to epair0a (epair_menq) writes the queue
 *  the taskqueue's core last read: the sending side of the cross-core hand-off. */
const bridge0ToEpair: EngineElement = {
  ...hostBridge("epair.a"),
  costs: { packet: ["bridge_cycles", "xcore_transfer_cycles"] },
};

/** bridge1 (its member `port` is the epair the frames come from) and the PF's transmit on the
 *  taskqueue's thread, then the wire: the forwarding paths' way back out (cc1). */
const bridgeBackOut = (port: string): EngineElement[] =>
  bridgeToWire("bridge1", "bridge1.in", "uplink1.out", port, EPAIR_TASKQUEUE);

/** D33731's forwarding paths: frames from the wire cross the PF driver and bridge0 on the NIC's
 *  core, then `afterBridge0` (on the epair taskqueue's core) sends them back out; receive only. */
const forwardedThroughEpair = (
  afterBridge0: EngineElement[],
): Pick<EnginePath, "resources" | "nic" | "rx" | "tx"> => ({
  resources: [...HOST, { name: EPAIR_TASKQUEUE, kind: "core" }],
  nic: bridgedPf("02:e0:00:00:00:0b"),
  rx: [...wireToHostBridge(bridge0ToEpair), ...afterBridge0],
  tx: null,
});

export const ENGINE_PATHS: readonly EnginePath[] = [
  directPath({
    name: "native",
    summary: "PF in the host's network stack",
    nic: { port: "main", pool: "pf", mac: "pool", assigned: false },
    at: "host",
    rxName: "host-stack",
    role: "host stack (PF driver)",
    txName: "pf-tx",
  }),
  directPath({
    name: "jail-vf",
    summary: "VF (iavf) moved into a vnet jail; the jail shares the host kernel and its cores",
    nic: { port: "main", pool: "host-vf", mac: "pool", assigned: false },
    at: "host",
    rxName: "jail-stack",
    role: "jail stack (iavf)",
    txName: "iavf-tx",
  }),
  directPath({
    name: "vm-vf",
    summary: "VF passed through (ppt) to a bhyve VM: the host takes the interrupt, then injects",
    nic: { port: "main", pool: "ppt-vf", mac: "pool", assigned: true },
    at: "vm",
    rxName: "guest-iavf",
    role: "guest stack (iavf in the VM)",
    txName: "guest-iavf-tx",
  }),
  directPath({
    name: "passthrough",
    summary: "whole PF of a second port passed through to one VM (no SR-IOV)",
    nic: { port: "second", pool: "pf", mac: "pool", assigned: true },
    at: "vm",
    rxName: "guest-pf",
    role: "guest stack (PF driver in the VM)",
    txName: "guest-pf-tx",
  }),
  virtioPath(
    "virtio",
    "paravirtual: PF in the host, learning bridge, tap, vhost-copy backend, split virtqueue",
    [
      ...wireToHostBridge(hostBridge("tap.in")),
      softHop("tap", "tap.in", "tap.q", "tap", "host-core0", ["tap_cycles"]),
    ],
    true,
  ),
  virtioPath(
    "virtio-tap",
    "virtio's guest side fed by pktgen on the host writing into the tap (receive: no NIC, PF driver or bridge); transmit as virtio",
    [
      // pktgen on the host writes straight into the tap (Jason Wang's "guest RX pktgen"
      // measurements): no NIC, no PF driver, no bridge on the receive side.
      {
        kind: "gen",
        name: "pktgen",
        out: "tap.q",
        tailDrop: true,
        on: "host-core0",
        costs: { packet: ["pktgen_tap_cycles"] },
      },
    ],
    // Its transmit side is virtio's (VIRTIO_TX: guest virtio-net, vhost-copy, tap, bridge, PF
    // to the wire), so a capture replays on it as on virtio's.
    true,
  ),
  {
    name: "jail-epair",
    summary: "PF in the host, if_bridge, epair into a vnet jail",
    resources: [...HOST],
    nic: bridgedPf("02:e0:00:00:00:0b"),
    rx: [
      ...wireToHostBridge(hostBridge("epair.a")),
      softHop("epair", "epair.a", "epair.b", "epair", "host-core0", ["epair_cycles"]),
      {
        kind: "sink",
        name: "jail-stack",
        in: "epair.b",
        role: "jail stack (epair b)",
        iotlbPerFrame: 0,
        interrupts: false,
        on: "host-core0",
        costs: { packet: ["stack_rx_cycles"] },
      },
    ],
    tx: [
      appTx("jail.tx", "host-core0"),
      softHop("epair-tx", "jail.tx", "bridge.tx", "epair", "host-core0", ["epair_cycles"]),
      ...bridgeToWire("bridge-tx", "bridge.tx", "uplink.tx", "epair.back", "host-core0"),
    ],
    txReplay: true,
  },
  {
    // FreeBSD D33731's setup B (cc0 - bridge0 - epair0a) (epair0b - vnet jail - epair1a)
    // (epair1b - bridge1 - cc1), without RSS: the NIC's receive thread runs the driver, bridge0
    // and epair0a's transmit (an enqueue); the one epair taskqueue thread (its own core) runs
    // everything after it: epair0b's input, the jail's IP forwarding, epair1, bridge1 and the
    // transmit driver. The second port (cc1) is the same PF's transmit queue here.
    name: "jail-epair-fwd",
    summary:
      "PF in the host, if_bridge, epair into a vnet jail that routes the frames back out through a second epair and bridge (epair taskqueue on its own core)",
    ...forwardedThroughEpair([
      epairHop("epair", "epair.a", "epair.b", true),
      {
        kind: "ipfwd",
        name: "jail-fwd",
        in: "epair.b",
        out: "epair1.a",
        egressMac: "02:e0:00:00:01:0a",
        on: EPAIR_TASKQUEUE,
        costs: { packet: ["ip_forward_cycles"] },
      },
      epairHop("epair1", "epair1.a", "bridge1.in"),
      ...bridgeBackOut("epair1.back"),
    ]),
  },
  {
    // FreeBSD D33731's setup A (cc0 - bridge0 - epair0a) (epair0b - bridge1 - cc1), without RSS:
    // the NIC's receive thread runs the driver, bridge0 and epair0a's transmit (an enqueue); the
    // one epair taskqueue thread (its own core) runs epair0b's input, bridge1 and the transmit
    // driver (if_bridge calls cxgbe's if_transmit, whose mp_ring is drained by the enqueuing
    // thread). No jail: setup B's path without its forwarding and second epair.
    name: "bridge-epair-fwd",
    summary:
      "PF in the host, if_bridge, epair, a second if_bridge back out to the wire (no jail; epair taskqueue on its own core)",
    ...forwardedThroughEpair([
      epairHop("epair", "epair.a", "bridge1.in", true),
      ...bridgeBackOut("epair.back"),
    ]),
  },
  {
    name: "vf-loopback",
    summary: "VF to VF inside the NIC: the jail's VF sends to the VM's VF (VEB loopback, never on the wire)",
    resources: [...WITH_VM],
    nic: { port: "main", pool: "host-vf", peer: "ppt-vf", mac: "pool", assigned: false, peerAssigned: true },
    rx: null,
    tx: [
      appTx("stack.tx", "host-core0"),
      txDriver("iavf-tx", "stack.tx", "host-core0"),
      { kind: "veb-tx", name: "veb-tx", in: "nic.tx", out: "peer.rx", on: "nic" },
      {
        kind: "sink",
        name: "guest-iavf",
        in: "peer.rx",
        role: "guest stack (iavf in the VM, looped back)",
        iotlbPerFrame: 2,
        interrupts: true,
        on: "guest-vcpu0",
        costs: RX_DRIVER,
        irqHost: "host-core0",
      },
    ],
  },
];

export const ENGINE_PATH_NAMES = ENGINE_PATHS.map((p) => p.name);

/** A path that reaches the wire both ways can ping a host there (virtio-tap's receive side
 *  starts at pktgen on the host, vf-loopback never leaves the NIC: they cannot). */
export function pingable(name: string): boolean {
  const p = enginePath(name);
  return (
    !!p?.rx?.some((e) => e.kind === "gen" && e.on === "wire-rx") &&
    !!p.tx?.some((e) => e.kind === "sink" && (e as { in?: string }).in === "wire.out")
  );
}

/**
 * Whether a run of `name` in `direction` puts frames on a wire (an element on a wire resource:
 * the peer sending from it, or the peer receiving on it). Without one there is no line rate:
 * virtio-tap's receive starts at pktgen on a host core, vf-loopback loops back inside the NIC.
 * Returns null when a wire carries the run, else why none does.
 */
export function noWire(name: string, direction: "rx" | "tx" | "both"): string | null {
  const p = enginePath(name);
  if (!p) return null;
  const kindOf = (on: string) => p.resources.find((r) => r.name === on)?.kind;
  const els = [...(direction !== "tx" ? (p.rx ?? []) : []), ...(direction !== "rx" ? (p.tx ?? []) : [])];
  if (els.some((e) => kindOf(e.on) === "wire")) return null;
  const gen = els.find((e) => e.kind === "gen");
  const last = els.at(-1);
  return `frames go from ${gen ? `${gen.name} on ${gen.on}` : "the source"} to ${last ? `${last.name} on ${last.on}` : "the consumer"}, never over the wire`;
}

export function enginePath(name: string): EnginePath | undefined {
  return ENGINE_PATHS.find((p) => p.name === name);
}

/** The VF roles a path's NIC binding uses: "host-vf" (a VF with its host driver, moved into a
 *  jail) and "ppt-vf" (a VF passed through to a VM), as its consumer's pool or loopback peer. */
export type VfRole = "host-vf" | "ppt-vf";
export function vfRolesOf(p: EnginePath): VfRole[] {
  const roles: VfRole[] = [];
  for (const pool of [p.nic.pool, p.nic.peer])
    if ((pool === "host-vf" || pool === "ppt-vf") && !roles.includes(pool)) roles.push(pool);
  return roles;
}

/** Whether a capture replays on the path's transmit side (EnginePath.txReplay, and it has one). */
export function txReplayable(p: EnginePath): boolean {
  return p.txReplay === true && p.tx !== null;
}

/** The layout view of a path (src/paths/build.ts lays out rings and contexts from it). */
export function layoutGraph(p: EnginePath): PathGraph {
  // The consumer's CPUs: the resources of the kind its receive driver runs on (the VM's vCPUs,
  // or the host's cores for native and jail paths).
  const sink = (p.rx ?? []).find((e) => e.kind === "sink" && (e as { interrupts?: boolean }).interrupts);
  const kind = sink ? p.resources.find((r) => r.name === sink.on)?.kind : undefined;
  const consumerCpus = kind ? p.resources.filter((r) => r.kind === kind).length : undefined;
  return {
    ...(consumerCpus ? { consumerCpus } : {}),
    name: p.name,
    summary: p.summary,
    consumer: "host",
    usesVf: p.nic.pool !== "pf",
    elements: p.rx,
    tx: p.tx ?? [],
  };
}
