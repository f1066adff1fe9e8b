// Renders a Vega-Lite spec to an SVG string in Node (no browser, no canvas), then makes it fit
// to be inlined in HTML: no namespace URLs, and it scales to its container through its viewBox.
// vega and vega-lite are loaded on the first chart only: importing them takes 0.6-1 s of every
// CLI start (docs/engine.md, "Start-up and where a CLI run's time goes"), and most runs draw
// no chart.
import type { TopLevelSpec } from "vega-lite";

/**
 * Without a canvas, vega estimates a text's width as 0.8 em per character, about 45 % more than
 * a sans-serif font needs: labels get truncated and titles widen the SVG, which then shrinks on
 * a phone. This estimate uses per-class advance widths of common sans-serif fonts (Helvetica,
 * Arial, DejaVu Sans, in em), rounded up so labels are never clipped in a browser.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (" .,:;'!|il".includes(ch) || ch === "I" || ch === "j") em += 0.32;
    else if ("ftr()[]-/".includes(ch)) em += 0.4;
    else if ("mwMW@%".includes(ch)) em += 0.92;
    else if (ch >= "A" && ch <= "Z") em += 0.72;
    else em += 0.6;
  }
  return Math.ceil(em * fontSize);
}

type TextItem = { text?: unknown; fontSize?: number };

type Renderers = { vega: typeof import("vega"); vl: typeof import("vega-lite") };
let renderers: Promise<Renderers> | undefined;

/** vega and vega-lite, imported once, with the text-width estimate installed. */
function loadRenderers(): Promise<Renderers> {
  renderers ??= Promise.all([import("vega"), import("vega-lite")]).then(([vega, vl]) => {
    // vega exports textMetrics at run time; its type declarations omit it.
    const metrics = (
      vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }
    ).textMetrics;
    metrics.width = (item: TextItem, text?: unknown) => {
      const value = text ?? item.text;
      const str = Array.isArray(value) ? value.join(" ") : value == null ? "" : String(value);
      return estimateTextWidth(str, item.fontSize ?? 11);
    };
    return { vega, vl };
  });
  return renderers;
}

/** The SVG of `spec`, ready to inline (width 100 %, height from the viewBox). */
export async function renderSvg(spec: TopLevelSpec, label: string): Promise<string> {
  const { vega, vl } = await loadRenderers();
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
