// Runs one path: builds it in the engine's shared memory, hands element schedules to workers
// (run-to-completion on one thread, or a pipeline over several), stops them through a flag in
// shared memory, then reads every counter: delivery, drops with reasons, frames in flight
// (conservation), event counts for the cost model, latency in simulator time, measured rate.
import * as P from "../../assembly/pathabi.ts";
import { type EventCounts, zeroCounts } from "../model/events.ts";
import type { PfRecord } from "../nic/types.ts";
import { readCounters, readResourceCounters } from "../switch/counters-view.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { programSwitch } from "../switch/program.ts";
import { averageSize, buildTemplates, type TemplateSet, type TrafficProfile } from "../traffic/profiles.ts";
import type { WorkerResult } from "../workers/path-worker.ts";
import type { Dir } from "./build.ts";
import {
  type BuiltPath,
  buildPath,
  CTL_GO,
  CTL_PROGRESS,
  CTL_READY,
  CTL_STOP,
  clearPathMemory,
  notePathMemory,
  type PlanStep,
} from "./build.ts";
import type { PathEngine } from "./engine.ts";
import { type Direction, type ElementSpec, elementsFor, type PathGraph } from "./graphs.ts";

export interface RunOptions {
  traffic: TrafficProfile;
  /** rx (default): the wire sends to the consumer; tx: the consumer sends; both at once. */
  direction?: Direction;
  /** The transmit direction's traffic (source: the consumer's MAC; destination: the peer's). */
  txTraffic?: TrafficProfile;
  /** Run these direction-tagged elements instead of the graph's (ping composes its own). */
  elements?: Array<{ dir: Dir; el: ElementSpec }>;
  /** Replay these templates instead of building them from `traffic` (pcap replay). */
  templates?: TemplateSet;
  /** Worker threads: 1 = run-to-completion, more = pipeline. */
  workers: number;
  /** Explicit placement instead of the pipeline split: the step names each worker runs, in
   *  order (every step exactly once; `workers` is then ignored). A run-time choice (principle 5). */
  placement?: string[][];
  /** Wall-clock limit of the run (seconds). */
  seconds: number;
  /** Interrupt moderation interval in simulator µs (from the cost profile). */
  itrUs: number;
  burst?: number;
  /** Workers' idle policy (src/workers/path-worker.ts): rounds before sleeping, µs per sleep. */
  idleSpins?: number;
  idleWaitUs?: number;
  eventIdx?: boolean;
  /** Use the NIC's embedded switch programmed from this PF's VFs; the consumer's pool is the
   *  VF with this index, or the PF pool ("pf"). Without it, a MAC-table demultiplexer stands in. */
  nic?: { pf: PfRecord; consumer: number | "pf"; promiscuous?: boolean; peer?: number | "pf" };
  /** Force one receive queue on the consumer's pool (ping: one exchange, one queue). */
  singleQueue?: boolean;
  /** Test hook: worker index that dies after that many frames. */
  crash?: { worker: number; afterFrames: number };
}

export interface Conservation {
  sent: number;
  delivered: number;
  dropped: Record<string, number>;
  inFlight: number;
  /** Extra destination copies made (or attempted) by replication (bridge floods to N ports). */
  copies?: number;
  ok: boolean;
}

export interface RunResult {
  path: string;
  workers: number;
  schedule: string[][];
  wallSeconds: number;
  /** Frames delivered per wall-clock second by the simulator itself. */
  measuredMpps: number;
  measuredGbps: number;
  direction: Direction;
  /** Receive-direction events (the consumer receiving). */
  counts: EventCounts;
  /** Transmit-direction events (the consumer sending); `packets` = frames that reached the far end. */
  txCounts: EventCounts;
  /** Measured rate of the transmit direction (frames the far end received per wall-clock second). */
  txMeasuredMpps: number;
  conservation: Conservation;
  integrity: { bad: number; reordered: number; gaps: number };
  /** Latency in simulator time (ns): generator clock at delivery minus the frame's stamp. */
  simLatencyNs: { p50: number; p99: number; max: number; mean: number };
  generator: { sent: number; noBufferBursts: number; ringFullBursts: number };
  /** The NIC switch's counters after the run (for determinism checks and reports). */
  switchCounters?: unknown;
  failures: string[];
  notes: string[];
}

/**
 * Splits the elements over `workers` threads: the generators alone on the first worker, the rest
 * in path order over the others (a pipeline). Any split is correct: every ring has one producer
 * and one consumer whatever thread runs them. A consumer of the switch's receive rings on another
 * thread than the switch may fall behind, and then the NIC drops for lack of descriptors (counted,
 * as a NIC does); `RunOptions.placement` chooses the split explicitly.
 */
export function schedule(steps: PlanStep[], workers: number): PlanStep[][] {
  if (workers <= 1) return [steps];
  const out: PlanStep[][] = Array.from({ length: workers }, () => []);
  out[0].push(...steps.filter((s) => s.kind === "gen"));
  const rest = steps.filter((s) => s.kind !== "gen");
  const per = Math.ceil(rest.length / (workers - 1));
  for (const [i, s] of rest.entries()) out[1 + Math.min(workers - 2, Math.floor(i / per))].push(s);
  return out.filter((w) => w.length > 0);
}

/** An explicit placement: `names[w]` are the steps worker `w` runs; every step exactly once. */
export function place(steps: PlanStep[], names: string[][], threads: number): PlanStep[][] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const seen = new Set<PlanStep>();
  const plan = names
    .map((w) =>
      w.map((n) => {
        const s = byName.get(n);
        if (!s) throw new Error(`placement: no step named ${n} (steps: ${[...byName.keys()].join(", ")})`);
        if (seen.has(s)) throw new Error(`placement: step ${s.name} placed twice`);
        seen.add(s);
        return s;
      }),
    )
    .filter((w) => w.length > 0);
  const missing = steps.filter((s) => !seen.has(s)).map((s) => s.name);
  if (missing.length > 0) throw new Error(`placement: steps not placed: ${missing.join(", ")}`);
  if (plan.length > threads) throw new Error(`placement: ${plan.length} workers, the engine has ${threads}`);
  return plan;
}

function percentile(hist: bigint[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0n);
  if (total === 0n) return 0;
  const want = BigInt(Math.ceil(Number(total) * q));
  let acc = 0n;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b];
    if (acc >= want) return bucketUpper(b);
  }
  return bucketUpper(hist.length - 1);
}

/** Upper bound (ns) of a histogram bucket (mirror of assembly/sink.ts latBucket). */
export function bucketUpper(b: number): number {
  const S = P.HIST_SUB;
  if (b < S) return b;
  const e = Math.floor((b - S) / S) + 4;
  const sub = (b - S) % S;
  return 2 ** e + (sub + 1) * 2 ** (e - 4) - 1;
}

/** Lays out a path (the NIC switch programmed from the PF, rings, element contexts). */
export function preparePath(
  engine: PathEngine,
  graph: PathGraph,
  o: Omit<RunOptions, "workers" | "seconds">,
): { built: BuiltPath; templates: TemplateSet; direction: Direction } {
  const direction = o.direction ?? "rx";
  const templates = o.templates ?? buildTemplates(o.traffic);
  const txTemplates = o.txTraffic ? buildTemplates(o.txTraffic) : undefined;
  const elements = o.elements ?? elementsFor(graph, direction);
  const psPerByte = 8000 / o.traffic.rateGbps;
  let nic: { sw: WasmSwitch; pool: number; peerPool?: number; rxQueues?: number } | undefined;
  let rxQueues = 1;
  if (o.nic) {
    clearPathMemory(engine.memory, engine.heapBase);
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
    rxQueues = config.pools[pool].numRxQueues;
    if (o.nic.promiscuous) {
      // if_bridge puts its member interfaces in promiscuous mode: frames for MACs behind the
      // bridge (the VM's virtio NIC, the jail's epair) reach the PF's pool.
      config.port.unicastPromisc = true;
      config.pools[pool].flags.upe = true;
    }
    const sw = new WasmSwitch(config, { memory: engine.memory, module: engine.module });
    notePathMemory(engine.memory, sw.layout.end);
    nic = { sw, pool, peerPool, rxQueues };
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
    eventIdx: o.eventIdx ?? true,
  });
  return { built, templates, direction };
}

export async function runPath(engine: PathEngine, graph: PathGraph, o: RunOptions): Promise<RunResult> {
  const { built, templates, direction } = preparePath(engine, graph, o);
  const plan = o.placement
    ? place(built.steps, o.placement, engine.threads)
    : schedule(built.steps, Math.max(1, Math.min(o.workers, engine.threads)));
  const i32 = new Int32Array(engine.memory.buffer);
  const ctl = built.control >>> 2;
  const failures: string[] = [];
  const tasks = plan.map((steps, w) =>
    engine
      .run({
        worker: w,
        steps,
        control: built.control,
        burst: o.burst ?? 64,
        idleSpins: o.idleSpins,
        idleWaitUs: o.idleWaitUs,
        crashAfterFrames: o.crash && o.crash.worker === w ? o.crash.afterFrames : undefined,
      })
      .catch((e: unknown) => {
        failures.push(`worker ${w} (${steps.map((s) => s.name).join(", ")}) died: ${(e as Error).message}`);
        Atomics.store(i32, ctl + CTL_STOP, 1);
        return undefined;
      }),
  );
  // Start the clock only when every worker has loaded (thread start-up is not simulator work).
  const readyBy = Date.now() + 60_000;
  while (Atomics.load(i32, ctl + CTL_READY) < plan.length && failures.length === 0 && Date.now() < readyBy) {
    await sleep(2);
  }
  const t0 = process.hrtime.bigint();
  Atomics.store(i32, ctl + CTL_GO, 1);
  Atomics.notify(i32, ctl + CTL_GO);
  const deadline = Date.now() + o.seconds * 1000;
  while (Date.now() < deadline && failures.length === 0) {
    await sleep(5);
    if (o.traffic.count > 0 && settled(built, o.traffic.count * built.gens.length)) break;
  }
  Atomics.store(i32, ctl + CTL_STOP, 1);
  Atomics.notify(i32, ctl + CTL_GO);
  Atomics.notify(i32, ctl + CTL_PROGRESS); // sleeping workers see the stop flag at once
  const results = (await Promise.all(tasks)).filter((r): r is WorkerResult => r !== undefined);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (results.length < plan.length && failures.length === 0) failures.push("a worker ended without a result");
  return collect(
    built,
    graph,
    direction,
    plan,
    wallSeconds,
    failures,
    averageSize(templates),
    templates.notes,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Readers of words other threads write while a run is going (the progress check): one atomic
 *  load per word, so a word being written is never seen half old, half new (DataView reads of
 *  shared memory are not tear-free in the ECMAScript memory model). Every address read this way
 *  is naturally aligned. */
function readers(built: BuiltPath) {
  const dv = built.layout.dv();
  const buf = dv.buffer;
  const w64 = new BigUint64Array(buf);
  const w32 = new Uint32Array(buf);
  const w16 = new Uint16Array(buf);
  const u64 = (addr: number) => Number(Atomics.load(w64, addr >>> 3));
  const u32 = (addr: number) => Atomics.load(w32, addr >>> 2);
  const u16 = (addr: number) => Atomics.load(w16, addr >>> 1);
  return { dv, u64, u32, u16 };
}

/** Frames offered, delivered, dropped (by reason) and still in flight (both directions). */
export function conservation(built: BuiltPath): Conservation {
  const { u64, u32, u16 } = readers(built);
  let sent = 0;
  for (const g of built.gens) sent += u64(built.ctx.get(g)! + P.G_SENT);
  let delivered = 0;
  for (const s of built.sinks) delivered += u64(built.ctx.get(s)! + P.S_PACKETS);
  const dropped: Record<string, number> = {};
  const add = (why: string, n: number) => {
    if (n > 0) dropped[why] = (dropped[why] ?? 0) + n;
  };
  let inFlight = 0;
  let copies = 0;
  const consumed = new Set<string>();
  for (const { el } of built.elements) {
    if ("in" in el && el.in) consumed.add(el.in);
    if (el.kind === "veb" && !built.nic)
      add(`${el.name}: destination on the ingress port`, u64(built.ctx.get(el.name)! + P.B_FILTERED));
    if (el.kind === "bridge") {
      const b = built.ctx.get(el.name)!;
      add(`${el.name}: destination on the ingress port`, u64(b + P.B_FILTERED));
      add(`${el.name}: no buffer for a flood copy`, u64(b + P.B_NOBUF));
      copies += u64(b + P.B_COPIES) + u64(b + P.B_NOBUF);
    }
    if (el.kind === "echo")
      add(`${el.name}: not an ICMP echo request`, u64(built.ctx.get(el.name)! + P.E_DROPPED));
    if (el.kind === "vhost") {
      const vq = built.ctx.get(el.vq)!;
      const used = u16(u32(vq + P.V_USED) + 2);
      inFlight += (used - (u32(vq + P.V_LAST_USED) & 0xffff)) & 0xffff;
    }
    if (el.kind === "guest-tx") {
      // Posted by the guest, not yet copied out by the backend.
      const vq = built.ctx.get(el.vq)!;
      const avail = u16(u32(vq + P.V_AVAIL) + 2);
      inFlight += (avail - (u32(vq + P.V_LAST_AVAIL) & 0xffff)) & 0xffff;
    }
  }
  for (const r of built.queueRings) inFlight += (u32(r + 64) - u32(r)) >>> 0;
  for (const [name, r] of built.otherRx) add(`veb-rx: steered to ${name}`, (u32(r + 64) - u32(r)) >>> 0);
  if (built.nic) {
    const sc = readCounters(built.nic.sw.sl, built.nic.sw.config);
    const port = sc.port;
    const res = readResourceCounters(built.nic.sw.sl);
    const reasons: Array<[string, number]> = [
      ["runt", port.rx_runt_dropped],
      ["oversize", port.roc],
      ["L2 filter", port.rx_l2_filtered],
      ["VLAN filter", port.rx_vlan_filtered],
      ["no pool", port.rx_no_pool],
      ["malformed", port.rx_errors],
      ["no descriptor", sc.queues.flat().reduce((a, q) => a + q.rx_no_desc, 0)],
      ["no buffer", res.noBuffer],
      ["tx dropped (MDD, oversize or anti-spoof)", sc.pools.reduce((a, p) => a + p.tx_dropped, 0)],
      ["tx no destination", port.tx_no_destination],
      ["wire-out ring full", res.wireOutFull],
    ];
    for (const [why, n] of reasons) add(`NIC switch: ${why}`, n);
  }
  for (const [name, r] of built.links) {
    const n = (u32(r + 64) - u32(r)) >>> 0;
    // Frames on a ring nobody consumes in this run (the uplink toward the wire, a bridge port
    // back toward the sender) left the path: count them with that reason.
    if (!consumed.has(name)) add(`${name}: sent back toward the wire (flooded/unknown)`, n);
    else inFlight += n;
  }
  const dropTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  // Every frame offered, plus every extra copy replication made, is delivered (per copy),
  // dropped with a reason, or in flight.
  return {
    sent,
    delivered,
    dropped,
    inFlight,
    ...(copies > 0 ? { copies } : {}),
    ok: sent + copies === delivered + dropTotal + inFlight,
  };
}

/**
 * Count-bounded runs, while the workers are still going: has every frame offered reached a
 * final state (delivered or dropped with a reason)? Only counters that never go back are used
 * (frames sent, delivered, dropped; copies made), read in that order, copies last: a frame that
 * moves from one ring to another while the rings are being read can make a snapshot of the
 * rings look empty, a snapshot of these counters cannot look complete too early.
 */
export function settled(built: BuiltPath, target: number): boolean {
  const c = conservation(built);
  if (c.sent < target) return false;
  const copies = conservation(built).copies ?? 0; // read after c's delivered and drops
  const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
  return c.delivered + dropped >= c.sent + copies;
}

/** Every counter the run's elements and the switch wrote, by direction. */
export function readEvents(built: BuiltPath) {
  const { u64 } = readers(built);
  const byDir = { rx: zeroCounts(), tx: zeroCounts() };
  const dirOf = (name: string) => built.dirOf.get(name) ?? "rx";
  let bad = 0;
  let reordered = 0;
  let gaps = 0;
  const hist: bigint[] = new Array(P.HIST_BUCKETS).fill(0n);
  let latSum = 0;
  let latMax = 0;
  let latN = 0;
  const dv = built.layout.dv();
  for (const s of built.sinks) {
    const c = built.ctx.get(s)!;
    const counts = byDir[dirOf(s)];
    counts.packets += u64(c + P.S_PACKETS);
    counts.bytes += u64(c + P.S_BYTES);
    if (s !== "wire-peer") {
      // The peer on the wire is not ours: its driver's work is not in our cost.
      counts.doorbells += u64(c + P.S_DOORBELLS);
      counts.interrupts += u64(c + P.S_INTERRUPTS);
      counts.iotlbLookups += u64(c + P.S_IOTLB_LOOKUPS);
    }
    bad += u64(c + P.S_BAD);
    reordered += u64(c + P.S_REORDER);
    gaps += u64(c + P.S_GAP);
    latSum += u64(c + P.S_LAT_SUM);
    latN += u64(c + P.S_PACKETS);
    latMax = Math.max(latMax, u64(c + P.S_LAT_MAX));
    for (let b = 0; b < P.HIST_BUCKETS; b++) hist[b] += dv.getBigUint64(c + P.S_HIST + 8 * b, true);
  }
  for (const [name, c] of built.ctx) {
    if (!name.startsWith("irq:")) continue;
    const counts = byDir[dirOf(name.slice(4))];
    counts.doorbells += u64(c + P.S_DOORBELLS);
    counts.interrupts += u64(c + P.S_INTERRUPTS);
    counts.iotlbLookups += u64(c + P.S_IOTLB_LOOKUPS);
  }
  const sc = built.nic ? readCounters(built.nic.sw.sl, built.nic.sw.config) : undefined;
  for (const { dir, el } of built.elements) {
    const c = built.ctx.get(el.name);
    if (c === undefined) continue;
    const counts = byDir[dir];
    if (el.kind === "veb") counts.switchLookups += sc ? sc.port.rx_packets : u64(c + P.B_LOOKUPS);
    if (el.kind === "veb-tx" && sc) counts.switchLookups += sc.pools[built.nic!.pool].tx_packets;
    if (el.kind === "bridge") counts.bridgeLookups += u64(c + P.B_LOOKUPS);
    if (el.kind === "hop" && el.role === "epair") counts.epairHops += u64(c + P.H_FRAMES);
    if (el.kind === "vhost" || el.kind === "guest-tx") {
      // One context per virtqueue: count it once (the guest-side element of each queue).
      counts.copies += u64(c + P.V_COPIES);
      counts.bytesCopied += u64(c + P.V_BYTES_COPIED);
      counts.usedNotifications += u64(c + P.V_USED_NOTIFY);
      counts.usedSuppressed += u64(c + P.V_USED_SUPPRESSED);
      counts.kicks += u64(c + P.V_KICKS);
      counts.kicksSuppressed += u64(c + P.V_KICKS_SUPPRESSED);
    }
  }
  return { rx: byDir.rx, tx: byDir.tx, bad, reordered, gaps, hist, latSum, latMax, latN, sc };
}

function collect(
  built: BuiltPath,
  graph: PathGraph,
  direction: Direction,
  plan: PlanStep[][],
  wallSeconds: number,
  failures: string[],
  avgSize: number,
  notes: string[],
): RunResult {
  const { u64 } = readers(built);
  const {
    rx: rxCounts,
    tx: txCounts,
    bad,
    reordered,
    gaps,
    hist,
    latSum,
    latMax,
    latN,
    sc,
  } = readEvents(built);
  const byDir = { rx: rxCounts, tx: txCounts };
  const cons = conservation(built);
  const measuredMpps = wallSeconds > 0 ? byDir.rx.packets / wallSeconds / 1e6 : 0;
  const txMeasuredMpps = wallSeconds > 0 ? byDir.tx.packets / wallSeconds / 1e6 : 0;
  let sent = 0;
  let noBuf = 0;
  let full = 0;
  for (const g of built.gens) {
    const c = built.ctx.get(g)!;
    sent += u64(c + P.G_SENT);
    noBuf += u64(c + P.G_NOBUF);
    full += u64(c + P.G_RINGFULL);
  }
  return {
    path: graph.name,
    workers: plan.length,
    schedule: plan.map((w) => w.map((s) => s.name)),
    wallSeconds,
    direction,
    measuredMpps,
    measuredGbps: (measuredMpps * (avgSize + 20) * 8) / 1e3,
    counts: byDir.rx,
    txCounts: byDir.tx,
    txMeasuredMpps,
    conservation: cons,
    integrity: { bad, reordered, gaps },
    simLatencyNs: {
      p50: percentile(hist, 0.5),
      p99: percentile(hist, 0.99),
      max: latMax,
      mean: latN > 0 ? latSum / latN : 0,
    },
    generator: { sent, noBufferBursts: noBuf, ringFullBursts: full },
    switchCounters: sc,
    failures,
    notes,
  };
}
