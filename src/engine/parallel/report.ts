// What the source partition hands back at the end (plain data), and how the main thread folds it
// into its own copy of the graph before reading the result: the source's resources (clock, busy
// time, cycles by event kind in their order), its elements' batch statistics, its event totals,
// its generators' count at the warm-up and its resources' busy time and its event totals at the
// snapshots, and its senders' waits for receive work and push-back.
import type { BuiltGraph } from "../graph.ts";
import type { RunState } from "../run.ts";
import type { EventTotals, PartitionSync } from "../types.ts";
import type { Split } from "./partition.ts";

export interface PartitionReport {
  resources: Array<{
    name: string;
    busyUntil: number;
    busyNs: number;
    pollNs: number;
    cycles: Array<[string, number]>;
    stalledNs: Array<[string, number]>;
    sleeping: boolean;
    sleptAt: number;
  }>;
  stats: Array<{ element: number; batches: number; packets: number; maxBatch: number }>;
  /** The source's senders' own records (SimResult.receive_first, SimResult.pushed_back): kept in
   *  their generators' closures on this thread, so the consumer's copies know none of them. */
  senders: Array<{ element: number; waits: number; waitedNs: number; fullNs: number; busyNs: number }>;
  events: EventTotals;
  popped: number;
  endNs: number;
  sentAtWarmupByGen: Record<string, number>;
  busyAtWarmup?: Array<[string, { busy: number; poll: number }]>;
  busyAtOfferEnd?: Array<[string, { busy: number; poll: number }]>;
  /** The source's event totals at the snapshots (added to the consumer's). */
  eventsAtWarmup?: EventTotals;
  eventsAtOfferEnd?: EventTotals;
  /** CPU ms of the source's thread over its event loop (simulator speed; Linux only). */
  cpuMs?: number;
  /** The source's side of the synchronization (simulator speed). */
  sync: PartitionSync;
}

/** Partitioned runs' synchronization summed over them (simulator speed, wall clock): pairs are
 *  [consumer, source]; records are the source's (sent), exchanges the consumer's. */
export interface SyncTotals {
  waits: [number, number];
  sleeps: [number, number];
  naps: [number, number];
  /** Both threads together. */
  notifies: number;
  records: number;
  exchanges: number;
  wait_ms: [number, number];
  /** Only when every thread of every run reported it (Linux). */
  runnable_ms?: [number, number];
}

/** Sums the synchronization of partitioned runs (each [consumer, source]): the figures both the
 *  `paths --json` document and the engine-speed bench report. */
export function sumSync(runs: ReadonlyArray<readonly PartitionSync[]>): SyncTotals {
  const sum = (f: (run: readonly PartitionSync[]) => number) => runs.reduce((a, r) => a + f(r), 0);
  const pair = (f: (s: PartitionSync) => number): [number, number] => [
    sum((r) => f(r[0])),
    sum((r) => f(r[1])),
  ];
  return {
    waits: pair((s) => s.waits),
    sleeps: pair((s) => s.sleeps),
    naps: pair((s) => s.naps),
    notifies: sum((r) => r[0].notifies + r[1].notifies),
    records: sum((r) => r[1].records),
    exchanges: sum((r) => r[0].exchanges),
    wait_ms: pair((s) => s.wait_ms),
    ...(runs.every((r) => r.every((s) => s.runnable_ms !== undefined))
      ? { runnable_ms: pair((s) => s.runnable_ms as number) }
      : {}),
  };
}

export function reportPartition(
  g: BuiltGraph,
  split: Split,
  state: RunState,
  cpuMs: number | undefined,
  sync: PartitionSync,
): PartitionReport {
  const own = (m?: Map<string, { busy: number; poll: number }>) =>
    m ? [...m].filter(([name]) => split.sourceResources.has(name)) : undefined;
  return {
    resources: [...split.sourceResources].map((name) => {
      const r = g.ctx.resources.get(name)!;
      return {
        name,
        busyUntil: r.busyUntil,
        busyNs: r.busyNs,
        pollNs: r.pollNs,
        cycles: Object.entries(r.cyclesByKind()),
        stalledNs: Object.entries(r.stalledNs),
        sleeping: r.sleeping,
        sleptAt: r.sleptAt,
      };
    }),
    stats: [...split.source].map((i) => {
      const s = g.runtimes[i].stats ?? { batches: 0, packets: 0, maxBatch: 0 };
      return { element: i, batches: s.batches, packets: s.packets, maxBatch: s.maxBatch };
    }),
    senders: [...split.source].flatMap((i) => {
      const rt = g.runtimes[i];
      if (!rt.receiveWait && !rt.pushedBack) return [];
      const w = rt.receiveWait?.() ?? { waits: 0, ns: 0 };
      const p = rt.pushedBack?.() ?? { fullNs: 0, busyNs: 0 };
      return [{ element: i, waits: w.waits, waitedNs: w.ns, fullNs: p.fullNs, busyNs: p.busyNs }];
    }),
    events: { ...g.ctx.events },
    popped: g.ctx.q.popped,
    endNs: state.endNs,
    sentAtWarmupByGen: state.sentAtWarmupByGen,
    busyAtWarmup: own(state.busyAtWarmup),
    busyAtOfferEnd: own(state.busyAtOfferEnd),
    ...(state.eventsAtWarmup ? { eventsAtWarmup: state.eventsAtWarmup } : {}),
    ...(state.eventsAtOfferEnd ? { eventsAtOfferEnd: state.eventsAtOfferEnd } : {}),
    ...(cpuMs !== undefined ? { cpuMs } : {}),
    sync,
  };
}

/** Folds the source partition's report into the consumer's graph and run state. */
export function mergePartition(g: BuiltGraph, state: RunState, rep: PartitionReport): void {
  for (const x of rep.resources) {
    const r = g.ctx.resources.get(x.name)!;
    r.busyUntil = x.busyUntil;
    r.busyNs = x.busyNs;
    r.pollNs = x.pollNs;
    r.sleeping = x.sleeping;
    r.sleptAt = x.sleptAt;
    r.setCycles(x.cycles);
    for (const k of Object.keys(r.stalledNs)) delete r.stalledNs[k];
    for (const [k, v] of x.stalledNs) r.stalledNs[k] = v;
  }
  for (const s of rep.stats) {
    const st = g.runtimes[s.element].stats;
    if (!st) continue;
    st.batches = s.batches;
    st.packets = s.packets;
    st.maxBatch = s.maxBatch;
  }
  // The source's senders ran on the worker: their records replace those of the copies here
  // (which never ran), so result.ts reads them whichever partition a sender ran in.
  for (const s of rep.senders) {
    const rt = g.runtimes[s.element];
    rt.receiveWait = () => ({ waits: s.waits, ns: s.waitedNs });
    rt.pushedBack = () => ({ fullNs: s.fullNs, busyNs: s.busyNs });
  }
  const ev = g.ctx.events;
  for (const k of Object.keys(ev) as Array<keyof EventTotals>) ev[k] += rep.events[k];
  g.ctx.q.popped += rep.popped;
  state.endNs = Math.max(state.endNs, rep.endNs);
  const byGen = state.sentAtWarmupByGen;
  for (const [name, n] of Object.entries(rep.sentAtWarmupByGen)) byGen[name] = (byGen[name] ?? 0) + n;
  for (const [name, v] of rep.busyAtWarmup ?? []) state.busyAtWarmup?.set(name, v);
  for (const [name, v] of rep.busyAtOfferEnd ?? []) state.busyAtOfferEnd?.set(name, v);
  addEvents(state.eventsAtWarmup, rep.eventsAtWarmup);
  addEvents(state.eventsAtOfferEnd, rep.eventsAtOfferEnd);
}

/** Adds the source's event totals at a snapshot to the consumer's (both took it). */
function addEvents(mine: EventTotals | undefined, theirs: EventTotals | undefined): void {
  if (!mine || !theirs) return;
  for (const k of Object.keys(mine) as Array<keyof EventTotals>) mine[k] += theirs[k];
}
