// `iovsim fidelity --json` (schema iovsim.fidelity/2, docs/fidelity-json.md), its CSV (one row
// per case) and the HTML report's fidelity rows. `simulated` figures come from full engine runs
// in virtual time; `published` ones from the publication named in each case.
import { z } from "zod";
import { toCsv } from "./csv.ts";
import type { FidelityRow } from "./html/types.ts";
import { toolSchema } from "./paths-json.ts";

// /2: the `trials` keys are snake_case as in every other document (/1 had trialNs, ndrStepPps).
export const FIDELITY_SCHEMA = "iovsim.fidelity/2";

const finite = z.number().finite();
const range = z.tuple([finite, finite]);

const caseSchema = z.strictObject({
  name: z.string().min(1),
  publication: z.string().min(1),
  published: z.strictObject({
    text: z.string().min(1),
    value: finite,
    unit: z.string().min(1),
    /** The case passes when `simulated` lies in [low, high] (same unit). */
    tolerance: range,
  }),
  profiles: z.array(z.string().min(1)).min(1),
  scenario: z.string().min(1),
  why: z.string().min(1),
  simulated: finite,
  /** (simulated - published.value) / published.value. */
  error: finite,
  pass: z.boolean(),
  details: z.string(),
});

const sensitivityEnd = z.strictObject({ value: finite, simulated: finite, pass: z.boolean() });

const sensitivitySchema = z.strictObject({
  case: z.string().min(1),
  constant: z.string().min(1),
  ranges: z.record(z.string(), z.strictObject({ value: finite, range })),
  low: sensitivityEnd,
  high: sensitivityEnd,
  holds: z.boolean(),
});

export const fidelityJsonSchema = z.strictObject({
  schema: z.literal(FIDELITY_SCHEMA),
  tool: toolSchema,
  /** Trial settings every case ran with (virtual ns, pps, pings per ping case). */
  trials: z.strictObject({
    trial_ns: z.number().positive(),
    ndr_step_pps: z.number().positive(),
    pings: z.number().int().positive(),
  }),
  passed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  cases: z.array(caseSchema),
  /** With --sensitivity: each constant a case depends on, at both ends of its range; else null. */
  sensitivity: z.array(sensitivitySchema).nullable(),
  /** With --sensitivity: the constants with ranges it does not move (the NIC profile's), and
   *  why; else null. Absent in documents from before it was reported. */
  sensitivity_not_moved: z
    .array(z.strictObject({ constants: z.array(z.string().min(1)), reason: z.string().min(1) }))
    .nullable()
    .optional(),
});

export type FidelityJson = z.infer<typeof fidelityJsonSchema>;

/** The fidelity run's report (src/fidelity/run.ts FidelityReport), as far as the JSON needs. */
export interface FidelityReportLike {
  cases: FidelityJson["cases"];
  /** The run's trial settings (src/fidelity/env.ts TrialOptions), written snake_case. */
  trials: { trialNs: number; ndrStepPps: number; pings: number };
  sensitivity?: Array<z.infer<typeof sensitivitySchema>>;
  notMoved?: Array<{ constants: string[]; reason: string }>;
}

export function buildFidelityJson(r: FidelityReportLike, version: string): FidelityJson {
  return {
    schema: FIDELITY_SCHEMA,
    tool: { name: "iovsim", version },
    trials: { trial_ns: r.trials.trialNs, ndr_step_pps: r.trials.ndrStepPps, pings: r.trials.pings },
    passed: r.cases.filter((c) => c.pass).length,
    total: r.cases.length,
    cases: r.cases.map((c) => ({
      name: c.name,
      publication: c.publication,
      published: { ...c.published, tolerance: [c.published.tolerance[0], c.published.tolerance[1]] },
      profiles: [...c.profiles],
      scenario: c.scenario,
      why: c.why,
      simulated: c.simulated,
      error: c.error,
      pass: c.pass,
      details: c.details,
    })),
    sensitivity: r.sensitivity ? r.sensitivity.map((s) => ({ ...s })) : null,
    sensitivity_not_moved: r.sensitivity
      ? (r.notMoved ?? []).map((n) => ({ constants: [...n.constants], reason: n.reason }))
      : null,
  };
}

export const FIDELITY_CSV_HEADER = [
  "case",
  "published",
  "unit",
  "tolerance_low",
  "tolerance_high",
  "simulated",
  "error",
  "pass",
  "profiles",
  "publication",
] as const;

/** The cells of one case's row, in FIDELITY_CSV_HEADER's order (`fidelity --csv` and the rows
 *  `sweep merge --csv` writes for a fidelity point: one list, so the two cannot drift apart). */
export function fidelityCsvCells(c: FidelityJson["cases"][number]): Array<string | number | boolean> {
  return [
    c.name,
    c.published.value,
    c.published.unit,
    c.published.tolerance[0],
    c.published.tolerance[1],
    c.simulated,
    c.error,
    c.pass,
    c.profiles.join(" "),
    c.publication,
  ];
}

/** One row per case; the sensitivity findings stay in --json and the table. */
export function fidelityCsv(j: FidelityJson): string {
  return toCsv(FIDELITY_CSV_HEADER, j.cases.map(fidelityCsvCells));
}

/** The HTML report's rows: the tolerance as its published range, not a symmetric ± figure. */
export function fidelityReportRows(j: FidelityJson): FidelityRow[] {
  return j.cases.map((c) => {
    const [lo, hi] = c.published.tolerance;
    const v = c.published.value;
    return {
      case: c.name,
      published: v,
      simulated: c.simulated,
      error: c.error,
      tolerance: v !== 0 ? Math.max(Math.abs(lo - v), Math.abs(hi - v)) / Math.abs(v) : 0,
      range: [lo, hi],
      pass: c.pass,
      unit: c.published.unit,
      source: c.publication,
      profiles: c.profiles,
    };
  });
}
