// One experiment: for every case (path x direction x frame size) either the RFC 2544 search
// (NDR, PDR) followed by load points at fractions of NDR (10 %, 50 %, 90 %, as FD.io CSIT
// publishes latency), or, with a fixed rate, that one load point. Cases run concurrently on the
// runner (the pool fans them out over its workers); the search inside a case is sequential.
import type { FaultSpec } from "../engine/faults.ts";
import type { Arrival, Direction, ScenarioSpec, SimResult } from "../engine/types.ts";
import type { TrafficProfile } from "../traffic/profiles.ts";
import type { ReplaySpec } from "../traffic/replay.ts";
import { lineRatePps, type RateSpec, resolveRate } from "./rate.ts";
import type { TrialRunner } from "./runner.ts";
import { searchThroughput, type Trial } from "./search.ts";
import { SETTLE_NS } from "./trial-length.ts";

/** The load points of CSIT's latency tests, as fractions of NDR. */
export const LOAD_FRACTIONS: readonly number[] = [0.1, 0.5, 0.9];

/** Resolution steps just below NDR and PDR the search checks too (src/experiment/search.ts):
 *  besides the load points, which it checks at no cost (the same simulations). */
export const VERIFY_BELOW_STEPS = 2;

export interface ExperimentCase {
  path: string;
  direction: Direction;
  /** What the user asked for: a frame size (with FCS), "imix", or "pcap" (a replayed capture). */
  size: number | "imix" | "pcap";
  /** Mean frame size on the wire (with FCS): line rate and Gbps are computed from it. */
  frameBytes: number;
  /** Bytes the NIC adds to each frame the generator made before the wire (a port VLAN's tag on
   *  transmit), counted in frameBytes and in a load point's Gbit/s. */
  wireTagBytes?: number;
  traffic: TrafficProfile;
  /** Replay this capture instead of generating `traffic` (paths --pcap). */
  replay?: ReplaySpec;
  /** Link speed (Gbit/s) of the port this case's path crosses: its wire, its line rate, the
   *  search's ceiling (default: TrialSettings.linkGbps, the run's PF). */
  linkGbps?: number;
}

export interface TrialSettings {
  arrival: Arrival;
  /** Virtual time each trial offers traffic for (ns). */
  durationNs: number;
  /** Frames each trial offers instead (the duration is then sized to offer all of them). */
  count?: number;
  warmupNs?: number;
  seed: number;
  profile: string;
  config?: { text: string; file: string };
  /** The run's link speed (Gbit/s): the SR-IOV PF's; a case on another port has its own. */
  linkGbps: number;
  /** Injected faults that change a simulation (sink-stall, generator-overrun): applied at the
   *  load points only, so the search's NDR and PDR stay the fault-free path's. */
  faults?: FaultSpec[];
  /** An application reads every frame the consumer receives (ScenarioSpec.application). */
  application?: boolean;
  /** Closed loop: frames sent and not yet read by the application (ScenarioSpec.window). */
  window?: number;
  /** The path's MTU (ScenarioSpec.mtu; paths --mtu). */
  mtu?: number;
}

export interface ExperimentOptions {
  cases: ExperimentCase[];
  trial: TrialSettings;
  /** A fixed offered load: one load point per case, no search. */
  rate?: RateSpec;
  /** Search resolution as a fraction of line rate. */
  precision: number;
  pdrLoss: number;
  loadFractions?: readonly number[];
  runner: TrialRunner;
  onProgress?: (done: number, total: number, label: string) => void;
  /** The search's final trial of a case (ns of virtual time), or none: the search's own trials
   *  are final (a --trial-ms or --count the user gave). src/experiment/trial-length.ts. */
  finalTrialNs?: (c: ExperimentCase, stepPps: number) => Promise<number | null>;
}

export interface LoadPoint {
  /** Fraction of NDR this point was offered at (null: a rate the user gave). */
  fractionOfNdr: number | null;
  result: SimResult;
}

export interface CaseResult {
  case: ExperimentCase;
  /** Link speed (Gbit/s) of the port the case ran on: lineRatePps is this link's. */
  linkGbps: number;
  lineRatePps: number;
  /** null when no search ran (a fixed --rate). */
  ndrPps: number | null;
  pdrPps: number | null;
  /** What the binary search alone gave before the loads below were checked (null: --rate). */
  searchNdrPps: number | null;
  searchPdrPps: number | null;
  /** A load passed above one that failed: pass/fail is not monotonic in the load here. */
  nonMonotonic: boolean;
  /** The lowest such failure and the highest pass above it, or null. */
  inversion: { failedPps: number; passedPps: number } | null;
  trials: Trial[];
  loadPoints: LoadPoint[];
  /** Virtual time of the final trials that gave NDR, PDR and the load points (null: the
   *  search's own trials, of TrialSettings' length). */
  finalTrialNs: number | null;
  /** What the short search trials alone gave before the final trials (null: no final phase). */
  shortNdrPps: number | null;
  shortPdrPps: number | null;
}

export interface ExperimentResult {
  cases: CaseResult[];
  /** Every simulation of the experiment, searches included (for the simulator-speed line). */
  simulations: SimResult[];
  /** Conservation violations in any simulation, searches included: the run failed. */
  violations: string[];
}

/** Virtual ns a trial of `count` frames offers for at `ratePps`: frame k of a constant stream
 *  leaves at k / rate, so the last of them leaves inside it. */
export function countDurationNs(count: number, ratePps: number): number {
  return Math.max(1, Math.ceil((count * 1e9) / Math.max(ratePps, 1e-9)));
}

/** The link speed (Gbit/s) a case runs at: its path's port's, else the run's. */
export function caseLinkGbps(c: ExperimentCase, t: TrialSettings): number {
  return c.linkGbps ?? t.linkGbps;
}

/** The spec of one trial of `c` at `ratePps`. */
export function trialSpec(
  c: ExperimentCase,
  t: TrialSettings,
  ratePps: number,
  withFaults = false,
  /** A final trial's length instead of the settings' (ns). */
  finalNs?: number,
): ScenarioSpec {
  // With a frame count, the trial offers for the time the count takes at the rate (constant
  // arrivals: exactly the count; Poisson: about it, never more). Rates are per second of this
  // window, so any slack here would understate the offered rate and every utilization.
  const durationNs =
    finalNs !== undefined
      ? finalNs
      : t.count !== undefined
        ? countDurationNs(t.count, ratePps)
        : t.durationNs;
  return {
    path: c.path,
    direction: c.direction,
    traffic: c.traffic,
    ratePps,
    arrival: t.arrival,
    durationNs,
    ...(t.warmupNs !== undefined
      ? { warmupNs: t.warmupNs }
      : finalNs !== undefined
        ? { warmupNs: Math.min(SETTLE_NS, Math.floor(finalNs / 2)) }
        : {}),
    ...(t.count !== undefined ? { count: t.count } : {}),
    seed: t.seed,
    profile: t.profile,
    ...(t.config ? { config: t.config } : {}),
    linkGbps: caseLinkGbps(c, t),
    ...(c.replay ? { replay: c.replay } : {}),
    ...(withFaults && t.faults && t.faults.length > 0 ? { faults: t.faults } : {}),
    ...(t.application ? { application: true } : {}),
    ...(t.window !== undefined ? { window: t.window } : {}),
    ...(t.mtu !== undefined ? { mtu: t.mtu } : {}),
  };
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const fractions = o.loadFractions ?? LOAD_FRACTIONS;
  const simulations: SimResult[] = [];
  const violations: string[] = [];
  let done = 0;
  const total = o.cases.length;
  const hasFaults = (o.trial.faults?.length ?? 0) > 0;
  const runOne = async (
    c: ExperimentCase,
    ratePps: number,
    loadPoint = false,
    finalNs?: number,
  ): Promise<SimResult> => {
    const r = await o.runner.run(trialSpec(c, o.trial, ratePps, loadPoint && hasFaults, finalNs));
    simulations.push(r);
    const k = r.conservation;
    if (!k.ok)
      violations.push(
        `CONSERVATION VIOLATED on ${c.path} ${c.direction} ${c.size} at ${(ratePps / 1e6).toFixed(3)} Mpps: sent ${k.sent} + copies ${k.copies} != delivered ${k.delivered} + delivered elsewhere ${JSON.stringify(k.deliveredElsewhere ?? {})} + dropped ${JSON.stringify(k.dropped)} + in flight ${k.inFlight}`,
      );
    return r;
  };
  const runCase = async (c: ExperimentCase): Promise<CaseResult> => {
    const link = caseLinkGbps(c, o.trial);
    const line = lineRatePps(c.frameBytes, link);
    let out: CaseResult;
    if (o.rate) {
      const r = await runOne(c, resolveRate(o.rate, c.frameBytes, link), true);
      out = {
        case: c,
        linkGbps: link,
        lineRatePps: line,
        ndrPps: null,
        pdrPps: null,
        searchNdrPps: null,
        searchPdrPps: null,
        nonMonotonic: false,
        inversion: null,
        trials: [],
        loadPoints: [],
        finalTrialNs: null,
        shortNdrPps: null,
        shortPdrPps: null,
      };
      out.loadPoints.push({ fractionOfNdr: null, result: r });
    } else {
      // The search's trials by rate: the load points are the same simulations (same spec, same
      // seed) as the search's checks below NDR unless a fault changes them, so they are reused.
      // With a final phase, the load points are final trials (the search's checks below NDR).
      const finalNs = (await o.finalTrialNs?.(c, o.precision * line)) ?? undefined;
      const tried = new Map<string, Promise<SimResult>>();
      const trialOf = (ns?: number) => (pps: number) => {
        const key = `${ns ?? "search"}:${pps}`;
        let r = tried.get(key);
        if (!r) {
          r = runOne(c, pps, false, ns);
          tried.set(key, r);
        }
        return r;
      };
      const trialAt = trialOf(finalNs);
      const s = await searchThroughput({
        lineRatePps: line,
        precision: o.precision,
        pdrLoss: o.pdrLoss,
        trial: trialOf(undefined),
        ...(finalNs !== undefined ? { finalTrial: trialAt } : {}),
        verify: { fractions, belowSteps: VERIFY_BELOW_STEPS },
        poisson: o.trial.arrival === "poisson",
        trialNs: (pps, final) => trialSpec(c, o.trial, pps, false, final ? finalNs : undefined).durationNs,
      });
      // No load point can be offered below a zero NDR: the case reports the search only.
      const points =
        s.ndrPps > 0
          ? await Promise.all(
              fractions.map((f) => {
                const pps = Math.max(1, Math.round(f * s.ndrPps));
                return hasFaults ? runOne(c, pps, true, finalNs) : trialAt(pps);
              }),
            )
          : [];
      out = {
        case: c,
        linkGbps: link,
        lineRatePps: line,
        ndrPps: s.ndrPps,
        pdrPps: s.pdrPps,
        searchNdrPps: s.searchNdrPps,
        searchPdrPps: s.searchPdrPps,
        nonMonotonic: s.nonMonotonic,
        inversion: s.inversion,
        trials: s.trials,
        loadPoints: points.map((result, i) => ({ fractionOfNdr: fractions[i], result })),
        finalTrialNs: finalNs ?? null,
        shortNdrPps: s.shortNdrPps,
        shortPdrPps: s.shortPdrPps,
      };
    }
    o.onProgress?.(++done, total, `${c.path} ${c.direction} ${c.size}`);
    return out;
  };
  const cases = await Promise.all(o.cases.map(runCase));
  // Completion order varies with the workers; the report's order must not.
  violations.sort();
  return { cases, simulations, violations };
}
