// One self-contained HTML report: charts rendered to inline SVG now (vega-lite -> vega -> SVG),
// one inline stylesheet, no script, no font, no URL. A Content-Security-Policy that forbids
// every fetch makes a browser refuse anything that slipped in.
import { replaceFileSync } from "../../fs-atomic.ts";
import { asWriteError } from "../../output-file.ts";
import type { ChartDef } from "./charts.ts";
import { conditionsMeta } from "./conditions.ts";
import { escapeHtml, slug } from "./format.ts";
import { renderSvg } from "./render-svg.ts";
import { buildSections, type Section } from "./sections.ts";
import { REPORT_CSS } from "./style.ts";
import { parseReportInput, type ReportInput, type ReportInputJson } from "./types.ts";

export { parseReportInput, type ReportInput, type ReportInputJson } from "./types.ts";

export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const BADGES = {
  simulated: '<span class="label simulated">simulated</span>',
  speed: '<span class="label speed">simulator speed · wall clock</span>',
};

// A run that prices nothing (switch) has no cost profile and no virtual time to speak of.
const COUNTS_ONLY = `Figures marked ${BADGES.simulated} are counts of the simulated NIC's switch on the frames given: nothing is timed or priced; they are not measurements of this machine.`;

async function renderChart(c: ChartDef, used: Set<string>): Promise<string> {
  let id = `chart-${slug(c.id)}`;
  for (let n = 2; used.has(id); n++) id = `chart-${slug(c.id)}-${n}`;
  used.add(id);
  const svg = await renderSvg(c.spec, c.title);
  return `<figure class="chart" id="${id}" data-chart="${escapeHtml(c.id)}">\n${svg}\n</figure>`;
}

async function renderSection(s: Section, used: Set<string>): Promise<string> {
  const body: string[] = [];
  for (const part of s.parts) {
    if ("html" in part) body.push(part.html);
    else if (part.charts.length > 0) {
      const figs: string[] = [];
      for (const c of part.charts) figs.push(await renderChart(c, used));
      body.push(`<div class="charts">\n${figs.join("\n")}\n</div>`);
    }
  }
  const badge = s.badge ? ` ${BADGES[s.badge]}` : "";
  const cls = s.badge === "speed" ? "report-section simulator-speed" : "report-section";
  return `<section id="${s.id}" class="${cls}">\n<h2>${escapeHtml(s.title)}${badge}</h2>\n${body.join("\n")}\n</section>`;
}

/**
 * The report as one HTML document. `input` is validated (parseReportInput); the CLI can pass
 * `paths --json` output plus the report's extras. Async because vega renders asynchronously.
 * With no `generated_at`, the same input gives the same bytes.
 */
export async function renderHtmlReport(input: ReportInputJson | ReportInput): Promise<string> {
  const data = parseReportInput(input);
  const sections = buildSections(data);
  const used = new Set<string>();
  const rendered: string[] = [];
  for (const s of sections) rendered.push(await renderSection(s, used));
  const title = data.title ?? "iovsim report";
  const profile = data.cost_profile?.name ?? data.profile;
  const meta = [
    `iovsim ${data.version}`,
    profile ? `cost profile ${profile}` : null,
    ...conditionsMeta(data.conditions),
    data.generated_at ?? null,
  ]
    .filter((x): x is string => x !== null)
    .map(escapeHtml)
    .join(" · ");
  const toc = sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${meta}</p>
<p>${data.prices_nothing ? COUNTS_ONLY : `Figures marked ${BADGES.simulated} come from the simulation in virtual time, priced by the cost profile; they are not measurements of this machine.`}${data.simulator ? ` How fast the simulator itself ran is reported apart, marked ${BADGES.speed}.` : ""}</p>
<nav aria-label="sections"><ol>${toc}</ol></nav>
</header>
<main>
${rendered.join("\n")}
</main>
<footer>Made by iovsim ${escapeHtml(data.version)}. Self-contained: this file loads nothing from the network.</footer>
</body>
</html>
`;
}

/** Renders and writes the report atomically (a reader never sees half a file; src/fs-atomic.ts). */
export async function writeHtmlReport(file: string, input: ReportInputJson | ReportInput): Promise<void> {
  const html = await renderHtmlReport(input);
  try {
    replaceFileSync(file, html);
  } catch (e) {
    throw asWriteError(e, file, "--html");
  }
}
