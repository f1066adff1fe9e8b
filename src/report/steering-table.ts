// How `iovsim steering` shows a matrix: a table, per-queue load bars, NDR against cores per
// strategy (simple text charts: src/report's asciichart charts are not on this branch yet),
// JSON (schema iovsim.steering/2) and CSV. Every figure is simulated (virtual time); the
// simulator's own speed is a separate block / line.
import Table from "cli-table3";
import type { MatrixResult, SteeringResult } from "../steering/compare.ts";
import type { MixFrameSize } from "../steering/frame-size.ts";
import { type CsvValue, toCsv } from "./csv.ts";
import { figureReplacer, reportFigure } from "./figure.ts";

export const STEERING_SCHEMA = "iovsim.steering/2";

const f3 = (x: number) => x.toFixed(3);
const f2 = (x: number) => x.toFixed(2);

function dropsText(d: Record<string, number>): string {
  const e = Object.entries(d);
  return e.length === 0 ? "0" : e.map(([k, v]) => `${v} ${k}`).join("; ");
}

/** The table's drops cell, with the flows a drop rule matched: "640 flow-rule drop; 64 flows dropped". */
function dropsCell(r: SteeringResult): string {
  const flows = r.rules?.dropped_flows ?? 0;
  return `${dropsText(r.drops)}${flows > 0 ? `; ${flows} flow${flows === 1 ? "" : "s"} dropped` : ""}`;
}

export function steeringTable(
  rows: readonly SteeringResult[],
  _opts: { regimeColumn?: boolean } = {},
): string {
  const t = new Table({
    head: [
      "traffic",
      "strategy",
      "cores",
      "NDR Mpps",
      "NDR Gbps",
      "line Mpps",
      "Jain",
      "max/mean",
      "reord",
      "split pairs",
      "lat min/p50/p99 us",
      "busiest core",
      "dispatcher",
      "drops",
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows) {
    if (r.skipped) {
      t.push([r.traffic, r.strategy, r.queues, { colSpan: 11, content: `n/a: ${r.skipped}` }]);
      continue;
    }
    // No frame delivered (the switch dropped them all): no spread and no latency to show, not 0.
    const none = r.delivered_mpps === 0;
    t.push([
      r.traffic,
      r.strategy,
      r.queues,
      r.ndr_mpps === null ? "-" : f2(r.ndr_mpps),
      r.ndr_gbps === null ? "-" : f2(r.ndr_gbps),
      f2(r.line_rate_mpps),
      none ? "-" : f3(r.jain),
      none ? "-" : f2(r.max_over_mean),
      r.reordered,
      r.split_pairs,
      // min is exact (the fastest frame), as steering's JSON and CSV give it; p50/p99 from the histogram.
      none
        ? "- (none delivered)"
        : `${r.latency_us.min.toFixed(1)}/${r.latency_us.p50.toFixed(1)}/${r.latency_us.p99.toFixed(1)}`,
      `${(r.utilization.busiest_core * 100).toFixed(0)}%`,
      r.utilization.dispatcher === null ? "-" : `${(r.utilization.dispatcher * 100).toFixed(0)}%`,
      dropsCell(r),
    ]);
  }
  // NDR is a search's answer; the other figures come from one trial, at --rate when given (a row
  // may then show an NDR beside drops), else at NDR: the caption says which.
  return `${t.toString()}\n${operatingPointCaption(rows)}`;
}

/** The columns measured at one trial rather than searched for. */
const TRIAL_COLUMNS = "Jain, max/mean, reord, split pairs, latency, busiest core, dispatcher and drops";

/** Which load the one-trial columns were measured at: --rate, with each mix's offered Mpps, or
 *  each row's own NDR. */
function operatingPointCaption(rows: readonly SteeringResult[]): string {
  const measured = rows.filter((r) => !r.skipped);
  const at = measured[0]?.at;
  if (at === undefined) return "";
  if (at !== "rate")
    return `${TRIAL_COLUMNS} are measured at each row's NDR (the highest load with no loss: its NDR Mpps offered)\n`;
  const byMix = new Map<string, Set<string>>();
  for (const r of measured) {
    const set = byMix.get(r.traffic) ?? new Set<string>();
    set.add(f3(r.offered_mpps));
    byMix.set(r.traffic, set);
  }
  const mixes = [...byMix].map(([mix, mpps]) => `${mix} ${[...mpps].join(" / ")} Mpps`).join(", ");
  return `${TRIAL_COLUMNS} are measured at --rate, the offered load asked for (simulated, offered: ${mixes})\n`;
}

/** Per-queue load of each result: one bar per queue, scaled to the busiest queue of the row. */
export function perQueueBars(rows: readonly SteeringResult[], width = 40): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.skipped || r.per_queue.length === 0) continue;
    const max = Math.max(1, ...r.per_queue);
    const total = r.per_queue.reduce((a, b) => a + b, 0) || 1;
    out.push(
      `${r.traffic} / ${r.strategy} / ${r.queues} cores (${r.at === "rate" ? "at --rate" : "at NDR"}):`,
    );
    r.per_queue.forEach((v, q) => {
      const n = Math.round((v / max) * width);
      out.push(`  q${String(q).padEnd(3)} ${"#".repeat(n).padEnd(width)} ${((100 * v) / total).toFixed(1)}%`);
    });
  }
  // Nothing to draw (no row measured a load): nothing, not blank lines under a heading.
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** NDR against cores, one line of marks per strategy, for each traffic (a text plot). */
export function ndrChart(rows: readonly SteeringResult[], height = 10): string {
  const out: string[] = [];
  const traffics = [...new Set(rows.map((r) => r.traffic))];
  for (const tr of traffics) {
    const mine = rows.filter((r) => r.traffic === tr && r.ndr_mpps !== null && !r.skipped);
    if (mine.length === 0) continue;
    const cores = [...new Set(rows.filter((r) => r.traffic === tr).map((r) => r.queues))].sort(
      (a, b) => a - b,
    );
    const strategies = [...new Set(mine.map((r) => r.strategy))];
    const line = Math.max(...mine.map((r) => r.line_rate_mpps));
    const top = Math.max(line, ...mine.map((r) => r.ndr_mpps!));
    const marks = "SOIMmDF*+x";
    const col = strategies.length + 3;
    const grid = Array.from({ length: height + 1 }, () =>
      Array.from({ length: cores.length * col }, () => " "),
    );
    const rowOf = (v: number) => height - Math.round((v / top) * height);
    for (let x = 0; x < cores.length * col; x++) grid[rowOf(line)]![x] = "-";
    strategies.forEach((s, si) => {
      for (const r of mine.filter((m) => m.strategy === s)) {
        const x = cores.indexOf(r.queues) * col + 1 + si;
        grid[rowOf(r.ndr_mpps!)]![x] = marks[si % marks.length]!;
      }
    });
    out.push(`NDR (Mpps, simulated) against cores, ${tr}; '-' = line rate ${f2(line)} Mpps`);
    grid.forEach((g, i) => {
      const v = top * (1 - i / height);
      out.push(`${v.toFixed(1).padStart(6)} |${g.join("")}`);
    });
    out.push(`${" ".repeat(7)}+${"-".repeat(cores.length * col)}`);
    out.push(`${" ".repeat(8)}${cores.map((c) => String(c).padEnd(col)).join("")} cores`);
    out.push(`        ${strategies.map((s, si) => `${marks[si % marks.length]} ${s}`).join("  ")}`);
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

export function simulatorLine(m: MatrixResult): string {
  const s = m.simulator;
  return `simulator speed (wall clock on this machine, not a simulated figure): ${s.simulations} simulation${s.simulations === 1 ? "" : "s"}, ${s.frames} frames in ${s.wall_s.toFixed(1)} s (${(s.frames / Math.max(1e-9, s.wall_s) / 1e3).toFixed(0)} k frames/s)\n`;
}

export function steeringJson(
  m: MatrixResult,
  meta: {
    profile: string;
    nic: string;
    version: string;
    link_gbps: number;
    frames: number;
    seed: number;
    notes: string[];
    /** Each mix's frame size (src/steering/frame-size.ts); a capture's, what was left out of
     *  it before the engine, by reason. */
    mixes: Array<MixFrameSize & { dropped_before_engine?: Record<string, number> }>;
    /** --inject-fault as given (canonical text). */
    faults?: string[];
  },
): string {
  return `${JSON.stringify(
    {
      schema: STEERING_SCHEMA,
      version: meta.version,
      profile: meta.profile,
      nic: meta.nic,
      link_gbps: meta.link_gbps,
      frames_per_trial: meta.frames,
      seed: meta.seed,
      simulated: "every figure in results comes from virtual time (cost profile above)",
      notes: meta.notes,
      mixes: meta.mixes,
      ...(m.faults ? { injected_faults: meta.faults ?? [], faults: m.faults } : {}),
      results: m.results,
      simulator: m.simulator,
    },
    figureReplacer,
    2,
  )}\n`;
}

/**
 * A result as a CSV row reads it: a SteeringResult, or the same object parsed back from
 * `steering --json` (what `sweep merge` holds), where a field may be missing or null.
 */
export type SteeringCsvSource = { [K in keyof SteeringResult]?: SteeringResult[K] | null };

/** A mix as a row reads it (the document's `mixes[]`; older documents lack `ip`). */
export type SteeringCsvMix = { traffic?: unknown; mean_bytes?: unknown; ip?: MixFrameSize["ip"] };

/** What every row of a run shares: the cost profile, the seed and each mix's frame size and IP
 *  versions (JSON `mixes`, matched to a row by its traffic). */
export type SteeringCsvMeta = {
  profile: string;
  seed: number;
  mixes?: readonly SteeringCsvMix[];
  /** The NIC profile and its line rate (JSON `nic`, `link_gbps`); absent in older documents. */
  nic?: string;
  link_gbps?: number;
};

type CsvColumn = {
  name: string;
  of: (r: SteeringCsvSource, meta: SteeringCsvMeta) => CsvValue;
};

const mixOf = (r: SteeringCsvSource, meta: SteeringCsvMeta) =>
  meta.mixes?.find((m) => m.traffic === r.traffic);

/** A row's IP version as JSON `mixes[].ip` says it: "ipv4", "ipv6", or empty (no such header, a
 *  capture, a document from before --ip). */
const ipOf = (r: SteeringCsvSource, meta: SteeringCsvMeta, layer: "inner" | "outer") =>
  mixOf(r, meta)?.ip?.[layer] ?? null;

const numberOrNull = (v: unknown) => (typeof v === "number" ? v : null);

/**
 * `steering --csv`'s columns and what each holds: the one list (sweep merge's steering rows
 * take it too). Columns keep their names and places from earlier versions (consumers read
 * them); `at` and `offered_mpps`, added last, say which operating point a row's load, latency
 * and per-queue figures describe: the NDR trial, or --rate. Units: docs/steering-json.md.
 */
export const STEERING_CSV_COLUMNS: readonly CsvColumn[] = [
  { name: "traffic", of: (r) => r.traffic },
  { name: "strategy", of: (r) => r.strategy },
  { name: "queues", of: (r) => r.queues },
  { name: "skipped", of: (r) => r.skipped },
  { name: "ndr_mpps", of: (r) => r.ndr_mpps },
  { name: "ndr_gbps", of: (r) => r.ndr_gbps },
  { name: "line_rate_mpps", of: (r) => r.line_rate_mpps },
  { name: "jain", of: (r) => r.jain },
  { name: "max_over_mean", of: (r) => r.max_over_mean },
  { name: "reordered", of: (r) => r.reordered },
  { name: "split_pairs", of: (r) => r.split_pairs },
  { name: "loss_ratio", of: (r) => r.loss_ratio },
  { name: "latency_p50_us", of: (r) => r.latency_us?.p50 },
  { name: "latency_p99_us", of: (r) => r.latency_us?.p99 },
  { name: "busiest_core_util", of: (r) => r.utilization?.busiest_core },
  { name: "dispatcher_util", of: (r) => r.utilization?.dispatcher },
  { name: "drops", of: (r) => dropsText(r.drops ?? {}) },
  { name: "per_queue", of: (r) => (r.per_queue ?? []).join(" ") },
  { name: "profile", of: (_r, meta) => meta.profile },
  { name: "seed", of: (_r, meta) => meta.seed },
  { name: "faults", of: (r) => (r.faults ?? []).map(faultField).join("; ") },
  // The HTML's 'at' column says the same ("NDR" / "--rate"); a skipped row has no figures.
  { name: "at", of: (r) => (r.skipped ? null : r.at) },
  { name: "offered_mpps", of: (r) => (r.skipped ? null : r.offered_mpps) },
  // Appended (columns above keep their places): the exact smallest latency.
  { name: "latency_min_us", of: (r) => (r.skipped ? null : r.latency_us?.min) },
  // Flows a drop rule matched (flow-rules; `drops` counts their frames); empty without rules
  // and in documents written before it was counted.
  { name: "dropped_flows_count", of: (r) => (r.skipped ? null : r.rules?.dropped_flows) },
  // Appended: the IP versions of the row's mix (--ip; JSON mixes[].ip), its mean frame, and the
  // rest of the operating point `at` describes (delivered, offered Gbit/s = JSON wire_gbps, the
  // NIC's and the wire's utilization, the bottleneck), so a load sweep is plotted from the CSV.
  { name: "ip_inner", of: (r, meta) => ipOf(r, meta, "inner") },
  { name: "ip_outer", of: (r, meta) => ipOf(r, meta, "outer") },
  { name: "mean_frame_bytes", of: (r, meta) => numberOrNull(mixOf(r, meta)?.mean_bytes) },
  { name: "delivered_mpps", of: (r) => (r.skipped ? null : r.delivered_mpps) },
  { name: "offered_gbps", of: (r) => (r.skipped ? null : r.wire_gbps) },
  { name: "nic_util", of: (r) => (r.skipped ? null : r.utilization?.nic) },
  { name: "wire_util", of: (r) => (r.skipped ? null : r.utilization?.wire) },
  { name: "bottleneck", of: (r) => (r.skipped ? null : r.bottleneck) },
  // Appended: the NIC the run was on (--nic, --port) and its line rate, as profile and seed
  // are, so rows of runs on an X710 and an 82576 (1 Gbit/s) pasted together stay told apart.
  { name: "nic", of: (_r, meta) => meta.nic ?? null },
  { name: "link_gbps", of: (_r, meta) => meta.link_gbps ?? null },
];

export const STEERING_CSV_HEADER: readonly string[] = STEERING_CSV_COLUMNS.map((c) => c.name);

/** One result's cells, in STEERING_CSV_HEADER's order. */
export function steeringCsvCells(r: SteeringCsvSource, meta: SteeringCsvMeta): CsvValue[] {
  // Figures without binary noise (offered_mpps 1.85699, not 1.8569900000000001), as in --json.
  return STEERING_CSV_COLUMNS.map((c) => {
    const v = c.of(r, meta);
    return typeof v === "number" ? reportFigure(v) : v;
  });
}

/** One line per fault record (empty without --inject-fault). */
export function faultLines(m: MatrixResult): string[] {
  return (m.faults ?? []).map((f) => {
    const drops = Object.entries(f.dropped)
      .map(([why, n]) => `${n} ${why}`)
      .join(", ");
    return `${f.kind} (${f.spec}) on ${f.strategy}/${f.traffic}/${f.queues} at ${f.rate_mpps.toFixed(3)} Mpps: ${f.effect}${drops ? ` [dropped: ${drops}]` : ""}${f.per_queue_delivered ? ` [delivered per core: ${f.per_queue_delivered.join(" ")}]` : ""}`;
  });
}

/**
 * RFC 4180, one row per result (docs/steering-json.md "CSV"): every figure is simulated; the cost
 * profile and seed repeat on each row, and the faults column says what an injected fault did in
 * that result's simulation. The simulator's speed (wall clock) is not a row (stderr, --json).
 */
export function steeringCsv(m: MatrixResult, meta: SteeringCsvMeta): string {
  return toCsv(
    STEERING_CSV_HEADER,
    m.results.map((r) => steeringCsvCells(r, meta)),
  );
}

/** One fault record of a result in one field: "kind (spec): effect [dropped: ...]". */
function faultField(f: NonNullable<SteeringResult["faults"]>[number]): string {
  const drops = Object.entries(f.dropped)
    .map(([why, n]) => `${n} ${why}`)
    .join(", ");
  return `${f.kind} (${f.spec}): ${f.effect}${drops ? ` [dropped: ${drops}]` : ""}`;
}
