// `paths --csv` (docs/paths-json.md "CSV"): RFC 4180, one row per load point, every figure
// simulated and each column named with its unit. The load point's own figures are one list
// (LOAD_POINT_CSV_COLUMNS) that `sweep merge --csv` writes too, for a path's middle load point.
import { type CsvValue, toCsv } from "./csv.ts";
import type { PathsJson } from "./paths-json.ts";
import { deliveredGbps, unitOf } from "./paths-table.ts";
import { profileLabel } from "./profile-label.ts";
import { type ResourceWork, resourceWork } from "./resource-work.ts";

type PathEntry = PathsJson["paths"][number];
type LoadPointJson = PathEntry["load_points"][number];
type DirectionJson = NonNullable<LoadPointJson["per_direction"]>["rx"];

/**
 * A load point as a row reads it: a document's, or one parsed back from a sweep's results file,
 * where a field a later version added is missing (its cells are then empty).
 */
export type LoadPointSource = { [K in keyof LoadPointJson]?: LoadPointJson[K] | null };

export interface LoadPointCsvColumn {
  name: string;
  of: (lp: LoadPointSource) => CsvValue;
}

/** The load point's bottleneck resource among its resources (none: not in the list). */
const bottleneckOf = (lp: LoadPointSource) => lp.cpu?.find((c) => c.resource === lp.bottleneck);

/** A figure of the bottleneck's work/polling split (none without a bottleneck row). */
function bottleneckPart(lp: LoadPointSource, of: (w: ResourceWork) => number): number | null {
  const c = bottleneckOf(lp);
  return c ? of(resourceWork(c)) : null;
}

const EVENTS = ["interrupts", "vm_exits", "injections", "wakeups", "kicks", "notifications"] as const;

/**
 * One load point's figures, in the order `paths --csv` first wrote them and then appended the
 * rest (offered/delivered Gbit/s, frame counts, the bottleneck's work utilization, the
 * above-capacity verdict, events per second). Units: docs/paths-json.md "CSV".
 */
export const LOAD_POINT_CSV_COLUMNS: readonly LoadPointCsvColumn[] = [
  { name: "load_fraction_of_ndr", of: (lp) => lp.fraction_of_ndr },
  { name: "offered_mpps", of: (lp) => lp.offered_mpps },
  { name: "delivered_mpps", of: (lp) => lp.delivered_mpps },
  { name: "loss_ratio", of: (lp) => lp.loss_ratio },
  { name: "p50_us", of: (lp) => lp.latency_us?.p50 },
  { name: "p90_us", of: (lp) => lp.latency_us?.p90 },
  { name: "p99_us", of: (lp) => lp.latency_us?.p99 },
  { name: "p999_us", of: (lp) => lp.latency_us?.p999 },
  { name: "point_bottleneck", of: (lp) => lp.bottleneck },
  { name: "point_bottleneck_utilization", of: (lp) => bottleneckOf(lp)?.utilization },
  { name: "point_bottleneck_cycles_per_packet", of: (lp) => bottleneckOf(lp)?.cycles_per_packet },
  { name: "mean_us", of: (lp) => lp.latency_us?.mean },
  { name: "max_us", of: (lp) => lp.latency_us?.max },
  {
    name: "point_bottleneck_per_packet_unit",
    of: (lp) => {
      const c = bottleneckOf(lp);
      return c ? unitOf(c) : null;
    },
  },
  { name: "min_us", of: (lp) => lp.latency_us?.min },
  // Appended after the per-direction columns (docs/paths-json.md): what a load sweep plots.
  { name: "offered_gbps", of: (lp) => lp.offered_gbps },
  {
    name: "delivered_gbps",
    of: (lp) =>
      typeof lp.offered_mpps === "number" &&
      typeof lp.offered_gbps === "number" &&
      typeof lp.delivered_mpps === "number"
        ? deliveredGbps({
            offered_mpps: lp.offered_mpps,
            offered_gbps: lp.offered_gbps,
            delivered_mpps: lp.delivered_mpps,
            ...(typeof lp.delivered_gbps === "number" ? { delivered_gbps: lp.delivered_gbps } : {}),
          })
        : null,
  },
  { name: "sent_frames", of: (lp) => lp.conservation?.sent },
  { name: "delivered_frames", of: (lp) => lp.conservation?.delivered },
  {
    name: "dropped_frames",
    of: (lp) =>
      lp.conservation ? Object.values(lp.conservation.dropped ?? {}).reduce((a, b) => a + b, 0) : null,
  },
  { name: "in_flight_frames", of: (lp) => lp.conservation?.in_flight },
  { name: "point_bottleneck_work_utilization", of: (lp) => bottleneckOf(lp)?.work_utilization },
  { name: "above_capacity_resource", of: (lp) => lp.above_capacity?.resource },
  { name: "above_capacity_basis", of: (lp) => lp.above_capacity?.basis },
  { name: "above_capacity_work_share_ratio", of: (lp) => lp.above_capacity?.work_share },
  { name: "capacity_mpps", of: (lp) => lp.above_capacity?.capacity_mpps },
  ...EVENTS.map((e) => ({ name: `${e}_per_s`, of: (lp: LoadPointSource) => lp.events_per_s?.[e] })),
  // Appended: the bottleneck's cycles_per_packet split into work and polling (a busy-wait, an
  // idle spin, halt polling: busy time that yields at once to work), as the table prints them.
  {
    name: "point_bottleneck_work_cycles_per_packet",
    of: (lp) => bottleneckPart(lp, (w) => w.workPerPacket),
  },
  {
    name: "point_bottleneck_poll_cycles_per_packet",
    of: (lp) => bottleneckPart(lp, (w) => w.pollPerPacket),
  },
];

/** The load point's cells by column name (an absent figure: null, an empty cell). */
export function loadPointCells(lp: LoadPointSource): Record<string, CsvValue> {
  return Object.fromEntries(LOAD_POINT_CSV_COLUMNS.map((c) => [c.name, c.of(lp) ?? null]));
}

/** One direction's columns (direction both), in the order directionFields writes them. */
function directionColumns<D extends "rx" | "tx">(d: D) {
  return [
    `${d}_offered_mpps`,
    `${d}_delivered_mpps`,
    `${d}_loss_ratio`,
    `${d}_min_us`,
    `${d}_mean_us`,
    `${d}_p50_us`,
    `${d}_p90_us`,
    `${d}_p99_us`,
    `${d}_p999_us`,
    `${d}_max_us`,
  ] as const;
}

function directionFields(d: DirectionJson | undefined): CsvValue[] {
  if (!d) return Array(10).fill(null);
  const l = d.latency_us;
  return [
    d.offered_mpps,
    d.delivered_mpps,
    d.loss_ratio,
    l?.min ?? null,
    l?.mean ?? null,
    l?.p50 ?? null,
    l?.p90 ?? null,
    l?.p99 ?? null,
    l?.p999 ?? null,
    l?.max ?? null,
  ];
}

/** Load point columns first written after the per-direction ones (appended, in list order). */
const APPENDED_LOAD_POINT_COLUMNS = LOAD_POINT_CSV_COLUMNS.slice(
  LOAD_POINT_CSV_COLUMNS.findIndex((c) => c.name === "offered_gbps"),
).map((c) => c.name);

export const PATHS_CSV_HEADER: readonly string[] = [
  "path",
  "direction",
  "size",
  "ndr_mpps",
  "ndr_gbps",
  "pdr_mpps",
  "pdr_gbps",
  "bottleneck",
  "load_fraction_of_ndr",
  "offered_mpps",
  "delivered_mpps",
  "loss_ratio",
  "p50_us",
  "p90_us",
  "p99_us",
  "p999_us",
  "profile",
  "seed",
  "faults",
  // Appended (columns above keep their places): the frame size and the test conditions that
  // qualify each NDR/PDR, the load point's own bottleneck and its cost, average and maximum latency.
  "frame_bytes",
  "line_rate_mpps",
  "pdr_loss_ratio",
  "precision_of_line_rate",
  "trial_ms",
  "trial_frames",
  "final_trial_ms",
  "link_gbps",
  "arrival",
  "point_bottleneck",
  "point_bottleneck_utilization",
  "point_bottleneck_cycles_per_packet",
  "mean_us",
  "max_us",
  // Appended: what point_bottleneck_cycles_per_packet counts (cycles, or ns: no clock).
  "point_bottleneck_per_packet_unit",
  // Appended: the smallest latency (exact; empty in files from before it was reported).
  "min_us",
  // Appended: direction both, each direction's own figures (empty for rx or tx runs).
  ...directionColumns("rx"),
  ...directionColumns("tx"),
  // Appended: the offered load as given (--rate; empty for a search), then the rest of the
  // load point's figures (offered and delivered Gbit/s, frames, above capacity, events).
  "rate",
  ...APPENDED_LOAD_POINT_COLUMNS,
  // Appended: a closed loop's window (--application --window N; empty for an open loop), whose
  // rows otherwise read only their `rate` ceiling.
  "window_frames",
  // Appended: the MTU every interface of the paths ran at (--mtu, or the --host state's; 1500
  // by default), which qualifies a row at a jumbo size as link_gbps does its line rate.
  "mtu_bytes",
];

/** A load point's injected faults in one field: "kind (spec): effect [dropped: ...]; ...". */
function faultsField(records: NonNullable<LoadPointJson["faults"]>): string {
  return records
    .map((r) => {
      const drops = Object.entries(r.dropped)
        .map(([why, n]) => `${n} ${why}`)
        .join(", ");
      return `${r.kind} (${r.spec}): ${r.effect}${drops ? ` [dropped: ${drops}]` : ""}`;
    })
    .join("; ");
}

/**
 * A paths document and one path entry as a row reads them: a document's, or ones parsed back
 * from a sweep's results file, where a field a later version added is missing (empty cell).
 */
export type RunSource = { [K in keyof PathsJson]?: PathsJson[K] | null };
export type EntrySource = { [K in keyof PathEntry]?: PathEntry[K] | null };

export interface EntryCsvColumn {
  name: string;
  of: (j: RunSource, p: EntrySource) => CsvValue | undefined;
}

/**
 * The path entry's and the run's columns, the same on each of the entry's load points, in
 * PATHS_CSV_HEADER's order. `sweep merge --csv` writes them too (src/sweep/merge.ts).
 */
export const ENTRY_CSV_COLUMNS: readonly EntryCsvColumn[] = [
  { name: "path", of: (_j, p) => p.name },
  { name: "direction", of: (_j, p) => p.direction },
  { name: "size", of: (_j, p) => p.size },
  { name: "ndr_mpps", of: (_j, p) => p.ndr_mpps },
  { name: "ndr_gbps", of: (_j, p) => p.ndr_gbps },
  { name: "pdr_mpps", of: (_j, p) => p.pdr_mpps },
  { name: "pdr_gbps", of: (_j, p) => p.pdr_gbps },
  { name: "bottleneck", of: (_j, p) => p.bottleneck },
  { name: "profile", of: (j) => (j.profile ? profileLabel(j.profile) : null) },
  { name: "seed", of: (j) => j.seed },
  { name: "frame_bytes", of: (_j, p) => p.frame_bytes },
  { name: "line_rate_mpps", of: (_j, p) => p.line_rate_mpps },
  { name: "pdr_loss_ratio", of: (j) => j.search?.pdr_loss },
  { name: "precision_of_line_rate", of: (j) => j.search?.precision_of_line_rate },
  { name: "trial_ms", of: (j) => j.trial?.virtual_ms },
  { name: "trial_frames", of: (j) => j.trial?.count },
  { name: "final_trial_ms", of: (_j, p) => p.final_trial_ms },
  // The link this row's path crossed (its line rate's): the run's unless it ran on another port
  // (entryLinkGbps).
  { name: "link_gbps", of: (j, p) => p.link_gbps ?? j.link_gbps },
  { name: "arrival", of: (j) => j.arrival },
  { name: "rate", of: (j) => j.rate },
  // A closed loop's window (load.window); empty for an open loop and in documents without `load`.
  { name: "window_frames", of: (j) => (j.load?.loop === "closed" ? j.load.window : null) },
  // The run's MTU (mtu_bytes); empty in documents from before it was recorded.
  { name: "mtu_bytes", of: (j) => j.mtu_bytes },
];

/** The path entry's and the run's cells by column name (an absent figure: null). */
export function entryCells(j: RunSource, p: EntrySource): Record<string, CsvValue> {
  return Object.fromEntries(ENTRY_CSV_COLUMNS.map((c) => [c.name, c.of(j, p) ?? null]));
}

function directionCells(lp: LoadPointJson): Record<string, CsvValue> {
  const names = [...directionColumns("rx"), ...directionColumns("tx")];
  const values = [...directionFields(lp.per_direction?.rx), ...directionFields(lp.per_direction?.tx)];
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/**
 * RFC 4180, one row per load point (docs/paths-json.md "CSV"): every figure is simulated; the
 * cost profile and seed repeat on each row, and a row's faults column says what an injected
 * fault did in that load point's simulation. The simulator's speed (wall clock) is not a row:
 * it goes to stderr and into --json.
 */
export function pathsCsv(j: PathsJson): string {
  const rows: CsvValue[][] = [];
  for (const p of j.paths)
    for (const lp of p.load_points) {
      const cells: Record<string, CsvValue> = {
        ...entryCells(j, p),
        ...loadPointCells(lp),
        faults: lp.faults ? faultsField(lp.faults) : "",
        ...directionCells(lp),
      };
      rows.push(
        PATHS_CSV_HEADER.map((h) => {
          if (!(h in cells)) throw new Error(`paths csv: no cell for column ${h}`);
          return cells[h];
        }),
      );
    }
  return toCsv(PATHS_CSV_HEADER, rows);
}
