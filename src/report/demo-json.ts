// `iovsim demo --json` (schema iovsim.demo/1, docs/demo-json.md), its CSV (one row per figure:
// section, item, metric, value) and its HTML report input. The paths part is a whole
// `iovsim.paths/2` document; every figure outside its `simulator` block is simulated.
import { z } from "zod";
import { type CsvValue, toCsv } from "./csv.ts";
import { pathsConditions } from "./html/conditions.ts";
import type { ReportInputJson, SteeringResult } from "./html/types.ts";
import { type PathsJson, pathsJsonSchema, toolSchema } from "./paths-json.ts";

export const DEMO_SCHEMA = "iovsim.demo/1";

const count = z.number().int().nonnegative();

/** The demo's steering part: (a) one tunnel endpoint pair, (b) one generator instance per VF MAC. */
export const DEMO_REGIMES = ["one-tunnel", "instances"] as const;

const steeringRun = z.strictObject({
  regime: z.enum(DEMO_REGIMES),
  traffic: z.string().min(1),
  /** Strategy id (docs/steering.md) and the name the demo prints. */
  strategy: z.string().min(1),
  strategy_name: z.string().min(1),
  /** Frames each core received, from the NIC switch's queue counters. */
  per_core_frames: z.array(count).min(1),
  jain: z.number().min(0).max(1),
  max_over_mean: z.number().nonnegative(),
  /** RFC 2544 NDR simulated on the engine (Mpps); null when no lossless load was found. */
  ndr_mpps: z.number().nonnegative().nullable(),
  bottleneck: z.string(),
  /** min: the fastest frame (steering keeps every latency); optional for documents without it. */
  latency_us: z.strictObject({
    min: z.number().nonnegative().optional(),
    p50: z.number().nonnegative(),
    p99: z.number().nonnegative(),
  }),
});

export const demoJsonSchema = z.strictObject({
  schema: z.literal(DEMO_SCHEMA),
  tool: toolSchema,
  /** 1. The embedded configuration. */
  config: z.strictObject({ file: z.string().min(1), text: z.string().min(1) }),
  /** 2. The VFs the control plane created. */
  pf: z.string().min(1),
  vfs: z.array(
    z.strictObject({
      index: count,
      name: z.string().min(1),
      mac: z.string(),
      /** Where the VF went: a vnet jail (host driver), a bhyve VM, or passthrough not attached. */
      use: z.enum(["vnet-jail", "bhyve-vm", "passthrough-unattached"]),
      vm: z.string().nullable(),
    }),
  ),
  /** 3. and 4. The packet paths and the pings, as `iovsim paths --json` writes them. */
  paths: pathsJsonSchema,
  /** 5. Steering tunnelled traffic over `cores` cores. */
  steering: z.strictObject({
    cores: z.number().int().positive(),
    flows: z.number().int().positive(),
    frames_per_run: z.number().int().positive(),
    profile: z.string().min(1),
    runs: z.array(steeringRun),
  }),
  /** Conservation violations and steering problems (the demo then exits 2). */
  problems: z.array(z.string()),
});

export type DemoJson = z.infer<typeof demoJsonSchema>;
export type DemoSteeringRun = z.infer<typeof steeringRun>;

export const DEMO_CSV_HEADER = ["section", "item", "metric", "value"] as const;

function pathItem(p: PathsJson["paths"][number]): string {
  return `${p.name} ${p.direction} ${p.size}`;
}

/**
 * One row per figure: section "paths" (per path and size: NDR, PDR, line rate; per load point:
 * offered, delivered, loss, latency p50/p99), "ping" (per path: RTT min/avg/p50/p99/max) and
 * "steering" (per run: Jain, NDR, frames per core). All simulated.
 */
export function demoCsvRows(j: DemoJson): CsvValue[][] {
  const rows: CsvValue[][] = [];
  for (const p of j.paths.paths) {
    const item = pathItem(p);
    if (p.ndr_mpps !== null) rows.push(["paths", item, "ndr_mpps", p.ndr_mpps]);
    if (p.pdr_mpps !== null) rows.push(["paths", item, "pdr_mpps", p.pdr_mpps]);
    // No wire on the run (virtio-tap receive, vf-loopback): no line rate, no row.
    if (p.line_rate_mpps !== null) rows.push(["paths", item, "line_rate_mpps", p.line_rate_mpps]);
    for (const lp of p.load_points) {
      const at =
        lp.fraction_of_ndr !== null
          ? `${Math.round(lp.fraction_of_ndr * 100)}% NDR`
          : `${lp.offered_mpps} Mpps`;
      const li = `${item} @ ${at}`;
      rows.push(["paths", li, "offered_mpps", lp.offered_mpps]);
      rows.push(["paths", li, "delivered_mpps", lp.delivered_mpps]);
      rows.push(["paths", li, "loss_ratio", lp.loss_ratio]);
      // Nothing delivered: no latency figure, no row.
      if (lp.latency_us !== null) {
        rows.push(["paths", li, "latency_p50_us", lp.latency_us.p50]);
        rows.push(["paths", li, "latency_p99_us", lp.latency_us.p99]);
      }
    }
  }
  for (const p of j.paths.ping)
    for (const k of ["min", "avg", "p50", "p99", "max"] as const) {
      const v = p.rtt_us[k];
      // No reply: no round-trip figure (a row is a figure, as ndr_mpps when none was searched).
      if (v !== null) rows.push(["ping", p.path, `rtt_${k}_us`, v]);
    }
  for (const r of j.steering.runs) {
    const item = `${r.regime} ${r.traffic} ${r.strategy}`;
    rows.push(["steering", item, "jain", r.jain]);
    if (r.ndr_mpps !== null) rows.push(["steering", item, "ndr_mpps", r.ndr_mpps]);
    r.per_core_frames.forEach((n, i) => {
      rows.push(["steering", item, `core${i}_frames`, n]);
    });
  }
  return rows;
}

export function demoCsv(j: DemoJson): string {
  return toCsv(DEMO_CSV_HEADER, demoCsvRows(j));
}

/** The HTML report's parts: paths, ping, steering (regime in the traffic label), configuration. */
export function demoReportInput(
  j: DemoJson,
  extra: { command: string; costProfile?: ReportInputJson["cost_profile"] },
): ReportInputJson {
  const steering: SteeringResult[] = j.steering.runs.map((r) => ({
    strategy: r.strategy_name,
    traffic: `${r.traffic}, ${r.regime === "one-tunnel" ? "one tunnel" : "instances"}`,
    queues: r.per_core_frames.length,
    per_queue: r.per_core_frames,
    jain: r.jain,
    max_over_mean: r.max_over_mean,
    ndr_mpps: r.ndr_mpps,
    bottleneck: r.bottleneck,
    latency_us: r.latency_us,
  }));
  return {
    title: "iovsim demo",
    schema: j.schema,
    version: j.tool.version,
    command: extra.command,
    profile: j.paths.profile.name,
    conditions: { ...pathsConditions(j.paths), nic: j.pf },
    paths: j.paths.paths,
    ping: j.paths.ping,
    simulator: j.paths.simulator,
    steering: { results: steering },
    config: j.config,
    cost_profile: extra.costProfile,
  };
}
