// The report's only stylesheet, inlined. System fonts only (nothing fetched); one column on a
// phone, two chart columns on a wide screen; print: no cut charts, each section on a new page.
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5a6270; --line: #d8dde3; --accent: #1f5fa8;
  --sim: #1f6f43; --speed: #8a4b00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: #fff; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.5rem; margin: 0.2em 0; }
h2 { font-size: 1.25rem; margin: 1.2em 0 0.4em; border-bottom: 1px solid var(--line); padding-bottom: 0.2em; }
h3 { font-size: 1.05rem; margin: 1em 0 0.3em; }
p, li { max-width: 75ch; }
.meta { color: var(--muted); margin: 0.2em 0 0.8em; }
.label { display: inline-block; font-size: 0.75rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: 0.04em; padding: 0 0.45em; border-radius: 3px; vertical-align: middle; }
.label.simulated { color: #fff; background: var(--sim); }
.label.speed { color: #fff; background: var(--speed); }
nav ol { display: flex; flex-wrap: wrap; gap: 0.3em 1em; padding: 0; margin: 0.5em 0 1em; list-style: none; }
nav a { color: var(--accent); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); gap: 12px; align-items: start; }
figure.chart { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure.chart svg { display: block; width: 100%; height: auto; margin: 0 auto; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0.5em 0 1em; }
table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.source { white-space: normal; min-width: 18em; max-width: 40em; text-align: left; font-size: 0.85em; }
tbody th { font-weight: normal; }
td.wrap { white-space: normal; min-width: 14em; max-width: 60em; text-align: left; }
thead th { background: #f3f5f7; position: sticky; top: 0; }
td.pass { color: var(--sim); font-weight: 600; }
td.fail { color: #b00020; font-weight: 600; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  overflow-x: auto; white-space: pre; font-size: 0.85rem; }
pre.wrap { white-space: pre-wrap; word-break: break-all; }
section.simulator-speed { border-left: 4px solid var(--speed); padding-left: 12px; }
footer { color: var(--muted); font-size: 0.85rem; padding: 1em 16px 2em; border-top: 1px solid var(--line); margin-top: 2em; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  header, main, footer { padding-left: 10px; padding-right: 10px; }
  th, td { padding: 2px 5px; }
  td.wrap { min-width: 0; }
}
@media print {
  @page { margin: 14mm; }
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav { display: none; }
  section.report-section { break-before: page; }
  section.report-section:first-of-type { break-before: auto; }
  h2, h3 { break-after: avoid; }
  .charts { display: block; }
  figure.chart { break-inside: avoid; page-break-inside: avoid; border: none; margin: 0 0 8mm; max-width: 170mm; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; }
  tr { break-inside: avoid; }
  th, td { white-space: normal; }
  thead th { position: static; }
  pre { white-space: pre-wrap; word-break: break-all; overflow: visible; }
}
`;
