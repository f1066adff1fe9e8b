// Prepares a path in the engine's shared memory: programs the NIC switch from the PF's VF
// records (the consumer's pool, its receive queues, promiscuous mode behind a bridge), then lays
// out the rings and element contexts (src/paths/build.ts).
import * as A from "../../assembly/abi.ts";
import { descriptorsFor, STANDARD_MTU } from "../nic/frames.ts";
import type { PfRecord } from "../nic/types.ts";
import type { SwitchConfig } from "../switch/config.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { programSwitch, setPoolMtu } from "../switch/program.ts";
import type { KernelInstance } from "../switch/wasm.ts";
import { buildTemplates, type TemplateSet, type TrafficProfile } from "../traffic/profiles.ts";
import {
  type BuiltPath,
  buildPath,
  clearPathMemory,
  type Dir,
  type Direction,
  type ElementSpec,
  elementsFor,
  notePathMemory,
  type PathGraph,
} from "./build.ts";
import type { PathFrames } from "./frames.ts";

/** The shared memory a path is laid out in, with the compiled module and where the heap starts. */
export interface PathMemory {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  heapBase: number;
  /** An instance on `memory` the switch programs through (default: a new one). */
  kernels?: KernelInstance;
  /** The memory held a previous layout (a thread's warm engine, src/engine/warm.ts): regions
   *  are zeroed as they are laid out, and the frame buffers are not cleared (every frame is
   *  written before it is read). Default: clear what a previous layout here used. */
  warm?: boolean;
}

/** The consumer's switch pool: the VF with this index or the PF pool ("pf"), on this PF. */
export interface NicChoice {
  pf: PfRecord;
  consumer: number | "pf";
  promiscuous?: boolean;
  peer?: number | "pf";
  /** Last changes to the programmed switch (replay: --promisc PORT). */
  configure?: (config: SwitchConfig) => void;
  /** Keep a per-frame trace of this many records (replay: copies' arrival times). */
  traceCapacity?: number;
}

export interface PrepareOptions {
  traffic: TrafficProfile;
  /** rx (default): the wire sends to the consumer; tx: the consumer sends; both at once. */
  direction?: Direction;
  /** The transmit direction's traffic (source: the consumer's MAC; destination: the peer's). */
  txTraffic?: TrafficProfile;
  /** Lay out these direction-tagged elements instead of the graph's. */
  elements?: Array<{ dir: Dir; el: ElementSpec }>;
  /** Replay these templates instead of building them from `traffic` (pcap replay). */
  templates?: TemplateSet;
  /** The transmit direction's templates instead of building them from `txTraffic` (tx replay). */
  txTemplates?: TemplateSet;
  /** Interrupt moderation interval in simulator µs (from the cost profile). */
  itrUs: number;
  eventIdx?: boolean;
  /** Use the NIC's embedded switch programmed from this PF's VFs. Without it, a MAC-table
   *  demultiplexer stands in. */
  nic?: NicChoice;
  /** Force one receive queue on the consumer's pool (ping: one exchange, one queue). */
  singleQueue?: boolean;
  /** The path's MTU and its drivers' buffers (default: MTU 1500, 2 KiB buffers). */
  frames?: PathFrames;
}

/** The longest frame of a template set as DMA'd (no FCS), less a tag the NIC strips. */
function longest(t: TemplateSet | undefined, stripped: number): number {
  return t ? Math.max(0, ...t.templates.map((x) => x.bytes.length)) - stripped : 0;
}

/**
 * A NIC ring of N descriptors holds N / k frames that take k descriptors each: the limits of the
 * consumer pool's receive rings (and a looped-back peer's ring), and of its transmit ring, are
 * set in frames from the run's longest frame (every frame of a fixed size takes the same k; a
 * mix is held to its longest). k is 1 for every frame up to 1518 bytes, so those rings keep
 * their limits.
 */
function ringSlots(
  sw: WasmSwitch,
  pool: number,
  peerPool: number | undefined,
  f: PathFrames,
  rx: TemplateSet,
  tx: TemplateSet | undefined,
  stripped: number,
): number {
  const u32 = sw.layout.u32();
  const scale = (r: { offset: number; limit: number }, k: number) => {
    if (k <= 1) return;
    r.limit = Math.max(1, Math.floor(r.limit / k));
    u32[(r.offset + A.R_LIMIT) >>> 2] = r.limit;
  };
  const kRx = descriptorsFor(longest(rx, stripped), f.rxBuffer);
  for (const r of sw.sl.rxRings[pool]) scale(r, kRx);
  if (peerPool !== undefined)
    scale(sw.sl.rxRings[peerPool][0], descriptorsFor(longest(tx ?? rx, 0), f.peerRxBuffer));
  const kTx = descriptorsFor(longest(tx ?? rx, 0), f.txSegment);
  scale(sw.sl.txRings[pool][0], kTx);
  return kTx;
}

/** Lays out a path (the NIC switch programmed from the PF, rings, element contexts). */
export function preparePath(
  engine: PathMemory,
  graph: PathGraph,
  o: PrepareOptions,
): { built: BuiltPath; templates: TemplateSet; direction: Direction } {
  const direction = o.direction ?? "rx";
  const templates = o.templates ?? buildTemplates(o.traffic);
  const txTemplates = o.txTemplates ?? (o.txTraffic ? buildTemplates(o.txTraffic) : undefined);
  const elements = o.elements ?? elementsFor(graph, direction);
  const psPerByte = 8000 / o.traffic.rateGbps;
  let nic:
    | { sw: WasmSwitch; pool: number; peerPool?: number; rxQueues?: number; txDescsPerFrame?: number }
    | undefined;
  let rxQueues = 1;
  if (o.nic) {
    if (!engine.warm) clearPathMemory(engine.memory, engine.heapBase);
    const config = programSwitch(o.nic.pf);
    const pool = config.pools.findIndex((p) =>
      o.nic!.consumer === "pf" ? p.kind === "pf" : p.vf === o.nic!.consumer,
    );
    if (pool < 0) throw new Error(`paths: no switch pool for consumer ${o.nic.consumer} on ${o.nic.pf.name}`);
    const peer = o.nic.peer;
    const peerPool =
      peer === undefined
        ? undefined
        : config.pools.findIndex((p) => (peer === "pf" ? p.kind === "pf" : p.vf === peer));
    if (peerPool !== undefined && peerPool < 0) throw new Error(`paths: no switch pool for peer ${peer}`);
    // RLPML only matters with long-packet enable; without it, keep buffers at 2 KiB (a 16 KiB
    // stride puts every frame in the same cache sets).
    for (const p of config.pools) if (!p.flags.lpe) p.rlpml = Math.min(p.rlpml, 1522);
    // The consumer's driver uses one queue pair, so one receive ring carries the whole path.
    // num-queues: where the switch hands frames straight to the consumer's driver (native,
    // jail-vf, vm-vf, passthrough), RSS spreads them over the pool's queues as configured and one
    // sink per queue drains them. Where a host driver hands them on to a bridge (virtio,
    // jail-epair) and for a loopback peer, one queue pair carries the path (docs/paths.md).
    const rx = elements.filter((e) => e.dir === "rx").map((e) => e.el);
    const veb = rx.find((e) => e.kind === "veb");
    const direct = veb?.kind === "veb" && rx.some((e) => e.kind === "sink" && e.in === veb.out);
    const keep = direct && !o.singleQueue ? [pool] : [];
    for (const p of [pool, ...(peerPool !== undefined ? [peerPool] : [])]) {
      if (keep.includes(p)) continue;
      config.pools[p].numRxQueues = 1;
      config.pools[p].reta = config.pools[p].reta.map(() => 0);
    }
    // A driver uses at most one queue per CPU it runs on (FreeBSD iflib_msix_init caps the
    // queues at the CPUs of the interface; Linux iavf at num_online_cpus()): a 1-vCPU guest
    // drains one queue, whatever num-queues reserved. Its RETA then maps every hash to those.
    const cpus = graph.consumerCpus;
    if (cpus !== undefined && config.pools[pool].numRxQueues > cpus) {
      config.pools[pool].numRxQueues = cpus;
      config.pools[pool].reta = config.pools[pool].reta.map((q) => q % cpus);
    }
    rxQueues = config.pools[pool].numRxQueues;
    if (o.nic.promiscuous) {
      // if_bridge puts its member interfaces in promiscuous mode: frames for MACs behind the
      // bridge (the VM's virtio NIC, the jail's epair) reach the PF's pool.
      config.port.unicastPromisc = true;
      config.pools[pool].flags.upe = true;
    }
    // The drivers' MTU (paths --mtu): above 1500 each asks its pool for long packets (LPE,
    // RLPML = MTU + 18), as ifconfig/ip link set mtu make iavf, ixv and the PF drivers do.
    const mtu = o.frames?.mtu ?? STANDARD_MTU;
    if (mtu > STANDARD_MTU) for (const p of [pool, peerPool]) if (p !== undefined) setPoolMtu(config, p, mtu);
    // The engine's rings carry one entry per frame (the switch writes a frame as one descriptor):
    // the descriptors a frame takes on the NIC are counted apart, from the drivers' buffers
    // (ring slots below, PCIe in the veb elements).
    config.port.rxBufferSize = Math.max(config.port.rxBufferSize, config.port.txMaxFrame);
    o.nic.configure?.(config);
    const sw = new WasmSwitch(config, {
      memory: engine.memory,
      module: engine.module,
      ...(engine.kernels ? { kernels: engine.kernels } : {}),
      ...(o.nic.traceCapacity ? { traceCapacity: o.nic.traceCapacity } : {}),
    });
    notePathMemory(engine.memory, sw.layout.end);
    const txDescsPerFrame = o.frames
      ? ringSlots(sw, pool, peerPool, o.frames, templates, txTemplates, o.traffic.vlan ? 4 : 0)
      : 1;
    nic = { sw, pool, peerPool, rxQueues, ...(txDescsPerFrame > 1 ? { txDescsPerFrame } : {}) };
  }
  const built = buildPath(engine.memory, engine.heapBase, graph, {
    elements,
    nic,
    templates,
    txTemplates,
    psPerByte,
    count: o.traffic.count,
    seed: o.traffic.seed,
    itrNs: Math.round(o.itrUs * 1000),
    consumerMac: o.traffic.dstMac,
    wirePeerMac: o.traffic.srcMac,
    eventIdx: o.eventIdx ?? true,
    ...(o.frames ? { guestBuffer: o.frames.guestBuffer } : {}),
  });
  return { built, templates, direction };
}
