// `steering --csv`: every quantity column names its unit (as paths' CSV does), and an `at` column
// says which operating point each row's load, latency and per-queue figures are from (the NDR
// trial or --rate), the same point the HTML report's 'at' column names.
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { STEERING_CSV_HEADER, steeringCsv, steeringJson } from "../../src/report/steering-table.ts";
import type { MatrixResult, SteeringResult } from "../../src/steering/compare.ts";

const LABELS = new Set([
  "traffic",
  "strategy",
  "queues",
  "skipped",
  "at",
  "drops",
  "profile",
  "seed",
  "faults",
  "ip_inner",
  "ip_outer",
  "bottleneck",
  "nic",
]);
const UNIT = /_(mpps|gbps|us|ratio|index|frames|count|utilization|bytes)$/;
// Columns named before units were (kept so consumers keep working); docs/steering-json.md gives
// each one's unit.
const LEGACY = new Set([
  "jain",
  "max_over_mean",
  "reordered",
  "split_pairs",
  "busiest_core_util",
  "dispatcher_util",
  "per_queue",
  // Appended later, named as the busiest_core_util beside them (a utilization, 0..1).
  "nic_util",
  "wire_util",
]);

function result(over: Partial<SteeringResult>): SteeringResult {
  return {
    strategy: "outer-rss",
    traffic: "gtpu",
    queues: 2,
    skipped: null,
    per_queue: [600, 400],
    jain: 0.96,
    max_over_mean: 1.2,
    reordered: 0,
    split_pairs: 0,
    drops: {},
    loss_ratio: 0,
    offered_mpps: 1,
    delivered_mpps: 1,
    wire_gbps: 0.672,
    ndr_mpps: 2.5,
    ndr_gbps: 1.68,
    line_rate_mpps: 14.88,
    latency_us: { p50: 20, p99: 35, min: 12.5 },
    utilization: { busiest_core: 0.4, dispatcher: null, nic: 0.1, wire: 0.07 },
    bottleneck: "core0",
    rules: null,
    at: "rate",
    conservation_ok: true,
    ...over,
  };
}

const matrix: MatrixResult = {
  results: [
    result({}),
    result({ strategy: "inner-rss", at: "ndr", offered_mpps: 2.5, delivered_mpps: 2.5 }),
    result({ strategy: "flow-rules", queues: 8, skipped: "8 queues exceed the NIC's 4", per_queue: [] }),
  ],
  problems: [],
  simulator: { frames: 1, events: 1, wall_s: 1, simulations: 1 },
};

describe("steering --csv", () => {
  it("gives each row its mix's IP versions and mean frame, matched by traffic (JSON mixes[])", () => {
    const mixes = [
      { traffic: "vxlan", mean_bytes: 148, ip: { inner: "ipv6" as const, outer: "ipv4" as const } },
      { traffic: "gtpu", mean_bytes: 130, ip: { inner: "ipv4" as const, outer: "ipv6" as const } },
    ];
    const [head, row] = parseCsv(steeringCsv(matrix, { profile: "bhyve", seed: 1, mixes }));
    const col = (name: string) => row[head.indexOf(name)];
    expect([col("traffic"), col("ip_inner"), col("ip_outer"), col("mean_frame_bytes")]).toEqual([
      "gtpu",
      "ipv4",
      "ipv6",
      "130",
    ]);
  });

  it("names one unit per quantity column, but for the earlier columns the docs give units for", () => {
    for (const c of STEERING_CSV_HEADER) if (!LABELS.has(c) && !LEGACY.has(c)) expect(c, c).toMatch(UNIT);
  });

  it("says per row whether its figures are at NDR or at --rate, as the HTML's 'at' column does", async () => {
    const [head, ...rows] = parseCsv(steeringCsv(matrix, { profile: "bhyve", seed: 1 }));
    expect(head).toEqual([...STEERING_CSV_HEADER]);
    const col = (row: string[], name: string) => row[head.indexOf(name)];
    expect(rows.map((r) => [col(r, "strategy"), col(r, "at"), col(r, "offered_mpps")])).toEqual([
      ["outer-rss", "rate", "1"],
      ["inner-rss", "ndr", "2.5"],
      ["flow-rules", "", ""], // skipped: no operating point
    ]);
    expect(col(rows[0], "per_queue")).toBe("600 400");
    expect(col(rows[0], "jain")).toBe("0.96");
    // The exact minimum latency, appended, then the flows a drop rule matched; none for a skipped row.
    const minAt = STEERING_CSV_HEADER.indexOf("latency_min_us");
    expect(STEERING_CSV_HEADER.slice(minAt, minAt + 2)).toEqual(["latency_min_us", "dropped_flows_count"]);
    expect(STEERING_CSV_HEADER.indexOf("offered_mpps")).toBe(minAt - 1);
    expect(rows.map((r) => col(r, "latency_min_us"))).toEqual(["12.5", "12.5", ""]);
    // Appended last: the mix's IP versions and mean frame (none given: empty), then the rest of
    // the operating point; a skipped row has no operating point.
    expect(STEERING_CSV_HEADER.slice(minAt + 2)).toEqual([
      "ip_inner",
      "ip_outer",
      "mean_frame_bytes",
      "delivered_mpps",
      "offered_gbps",
      "nic_util",
      "wire_util",
      "bottleneck",
      "nic",
      "link_gbps",
    ]);
    expect(
      rows.map((r) =>
        ["ip_inner", "delivered_mpps", "offered_gbps", "nic_util", "bottleneck"].map((c) => col(r, c)),
      ),
    ).toEqual([
      ["", "1", "0.672", "0.1", "core0"],
      ["", "2.5", "0.672", "0.1", "core0"],
      ["", "", "", "", ""],
    ]);
    const html = await renderHtmlReport({
      version: "0.1.0",
      command: "iovsim steering --rate 1Mpps --html s.html",
      steering: { results: matrix.results.filter((r) => r.skipped === null) },
    });
    const cells = [
      ...html.matchAll(
        /<th scope="row"[^>]*>([\w-]+)<\/th>(?:<td[^>]*>[^<]*<\/td>)*?<td class="text">(--rate|NDR)<\/td>/g,
      ),
    ];
    const htmlAt = cells.map((m) => [m[1], m[2] === "--rate" ? "rate" : "ndr"]);
    expect(htmlAt).toEqual(
      rows.filter((r) => col(r, "at") !== "").map((r) => [col(r, "strategy"), col(r, "at")]),
    );
  });

  it("writes a figure without binary noise, in CSV and JSON alike (8000 frames / 4.308 ms = 1.85699 Mpps)", () => {
    const offered = (8000 * 1e9) / 4_308_093.77 / 1e6; // frames over the window, as simulate.ts
    const noisy = 1.8569900000000001;
    expect(noisy).not.toBe(1.85699); // the case: one unit in the last place off
    const m: MatrixResult = {
      ...matrix,
      results: [result({ offered_mpps: noisy, delivered_mpps: noisy, ndr_mpps: 1.85699, jain: offered })],
    };
    const [head, row] = parseCsv(steeringCsv(m, { profile: "bhyve", seed: 1 }));
    const col = (name: string) => row[head.indexOf(name)];
    expect([col("offered_mpps"), col("delivered_mpps"), col("ndr_mpps")]).toEqual([
      "1.85699",
      "1.85699",
      "1.85699",
    ]);
    // Fifteen significant digits kept: a measured figure loses only the noise.
    expect(Math.abs(Number(col("jain")) - offered)).toBeLessThan(offered * 1e-14);
    expect(Number(col("seed"))).toBe(1);
    const j = JSON.parse(
      steeringJson(m, {
        profile: "bhyve",
        nic: "ixl",
        version: "0",
        link_gbps: 10,
        frames: 8000,
        seed: 1,
        notes: [],
        mixes: [],
      }),
    );
    expect(j.results[0].offered_mpps).toBe(1.85699);
    expect(j.results[0].delivered_mpps).toBe(1.85699);
  });

  it("each row names the NIC it ran on and its line rate (nic, link_gbps; appended), as --json does", () => {
    // Without them rows of an X710 run and an 82576 run (1 Gbit/s) pasted together looked alike.
    const one: MatrixResult = { ...matrix, results: [result({})] };
    const csv = (meta: Parameters<typeof steeringCsv>[1]) => parseCsv(steeringCsv(one, meta));
    const [head, row] = csv({ profile: "bhyve", seed: 1, nic: "igb", link_gbps: 1 });
    expect(head.slice(-2)).toEqual(["nic", "link_gbps"]);
    expect(row.slice(-2)).toEqual(["igb", "1"]);
    // A document from before they were recorded: empty cells.
    expect(csv({ profile: "bhyve", seed: 1 })[1].slice(-2)).toEqual(["", ""]);
  });
});
