// Every `--json` document read as a program consuming it would: it validates against its own
// zod schema and holds nothing the schema does not document; every number is finite and says
// its unit (in its key, its parent's key or a unit field beside it); the same seed gives the
// same bytes once the wall-clock `simulator` blocks are set apart, and wall-clock figures live
// nowhere else; the terminal shows the same figures to its printed precision.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { demoJsonSchema } from "../../src/report/demo-json.ts";
import { fidelityJsonSchema } from "../../src/report/fidelity-json.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { pingJsonSchema } from "../../src/report/ping-json.ts";
import { steeringJsonSchema } from "../../src/report/steering-json.ts";
import { SWEEP_MERGE_SCHEMA, sweepMergeJsonSchema } from "../../src/report/sweep-json.ts";
import { switchJsonSchema } from "../../src/report/switch-json.ts";
import { MERGE_SCHEMA } from "../../src/sweep/merge.ts";
import { iovsim, iovsimJson } from "../helpers/cli.ts";
import {
  leaves,
  RUNS,
  type RunName,
  runSweepHere,
  SWEEP_FIDELITY,
  SWEEP_NDR,
  SWEEP_RATE,
  SWEEP_STEERING,
  VARIANT_RUNS,
  withoutWallClock,
} from "./acceptance-runs.ts";

const SCHEMAS: Record<RunName, z.ZodType> = {
  paths: pathsJsonSchema,
  ping: pingJsonSchema,
  steering: steeringJsonSchema,
  fidelity: fidelityJsonSchema,
  switch: switchJsonSchema,
  demo: demoJsonSchema,
};

const NAMES = Object.keys(RUNS) as RunName[];

/** Each command's --json output, run once per test file (the text, to compare as written). */
const cache = new Map<string, Promise<string>>();
function jsonText(name: RunName, again = false): Promise<string> {
  const key = `${name}${again ? "#2" : ""}`;
  if (!cache.has(key))
    cache.set(
      key,
      iovsim([...RUNS[name], "--json"]).then((r) => {
        expect(r.err, name).toBe("");
        expect(r.code, name).toBe(0);
        return r.out;
      }),
    );
  return cache.get(key)!;
}

// A number's unit is named by its key or its parent's (latency_us.p50), or it is a count, a
// ratio or an index whose name says so, or a unit field stands beside it.
const UNIT = /(_mpps|_gbps|_pps|_us|_ms|_ns|_s|_bytes|_percent|_ratio|_of_ndr|_of_line_rate|_per_s|_factor)$/;
const COUNT =
  /^(frames|events|simulations|workers|seed|index|count|trials|transmitted|received|sent|delivered|waits|in_flight|copies|seq|vfs|vf_count|pings|passed|total|queues|cores|flows|reordered|split_pairs|offered|dropped|to_wire|wire_out|skipped_non_ethernet|snaplen_cut|per_queue|per_core_frames|per_queue_delivered|window|queue|records|filtered|to_consumer|consumer_lost|entries|matched_flows|fallback_flows|dropped_flows|frames_per_run|frames_per_trial|size|frame_bytes)$|_(packets|bytes|events|descriptors|dropped|errors|filtered|no_desc|no_pool|no_destination|spoofed|broadcast|multicast|unicast|oversize)$|^r[ou]c$/;
// Shares of 1: a resource's busy time, Jain's index, a relative error, the PDR loss limit.
const SHARE =
  /^(work_share|utilization|work_utilization|busiest_core|dispatcher|nic|wire|jain|max_over_mean|error|pdr_loss)$/;

function unitless(doc: unknown): string[] {
  const bad: string[] = [];
  for (const l of leaves(doc)) {
    if (typeof l.value !== "number") continue;
    const parent =
      l.path
        .replace(/(\[\d+\])*\.[^.]+$|(\[\d+\])+$/, "")
        .split(".")
        .pop() ?? "";
    const named =
      UNIT.test(l.key) ||
      UNIT.test(parent) ||
      COUNT.test(l.key) ||
      parent === "events" || // event counts over the run (events_per_s: rates)
      SHARE.test(l.key) ||
      /(^|\.)(rx_size|tx_size|frame_drops|copy_drops)\./.test(l.path) || // frame counts by size / reason
      /\.dropped_before_engine\./.test(l.path) || // a capture's records left out, by reason
      /\.(by_event)\./.test(l.path) || // the unit is cycles_per_packet_unit beside it
      /\.delivered_elsewhere\./.test(l.path) || // frames, by where they went
      /^ns_/.test(l.key) ||
      /\.cycles_per_packet$/.test(l.path) || // ditto
      /\.published\.(value|tolerance)/.test(l.path) || // published.unit beside it
      /(^|\.)cases\[\d+\]\.simulated$/.test(l.path); // in published.unit
    if (!named) bad.push(l.path);
  }
  return bad;
}

describe.each(NAMES)("%s --json", (name) => {
  it("validates against its schema, which documents every key it writes, and every number is finite", async () => {
    const text = await jsonText(name);
    expect(text).not.toMatch(/\b(NaN|Infinity)\b/);
    const doc = JSON.parse(text);
    const parsed = SCHEMAS[name].safeParse(doc);
    expect(parsed.error?.issues ?? [], name).toEqual([]);
    // A non-strict schema strips what it does not know: the parse gives the document back whole.
    expect(parsed.data).toEqual(doc);
    for (const l of leaves(doc))
      if (typeof l.value === "number") expect(Number.isFinite(l.value), l.path).toBe(true);
  });

  it("names each number's unit (key, parent key or a unit field)", async () => {
    expect(unitless(JSON.parse(await jsonText(name)))).toEqual([]);
  });

  it("is byte-identical for the same seed once the wall-clock simulator blocks are set apart", async () => {
    const [a, b] = [JSON.parse(await jsonText(name)), JSON.parse(await jsonText(name, true))];
    // Same keys in the same order: compare the serialized text, not a deep equality.
    expect(JSON.stringify(withoutWallClock(b))).toBe(JSON.stringify(withoutWallClock(a)));
  });

  it("keeps wall-clock figures in `simulator` blocks only, and no simulated result in them", async () => {
    const all = leaves(JSON.parse(await jsonText(name)));
    const wall = all.filter((l) => /wall|realtime/.test(l.key));
    for (const l of wall)
      expect(l.path, "a wall-clock figure outside `simulator`").toMatch(/(^|\.)simulator\./);
    const inSimulator = all.filter((l) => /(^|\.)simulator\./.test(l.path));
    for (const l of inSimulator)
      expect(l.key, `${l.path}: a simulated result in the simulator-speed block`).toMatch(
        /^(frames|events|simulations|virtual_s|wall_s|realtime_factor|frames_per_wall_s|workers|partitions)$/,
      );
  });
});

/** The cells of the terminal table row whose first cells are `first`. */
function tableRow(text: string, ...first: string[]): string[] {
  for (const line of text.split("\n")) {
    const cells = line
      .split("│")
      .slice(1, -1)
      .map((c) => c.trim());
    if (first.every((f, i) => cells[i] === f)) return cells;
  }
  throw new Error(`no row ${first.join(" ")} in:\n${text}`);
}

describe("the terminal shows the JSON's figures (same seed, printed precision)", () => {
  it("paths: NDR, PDR, line rate, and each load point's rates and latency percentiles", async () => {
    const j = JSON.parse(await jsonText("paths"));
    const t = await iovsim([...RUNS.paths]);
    expect(t.code).toBe(0);
    const p = j.paths[0];
    const row = tableRow(t.out, p.name, p.direction, String(p.size));
    expect(row.slice(3, 8)).toEqual([
      p.ndr_mpps.toFixed(3),
      p.ndr_gbps.toFixed(2),
      p.pdr_mpps.toFixed(3),
      p.pdr_gbps.toFixed(2),
      p.line_rate_mpps.toFixed(3),
    ]);
    for (const lp of p.load_points) {
      const cells = tableRow(t.out, p.name, p.direction, String(p.size), `${lp.fraction_of_ndr * 100}% NDR`);
      expect(cells[4]).toBe(`${lp.offered_mpps.toFixed(3)} / ${lp.delivered_mpps.toFixed(3)}`);
      const l = lp.latency_us;
      expect(cells[6]).toBe([l.p50, l.p90, l.p99, l.p999].map((v: number) => v.toFixed(1)).join(" / "));
    }
  });

  it("ping: each echo's time and the min/avg/max/stddev line", async () => {
    const j = JSON.parse(await jsonText("ping"));
    const t = await iovsim([...RUNS.ping]);
    expect(t.code).toBe(0);
    const ms = (us: number) => (us / 1000).toFixed(3);
    for (const e of j.echoes) expect(t.out).toContain(`icmp_seq=${e.seq} ttl=64 time=${ms(e.rtt_us)} ms`);
    const r = j.rtt_us;
    expect(t.out).toContain(`min/avg/max/stddev = ${[r.min, r.avg, r.max, r.stddev].map(ms).join("/")} ms`);
    expect(t.out).toContain(`${j.transmitted} packets transmitted, ${j.received} packets received`);
  });

  it("steering: NDR Mpps and Gbps, line rate, Jain's index and the latency per row", async () => {
    const j = JSON.parse(await jsonText("steering"));
    const t = await iovsim([...RUNS.steering]);
    expect(t.code).toBe(0);
    for (const r of j.results) {
      const cells = tableRow(t.out, r.traffic, r.strategy, String(r.queues));
      const l = r.latency_us;
      expect(cells.slice(3, 7)).toEqual([
        r.ndr_mpps.toFixed(2),
        r.ndr_gbps.toFixed(2),
        r.line_rate_mpps.toFixed(2),
        r.jain.toFixed(3),
      ]);
      expect(cells[10]).toBe([l.min, l.p50, l.p99].map((v: number) => v.toFixed(1)).join("/"));
      expect(cells[11]).toBe(`${Math.round(r.utilization.busiest_core * 100)}%`);
    }
  });

  it("fidelity: published, tolerance, simulated and error per case", async () => {
    const j = JSON.parse(await jsonText("fidelity"));
    const t = await iovsim([...RUNS.fidelity]);
    expect(t.code).toBe(0);
    for (const c of j.cases) {
      const line = t.out.split("\n").find((l) => l.startsWith(`${c.name} `))!;
      const [lo, hi] = c.published.tolerance.map((v: number) => v.toFixed(3));
      const err = `${c.error >= 0 ? "+" : ""}${(c.error * 100).toFixed(1)} %`;
      expect(line.split(/\s{2,}/)).toEqual([
        c.name,
        c.published.value.toFixed(3),
        `${lo}..${hi}`,
        c.simulated.toFixed(3),
        err,
        c.pass ? "pass" : "FAIL",
      ]);
    }
  });

  it("switch: frames in, received, to wire and dropped per function, and the drops by reason", async () => {
    const j = JSON.parse(await jsonText("switch"));
    const { tempDir } = await import("../helpers/cli.ts");
    const t = await iovsim([...RUNS.switch, "--out", tempDir()]);
    expect(t.code).toBe(0);
    for (const f of j.functions)
      expect(tableRow(t.out, f.name).slice(1)).toEqual([
        String(f.offered),
        String(f.received),
        f.to_wire === null ? "-" : String(f.to_wire),
        String(f.dropped),
      ]);
    const drops = Object.entries(j.frame_drops).map(([k, v]) => `${k} ${v}`);
    expect(t.out).toContain(`frame drops: ${drops.join(", ")}`);
  });

  it("demo: every path's NDR and PDR, each ping's RTT, each steering run's frames per core, Jain and NDR", async () => {
    const j = JSON.parse(await jsonText("demo"));
    const t = await iovsim([...RUNS.demo]);
    expect(t.code).toBe(0);
    for (const p of j.paths.paths) {
      const row = tableRow(t.out, p.name, p.direction, String(p.size));
      expect([row[3], row[5]], p.name).toEqual([p.ndr_mpps.toFixed(3), p.pdr_mpps.toFixed(3)]);
    }
    expect(j.paths.ping.length).toBeGreaterThan(0);
    for (const p of j.paths.ping) {
      const row = tableRow(t.out, p.path, `${p.transmitted} / ${p.received}`);
      const r = p.rtt_us;
      expect(row[2], p.path).toBe(
        [r.min, r.avg, r.max, r.stddev].map((v: number) => v.toFixed(1)).join(" / "),
      );
    }
    // Steering: frames per core (the switch's counters), Jain's index and NDR with its bottleneck.
    expect(j.steering.runs.length).toBeGreaterThan(0);
    for (const r of j.steering.runs) {
      const row = tableRow(t.out, r.traffic, r.strategy_name, r.per_core_frames.join(" / "));
      expect(row.slice(3), `${r.regime} ${r.traffic} ${r.strategy}`).toEqual([
        r.jain.toFixed(3),
        `${r.ndr_mpps.toFixed(2)} (${r.bottleneck})`,
      ]);
    }
  });
});

describe("--json documents from the same run agree", () => {
  it("demo's paths part is a whole paths document (its own schema), priced by the steering's profile", async () => {
    const j = JSON.parse(await jsonText("demo"));
    expect(pathsJsonSchema.safeParse(j.paths).success).toBe(true);
    expect(j.paths.profile.name).toBe(j.steering.profile);
  });

  it("iovsimJson helper sees the same document (stdout holds the JSON only, stderr nothing)", async () => {
    const j = await iovsimJson([...RUNS.ping, "--json"]);
    expect(JSON.stringify(withoutWallClock(j))).toBe(
      JSON.stringify(withoutWallClock(JSON.parse(await jsonText("ping")))),
    );
  });
});

describe("round trips that do not vary", () => {
  it("paths --json: ten equal echoes give avg = min = max and stddev 0, not float noise", async () => {
    const j = JSON.parse(await jsonText("paths"));
    const r = j.ping[0].rtt_us;
    expect(j.ping[0].received).toBe(10);
    expect(r.min).toBe(r.max); // the idle native path answers every echo alike
    expect(r.avg).toBe(r.min);
    expect(r.stddev).toBe(0);
  });
});

describe("sweep merge --json", () => {
  const sweeps = {
    paths: SWEEP_NDR,
    "paths --rate": SWEEP_RATE,
    steering: SWEEP_STEERING,
    fidelity: SWEEP_FIDELITY,
  };
  const dirs = new Map<string, Promise<string>>();
  const dirOf = (k: keyof typeof sweeps) => {
    if (!dirs.has(k)) dirs.set(k, runSweepHere(sweeps[k]));
    return dirs.get(k)!;
  };
  const merge = async (dir: string) => {
    const r = await iovsim(["sweep", "merge", dir, "--json"]);
    expect(r.code, r.err).toBe(0);
    return r.out;
  };

  it("names the schema the merge writes", () => {
    expect(SWEEP_MERGE_SCHEMA).toBe(MERGE_SCHEMA);
  });

  it.each(Object.keys(sweeps) as Array<keyof typeof sweeps>)(
    "%s: validates against its schema, each point's result against its experiment's, no wall clock",
    async (k) => {
      const text = await merge(await dirOf(k));
      const doc = JSON.parse(text);
      const parsed = sweepMergeJsonSchema.safeParse(doc);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data).toEqual(doc);
      expect(text).not.toMatch(/wall_s|realtime_factor|frames_per_wall_s/);
      expect(unitless(doc)).toEqual([]);
    },
  );

  it("the same sweep run twice merges to the same bytes", async () => {
    const again = await runSweepHere(SWEEP_STEERING);
    expect(await merge(again)).toBe(await merge(await dirOf("steering")));
  });

  it("refuses a point result that kept its wall-clock block or lost a field", async () => {
    const doc = JSON.parse(await merge(await dirOf("steering")));
    const withClock = structuredClone(doc);
    withClock.points[0].result.simulator = { wall_s: 1 };
    expect(sweepMergeJsonSchema.safeParse(withClock).success).toBe(false);
    const broken = structuredClone(doc);
    delete broken.points[0].result.results;
    const issues = sweepMergeJsonSchema.safeParse(broken).error?.issues ?? [];
    expect(issues.map((i) => i.path.join("."))).toContain("points.0.result.results");
  });
});

describe("--json of other kinds of run", () => {
  const VARIANTS = VARIANT_RUNS;

  it.each(VARIANTS)(
    "%s: its schema, every key documented, units named, wall clock apart",
    async (_what, name, argv, code) => {
      const r = await iovsim([...argv, "--json"]);
      expect(r.code, r.err).toBe(code);
      const doc = JSON.parse(r.out);
      const parsed = SCHEMAS[name].safeParse(doc);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data).toEqual(doc);
      expect([...new Set(unitless(doc).map((x) => x.replace(/\[\d+\]/g, "[]")))]).toEqual([]);
      for (const l of leaves(doc).filter((x) => /wall|realtime/.test(x.key)))
        expect(l.path).toMatch(/(^|\.)simulator\./);
    },
  );
});
