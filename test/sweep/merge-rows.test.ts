// `sweep merge --csv` rows: a steering point's results and a fidelity point's cases are rows of
// figures (the merge gave only each document's header fields: schema, version, profile, nic);
// a steering row's figures are exactly `steering --csv`'s columns.
import { describe, expect, it } from "vitest";
import { FIDELITY_CSV_HEADER, fidelityCsv } from "../../src/report/fidelity-json.ts";
import { STEERING_CSV_HEADER, steeringCsv } from "../../src/report/steering-table.ts";
import type { SteeringResult } from "../../src/steering/compare.ts";
import { MERGE_SCHEMA, type MergedSweep, mergedRows, rowsToCsv } from "../../src/sweep/merge.ts";

const sweep = (experiment: string, axes: string[], points: MergedSweep["points"]): MergedSweep => ({
  schema: MERGE_SCHEMA,
  sweep: "s",
  experiment,
  hash: "0".repeat(64),
  version: "iovsim 0",
  axes,
  count: points.length,
  points,
});

describe("sweep merge rows", () => {
  it("steering: one row per point and result, with its figures (NDR, offered, Jain, p99)", () => {
    const result = (at: string, ndr: number | null) => ({
      strategy: "outer-rss",
      traffic: "gtpu",
      queues: 2,
      skipped: null,
      jain: 0.99,
      loss_ratio: 0,
      offered_mpps: 3.6,
      delivered_mpps: 3.6,
      latency_us: { p50: 30, p99: 51.8, min: 20 },
      utilization: { busiest_core: 0.96, dispatcher: null },
      bottleneck: "core1",
      ndr_mpps: ndr,
      line_rate_mpps: 9.1,
      at,
    });
    const m = sweep(
      "steering",
      ["strategy"],
      [
        {
          index: 0,
          coords: { strategy: "outer-rss" },
          seed: 7,
          result: {
            schema: "iovsim.steering/2",
            profile: "bhyve",
            results: [result("rate", null), result("ndr", 8.2)],
          },
        },
      ],
    );
    const rows = mergedRows(m);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      index: 0,
      point_strategy: "outer-rss",
      point_seed: 7,
      strategy: "outer-rss",
      profile: "bhyve",
      at: "rate",
      ndr_mpps: "",
      jain: 0.99,
    });
    expect(rows[1]).toMatchObject({
      at: "ndr",
      ndr_mpps: 8.2,
      latency_p99_us: 51.8,
      latency_min_us: 20,
      busiest_core_util: 0.96,
    });
    expect(rows[0]).not.toHaveProperty("schema");
    const csv = rowsToCsv(rows).trimEnd().split(/\r?\n/);
    // The point's columns, then exactly steering --csv's (the one list, not a copy of it).
    expect(csv[0]).toBe(["index", "point_strategy", "point_seed", ...STEERING_CSV_HEADER].join(","));
    for (const line of csv) expect(line.split(",")).toHaveLength(3 + STEERING_CSV_HEADER.length);
  });

  it("steering: each merged row's steering cells are steering --csv's row for that result", () => {
    const r: SteeringResult = {
      strategy: "sw-dispatch",
      traffic: "gtpu",
      queues: 2,
      skipped: null,
      per_queue: [10, 12],
      jain: 0.99,
      max_over_mean: 1.09,
      reordered: 3,
      split_pairs: 0,
      drops: { "nic: rx ring full (no descriptor)": 4 },
      loss_ratio: 0.01,
      offered_mpps: 3,
      delivered_mpps: 2.97,
      wire_gbps: 2,
      ndr_mpps: 2.5,
      ndr_gbps: 1.9,
      line_rate_mpps: 9.14,
      latency_us: { p50: 30, p99: 50, min: 12.5 },
      utilization: { busiest_core: 0.9, dispatcher: 0.97, nic: 0.1, wire: 0.3 },
      bottleneck: "dispatcher",
      rules: null,
      at: "rate",
      conservation_ok: true,
    };
    const skipped: SteeringResult = { ...r, queues: 128, skipped: "64 worker rings", per_queue: [] };
    const m = sweep(
      "steering",
      ["queues", "mix"],
      [
        {
          index: 3,
          coords: { queues: "2,128", mix: "gtpu" },
          seed: 9,
          result: JSON.parse(JSON.stringify({ profile: "kvm-posted", seed: 9, results: [r, skipped] })),
        },
      ],
    );
    const merged = rowsToCsv(mergedRows(m)).trimEnd().split(/\r?\n/);
    const own = steeringCsv(
      { results: [r, skipped], problems: [], simulator: { frames: 0, events: 0, wall_s: 0, simulations: 0 } },
      { profile: "kvm-posted", seed: 9 },
    )
      .trimEnd()
      .split(/\r?\n/);
    expect(merged[0]).toBe(`index,point_queues,mix,point_seed,${own[0]}`);
    expect(merged[1]).toBe(`3,"2,128",gtpu,9,${own[1]}`);
    expect(merged[2]).toBe(`3,"2,128",gtpu,9,${own[2]}`);
  });

  it("fidelity: one row per point and case, exactly fidelity --csv's row (tolerance included), no seed", () => {
    const c = {
      name: "d33731-vnet-jail",
      publication: "FreeBSD review D33731, setup B",
      published: {
        text: "1.017 Mpps",
        value: 1_180_000,
        unit: "pps",
        tolerance: [1e6, 1.37e6] as [number, number],
      },
      profiles: ["freebsd"],
      scenario: "path jail-epair-fwd, 64 B",
      why: "one epair taskqueue",
      simulated: 836_000,
      error: -0.29,
      pass: false,
      details: "bottleneck host-core1",
    };
    const m = sweep(
      "fidelity",
      ["case"],
      [
        {
          index: 1,
          coords: { case: "d33731-vnet-jail" },
          seed: 1,
          result: { schema: "iovsim.fidelity/2", passed: 0, total: 1, cases: [c] },
        },
      ],
    );
    const rows = mergedRows(m);
    expect(rows).toEqual([
      {
        index: 1,
        point_case: "d33731-vnet-jail",
        case: "d33731-vnet-jail",
        published: 1_180_000,
        unit: "pps",
        tolerance_low: 1e6,
        tolerance_high: 1.37e6,
        simulated: 836_000,
        error: -0.29,
        pass: false,
        profiles: "freebsd",
        publication: "FreeBSD review D33731, setup B",
      },
    ]);
    // The point's columns, then exactly fidelity --csv's header and cells (the one list).
    const merged = rowsToCsv(rows).trimEnd().split(/\r?\n/);
    const own = fidelityCsv({
      schema: "iovsim.fidelity/2",
      tool: { name: "iovsim", version: "0" },
      trials: { trial_ns: 1, ndr_step_pps: 1, pings: 1 },
      passed: 0,
      total: 1,
      cases: [c],
      sensitivity: null,
      sensitivity_not_moved: null,
    })
      .trimEnd()
      .split(/\r?\n/);
    expect(merged[0]).toBe(`index,point_case,${FIDELITY_CSV_HEADER.join(",")}`);
    expect(merged[0]).toBe(`index,point_case,${own[0]}`);
    expect(merged[1]).toBe(`1,d33731-vnet-jail,${own[1]}`);
  });

  it("a sweep with a host file ends every row with host_file; one without has no such column", () => {
    const point = (index: number, ndr: number) => ({
      index,
      coords: { size: 64 },
      seed: 1,
      result: {
        paths: [{ name: "native", direction: "rx", size: 64, ndr_mpps: ndr, pdr_mpps: ndr, load_points: [] }],
      },
    });
    const plain = sweep("paths", ["size"], [point(0, 3.8), point(1, 3.9)]);
    const onHost: MergedSweep = { ...plain, host: "examples/hosts/two-x710.json" };
    const without = rowsToCsv(mergedRows(plain)).trimEnd().split(/\r?\n/);
    const withHost = rowsToCsv(mergedRows(onHost)).trimEnd().split(/\r?\n/);
    expect(without[0]).not.toContain("host_file");
    expect(withHost[0]).toBe(`${without[0]},host_file`);
    for (let i = 1; i < without.length; i++)
      expect(withHost[i]).toBe(`${without[i]},examples/hosts/two-x710.json`);
  });
});
