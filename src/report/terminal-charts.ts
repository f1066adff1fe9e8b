// Charts for a terminal: line charts drawn by asciichart (latency against load, `paths
// --chart`), and the rule deciding whether a progress bar may be shown. Plain strings, so they
// can be tested and piped. Steering's per-queue bars and NDR plot are its own
// (src/report/steering-table.ts), drawn with its table.
import * as asciichart from "asciichart";
import type { PathResult } from "./html/types.ts";

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
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
    // Lines that end together: the series given later first (latency's p99.9 above its p99,
    // which it can only equal, never undercut).
    .sort((a, b) => b.end - a.end || b.i - a.i);
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

/** Latency percentiles against offered load of one path result (log y when all are > 0);
 *  `direction` (a `--direction both` result): that direction's own offered load and latency. */
export function latencyVsLoadChart(
  p: PathResult,
  opts: { color?: boolean; width?: number; direction?: "rx" | "tx" } = {},
): string {
  const dir = opts.direction;
  const figures = (lp: PathResult["load_points"][number]) => (dir ? lp.per_direction?.[dir] : lp);
  const pick = (key: "p50" | "p90" | "p99" | "p999", name: string): LineSeries => ({
    name,
    // A point that delivered nothing has no latency: left out.
    points: p.load_points.flatMap((lp) => {
      const f = figures(lp);
      return f?.latency_us == null ? [] : [{ x: f.offered_mpps, y: f.latency_us[key] }];
    }),
  });
  const size = typeof p.size === "number" ? `${p.size} B` : p.size;
  return lineChart([pick("p50", "p50"), pick("p90", "p90"), pick("p99", "p99"), pick("p999", "p99.9")], {
    xLabel: dir ? `offered load, Mpps (${dir} only)` : "offered load, Mpps",
    yLabel: `${p.name} ${p.direction}${dir ? ` (${dir})` : ""} ${size}: one-way latency, µs (simulated)`,
    logY: true,
    color: opts.color,
    width: opts.width,
  });
}

/**
 * `paths --chart`: latency against offered load for every path result, one chart each (a
 * `--direction both` result: the two directions together, then rx and tx apart, as the HTML
 * report's three panels). A result with fewer than two load points that delivered says so in
 * a line instead of drawing a chart of one point.
 */
export function pathsLatencyCharts(
  paths: PathResult[],
  opts: { color?: boolean; width?: number } = {},
): string {
  const blocks: string[] = [];
  for (const p of paths) {
    const both = p.load_points.length > 0 && p.load_points.every((lp) => lp.per_direction !== undefined);
    for (const direction of both ? [undefined, "rx" as const, "tx" as const] : [undefined]) {
      const size = typeof p.size === "number" ? `${p.size} B` : p.size;
      const name = `${p.name} ${p.direction}${direction ? ` (${direction})` : ""} ${size}`;
      blocks.push(
        new Set(chartPoints(p, direction)).size >= 2
          ? latencyVsLoadChart(p, { ...opts, direction })
          : `${name}: fewer than two load points delivered frames: no latency line to draw (simulated)`,
      );
    }
  }
  return blocks.length === 0 ? "" : `${blocks.join("\n\n")}\n`;
}

/** The offered loads at which a result (or one direction of it) has a latency. */
function chartPoints(p: PathResult, direction: "rx" | "tx" | undefined): number[] {
  return p.load_points.flatMap((lp) => {
    const f = direction ? lp.per_direction?.[direction] : lp;
    return f?.latency_us == null ? [] : [f.offered_mpps];
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
