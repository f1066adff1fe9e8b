// One steering simulation: a strategy graph (src/steering/strategies.ts) on a traffic mix at one
// offered load, in virtual time on real frames. The VFs are created through the control plane
// (iovctl.conf on the NIC's port, src/steering/nic.ts), the Wasm switch is programmed from them and decides pool and queue on
// the bytes; the engine's resources, links and NAPI/ITR activation time the wire, the NIC
// pipeline, the PCIe link and every core from the cost profile. Synchronous and deterministic.
import * as A from "../../assembly/abi.ts";
import type { SimContext } from "../engine/context.ts";
import {
  type FaultRecord,
  type FaultSpec,
  faultText,
  faultWindow,
  WorkerExitFault,
} from "../engine/faults.ts";
import { Link } from "../engine/link.ts";
import { EventQueue } from "../engine/queue.ts";
import { isClocked, Resource } from "../engine/resource.ts";
import { warmSwitchMemory } from "../engine/warm.ts";
import { UserError } from "../errors.ts";
import { type Costs, loadCosts } from "../model/costs.ts";
import { hwLimits, pcieRxBits, switchNs, writeBackOf } from "../model/hw-limits.ts";
import { getProfile } from "../nic/profile.ts";
import { cachedSetupHost } from "../paths/setup.ts";
import { HEADROOM, WasmSwitch } from "../switch/nic.ts";
import { defaultReta, programSwitch } from "../switch/program.ts";
import { parseFrame } from "../switch/reference/parse.ts";
import { RSS_ALL_TYPES } from "../switch/reference/rss.ts";
import { loadModuleSync } from "../switch/wasm.ts";
import type { SteerContext, SteeringKernels } from "./context.ts";
import { addDispatchContext } from "./dispatcher.ts";
import { steeringKind } from "./elements.ts";
import { jain, maxOverMean } from "./fairness.ts";
import { MATCH_DROP, matchRules } from "./flow-rules.ts";
import { type SteeringNic, steeringNic } from "./nic.ts";
import type { SteeringGraph } from "./strategies.ts";
import { symmetricHash } from "./symmetric.ts";
import { flowCount, flowOfFrame, flowSequence, type SteeringTraffic } from "./traffic.ts";

export interface SteeringScenario {
  graph: SteeringGraph;
  traffic: SteeringTraffic;
  /** Offered frames per second of virtual time (the wire caps it at line rate). */
  ratePps: number;
  /** Frames offered. */
  frames: number;
  seed: number;
  /** Cost profile name or a loaded profile. */
  profile: string | Costs;
  /** Link rate (Gbit/s); default the port's. */
  linkGbps?: number;
  /** Frames at the start whose latency is not measured (default 10 %). */
  warmupFrames?: number;
  /** Injected faults (src/engine/faults.ts), timed in the offered window (frames / rate). */
  faults?: FaultSpec[];
}

export interface SteeringSim {
  offered: number;
  delivered: number;
  /** Frames delivered per core. */
  perQueue: number[];
  jain: number;
  maxOverMean: number;
  /**
   * Busy time / offered window of the most utilized resource other than the wire. At 1 it
   * cannot keep up: a short trial may still hold the backlog in its rings at the end, but it
   * is loss deferred (the NDR search counts it as a failure).
   */
  maxUtil: number;
  /** Frames that arrived after a later frame of their own flow. */
  reordered: number;
  /** Flows (that were offered) matched by a flow rule / left to RSS (flow-rules only); with
   *  rules, `dropped`: those of `matched` a drop rule matched. */
  ruleFlows: { matched: number; fallback: number; dropped?: number };
  /** Conversations (flow pairs) whose two directions were handled by different cores. */
  splitPairs: number;
  drops: Record<string, number>;
  /** 1 - delivered / frames the rules and the NIC's filters let through (their drops are not loss);
   *  1 when the NIC's filters let none through (allFiltered). */
  lossRatio: number;
  /** The NIC's filters dropped every frame the rules did not: no load reached a core, so no
   *  trial of this traffic measures anything (not a lossless one: no NDR). */
  allFiltered: boolean;
  /** min exact (the smallest measured; 0 with none), percentiles nearest-rank. */
  latencyUs: { p50: number; p99: number; min: number };
  offeredMpps: number;
  deliveredMpps: number;
  /** Layer-1 Gbit/s on the wire (frames + preamble + IFG). */
  wireGbps: number;
  linkGbps: number;
  meanFrameBytes: number;
  utilization: {
    busiestCore: number;
    busiestCoreName: string;
    dispatcher: number | null;
    nic: number;
    wire: number;
  };
  bottleneck: string;
  virtualNs: number;
  conservation: { ok: boolean; inFlight: number; problems: string[] };
  /** Injected faults and what each did (absent when none). */
  faults?: FaultRecord[];
  simulator: { frames: number; events: number; wall_ms: number };
}

/** The drops entry of frames a flow rule's drop action discarded (configured, not loss). */
export const RULE_DROP = "flow-rule drop";

const RX_RING = 1024;
const WORKER_RING = 1024;
const DRAIN_NS = 50_000_000;
const STD_MAX_FRAME_FCS = 1522;

function iovConf(g: SteeringGraph, nic: SteeringNic): string {
  // A VF's queue count is a parameter where the driver has one (ixl, ice: num-queues); ix and igb
  // give every VF its pool mode's queues, and the VF's RSS spreads over those it uses (below).
  const numQueues = nic.profile.schema.vf.some((p) => p.name === "num-queues");
  const lines = [
    "PF {",
    `\tdevice : "${nic.port}";`,
    `\tnum_vfs : ${g.vfs.length};`,
    "}",
    "",
    "DEFAULT {",
    "\tpassthrough : false;",
    "}",
    "",
  ];
  for (const [i, v] of g.vfs.entries())
    lines.push(
      `VF-${i} {`,
      `\tmac-addr : "${v.mac}";`,
      ...(numQueues ? [`\tnum-queues : ${v.queues};`] : []),
      "}",
      "",
    );
  return lines.join("\n");
}

function setMac(frame: Uint8Array, mac: string): Uint8Array {
  const out = Uint8Array.from(frame);
  mac.split(":").forEach((h, i) => {
    out[i] = Number.parseInt(h, 16);
  });
  return out;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!;
}

export function simulateSteering(s: SteeringScenario): SteeringSim {
  const t0 = performance.now();
  const g = s.graph;
  if (!(s.ratePps > 0)) throw new UserError("E_USAGE", `rate must be > 0 frames/s (got ${s.ratePps})`);
  if (!Number.isInteger(s.frames) || s.frames < 1)
    throw new UserError("E_USAGE", `frames must be >= 1 (got ${s.frames})`);
  const costs = typeof s.profile === "string" ? loadCosts(s.profile) : s.profile;
  // The NIC: VFs through the control plane, the switch programmed from the PF record.
  const nic = steeringNic(g.nic);
  const host = cachedSetupHost(iovConf(g, nic), "steering.conf", nic.hostSpec);
  const pf = host.host.pf(host.pf);
  if (!pf) throw new Error(`steering: PF ${host.pf} vanished`);
  const nicProfile = getProfile(pf.profile);
  if (!nicProfile) throw new Error(`steering: no NIC profile '${pf.profile}'`);
  const hw = hwLimits(nicProfile);
  // The PF's receive rings, driven by the host (RSS spreads the flows over the PF's queues).
  const wb = writeBackOf(nicProfile, costs.os.host, "pf");
  const linkGbps = s.linkGbps ?? host.linkGbps;
  const config = programSwitch(pf, { rssLevel: g.rssLevel, ringSize: RX_RING, pfQueues: 1 });
  // A VF whose pool has more queues than the graph uses (an 82599 pool mode's 4, one used by
  // mac-vf): its RSS spreads over the queues it uses, as the VF driver configures it (the same
  // table as before where the VF has exactly its queues: ixl, ice).
  g.vfs.forEach((v, i) => {
    const pool = config.pools[i];
    if (pool && pool.kind === "vf" && pool.numRxQueues !== v.queues)
      pool.reta = defaultReta(pool.reta.length, v.queues);
  });
  config.port.maxFrame = STD_MAX_FRAME_FCS;
  config.port.txMaxFrame = STD_MAX_FRAME_FCS;
  // Laid out in this thread's warm memory (src/engine/warm.ts): no new memory per simulation.
  const sw = new WasmSwitch(config, { module: loadModuleSync(), wireRingSize: 1024, ...warmSwitchMemory() });
  const k = sw.kernels as unknown as SteeringKernels;
  // Rings of the graph's links: the NIC's queues, the wire, and software rings (dispatcher -> workers).
  const ringOf = new Map<string, { offset: number; id: number }>();
  ringOf.set("wire", { offset: sw.sl.wireIn.offset, id: sw.sl.wireIn.id });
  g.queues.forEach((q, i) => {
    const r = sw.sl.rxRings[q.vf]![q.queue]!;
    ringOf.set(`q${i}`, { offset: r.offset, id: r.id });
  });
  const dispatchCtx = new Map<string, number>();
  for (const el of g.elements) {
    if (el.kind !== "dispatcher") continue;
    const outs = el.out!.map((name, w) => {
      const r = sw.layout.addRing(`dispatch:${name}`, WORKER_RING, A.RING_KIND_OTHER, g.queues[0]!.vf, w);
      ringOf.set(name, { offset: r.offset, id: r.id });
      return r.offset;
    });
    const pool = g.queues[0]!.vf;
    dispatchCtx.set(
      el.in!,
      addDispatchContext(sw.layout, `dispatch-ctx:${el.name}`, {
        inRing: ringOf.get(el.in!)!.offset,
        outRings: outs,
        table: sw.sl.toeplitz + pool * A.TOEPLITZ_TABLE_BYTES,
        record: sw.layout.addRegion(`dispatch-parse:${el.name}`, A.PARSE_BYTES, 64).offset,
        spray: el.spray === true,
      }),
    );
  }
  // Views after the last region (a grown memory detaches older views).
  const u32 = new Uint32Array(sw.memory.buffer);
  const u16 = new Uint16Array(sw.memory.buffer);
  const u8 = new Uint8Array(sw.memory.buffer);
  const i32 = new Int32Array(sw.memory.buffer);

  // The offered frames: which of the mix's frames each is (flowOf: one frame per flow, except a
  // capture's flow whose frames differ), its per-flow sequence number, its bytes.
  const t = s.traffic;
  const flowOf = flowSequence(t, s.frames, s.seed);
  const seqOf = new Int32Array(s.frames);
  const nextSeq = new Int32Array(flowCount(t));
  for (let i = 0; i < s.frames; i++) seqOf[i] = nextSeq[flowOfFrame(t, flowOf[i]!)]!++;
  const flowBytes = t.flowFrames.map((f, i) => setMac(f, g.macOfFlow(flowOfFrame(t, i))));
  let bytesSum = 0;
  for (let i = 0; i < s.frames; i++) bytesSum += flowBytes[flowOf[i]!]!.length;

  const q = new EventQueue();
  const resources = new Map<string, Resource>();
  for (const r of g.resources)
    resources.set(r.name, new Resource(r.name, r.kind, isClocked(r.kind) ? costs.c.cpu_ghz : 1));
  const events = { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 };
  const schedule = (at: number, n: (x: number) => void) => q.push(at, n);
  const links = new Map<string, Link>();
  const link = (name: string): Link => {
    let l = links.get(name);
    if (!l) {
      const r = ringOf.get(name);
      if (!r) throw new Error(`steering graph ${g.strategy}: no ring for link ${name}`);
      l = Link.ring(name, u32, r.offset, schedule);
      links.set(name, l);
    }
    return l;
  };
  const resource = (name: string): Resource => {
    const r = resources.get(name);
    if (!r) throw new Error(`steering graph ${g.strategy}: no resource ${name}`);
    return r;
  };
  // The engine's activation classes and interrupt delivery read these fields of its context.
  const sim = {
    q,
    costs,
    events,
    resources,
    path: { name: `steering:${g.strategy}` },
  } as unknown as SimContext;

  const perQueue = new Array<number>(g.cores).fill(0);
  const warm = s.warmupFrames ?? Math.floor(s.frames / 10);
  const lat = new Float64Array(s.frames);
  let nLat = 0;
  let delivered = 0;
  let reordered = 0;
  const lastSeq = new Int32Array(flowCount(t)).fill(-1);
  const coreOfFlow = new Int32Array(t.flowFrames.length).fill(-1);
  const drops: Record<string, number> = {};
  const arrival = new Float64Array(s.frames);
  const frameOfBuf = new Int32Array(sw.sl.params.bufCount).fill(-1);

  // Queue decision per flow for rules / symmetric hashing (same bytes, same decision).
  const pool0 = g.queues[0]!.vf;
  const retaAt = sw.sl.reta[pool0]!;
  const retaMask = u32[(sw.sl.poolCfg + pool0 * A.POOL_CFG_BYTES + A.PC_RETA_MASK) >>> 2]!;
  const reta = Uint8Array.from(u8.subarray(retaAt, retaAt + retaMask + 1));
  const forced = new Int32Array(t.flowFrames.length).fill(-2);
  const ruleHits: SteeringSim["ruleFlows"] =
    g.rules.length > 0 ? { matched: 0, fallback: 0, dropped: 0 } : { matched: 0, fallback: 0 };
  const decide = (flow: number): number => {
    if (forced[flow] !== -2) return forced[flow]!;
    const bytes = flowBytes[flow]!;
    let qn = g.rules.length > 0 ? matchRules(bytes, parseFrame(bytes), g.rules) : -1;
    // A rule matched: a queue, or MATCH_DROP (the NIC discards the frame: no hash picks a
    // queue for it, symmetric or not); -1: no rule, RSS decides.
    if (qn !== -1) ruleHits.matched++;
    else if (g.rules.length > 0) ruleHits.fallback++;
    if (qn === MATCH_DROP) ruleHits.dropped!++;
    if (qn === -1 && g.symmetric)
      qn = reta[symmetricHash(bytes, g.rssLevel, g.symmetric, RSS_ALL_TYPES) & retaMask]!;
    forced[flow] = qn;
    return qn;
  };
  const setReta = (qn: number) => {
    if (qn < 0) u8.set(reta, retaAt);
    else u8.fill(qn, retaAt, retaAt + retaMask + 1);
  };

  const offerNs = (s.frames / s.ratePps) * 1e9;
  const faultStats = { overrunDrops: 0 };
  const ctx: SteerContext = {
    ...(s.faults && s.faults.length > 0 ? { faults: s.faults, offerNs, faultStats } : {}),
    q,
    sim,
    costs,
    graph: g,
    k,
    u32,
    u16,
    resource,
    link,
    ringId: (name) => ringOf.get(name)!.id,
    frameOfBuf,
    arrival,
    count: s.frames,
    ratePps: s.ratePps,
    linkGbps,
    frameBytes: (i) => flowBytes[flowOf[i]!]!.length,
    inject(from, to) {
      const ring = sw.sl.wireIn;
      const fsCount = (sw.free.offset + A.FS_COUNT) >>> 2;
      const fsEntries = (sw.free.offset + A.FS_ENTRIES) >>> 2;
      const room = Math.min(sw.wireIn.free(), u32[fsCount]!, to - from);
      const tailWord = (ring.offset + A.R_TAIL) >>> 2;
      let tail = u32[tailWord]!;
      const mask = ring.capacity - 1;
      const descBase = ring.offset + A.RING_HDR_BYTES;
      const { bufBase, bufStride } = sw.sl;
      for (let i = 0; i < room; i++, tail = (tail + 1) >>> 0) {
        const f = flowBytes[flowOf[from + i]!]!;
        const c = u32[fsCount]! - 1;
        u32[fsCount] = c;
        const buf = u32[fsEntries + c]!;
        frameOfBuf[buf] = from + i;
        u8.set(f, bufBase + buf * bufStride + HEADROOM);
        const d = descBase + (tail & mask) * A.DESC_BYTES;
        u32[(d + A.D_BUF) >>> 2] = buf;
        u16[(d + A.D_OFF) >>> 1] = HEADROOM;
        u16[(d + A.D_LEN) >>> 1] = f.length;
        u32[(d + A.D_HASH) >>> 2] = 0;
        u32[(d + A.D_TCI) >>> 2] = 0;
      }
      Atomics.store(i32, tailWord, tail | 0);
      return Math.max(0, room);
    },
    drop(where, n) {
      drops[where] = (drops[where] ?? 0) + n;
    },
    rxBufferBytes: hw.v.rx_buffer_bytes,
    discard(ring, n, where) {
      const mask = u32[(ring + A.R_MASK) >>> 2]!;
      const desc = u32[(ring + A.R_DESC) >>> 2]!;
      const headWord = (ring + A.R_HEAD) >>> 2;
      const head = u32[headWord]!;
      for (let x = 0; x < n; x++)
        k.bufFree(u32[(desc + ((head + x) & mask) * A.DESC_BYTES + A.D_BUF) >>> 2]!);
      Atomics.store(i32, headWord, (head + n) | 0);
      drops[where] = (drops[where] ?? 0) + n;
      return n;
    },
    deliver(frame, core, at) {
      delivered++;
      perQueue[core]!++;
      if (frame >= warm) lat[nLat++] = at - arrival[frame]!;
      const flow = flowOf[frame]!;
      const seq = seqOf[frame]!;
      // Order is the flow's: its frames of every shape share one sequence.
      const inOrder = flowOfFrame(t, flow);
      if (seq < lastSeq[inOrder]!) reordered++;
      else lastSeq[inOrder] = seq;
      coreOfFlow[flow] = core;
    },
    classifyAndSwitch(ring, head, n) {
      const mask = u32[(ring + A.R_MASK) >>> 2]!;
      const desc = u32[(ring + A.R_DESC) >>> 2]!;
      let i = 0;
      while (i < n) {
        const qi = decide(
          flowOf[frameOfBuf[u32[(desc + ((head + i) & mask) * A.DESC_BYTES + A.D_BUF) >>> 2]!]!]!,
        );
        let j = i + 1;
        while (
          j < n &&
          decide(flowOf[frameOfBuf[u32[(desc + ((head + j) & mask) * A.DESC_BYTES + A.D_BUF) >>> 2]!]!]!) ===
            qi
        )
          j++;
        if (qi === MATCH_DROP) {
          // A drop rule's frames: the NIC discards them after its parser (i40e programs the
          // filter with I40E_FILTER_PROGRAM_DESC_DEST_DROP_PACKET, ixgbe steers to
          // IXGBE_FDIR_DROP_QUEUE): no descriptor, no DMA, no core. Their buffers go back and
          // the wire ring's head moves past them, as the switch does for the frames it takes.
          for (let x = i; x < j; x++)
            k.bufFree(u32[(desc + ((head + x) & mask) * A.DESC_BYTES + A.D_BUF) >>> 2]!);
          const headWord = (ring + A.R_HEAD) >>> 2;
          Atomics.store(i32, headWord, (u32[headWord]! + (j - i)) | 0);
          drops[RULE_DROP] = (drops[RULE_DROP] ?? 0) + (j - i);
        } else {
          setReta(qi);
          const took = k.vebRunAll(j - i);
          if (took !== j - i) throw new Error(`switch took ${took} of ${j - i} frames`);
        }
        i = j;
      }
      setReta(-1);
    },
    // PCIe and switch limits from the NIC profile (src/model/hw-limits.ts), as the paths use.
    dmaNs: (bytes, n) => pcieRxBits(hw, wb, n, bytes).up / hw.v.pcie_gbps,
    switchNs: (n, bytes) => switchNs(hw, n, bytes),
    dispatchContext: (input) => {
      const d = dispatchCtx.get(input);
      if (d === undefined) throw new Error(`no dispatcher context on ${input}`);
      return d;
    },
  };
  const runtimes = g.elements.map((el) => steeringKind(el.kind).create(el, ctx));
  for (const r of runtimes) r.start?.();
  for (const f of s.faults ?? [])
    if (f.kind === "worker-exit") {
      const { fromNs } = faultWindow(f, offerNs);
      q.push(fromNs, () => {
        throw new WorkerExitFault(fromNs);
      });
    }
  const stopNs = (s.frames / s.ratePps) * 1e9 + DRAIN_NS;
  let endNs = 0;
  while (q.size > 0 && q.peekTime() <= stopNs) {
    endNs = q.peekTime();
    q.runNext();
  }

  // Where frames were dropped: the switch's own counters, and the NIC's buffer before it.
  const sc = sw.counters();
  const noDesc = sc.queues.flat().reduce((a, x) => a + x.rx_no_desc, 0);
  if (noDesc > 0) drops["nic: rx ring full (no descriptor)"] = noDesc;
  const p = sc.port;
  // The NIC's filter decisions on the frames themselves (spec §2.1-§2.3, §7.5), not a lack of
  // resources: a capture's frame the NIC filters is filtered at any load.
  const portDrops: Record<string, number> = {
    "nic: no pool (MAC filter)": p.rx_no_pool + p.rx_l2_filtered,
    // A tagged frame of a VLAN no pool joined (the steering VFs join none), and a truncated tag.
    "nic: VLAN filter": p.rx_vlan_filtered,
    "nic: malformed (truncated VLAN tag)": p.rx_errors,
    "nic: runt/oversize": p.rx_runt_dropped + p.roc,
  };
  for (const [kk, v] of Object.entries(portDrops)) if (v > 0) drops[kk] = v;
  let inFlight = 0;
  for (const [name] of ringOf) {
    const l = link(name);
    inFlight += l.pending();
  }
  const dropped = Object.values(drops).reduce((a, b) => a + b, 0);
  // Frames the rules were configured to drop, and frames the NIC's filters drop (a capture's
  // tagged frame, a runt), are not loss (RFC 1242 3.6: frame loss is frames that should have
  // been forwarded and were not, for lack of resources; paths --pcap counts them the same way):
  // the loss ratio and the NDR search that reads it count the frames the NIC let through.
  // Counting them made one tagged frame in a capture fail every load: no NDR at all.
  const policyDropped = Object.keys(portDrops).reduce((a, k) => a + (drops[k] ?? 0), 0);
  const forwardable = s.frames - (drops[RULE_DROP] ?? 0) - policyDropped;
  const allFiltered = forwardable <= 0 && policyDropped > 0;
  const problems: string[] = [];
  if (delivered + dropped + inFlight !== s.frames)
    problems.push(
      `offered ${s.frames} frames: ${delivered} delivered + ${dropped} dropped + ${inFlight} in flight`,
    );

  // The offered window starts when the first frame's first bit is on the wire. It lasts the n
  // frames' n gaps (offerNs), or longer when the wire was the limit and they arrived later (first
  // bit of the first to last bit of the last): first-to-last arrival alone spans only n - 1 gaps
  // and overstated the offered rate below line rate by 1/(n - 1).
  const firstArrival = (arrival[0] ?? 0) - ((flowBytes[flowOf[0]!]!.length + 24) * 8) / linkGbps;
  const lastArrival = arrival[s.frames - 1] || endNs;
  const windowNs = Math.max(1, offerNs, lastArrival - firstArrival);
  const util = (r: Resource) => Math.min(1, r.busyNs / windowNs);
  let busiest = 0;
  let busiestName = "core0";
  for (const r of resources.values())
    if (r.kind === "core" && util(r) > busiest) {
      busiest = util(r);
      busiestName = r.name;
    }
  const disp = resources.get("dispatcher");
  let bottleneck = "wire-rx";
  let best = -1;
  for (const r of resources.values())
    if (util(r) > best) {
      best = util(r);
      bottleneck = r.name;
    }
  // The most utilized resource that is not the wire (a core, the dispatcher, the NIC, PCIe).
  let maxUtil = 0;
  for (const r of resources.values()) if (r.kind !== "wire") maxUtil = Math.max(maxUtil, util(r));
  let splitPairs = 0;
  for (let f = 0; f < t.pairOf.length; f++) {
    const o = t.pairOf[f]!;
    if (o > f && coreOfFlow[f]! >= 0 && coreOfFlow[o]! >= 0 && coreOfFlow[f] !== coreOfFlow[o]) splitPairs++;
  }
  const sorted = lat.subarray(0, nLat).sort();
  const meanFrame = bytesSum / s.frames + 4;
  const offeredPps = (s.frames * 1e9) / windowNs;
  return {
    offered: s.frames,
    delivered,
    perQueue,
    jain: jain(perQueue),
    maxOverMean: maxOverMean(perQueue),
    maxUtil,
    reordered,
    splitPairs,
    ruleFlows: ruleHits,
    drops,
    // Nothing let through is no measurement: counted lossless, a capture whose every frame the
    // filters drop had its NDR at line rate with no frame delivered.
    lossRatio: forwardable > 0 ? 1 - delivered / forwardable : allFiltered ? 1 : 0,
    allFiltered,
    latencyUs: {
      p50: percentile(sorted, 0.5) / 1000,
      p99: percentile(sorted, 0.99) / 1000,
      min: (sorted[0] ?? 0) / 1000,
    },
    offeredMpps: offeredPps / 1e6,
    deliveredMpps: (delivered * 1e9) / windowNs / 1e6,
    wireGbps: (offeredPps * (meanFrame + 20) * 8) / 1e9,
    linkGbps,
    meanFrameBytes: meanFrame,
    utilization: {
      busiestCore: busiest,
      busiestCoreName: busiestName,
      dispatcher: disp ? util(disp) : null,
      nic: util(resource("nic")),
      wire: util(resource("wire-rx")),
    },
    bottleneck,
    virtualNs: endNs,
    conservation: { ok: problems.length === 0, inFlight, problems },
    ...(s.faults?.some((f) => f.kind !== "worker-exit")
      ? { faults: steeringFaultRecords(s.faults, offerNs, faultStats, perQueue, noDescOf(sc, g)) }
      : {}),
    simulator: { frames: s.frames, events: q.popped, wall_ms: performance.now() - t0 },
  };
}

/** NIC drops for lack of a descriptor on each of the graph's receive queues. */
function noDescOf(sc: ReturnType<WasmSwitch["counters"]>, g: SteeringGraph): number[] {
  return g.queues.map((q) => sc.queues[q.vf]?.[q.queue]?.rx_no_desc ?? 0);
}

/** What the injected faults did in one steering simulation. */
function steeringFaultRecords(
  faults: readonly FaultSpec[],
  offerNs: number,
  stats: { overrunDrops: number },
  perQueue: number[],
  noDesc: number[],
): FaultRecord[] {
  const out: FaultRecord[] = [];
  for (const f of faults) {
    if (f.kind === "worker-exit") continue;
    const { fromNs, toNs } = faultWindow(f, offerNs);
    const us = ((toNs - fromNs) / 1e3).toFixed(1);
    if (f.kind === "generator-overrun") {
      const n = stats.overrunDrops;
      out.push({
        kind: f.kind,
        spec: faultText(f),
        from_us: fromNs / 1e3,
        to_us: toNs / 1e3,
        effect: `the generator offered ${f.times} x line rate for ${us} us; ${n} frame(s) found its ${f.buffer}-frame buffer full and were dropped before the wire`,
        dropped: n > 0 ? { "generator-overrun": n } : {},
      });
      continue;
    }
    const dropped: Record<string, number> = {};
    noDesc.forEach((n, i) => {
      if (n > 0) dropped[`nic: rx ring full (no descriptor), queue ${i}`] = n;
    });
    const n = Object.values(dropped).reduce((a, b) => a + b, 0);
    out.push({
      kind: f.kind,
      spec: faultText(f),
      from_us: fromNs / 1e3,
      to_us: toNs / 1e3,
      effect:
        n > 0
          ? `core ${f.queue} took nothing for ${us} us: ${n} frame(s) dropped by the NIC for lack of a descriptor (by queue below)`
          : `core ${f.queue} took nothing for ${us} us; the rings held the backlog (no drop), delivered late`,
      dropped,
      queue: f.queue,
      per_queue_delivered: [...perQueue],
    });
  }
  return out;
}
