// What a fidelity case runs on: full simulations of the engine (simulate, simulatePing, the RFC
// 2544 search of src/experiment), memoized within one run so cases that share a scenario (the
// bare-metal baseline of the ELI cases) simulate it once. `profile(base)` maps a case's profile
// to the one this run uses: itself, or a variant with one constant moved (sensitivity).
import { simulatePing } from "../engine/ping.ts";
import { simulate } from "../engine/simulate.ts";
import type { Direction, SimResult } from "../engine/types.ts";
import { searchThroughput } from "../experiment/search.ts";
import { type CostName, costVariant, loadCosts } from "../model/costs.ts";
import { defaultProfile } from "../traffic/profiles.ts";

export interface TrialOptions {
  /** Virtual time one throughput trial offers traffic for (ns); a fifth of it is warm-up. */
  trialNs: number;
  /** NDR search resolution (pps). */
  ndrStepPps: number;
  /** Pings per ping case (the median is used). */
  pings: number;
}

export const DEFAULT_TRIALS: TrialOptions = { trialNs: 5_000_000, ndrStepPps: 10_000, pings: 3 };

export interface Scenario {
  path: string;
  profile: string;
  size: number;
  direction?: Direction;
  /** This scenario's trial length (ns; a fifth of it warm-up) when its queues take longer to
   *  fill than the default warm-up: the delivered rate is then measured in steady state. */
  trialNs?: number;
}

/** Constants moved in a profile (by --sensitivity); none by default. */
export type Changes = (base: string) => Partial<Record<CostName, number>>;

export class CaseEnv {
  private readonly memo = new Map<string, unknown>();
  /** The kinds of resource the simulations handed out since the caller last cleared it (a
   *  case's runs: a VF transmit limiter is kind "shaper"), memoized runs included. Pings
   *  report no resources: a ping case adds nothing (no fidelity scenario limits a VF). */
  readonly resourceKinds = new Set<string>();
  constructor(
    readonly trials: TrialOptions,
    readonly changes: Changes = () => ({}),
  ) {}

  /** The profile name simulate() gets for a case's `base[!switch]`: the study's changes, then
   *  the switches (src/model/cost-switches.ts), which loadCosts applies in that order. */
  profile(name: string): string {
    const [base, ...switches] = name.split("!");
    const moved = costVariant(base, this.changes(base));
    if (switches.length === 0) return moved;
    const ref = [moved, ...switches].join("!");
    loadCosts(ref); // checked (and cached) now, where the case can be named
    return ref;
  }

  private once<T>(key: string, f: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, f());
    return this.memo.get(key) as T;
  }

  /** A simulation run once, its resources' kinds noted on every use. */
  private seen(key: string, f: () => SimResult): SimResult {
    const r = this.once(key, f);
    for (const u of r.resources) this.resourceKinds.add(u.kind);
    return r;
  }

  /** One simulation at `ratePps` (constant arrivals, 64 flows, fixed frame size). */
  run(s: Scenario, ratePps: number): SimResult {
    const profile = this.profile(s.profile);
    const direction = s.direction ?? "rx";
    const trialNs = s.trialNs ?? this.trials.trialNs;
    const key = `run|${s.path}|${profile}|${s.size}|${direction}|${ratePps}|${trialNs}`;
    return this.seen(key, () =>
      simulate({
        path: s.path,
        direction,
        traffic: defaultProfile({ sizes: { kind: "fixed", size: s.size } }),
        ratePps,
        arrival: "constant",
        durationNs: trialNs,
        warmupNs: trialNs / 5,
        seed: 1,
        profile,
      }),
    );
  }

  /**
   * RFC 2544 NDR (highest zero-loss load) between 0 and `ceilingPps`; the ceiling must lose
   * frames (else the path is not what limits the result, and the case says so).
   */
  async ndr(s: Scenario, ceilingPps: number): Promise<{ ndrPps: number; atNdr: SimResult; capped: boolean }> {
    const profile = this.profile(s.profile);
    const key = `ndr|${s.path}|${profile}|${s.size}|${s.direction ?? "rx"}|${ceilingPps}`;
    return this.once(key, async () => {
      const r = await searchThroughput({
        lineRatePps: ceilingPps,
        precision: this.trials.ndrStepPps / ceilingPps,
        // Only NDR is used: with a PDR limit of 100 % loss the PDR search stops at its first
        // (already simulated) trial.
        pdrLoss: 1,
        trial: async (pps) => this.run(s, pps),
      });
      return { ndrPps: r.ndrPps, atNdr: this.run(s, r.ndrPps), capped: r.ndrPps >= ceilingPps };
    });
  }

  /**
   * A closed-loop run (ScenarioSpec.window): an application reads every frame on the
   * consumer's CPU and the sender on the wire keeps at most `window` frames sent and not yet
   * read, sending up to `senderPps`; the delivered rate is what the receiver sustains.
   */
  closedLoop(s: Scenario, window: number, senderPps: number): SimResult {
    return this.applicationRun(s, senderPps, window);
  }

  /** Open loop with the application reading every frame (no window), at `ratePps`. */
  withApplication(s: Scenario, ratePps: number): SimResult {
    return this.applicationRun(s, ratePps);
  }

  /** A receive run with the application on the consumer's CPU, closed-loop when `window` is given. */
  private applicationRun(s: Scenario, ratePps: number, window?: number): SimResult {
    const profile = this.profile(s.profile);
    const key = `app|${s.path}|${profile}|${s.size}|${ratePps}|${window ?? "open"}`;
    return this.seen(key, () =>
      simulate({
        path: s.path,
        direction: "rx",
        traffic: defaultProfile({ sizes: { kind: "fixed", size: s.size } }),
        ratePps,
        arrival: "constant",
        durationNs: this.trials.trialNs,
        warmupNs: this.trials.trialNs / 5,
        seed: 1,
        profile,
        application: true,
        ...(window !== undefined ? { window } : {}),
      }),
    );
  }

  /** Median round-trip time (us) of idle pings (one per second of virtual time). */
  pingMedianUs(path: string, base: string): number {
    const profile = this.profile(base);
    return this.once(`ping|${path}|${profile}`, () => {
      const r = simulatePing({ path, count: this.trials.pings, seed: 1, profile });
      if (r.received === 0) throw new Error(`ping ${path}: no reply`);
      const s = [...r.rtt_us].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)];
    });
  }
}
