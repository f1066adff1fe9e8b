// Gathers a sweep's point results into one document, in sweep order. Only simulated figures
// go in: each experiment's wall-clock `simulator` block is left out, so a sweep run in shards
// on many machines merges to the same bytes as the same sweep run on one.
import { existsSync } from "node:fs";
import { UserError } from "../errors.ts";
import { toCsv } from "../report/csv.ts";
import { FIDELITY_CSV_HEADER, type FidelityJson, fidelityCsvCells } from "../report/fidelity-json.ts";
import {
  ENTRY_CSV_COLUMNS,
  type EntrySource,
  LOAD_POINT_CSV_COLUMNS,
  type LoadPointSource,
  loadPointCells,
  type RunSource,
} from "../report/paths-csv.ts";
import {
  STEERING_CSV_COLUMNS,
  type SteeringCsvMix,
  type SteeringCsvSource,
  steeringCsvCells,
} from "../report/steering-table.ts";
import { SWEEP_MERGE_SCHEMA } from "../report/sweep-json.ts";
import { planSweep, type SweepPlan } from "./plan.ts";
import { parseSweep } from "./spec.ts";
import {
  type PointResult,
  readFailures,
  readManifest,
  readPointFiles,
  readResults,
  type SweepManifest,
} from "./store.ts";

/** The merged document's schema id, written once (src/report/sweep-json.ts validates it). */
export const MERGE_SCHEMA = SWEEP_MERGE_SCHEMA;

export interface MergedSweep {
  schema: typeof MERGE_SCHEMA;
  sweep: string;
  experiment: string;
  hash: string;
  version: string;
  /** The sweep file's `host` (the host file every point ran on), as it gives it; absent: the
   *  embedded default host (the document is then as it was before this field existed). */
  host?: string;
  axes: string[];
  count: number;
  points: Array<Pick<PointResult, "index" | "coords" | "seed" | "result">>;
}

export interface SweepStatus {
  manifest: SweepManifest;
  done: number[];
  missing: number[];
  failed: Array<{ index: number; message: string; coords: Record<string, unknown> }>;
}

export async function sweepStatus(dir: string): Promise<SweepStatus> {
  const manifest = await readManifest(dir);
  if (!manifest)
    throw new UserError(
      "E_SWEEP_DIR",
      existsSync(dir)
        ? `${dir}: no sweep results here (no sweep.json)`
        : `${dir}: no such directory (no sweep results)`,
    );
  const { results, unreadable } = await readPointFiles(dir, manifest);
  const failures = await readFailures(dir);
  let planned: SweepPlan | null | undefined;
  const coordsOf = (index: number) => {
    if (planned === undefined)
      try {
        planned = planSweep({
          file: "sweep.json",
          text: manifest.text,
          spec: parseSweep(manifest.text, "sweep.json"),
        });
      } catch {
        planned = null; // a manifest whose text no longer parses: merge says so
      }
    return planned?.points[index]?.coords ?? {};
  };
  const done: number[] = [];
  const missing: number[] = [];
  const failed: SweepStatus["failed"] = [];
  for (let i = 0; i < manifest.count; i++) {
    if (results.has(i)) done.push(i);
    else {
      missing.push(i);
      const f = failures.get(i);
      const torn = unreadable.get(i);
      // A point file that is no result: 'sweep run' runs the point again and replaces it.
      if (torn) failed.push({ index: i, message: `${torn}; sweep run runs it again`, coords: coordsOf(i) });
      else if (f) failed.push({ index: i, message: f.message, coords: f.coords });
    }
  }
  return { manifest, done, missing, failed };
}

export async function mergeSweep(
  dir: string,
  o: { partial?: boolean } = {},
): Promise<{
  merged: MergedSweep;
  missing: number[];
  plan: SweepPlan;
  text: string;
  /** Each point's own wall-clock block (how fast the simulator ran it), kept out of `merged`. */
  speeds: PointSpeed[];
}> {
  const st = await sweepStatus(dir);
  const m = st.manifest;
  if (st.missing.length > 0 && !o.partial) {
    const list = st.missing.slice(0, 20).join(", ") + (st.missing.length > 20 ? ", ..." : "");
    throw new UserError(
      "E_SWEEP_MISSING",
      `${dir}: ${st.missing.length} of ${m.count} point${m.count === 1 ? "" : "s"} missing (${list}); run the missing shards, or merge with --partial`,
    );
  }
  // The manifest's own sweep text must still describe the points (guards a hand-edited manifest).
  const plan = planSweep({
    file: `${dir}/sweep.json`,
    text: m.text,
    spec: parseSweep(m.text, `${dir}/sweep.json`),
  });
  if (plan.hash !== m.hash || plan.points.length !== m.count)
    throw new UserError("E_SWEEP_DIR", `${dir}/sweep.json: the manifest does not match its own sweep text`);
  const results = await readResults(dir, m);
  const points = [...results.values()]
    .sort((a, b) => a.index - b.index)
    .map((r) => ({
      index: r.index,
      coords: r.coords,
      seed: r.seed,
      result: withoutSimulatorSpeed(r.result),
    }));
  return {
    merged: {
      schema: MERGE_SCHEMA,
      sweep: m.name,
      experiment: m.experiment,
      hash: m.hash,
      version: m.version,
      ...(plan.host !== undefined ? { host: plan.host } : {}),
      axes: m.axes,
      count: m.count,
      points,
    },
    missing: st.missing,
    // How the points were run: the sweep file's text and its plan (each point's command).
    plan,
    text: m.text,
    speeds: [...results.values()].sort((a, b) => a.index - b.index).flatMap(pointSpeed),
  };
}

/** How fast the simulator ran one point (wall clock): the numbers of its result's `simulator`. */
export interface PointSpeed {
  index: number;
  coords: PointResult["coords"];
  simulator: Record<string, number>;
}

function pointSpeed(r: PointResult): PointSpeed[] {
  const s = (r.result as { simulator?: unknown } | null)?.simulator;
  if (s === null || typeof s !== "object" || Array.isArray(s)) return [];
  const numbers = Object.entries(s).filter((e): e is [string, number] => typeof e[1] === "number");
  return numbers.length > 0
    ? [{ index: r.index, coords: r.coords, simulator: Object.fromEntries(numbers) }]
    : [];
}

/** Drops the wall-clock `simulator` block (how fast this machine ran): not a simulated figure. */
export function withoutSimulatorSpeed(result: unknown): unknown {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return result;
  const { simulator: _speed, ...rest } = result as Record<string, unknown>;
  return rest;
}

type Row = Record<string, string | number | boolean>;
type LoadPointJson = LoadPointSource;

/**
 * Per-direction columns of a paths sweep with a `--direction both` point, after every other
 * column (so a reader of the old columns finds them where they were): each direction's loss and
 * p99 at the middle load point, the point `p99_us_mid_load` describes.
 */
export const PER_DIRECTION_COLUMNS = (["rx", "tx"] as const).flatMap((d) => [
  `${d}_loss_ratio_mid_load`,
  `${d}_p99_us_mid_load`,
]);

/** The middle load point of a path entry (the one whose p99 the rows carry). */
function midLoadPoint(e: Record<string, unknown>): LoadPointJson | undefined {
  const lp = Array.isArray(e.load_points) ? (e.load_points as LoadPointJson[]) : [];
  return lp[Math.floor(lp.length / 2)];
}

/** The per-direction columns of one path entry; empty cells for a one-direction point. */
function perDirectionCells(mid: LoadPointJson | undefined): Row {
  const d = mid?.per_direction;
  return Object.fromEntries(
    (["rx", "tx"] as const).flatMap((dir) => [
      [`${dir}_loss_ratio_mid_load`, d?.[dir]?.loss_ratio ?? ""],
      [`${dir}_p99_us_mid_load`, d?.[dir]?.latency_us?.p99 ?? ""],
    ]),
  );
}

/**
 * The path entry's figures besides NDR/PDR in Mpps: NDR/PDR in Gbit/s and what qualifies them,
 * appended after the columns above (docs/sweeps.md).
 */
const ENTRY_FIGURES = ["ndr_gbps", "pdr_gbps", "frame_bytes", "line_rate_mpps", "link_gbps"] as const;

/** The columns of a paths row before the run's own (the point's index and seed, the entry's). */
const PATHS_ROW_COLUMNS = new Set([
  "index",
  "seed",
  "path",
  "direction",
  "size",
  "ndr_mpps",
  "pdr_mpps",
  "bottleneck",
  ...ENTRY_FIGURES,
]);

/**
 * The run's own columns a `paths --csv` row has and the ones above lack (cost profile, search
 * settings, trial length, arrival, --rate), in its order (ENTRY_CSV_COLUMNS, the one list), so
 * a merged row says how its point ran wherever the sweep set it: as an axis or a fixed option,
 * or by default. An axis of the same name keeps its place and the value the sweep gave it.
 */
const RUN_COLUMNS = ENTRY_CSV_COLUMNS.filter((c) => !PATHS_ROW_COLUMNS.has(c.name));

function runCells(result: unknown, e: Record<string, unknown>, point: Row): Row {
  const cells: Row = {};
  for (const c of RUN_COLUMNS)
    if (!(c.name in point)) cells[c.name] = cell(c.of((result ?? {}) as RunSource, e as EntrySource));
  return cells;
}

function entryFigureCells(e: Record<string, unknown>): Row {
  return Object.fromEntries(ENTRY_FIGURES.map((k) => [k, cell(e[k])]));
}

/**
 * The middle load point's figures as `paths --csv` names them (LOAD_POINT_CSV_COLUMNS), each
 * with `_mid_load` after it; at a fixed --rate the one load point is the middle one. p99 is
 * `p99_us_mid_load`, the column the rows had before, in its old place.
 */
export const MID_LOAD_COLUMNS = LOAD_POINT_CSV_COLUMNS.map((c) => `${c.name}_mid_load`);

/** What a paths row has after its old columns (and the per-direction ones, when written). */
export const PATHS_APPENDED_COLUMNS = [
  ...ENTRY_FIGURES,
  ...MID_LOAD_COLUMNS.filter((c) => c !== "p99_us_mid_load"),
  ...RUN_COLUMNS.map((c) => c.name),
];

function midLoadCells(mid: LoadPointJson | undefined): Row {
  const cells = loadPointCells(mid ?? {});
  return Object.fromEntries(Object.entries(cells).map(([k, v]) => [`${k}_mid_load`, cell(v)]));
}

const pathEntries = (p: MergedSweep["points"][number]): Array<Record<string, unknown>> | undefined => {
  const r = p.result as { paths?: unknown } | undefined;
  return Array.isArray(r?.paths) ? (r.paths as Array<Record<string, unknown>>) : undefined;
};

/**
 * The last column of every row of a sweep that names a host file: which host the row ran on,
 * so rows of sweeps on different hosts stay apart once their CSVs are put together. Not `host`:
 * that can be an axis (paths' --host flag). A sweep on the default host has no such column.
 */
export const HOST_FILE_COLUMN = "host_file";

/**
 * One CSV row per point and per path entry (paths), result entry (steering) or case (fidelity);
 * per point otherwise. When any point of a paths sweep ran `--direction both`, every paths row
 * ends with PER_DIRECTION_COLUMNS; a sweep with a host file ends every row with HOST_FILE_COLUMN.
 */
export function mergedRows(m: MergedSweep): Row[] {
  const rows = pointRows(m);
  const host = m.host;
  return host === undefined ? rows : rows.map((r) => ({ ...r, [HOST_FILE_COLUMN]: host }));
}

function pointRows(m: MergedSweep): Row[] {
  const rows: Row[] = [];
  const paths = m.experiment === "paths";
  const perDirection =
    paths && m.points.some((p) => pathEntries(p)?.some((e) => midLoadPoint(e)?.per_direction !== undefined));
  for (const p of m.points) {
    const base: Row = { index: p.index, ...p.coords, seed: p.seed };
    const entries = pathEntries(p);
    if (paths && entries) {
      for (const e of entries) {
        const mid = midLoadPoint(e);
        rows.push({
          ...base,
          path: String(e.name),
          direction: String(e.direction),
          size: e.size as number,
          ndr_mpps: e.ndr_mpps as number,
          pdr_mpps: e.pdr_mpps as number,
          bottleneck: String(e.bottleneck),
          p99_us_mid_load: mid?.latency_us?.p99 ?? "",
          ...(perDirection ? perDirectionCells(mid) : {}),
          ...entryFigureCells(e),
          ...midLoadCells(mid),
          ...runCells(p.result, e, base),
        });
      }
    } else if (m.experiment === "steering" && Array.isArray((p.result as SteeringLike)?.results)) {
      const doc = p.result as SteeringLike;
      const point = steeringPointColumns(base);
      for (const e of doc.results) rows.push({ ...point, ...steeringRow(e, doc) });
    } else if (m.experiment === "fidelity" && Array.isArray((p.result as FidelityLike)?.cases)) {
      // No seed: fidelity takes none (its cases fix their own scenarios), so no cell names one.
      const { seed: _unused, ...unseeded } = base;
      const point = pointColumns(unseeded, FIDELITY_COLUMN_NAMES);
      for (const c of (p.result as FidelityLike).cases) rows.push({ ...point, ...fidelityRow(c) });
    } else {
      const flat: Row = { ...base };
      for (const [k, v] of Object.entries((p.result ?? {}) as Record<string, unknown>))
        if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") flat[k] = v;
      rows.push(flat);
    }
  }
  return rows;
}

type SteeringLike = {
  results: SteeringCsvSource[];
  profile?: unknown;
  seed?: unknown;
  mixes?: SteeringCsvMix[];
  nic?: unknown;
  link_gbps?: unknown;
};
type FidelityLike = { cases: Array<Record<string, unknown>> };
type Cell = string | number | boolean;

/** A number, a string or a boolean as it is; anything else (null, absent) as an empty cell. */
const cell = (v: unknown): Cell =>
  typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : "";

const STEERING_COLUMN_NAMES = new Set(STEERING_CSV_COLUMNS.map((c) => c.name));

/**
 * A steering row's point columns (index, the axes, seed), each named `point_NAME` where
 * `steering --csv` has a column of that name (seed always; an axis such as strategy or queues):
 * the axis as the sweep set it stays beside the result's own value (a `queues: "1,2"` point has
 * rows with queues 1 and 2).
 */
function steeringPointColumns(base: Row): Row {
  return pointColumns(base, STEERING_COLUMN_NAMES);
}

/** The point's columns, each named `point_NAME` where the experiment's own CSV has NAME. */
function pointColumns(base: Row, names: ReadonlySet<string>): Row {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [names.has(k) ? `point_${k}` : k, v]));
}

/**
 * One steering result (a strategy x mix x core count, at --rate or at NDR): exactly
 * `iovsim steering --csv`'s columns and cells (src/report/steering-table.ts STEERING_CSV_COLUMNS, the
 * one list), the profile and seed from the point's own document. Before, the merge kept its own
 * 14 of them under partly other names; docs/sweeps.md says what changed.
 */
function steeringRow(e: SteeringCsvSource, doc: SteeringLike): Record<string, Cell> {
  const meta = {
    profile: String(cell(doc.profile)),
    seed: doc.seed as number,
    ...(Array.isArray(doc.mixes) ? { mixes: doc.mixes } : {}),
    ...(typeof doc.nic === "string" ? { nic: doc.nic } : {}),
    ...(typeof doc.link_gbps === "number" ? { link_gbps: doc.link_gbps } : {}),
  };
  const cells = steeringCsvCells(e, meta);
  return Object.fromEntries(STEERING_CSV_COLUMNS.map((c, i) => [c.name, cell(cells[i])]));
}

const FIDELITY_COLUMN_NAMES: ReadonlySet<string> = new Set(FIDELITY_CSV_HEADER);

/**
 * One fidelity case: exactly `iovsim fidelity --csv`'s columns and cells (FIDELITY_CSV_HEADER,
 * the one list): published against simulated, the tolerance the verdict was judged by, the
 * verdict, the profiles and the publication. Before, the merge kept six of them (no tolerance,
 * so a row's pass could not be checked from the table). A field an older result lacks is empty.
 */
function fidelityRow(c: Record<string, unknown>): Record<string, Cell> {
  const pub = (c.published ?? {}) as Record<string, unknown>;
  const tolerance = Array.isArray(pub.tolerance) ? pub.tolerance : [];
  const loose = {
    name: cell(c.name),
    published: {
      value: cell(pub.value),
      unit: cell(pub.unit),
      tolerance: [cell(tolerance[0]), cell(tolerance[1])],
    },
    simulated: cell(c.simulated),
    error: cell(c.error),
    pass: cell(c.pass),
    profiles: Array.isArray(c.profiles) ? c.profiles.map(String) : [],
    publication: cell(c.publication),
  } as unknown as FidelityJson["cases"][number];
  const cells = fidelityCsvCells(loose);
  return Object.fromEntries(FIDELITY_CSV_HEADER.map((name, i) => [name, cell(cells[i])]));
}

/** Every column of the rows, in first-seen order. */
export function rowColumns(rows: Row[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

/** The rows as CSV (RFC 4180), columns in first-seen order. */
export function rowsToCsv(rows: Row[]): string {
  const cols = rowColumns(rows);
  return toCsv(
    cols,
    rows.map((r) => cols.map((c) => r[c])),
  );
}
