// The HTML report's latency chart of a `paths --direction both` run: a panel for both directions
// together, then rx and tx on their own, each plotting that direction's own percentiles from
// per_direction; a one-direction run keeps the single combined chart. Real runs through the
// CLI, kept small: native, 64 B, 0.2 ms search trials (both) and one --rate point (rx).
import { beforeAll, describe, expect, it } from "vitest";
import { LATENCY_DIRECTIONS, latencyChart } from "../../src/report/html/charts.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { renderSvg } from "../../src/report/html/render-svg.ts";
import { type PathResult, parseReportInput } from "../../src/report/html/types.ts";
import { iovsimJson } from "../helpers/cli.ts";

type Row = { direction?: string; offered: number; percentile: string; us: number };
const spec = (p: PathResult) => latencyChart(p).spec as unknown as Record<string, unknown>;
const rowsOf = (p: PathResult) => (spec(p).data as { values: Row[] }).values;
const PERCENTILE_KEY = { p50: "p50", p90: "p90", p99: "p99", "p99.9": "p999" } as const;

const run = (direction: string, extra: string[]) =>
  iovsimJson(["paths", "--path", "native", "--size", "64", "--direction", direction, ...extra, "--json"]);

let both: PathResult;
let rxOnly: PathResult;

beforeAll(async () => {
  both = parseReportInput({
    version: "t",
    command: "c",
    paths: (await run("both", ["--trial-ms", "0.2"])).paths,
  }).paths![0];
  rxOnly = parseReportInput({
    version: "t",
    command: "c",
    paths: (await run("rx", ["--rate", "1Mpps"])).paths,
  }).paths![0];
}, 120_000);

describe("latency chart per direction", () => {
  it("a both run: one panel per direction, each with that direction's own percentiles", () => {
    expect(both.load_points).toHaveLength(3);
    const s = spec(both);
    expect(s.facet).toMatchObject({ field: "direction", sort: [...LATENCY_DIRECTIONS] });
    const rows = rowsOf(both);
    expect(new Set(rows.map((r) => r.direction))).toEqual(new Set(["both (together)", "rx", "tx"]));
    for (const lp of both.load_points) {
      const d = lp.per_direction!;
      const want = { "both (together)": lp.latency_us!, rx: d.rx.latency_us!, tx: d.tx.latency_us! };
      for (const [direction, l] of Object.entries(want)) {
        const got = rows.filter((r) => r.direction === direction && r.offered === lp.offered_mpps);
        expect(got.map((r) => [r.percentile, r.us])).toEqual(
          Object.entries(PERCENTILE_KEY).map(([name, key]) => [name, l[key]]),
        );
      }
    }
    // The two directions differ (rx waits for interrupt moderation): the panels are not copies.
    const p99 = (dir: string) =>
      rows.filter((r) => r.direction === dir && r.percentile === "p99").map((r) => r.us);
    expect(p99("rx")).not.toEqual(p99("tx"));
  });

  it("a both run renders the three panels and the NDR in each", async () => {
    const svg = await renderSvg(latencyChart(both).spec, "t");
    for (const name of LATENCY_DIRECTIONS) expect(svg).toContain(`>${name}</text>`);
    expect(svg.match(/>NDR<\/text>/g)).toHaveLength(3);
    const html = await renderHtmlReport({ version: "t", command: "c", paths: [both] });
    expect(html).toMatch(
      /a panel for both together \(latency over every frame\) above one for rx and one for tx/,
    );
  });

  it("a one-direction run keeps the single combined chart: no direction field, no facet", () => {
    expect(rxOnly.load_points[0].per_direction).toBeUndefined();
    const s = spec(rxOnly);
    expect(s.facet).toBeUndefined();
    const rows = rowsOf(rxOnly);
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).not.toHaveProperty("direction");
    const l = rxOnly.load_points[0].latency_us!;
    expect(rows.map((r) => r.us)).toEqual([l.p50, l.p90, l.p99, l.p999]);
  });

  // One load point (--rate 1Mpps) makes an x domain of one value, whose tick vega wrote with six
  // decimals ("1.000000"); the axis says the load as the tables do.
  it("a one-point chart labels its offered load without trailing zeros", async () => {
    const svg = await renderSvg(latencyChart(rxOnly).spec, "t");
    expect(svg).toMatch(/offered load, Mpps/);
    expect(svg).not.toMatch(/>1\.0+</);
    expect(svg).toMatch(/>1</);
  });
});
