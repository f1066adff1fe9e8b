import { describe, expect, it } from "vitest";
import { parseReportInput } from "../../src/report/html/types.ts";
import {
  isCI,
  latencyVsLoadChart,
  lineChart,
  pathsLatencyCharts,
  shouldShowProgress,
} from "../../src/report/terminal-charts.ts";
import { fullReportInput } from "./full-fixture.ts";

const fixture = parseReportInput(fullReportInput());
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

describe("terminal line chart", () => {
  it("samples series with uneven x evenly, and labels axes and series", () => {
    const out = lineChart(
      [
        {
          name: "up",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 10 },
            { x: 10, y: 20 },
          ],
        },
        {
          name: "flat",
          points: [
            { x: 0, y: 5 },
            { x: 10, y: 5 },
          ],
        },
      ],
      { xLabel: "load", yLabel: "latency", width: 20, height: 6 },
    );
    const lines = out.split("\n");
    expect(lines[0]).toBe("latency");
    expect(lines).toHaveLength(1 + 7 + 3);
    expect(lines.at(-3)).toMatch(/^\s+0\s+10$/);
    expect(lines.at(-2)?.trim()).toBe("load");
    expect(lines.at(-1)?.trim()).toBe("lines ending top to bottom: up, flat");
    expect(out).not.toMatch(ANSI);
    // The top label is the largest value, the bottom one the smallest.
    expect(lines[1]).toMatch(/^\s+20 [┤┼]/);
    expect(lines[7]).toMatch(/^\s+0 [┤┼]/);
  });

  it("draws a single load point (paths --rate R) with one x label", () => {
    const out = lineChart([{ name: "p50", points: [{ x: 0.5, y: 8 }] }], {
      xLabel: "load",
      yLabel: "latency",
    });
    expect(out.split("\n").at(-3)).toMatch(/^\s+0\.5$/);
  });

  it("colours only when asked", () => {
    const s = [
      {
        name: "a",
        points: [
          { x: 1, y: 1 },
          { x: 2, y: 2 },
        ],
      },
    ];
    expect(lineChart(s, { xLabel: "x", yLabel: "y", color: true })).toMatch(ANSI);
    expect(lineChart(s, { xLabel: "x", yLabel: "y" })).not.toMatch(ANSI);
  });

  it("refuses series that share no x range", () => {
    expect(() =>
      lineChart(
        [
          {
            name: "a",
            points: [
              { x: 0, y: 1 },
              { x: 1, y: 1 },
            ],
          },
          {
            name: "b",
            points: [
              { x: 2, y: 1 },
              { x: 3, y: 1 },
            ],
          },
        ],
        { xLabel: "x", yLabel: "y" },
      ),
    ).toThrow(/share no x range/);
  });

  it("charts latency against load on a log scale", () => {
    const lat = latencyVsLoadChart(fixture.paths![2]);
    expect(lat.split("\n")[0]).toBe("vm-vf rx 64 B: one-way latency, µs (simulated) (log scale)");
    expect(lat).toContain("lines ending top to bottom: p99.9, p99, p90, p50");
  });
});

describe("paths --chart", () => {
  const base = fixture.paths![2];
  // A `--direction both` result: each direction's own offered load and latency, apart from the
  // combined figures (rx twice tx's latency, half the load each).
  const both = {
    ...base,
    direction: "both",
    load_points: base.load_points.map((lp) => {
      const dir = (scale: number) => ({
        offered_mpps: lp.offered_mpps / 2,
        delivered_mpps: lp.delivered_mpps / 2,
        loss_ratio: lp.loss_ratio,
        latency_us: lp.latency_us && {
          ...lp.latency_us,
          p50: lp.latency_us.p50 * scale,
          p90: lp.latency_us.p90 * scale,
          p99: lp.latency_us.p99 * scale,
          p999: lp.latency_us.p999 * scale,
        },
      });
      return { ...lp, per_direction: { rx: dir(2), tx: dir(1) } };
    }),
  } as typeof base;

  it("draws one chart per result: its title, the load points' x range, the four percentiles", () => {
    const lines = pathsLatencyCharts([base]).split("\n");
    expect(lines[0]).toBe("vm-vf rx 64 B: one-way latency, µs (simulated) (log scale)");
    const xs = base.load_points.map((lp) => lp.offered_mpps);
    const axis = lines.at(-4)!.trim().split(/\s+/).map(Number);
    expect(axis).toEqual([Math.min(...xs), Math.max(...xs)].map((v) => Number(v.toPrecision(4))));
    expect(lines.at(-3)!.trim()).toBe("offered load, Mpps");
    expect(lines.at(-2)!.trim()).toBe("lines ending top to bottom: p99.9, p99, p90, p50");
    expect(lines.at(-1)).toBe("");
  });

  it("lists lines that end together with the higher percentile first", () => {
    const flat = {
      ...base,
      load_points: base.load_points.map((lp) => ({
        ...lp,
        latency_us: lp.latency_us && { ...lp.latency_us, p99: lp.latency_us.p999 },
      })),
    };
    expect(pathsLatencyCharts([flat])).toContain("lines ending top to bottom: p99.9, p99, p90, p50");
  });

  it("draws a --direction both result three times: both, then rx and tx on their own figures", () => {
    const out = pathsLatencyCharts([both]).split("\n\n");
    expect(out).toHaveLength(3);
    expect(out[0]!.split("\n")[0]).toBe("vm-vf both 64 B: one-way latency, µs (simulated) (log scale)");
    expect(out[1]!.split("\n")[0]).toBe("vm-vf both (rx) 64 B: one-way latency, µs (simulated) (log scale)");
    expect(out[2]).toContain("offered load, Mpps (tx only)");
    // The rx chart's x axis is rx's own offered load (half the combined), its top label rx's
    // largest p99.9 (twice the combined one), not the combined figures.
    const xs = base.load_points.map((lp) => lp.offered_mpps);
    const rxAxis = out[1]!.split("\n").at(-3)!.trim().split(/\s+/).map(Number);
    expect(rxAxis).toEqual([Math.min(...xs) / 2, Math.max(...xs) / 2].map((v) => Number(v.toPrecision(4))));
    const top999 = Math.max(...base.load_points.map((lp) => lp.latency_us!.p999));
    const topLabel = (chart: string) => Number(chart.split("\n")[1]!.trim().split(" ")[0]);
    expect(topLabel(out[1]!)).toBe(Number((2 * top999).toPrecision(4)));
    expect(topLabel(out[2]!)).toBe(Number(top999.toPrecision(4)));
  });

  it("says so instead of drawing a result with fewer than two delivering load points", () => {
    const one = { ...base, load_points: base.load_points.slice(0, 1) };
    const none = { ...base, load_points: base.load_points.map((lp) => ({ ...lp, latency_us: null })) };
    expect(pathsLatencyCharts([one])).toBe(
      "vm-vf rx 64 B: fewer than two load points delivered frames: no latency line to draw (simulated)\n",
    );
    expect(pathsLatencyCharts([none])).toMatch(/^vm-vf rx 64 B: fewer than two load points/);
  });
});

describe("shouldShowProgress", () => {
  it("shows progress on a terminal stderr outside CI only", () => {
    expect(shouldShowProgress({ isTTY: true }, {})).toBe(true);
    expect(shouldShowProgress({ isTTY: false }, {})).toBe(false);
    expect(shouldShowProgress({}, {})).toBe(false);
    expect(shouldShowProgress({ isTTY: true }, { CI: "true" })).toBe(false);
    expect(shouldShowProgress({ isTTY: true }, { CI: "1" })).toBe(false);
    expect(shouldShowProgress({ isTTY: true }, { CI: "false" })).toBe(true);
    expect(shouldShowProgress({ isTTY: true }, { CI: "" })).toBe(true);
    expect(isCI({ CI: "0" })).toBe(false);
  });
});
