// `sweep merge` rows of a paths sweep with a `--direction both` point: the old columns keep their
// names and places, each direction's loss and p99 at the middle load point come after them
// (empty for a one-direction point), and a sweep with no both point has the old header only.
// Real points, run in-process as `iovsim paths ... --json` would run them: native, 64 B, 0.2 ms
// search trials, direction rx and both.
import { beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { renderSweepHtml } from "../../src/sweep/html.ts";
import {
  type MergedSweep,
  mergedRows,
  mergeSweep,
  PATHS_APPENDED_COLUMNS,
  PER_DIRECTION_COLUMNS,
  rowsToCsv,
} from "../../src/sweep/merge.ts";
import { planSweep } from "../../src/sweep/plan.ts";
import { runShard } from "../../src/sweep/run.ts";
import { parseSweep } from "../../src/sweep/spec.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const TEXT = `name: dirs
experiment: paths
axes: { direction: [rx, both] }
seed: { policy: fixed, value: 1 }
options: { path: native, size: 64, trial-ms: 0.2 }
`;
const plan = planSweep({ file: "dirs.yaml", text: TEXT, spec: parseSweep(TEXT, "dirs.yaml") });

/** The columns `sweep merge --csv` had before the per-direction ones (this sweep's axes). */
const OLD = [
  "index",
  "direction",
  "seed",
  "path",
  "size",
  "ndr_mpps",
  "pdr_mpps",
  "bottleneck",
  "p99_us_mid_load",
];

type LoadPoint = {
  latency_us: { p99: number } | null;
  per_direction?: Record<"rx" | "tx", { loss_ratio: number; latency_us: { p99: number } | null }>;
};
const midPoint = (m: MergedSweep, index: number): LoadPoint => {
  const lps = (m.points[index].result as { paths: Array<{ load_points: LoadPoint[] }> }).paths[0].load_points;
  return lps[Math.floor(lps.length / 2)];
};

let dir: string;
let merged: MergedSweep;

beforeAll(async () => {
  dir = tempDir("iovsim-sweep-dirs-");
  const sum = await runShard({
    plan,
    text: TEXT,
    version: "iovsim 0.0.0-test",
    dir,
    shard: { k: 0, n: 1 },
    execute: async (args) => {
      const r = await iovsim(args);
      return { exitCode: r.code, stdout: r.out, stderr: r.err };
    },
  });
  expect(sum).toMatchObject({ ran: 2, failed: 0 });
  merged = (await mergeSweep(dir)).merged;
}, 120_000);

describe("sweep merge rows per direction", () => {
  it("CSV: the old columns first, unchanged, then rx and tx loss and p99 at the middle load", () => {
    const [head, rx, both] = parseCsv(rowsToCsv(mergedRows(merged)));
    expect(head.slice(0, OLD.length)).toEqual(OLD);
    expect(head.slice(OLD.length, OLD.length + 4)).toEqual([
      "rx_loss_ratio_mid_load",
      "rx_p99_us_mid_load",
      "tx_loss_ratio_mid_load",
      "tx_p99_us_mid_load",
    ]);
    expect(PER_DIRECTION_COLUMNS).toEqual(head.slice(OLD.length, OLD.length + 4));
    // The middle load point's other figures come after those (test/report/acceptance-reports-csv).
    expect(head.slice(OLD.length + 4)).toEqual(PATHS_APPENDED_COLUMNS);
    const cell = (row: string[], c: string) => row[head.indexOf(c)];
    expect(cell(rx, "direction")).toBe("rx");
    expect(cell(both, "direction")).toBe("both");
    // The one-direction point: its own figures, empty per-direction cells.
    expect(Number(cell(rx, "p99_us_mid_load"))).toBe(midPoint(merged, 0).latency_us!.p99);
    for (const c of PER_DIRECTION_COLUMNS) expect(cell(rx, c), c).toBe("");
    // The both point: each direction's figures as its result gives them.
    const d = midPoint(merged, 1).per_direction!;
    expect(Number(cell(both, "p99_us_mid_load"))).toBe(midPoint(merged, 1).latency_us!.p99);
    expect(Number(cell(both, "rx_p99_us_mid_load"))).toBe(d.rx.latency_us!.p99);
    expect(Number(cell(both, "tx_p99_us_mid_load"))).toBe(d.tx.latency_us!.p99);
    expect(Number(cell(both, "rx_loss_ratio_mid_load"))).toBe(d.rx.loss_ratio);
    expect(Number(cell(both, "tx_loss_ratio_mid_load"))).toBe(d.tx.loss_ratio);
    expect(d.rx.latency_us!.p99).not.toBe(d.tx.latency_us!.p99);
  });

  it("a sweep with no both point keeps the old columns in their places, no per-direction ones", () => {
    const oneWay = { ...merged, points: merged.points.filter((p) => p.coords.direction === "rx") };
    const [head] = parseCsv(rowsToCsv(mergedRows(oneWay)));
    expect(head).toEqual([...OLD, ...PATHS_APPENDED_COLUMNS]);
  });

  it("the CLI's --csv and --html carry the same columns; the JSON keeps each point's per_direction", async () => {
    const csv = await iovsim(["sweep", "merge", dir, "--csv"]);
    expect(csv.code).toBe(0);
    expect(csv.out).toBe(rowsToCsv(mergedRows(merged)));
    const json = await iovsim(["sweep", "merge", dir, "--json"]);
    expect(
      JSON.parse(json.out).points[1].result.paths[0].load_points[1].per_direction.rx.latency_us.p99,
    ).toBe(midPoint(merged, 1).per_direction!.rx.latency_us!.p99);
    const html = renderSweepHtml(merged, { sweepText: TEXT, dir, merge: "m", pointArgs: new Map() });
    const results = html.slice(html.indexOf('<h2 id="results"'), html.indexOf('<h2 id="simulator-speed"'));
    const heads = [...results.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(heads).toEqual([...OLD, ...PER_DIRECTION_COLUMNS, ...PATHS_APPENDED_COLUMNS]);
    // The rx point's per-direction cells: empty, just after its p99.
    const rxRow = results.match(/<tr><th scope="row">0<\/th>.*?<\/tr>/)?.[0] ?? "";
    const mid = midPoint(merged, 0).latency_us!.p99;
    expect(rxRow).toMatch(new RegExp(`<td>${mid}</td>(<td class="text"></td>){4}<td`));
    const p99 = midPoint(merged, 1).per_direction!.tx.latency_us!.p99;
    expect(results).toMatch(new RegExp(`<tr><th scope="row">1</th>.*<td>${p99}</td><td`));
  });
});
