// One simulation: a path at one offered load, run to completion in virtual time on real frames.
// Synchronous and single-threaded (deterministic by construction). The Wasm module must be built:
// `await ensureKernels()` once (the CLI and tests do), or `npm run build:wasm`.
import { UserError } from "../errors.ts";
import { loadCosts } from "../model/costs.ts";
import { ENGINE_PATH_NAMES, type EngineElement, type EnginePath, enginePath } from "../paths/path-graphs.ts";
import { loadModule } from "../switch/wasm.ts";
import { DEFAULT_ACK_EVERY } from "./application.ts";
import { checkStallQueues, faultRecords, faultWindow, simulatedFaults, WorkerExitFault } from "./faults.ts";
import { buildGraph, type GraphOptions, returnBuffersOnThisThread } from "./graph.ts";
import { checkReplayDirection } from "./replay.ts";
import { collect } from "./result.ts";
import { runGraph } from "./run.ts";
import { threadCpuMs, threadCpuSince } from "./thread-cpu.ts";
import type { Direction, ScenarioSpec, SimResult } from "./types.ts";

/** Builds (if needed) and compiles the kernels; call once before simulate(). */
export async function ensureKernels(): Promise<void> {
  await loadModule();
}

/** The path named `name` (a user error naming the known ones when there is none). */
function knownPath(name: string): EnginePath {
  const path = enginePath(name);
  if (!path)
    throw new UserError("E_USAGE", `unknown path '${name}' (paths: ${ENGINE_PATH_NAMES.join(", ")})`);
  return path;
}

/** The elements `direction` of a path runs: a path of ENGINE_PATHS by name, or any EnginePath. */
export function pathElements(
  named: string | EnginePath,
  direction: Direction,
): Array<{ dir: "rx" | "tx"; el: EngineElement }> {
  const path = typeof named === "string" ? knownPath(named) : named;
  const name = path.name;
  if (direction !== "tx" && !path.rx)
    throw new UserError("E_USAGE", `path ${name} only transmits (direction tx), not ${direction}`);
  if (direction !== "rx" && !path.tx)
    throw new UserError(
      "E_USAGE",
      `path ${name} only forwards what it receives (direction rx), not ${direction}: it has no consumer that sends`,
    );
  const out: Array<{ dir: "rx" | "tx"; el: EngineElement }> = [];
  if (direction !== "tx") for (const el of path.rx ?? []) out.push({ dir: "rx", el });
  if (direction !== "rx") for (const el of path.tx ?? []) out.push({ dir: "tx", el });
  return out;
}

export interface SimulateHooks {
  /** An injected worker-exit fault fired at virtual time `atNs` (default: throw WorkerExitFault,
   *  the inline runner's simulated exit; the simulate worker exits its thread instead). */
  onWorkerExit?: (atNs: number) => void;
}

/** The graph a scenario runs (validated): shared by simulate() and the partitioned run. The
 *  path is spec.path's of ENGINE_PATHS, or `graph` (any EnginePath named spec.path: a path that
 *  is data only, e.g. a test's). */
export function scenarioGraphOptions(spec: ScenarioSpec, graph?: EnginePath): GraphOptions {
  if (graph && graph.name !== spec.path)
    throw new Error(`scenarioGraphOptions: spec.path '${spec.path}' is not the graph's '${graph.name}'`);
  const path = graph ?? knownPath(spec.path);
  if (!(spec.ratePps > 0)) throw new UserError("E_USAGE", `rate must be > 0 frames/s (got ${spec.ratePps})`);
  if (!(spec.durationNs > 0))
    throw new UserError("E_USAGE", `duration must be > 0 ns (got ${spec.durationNs})`);
  if (spec.replay) checkReplayDirection(spec.replay, spec.direction, path);
  if (spec.window !== undefined) {
    if (!Number.isInteger(spec.window) || spec.window < 1)
      throw new UserError("E_USAGE", `window must be a whole number of frames >= 1 (got ${spec.window})`);
    if (!spec.application)
      throw new UserError("E_USAGE", "a closed-loop window needs an application to read the frames");
    if (spec.direction !== "rx")
      throw new UserError(
        "E_USAGE",
        `a closed-loop window runs the receive direction only (got ${spec.direction})`,
      );
    if (spec.replay) throw new UserError("E_USAGE", "a closed-loop window does not replay a capture");
  }
  const ackEvery = closedLoopAcks(spec, path);
  const warmupNs = spec.warmupNs ?? 0;
  if (warmupNs < 0 || warmupNs >= spec.durationNs)
    throw new UserError(
      "E_USAGE",
      `warm-up (${warmupNs} ns) must lie inside the duration (${spec.durationNs} ns)`,
    );
  return {
    path,
    // The receiver's ACKs travel the path's transmit direction: both directions are built.
    elements: pathElements(path, ackEvery > 0 ? "both" : spec.direction),
    traffic: spec.traffic,
    costs: loadCosts(spec.profile),
    ratePps: spec.ratePps,
    poisson: spec.arrival === "poisson",
    offerUntilNs: spec.durationNs,
    warmupNs,
    count: spec.count ?? 0,
    seed: spec.seed,
    linkGbps: spec.linkGbps,
    config: spec.config,
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.host ? { host: spec.host } : {}),
    ...(spec.replay ? { replay: spec.replay } : {}),
    faults: simulatedFaults(spec.faults),
    ...(spec.application ? { application: true } : {}),
    ...(spec.window !== undefined ? { window: spec.window, ackEvery } : {}),
  };
}

/** Frames per ACK of a closed loop (0: none simulated, or no closed loop), validated. */
function closedLoopAcks(spec: ScenarioSpec, path: EnginePath): number {
  if (spec.ackEvery === undefined) {
    if (spec.window === undefined) return 0;
  } else {
    if (spec.window === undefined) throw new UserError("E_USAGE", "ackEvery needs a closed-loop window");
    if (!Number.isInteger(spec.ackEvery) || spec.ackEvery < 0)
      throw new UserError("E_USAGE", `ackEvery must be a whole number of frames >= 0 (got ${spec.ackEvery})`);
  }
  const every = spec.ackEvery ?? DEFAULT_ACK_EVERY;
  if (every === 0) return 0;
  const window = spec.window as number;
  const gen = path.rx?.find((e) => e.kind === "gen");
  const onWire = path.resources.find((r) => r.name === gen?.on)?.kind === "wire";
  if (!onWire)
    throw new UserError(
      "E_USAGE",
      `path ${path.name}: its receive direction has no sender on the wire to acknowledge (ackEvery 0 runs the closed loop without ACKs)`,
    );
  if (!path.tx?.some((e) => e.kind === "gen") || !path.tx.some((e) => e.kind === "sink"))
    throw new UserError(
      "E_USAGE",
      `path ${path.name} has no transmit direction from its consumer to the wire to carry the ACKs (ackEvery 0 runs the closed loop without them)`,
    );
  if (window < every)
    throw new UserError(
      "E_USAGE",
      `a window of ${window} frame${window === 1 ? "" : "s"} is smaller than one ACK's ${every} frames: the sender would wait forever (no delayed-ACK timer is simulated)`,
    );
  return every;
}

/** Runs `spec`; `graph`: the EnginePath to run instead of spec.path's of ENGINE_PATHS (named
 *  spec.path), so a path defined as data elsewhere runs through the same machinery. */
export function simulate(spec: ScenarioSpec, hooks: SimulateHooks = {}, graph?: EnginePath): SimResult {
  const t0 = performance.now();
  const g = buildGraph(scenarioGraphOptions(spec, graph));
  returnBuffersOnThisThread(g);
  checkStallQueues(g.ctx);
  for (const f of spec.faults ?? [])
    if (f.kind === "worker-exit") {
      const { fromNs } = faultWindow(f, spec.durationNs);
      const die =
        hooks.onWorkerExit ??
        ((at: number) => {
          throw new WorkerExitFault(at);
        });
      g.ctx.q.push(fromNs, () => die(fromNs));
    }
  const t1 = performance.now();
  const c1 = threadCpuMs();
  const state = runGraph(g);
  const cpu = threadCpuSince(c1);
  const r = collectRun(g, spec, state, t0, t1);
  if (cpu !== undefined) r.simulator.cpu_ms = cpu;
  return r;
}

/** The result of a graph run to its end: counters, resources, elements and fault records.
 *  Shared by simulate() and the partitioned run, so both report the same things. */
export function collectRun(
  g: ReturnType<typeof buildGraph>,
  spec: Pick<ScenarioSpec, "path" | "direction">,
  state: ReturnType<typeof runGraph>,
  t0: number,
  t1: number,
): SimResult {
  const r = collect(g.ctx, {
    path: spec.path,
    direction: spec.direction,
    sentAtWarmupByGen: state.sentAtWarmupByGen,
    perDirection: spec.direction === "both",
    endNs: state.endNs,
    wallMs: performance.now() - t0,
    busyAtWarmup: state.busyAtWarmup,
    busyAtOfferEnd: state.busyAtOfferEnd,
    eventsAtWarmup: state.eventsAtWarmup,
    eventsAtOfferEnd: state.eventsAtOfferEnd,
    elements: g.specs.map((s, i) => ({ spec: s, runtime: g.runtimes[i] })),
  });
  r.simulator.setup_ms = t1 - t0;
  if (g.ctx.faults) {
    const byElement = g.runtimes.flatMap((rt) => (rt.faultRecord ? [rt] : []));
    r.faults = faultRecords(
      g.ctx,
      byElement.map((rt) => ({ record: () => rt.faultRecord!() })),
    );
  }
  return r;
}
