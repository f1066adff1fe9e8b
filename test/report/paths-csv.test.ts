// `paths --csv`: every numeric column names its unit in the header, and each row carries what
// qualifies its NDR/PDR (frame size in bytes, loss limit, resolution, trial lengths, link), the
// load point's bottleneck with its utilization and cycles per packet, and average and maximum
// latency besides the percentiles.
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { PATHS_CSV_HEADER, pathsCsv } from "../../src/report/paths-csv.ts";
import { pathsDoc } from "./paths-doc.ts";

/** Columns that hold names or flags, not quantities. */
const LABELS = new Set([
  "path",
  "direction",
  "size",
  "bottleneck",
  "profile",
  "seed",
  "faults",
  "arrival",
  "point_bottleneck",
  "point_bottleneck_per_packet_unit",
  "rate",
  "above_capacity_resource",
  "above_capacity_basis",
]);
/** A quantity's column ends with its unit. */
const UNIT = /_(mpps|gbps|us|ms|bytes|ratio|of_ndr|of_line_rate|utilization|cycles_per_packet|frames|per_s)$/;

describe("paths --csv", () => {
  it("names one unit per quantity column", () => {
    for (const c of PATHS_CSV_HEADER) if (!LABELS.has(c)) expect(c, c).toMatch(UNIT);
  });

  it("gives each row its test conditions, the point's bottleneck cost and avg/max latency: every column its figure", () => {
    const d = pathsDoc();
    // Distinct figures where the fixture repeats one, so a swapped column shows.
    const lp = d.paths[0].load_points[1];
    lp.delivered_mpps = 0.9;
    lp.loss_ratio = 0.025;
    d.paths[0].size = 66;
    // Each direction's figures distinct from each other and from the combined ones.
    const latency = (b: number) => ({
      min: b,
      mean: b + 1,
      p50: b + 2,
      p90: b + 3,
      p99: b + 4,
      p999: b + 5,
      max: b + 6,
    });
    lp.per_direction = {
      rx: { offered_mpps: 0.46, delivered_mpps: 0.44, loss_ratio: 0.04, latency_us: latency(10) },
      tx: { offered_mpps: 0.4635, delivered_mpps: 0.46, loss_ratio: 0.0075, latency_us: latency(20) },
    };
    // The figures a load sweep plots, each distinct.
    lp.offered_gbps = 0.62;
    lp.delivered_gbps = 0.6048;
    lp.conservation = {
      sent: 1000,
      delivered: 974,
      dropped: { "NIC switch: no descriptor": 20, "ring full": 5 },
      in_flight: 1,
      copies: 0,
      ok: true,
    };
    lp.cpu = [{ ...lp.cpu[0]!, work_utilization: 0.45 }];
    lp.events_per_s = { interrupts: 1, vm_exits: 2, injections: 3, wakeups: 4, kicks: 5, notifications: 6 };
    lp.above_capacity = {
      resource: "host-core0",
      basis: "work",
      work_share: 1.25,
      ns_per_packet: 500,
      cycles_per_packet: 1500,
      capacity_mpps: 1.95,
    };
    const [head, ...rows] = parseCsv(pathsCsv(d));
    expect(head).toEqual([...PATHS_CSV_HEADER]);
    expect(rows).toHaveLength(3);
    expect(Object.fromEntries(head.map((h, i) => [h, rows[1][i]]))).toEqual({
      path: "native",
      direction: "rx",
      size: "66",
      ndr_mpps: "1.84705",
      ndr_gbps: "1.2412176",
      pdr_mpps: "1.9",
      pdr_gbps: "1.2768",
      bottleneck: "host-core0",
      load_fraction_of_ndr: "0.5",
      offered_mpps: "0.9235",
      delivered_mpps: "0.9",
      loss_ratio: "0.025",
      p50_us: "30",
      p90_us: "40",
      p99_us: "50",
      p999_us: "55",
      profile: "bhyve",
      seed: "7",
      faults: "",
      frame_bytes: "64",
      line_rate_mpps: "14.880952380952381",
      pdr_loss_ratio: "0.005",
      precision_of_line_rate: "0.01",
      trial_ms: "1",
      trial_frames: "",
      final_trial_ms: "11.3152",
      link_gbps: "10",
      arrival: "constant",
      point_bottleneck: "host-core0",
      point_bottleneck_utilization: "0.5",
      point_bottleneck_cycles_per_packet: "1500",
      mean_us: "31.25",
      max_us: "61.5",
      point_bottleneck_per_packet_unit: "cycles",
      min_us: "",
      rx_offered_mpps: "0.46",
      rx_delivered_mpps: "0.44",
      rx_loss_ratio: "0.04",
      rx_min_us: "10",
      rx_mean_us: "11",
      rx_p50_us: "12",
      rx_p90_us: "13",
      rx_p99_us: "14",
      rx_p999_us: "15",
      rx_max_us: "16",
      tx_offered_mpps: "0.4635",
      tx_delivered_mpps: "0.46",
      tx_loss_ratio: "0.0075",
      tx_min_us: "20",
      tx_mean_us: "21",
      tx_p50_us: "22",
      tx_p90_us: "23",
      tx_p99_us: "24",
      tx_p999_us: "25",
      tx_max_us: "26",
      rate: "",
      offered_gbps: "0.62",
      delivered_gbps: "0.6048",
      sent_frames: "1000",
      delivered_frames: "974",
      dropped_frames: "25",
      in_flight_frames: "1",
      point_bottleneck_work_utilization: "0.45",
      above_capacity_resource: "host-core0",
      above_capacity_basis: "work",
      above_capacity_work_share_ratio: "1.25",
      capacity_mpps: "1.95",
      interrupts_per_s: "1",
      vm_exits_per_s: "2",
      injections_per_s: "3",
      wakeups_per_s: "4",
      kicks_per_s: "5",
      notifications_per_s: "6",
      point_bottleneck_work_cycles_per_packet: "1500",
      point_bottleneck_poll_cycles_per_packet: "0",
      window_frames: "", // an open loop
      mtu_bytes: "", // a document from before the MTU was recorded
    });
  });

  it("a closed loop's rows say its window, appended last, the columns before it in their places", () => {
    const open = PATHS_CSV_HEADER.slice(0, PATHS_CSV_HEADER.indexOf("window_frames"));
    expect(open.at(-1)).toBe("point_bottleneck_poll_cycles_per_packet");
    const d = pathsDoc();
    d.load = { loop: "closed", window: 60 };
    d.rate = "100%";
    const [head, ...rows] = parseCsv(pathsCsv(d));
    expect(rows.map((r) => [r[head.indexOf("rate")], r[head.indexOf("window_frames")]])).toEqual(
      rows.map(() => ["100%", "60"]),
    );
  });

  it("each row says the MTU the paths ran at (mtu_bytes, appended last), as --json does", () => {
    // Without it a row at 1518 B from a run at --mtu 9000 read as one at the default 1500.
    expect(PATHS_CSV_HEADER.at(-1)).toBe("mtu_bytes");
    expect(PATHS_CSV_HEADER.indexOf("mtu_bytes")).toBe(PATHS_CSV_HEADER.indexOf("window_frames") + 1);
    const d = pathsDoc();
    d.mtu_bytes = 9000;
    const [head, ...rows] = parseCsv(pathsCsv(d));
    expect(rows.map((r) => r[head.indexOf("mtu_bytes")])).toEqual(rows.map(() => "9000"));
  });

  it("a document from before delivered_gbps: the offered Gbit/s scaled by the delivered share", () => {
    const d = pathsDoc();
    const lp = d.paths[0].load_points[1];
    lp.offered_mpps = 2;
    lp.offered_gbps = 1.5;
    lp.delivered_mpps = 1;
    const [head, , row] = parseCsv(pathsCsv(d));
    expect(row[head.indexOf("delivered_gbps")]).toBe("0.75");
    // No above-capacity verdict: its cells are empty, not 0.
    expect(row[head.indexOf("capacity_mpps")]).toBe("");
    expect(row[head.indexOf("dropped_frames")]).toBe("0");
  });

  it("appends min_us after the columns before it (empty when the results do not carry it)", () => {
    expect(PATHS_CSV_HEADER.indexOf("min_us")).toBe(
      PATHS_CSV_HEADER.indexOf("point_bottleneck_per_packet_unit") + 1,
    );
    const d = pathsDoc();
    const lp = d.paths[0].load_points[1];
    const [head0, ...rows0] = parseCsv(pathsCsv(d));
    expect(rows0[1][head0.indexOf("min_us")]).toBe("");
    lp.latency_us = lp.latency_us && { ...lp.latency_us, min: 2.5 };
    const [head, ...rows] = parseCsv(pathsCsv(d));
    expect(rows[1][head.indexOf("min_us")]).toBe("2.5");
    expect(rows[1][head.indexOf("max_us")]).toBe("61.5");
  });
});
