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
  SWEEP_RATE,
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

/** A cell as the JSON value reads in CSV: a number or text as written, null/absent empty. */
const asCell = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

// biome-ignore lint/suspicious/noExplicitAny: a parsed --json document, walked by key
type Doc = any;

/**
 * What each `paths --csv` column must hold for one load point, read from the --json document
 * here (not from the code that writes the CSV): every column of the header but `faults` (prose).
 */
function pathsExpected(j: Doc, p: Doc, lp: Doc): Record<string, unknown> {
  const b = lp.cpu.find((c: Doc) => c.resource === lp.bottleneck);
  const l = lp.latency_us ?? {};
  const dir = (d: "rx" | "tx") => {
    const x = lp.per_direction?.[d];
    const xl = x?.latency_us ?? {};
    return {
      [`${d}_offered_mpps`]: x?.offered_mpps,
      [`${d}_delivered_mpps`]: x?.delivered_mpps,
      [`${d}_loss_ratio`]: x?.loss_ratio,
      ...Object.fromEntries(
        ["min", "mean", "p50", "p90", "p99", "p999", "max"].map((k) => [`${d}_${k}_us`, xl[k]]),
      ),
    };
  };
  const ac = lp.above_capacity ?? {};
  return {
    path: p.name,
    direction: p.direction,
    size: p.size,
    ndr_mpps: p.ndr_mpps,
    ndr_gbps: p.ndr_gbps,
    pdr_mpps: p.pdr_mpps,
    pdr_gbps: p.pdr_gbps,
    bottleneck: p.bottleneck,
    load_fraction_of_ndr: lp.fraction_of_ndr,
    offered_mpps: lp.offered_mpps,
    delivered_mpps: lp.delivered_mpps,
    loss_ratio: lp.loss_ratio,
    p50_us: l.p50,
    p90_us: l.p90,
    p99_us: l.p99,
    p999_us: l.p999,
    profile: j.profile.name,
    seed: j.seed,
    frame_bytes: p.frame_bytes,
    line_rate_mpps: p.line_rate_mpps,
    pdr_loss_ratio: j.search?.pdr_loss,
    precision_of_line_rate: j.search?.precision_of_line_rate,
    trial_ms: j.trial.virtual_ms,
    trial_frames: j.trial.count,
    final_trial_ms: p.final_trial_ms,
    link_gbps: p.link_gbps ?? j.link_gbps,
    arrival: j.arrival,
    point_bottleneck: lp.bottleneck,
    point_bottleneck_utilization: b?.utilization,
    point_bottleneck_cycles_per_packet: b?.cycles_per_packet,
    mean_us: l.mean,
    max_us: l.max,
    point_bottleneck_per_packet_unit: b?.cycles_per_packet_unit,
    min_us: l.min,
    ...dir("rx"),
    ...dir("tx"),
    rate: j.rate,
    offered_gbps: lp.offered_gbps,
    delivered_gbps: lp.delivered_gbps,
    sent_frames: lp.conservation.sent,
    delivered_frames: lp.conservation.delivered,
    dropped_frames: Object.values(lp.conservation.dropped as Record<string, number>).reduce(
      (a, n) => a + n,
      0,
    ),
    in_flight_frames: lp.conservation.in_flight,
    point_bottleneck_work_utilization: b?.work_utilization,
    above_capacity_resource: ac.resource,
    above_capacity_basis: ac.basis,
    above_capacity_work_share_ratio: ac.work_share,
    capacity_mpps: ac.capacity_mpps,
    ...Object.fromEntries(
      ["interrupts", "vm_exits", "injections", "wakeups", "kicks", "notifications"].map((e) => [
        `${e}_per_s`,
        lp.events_per_s[e],
      ]),
    ),
    // The bottleneck's cycles per packet split into work and its polling kinds of by_event.
    point_bottleneck_work_cycles_per_packet: b ? b.cycles_per_packet - pollOf(b) : undefined,
    point_bottleneck_poll_cycles_per_packet: b ? pollOf(b) : undefined,
    window_frames: j.load?.loop === "closed" ? j.load.window : undefined,
    mtu_bytes: j.mtu_bytes,
  };
}

/** A resource row's polling cycles per packet (halt polling, idle spin, busy-wait). */
const pollOf = (c: Doc): number =>
  ["halt_poll", "idle_spin", "send_wait"].reduce((a, k) => a + (c.by_event?.[k] ?? 0), 0);

/** Every column of a paths CSV against the JSON of the same run: none missing, none extra, equal. */
function expectPathsCsvIsJson(text: string, j: Doc): void {
  const [header] = parseCsv(text);
  const rows = records(text);
  const points = j.paths.flatMap((p: Doc) => p.load_points.map((lp: Doc) => [p, lp]));
  expect(rows).toHaveLength(points.length);
  points.forEach(([p, lp]: [Doc, Doc], i: number) => {
    const want = pathsExpected(j, p, lp);
    expect([...header].sort()).toEqual([...Object.keys(want), "faults"].sort());
    for (const [c, v] of Object.entries(want)) expect(rows[i][c], `row ${i + 1} ${c}`).toBe(asCell(v));
    expect(rows[i].faults !== "", `row ${i + 1} faults`).toBe(lp.faults !== undefined);
  });
}

/** paths --csv columns of the run, not of a load point: a merged row has them under their own
 *  names (not with _mid_load), after the load point's, unless an axis of that name holds them. */
const NOT_PER_POINT = new Set([
  "profile",
  "seed",
  "pdr_loss_ratio",
  "precision_of_line_rate",
  "trial_ms",
  "trial_frames",
  "final_trial_ms",
  "arrival",
  "rate",
  "window_frames",
  "mtu_bytes",
]);

/** paths at a fixed offered load, given as a share of line rate and in Mpps. */
const RATE_RUNS: Array<[string, string[]]> = [
  ["50%", ["paths", "--path", "native,vm-vf", "--size", "64", "--trial-ms", "0.2", "--rate", "50%"]],
  ["5Mpps", ["paths", "--path", "native,vm-vf", "--size", "64", "--trial-ms", "0.2", "--rate", "5Mpps"]],
];

/** What a throughput/latency-against-load plot reads: filled on every row of a --rate run. */
const LOAD_FIGURES = [
  ...["rate", "offered_mpps", "offered_gbps", "delivered_mpps", "delivered_gbps", "loss_ratio"],
  ...["sent_frames", "delivered_frames", "dropped_frames", "in_flight_frames"],
  ...["min_us", "mean_us", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"],
  ...["point_bottleneck", "point_bottleneck_utilization", "point_bottleneck_work_utilization"],
];

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

  it("paths: every column is its load point's --json figure (searched run)", async () => {
    expectPathsCsvIsJson(await csvOf("paths"), await jsonOf("paths"));
  });

  it.each(RATE_RUNS)(
    "paths at a fixed --rate %s: offered, delivered, loss, latency and the bottleneck on every row, as the JSON has them",
    async (_rate, argv) => {
      const [text, j] = [await output([...argv, "--csv"]), JSON.parse(await output([...argv, "--json"]))];
      expect(j.search).toBeNull();
      expectPathsCsvIsJson(text, j);
      const rows = records(text);
      for (const [i, r] of rows.entries())
        for (const c of LOAD_FIGURES) expect(r[c], `row ${i + 1} ${c}`).not.toBe("");
      expect(unitInCells(text)).toEqual([]);
      // The run is above what 64 B frames sustain: frames lost, and the CSV says by whom.
      expect(Number(rows[0].dropped_frames)).toBeGreaterThan(0);
      expect(rows[0].above_capacity_resource).toBe(rows[0].point_bottleneck);
    },
  );

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

  it("steering --rate --ip 6in4: the operating point and the mix's IP versions, as the JSON has them", async () => {
    const argv = [
      ...["steering", "--mix", "vxlan,plain", "--ip", "6in4", "--strategy", "single,outer-rss"],
      ...["--queues", "1,2", "--frames", "500", "--rate", "30%"],
    ];
    const [text, j] = [await output([...argv, "--csv"]), JSON.parse(await output([...argv, "--json"]))];
    const rows = records(text);
    expect(rows).toHaveLength(j.results.length);
    expect(unitInCells(text)).toEqual([]);
    j.results.forEach((r: Doc, i: number) => {
      const mix = j.mixes.find((m: Doc) => m.traffic === r.traffic);
      const want: Record<string, unknown> = {
        traffic: r.traffic,
        at: r.at,
        offered_mpps: r.offered_mpps,
        delivered_mpps: r.delivered_mpps,
        offered_gbps: r.wire_gbps,
        loss_ratio: r.loss_ratio,
        latency_min_us: r.latency_us.min,
        latency_p50_us: r.latency_us.p50,
        latency_p99_us: r.latency_us.p99,
        busiest_core_util: r.utilization.busiest_core,
        nic_util: r.utilization.nic,
        wire_util: r.utilization.wire,
        bottleneck: r.bottleneck,
        ip_inner: mix.ip?.inner,
        ip_outer: mix.ip?.outer,
        mean_frame_bytes: mix.mean_bytes,
      };
      for (const [c, v] of Object.entries(want)) expect(rows[i][c], `row ${i + 1} ${c}`).toBe(asCell(v));
    });
    expect(rows.map((r) => `${r.traffic} ${r.ip_inner} ${r.ip_outer}`)).toContain("vxlan ipv6 ipv4");
    // plain has no underlay: its outer IP version is empty, as JSON's null.
    expect(rows.find((r) => r.traffic === "plain")?.ip_outer).toBe("");
    expect(rows.every((r) => r.at === "rate")).toBe(true);
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

  it("of a sweep at a fixed --rate: every paths column of the middle (only) load point, as merged", async () => {
    const d = await runSweepHere(SWEEP_RATE);
    const csv = await iovsim(["sweep", "merge", d, "--csv"]);
    expect(csv.code, csv.err).toBe(0);
    const merged = JSON.parse((await iovsim(["sweep", "merge", d, "--json"])).out);
    const rows = records(csv.out);
    const entries = merged.points.flatMap((p: Doc) => p.result.paths.map((e: Doc) => [p, e]));
    expect(rows).toHaveLength(entries.length);
    expect(unitInCells(csv.out)).toEqual([]);
    const [header] = parseCsv(csv.out);
    entries.forEach(([p, e]: [Doc, Doc], i: number) => {
      expect(e.load_points).toHaveLength(1);
      const point = pathsExpected(p.result, e, e.load_points[0]);
      // The load point's columns, each with _mid_load; the entry's own under their names.
      const entry = [
        "path",
        "direction",
        "size",
        "ndr_mpps",
        "ndr_gbps",
        "pdr_mpps",
        "pdr_gbps",
        "bottleneck",
      ];
      const conditions = ["frame_bytes", "line_rate_mpps", "link_gbps"];
      const want: Record<string, unknown> = {
        index: p.index,
        size: p.coords.size,
        rate: p.coords.rate,
        seed: p.seed,
        ...Object.fromEntries([...entry, ...conditions].map((c) => [c, point[c]])),
      };
      for (const c of Object.keys(point))
        if (!entry.includes(c) && !conditions.includes(c) && !/^(rx|tx)_/.test(c) && !NOT_PER_POINT.has(c))
          want[`${c}_mid_load`] = point[c];
      // The run's own columns, as the point's single `paths --csv` row has them (the rate, an
      // axis here, keeps the axis's value and place), in that row's order at the end.
      const run = [...NOT_PER_POINT].filter((c) => !(c in want));
      for (const c of run) want[c] = point[c];
      expect(header.slice(-run.length)).toEqual(run);
      // All but the seed (a point column) and the rate (an axis of this sweep).
      expect(run).toEqual([...NOT_PER_POINT].filter((c) => c !== "seed" && c !== "rate"));
      expect(rows[i].profile).toBe("bhyve");
      expect(rows[i].trial_frames).toBe("300");
      expect([...header].sort()).toEqual(Object.keys(want).sort());
      for (const [c, v] of Object.entries(want)) expect(rows[i][c], `row ${i + 1} ${c}`).toBe(asCell(v));
      for (const c of LOAD_FIGURES.filter((f) => f !== "rate"))
        expect(rows[i][`${c}_mid_load`], `row ${i + 1} ${c}`).not.toBe("");
    });
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
    // A steering row's mix columns come from its own point's `mixes` (vxlan: IPv4 in IPv4).
    if (key === "results")
      merged.points.forEach((p: Doc) => {
        p.result.results.forEach((e: Doc) => {
          const mix = p.result.mixes.find((m: Doc) => m.traffic === e.traffic);
          const row = rows.find((r) => Number(r.index) === p.index && Number(r.queues) === e.queues);
          expect([row?.ip_inner, row?.ip_outer, row?.mean_frame_bytes]).toEqual([
            asCell(mix.ip.inner),
            asCell(mix.ip.outer),
            asCell(mix.mean_bytes),
          ]);
          expect(row?.delivered_mpps).toBe(asCell(e.delivered_mpps));
        });
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
      // Worded alike by every command, as its other option errors (no command name: demo said
      // `iovsim: demo: ...` beside `iovsim: --trial-ms: ...`; steering said "cannot be combined").
      expect(r.err).toBe("iovsim: --json and --csv are exclusive\n");
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
      if (j.paths) expectPathsCsvIsJson(csv.out, j);
      // What each fault did is in the faults column (prose: one quoted cell when it holds a comma).
      if (argv.includes("--inject-fault")) expect(rows.some((r) => r.faults !== "")).toBe(true);
    },
  );
});
