// No reply, no round-trip time: `ping --json` and `paths --json` write null for every RTT figure
// (a 0 would read as a measured round trip), the tables a dash, the HTML chart no bar.
import { describe, expect, it } from "vitest";
import { pingJson } from "../../src/cli/commands/ping-run.ts";
import type { PingResult } from "../../src/engine/ping.ts";
import { runExperiment } from "../../src/experiment/experiment.ts";
import { summarizeRtts } from "../../src/experiment/ping-stats.ts";
import { inlineRunner } from "../../src/experiment/runner.ts";
import { type DemoJson, demoCsvRows } from "../../src/report/demo-json.ts";
import { pingChart } from "../../src/report/html/charts.ts";
import {
  pathEntryJson,
  pathsJsonSchema,
  pingEntrySchema,
  simulatorJson,
} from "../../src/report/paths-json.ts";
import { loadPointTable, pingTable } from "../../src/report/paths-table.ts";
import { buildPingJson, pingJsonSchema } from "../../src/report/ping-json.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { simulateQueue } from "../experiment/queue-double.ts";

const conservation = {
  sent: 3,
  delivered: 0,
  dropped: { "vlan-filter": 3 },
  inFlight: 0,
  copies: 0,
  ok: true,
};
const events = { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 };
const unanswered = { path: "jail-vf", rtt_us: [], sent: 3, received: 0, events, conservation };
const NULLS = { min: null, avg: null, max: null, stddev: null, p50: null, p99: null };

describe("ping with no reply", () => {
  it("summarizes to nulls, and to figures once a reply came", () => {
    expect(summarizeRtts([])).toEqual(NULLS);
    expect(summarizeRtts([10, 30])).toMatchObject({ min: 10, max: 30, avg: 20, p50: 10, p99: 30 });
  });

  it("ping --json: every rtt_us figure is null, and the schema refuses a 0 there", () => {
    const j = buildPingJson(
      unanswered,
      {
        version: "0",
        profile: { name: "bhyve", origin: "builtin" },
        config: "x.conf",
        count: 3,
        intervalMs: 1,
        seed: 1,
      },
      simulatorJson([], 1, 1),
    );
    expect(j.rtt_us).toEqual(NULLS);
    expect(j.loss_percent).toBe(100);
    const parsed = pingJsonSchema.parse(JSON.parse(JSON.stringify(j)));
    expect(parsed.rtt_us.p50).toBeNull();
    const zero = { ...j, rtt_us: { min: 0, avg: 0, max: 0, stddev: 0, p50: 0, p99: 0 } };
    expect(pingJsonSchema.safeParse(zero).success).toBe(false);
    // Nor in paths --json: a figure without a reply, or null with one.
    const entry = { path: "jail-vf", transmitted: 3, received: 0, rtt_us: zero.rtt_us };
    expect(pingEntrySchema.safeParse(entry).success).toBe(false);
    expect(pingEntrySchema.safeParse({ ...entry, received: 3, rtt_us: NULLS }).success).toBe(false);
  });

  it("paths --json's ping entry: nulls; the table prints dashes; the HTML chart has no bar", () => {
    const e = pingJson({
      ...unanswered,
      virtual_ns: 0,
      simulator: { frames: 3, events: 0, wall_ms: 0 },
    } as PingResult);
    expect(pingEntrySchema.parse(e).rtt_us).toEqual(NULLS);
    const table = pingTable([e]);
    expect(table).toMatch(/jail-vf\s*│\s*3 \/ 0\s*│\s*-\s*│\s*-\s*│\s*-\s*│/);
    expect(table).not.toMatch(/0\.0/);
    const chart = pingChart([{ path: e.path, rtt_us: e.rtt_us }]);
    expect(JSON.stringify(chart.spec)).not.toContain('"jail-vf"');
  });

  it("the demo's CSV has no RTT row for a path without a reply (as no NDR row without a search)", () => {
    const e = pingJson({
      ...unanswered,
      virtual_ns: 0,
      simulator: { frames: 3, events: 0, wall_ms: 0 },
    } as PingResult);
    const answered = { path: "native", transmitted: 3, received: 3, rtt_us: summarizeRtts([9, 10, 11]) };
    const rows = demoCsvRows({
      paths: { paths: [], ping: [e, answered] },
      steering: { runs: [] },
    } as unknown as DemoJson);
    expect(rows.filter((r) => r[1] === "jail-vf")).toEqual([]);
    expect(rows.filter((r) => r[1] === "native").map((r) => r[3])).toEqual([9, 10, 10, 11, 11]);
  });
});

describe("a load point that delivered nothing", () => {
  it("has latency null in paths --json (not 0), a dash in the table, no latency row in the demo CSV", async () => {
    // A queue with no room: every frame is dropped.
    const q = { capacityPps: 1e6, buffer: 0, frameBytes: 64, linkGbps: 10 };
    const res = await runExperiment({
      cases: [{ path: "native", direction: "rx", size: 64, frameBytes: 64, traffic: defaultProfile() }],
      trial: { arrival: "constant", durationNs: 1e6, seed: 1, profile: "bhyve", linkGbps: 10 },
      rate: { kind: "pps", pps: 1e5, text: "0.1Mpps" },
      precision: 0.01,
      pdrLoss: 0.005,
      runner: inlineRunner((s) => simulateQueue(q, s)),
    });
    const entry = pathEntryJson(res.cases[0]);
    expect(entry.load_points[0].delivered_mpps).toBe(0);
    expect(entry.load_points[0].latency_us).toBeNull();
    const lpSchema = pathsJsonSchema.shape.paths.element.shape.load_points.element;
    expect(lpSchema.safeParse(entry.load_points[0]).success).toBe(true);
    const doc = { load: { loop: "open" }, paths: [entry] } as unknown as Parameters<typeof loadPointTable>[0];
    expect(loadPointTable(doc)).toMatch(/- \(none delivered\)/);
    const rows = demoCsvRows({
      paths: { paths: [entry], ping: [] },
      steering: { runs: [] },
    } as unknown as DemoJson);
    expect(rows.some((r) => String(r[2]).startsWith("latency"))).toBe(false);
    expect(rows.some((r) => r[2] === "loss_ratio" && r[3] === 1)).toBe(true);
  });
});
