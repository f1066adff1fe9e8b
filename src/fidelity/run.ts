// Runs the fidelity cases (and, with sensitivity, every case again with each constant it
// depends on at both ends of its range, one at a time) and tabulates published vs simulated.
import { type CostName, loadCosts } from "../model/costs.ts";
import { HW_NAMES } from "../model/hw-limits.ts";
import { VF_TX_SHAPER_NAMES } from "../model/vf-rate.ts";
import { CASES, type FidelityCase } from "./cases.ts";
import { CaseEnv, DEFAULT_TRIALS, type TrialOptions } from "./env.ts";

export interface CaseRow {
  name: string;
  publication: string;
  published: FidelityCase["published"];
  profiles: string[];
  scenario: string;
  why: string;
  simulated: number;
  /** (simulated - published) / published. */
  error: number;
  pass: boolean;
  details: string;
}

export interface SensitivityEnd {
  value: number;
  simulated: number;
  pass: boolean;
}

export interface SensitivityRow {
  case: string;
  constant: CostName;
  /** The constant's value and range in each profile the case runs (they may differ). */
  ranges: Record<string, { value: number; range: [number, number] }>;
  low: SensitivityEnd;
  high: SensitivityEnd;
  /** The case's verdict is the same at both ends as at the profile's value. */
  holds: boolean;
}

/** Constants with a range that --sensitivity does not move, and why. */
export interface NotMoved {
  constants: string[];
  reason: string;
}

export interface FidelityReport {
  cases: CaseRow[];
  trials: TrialOptions;
  sensitivity?: SensitivityRow[];
  /** With sensitivity: the NIC profile's constants, which it does not move, and why. */
  notMoved?: NotMoved[];
}

/**
 * The NIC profile's constants (`model show --nic`) are not moved: the hardware limits are the
 * engine's NIC resources, studied apart (docs/model.md); the VF transmit limiter's apply only
 * to a case that limits a VF's max_tx_rate, which `limited` lists (none today).
 */
function nicConstantsNotMoved(limited: readonly string[]): NotMoved[] {
  return [
    {
      constants: [...VF_TX_SHAPER_NAMES],
      reason:
        limited.length === 0
          ? "no case limits a VF's transmit (max_tx_rate), so no case depends on the VF transmit limiter's constants"
          : `not moved, though ${limited.join(", ")} ran a VF transmit limiter: ${limited.length === 1 ? "its verdict is" : "their verdicts are"} not checked across these constants' ranges`,
    },
    {
      constants: [...HW_NAMES],
      reason:
        "the NIC's hardware limits (switch, PCIe, receive packet buffer) are not moved by --sensitivity (docs/model.md, What the failures say)",
    },
  ];
}

export function selectCases(name?: string): FidelityCase[] {
  // Only an absent --case means every case: `--case ''` names none (refused by the caller).
  if (name === undefined) return [...CASES];
  const c = CASES.filter((x) => x.name === name);
  return c;
}

async function runCase(c: FidelityCase, env: CaseEnv): Promise<CaseRow> {
  const o = await c.run(env);
  const [lo, hi] = c.published.tolerance;
  return {
    name: c.name,
    publication: c.publication,
    published: c.published,
    profiles: c.profiles,
    scenario: c.scenario,
    why: c.why,
    simulated: o.simulated,
    error: (o.simulated - c.published.value) / c.published.value,
    pass: o.simulated >= lo && o.simulated <= hi,
    details: o.details,
  };
}

/** The constant's range in a profile, only when it has room to move (low < high). */
function rangeOf(profile: string, k: CostName): [number, number] | null {
  const rec = loadCosts(profile).constants[k];
  return rec && rec.range[0] < rec.range[1] ? rec.range : null;
}

export async function runFidelity(o: {
  cases: FidelityCase[];
  trials?: TrialOptions;
  sensitivity?: boolean;
  onProgress?: (label: string) => void;
}): Promise<FidelityReport> {
  const trials = o.trials ?? DEFAULT_TRIALS;
  const env = new CaseEnv(trials);
  const rows: CaseRow[] = [];
  const limited: string[] = [];
  for (const c of o.cases) {
    o.onProgress?.(c.name);
    env.resourceKinds.clear();
    rows.push(await runCase(c, env));
    if (env.resourceKinds.has("shaper")) limited.push(c.name);
  }
  const report: FidelityReport = { cases: rows, trials };
  if (!o.sensitivity) return report;
  // One environment per (constant, end): the cases that share a scenario share its runs.
  const constants = [...new Set(o.cases.flatMap((c) => c.dependsOn))];
  const ends: Record<string, Map<string, SensitivityEnd>> = { low: new Map(), high: new Map() };
  for (const k of constants) {
    for (const end of ["low", "high"] as const) {
      const idx = end === "low" ? 0 : 1;
      const moved = new CaseEnv(trials, (base) => {
        const r = rangeOf(base, k);
        return r ? { [k]: r[idx] } : {};
      });
      for (const c of o.cases) {
        if (!c.dependsOn.includes(k) || !c.profiles.some((p) => rangeOf(p, k))) continue;
        o.onProgress?.(`${c.name} ${k}=${end}`);
        const row = await runCase(c, moved);
        const r = c.profiles.map((p) => rangeOf(p, k)).find((x) => x) as [number, number];
        ends[end].set(`${c.name}|${k}`, { value: r[idx], simulated: row.simulated, pass: row.pass });
      }
    }
  }
  const sens: SensitivityRow[] = [];
  for (const c of o.cases) {
    const base = rows.find((r) => r.name === c.name) as CaseRow;
    for (const k of c.dependsOn) {
      const low = ends.low.get(`${c.name}|${k}`);
      const high = ends.high.get(`${c.name}|${k}`);
      if (!low || !high) continue;
      const ranges: SensitivityRow["ranges"] = {};
      for (const p of c.profiles) {
        const rec = loadCosts(p).constants[k];
        ranges[p] = { value: rec.value, range: rec.range };
      }
      sens.push({
        case: c.name,
        constant: k,
        ranges,
        low,
        high,
        holds: low.pass === base.pass && high.pass === base.pass,
      });
    }
  }
  report.sensitivity = sens;
  report.notMoved = nicConstantsNotMoved(limited);
  return report;
}
