// The merged sweep as one self-contained HTML page: the sweep's axes as small multiples (for
// paths: NDR against frame size, one line per path, one panel per value of the other axes),
// then the table. Charts are SVG rendered here (vega-lite -> vega, no browser); nothing is
// fetched when the page is opened.
import type { TopLevelSpec } from "vega-lite";
import { escapeHtml as esc } from "../report/html/format.ts";
import { renderSvg } from "../report/html/render-svg.ts";
import { type MergedSweep, mergedRows } from "./merge.ts";

export function renderSweepSvg(spec: TopLevelSpec): Promise<string> {
  return renderSvg(spec, "NDR against frame size, one panel per value of the other axes (simulated)");
}

export function smallMultiplesSpec(m: MergedSweep): TopLevelSpec | undefined {
  const rows = mergedRows(m);
  if (m.experiment !== "paths" || rows.length === 0 || !("ndr_mpps" in rows[0])) return undefined;
  // Panels: every axis other than the ones on the chart (path, size).
  const panelAxes = m.axes.filter((a) => a !== "path" && a !== "size");
  const data = rows.map((r) => ({ ...r, panel: panelAxes.map((a) => `${a}=${r[a]}`).join(" ") || m.sweep }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values: data },
    facet: { field: "panel", type: "nominal", title: null },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "size", type: "quantitative", title: "frame size (B)", scale: { type: "log" } },
        y: { field: "ndr_mpps", type: "quantitative", title: "NDR (Mpps, simulated)" },
        color: { field: "path", type: "nominal" },
        strokeDash: { field: "direction", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

export function renderSweepHtml(m: MergedSweep, command: string, svg?: string): string {
  const rows = mergedRows(m);
  const cols = rows.length > 0 ? Object.keys(rows[0]) : [];
  const table = `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${esc(String(r[c] ?? ""))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>iovsim sweep ${esc(m.sweep)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1rem;max-width:72rem}
svg{max-width:100%;height:auto}
.table{overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
@media print{.chart,table{page-break-inside:avoid}}
</style></head><body>
<h1>Sweep ${esc(m.sweep)}</h1>
<p>${m.points.length} of ${m.count} points of <code>iovsim ${esc(m.experiment)}</code> over ${esc(m.axes.join(" × "))}. All figures are <strong>simulated</strong> (virtual time); simulator speed is not part of a merged sweep.</p>
${svg ? `<h2>Small multiples</h2><div class="chart">${svg}</div>` : ""}
<h2>Results</h2><div class="table">${table}</div>
<h2>Reproduce</h2><pre>${esc(command)}</pre>
<p>${esc(m.version)} · sweep ${esc(m.hash.slice(0, 12))}</p>
</body></html>
`;
}
