// The steering matrix: traffic (encapsulation × regime) × strategy, each run through the switch.
import { jain } from "./fairness.ts";
import { modelThroughput } from "./model.ts";
import { type Engine, runSteering, type SteeringRun } from "./run.ts";
import { STRATEGY_IDS, STRATEGY_NAMES, type StrategyId, strategySetup } from "./strategies.ts";
import { closeSteeringThreads } from "./threaded.ts";
import {
  buildSteeringTraffic,
  type Popularity,
  REGIMES,
  type Regime,
  STEERING_ENCAPS,
  type SteeringEncap,
} from "./traffic.ts";

export interface SteeringOptions {
  encaps: SteeringEncap[];
  regimes: Regime[];
  strategies: StrategyId[];
  /** Cores / queues / VFs / generator instances (n). */
  queues: number;
  flows: number;
  popularity: Popularity;
  zipfS: number;
  frames: number;
  seed: number;
  engine: Engine;
  /** Software dispatch on worker threads (dispatcher + n workers) rather than inline in one thread. */
  dispatchThreads: boolean;
}

export const DEFAULT_STEERING: SteeringOptions = {
  encaps: ["vxlan", "gtpu", "gre", "mpls", "qinq"],
  regimes: [...REGIMES],
  strategies: [...STRATEGY_IDS],
  queues: 4,
  flows: 256,
  popularity: "uniform",
  zipfS: 1,
  frames: 4096,
  seed: 1,
  engine: "wasm",
  dispatchThreads: true,
};

export interface SteeringRow {
  encap: SteeringEncap;
  regime: Regime;
  strategy: StrategyId;
  strategyName: string;
  /** Frames per core (queue, VF or dispatcher worker). */
  perQueue: number[];
  jain: number;
  /** Wall-clock rate of the steering run through the simulator: measured (simulator). */
  measuredMpps: number;
  /** Modeled capacity (steering-model.json). */
  modeledMpps: number;
  modeledBottleneck: string;
  conservationOk: boolean;
  conservation: SteeringRun["conservation"];
  /** Threads that moved frames (1, or switch + dispatcher + n workers for threaded dispatch). */
  threads: number;
  meanFrameBytes: number;
  trafficNote: string;
}

export interface SteeringReport {
  options: SteeringOptions;
  rows: SteeringRow[];
  problems: string[];
}

export async function runSteeringMatrix(
  opts: SteeringOptions,
  onRow?: (row: SteeringRow) => void,
): Promise<SteeringReport> {
  const rows: SteeringRow[] = [];
  const problems: string[] = [];
  try {
    await runMatrix(opts, rows, problems, onRow);
  } finally {
    await closeSteeringThreads();
  }
  return { options: opts, rows, problems };
}

async function runMatrix(
  opts: SteeringOptions,
  rows: SteeringRow[],
  problems: string[],
  onRow?: (row: SteeringRow) => void,
): Promise<void> {
  await warmUp(opts);
  for (const encap of opts.encaps) {
    for (const regime of opts.regimes) {
      const traffic = buildSteeringTraffic({
        encap,
        regime,
        flows: opts.flows,
        popularity: opts.popularity,
        zipfS: opts.zipfS,
        frames: opts.frames,
        instances: opts.queues,
        seed: opts.seed,
      });
      for (const strategy of opts.strategies) {
        const setup = strategySetup(strategy, opts.queues, traffic.dstMacs);
        const run = await runSteering(setup, traffic.frames, {
          engine: opts.engine,
          dispatchThreads: opts.dispatchThreads,
        });
        const model = modelThroughput(run.perCore, setup.dispatch);
        const row: SteeringRow = {
          encap,
          regime,
          strategy,
          strategyName: STRATEGY_NAMES[strategy],
          perQueue: run.perCore,
          jain: jain(run.perCore),
          measuredMpps: run.measuredMpps,
          modeledMpps: model.mpps,
          modeledBottleneck: model.bottleneck,
          conservationOk: run.conservation.ok,
          conservation: run.conservation,
          threads: run.threads,
          meanFrameBytes: traffic.meanBytes,
          trafficNote: traffic.note,
        };
        for (const p of run.conservation.problems)
          problems.push(`${encap}/${regime}/${strategy}: conservation: ${p}`);
        rows.push(row);
        onRow?.(row);
      }
    }
  }
}

/** One untimed, unreported run so the first measured row does not pay for JIT and Wasm compilation. */
async function warmUp(opts: SteeringOptions): Promise<void> {
  const encap = opts.encaps[0];
  if (encap === undefined || opts.strategies.length === 0) return;
  const traffic = buildSteeringTraffic({
    encap,
    regime: "one-tunnel",
    flows: 64,
    popularity: "uniform",
    zipfS: 1,
    frames: 2048,
    instances: opts.queues,
    seed: 1,
  });
  for (const id of ["outer-rss", "sw-dispatch"] as const) {
    await runSteering(strategySetup(id, opts.queues, traffic.dstMacs), traffic.frames, {
      engine: opts.engine,
      dispatchThreads: opts.dispatchThreads,
    });
  }
}

export { REGIMES, STEERING_ENCAPS, STRATEGY_IDS };
