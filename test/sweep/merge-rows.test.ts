// `sweep merge --csv` rows: a steering point's results and a fidelity point's cases are rows of
// figures (the merge gave only each document's header fields: schema, version, profile, nic).
import { describe, expect, it } from "vitest";
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
      strategy: "outer-rss",
      seed: 7,
      at: "rate",
      ndr_mpps: "",
      jain: 0.99,
    });
    expect(rows[1]).toMatchObject({
      at: "ndr",
      ndr_mpps: 8.2,
      latency_p99_us: 51.8,
      busiest_core_util: 0.96,
    });
    expect(rows[0]).not.toHaveProperty("schema");
    const csv = rowsToCsv(rows).trimEnd().split(/\r?\n/);
    expect(csv[0]).toBe(
      "index,strategy,seed,traffic,queues,at,skipped,ndr_mpps,line_rate_mpps,offered_mpps,delivered_mpps,loss_ratio,jain,latency_p99_us,busiest_core_util,bottleneck",
    );
    for (const line of csv) expect(line.split(",")).toHaveLength(16);
  });

  it("fidelity: one row per point and case, published against simulated and the verdict", () => {
    const m = sweep(
      "fidelity",
      ["case"],
      [
        {
          index: 1,
          coords: { case: "d33731-vnet-jail" },
          seed: 1,
          result: {
            schema: "iovsim.fidelity/1",
            passed: 0,
            total: 1,
            cases: [
              {
                name: "d33731-vnet-jail",
                published: { value: 1_180_000, unit: "pps", tolerance: [1e6, 1.37e6] },
                simulated: 836_000,
                error: -0.29,
                pass: false,
              },
            ],
          },
        },
      ],
    );
    expect(mergedRows(m)).toEqual([
      {
        index: 1,
        case: "d33731-vnet-jail",
        seed: 1,
        name: "d33731-vnet-jail",
        published: 1_180_000,
        unit: "pps",
        simulated: 836_000,
        error: -0.29,
        pass: false,
      },
    ]);
  });
});
