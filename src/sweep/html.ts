// The merged sweep as one self-contained HTML page: the sweep's axes as small multiples (for
// paths: NDR against frame size, one line per path, one panel per value of the other axes),
// then the table. Charts are SVG rendered here (vega-lite -> vega, no browser); nothing is
// fetched when the page is opened.
import type { TopLevelSpec } from "vega-lite";
import { escapeHtml as esc } from "../report/html/format.ts";
import { REPORT_CSP } from "../report/html/index.ts";
import { renderSvg } from "../report/html/render-svg.ts";
import { commandLine } from "../report/output-format.ts";
import { sweepConditionRows } from "./conditions.ts";
import { type MergedSweep, mergedRows, type PointSpeed, rowColumns } from "./merge.ts";

export function renderSweepSvg(spec: TopLevelSpec): Promise<string> {
  return renderSvg(spec, spec.description ?? "small multiples (simulated)");
}

/** The figure a paths sweep's panels show: NDR where a search ran, else p99 at the one load. */
const PANEL_FIGURES = [
  { field: "ndr_mpps", title: "NDR (Mpps, simulated)", what: "NDR" },
  { field: "p99_us_mid_load", title: "p99 latency at the load (µs, simulated)", what: "p99 latency" },
] as const;

export function smallMultiplesSpec(m: MergedSweep): TopLevelSpec | undefined {
  const rows = mergedRows(m);
  if (m.experiment !== "paths") return undefined;
  // A sweep at a fixed offered load (--rate) searched no NDR: its null NDR would draw empty
  // panels under an NDR axis, so the panels show the latency at that load instead.
  const figure = PANEL_FIGURES.find((f) => rows.some((r) => typeof r[f.field] === "number"));
  if (!figure) return undefined;
  // Panels: every axis other than the ones on the chart (path, size).
  const panelAxes = m.axes.filter((a) => a !== "path" && a !== "size");
  const data = rows
    .filter((r) => typeof r[figure.field] === "number")
    .map((r) => ({ ...r, panel: panelAxes.map((a) => `${a}=${r[a]}`).join(" ") || m.sweep }));
  return {
    description: `${figure.what} against frame size, one panel per value of the other axes (simulated)`,
    data: { values: data },
    facet: { field: "panel", type: "nominal", title: null },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "size", type: "quantitative", title: "frame size (B)", scale: { type: "log" } },
        y: { field: figure.field, type: "quantitative", title: figure.title },
        color: { field: "path", type: "nominal" },
        strokeDash: { field: "direction", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

/** How to reproduce the merged results: the sweep file and each point's own command. */
export interface SweepReproduce {
  /** The sweep file's text, as the manifest keeps it. */
  sweepText: string;
  /** The results directory the merge read. */
  dir: string;
  /** This merge's own command line. */
  merge: string;
  /** Each point's arguments after `iovsim` (from the plan), by index. */
  pointArgs: Map<number, string[]>;
}

const BADGE_SIMULATED = '<span class="label simulated">simulated</span>';
const BADGE_SPEED = '<span class="label speed">simulator speed · wall clock</span>';

/** A table whose first column heads each row (scope="row"), every column head scope="col". */
function dataTable(cols: string[], rows: Array<Array<string | number | boolean>>): string {
  const head = cols.map((c) => `<th scope="col">${esc(c)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((v, i) => (i === 0 ? `<th scope="row">${esc(String(v))}</th>` : `<td${typeof v === "number" ? "" : ' class="text"'}>${esc(String(v))}</td>`)).join("")}</tr>`,
    )
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function reproduceHtml(m: MergedSweep, r: SweepReproduce): string {
  const file = `${m.sweep}.yaml`;
  const steps = [
    `# save the sweep file below as ${file}, then:`,
    commandLine("sweep", ["plan", file]),
    `${commandLine("sweep", ["run", file, "--out", r.dir])}    # or one shard per job: --shard K/N`,
    r.merge,
  ].join("\n");
  const points = m.points.map((p) => {
    const args = r.pointArgs.get(p.index);
    return [p.index, args ? commandLine(args[0] ?? "", args.slice(1)) : "(not in the sweep file's plan)"];
  });
  return `<pre>${esc(steps)}</pre>
<h3>The sweep file (${esc(file)})</h3><pre>${esc(r.sweepText.trimEnd())}</pre>
<h3>Each point's own run</h3><p>What <code>sweep run</code> runs for each point; its JSON is the point's result.</p>
<div class="table">${dataTable(["point", "command"], points)}</div>`;
}

/** What a point's `simulator` keys mean, in the order shown (others follow as they are named). */
const SPEED_COLUMNS: Array<[string, string]> = [
  ["simulations", "simulations"],
  ["frames", "frames simulated"],
  ["events", "events"],
  ["virtual_s", "virtual s"],
  ["wall_s", "wall-clock s"],
  ["realtime_factor", "× real time"],
  ["frames_per_wall_s", "frames per wall-clock s"],
  ["workers", "workers"],
];

/** Each point's simulator speed (wall clock), a table apart from every simulated figure. */
function speedHtml(m: MergedSweep, speeds: readonly PointSpeed[]): string {
  const apart =
    "The merge's JSON and CSV leave each point's wall-clock block out, so shards run on different machines merge to the same bytes";
  if (speeds.length === 0)
    return `<p>${apart}; the point results hold none to show here. A point's own run (below) prints it.</p>`;
  const keys: string[] = [];
  for (const s of speeds) for (const k of Object.keys(s.simulator)) if (!keys.includes(k)) keys.push(k);
  const known = SPEED_COLUMNS.filter(([k]) => keys.includes(k));
  const cols = [
    ...known,
    ...keys.filter((k) => !known.some(([c]) => c === k)).map((k) => [k, k] as [string, string]),
  ];
  const rows = speeds.map((s) => [
    s.index,
    m.axes.map((a) => `${a}=${String(s.coords[a])}`).join(" "),
    ...cols.map(([k]) => (k in s.simulator ? Number(s.simulator[k].toPrecision(4)) : "")),
  ]);
  return `<p>How fast this tool ran each point on the machine that ran it (wall clock, not a simulated figure; it depends on that machine and its load). ${apart}: this table is read from each point's own result file, so it differs from one run of the sweep to another.</p>
<div class="table">${dataTable(["point", "coordinates", ...cols.map(([, label]) => label)], rows)}</div>`;
}

export function renderSweepHtml(
  m: MergedSweep,
  reproduce: SweepReproduce,
  svg?: string,
  speeds: readonly PointSpeed[] = [],
): string {
  const rows = mergedRows(m);
  const cols = rowColumns(rows);
  const table = dataTable(
    cols,
    rows.map((r) => cols.map((c) => r[c] ?? "")),
  );
  const conditions = sweepConditionRows(m);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<link rel="icon" href="data:,">
<title>iovsim sweep ${esc(m.sweep)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1rem;max-width:72rem}
svg{max-width:100%;height:auto}
.table{overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
thead th,td.text{text-align:left}.conditions th{text-align:left}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
.label{font-size:.75em;padding:1px 6px;border-radius:3px;vertical-align:middle}
.label.simulated{background:#e3f0e3;color:#1d5b1d}.label.speed{background:#fbeedd;color:#7a4500}
@media print{.chart,table{page-break-inside:avoid}}
</style></head><body>
<h1>Sweep ${esc(m.sweep)}</h1>
<p>${m.points.length} of ${m.count} points of <code>iovsim ${esc(m.experiment)}</code> over ${esc(m.axes.join(" × "))}. Figures marked ${BADGE_SIMULATED} come from the simulation in virtual time, priced by the cost profile; they are not measurements of this machine. How fast the simulator ran is reported apart, marked ${BADGE_SPEED}.</p>
${conditions.length > 0 ? `<h2 id="conditions">Test conditions</h2><div class="table conditions">${dataTable(["condition", "value"], conditions)}</div>` : ""}
${svg ? `<h2 id="small-multiples">Small multiples ${BADGE_SIMULATED}</h2><div class="chart">${svg}</div>` : ""}
<h2 id="results">Results ${BADGE_SIMULATED}</h2><div class="table">${table}</div>
<h2 id="simulator-speed">Simulator speed (wall clock) ${BADGE_SPEED}</h2>
${speedHtml(m, speeds)}
<h2 id="reproduce">Reproduce</h2>
${reproduceHtml(m, reproduce)}
<p>${esc(m.version)} · sweep ${esc(m.hash.slice(0, 12))}</p>
</body></html>
`;
}
