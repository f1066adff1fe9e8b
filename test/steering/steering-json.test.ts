// `iovsim steering --json` against its zod schema (docs/steering-json.md = steeringJsonSchema),
// and `--csv` rows against the JSON's results.
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { STEERING_SCHEMA_ID, steeringJsonSchema } from "../../src/report/steering-json.ts";
import { STEERING_SCHEMA } from "../../src/report/steering-table.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

const ARGS = [
  "steering",
  "--mix",
  "vxlan",
  "--strategy",
  "outer-rss,inner-rss,sw-dispatch",
  "--queues",
  "1,2",
];
const SMALL = ["--flows", "64", "--frames", "1000", "--precision", "10", "--rate", "20%"];

describe("steering --json schema", () => {
  it("output with an injected fault validates too: the document's and each row's fault records", async () => {
    const r = await cli([
      "steering",
      "--strategy",
      "outer-rss",
      "--queues",
      "2",
      "--frames",
      "500",
      "--rate",
      "30%",
      "--no-ndr",
      "--json",
      "--inject-fault",
      "sink-stall",
    ]);
    // Exit 3: the run completed with injected faults (docs/reliability.md).
    expect(r.code, r.err).toBe(3);
    const j = steeringJsonSchema.parse(JSON.parse(r.out));
    expect(j.injected_faults).toEqual(["sink-stall:queue=0,at=20%,for=50%"]);
    expect(j.faults?.[0]).toMatchObject({ kind: "sink-stall", strategy: "outer-rss", queues: 2 });
    expect(j.results.some((x) => x.faults?.[0]?.kind === "sink-stall")).toBe(true);
  });

  it("real output validates; --csv has one row per result", async () => {
    expect(STEERING_SCHEMA_ID).toBe(STEERING_SCHEMA);
    const r = await cli([...ARGS, ...SMALL, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = steeringJsonSchema.parse(JSON.parse(r.out));
    expect(j.results).toHaveLength(6);
    // With --rate and the NDR search, each row is at the rate and carries its NDR trial apart.
    for (const x of j.results) {
      expect(x.at).toBe("rate");
      expect(x.at_ndr?.per_queue).toHaveLength(x.queues);
    }
    const c = await cli([...ARGS, ...SMALL, "--csv"]);
    expect(c.code).toBe(0);
    expect(c.err).toMatch(/^simulator speed \(wall clock on this machine, not a simulated figure\)/m);
    const [head, ...rows] = parseCsv(c.out); // strict RFC 4180: CRLF, header first, no comments
    expect(c.out.endsWith("\r\n")).toBe(true);
    expect(head.slice(0, 3)).toEqual(["traffic", "strategy", "queues"]);
    const at = head.indexOf("profile");
    expect(head.slice(at, at + 7)).toEqual([
      "profile",
      "seed",
      "faults",
      "at",
      "offered_mpps",
      "latency_min_us",
      "dropped_flows_count",
    ]);
    // Appended after those: the mix's IP versions and the rest of the operating point.
    expect(head.slice(at + 7)).toEqual([
      "ip_inner",
      "ip_outer",
      "mean_frame_bytes",
      "delivered_mpps",
      "offered_gbps",
      "nic_util",
      "wire_util",
      "bottleneck",
      // The NIC and its line rate, so rows of different NICs stay apart (nufresh).
      "nic",
      "link_gbps",
    ]);
    const s = (v: unknown) => (v === null || v === undefined ? "" : String(v));
    const col = (row: string[], name: string) => row[head.indexOf(name)];
    expect(rows).toHaveLength(j.results.length);
    rows.forEach((row, i) => {
      const x = j.results[i];
      expect([col(row, "traffic"), col(row, "strategy"), col(row, "queues")]).toEqual([
        x.traffic,
        x.strategy,
        String(x.queues),
      ]);
      expect(col(row, "ndr_mpps")).toBe(s(x.ndr_mpps));
      expect(col(row, "jain")).toBe(s(x.jain));
      expect(col(row, "at")).toBe(x.at);
      expect(col(row, "offered_mpps")).toBe(s(x.offered_mpps));
      expect(col(row, "latency_p99_us")).toBe(s(x.latency_us.p99));
      expect(col(row, "latency_min_us")).toBe(s(x.latency_us.min));
      expect(col(row, "dispatcher_util")).toBe(s(x.utilization.dispatcher));
      expect(col(row, "per_queue")).toBe(x.per_queue.join(" "));
      expect(col(row, "profile")).toBe(j.profile);
      expect(col(row, "seed")).toBe(String(j.seed));
      expect(col(row, "faults")).toBe("");
    });
  }, 120_000);
});
