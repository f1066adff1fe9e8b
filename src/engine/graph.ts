// Builds a path graph for one simulation: a host from the iovctl.conf (VFs through the control
// plane), the NIC switch programmed from its VF records, rings and element contexts laid out in
// one shared memory (src/paths/prepare.ts preparePath + src/paths/build.ts), the kernels, the
// resources and links, and every element's runtime from the registry. Generic: no kind switch.
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { UserError } from "../errors.ts";
import type { Costs } from "../model/costs.ts";
import { vfTxShaping } from "../model/vf-rate.ts";
import { STANDARD_MTU } from "../nic/frames.ts";
import type { HostSpec } from "../nic/host-spec.ts";
import { getProfile } from "../nic/profile.ts";
import type { BuiltPath } from "../paths/build.ts";
import { type PathFrames, pathFrames } from "../paths/frames.ts";
import type { PathKernels } from "../paths/kernels.ts";
import type { EngineElement, EnginePath } from "../paths/path-graphs.ts";
import { layoutGraph } from "../paths/path-graphs.ts";
import { VLAN_TAG_BYTES, wireVlanOf } from "../paths/port-vlan.ts";
import { type NicChoice, type PathMemory, preparePath } from "../paths/prepare.ts";
import {
  cachedPathHost,
  linkGbpsOf,
  type PathConfig,
  type PathHost,
  portOf,
  vfSettingsOf,
} from "../paths/setup.ts";
import { instantiateKernels, type KernelInstance, loadModuleSync } from "../switch/wasm.ts";
import {
  averageSize,
  buildTemplates,
  defaultProfile,
  type TemplateSet,
  type TrafficProfile,
} from "../traffic/profiles.ts";
import type { ReplaySpec } from "../traffic/replay.ts";
import { ACK_FRAME_BYTES, ClosedLoop } from "./application.ts";
import type { SimContext } from "./context.ts";
import type { ElementRuntime } from "./elements/common.ts";
import { shaperResourceName, VfShaper } from "./elements/vf-shaper.ts";
import type { FaultSpec } from "./faults.ts";
import { preparedLayout } from "./layout-cache.ts";
import { wireLineRates } from "./line-rate.ts";
import { Link, type Notify } from "./link.ts";
import { EventQueue } from "./queue.ts";
import { elementKind } from "./registry.ts";
import { REPLAY_TRACE_CAPACITY, replayNic, replayTemplateSet } from "./replay.ts";
import { isClocked, Resource } from "./resource.ts";
import { threadEngine } from "./warm.ts";

/** The host on the wire (the peer that sends to and receives from the consumer). */
export const WIRE_PEER_MAC = "02:00:00:00:ff:01";
/** The whole-PF passthrough path's port (src/paths/setup.ts decides which port a path uses). */
export { SECOND_PORT } from "../paths/setup.ts";

export interface GraphOptions {
  path: EnginePath;
  elements: Array<{ dir: "rx" | "tx"; el: EngineElement }>;
  traffic: TrafficProfile;
  /** Templates of the transmit direction (default: from `traffic` with the consumer as source). */
  txTemplates?: TemplateSet;
  costs: Costs;
  ratePps: number;
  poisson: boolean;
  offerUntilNs: number;
  warmupNs: number;
  count: number;
  seed: number;
  linkGbps?: number;
  config?: PathConfig;
  /** The simulated host (default: the embedded one). */
  host?: HostSpec;
  /** VFs already created on a host (e.g. through Linux sysfs and `ip link`) instead of `config`. */
  pathHost?: PathHost;
  /** One receive queue on the consumer's pool (ping: one flow); default: the pool's num-queues, RSS. */
  singleQueue?: boolean;
  /** The consumer's sender sleeps between frames (ping(8)); default: it busy-waits for them. */
  senderSleeps?: boolean;
  /** Lay the graph out in this memory (a partition's thread rebuilds the same bytes there). */
  memory?: WebAssembly.Memory;
  /** Replay a capture from the wire instead of generating frames. */
  replay?: ReplaySpec;
  /** Faults injected into the run (sink-stall, generator-overrun). */
  faults?: readonly FaultSpec[];
  /** An application behind each consumer on a CPU (ScenarioSpec.application). */
  application?: boolean;
  /** Closed loop: frames sent and not yet read (ScenarioSpec.window). */
  window?: number;
  /** Closed loop: frames per ACK sent through the transmit direction (0: no ACK frames). */
  ackEvery?: number;
  /** The MTU every interface of the path runs at (paths --mtu); default 1500. */
  mtu?: number;
}

export interface BuiltGraph {
  ctx: SimContext;
  runtimes: ElementRuntime[];
  specs: EngineElement[];
  templates: TemplateSet;
}

/** This thread's instance on each memory given (a partitioned runner's, which lays out run
 *  after run in the same memory), and how many runs it has laid out there. */
const givenEngines = new WeakMap<WebAssembly.Memory, { kernels: KernelInstance; uses: number }>();

/** The memory and kernels a run lays its graph out in: this thread's warm engine
 *  (src/engine/warm.ts), or a memory given (a partition's thread rebuilds the same bytes there)
 *  with an instance of its own, kept for the next run in that memory: a later run there is warm
 *  by the warm engine's rules (regions zeroed as laid out, a kept layout written back; frames
 *  written before they are read). One compiled module per process. */
function engineMemory(shared?: WebAssembly.Memory): PathMemory & { kernels: KernelInstance; k: PathKernels } {
  if (shared) {
    const module = loadModuleSync();
    let e = givenEngines.get(shared);
    if (!e) {
      e = { kernels: instantiateKernels(module, shared), uses: 0 };
      givenEngines.set(shared, e);
    }
    const warm = e.uses++ > 0;
    return {
      memory: shared,
      module,
      heapBase: e.kernels.heapBase,
      kernels: e.kernels,
      k: e.kernels.exports as unknown as PathKernels,
      warm,
    };
  }
  const e = threadEngine();
  const warm = e.uses++ > 0;
  return { memory: e.memory, module: e.module, heapBase: e.heapBase, kernels: e.instance, k: e.k, warm };
}

function missing(what: string): never {
  throw new UserError("E_CONFIG", `the iovctl.conf creates no ${what}`);
}

/** The NIC binding of a path resolved on a host: switch pool, MACs. */
function bindNic(path: EnginePath, config?: PathConfig, host?: HostSpec, pathHost?: PathHost) {
  const ph = pathHost ?? cachedPathHost(config, host);
  const b = path.nic;
  const port = portOf(ph, b);
  const pf = ph.host.pf(port);
  if (!pf) missing(`port ${port}`);
  const vf = (which: "host-vf" | "ppt-vf") =>
    which === "host-vf"
      ? (ph.jailVf ?? missing("non-passthrough VF for the jail"))
      : (ph.vmVf ?? missing("passthrough VF for the VM"));
  const consumer = b.pool === "pf" ? ("pf" as const) : vf(b.pool).index;
  const poolMac = b.pool === "pf" ? pf.mac : (vf(b.pool).effectiveMac ?? missing("VF MAC"));
  const mac = b.mac === "pool" ? poolMac : b.mac;
  const peer = b.peer ? vf(b.peer) : undefined;
  const nic: NicChoice = {
    pf,
    consumer,
    ...(b.promiscuous ? { promiscuous: true } : {}),
    ...(peer ? { peer: peer.index } : {}),
  };
  // A port-VLAN VF: the wire between the port and its peer carries the VF's tag.
  const wireVlan = wireVlanOf(path, ph);
  // A VF whose link the PF forced down carries nothing: refused here, so no run prints figures
  // for it (paths and ping leave such a path out with a note first: src/cli/commands/paths-host.ts).
  for (const v of [consumer, peer?.index]) {
    if (typeof v !== "number" || vfSettingsOf(ph, v).linkState !== 2) continue;
    throw new UserError("E_CONFIG", vfLinkDownMessage(path.name, ph.pf, v));
  }
  // The consumer's VF transmits through its rate limit, if it has one (src/model/vf-rate.ts).
  const maxTx = typeof consumer === "number" ? vfSettingsOf(ph, consumer).maxTxRateMbps : 0;
  const profile = maxTx > 0 ? getProfile(pf.profile) : undefined;
  const limit = profile ? vfTxShaping(profile, maxTx) : null;
  const linkGbps = linkGbpsOf(pf.profile);
  // A limit at or above the link's speed cannot bind where the frames leave on the wire (a frame
  // costs the limiter no more bytes than the wire): no limiter, so it is never the one named
  // saturated at line rate. Looped back inside the NIC (a peer VF) the wire does not cap them.
  const shaping = limit && (peer || limit.programmedMbps < linkGbps * 1000) ? limit : null;
  return {
    ...(shaping ? { shaping: { vf: consumer as number, ...shaping } } : {}),
    nic,
    mac,
    peerMac: peer?.effectiveMac ?? WIRE_PEER_MAC,
    // The wire of the port the path crosses: that port's NIC profile's speed.
    linkGbps,
    ...(wireVlan ? { wireVlan } : {}),
  };
}

/** The path's frame sizes (src/paths/frames.ts): the receive buffers of the pool the NIC writes
 *  (and of a looped-back peer's), driven by the guest's OS where the pool is assigned to a VM,
 *  else the host's; the transmit segments of the consumer's side. */
function framesOfPath(path: EnginePath, costs: Costs, profileId: string, mtu: number): PathFrames {
  const p = getProfile(profileId);
  if (!p) throw new Error(`no NIC profile '${profileId}'`);
  const side = (assigned: boolean) => costs.os[assigned ? "guest" : "host"];
  const nic = path.nic;
  return pathFrames(
    p,
    mtu,
    { os: side(nic.assigned), fn: nic.pool === "pf" ? "pf" : "vf" },
    nic.peer ? { os: side(nic.peerAssigned ?? false), fn: "vf" } : undefined,
    side(nic.assigned),
    costs.os.guest,
  );
}

export function buildGraph(o: GraphOptions): BuiltGraph {
  const eng = engineMemory(o.memory);
  const bound = bindNic(o.path, o.config, o.host, o.pathHost);
  const linkGbps = o.linkGbps ?? bound.linkGbps;
  const frames = framesOfPath(o.path, o.costs, bound.nic.pf.profile, o.mtu ?? STANDARD_MTU);
  // Unicast goes to the path's consumer; a group address (broadcast, multicast) is kept.
  const group = (Number.parseInt(o.traffic.dstMac.slice(0, 2), 16) & 1) === 1;
  // The peer on the wire sends in the consumer VF's port VLAN (a tag given in the traffic puts
  // it in another VLAN, null untagged); the consumer itself sends untagged, the NIC tags.
  const wireVlan = o.traffic.vlan === undefined ? bound.wireVlan : o.traffic.vlan;
  const { vlan: _consumerSendsUntagged, ...consumerTraffic } = o.traffic;
  const traffic = defaultProfile({
    ...o.traffic,
    dstMac: group ? o.traffic.dstMac : bound.mac,
    srcMac: WIRE_PEER_MAC,
    seed: o.seed,
    ...(wireVlan ? { vlan: wireVlan } : {}),
  });
  // A closed loop's transmit direction carries the receiver's ACKs: pure ACK frames.
  const acking = (o.ackEvery ?? 0) > 0;
  const txTraffic = defaultProfile({
    ...consumerTraffic,
    ...(acking ? { sizes: { kind: "fixed" as const, size: ACK_FRAME_BYTES } } : {}),
    srcMac: bound.mac,
    dstMac: bound.peerMac,
    seed: o.seed + 1,
  });
  // A replayed capture is the generator's traffic in its direction: from the wire (rx: the
  // consumer's MAC is the one destinations are rewritten to) or from the consumer (tx).
  const replayTx = o.replay !== undefined && o.elements.some((e) => e.dir === "tx");
  // A run that replays a capture programs extra switch state (promiscuous ports, a trace):
  // laid out afresh. Otherwise the layout depends on nothing but these (src/engine/layout-cache.ts).
  const graph = layoutGraph(o.path);
  const key =
    eng.warm !== undefined && !o.replay && !o.txTemplates
      ? JSON.stringify([
          graph, // the whole layout graph, not its name: a test's own path may share a name
          o.elements,
          traffic,
          txTraffic,
          o.costs.c.itr_us,
          o.costs.c.virtio_event_idx,
          o.singleQueue ?? false,
          bound.nic, // the PF record (its VFs, MACs, queues), the consumer and peer pools
          frames, // the MTU and the drivers' buffers (pool limits, ring slots)
        ])
      : null;
  const { built, extra } = preparedLayout(key, eng.memory, () => {
    const templates = o.replay && !replayTx ? replayTemplateSet(o.replay, bound) : buildTemplates(traffic);
    // The transmit direction's frames on the wire: the consumer's own (a closed loop's ACKs),
    // which the NIC tags with the port VLAN; the wire caps them at their own size's line rate.
    const txWireBytes = averageSize(buildTemplates(txTraffic)) + (bound.wireVlan ? VLAN_TAG_BYTES : 0);
    if (o.replay && !replayTx)
      Object.assign(bound.nic, replayNic(o.replay, bound, o.config ?? { file: "iovctl.conf" }), {
        traceCapacity: REPLAY_TRACE_CAPACITY,
      });
    const { built } = preparePath(eng, graph, {
      traffic,
      txTraffic,
      ...(o.replay && replayTx ? { txTemplates: replayTemplateSet(o.replay, bound) } : {}),
      templates,
      elements: o.elements,
      itrUs: o.costs.c.itr_us,
      nic: bound.nic,
      singleQueue: o.singleQueue ?? false,
      eventIdx: o.costs.c.virtio_event_idx === 1,
      frames,
    });
    // The engine's clock words, zeroed here and kept with the layout's bytes.
    built.layout.addRegion("engine:clocks", 64 * 8, 64);
    return { built, extra: { templates, txWireBytes } };
  });
  const { templates, txWireBytes } = extra;
  if (o.txTemplates) throw new Error("txTemplates: not supported yet");
  const k = eng.k;
  if (built.nic && k.init(built.layout.header) !== 0)
    throw new Error("switch kernels refused the layout header");
  const q = new EventQueue();
  const clocks = built.layout.region("engine:clocks").offset;
  // Views after the last region (a grown memory detaches older views).
  const u32 = new Uint32Array(eng.memory.buffer);
  const u16 = new Uint16Array(eng.memory.buffer);
  const resources = new Map<string, Resource>();
  for (const r of o.path.resources)
    resources.set(r.name, new Resource(r.name, r.kind, isClocked(r.kind) ? o.costs.c.cpu_ghz : 1));
  const schedule = (t: number, n: Notify) => q.push(t, n);
  const links = new Map<string, Link>();
  let nClocks = 0;
  const link = (name: string): Link => {
    const have = links.get(name);
    if (have) return have;
    const l = makeLink(built, u32, u16, name, schedule, o.path.name);
    links.set(name, l);
    return l;
  };
  const ctx: SimContext = {
    q,
    k,
    mem: eng.memory,
    u32,
    u16,
    costs: o.costs,
    built,
    path: o.path,
    resources,
    link,
    events: { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 },
    offerUntilNs: o.offerUntilNs,
    warmupNs: o.warmupNs,
    linkGbps,
    frames,
    clockWord: () => {
      if (nClocks >= 64) throw new Error("more than 64 consumer clocks");
      return clocks + 8 * nClocks++;
    },
    count: o.count,
    ratePps: o.ratePps,
    // Each direction's senders at most at its wire's line rate (src/engine/line-rate.ts); a
    // capture keeps its own pacing (the paths command caps it).
    lineRatePps: o.replay
      ? {}
      : wireLineRates(o.path, o.elements, { rx: averageSize(templates), tx: txWireBytes }, linkGbps),
    poisson: o.poisson,
    seed: (name: string) => {
      let h = (o.seed ^ 0x9e3779b9) >>> 0;
      for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
      return h;
    },
    notes: [],
    ...(o.faults && o.faults.length > 0 ? { faults: o.faults } : {}),
    ...(o.senderSleeps ? { senderSleeps: true } : {}),
    ...(o.application ? { application: true } : {}),
    ...(o.window ? { closedLoop: closedLoopOf(o) } : {}),
  };
  // The VF's transmit limiter, where this run's frames leave through its NIC queue (veb-tx).
  if (bound.shaping && o.elements.some((e) => e.el.kind === "veb-tx")) {
    const name = shaperResourceName(bound.shaping.vf);
    const res = new Resource(name, "shaper", 1);
    resources.set(name, res);
    ctx.vfTxShaper = new VfShaper(ctx, bound.shaping, res);
  }
  const runtimes = o.elements.map(({ el }) => elementKind(el.kind).create(el, ctx));
  return { ctx, runtimes, specs: o.elements.map((e) => e.el), templates };
}

/** The closed loop of a run, with the transmit direction's generator and wire peer as the
 *  receiver's ACK sender and the sender's ACK receiver when it acknowledges. */
function closedLoopOf(o: GraphOptions): ClosedLoop {
  const every = o.ackEvery ?? 0;
  if (every === 0) return new ClosedLoop(o.window as number);
  const tx = o.elements.filter((e) => e.dir === "tx").map((e) => e.el);
  const gen = tx.find((e) => e.kind === "gen");
  const sink = tx.find((e) => e.kind === "sink");
  if (!gen || !sink) throw new Error(`path ${o.path.name}: no transmit direction for the ACKs`);
  return new ClosedLoop(o.window as number, every, gen.name, sink.name);
}

/** A link by name: a ring the layout made, or a virtqueue's used/avail index ("vq0.used"). */
function makeLink(
  built: BuiltPath,
  u32: Uint32Array,
  u16: Uint16Array,
  name: string,
  schedule: (t: number, n: Notify) => void,
  path: string,
): Link {
  const ring = built.links.get(name);
  if (ring !== undefined) return Link.ring(name, u32, ring, schedule);
  // Receive queue q >= 1 of the consumer's pool (RSS): "<queue 0 link>/q<q>".
  const q = /^(.+)\/q(\d+)$/.exec(name);
  const qRing = q && built.links.has(q[1]) ? built.queueRings[Number(q[2]) - 1] : undefined;
  if (qRing !== undefined) return Link.ring(name, u32, qRing, schedule);
  const m = /^(.+)\.(used|avail)$/.exec(name);
  const vq = m ? built.ctx.get(m[1]) : undefined;
  if (m && vq !== undefined) {
    const idxAddr = u32[(vq + (m[2] === "used" ? P.V_USED : P.V_AVAIL)) >>> 2] + 2;
    const own = (vq + (m[2] === "used" ? P.V_LAST_USED : P.V_LAST_AVAIL)) >>> 2;
    return new Link(
      name,
      u32,
      () => u16[idxAddr >>> 1],
      () => u32[own] & 0xffff,
      65536,
      schedule,
    );
  }
  throw new Error(`path ${path}: no link named ${name}`);
}

/**
 * A one-thread run: the switch frees a generator's buffers straight onto that generator's free
 * stack (SO_STACK) instead of its return ring (assembly/abi.ts SS_OWNERS), saving the ring's
 * writes and the generator's drain. Only where every element runs on the calling thread: a
 * partitioned run keeps the rings between its threads.
 */
export function returnBuffersOnThisThread(g: BuiltGraph): void {
  const { ctx } = g;
  const sw = ctx.built.nic?.sw;
  if (!sw) return;
  const u32 = ctx.u32;
  const st = sw.sl.switchState;
  const owners = u32[(st + A.SS_NOWNERS) >>> 2];
  for (let k = 0; k < owners; k++) {
    const e = st + A.SS_OWNERS + k * A.SS_OWNER_BYTES;
    const ring = u32[(e + A.SO_RING) >>> 2];
    for (const name of ctx.built.gens) {
      const gen = ctx.built.ctx.get(name);
      if (gen === undefined) continue;
      const rets = u32[(gen + P.G_NRET) >>> 2];
      for (let i = 0; i < rets; i++)
        if (u32[(gen + P.G_RET0 + 4 * i) >>> 2] === ring)
          u32[(e + A.SO_STACK) >>> 2] = u32[(gen + P.G_FREE) >>> 2];
    }
  }
}

/** Why a path through a VF whose link is forced down carries nothing, and how to restore it. */
export function vfLinkDownMessage(path: string, pf: string, vf: number): string {
  return `path '${path}' goes through VF ${vf} of ${pf}, whose link is forced down (ip link set ${pf} vf ${vf} state disable): the VF's driver has no carrier and the path carries nothing; restore it with iovsim ip link set ${pf} vf ${vf} state auto (or enable)`;
}
