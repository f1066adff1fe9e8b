// Simulator speed (wall clock, not a simulated figure): the engine simulating the native path at
// 64 B, offered 10 GbE line rate (14.88 Mpps), with all timing work on (every resource's clock,
// interrupts, polling), for 1 worker and for 2 workers running two independent simulations in
// parallel (aggregate and per simulation). Prints frames simulated per wall second and × real
// time (virtual seconds per wall second); the target is > 1× real time at 10 GbE line
// rate, the moonshot 40 GbE line rate (59.52 Mpps) faster than real time. Also ONE simulation on
// 1 thread and on 2 threads (src/engine/parallel: the wire generator's partition in a worker,
// conservative synchronization), setup excluded.
// Run: `npx tsx bench/engine-speed.bench.ts [--trial-ms N] [--repeat N]` or via bench/run.ts.
import { performance } from "node:perf_hooks";
import { PartitionedRunner } from "../src/engine/parallel/run.ts";
import { simulate } from "../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../src/engine/types.ts";
import { poolRunner } from "../src/experiment/pool.ts";
import { lineRatePps } from "../src/experiment/rate.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

export interface EngineSpeedLine {
  suite: "simulator speed";
  /** What ran: "1 worker" or "2 workers (2 independent simulations)". */
  case: string;
  workers: number;
  simulations: number;
  /** Frames simulated per wall-clock second, all simulations together. */
  aggregate_frames_per_s: number;
  aggregate_x_realtime: number;
  /** Each simulation alone (its own wall time inside the worker, setup excluded), median. */
  per_simulation_frames_per_s: number;
  per_simulation_x_realtime: number;
  /** Building the host, switch and layout before the first event (ms, median). */
  setup_ms: number;
  virtual_ms_per_simulation: number;
  runs: number;
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

/** Wall seconds a simulation ran events (its setup excluded). */
const runS = (s: SimResult) => (s.simulator.wall_ms - (s.simulator.setup_ms ?? 0)) / 1000;

const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];

async function measure(workers: number, trialMs: number, repeat: number): Promise<EngineSpeedLine> {
  const runner = poolRunner(workers);
  try {
    // Warm-up: every worker loads the engine (Wasm module and memory) before timing starts.
    await Promise.all(Array.from({ length: workers }, (_, i) => runner.run(spec(1, 100 + i))));
    const agg: Array<{ frames: number; virtualS: number; wallS: number }> = [];
    const each: SimResult[] = [];
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      const res = await Promise.all(
        Array.from({ length: workers }, (_, i) => runner.run(spec(trialMs, 1 + i))),
      );
      const wallS = (performance.now() - t0) / 1000;
      agg.push({
        frames: res.reduce((a, s) => a + s.simulator.frames, 0),
        virtualS: res.reduce((a, s) => a + s.virtual_ns, 0) / 1e9,
        wallS,
      });
      each.push(...res);
    }
    return {
      suite: "simulator speed",
      case: workers === 1 ? "1 worker" : `${workers} workers (${workers} independent simulations)`,
      workers,
      simulations: workers,
      aggregate_frames_per_s: median(agg.map((a) => a.frames / a.wallS)),
      aggregate_x_realtime: median(agg.map((a) => a.virtualS / a.wallS)),
      per_simulation_frames_per_s: median(each.map((s) => s.simulator.frames / (runS(s) || Number.NaN))),
      per_simulation_x_realtime: median(each.map((s) => s.virtual_ns / 1e9 / (runS(s) || Number.NaN))),
      setup_ms: median(each.map((s) => s.simulator.setup_ms ?? 0)),
      virtual_ms_per_simulation: median(each.map((s) => s.virtual_ns / 1e6)),
      runs: repeat,
    };
  } finally {
    await runner.close();
  }
}

export interface PartitionSpeedLine {
  suite: "simulator speed";
  /** "one simulation, 1 thread" or "one simulation, 2 threads (partitioned)". */
  case: string;
  threads: number;
  /** Frames of the one simulation per wall-clock second of its event loop (setup excluded), median. */
  frames_per_s: number;
  x_realtime: number;
  /** Process CPU time per wall time over the event loops (about 2 when both threads are busy). */
  cpu_per_wall: number;
  setup_ms: number;
  virtual_ms: number;
  runs: number;
}

/** One simulation on the calling thread, then the same one split over two threads. */
async function measurePartitions(trialMs: number, repeat: number): Promise<PartitionSpeedLine[]> {
  const runner = new PartitionedRunner();
  try {
    await runner.simulate(spec(1, 100)); // starts the worker and warms both threads up
    simulate(spec(1, 100));
    const out: PartitionSpeedLine[] = [];
    for (const threads of [1, 2]) {
      const rows: Array<{ r: SimResult; cpuMs: number }> = [];
      for (let i = 0; i < repeat; i++) {
        const c0 = process.cpuUsage();
        const r = threads === 1 ? simulate(spec(trialMs, 1)) : await runner.simulate(spec(trialMs, 1));
        const c = process.cpuUsage(c0);
        rows.push({ r, cpuMs: (c.user + c.system) / 1000 });
      }
      out.push({
        suite: "simulator speed",
        case: threads === 1 ? "one simulation, 1 thread" : "one simulation, 2 threads (partitioned)",
        threads,
        frames_per_s: median(rows.map(({ r }) => r.simulator.frames / (runS(r) || Number.NaN))),
        x_realtime: median(rows.map(({ r }) => r.virtual_ns / 1e9 / (runS(r) || Number.NaN))),
        cpu_per_wall: median(rows.map(({ r, cpuMs }) => cpuMs / r.simulator.wall_ms)),
        setup_ms: median(rows.map(({ r }) => r.simulator.setup_ms ?? 0)),
        virtual_ms: trialMs,
        runs: repeat,
      });
    }
    return out;
  } finally {
    await runner.close();
  }
}

export async function suite(
  opts: { quick?: boolean; trialMs?: number; repeat?: number } = {},
): Promise<Array<EngineSpeedLine | PartitionSpeedLine>> {
  const trialMs = opts.trialMs ?? (opts.quick ? 2 : 10);
  const repeat = opts.repeat ?? (opts.quick ? 1 : 3);
  return [
    await measure(1, trialMs, repeat),
    await measure(2, trialMs, repeat),
    ...(await measurePartitions(trialMs, opts.quick ? 3 : repeat + 2)),
  ];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = await suite({
    trialMs: arg("--trial-ms") ? Number(arg("--trial-ms")) : undefined,
    repeat: arg("--repeat") ? Number(arg("--repeat")) : undefined,
  });
  process.stdout.write(
    "simulator speed (wall clock on this machine): native path, 64 B, offered 14.88 Mpps (10 GbE line rate)\n",
  );
  for (const l of lines) {
    if (!("workers" in l)) {
      process.stdout.write(
        `  ${l.case}: ${(l.frames_per_s / 1e6).toFixed(2)} M frames/s = ${l.x_realtime.toFixed(3)}× real time ` +
          `(event loop; CPU/wall ${l.cpu_per_wall.toFixed(2)}; setup ${l.setup_ms.toFixed(0)} ms; ${l.virtual_ms} ms virtual, median of ${l.runs})\n`,
      );
      continue;
    }
    process.stdout.write(
      `  ${l.case}: aggregate ${(l.aggregate_frames_per_s / 1e6).toFixed(2)} M frames/s = ${l.aggregate_x_realtime.toFixed(3)}× real time (setup included); ` +
        `per simulation ${(l.per_simulation_frames_per_s / 1e6).toFixed(2)} M frames/s = ${l.per_simulation_x_realtime.toFixed(3)}× real time + ${l.setup_ms.toFixed(0)} ms setup ` +
        `(${l.virtual_ms_per_simulation.toFixed(1)} ms virtual each, median of ${l.runs})\n`,
    );
  }
}
