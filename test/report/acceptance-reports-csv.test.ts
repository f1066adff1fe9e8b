// Every `--csv` read as a spreadsheet or a script would: RFC 4180 (CRLF records, one header,
// fields quoted where they hold a comma, quote or line end; parsed by the strict reader), one
// row per result of the run's JSON, every cell that must hold a figure holding a plain number
// (no unit in the cell: the unit is in the column name), and the same figures as --json.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { demoCsvRows } from "../../src/report/demo-json.ts";
import { switchCsvRows } from "../../src/report/switch-json.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import {
  COMMA_PROFILE,
  RUNS,
  type RunName,
  runSweepHere,
  SWEEP_FIDELITY,
  SWEEP_NDR,
  SWEEP_STEERING,
  VARIANT_RUNS,
} from "./acceptance-runs.ts";

const cache = new Map<string, Promise<string>>();
function output(argv: readonly string[]): Promise<string> {
  const key = argv.join("\0");
  if (!cache.has(key))
    cache.set(
      key,
      iovsim([...argv]).then((r) => {
        expect(r.code, argv.join(" ")).toBe(0);
        return r.out;
      }),
    );
  return cache.get(key)!;
}
const csvOf = (name: RunName) => output([...RUNS[name], "--csv"]);
const jsonOf = async (name: RunName) => JSON.parse(await output([...RUNS[name], "--json"]));

/** The parsed CSV as records keyed by the header (the strict reader: RFC 4180 or an error). */
function records(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

// A cell in a column named with a unit, a ratio or a count holds a plain number (or nothing).
const NUMERIC_COLUMN =
  /(_mpps|_gbps|_us|_ms|_s|_ratio|_util|_utilization|_cycles_per_packet|_frames|_bytes|_gbps|^seq|^seed|^queues|^value|^published|^simulated|^error|^tolerance_(low|high)|^jain|^max_over_mean|^reordered|^split_pairs|^load_fraction_of_ndr|^precision_of_line_rate|^frame_bytes|^index)$/;
const PLAIN_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?(e[-+]?\d+)?$/;

function unitInCells(text: string): string[] {
  const bad: string[] = [];
  const [header, ...rows] = parseCsv(text);
  rows.forEach((r, i) => {
    header.forEach((h, c) => {
      if (NUMERIC_COLUMN.test(h) && r[c] !== "" && !PLAIN_NUMBER.test(r[c]))
        bad.push(`row ${i + 1} ${h}=${r[c]}`);
    });
  });
  return bad;
}

/** Columns every row of these runs fills (the others are empty where they do not apply). */
const FILLED: Record<RunName, string[] | "all"> = {
  paths: [
    ...["path", "direction", "size", "ndr_mpps", "pdr_mpps", "bottleneck", "load_fraction_of_ndr"],
    ...["offered_mpps", "delivered_mpps", "loss_ratio", "p50_us", "p99_us", "profile", "seed"],
    ...["frame_bytes", "line_rate_mpps", "link_gbps", "arrival", "point_bottleneck"],
  ],
  ping: "all",
  steering: [
    "traffic",
    "strategy",
    "queues",
    "ndr_mpps",
    "line_rate_mpps",
    "jain",
    "per_queue",
    "profile",
    "seed",
    "at",
  ],
  fidelity: "all",
  switch: ["scope", "counter", "value"],
  demo: "all",
};

describe.each(Object.keys(RUNS) as RunName[])("%s --csv", (name) => {
  it("fills every column that applies to every row", async () => {
    const rows = records(await csvOf(name));
    const want = FILLED[name];
    const cols = want === "all" ? Object.keys(rows[0]) : want;
    for (const c of cols) expect(Object.keys(rows[0]), c).toContain(c);
    rows.forEach((r, i) => {
      for (const c of cols) expect(r[c], `row ${i + 1} ${c}`).not.toBe("");
    });
  });

  it("is RFC 4180: CRLF records, one header of unique names, every record as wide as it", async () => {
    const text = await csvOf(name);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/\n/); // no bare LF (quoted ones included)
    const [header, ...rows] = parseCsv(text);
    expect(new Set(header).size).toBe(header.length);
    for (const h of header) expect(h).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(rows.length).toBeGreaterThan(0);
    // Only the first record is a header: no row repeats it.
    for (const r of rows) expect(r).not.toEqual(header);
  });

  it("has plain numbers, without a unit, in every figure column", async () => {
    expect(unitInCells(await csvOf(name))).toEqual([]);
  });
});

describe("one CSV row per result, with the --json figures (same seed)", () => {
  it("paths: a row per load point, NDR/PDR and latency as in the JSON", async () => {
    const [rows, j] = [records(await csvOf("paths")), await jsonOf("paths")];
    const points = j.paths.flatMap((p: { load_points: unknown[] }) => p.load_points.map((lp) => [p, lp]));
    expect(rows).toHaveLength(points.length);
    points.forEach(
      ([p, lp]: [Record<string, number>, Record<string, number & { p99: number }>], i: number) => {
        expect(Number(rows[i].ndr_mpps)).toBe(p.ndr_mpps);
        expect(Number(rows[i].pdr_mpps)).toBe(p.pdr_mpps);
        expect(Number(rows[i].offered_mpps)).toBe(lp.offered_mpps);
        expect(Number(rows[i].p99_us)).toBe(lp.latency_us.p99);
        expect(rows[i].profile).toBe(j.profile.name);
        expect(Number(rows[i].seed)).toBe(j.seed);
      },
    );
  });

  it("paths: a profile name with a comma is one quoted cell that reads back whole", async () => {
    const text = await output([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--count",
      "300",
      "--profile",
      COMMA_PROFILE,
      "--csv",
    ]);
    expect(text).toContain(`"${COMMA_PROFILE}"`);
    for (const r of records(text)) expect(r.profile).toBe(COMMA_PROFILE);
  });

  // A line end in a profile name is refused when the profile is read (test/model/costs.test.ts);
  // csv.ts's quoting of CR/LF is pinned by its own tests.
  it("paths: a profile named with a quote, a comma and non-ASCII text reads back whole from its quoted cell", async () => {
    const file = join(tempDir("iovsim-report-acc-"), "q.json");
    const profile = JSON.parse(readFileSync("examples/profiles/bhyve-3.5ghz.json", "utf8"));
    profile.name = 'q"uote,µ-tuned';
    writeFileSync(file, JSON.stringify(profile));
    const text = await output([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--count",
      "300",
      "--profile",
      file,
      "--csv",
    ]);
    // A user's file: its path after the name, as the table's first line has it.
    expect(text).toContain(`"q""uote,µ-tuned (${file})"`);
    const rows = records(text);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.profile).toBe(`q"uote,µ-tuned (${file})`);
  });

  it("ping: a row per echo reply with its RTT", async () => {
    const [rows, j] = [records(await csvOf("ping")), await jsonOf("ping")];
    expect(rows.map((r) => [r.path, Number(r.seq), Number(r.rtt_us)])).toEqual(
      j.echoes.map((e: { seq: number; rtt_us: number }) => [j.path, e.seq, e.rtt_us]),
    );
  });

  it("steering: a row per result with NDR, Jain and the busiest core", async () => {
    const [rows, j] = [records(await csvOf("steering")), await jsonOf("steering")];
    expect(rows).toHaveLength(j.results.length);
    j.results.forEach((r: Record<string, never>, i: number) => {
      const c = rows[i];
      expect([c.traffic, c.strategy, Number(c.queues)]).toEqual([r.traffic, r.strategy, r.queues]);
      expect(Number(c.ndr_mpps)).toBe(r.ndr_mpps);
      expect(Number(c.jain)).toBe(r.jain);
      expect(Number(c.busiest_core_util)).toBe((r.utilization as { busiest_core: number }).busiest_core);
      expect(c.per_queue.split(" ").map(Number)).toEqual(r.per_queue);
    });
  });

  it("fidelity: a row per case with published, tolerance, simulated and the verdict", async () => {
    const [rows, j] = [records(await csvOf("fidelity")), await jsonOf("fidelity")];
    expect(rows).toHaveLength(j.cases.length);
    j.cases.forEach((c: Record<string, never>, i: number) => {
      const p = c.published as { value: number; unit: string; tolerance: number[] };
      expect(rows[i]).toMatchObject({
        case: c.name,
        unit: p.unit,
        pass: String(c.pass),
        publication: c.publication,
      });
      expect(
        [rows[i].published, rows[i].tolerance_low, rows[i].tolerance_high, rows[i].simulated].map(Number),
      ).toEqual([p.value, p.tolerance[0], p.tolerance[1], c.simulated]);
    });
  });

  it("switch: a row per counter, every counter of the JSON", async () => {
    const [rows, j] = [parseCsv(await csvOf("switch")).slice(1), await jsonOf("switch")];
    expect(rows).toEqual(switchCsvRows(j).map((r) => r.map((v) => (v === null ? "" : String(v)))));
    // Each function's received count (the summary) is the sum of its queues' packets here.
    for (const f of j.functions.filter((x: { name: string }) => x.name !== "wire")) {
      const q = rows.filter((r) => r[0] === "queue" && r[1] === f.name && r[3] === "rx_packets");
      expect(q.length, f.name).toBeGreaterThan(0);
      expect(
        q.reduce((a, r) => a + Number(r[4]), 0),
        f.name,
      ).toBe(f.received);
    }
  });

  it("demo: a row per simulated figure, section by section", async () => {
    const [text, j] = [await csvOf("demo"), await jsonOf("demo")];
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(["section", "item", "metric", "value"]);
    expect(rows.slice(1)).toEqual(demoCsvRows(j).map((r) => r.map(String)));
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set(["paths", "ping", "steering"]));
    for (const r of rows.slice(1)) expect(r[3], r.join(",")).toMatch(PLAIN_NUMBER);
  });
});

describe("sweep merge --csv", () => {
  const dir = runSweepHere(SWEEP_NDR);

  it("is RFC 4180 with a row per point and path entry, coordinates first, figures as merged", async () => {
    const d = await dir;
    const csv = await iovsim(["sweep", "merge", d, "--csv"]);
    expect(csv.code).toBe(0);
    const merged = JSON.parse((await iovsim(["sweep", "merge", d, "--json"])).out);
    const rows = records(csv.out);
    const entries = merged.points.flatMap((p: { result: { paths: unknown[] } }) =>
      p.result.paths.map((e) => [p, e]),
    );
    expect(rows).toHaveLength(entries.length);
    expect(Object.keys(rows[0]).slice(0, 4)).toEqual(["index", "size", "profile", "seed"]);
    entries.forEach(
      ([p, e]: [{ index: number; coords: { profile: string } }, { ndr_mpps: number }], i: number) => {
        expect(Number(rows[i].index)).toBe(p.index);
        expect(rows[i].profile).toBe(p.coords.profile);
        expect(Number(rows[i].ndr_mpps)).toBe(e.ndr_mpps);
      },
    );
    expect(csv.out).toContain(`"${COMMA_PROFILE}"`);
    expect(unitInCells(csv.out)).toEqual([]);
    for (const r of rows)
      for (const c of [
        "index",
        "size",
        "profile",
        "seed",
        "path",
        "direction",
        "ndr_mpps",
        "pdr_mpps",
        "bottleneck",
      ])
        expect(r[c], c).not.toBe("");
  });

  it.each([
    ["steering", SWEEP_STEERING, "results"],
    ["fidelity", SWEEP_FIDELITY, "cases"],
  ] as const)("of a %s sweep: a row per point and result, figures as merged", async (_name, text, key) => {
    const d = await runSweepHere(text);
    const csv = await iovsim(["sweep", "merge", d, "--csv"]);
    expect(csv.code, csv.err).toBe(0);
    const merged = JSON.parse((await iovsim(["sweep", "merge", d, "--json"])).out);
    const entries = merged.points.flatMap(
      (p: { index: number; result: Record<string, Array<Record<string, unknown>>> }) =>
        p.result[key].map((e) => [p.index, e] as const),
    );
    const rows = records(csv.out);
    expect(rows).toHaveLength(entries.length);
    expect(unitInCells(csv.out)).toEqual([]);
    entries.forEach(([index, e]: readonly [number, Record<string, unknown>], i: number) => {
      expect(Number(rows[i].index)).toBe(index);
      const figure = key === "results" ? "ndr_mpps" : "simulated";
      expect(Number(rows[i][figure]), `row ${i + 1} ${figure}`).toBe(e[figure]);
    });
  });

  it("--json and --csv together are refused, naming both", async () => {
    const r = await iovsim(["sweep", "merge", await dir, "--json", "--csv"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--json and --csv/);
    expect(r.out).toBe("");
  });
});

describe("--json with --csv", () => {
  it.each(["paths", "ping", "steering", "fidelity", "demo", "switch"] as RunName[])(
    "%s: refused before any work, nothing on stdout",
    async (name) => {
      const r = await iovsim([...RUNS[name], "--json", "--csv"]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/--json.*--csv|--csv.*--json/);
      expect(r.out).toBe("");
    },
  );
});

describe("--csv of other kinds of run", () => {
  // Those with a CSV (ping writes one row per echo, checked above; a closed loop's is its one
  // load point, as every paths run's).
  const VARIANTS = VARIANT_RUNS.filter(([, name]) => name !== "ping").map(
    ([what, , argv, code]) => [what, argv, code] as [string, string[], number],
  );

  it.each(VARIANTS)(
    "%s: RFC 4180, plain numbers, a row per load point or result of its JSON",
    async (_what, argv, code) => {
      const [csv, json] = [await iovsim([...argv, "--csv"]), await iovsim([...argv, "--json"])];
      expect([csv.code, json.code]).toEqual([code, code]);
      const rows = records(csv.out);
      expect(unitInCells(csv.out)).toEqual([]);
      const j = JSON.parse(json.out);
      const expected = j.paths
        ? j.paths.reduce((n: number, p: { load_points: unknown[] }) => n + p.load_points.length, 0)
        : j.results.length;
      expect(rows).toHaveLength(expected);
      // What each fault did is in the faults column (prose: one quoted cell when it holds a comma).
      if (argv.includes("--inject-fault")) expect(rows.some((r) => r.faults !== "")).toBe(true);
    },
  );
});
