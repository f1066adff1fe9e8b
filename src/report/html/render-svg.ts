// Renders a Vega-Lite spec to an SVG string in Node (no browser, no canvas), then makes it fit
// to be inlined in HTML: no namespace URLs, and it scales to its container through its viewBox.
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

/** The SVG of `spec`, ready to inline (width 100 %, height from the viewBox). */
export async function renderSvg(spec: TopLevelSpec, label: string): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return inlineSvg(await view.toSVG(), label);
  } finally {
    view.finalize();
  }
}

/**
 * Inline SVG in HTML needs no xmlns (the HTML parser puts it in the SVG namespace), and dropping
 * it keeps every URL out of the report. The fixed width/height become a 100 % width so the chart
 * follows the page (phone, print); the viewBox keeps the aspect ratio.
 */
export function inlineSvg(svg: string, label: string): string {
  const open = svg.match(/^<svg\b[^>]*>/);
  if (!open) throw new Error("renderer did not produce an <svg> element");
  const width = open[0].match(/\swidth="([\d.]+)"/)?.[1];
  const maxWidth = width ? ` style="max-width:${width}px"` : "";
  const attrs = open[0]
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")
    .replace(/\s+(width|height)="[^"]*"/g, "")
    .replace(/^<svg/, `<svg width="100%"${maxWidth} role="img" aria-label="${label.replace(/[&<>"]/g, "")}"`);
  if (!/viewBox="/.test(attrs)) throw new Error("renderer produced an <svg> without a viewBox");
  return attrs + svg.slice(open[0].length).replace(/\s+xlink:href=/g, " href=");
}
