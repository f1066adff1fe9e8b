// Charts for a terminal: line charts drawn by asciichart (latency against load, NDR against
// queues), horizontal bars drawn here (asciichart only draws lines), and the rule deciding
// whether a progress bar may be shown. Plain strings, so they can be tested and piped.
import * as asciichart from "asciichart";
import type { PathResult, SteeringResult } from "./html/types.ts";

export interface BarRow {
  label: string;
  value: number;
}

export interface BarChartOptions {
  /** Columns for the longest bar (default 40). */
  width?: number;
  /** Printed after each value ("Mpps", "%"). */
  unit?: string;
  /** Bar length scale; default the largest value. */
  max?: number;
  /** How a value is printed (default: 4 significant digits). */
  format?: (v: number) => string;
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** Horizontal bars with eighth-of-a-cell resolution: `label │█████▍ 12.3 unit`. */
export function barChart(rows: BarRow[], opts: BarChartOptions = {}): string {
  if (rows.length === 0) return "";
  const width = opts.width ?? 40;
  const max = opts.max ?? Math.max(...rows.map((r) => r.value));
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const format = opts.format ?? fmt;
  const unit = opts.unit ? ` ${opts.unit}` : "";
  return rows
    .map((r) => {
      const eighths = max > 0 ? Math.round((Math.max(0, r.value) / max) * width * 8) : 0;
      const bar = "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
      return `${r.label.padStart(labelWidth)} │${bar} ${format(r.value)}${unit}`;
    })
    .join("\n");
}

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartOptions {
  /** Rows of the plot area (default 12). */
  height?: number;
  /** Columns of the plot area (default 50). */
  width?: number;
  xLabel: string;
  yLabel: string;
  /** ANSI colours per series (decide with the output stream's isTTY). */
  color?: boolean;
  /** Plot log10(y); every y must be > 0. */
  logY?: boolean;
}

const COLORS = [asciichart.blue, asciichart.red, asciichart.green, asciichart.magenta, asciichart.cyan];

/** y of a series at x, linear between its points; undefined outside them. */
function interpolate(points: LinePoint[], x: number): number | undefined {
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i];
    const b = points[i + 1];
    if (x >= a.x && x <= b.x) return b.x === a.x ? b.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
  }
  return points.length === 1 && points[0].x === x ? points[0].y : undefined;
}

/**
 * A line chart of series with arbitrary x (asciichart spaces points evenly, so each series is
 * sampled on `width` evenly spaced x between the smallest and largest x every series covers).
 * Below the plot: the x range, then a legend; without colour the legend lists the series in the
 * order their lines end, top to bottom, so they can be told apart.
 */
export function lineChart(series: LineSeries[], opts: LineChartOptions): string {
  const usable = series
    .map((s) => ({ ...s, points: [...s.points].sort((a, b) => a.x - b.x) }))
    .filter((s) => s.points.length > 0);
  if (usable.length === 0) return "";
  const logY = opts.logY === true && usable.every((s) => s.points.every((p) => p.y > 0));
  const xMin = Math.max(...usable.map((s) => s.points[0].x));
  const xMax = Math.min(...usable.map((s) => s.points[s.points.length - 1].x));
  if (!(xMax >= xMin)) throw new Error("lineChart: the series share no x range");
  const cols = xMax > xMin ? Math.max(2, opts.width ?? 50) : 1;
  const xs = Array.from({ length: cols }, (_, i) =>
    cols === 1 ? xMin : xMin + ((xMax - xMin) * i) / (cols - 1),
  );
  const sampled = usable.map((s) =>
    xs.map((x) => {
      const y = interpolate(s.points, x) ?? s.points[s.points.length - 1].y;
      return logY ? Math.log10(y) : y;
    }),
  );
  const labels = sampled.flat().map((v) => fmt(logY ? 10 ** v : v));
  const labelWidth = Math.max(6, ...labels.map((l) => l.length)) + 1;
  const colors = opts.color ? usable.map((_, i) => COLORS[i % COLORS.length]) : undefined;
  const plot = asciichart.plot(sampled, {
    height: opts.height ?? 12,
    colors,
    format: (v) => fmt(logY ? 10 ** v : v).padStart(labelWidth),
  });
  const pad = " ".repeat(labelWidth + 2);
  const left = fmt(xMin);
  const right = fmt(xMax);
  const span = Math.max(cols, left.length + right.length + 1);
  const axis = xMax > xMin ? `${pad}${left}${right.padStart(span - left.length)}` : `${pad}${left}`;
  const xTitle = `${pad}${opts.xLabel}`;
  const byEnd = usable
    .map((s, i) => ({ s, i, end: sampled[i][sampled[i].length - 1] }))
    .sort((a, b) => b.end - a.end);
  const legend = opts.color
    ? usable.map((s, i) => asciichart.colored(`── ${s.name}`, COLORS[i % COLORS.length])).join("  ")
    : `lines ending top to bottom: ${byEnd.map((e) => e.s.name).join(", ")}`;
  return [
    `${opts.yLabel}${logY ? " (log scale)" : ""}`,
    plot,
    axis,
    xTitle,
    `${" ".repeat(labelWidth + 2)}${legend}`,
  ].join("\n");
}

/** Per-queue load of one steering run as bars, in % of its frames. */
export function perQueueLoadChart(r: SteeringResult, opts: { width?: number } = {}): string {
  const total = r.per_queue.reduce((a, b) => a + b, 0);
  const rows = r.per_queue.map((v, q) => ({ label: `q${q}`, value: total > 0 ? (100 * v) / total : 0 }));
  const head = `${r.strategy}, traffic ${r.traffic}, ${r.queues} queues (simulated): Jain ${fmt(r.jain)}, max/mean ${fmt(r.max_over_mean)}`;
  return `${head}\n${barChart(rows, { width: opts.width ?? 40, unit: "%", format: (v) => v.toFixed(1) })}`;
}

/** Latency percentiles against offered load of one path result (log y when all are > 0). */
export function latencyVsLoadChart(p: PathResult, opts: { color?: boolean; width?: number } = {}): string {
  const pick = (key: "p50" | "p90" | "p99" | "p999", name: string): LineSeries => ({
    name,
    // A point that delivered nothing has no latency: left out.
    points: p.load_points.flatMap((lp) =>
      lp.latency_us === null ? [] : [{ x: lp.offered_mpps, y: lp.latency_us[key] }],
    ),
  });
  return lineChart([pick("p50", "p50"), pick("p90", "p90"), pick("p99", "p99"), pick("p999", "p99.9")], {
    xLabel: "offered load, Mpps",
    yLabel: `${p.name} ${p.direction} ${typeof p.size === "number" ? `${p.size} B` : p.size}: one-way latency, µs (simulated)`,
    logY: true,
    color: opts.color,
    width: opts.width,
  });
}

/** NDR against the number of queues, one line per strategy, for one traffic mix. */
export function ndrVsQueuesChart(
  results: SteeringResult[],
  traffic: string,
  opts: { color?: boolean; width?: number } = {},
): string {
  const rows = results.filter((r) => r.traffic === traffic);
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const series = strategies.map((name) => ({
    name,
    points: rows
      .filter((r) => r.strategy === name && r.ndr_mpps !== null)
      .map((r) => ({ x: r.queues, y: r.ndr_mpps as number })),
  }));
  return lineChart(series, {
    xLabel: "queues (one core each)",
    yLabel: `NDR, Mpps (simulated), traffic ${traffic}`,
    color: opts.color,
    width: opts.width ?? 30,
  });
}

/** True when a CI variable says so ("false", "0" and "" do not). */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/**
 * Progress bars go to stderr, and only when stderr is a terminal outside CI: `paths --json > f`
 * in a terminal still shows progress, while pipes, log files and CI stay clean.
 */
export function shouldShowProgress(
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && !isCI(env);
}
