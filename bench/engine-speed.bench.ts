// Simulator speed (wall clock, not a simulated figure): the engine simulating the native path at
// 64 B, offered 10 GbE line rate (14.88 Mpps), with all timing work on (every resource's clock,
// interrupts, polling). Reported for ONE simulation on 1 thread and on 2 threads
// (src/engine/parallel: the wire generator's partition in a worker, conservative
// synchronization), and for 1 and 2 workers running independent simulations (src/experiment
// pool: what `paths --workers N` does). Each line gives the frames simulated, the virtual time,
// the wall time of the event loop (setup apart) and the factor × real time (virtual ÷ wall), and
// the CPU time of the threads that ran the event loop (SimResult.simulator.cpu_ms, Linux) with
// virtual ÷ CPU: on a machine shared with other work the CPU figure is the steadier one. The
// 1-thread and partitioned runs alternate, and the partitioned line adds the two threads'
// synchronization (waits, sleeps, notifies, hand-offs per virtual µs, link records per exchange,
// wall time waiting and runnable without a CPU) and its ratio to the 1-thread line. The
// issue's target is > 1× at 10 GbE line rate, the moonshot 40 GbE line rate (59.52 Mpps).
// Run: `npx tsx bench/engine-speed.bench.ts [--trial-ms N] [--repeat N]` or via bench/run.ts.
import { performance } from "node:perf_hooks";
import { sumSync } from "../src/engine/parallel/report.ts";
import { PartitionedRunner } from "../src/engine/parallel/run.ts";
import { simulate } from "../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../src/engine/types.ts";
import { poolRunner } from "../src/experiment/pool.ts";
import { lineRatePps } from "../src/experiment/rate.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

/** One measured line (medians over `runs`); `text` is how bench/run.ts prints it. */
export interface EngineSpeedLine {
  suite: "simulator speed";
  /** "one simulation, 1 thread", "one simulation, 2 threads (partitioned)", "1 worker", ... */
  case: string;
  /** Threads working on the run(s). */
  threads: number;
  /** Simulations run at once (workers) or 1. */
  simulations: number;
  /** Frames simulated (all simulations together) and their virtual time (each simulation's). */
  frames: number;
  virtual_ms: number;
  /** Wall time of the event loop (setup excluded; workers: the slowest of those running at once). */
  wall_ms: number;
  frames_per_s: number;
  x_realtime: number;
  /** CPU time of the event loop (setup apart), every thread that ran it (each simulation's:
   *  workers: the slowest), and virtual ÷ CPU; absent where threads' CPU cannot be read. */
  cpu_ms?: number;
  x_realtime_cpu?: number;
  setup_ms: number;
  runs: number;
  /** Partitioned: how the two threads synchronized (medians; simulator speed, wall clock). */
  sync?: SyncSummary;
  text: string;
}

/** A partitioned run's synchronization, per run (medians over the runs). */
export interface SyncSummary {
  /** Times each thread (consumer, source) waited for the other, and slept in Atomics.wait. */
  waits: [number, number];
  sleeps: [number, number];
  /** Atomics.notify calls (both threads): each a futex wake-up of the other. */
  notifies: number;
  /** The source's naps (timed sleeps until its estimate of the room; no notify needed). */
  naps: number;
  /** Link records (one per write-back window) and exchanges (consumer takes that found some). */
  records: number;
  exchanges: number;
  /** Hand-offs (waits of both threads) per µs of virtual time, and frames per hand-off. */
  handoffs_per_virtual_us: number;
  frames_per_handoff: number;
  /** Wall ms each thread waited (consumer, source), and was runnable without a CPU (load). */
  wait_ms: [number, number];
  runnable_ms?: [number, number];
}

type Sync = NonNullable<SimResult["simulator"]["sync"]>;

function syncSummary(runs: Array<{ sync: Sync; frames: number; virtualMs: number }>): SyncSummary {
  // Each run's figures (the same sums `paths --json` reports), then their medians.
  const per = runs.map((r) => ({ ...r, t: sumSync([r.sync]) }));
  const m = (f: (r: (typeof per)[number]) => number) => median(per.map(f));
  const handoffs = (r: (typeof per)[number]) => r.t.waits[0] + r.t.waits[1];
  const both = (f: (r: (typeof per)[number]) => [number, number]): [number, number] => [
    m((r) => f(r)[0]),
    m((r) => f(r)[1]),
  ];
  return {
    waits: both((r) => r.t.waits),
    sleeps: both((r) => r.t.sleeps),
    notifies: m((r) => r.t.notifies),
    naps: m((r) => r.t.naps[1]),
    records: m((r) => r.t.records),
    exchanges: m((r) => r.t.exchanges),
    handoffs_per_virtual_us: m((r) => handoffs(r) / (r.virtualMs * 1e3)),
    frames_per_handoff: m((r) => r.frames / Math.max(1, handoffs(r))),
    wait_ms: both((r) => r.t.wait_ms),
    ...(per.every((r) => r.t.runnable_ms !== undefined)
      ? { runnable_ms: both((r) => r.t.runnable_ms as [number, number]) }
      : {}),
  };
}

function syncText(s: SyncSummary): string {
  const pair = (x: [number, number], d = 0) => `${x[0].toFixed(d)} / ${x[1].toFixed(d)}`;
  return (
    `synchronization per run (consumer / source thread): waits ${pair(s.waits)}, of them asleep ` +
    `${pair(s.sleeps)}, source naps ${s.naps.toFixed(0)}, ${s.notifies.toFixed(0)} notifies; ${s.handoffs_per_virtual_us.toFixed(3)} hand-offs per ` +
    `virtual µs (${s.frames_per_handoff.toFixed(0)} frames each); ${s.records.toFixed(0)} link records in ` +
    `${s.exchanges.toFixed(0)} exchanges; waiting ${pair(s.wait_ms, 1)} ms wall` +
    (s.runnable_ms ? `; runnable without a CPU (machine load) ${pair(s.runnable_ms, 1)} ms` : "")
  );
}

function spec(trialMs: number, seed: number): ScenarioSpec {
  return {
    path: "native",
    direction: "rx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps: lineRatePps(64, 10),
    arrival: "constant",
    durationNs: trialMs * 1e6,
    seed,
    profile: "bhyve",
    linkGbps: 10,
  };
}

/** Wall ms a simulation ran events (its setup excluded). */
const runMs = (s: SimResult) => s.simulator.wall_ms - (s.simulator.setup_ms ?? 0);

const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];

function line(
  c: string,
  threads: number,
  simulations: number,
  rows: Array<{
    frames: number;
    virtualMs: number;
    wallMs: number;
    cpuMs?: number;
    /** Partitioned: each thread's event-loop CPU (consumer, source). */
    threadCpuMs?: number[];
    setupMs: number;
    aggregateMs?: number;
    sync?: Sync;
  }>,
): EngineSpeedLine {
  const wall = median(rows.map((r) => r.wallMs));
  const frames = median(rows.map((r) => r.frames));
  const virtualMs = median(rows.map((r) => r.virtualMs));
  const cpu = rows.every((r) => r.cpuMs !== undefined) ? median(rows.map((r) => r.cpuMs!)) : undefined;
  const setup = median(rows.map((r) => r.setupMs));
  const x = virtualMs / wall;
  const fps = (frames / wall) * 1e3;
  const agg = rows.every((r) => r.aggregateMs !== undefined)
    ? median(rows.map((r) => r.aggregateMs!))
    : undefined;
  const each = simulations > 1 ? ` each (${simulations} at once, the slowest event loop)` : "";
  const split = rows.every((r) => r.threadCpuMs?.length === 2)
    ? [0, 1].map((i) => median(rows.map((r) => r.threadCpuMs![i])))
    : undefined;
  const cpuText =
    cpu === undefined
      ? ""
      : `; event-loop CPU ${cpu.toFixed(1)} ms` +
        `${split ? ` (consumer thread ${split[0].toFixed(1)} + source thread ${split[1].toFixed(1)})` : ""} = ` +
        `${(virtualMs / cpu).toFixed(3)}× real time per CPU second`;
  const text =
    `${c}: ${frames} frames, ${virtualMs.toFixed(1)} ms virtual${simulations > 1 ? ` × ${simulations}` : ""} ` +
    `in ${wall.toFixed(1)} ms wall = ${x.toFixed(3)}× real time${each} (${(fps / 1e6).toFixed(2)} M frames/s` +
    `${cpuText}; setup ${setup.toFixed(0)} ms apart` +
    `${agg !== undefined ? `; aggregate ${((virtualMs * simulations) / agg).toFixed(3)}× real time submit to last result, setup included` : ""}` +
    `; median of ${rows.length})`;
  const sync = rows.every((r) => r.sync !== undefined)
    ? syncSummary(rows.map((r) => ({ sync: r.sync as Sync, frames: r.frames, virtualMs: r.virtualMs })))
    : undefined;
  return {
    suite: "simulator speed",
    case: c,
    threads,
    simulations,
    frames,
    virtual_ms: virtualMs,
    wall_ms: wall,
    frames_per_s: fps,
    x_realtime: x,
    ...(cpu !== undefined ? { cpu_ms: cpu, x_realtime_cpu: virtualMs / cpu } : {}),
    setup_ms: setup,
    runs: rows.length,
    ...(sync ? { sync } : {}),
    text: sync ? `${text}\n    ${syncText(sync)}` : text,
  };
}

/** ONE simulation on the calling thread, then the same one split over two threads. */
async function measurePartitions(trialMs: number, repeat: number): Promise<EngineSpeedLine[]> {
  const runner = new PartitionedRunner();
  try {
    // Warm-up (not timed): the worker starts, and both threads run the trial a few times, so
    // the JIT's optimized code (JavaScript and the Wasm kernels' top tier) is what is timed.
    for (let i = 0; i < 4; i++) await runner.simulate(spec(trialMs, 100));
    for (let i = 0; i < 4; i++) simulate(spec(trialMs, 100));
    // The two alternate run by run, so that a change in the machine's load between them (other
    // programs on the cores) falls on both alike.
    const rows: Array<Array<Parameters<typeof line>[3][number]>> = [[], []];
    for (let i = 0; i < repeat; i++)
      for (const threads of [1, 2]) {
        const r = threads === 1 ? simulate(spec(trialMs, 1)) : await runner.simulate(spec(trialMs, 1));
        rows[threads - 1].push({
          frames: r.simulator.frames,
          virtualMs: r.virtual_ns / 1e6,
          wallMs: runMs(r),
          cpuMs: r.simulator.cpu_ms,
          ...(r.simulator.partition_cpu_ms ? { threadCpuMs: r.simulator.partition_cpu_ms } : {}),
          ...(r.simulator.sync ? { sync: r.simulator.sync } : {}),
          setupMs: r.simulator.setup_ms ?? 0,
        });
      }
    const one = line("one simulation, 1 thread", 1, 1, rows[0]);
    const two = line("one simulation, 2 threads (partitioned)", 2, 1, rows[1]);
    const ratio =
      `partitioned ÷ 1 thread, same run (runs alternating): ${(two.frames_per_s / one.frames_per_s).toFixed(2)}× the frames/s` +
      (one.cpu_ms !== undefined && two.cpu_ms !== undefined
        ? `, ${(two.cpu_ms / one.cpu_ms).toFixed(2)}× the event-loop CPU`
        : "");
    return [one, { ...two, text: `${two.text}\n    ${ratio}` }];
  } finally {
    await runner.close();
  }
}

/** `workers` independent simulations at once on the worker pool (paths --workers). */
async function measureWorkers(workers: number, trialMs: number, repeat: number): Promise<EngineSpeedLine> {
  const runner = poolRunner(workers);
  try {
    // Warm-up: every worker loads the engine (Wasm module and memory) and runs the trial a few
    // times (the JIT's optimized code) before timing starts, as the in-process lines do.
    for (let k = 0; k < 4; k++)
      await Promise.all(Array.from({ length: workers }, (_, i) => runner.run(spec(trialMs, 100 + i))));
    const rows = [];
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      const res = await Promise.all(
        Array.from({ length: workers }, (_, i) => runner.run(spec(trialMs, 1 + i))),
      );
      const aggregateMs = performance.now() - t0;
      rows.push({
        frames: res.reduce((a, s) => a + s.simulator.frames, 0),
        virtualMs: res[0].virtual_ns / 1e6,
        // Each simulation's event loop inside its worker (they run at the same time): the slowest.
        wallMs: Math.max(...res.map(runMs)),
        setupMs: Math.max(...res.map((s) => s.simulator.setup_ms ?? 0)),
        cpuMs: res.every((s) => s.simulator.cpu_ms !== undefined)
          ? Math.max(...res.map((s) => s.simulator.cpu_ms!))
          : undefined,
        aggregateMs,
      });
    }
    return line(
      workers === 1 ? "1 worker" : `${workers} workers (${workers} independent simulations)`,
      workers,
      workers,
      rows,
    );
  } finally {
    await runner.close();
  }
}

export async function suite(
  opts: { quick?: boolean; trialMs?: number; repeat?: number } = {},
): Promise<EngineSpeedLine[]> {
  const trialMs = opts.trialMs ?? (opts.quick ? 2 : 20);
  const repeat = opts.repeat ?? (opts.quick ? 3 : 5);
  return [
    ...(await measurePartitions(trialMs, repeat)),
    await measureWorkers(1, trialMs, repeat),
    await measureWorkers(2, trialMs, repeat),
  ];
}

/** The heading bench/run.ts prints above these lines. */
export const HEADING =
  "simulator speed (wall clock on this machine, not a simulated figure): native path, 64 B, " +
  "offered 14.88 Mpps (10 GbE line rate), all timing work on";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = await suite({
    trialMs: arg("--trial-ms") ? Number(arg("--trial-ms")) : undefined,
    repeat: arg("--repeat") ? Number(arg("--repeat")) : undefined,
  });
  process.stdout.write(`${HEADING}\n`);
  for (const l of lines) process.stdout.write(`  ${l.text}\n`);
}
