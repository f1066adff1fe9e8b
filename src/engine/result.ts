import type { RunState } from "./run.ts";
// Reads what a run produced into a SimResult: delivery and loss over the measured window,
// latency percentiles from the sinks' histograms, resource use by event kind, event totals,
// conservation (every frame offered: delivered per copy, dropped with a reason, or in flight).

import * as P from "../../assembly/pathabi.ts";
import type { BuiltPath } from "../paths/build.ts";
import type { EngineElement } from "../paths/path-graphs.ts";
import { readCounters, readResourceCounters } from "../switch/counters-view.ts";
import { pickBottleneck } from "./bottleneck.ts";
import { measureFromNs, type SimContext, u64 } from "./context.ts";
import type { ElementRuntime } from "./elements/common.ts";
import type {
  Conservation,
  DirectionFigures,
  EventTotals,
  LatencyUs,
  MeasuredWindow,
  ResourceUse,
  SimResult,
  WindowFrames,
} from "./types.ts";

/** Lower bound (ns) of a histogram bucket (mirror of assembly/elements/sink.ts latBucket). */
export function bucketLow(b: number): number {
  const S = P.HIST_SUB;
  if (b < S) return b;
  const e = Math.floor((b - S) / S) + 4;
  return 2 ** e + ((b - S) % S) * 2 ** (e - 4);
}

/** Midpoint of a bucket: the reported value (within ±3.2 % of any value in it). */
function bucketMid(b: number): number {
  return b < P.HIST_SUB ? b : (bucketLow(b) + bucketLow(b + 1) - 1) / 2;
}

export function percentileNs(hist: Float64Array, q: number): number {
  let total = 0;
  for (const v of hist) total += v;
  if (total === 0) return 0;
  const want = Math.ceil(total * q);
  let acc = 0;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b];
    if (acc >= want) return bucketMid(b);
  }
  return bucketMid(hist.length - 1);
}

export interface SinkTotals {
  packets: number;
  measured: number;
  latSum: number;
  latMax: number;
  /** Smallest latency (ns) over every sink; Infinity when none was measured. */
  latMin: number;
  bad: number;
  reordered: number;
  hist: Float64Array;
}

export function readSinks(ctx: SimContext, names: readonly string[]): SinkTotals {
  const dv = new DataView(ctx.mem.buffer);
  const t: SinkTotals = {
    packets: 0,
    measured: 0,
    latSum: 0,
    latMax: 0,
    latMin: Number.POSITIVE_INFINITY,
    bad: 0,
    reordered: 0,
    hist: new Float64Array(P.HIST_BUCKETS),
  };
  for (const s of names) {
    const c = ctx.built.ctx.get(s);
    if (c === undefined) continue;
    t.packets += u64(ctx, c + P.S_PACKETS);
    t.measured += u64(ctx, c + P.S_MEASURED);
    t.latSum += u64(ctx, c + P.S_LAT_SUM);
    t.latMax = Math.max(t.latMax, u64(ctx, c + P.S_LAT_MAX));
    // A sink that measured nothing still holds u64 max (as a Number, above any latency).
    if (u64(ctx, c + P.S_MEASURED) > 0) t.latMin = Math.min(t.latMin, u64(ctx, c + P.S_LAT_MIN));
    t.bad += u64(ctx, c + P.S_BAD);
    t.reordered += u64(ctx, c + P.S_REORDER);
    for (let b = 0; b < P.HIST_BUCKETS; b++) t.hist[b] += Number(dv.getBigUint64(c + P.S_HIST + 8 * b, true));
  }
  return t;
}

/** Frames the named generators sent (with their bytes) and dropped before the wire. */
function readGens(ctx: SimContext, names: readonly string[]) {
  let sent = 0;
  let bytes = 0;
  let overrun = 0;
  for (const n of names) {
    const g = ctx.built.ctx.get(n)!;
    sent += u64(ctx, g + P.G_SENT);
    bytes += u64(ctx, g + P.G_BYTES);
    overrun += u64(ctx, g + P.G_OVERRUN) + u64(ctx, g + P.G_TAILDROP);
  }
  return { sent, bytes, overrun };
}

/** Latency figures (µs) of sinks' totals. */
function latencyOf(sinks: SinkTotals): LatencyUs {
  // A histogram bucket's midpoint can lie above the largest latency seen or below the smallest:
  // clamp to them (exact), so min <= every percentile <= max.
  const latMin = sinks.measured > 0 ? sinks.latMin : 0;
  const lat = (ns: number) => Math.max(latMin, Math.min(ns, sinks.latMax)) / 1000;
  return {
    p50: lat(percentileNs(sinks.hist, 0.5)),
    p90: lat(percentileNs(sinks.hist, 0.9)),
    p99: lat(percentileNs(sinks.hist, 0.99)),
    p999: lat(percentileNs(sinks.hist, 0.999)),
    max: sinks.latMax / 1000,
    // Exact (not a histogram bucket); 0 when no frame was measured, as max.
    min: latMin / 1000,
    mean: sinks.measured > 0 ? lat(sinks.latSum / sinks.measured) : 0,
  };
}

/** One direction's figures: its own generators' offered frames and its own consumers' frames
 *  and latencies (each sink already records its own), over the same measured window. */
function directionFigures(
  ctx: SimContext,
  dir: "rx" | "tx",
  genNames: readonly string[],
  sinkNames: readonly string[],
  sentAtWarmupByGen: Record<string, number>,
  perS: (n: number) => number,
): { figures: DirectionFigures; frames: WindowFrames } {
  const mine = (n: string) => ctx.built.dirOf.get(n) === dir;
  const gens = genNames.filter(mine);
  const { sent, overrun } = readGens(ctx, gens);
  const before = gens.reduce((a, n) => a + (sentAtWarmupByGen[n] ?? 0), 0);
  const offered = sent + overrun - before;
  const sinks = readSinks(ctx, sinkNames.filter(mine));
  return {
    figures: {
      offered_pps: perS(offered),
      delivered_pps: perS(sinks.measured),
      loss_ratio: offered > 0 ? Math.max(0, 1 - sinks.measured / offered) : 0,
      latency_us: latencyOf(sinks),
    },
    frames: { offered, delivered: sinks.measured },
  };
}

export function collect(
  ctx: SimContext,
  o: {
    path: string;
    direction: SimResult["direction"];
    /** The generators' frames before the measured window, by name (absent: none, the whole
     *  run is measured). */
    sentAtWarmupByGen?: Record<string, number>;
    /** Direction "both": report each direction's figures too (SimResult.per_direction). */
    perDirection?: boolean;
    endNs: number;
    wallMs: number;
    busyAtWarmup?: RunState["busyAtWarmup"];
    busyAtOfferEnd?: RunState["busyAtOfferEnd"];
    eventsAtWarmup?: RunState["eventsAtWarmup"];
    eventsAtOfferEnd?: RunState["eventsAtOfferEnd"];
    elements?: Array<{ spec: EngineElement; runtime: ElementRuntime }>;
  },
): SimResult {
  // A closed loop's ACK frames (the receiver's transmit direction) are not offered traffic:
  // their generator and the peer on the wire receiving them are left out of the measured figures.
  const loop = ctx.closedLoop;
  const genNames = ctx.built.gens.filter((g) => g !== loop?.ackGen);
  const { sent, bytes, overrun } = readGens(ctx, genNames);
  const sinkNames = ctx.built.sinks.filter((n) => n !== loop?.ackSink);
  const sinks = readSinks(ctx, sinkNames);
  const measuredNs = Math.max(1, ctx.offerUntilNs - ctx.warmupNs);
  // Frames an injected generator overrun dropped were offered too, as were those a source's
  // device dropped on a full queue (pktgen into a tap).
  const before = o.sentAtWarmupByGen ?? {};
  const offered = sent + overrun - genNames.reduce((a, n) => a + (before[n] ?? 0), 0);
  // The run ends with the last event or the last work a resource took on, whichever is later:
  // a poll's batch (and its doorbell) may end after the last event, which only scheduled it.
  let lastWorkNs = 0;
  for (const r of ctx.resources.values()) lastWorkNs = Math.max(lastWorkNs, r.busyUntil);
  const virtualNs = Math.max(o.endNs, ctx.offerUntilNs, lastWorkNs);
  // Frames offered and delivered are those stamped in [measureFromNs, offerUntilNs].
  const fromNs = measureFromNs(ctx.warmupNs);
  const countedNs = Math.max(1, ctx.offerUntilNs - fromNs);
  const perS = (n: number) => (n * 1e9) / countedNs;
  // Over the measured window when the run recorded it (simulate), else over the whole run (ping).
  const windowed = o.busyAtWarmup !== undefined && o.busyAtOfferEnd !== undefined;
  const windowNs = windowed ? measuredNs : virtualNs;
  const windowBusy = (r: { name: string; busyNs: number; pollNs: number }, part: "busy" | "poll") => {
    const total = part === "busy" ? r.busyNs : r.pollNs;
    if (!windowed) return total;
    return (o.busyAtOfferEnd!.get(r.name)?.[part] ?? total) - (o.busyAtWarmup!.get(r.name)?.[part] ?? 0);
  };
  const resources: ResourceUse[] = [];
  for (const r of ctx.resources.values()) {
    const cycles = r.cyclesByKind();
    const total = Object.values(cycles).reduce((a, b) => a + b, 0);
    const by: Record<string, number> = {};
    for (const [k, v] of Object.entries(cycles)) by[k] = sinks.packets > 0 ? v / sinks.packets : 0;
    resources.push({
      resource: r.name,
      kind: r.kind,
      utilization: Math.min(1, windowBusy(r, "busy") / windowNs),
      work_utilization: Math.min(1, (windowBusy(r, "busy") - windowBusy(r, "poll")) / windowNs),
      cycles_per_packet: sinks.packets > 0 ? total / sinks.packets : 0,
      by_event: by,
    });
  }
  const bottleneck = pickBottleneck(resources);
  const ev = ctx.events;
  const eps = {} as EventTotals;
  // Over the measured window, as busy time, when the run recorded it: a halt after the sender
  // stopped (the run's tail) is no part of the steady state. Else over the whole run (ping).
  const evFrom = o.eventsAtWarmup;
  const evTo = o.eventsAtOfferEnd;
  for (const k of Object.keys(ev) as (keyof EventTotals)[])
    eps[k] =
      windowed && evFrom && evTo ? ((evTo[k] - evFrom[k]) * 1e9) / measuredNs : (ev[k] * 1e9) / virtualNs;
  const cons = conservation(ctx);
  const replay = ctx.built.replaySide !== undefined ? replayOutcome(sent, sinks.packets, cons) : undefined;
  const byDirection = o.perDirection
    ? {
        rx: directionFigures(ctx, "rx", genNames, sinkNames, before, perS),
        tx: directionFigures(ctx, "tx", genNames, sinkNames, before, perS),
      }
    : undefined;
  const perDirection = byDirection && { rx: byDirection.rx.figures, tx: byDirection.tx.figures };
  // The window the rates above are over, with its own counts: what judges a trial reads these
  // (src/experiment/shortfall.ts, capacity.ts), not the whole run's, which hold the warm-up.
  const window: MeasuredWindow = {
    from_ns: fromNs,
    to_ns: ctx.offerUntilNs,
    offered,
    delivered: sinks.measured,
    ...(byDirection ? { per_direction: { rx: byDirection.rx.frames, tx: byDirection.tx.frames } } : {}),
  };
  return {
    path: o.path,
    direction: o.direction,
    frameBytes: sent > 0 ? bytes / sent + 4 : 0,
    offered_pps: perS(offered),
    delivered_pps: perS(sinks.measured),
    loss_ratio: replay
      ? replayLoss(replay, offered)
      : offered > 0
        ? Math.max(0, 1 - sinks.measured / offered)
        : 0,
    latency_us: latencyOf(sinks),
    window,
    ...(perDirection ? { per_direction: perDirection } : {}),
    resources,
    bottleneck,
    events: { ...ev },
    events_per_s: eps,
    conservation: cons,
    ...(replay ? { replay } : {}),
    integrity: { bad: sinks.bad, reordered: sinks.reordered },
    virtual_ns: virtualNs,
    elements: (o.elements ?? []).map(({ spec, runtime }) => {
      const st = runtime.stats ?? { batches: 0, packets: 0, maxBatch: 0 };
      return {
        name: spec.name,
        kind: spec.kind,
        resource: spec.on,
        batches: st.batches,
        packets: st.packets,
        mean_batch: st.batches > 0 ? st.packets / st.batches : 0,
        max_batch: st.maxBatch,
      };
    }),
    ...receiveFirst(ctx, o.elements ?? []),
    ...pushedBack(ctx, o.elements ?? []),
    ...(loop
      ? {
          closed_loop: {
            window: loop.window,
            ack_every: loop.ackEvery,
            reads: loop.read,
            acks_sent: loop.acksSent,
            acks_arrived: loop.acksArrived,
          },
        }
      : {}),
    simulator: { frames: sent + (loop?.acksSent ?? 0), events: ctx.q.popped, wall_ms: o.wallMs },
  };
}

/** The senders that waited for receive work on their CPU (SimResult.receive_first), if any. */
function receiveFirst(
  ctx: SimContext,
  elements: ReadonlyArray<{ spec: EngineElement; runtime: ElementRuntime }>,
): Pick<SimResult, "receive_first"> {
  const held: NonNullable<SimResult["receive_first"]> = [];
  for (const { spec, runtime } of elements) {
    const w = runtime.receiveWait?.();
    if (w === undefined || (w.waits === 0 && w.ns === 0)) continue;
    const direction = ctx.built.dirOf.get(spec.name) ?? "rx";
    held.push({ sender: spec.name, direction, resource: spec.on, waits: w.waits, waited_ns: w.ns });
  }
  return held.length > 0 ? { receive_first: held } : {};
}

/** The senders the path pushed back (SimResult.pushed_back), if any. */
function pushedBack(
  ctx: SimContext,
  elements: ReadonlyArray<{ spec: EngineElement; runtime: ElementRuntime }>,
): Pick<SimResult, "pushed_back"> {
  const out: NonNullable<SimResult["pushed_back"]> = [];
  for (const { spec, runtime } of elements) {
    const p = runtime.pushedBack?.();
    if (p === undefined || (p.fullNs === 0 && p.busyNs === 0)) continue;
    const direction = ctx.built.dirOf.get(spec.name) ?? "rx";
    out.push({
      sender: spec.name,
      direction,
      resource: spec.on,
      queue_full_ns: p.fullNs,
      cpu_busy_ns: p.busyNs,
    });
  }
  return out.length > 0 ? { pushed_back: out } : {};
}

/**
 * Every frame offered, plus every extra copy replication made (the NIC's broadcast/multicast
 * copies to several pools or to a pool and the wire, the bridge's flood copies), ends delivered
 * (per copy), dropped with a reason (per copy) or in flight.
 */
export function conservation(ctx: SimContext): Conservation {
  const c = countFrames(ctx.built);
  let nicCopies = 0;
  if (ctx.built.nic) {
    const sc = readCounters(ctx.built.nic.sw.sl, ctx.built.nic.sw.config);
    const p = sc.port;
    // A pool's oversize drop is not a copy made: a frame every selected pool refused is dropped
    // once, in ROC (counted below), and a copy one pool refused while another took the frame was
    // never made (rx_dropped counts both; without this a jumbo frame the consumer's 1500-byte
    // pool refused counted as a copy and broke the balance).
    const copiesMade =
      sc.pools.reduce((a, q) => a + q.rx_packets + q.rx_dropped - q.rx_oversize, 0) + p.tx_packets;
    // A frame the Tx checks drop (MDD, oversize, anti-spoof) is counted in tx_dropped, not in
    // tx_packets (assembly/switch/veb.ts txOne): it entered the switch all the same.
    const framesIn = p.rx_packets + sc.pools.reduce((a, q) => a + q.tx_packets + q.tx_dropped, 0);
    const frameDrops =
      p.rx_l2_filtered +
      p.rx_vlan_filtered +
      p.rx_no_pool +
      p.roc +
      p.rx_errors +
      p.tx_no_destination +
      sc.pools.reduce((a, q) => a + q.tx_dropped, 0);
    nicCopies = Math.max(0, copiesMade - (framesIn - frameDrops));
  }
  const copies = (c.copies ?? 0) + nicCopies;
  const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
  const elsewhere = Object.values(c.deliveredElsewhere ?? {}).reduce((a, b) => a + b, 0);
  return { ...c, copies, ok: c.sent + copies === c.delivered + elsewhere + dropped + c.inFlight };
}

/** Switch drops decided by policy (filters, no pool, malformed frames; on transmit the MDD and
 *  anti-spoof checks and frames with no destination): not the consumer's loss. */
const POLICY_DROPS = [
  "NIC switch: runt",
  "NIC switch: oversize",
  "NIC switch: L2 filter",
  "NIC switch: VLAN filter",
  "NIC switch: no pool",
  "NIC switch: malformed",
  "NIC switch: tx dropped (MDD, oversize or anti-spoof)",
  "NIC switch: tx no destination",
];

/** Drops that are not the path's loss: policy, copies for pools this run does not drain, frames
 *  a bridge sends back toward the wire (unknown unicast) or drops on their ingress port. */
function notLoss(why: string): boolean {
  return (
    POLICY_DROPS.includes(why) ||
    why === OTHER_POOL_NO_DESC ||
    why.endsWith(BACK_TOWARD_WIRE) ||
    why.endsWith(INGRESS_PORT)
  );
}

/** Replay: what reached the consumer, what it lost (every other drop, and what was still queued
 *  at the end), what the switch filtered. */
function replayOutcome(sent: number, toConsumer: number, cons: Conservation) {
  const filtered = POLICY_DROPS.reduce((a, k) => a + (cons.dropped[k] ?? 0), 0);
  let consumerLost = cons.inFlight;
  for (const [why, n] of Object.entries(cons.dropped)) if (!notLoss(why)) consumerLost += n;
  return {
    to_consumer: toConsumer,
    consumer_lost: consumerLost,
    filtered,
    all_filtered: sent > 0 && filtered >= sent,
  };
}

/** Replay's loss: frames the switch sent toward the consumer that it did not take (frames the
 *  policy sends elsewhere or filters are not loss); nothing toward it at all is total loss. */
function replayLoss(r: { to_consumer: number; consumer_lost: number }, offered: number): number {
  const toward = r.to_consumer + r.consumer_lost;
  if (toward === 0) return offered > 0 ? 1 : 0;
  return r.consumer_lost / toward;
}

const OTHER_POOL_NO_DESC =
  "NIC switch: no descriptor on another pool (its rings are not drained in this run)";
const BACK_TOWARD_WIRE = "sent back toward the wire (flooded/unknown)";
/** Frames from the wire the NIC's receive packet buffer had no room for (82599 RXMPC). */
export const RX_BUFFER_FULL = "NIC: rx packet buffer full (missed)";
const INGRESS_PORT = "destination on the ingress port";

/** What the path's counters say before the NIC's replication copies are added. */
export interface FrameCount {
  sent: number;
  delivered: number;
  dropped: Record<string, number>;
  inFlight: number;
  copies?: number;
  /** Copies the NIC delivered to pools other than the consumer's (deliveries, not drops). */
  deliveredElsewhere?: Record<string, number>;
  ok: boolean;
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

/** Frames offered, delivered, dropped (by reason) and still in flight (both directions), as the
 *  path's own counters (elements, rings, the NIC switch) tell them. */
export function countFrames(built: BuiltPath): FrameCount {
  const { u64, u32, u16 } = readers(built);
  let sent = 0;
  let overrun = 0;
  const dropped: Record<string, number> = {};
  const add = (why: string, n: number) => {
    if (n > 0) dropped[why] = (dropped[why] ?? 0) + n;
  };
  for (const g of built.gens) {
    sent += u64(built.ctx.get(g)! + P.G_SENT);
    overrun += u64(built.ctx.get(g)! + P.G_OVERRUN);
    // A source whose device drops on a full queue (pktgen into a tap): offered, then dropped.
    const tail = u64(built.ctx.get(g)! + P.G_TAILDROP);
    const out = built.elements.find((e) => e.el.name === g)?.el as { out?: string } | undefined;
    add(`${out?.out ?? g}: queue full (tail drop)`, tail);
    sent += tail;
  }
  // An injected generator overrun: offered, dropped before the wire (src/engine/faults.ts).
  sent += overrun;
  let delivered = 0;
  for (const s of built.sinks) delivered += u64(built.ctx.get(s)! + P.S_PACKETS);
  let inFlight = 0;
  let copies = 0;
  add("generator-overrun", overrun);
  const consumed = new Set<string>();
  for (const { el } of built.elements) {
    if ("in" in el && el.in) consumed.add(el.in);
    if (el.kind === "veb" && !built.nic)
      add(`${el.name}: ${INGRESS_PORT}`, u64(built.ctx.get(el.name)! + P.B_FILTERED));
    if (el.kind === "bridge") {
      const b = built.ctx.get(el.name)!;
      add(`${el.name}: ${INGRESS_PORT}`, u64(b + P.B_FILTERED));
      add(`${el.name}: no buffer for a flood copy`, u64(b + P.B_NOBUF));
      copies += u64(b + P.B_COPIES) + u64(b + P.B_NOBUF);
    }
    if (el.kind === "echo")
      add(`${el.name}: not an ICMP echo request`, u64(built.ctx.get(el.name)! + P.E_DROPPED));
    if (el.kind === "ipfwd")
      add(
        `${el.name}: not forwarded (link-layer group address, not IPv4, bad header or TTL)`,
        u64(built.ctx.get(el.name)! + P.F_DROPPED),
      );
    if (el.kind === "vhost") {
      const vq = built.ctx.get(el.vq)!;
      const used = u16(u32(vq + P.V_USED) + 2);
      inFlight += (used - (u32(vq + P.V_LAST_USED) & 0xffff)) & 0xffff;
      inFlight += u32(vq + P.V_PEND_USED); // copied, used index not published yet (batch running)
    }
    if (el.kind === "guest-tx") {
      // Posted by the guest, not yet copied out by the backend.
      const vq = built.ctx.get(el.vq)!;
      const avail = u16(u32(vq + P.V_AVAIL) + 2);
      inFlight += (avail - (u32(vq + P.V_LAST_AVAIL) & 0xffff)) & 0xffff;
    }
  }
  for (const r of built.queueRings) inFlight += (u32(r + 64) - u32(r)) >>> 0;
  // Frames the switch delivered to other pools (replication, promiscuous pools) are deliveries
  // to functions this run does not simulate further.
  const elsewhere: Record<string, number> = {};
  for (const [name, r] of built.otherRx) {
    const n = (u32(r + 64) - u32(r)) >>> 0;
    if (n > 0) elsewhere[name] = n;
  }
  if (built.nic) {
    const sc = readCounters(built.nic.sw.sl, built.nic.sw.config);
    const port = sc.port;
    const res = readResourceCounters(built.nic.sw.sl);
    // The pools whose rings this path drains: the consumer's and a loopback peer's.
    const path = new Set([built.nic.pool, ...(built.nic.peerPool !== undefined ? [built.nic.peerPool] : [])]);
    const noDesc = (which: (pool: number) => boolean) =>
      sc.queues.reduce((a, qs, p) => (which(p) ? a + qs.reduce((b, q) => b + q.rx_no_desc, 0) : a), 0);
    const reasons: Array<[string, number]> = [
      ["runt", port.rx_runt_dropped],
      ["oversize", port.roc],
      ["L2 filter", port.rx_l2_filtered],
      ["VLAN filter", port.rx_vlan_filtered],
      ["no pool", port.rx_no_pool],
      ["malformed", port.rx_errors],
      ["no descriptor", noDesc((p) => path.has(p))],
      [OTHER_POOL_NO_DESC.replace("NIC switch: ", ""), noDesc((p) => !path.has(p))],
      ["no buffer", res.noBuffer],
      ["tx dropped (MDD, oversize or anti-spoof)", sc.pools.reduce((a, p) => a + p.tx_dropped, 0)],
      ["tx no destination", port.tx_no_destination],
      ["wire-out ring full", res.wireOutFull],
    ];
    for (const [why, n] of reasons) add(`NIC switch: ${why}`, n);
    add(RX_BUFFER_FULL, res.rxMissed);
  }
  for (const [name, r] of built.links) {
    const n = (u32(r + 64) - u32(r)) >>> 0;
    // Frames on a ring nobody consumes in this run (the uplink toward the wire, a bridge port
    // back toward the sender) left the path: count them with that reason.
    if (!consumed.has(name)) add(`${name}: ${BACK_TOWARD_WIRE}`, n);
    else inFlight += n;
  }
  const dropTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  const elsewhereTotal = Object.values(elsewhere).reduce((a, b) => a + b, 0);
  // Every frame offered, plus every extra copy replication made, is delivered (per copy),
  // dropped with a reason, or in flight.
  return {
    sent,
    delivered,
    dropped,
    inFlight,
    ...(copies > 0 ? { copies } : {}),
    ...(elsewhereTotal > 0 ? { deliveredElsewhere: elsewhere } : {}),
    ok: sent + copies === delivered + elsewhereTotal + dropTotal + inFlight,
  };
}
