// The steering matrix: traffic mixes x strategies x core counts, each a simulation on the engine,
// at an offered load (--rate) and at NDR. Everything here is simulated (virtual time); how long
// the simulator took is kept apart in `simulator`.
import { type FaultRecord, type FaultSpec, withWorkerExitRetrySync } from "../engine/faults.ts";
import { UserError } from "../errors.ts";
import { loadCosts } from "../model/costs.ts";
import { parseFrame } from "../switch/reference/parse.ts";
import { checkRules, deriveRules, type FlowRule, ruleEntries } from "./flow-rules.ts";
import { searchNdr } from "./ndr.ts";
import { type SteeringScenario, type SteeringSim, simulateSteering } from "./simulate.ts";
import {
  coreLimit,
  nicLimits,
  STRATEGY_IDS,
  type StrategyId,
  type Symmetric,
  strategyGraph,
} from "./strategies.ts";
import type { SteeringTraffic } from "./traffic.ts";

export interface MatrixOptions {
  traffics: SteeringTraffic[];
  strategies: StrategyId[];
  queues: number[];
  /** Offered load in frames/s, or null: results at NDR only. A function gives each traffic its
   *  own (a rate in Gbit/s or % of line rate is a different frame rate for each mix's frames). */
  ratePps: number | null | ((traffic: SteeringTraffic) => number);
  frames: number;
  seed: number;
  profile: string;
  nic: string;
  symmetric: Symmetric | null;
  /** Flow rules configured on the port (null: derive a default set from each mix). */
  portRules: FlowRule[] | null;
  /** NDR resolution as a fraction of line rate. */
  precision: number;
  /** Skip the NDR search (results at --rate only). */
  ndr: boolean;
  linkGbps: number;
  progress?: (done: number, total: number) => void;
  /** Injected faults: sink-stall and generator-overrun at --rate (the NDR search stays
   *  fault-free), worker-exit into the first simulation of the matrix. */
  faults?: FaultSpec[];
}

export interface SteeringResult {
  strategy: StrategyId;
  traffic: string;
  queues: number;
  /** Null when the NIC profile cannot run this strategy on this many cores. */
  skipped: string | null;
  per_queue: number[];
  jain: number;
  max_over_mean: number;
  reordered: number;
  split_pairs: number;
  drops: Record<string, number>;
  loss_ratio: number;
  offered_mpps: number;
  delivered_mpps: number;
  wire_gbps: number;
  ndr_mpps: number | null;
  ndr_gbps: number | null;
  line_rate_mpps: number;
  latency_us: { p50: number; p99: number; min: number };
  utilization: { busiest_core: number; dispatcher: number | null; nic: number; wire: number };
  bottleneck: string;
  /** flow-rules: where the rules came from. */
  rules: {
    source: "port" | "derived";
    count: number;
    entries: number;
    /** Offered flows a rule matched, and those left to RSS. */
    matched_flows: number;
    fallback_flows: number;
    /** Of matched_flows, those a drop rule matched: the NIC discards their frames. */
    dropped_flows: number;
  } | null;
  /** Which operating point per_queue..utilization describe. */
  at: "rate" | "ndr";
  /** With --rate and the NDR search: the NDR trial's own figures. */
  at_ndr?: {
    per_queue: number[];
    jain: number;
    latency_us: { p50: number; p99: number; min: number };
    busiest_core: number;
    dispatcher: number | null;
  };
  conservation_ok: boolean;
  /** The NIC's filters dropped every frame of this row's trials: no load reaches a core, so
   *  there is no NDR (a row without --rate is skipped with the reason; with it, a note says so).
   *  runMatrix always sets it; optional for rows built elsewhere (sweep merges, tests). */
  all_filtered?: boolean;
  /** Injected faults and what each did in the simulation these figures come from. */
  faults?: FaultRecord[];
}

export interface MatrixResult {
  results: SteeringResult[];
  problems: string[];
  /** With injected faults: every simulation's fault records, tagged with its run. */
  faults?: Array<FaultRecord & { strategy: string; traffic: string; queues: number; rate_mpps: number }>;
  simulator: { frames: number; events: number; wall_s: number; simulations: number };
}

const l1Gbps = (pps: number, frameBytes: number) => (pps * (frameBytes + 20) * 8) / 1e9;

function fromSim(r: SteeringSim) {
  return {
    per_queue: r.perQueue,
    jain: r.jain,
    max_over_mean: r.maxOverMean,
    reordered: r.reordered,
    split_pairs: r.splitPairs,
    drops: r.drops,
    loss_ratio: r.lossRatio,
    offered_mpps: r.offeredMpps,
    delivered_mpps: r.deliveredMpps,
    wire_gbps: r.wireGbps,
    latency_us: r.latencyUs,
    utilization: {
      busiest_core: r.utilization.busiestCore,
      dispatcher: r.utilization.dispatcher,
      nic: r.utilization.nic,
      wire: r.utilization.wire,
    },
    bottleneck: r.bottleneck,
    conservation_ok: r.conservation.ok,
    all_filtered: r.allFiltered,
    ...(r.faults ? { faults: r.faults } : {}),
  };
}

export function runMatrix(o: MatrixOptions): MatrixResult {
  const t0 = performance.now();
  const costs = loadCosts(o.profile);
  const lim = nicLimits(o.nic);
  const results: SteeringResult[] = [];
  const problems: string[] = [];
  let frames = 0;
  let events = 0;
  let sims = 0;
  const total = o.traffics.length * o.strategies.length * o.queues.length;
  let done = 0;
  const workerExit = o.faults?.find((f) => f.kind === "worker-exit") ?? null;
  const atRateFaults = (o.faults ?? []).filter((f) => f.kind !== "worker-exit");
  const faultLog: NonNullable<MatrixResult["faults"]> = [];
  let firstSim = true;
  /** The last simulation run (a row with no lossless load says why when its filters took all). */
  let lastSim: SteeringSim | null = null;
  // Every simulation goes through here: the first one takes the injected worker exit (this
  // thread is the matrix's only worker: the exit is simulated, the run abandoned and redone).
  const sim = (sc: SteeringScenario): SteeringSim => {
    const inject = firstSim && workerExit?.kind === "worker-exit" ? workerExit : null;
    firstSim = false;
    const { result, record } = withWorkerExitRetrySync(inject, (withFault) =>
      simulateSteering(withFault && inject ? { ...sc, faults: [...(sc.faults ?? []), inject] } : sc),
    );
    if (record) result.faults = [...(result.faults ?? []), record];
    for (const f of result.faults ?? [])
      faultLog.push({
        ...f,
        strategy: sc.graph.strategy,
        traffic: sc.traffic.name,
        queues: sc.graph.cores,
        rate_mpps: sc.ratePps / 1e6,
      });
    lastSim = result;
    return result;
  };
  if (o.portRules)
    checkRules(o.portRules, {
      id: o.nic,
      profile: o.nic,
      rules: lim.flowRules,
      patterns: lim.patterns,
      ipv6Entries: lim.ipv6Entries,
    });
  for (const traffic of o.traffics)
    for (const strategy of o.strategies)
      for (const n of o.queues) {
        done++;
        o.progress?.(done, total);
        const cap = coreLimit(strategy, lim);
        const base = { strategy, traffic: traffic.name, queues: n };
        if (n > cap.max) {
          results.push({ ...base, ...empty(), skipped: `${o.nic}: at most ${cap.max} cores (${cap.why})` });
          continue;
        }
        let rules: FlowRule[] = [];
        let ruleInfo: SteeringResult["rules"] = null;
        if (strategy === "flow-rules") {
          if (lim.flowRules === 0) {
            results.push({ ...base, ...empty(), skipped: `${o.nic}: no flow-rule table` });
            continue;
          }
          rules =
            o.portRules ??
            deriveRules(traffic.flowFrames, traffic.pairOf, n, lim.patterns, (f) => parseFrame(f));
          const entries = rules.reduce((a, r) => a + ruleEntries(r, lim.ipv6Entries), 0);
          if (o.portRules === null) {
            try {
              checkRules(
                rules,
                {
                  id: o.nic,
                  profile: o.nic,
                  rules: lim.flowRules,
                  patterns: lim.patterns,
                  ipv6Entries: lim.ipv6Entries,
                },
                n,
              );
            } catch (e) {
              results.push({ ...base, ...empty(), skipped: (e as Error).message });
              continue;
            }
          } else if (rules.some((r) => r.queue !== undefined && r.queue >= n)) {
            const r = rules.find((x) => x.queue !== undefined && x.queue >= n)!;
            results.push({
              ...base,
              ...empty(),
              skipped: `port rule #${r.id} sends to queue ${r.queue}, and ${n} core(s) have queue${n === 1 ? " 0" : `s 0..${n - 1}`}`,
            });
            continue;
          }
          ruleInfo = {
            source: o.portRules ? "port" : "derived",
            count: rules.length,
            entries,
            matched_flows: 0,
            fallback_flows: 0,
            dropped_flows: 0,
          };
        }
        const graph = strategyGraph(strategy, n, { symmetric: o.symmetric, rules, nic: o.nic });
        const scenario = {
          graph,
          traffic,
          frames: o.frames,
          seed: o.seed,
          profile: costs,
          linkGbps: o.linkGbps,
        };
        let atRate: SteeringSim | null = null;
        const ratePps = typeof o.ratePps === "function" ? o.ratePps(traffic) : o.ratePps;
        if (ratePps !== null) {
          atRate = sim({
            ...scenario,
            ratePps,
            ...(atRateFaults.length > 0 ? { faults: atRateFaults } : {}),
          });
          frames += atRate.simulator.frames;
          events += atRate.simulator.events;
          sims++;
        }
        let ndrPps: number | null = null;
        let atNdr: SteeringSim | null = null;
        let linePps = 0;
        if (o.ndr) {
          const s = searchNdr(scenario, o.linkGbps, o.precision, sim);
          // Whole frames per second: line rate passing came back as Math.round(line rate),
          // up to half a frame per second (and 10.0000003 Gbit/s) above it.
          // No lossless load (no trial passed, e.g. the filters took every frame): no NDR, null
          // as with --no-ndr (docs/steering-json.md), not an NDR of 0 Mpps.
          ndrPps = s.atNdr ? Math.min(s.ndrPps, s.linePps) : null;
          atNdr = s.atNdr;
          linePps = s.linePps;
          sims += s.trials.length;
          frames += s.frames;
          events += s.events;
        }
        const shown = atRate ?? atNdr;
        if (ruleInfo && shown) {
          ruleInfo.matched_flows = shown.ruleFlows.matched;
          ruleInfo.fallback_flows = shown.ruleFlows.fallback;
          ruleInfo.dropped_flows = shown.ruleFlows.dropped ?? 0;
        }
        const frameBytes = (atRate ?? atNdr)?.meanFrameBytes ?? 0;
        if (!linePps && shown) linePps = (o.linkGbps * 1e9) / ((shown.meanFrameBytes + 20) * 8);
        for (const r of [atRate, atNdr])
          if (r && !r.conservation.ok)
            problems.push(`${strategy}/${traffic.name}/${n}: ${r.conservation.problems.join("; ")}`);
        results.push({
          ...base,
          skipped: null,
          ...(shown ? fromSim(shown) : empty()),
          ...(atRate === null && atNdr === null
            ? {
                skipped: noLosslessLoad(lastSim),
                all_filtered: (lastSim as SteeringSim | null)?.allFiltered ?? false,
              }
            : {}),
          ndr_mpps: ndrPps === null ? null : ndrPps / 1e6,
          ndr_gbps: ndrPps === null ? null : l1Gbps(ndrPps, frameBytes),
          line_rate_mpps: linePps / 1e6,
          rules: ruleInfo,
          at: atRate ? "rate" : "ndr",
          ...(atRate && atNdr
            ? {
                at_ndr: {
                  per_queue: atNdr.perQueue,
                  jain: atNdr.jain,
                  latency_us: atNdr.latencyUs,
                  busiest_core: atNdr.utilization.busiestCore,
                  dispatcher: atNdr.utilization.dispatcher,
                },
              }
            : {}),
        });
      }
  return {
    results,
    problems,
    ...(o.faults && o.faults.length > 0 ? { faults: faultLog } : {}),
    simulator: { frames, events, wall_s: (performance.now() - t0) / 1000, simulations: sims },
  };
}

function empty(): Omit<SteeringResult, "strategy" | "traffic" | "queues" | "skipped"> {
  return {
    per_queue: [],
    jain: 0,
    max_over_mean: 0,
    reordered: 0,
    split_pairs: 0,
    drops: {},
    loss_ratio: 0,
    offered_mpps: 0,
    delivered_mpps: 0,
    wire_gbps: 0,
    ndr_mpps: null,
    ndr_gbps: null,
    line_rate_mpps: 0,
    latency_us: { p50: 0, p99: 0, min: 0 },
    utilization: { busiest_core: 0, dispatcher: null, nic: 0, wire: 0 },
    bottleneck: "",
    rules: null,
    at: "ndr",
    conservation_ok: true,
    all_filtered: false,
  };
}

export function parseStrategies(list: string): StrategyId[] {
  const out: StrategyId[] = [];
  for (const s of list.split(",").map((x) => x.trim())) {
    if (!(STRATEGY_IDS as readonly string[]).includes(s))
      throw new UserError(
        "E_USAGE",
        `--strategy: unknown strategy '${s}' (strategies: ${STRATEGY_IDS.join(", ")})`,
      );
    out.push(s as StrategyId);
  }
  return out;
}

/** The demo's steering section: two tunnel encapsulations over 4 cores, one tunnel pair. */
export const DEFAULT_STEERING = {
  encaps: ["vxlan", "gtpu"] as string[],
  regimes: ["one-tunnel", "instances"] as Array<"one-tunnel" | "instances">,
  queues: 4,
  flows: 256,
  frames: 4096,
  seed: 1,
};

/** Why a row has no NDR: no lossless load, or (the last trial says) no frame the NIC let through. */
function noLosslessLoad(last: SteeringSim | null): string {
  if (!last?.allFiltered) return "no lossless load found";
  return allFilteredText(last.drops);
}

/** What a row whose every frame the NIC's filters dropped says (its skipped reason, or the note
 *  beside a --rate row): the drops by reason, and that there is no NDR. */
export function allFilteredText(drops: Record<string, number>): string {
  const by = Object.entries(drops)
    .map(([why, n]) => `${why} ${n}`)
    .join(", ");
  return `the NIC's filters dropped every frame (${by}): no load reaches a core, no NDR`;
}
