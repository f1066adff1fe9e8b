import { describe, expect, it } from "vitest";
import { parseReportInput } from "../../src/report/html/types.ts";
import {
  barChart,
  isCI,
  latencyVsLoadChart,
  lineChart,
  ndrVsQueuesChart,
  perQueueLoadChart,
  shouldShowProgress,
} from "../../src/report/terminal-charts.ts";
import { fullReportInput } from "./full-fixture.ts";

const fixture = parseReportInput(fullReportInput());
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

describe("terminal bar chart", () => {
  it("draws bars proportional to the values, with eighth-cell resolution", () => {
    const out = barChart(
      [
        { label: "q0", value: 60 },
        { label: "q1", value: 30 },
        { label: "queue2", value: 0 },
        { label: "q3", value: 7.5 },
      ],
      { width: 8, unit: "%" },
    ).split("\n");
    expect(out[0]).toBe("    q0 │████████ 60 %");
    expect(out[1]).toBe("    q1 │████ 30 %");
    expect(out[2]).toBe("queue2 │ 0 %");
    expect(out[3]).toBe("    q3 │█ 7.5 %");
  });

  it("shows per-queue load as shares of the run's frames", () => {
    const run = fixture.steering!.results.find(
      (r) => r.strategy === "rss" && r.traffic === "elephant" && r.queues === 4,
    )!;
    const out = perQueueLoadChart(run);
    expect(out.split("\n")).toHaveLength(5);
    expect(out).toContain("(simulated)");
    expect(out).toMatch(/q0 │█+ 60\.0 %/);
  });
});

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

  it("charts latency against load on a log scale, and NDR against queues", () => {
    const lat = latencyVsLoadChart(fixture.paths![2]);
    expect(lat.split("\n")[0]).toBe("vm-vf rx 64 B: one-way latency, µs (simulated) (log scale)");
    expect(lat).toContain("lines ending top to bottom: p99.9, p99, p90, p50");
    const ndr = ndrVsQueuesChart(fixture.steering!.results, "uniform");
    expect(ndr).toContain("NDR, Mpps (simulated), traffic uniform");
    expect(ndr).toMatch(/^\s+1\s+4$/m);
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
