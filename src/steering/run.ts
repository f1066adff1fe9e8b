// Runs one traffic set through one strategy's switch and counts, from the switch's own
// counters and rings, how many frames each core got. Engine "wasm" is the real data plane
// (WasmSwitch, AssemblyScript kernels on shared memory); "reference" is the TypeScript
// reference switch (same semantics, slower), used to cross-check.
import { performance } from "node:perf_hooks";
import type { SwitchCounters } from "../switch/config.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { parseFrame } from "../switch/reference/parse.ts";
import { rssHash } from "../switch/reference/rss.ts";
import { rssConfigFor } from "../switch/reference/rss-select.ts";
import { ReferenceSwitch } from "../switch/reference/veb.ts";
import { loadModule } from "../switch/wasm.ts";
import { type DispatchKernels, type DispatchStats, WasmDispatcher } from "./dispatcher.ts";
import { injectWireBurst } from "./inject.ts";
import type { StrategySetup } from "./strategies.ts";
import { runThreadedDispatch } from "./threaded.ts";

export type Engine = "wasm" | "reference";

/** Frames handed to the switch per burst round (fits the 1024-entry wire and Rx rings). */
const CHUNK = 512;

export interface Conservation {
  ok: boolean;
  offered: number;
  /** Frames counted on the strategy's cores. */
  onCores: number;
  /** Frames delivered to other pools (e.g. the PF's default pool). */
  elsewhere: number;
  /** Whole-frame and copy drops by reason (switch counters). */
  dropped: Record<string, number>;
  problems: string[];
}

export interface SteeringRun {
  engine: Engine;
  /** Frames per core (length n). */
  perCore: number[];
  /** The switch's rx_packets of each hardware queue the strategy uses. */
  hwQueueCounts: number[];
  conservation: Conservation;
  /** Wall time of inject + switch + drain (+ dispatch), seconds: measured (simulator). */
  seconds: number;
  measuredMpps: number;
  dispatch: DispatchStats | null;
  /** Threads that moved frames in this run (switch thread + dispatcher + workers when threaded). */
  threads: number;
}

let cachedModule: WebAssembly.Module | undefined;

function sum(x: readonly number[]): number {
  return x.reduce((a, b) => a + b, 0);
}

function dropsOf(c: SwitchCounters, extra: Record<string, number>): Record<string, number> {
  const p = c.port;
  const out: Record<string, number> = {
    runt: p.rx_runt_dropped,
    oversize: p.roc,
    "l2-filter": p.rx_l2_filtered,
    "vlan-filter": p.rx_vlan_filtered,
    "no-pool": p.rx_no_pool,
    "vlan-tag-truncated": p.rx_errors,
    "no-desc": sum(c.queues.flat().map((q) => q.rx_no_desc)),
    ...extra,
  };
  for (const k of Object.keys(out)) if (out[k] === 0) delete out[k];
  return out;
}

function account(
  setup: StrategySetup,
  offered: number,
  c: SwitchCounters,
  perCore: number[],
  ringCounts: Map<string, number>,
  extraDrops: Record<string, number>,
  dispatch: DispatchStats | null,
): Conservation {
  const problems: string[] = [];
  const used = new Set(setup.hwQueues.map((h) => `${h.pool}:${h.queue}`));
  let elsewhere = 0;
  c.queues.forEach((qs, p) => {
    qs.forEach((q, i) => {
      if (!used.has(`${p}:${i}`)) elsewhere += q.rx_packets;
      const seen = ringCounts.get(`${p}:${i}`) ?? 0;
      if (seen !== q.rx_packets)
        problems.push(`pool ${p} queue ${i}: counter says ${q.rx_packets}, ring gave ${seen} frames`);
    });
  });
  const dropped = dropsOf(c, extraDrops);
  const onCores = sum(perCore);
  if (dispatch && dispatch.dispatched !== sum(dispatch.perWorker) + dispatch.ringFull)
    problems.push(
      `dispatcher took ${dispatch.dispatched}, workers got ${sum(dispatch.perWorker)} + ${dispatch.ringFull} ring-full drops`,
    );
  const accounted = onCores + elsewhere + sum(Object.values(dropped));
  if (accounted !== offered) problems.push(`offered ${offered} frames, accounted for ${accounted}`);
  return { ok: problems.length === 0, offered, onCores, elsewhere, dropped, problems };
}

function perCoreFrom(setup: StrategySetup, c: SwitchCounters, dispatch: DispatchStats | null): number[] {
  if (dispatch) return [...dispatch.perWorker];
  const counts = setup.hwQueues.map((h) => c.queues[h.pool]![h.queue]!.rx_packets);
  // Single queue: one core takes everything, the other n-1 stay idle.
  while (counts.length < setup.cores) counts.push(0);
  return counts;
}

async function runWasmThreaded(setup: StrategySetup, frames: readonly Uint8Array[]): Promise<SteeringRun> {
  cachedModule ??= await loadModule();
  const r = await runThreadedDispatch(setup, frames, cachedModule);
  const c = r.sw.counters();
  const res = r.sw.resourceDrops();
  const extra: Record<string, number> = { "no-buffer": res.noBuffer, "sim-in-flight": r.sw.inFlight() };
  const perCore = perCoreFrom(setup, c, r.stats);
  return {
    engine: "wasm",
    perCore,
    hwQueueCounts: setup.hwQueues.map((h) => c.queues[h.pool]![h.queue]!.rx_packets),
    conservation: account(setup, frames.length, c, perCore, r.ringCounts, extra, r.stats),
    seconds: r.seconds,
    measuredMpps: r.seconds > 0 ? frames.length / r.seconds / 1e6 : 0,
    dispatch: r.stats,
    threads: setup.cores + 1,
  };
}

async function runWasm(setup: StrategySetup, frames: readonly Uint8Array[]): Promise<SteeringRun> {
  cachedModule ??= await loadModule();
  const sw = new WasmSwitch(setup.config, { module: cachedModule, bufCount: 4096, wireRingSize: 1024 });
  const hw0 = setup.hwQueues[0]!;
  const dispatcher = setup.dispatch ? new WasmDispatcher(sw, setup.cores, hw0.pool, hw0.queue) : null;
  const k = sw.kernels as unknown as DispatchKernels;
  // Every Rx ring, drained by count (one Wasm call per ring) or by the dispatcher.
  const rings = sw.sl.rxRings.flatMap((qs, p) =>
    qs.map((r, q) => ({
      id: r.id,
      key: `${p}:${q}`,
      dispatch: !!dispatcher && p === hw0.pool && q === hw0.queue,
    })),
  );
  const counts = new Array<number>(rings.length).fill(0);
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i += CHUNK) {
    const end = Math.min(i + CHUNK, frames.length);
    for (let at = i; at < end; ) {
      at += injectWireBurst(sw, frames, at, end);
      sw.run();
    }
    for (let r = 0; r < rings.length; r++) {
      const ring = rings[r]!;
      counts[r]! += ring.dispatch ? dispatcher!.dispatchAll() : k.ringRecycle(ring.id, 0xffffffff);
    }
    dispatcher?.runWorkers();
  }
  const seconds = (performance.now() - t0) / 1000;
  const ringCounts = new Map<string, number>(rings.map((r, i) => [r.key, counts[i]!]));
  const c = sw.counters();
  const res = sw.resourceDrops();
  const extra: Record<string, number> = { "no-buffer": res.noBuffer, "sim-in-flight": sw.inFlight() };
  if (dispatcher) extra["dispatch-ring-full"] = dispatcher.stats.ringFull;
  const dispatch = dispatcher ? dispatcher.stats : null;
  const perCore = perCoreFrom(setup, c, dispatch);
  const conservation = account(setup, frames.length, c, perCore, ringCounts, extra, dispatch);
  if (dispatcher) {
    const kc = dispatcher.kernelCounts();
    kc.perRing.forEach((f, w) => {
      if (f !== dispatch!.perWorker[w])
        conservation.problems.push(
          `dispatcher enqueued ${f} frames for worker ${w}, it took ${dispatch!.perWorker[w]}`,
        );
    });
    conservation.ok = conservation.problems.length === 0;
  }
  return {
    engine: "wasm",
    perCore,
    hwQueueCounts: setup.hwQueues.map((h) => c.queues[h.pool]![h.queue]!.rx_packets),
    conservation,
    seconds,
    measuredMpps: seconds > 0 ? frames.length / seconds / 1e6 : 0,
    dispatch,
    threads: 1,
  };
}

function runReference(setup: StrategySetup, frames: readonly Uint8Array[]): SteeringRun {
  const rs = new ReferenceSwitch(setup.config);
  const hw0 = setup.hwQueues[0]!;
  const ringCounts = new Map<string, number>();
  const pool = setup.config.pools[hw0.pool]!;
  const cfg = { ...rssConfigFor(setup.config.port, pool), level: "inner" as const };
  const reta = Array.from({ length: 128 }, (_, i) => i % setup.cores);
  const dispatch: DispatchStats | null = setup.dispatch
    ? { dispatched: 0, perWorker: new Array(setup.cores).fill(0), ringFull: 0 }
    : null;
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i += CHUNK) {
    for (const f of frames.slice(i, i + CHUNK)) rs.receiveFromWire(f);
    setup.config.pools.forEach((p, pi) => {
      for (let q = 0; q < p.numRxQueues; q++) {
        const got = rs.drain(pi, q);
        const key = `${pi}:${q}`;
        ringCounts.set(key, (ringCounts.get(key) ?? 0) + got.length);
        if (dispatch && pi === hw0.pool && q === hw0.queue) {
          for (const d of got) {
            const { hash } = rssHash(d.bytes, parseFrame(d.bytes), cfg);
            dispatch.dispatched++;
            dispatch.perWorker[reta[(hash >>> 0) & 127]!]!++;
          }
        }
      }
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = rs.counters;
  const perCore = perCoreFrom(setup, c, dispatch);
  const problems = rs.conservation();
  const cons = account(setup, frames.length, c, perCore, ringCounts, {}, dispatch);
  cons.problems.push(...problems);
  cons.ok = cons.problems.length === 0;
  return {
    engine: "reference",
    perCore,
    hwQueueCounts: setup.hwQueues.map((h) => c.queues[h.pool]![h.queue]!.rx_packets),
    conservation: cons,
    seconds,
    measuredMpps: seconds > 0 ? frames.length / seconds / 1e6 : 0,
    dispatch,
    threads: 1,
  };
}

export interface RunOptions {
  engine?: Engine;
  /** Software dispatch on worker threads (dispatcher + n workers); default single thread. */
  dispatchThreads?: boolean;
}

export async function runSteering(
  setup: StrategySetup,
  frames: readonly Uint8Array[],
  opts: Engine | RunOptions = {},
): Promise<SteeringRun> {
  const o: RunOptions = typeof opts === "string" ? { engine: opts } : opts;
  if ((o.engine ?? "wasm") === "reference") return runReference(setup, frames);
  if (setup.dispatch && o.dispatchThreads) return runWasmThreaded(setup, frames);
  return runWasm(setup, frames);
}
