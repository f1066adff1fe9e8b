// The zod schema of `iovsim steering --json` (schema iovsim.steering/2, written by
// src/report/steering-table.ts steeringJson; documented in docs/steering-json.md). Figures in
// `results` are simulated (virtual time); `simulator` is wall clock.
import { z } from "zod";
import { faultRecord } from "./paths-json.ts";

export const STEERING_SCHEMA_ID = "iovsim.steering/2";

const nonneg = z.number().nonnegative();
const share = z.number().min(0).max(1);
// min: the exact smallest latency (optional: absent in files written before it was reported).
const latency = z.strictObject({ p50: nonneg, p99: nonneg, min: nonneg.optional() });

const steeringResult = z.strictObject({
  strategy: z.string().min(1),
  traffic: z.string().min(1),
  queues: z.number().int().positive(),
  /** Why this row was not simulated (NIC limits), else null. */
  skipped: z.string().nullable(),
  per_queue: z.array(nonneg),
  jain: share,
  max_over_mean: nonneg,
  reordered: z.number().int().nonnegative(),
  split_pairs: z.number().int().nonnegative(),
  drops: z.record(z.string(), z.number().int().nonnegative()),
  loss_ratio: share,
  offered_mpps: nonneg,
  delivered_mpps: nonneg,
  wire_gbps: nonneg,
  ndr_mpps: nonneg.nullable(),
  ndr_gbps: nonneg.nullable(),
  line_rate_mpps: nonneg,
  latency_us: latency,
  utilization: z.strictObject({
    busiest_core: share,
    dispatcher: share.nullable(),
    nic: share,
    wire: share,
  }),
  bottleneck: z.string(),
  rules: z
    .strictObject({
      source: z.enum(["port", "derived"]),
      count: z.number().int().nonnegative(),
      entries: z.number().int().nonnegative(),
      matched_flows: z.number().int().nonnegative(),
      fallback_flows: z.number().int().nonnegative(),
      /** Of matched_flows, those a drop rule matched (optional: absent in files written before
       *  it was counted). */
      dropped_flows: z.number().int().nonnegative().optional(),
    })
    .nullable(),
  at: z.enum(["rate", "ndr"]),
  at_ndr: z
    .strictObject({
      per_queue: z.array(nonneg),
      jain: share,
      latency_us: latency,
      busiest_core: share,
      dispatcher: share.nullable(),
    })
    .optional(),
  conservation_ok: z.boolean(),
  /** The NIC's filters dropped every frame of the row's trials: no NDR (optional: absent in
   *  files written before it was reported). */
  all_filtered: z.boolean().optional(),
  /** With --inject-fault: what each fault did in this row's simulation. */
  faults: z.array(faultRecord).optional(),
});

export const steeringJsonSchema = z.strictObject({
  schema: z.literal(STEERING_SCHEMA_ID),
  version: z.string().min(1),
  profile: z.string().min(1),
  nic: z.string().min(1),
  link_gbps: z.number().positive(),
  frames_per_trial: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  simulated: z.string(),
  notes: z.array(z.string()),
  /** Each traffic mix's frame size with FCS (headers plus payload): what line rate and every
   *  Mpps figure of its rows are computed at. */
  mixes: z.array(
    z.strictObject({
      traffic: z.string().min(1),
      /** Mean over the frames a run offers (the simulation's own draw). */
      mean_bytes: z.number().positive(),
      min_bytes: z.number().int().positive(),
      max_bytes: z.number().int().positive(),
      /** Payload inside the innermost headers (generated mixes: 32), null where it is not one
       *  figure (esp's opaque body, the interleaved mix, a capture). */
      payload_bytes: z.number().int().nonnegative().nullable(),
      /** IP version of the user's packets (inner) and of the underlay (outer), --ip; null where a
       *  mix has no such header, the whole field null for a capture; absent before --ip. */
      ip: z
        .strictObject({
          inner: z.enum(["ipv4", "ipv6"]).nullable(),
          outer: z.enum(["ipv4", "ipv6"]).nullable(),
        })
        .nullable()
        .optional(),
      /** A capture (pcap:FILE): its records the reader dropped and frames left out before the
       *  engine, by reason (`{}`: none); absent for generated mixes and in older files. */
      dropped_before_engine: z.record(z.string(), z.number().int().positive()).optional(),
    }),
  ),
  results: z.array(steeringResult),
  /** With --inject-fault: the faults as given (defaults filled in), and one record per
   *  simulation a fault touched, with the row it belongs to. */
  injected_faults: z.array(z.string()).optional(),
  faults: z
    .array(
      faultRecord.extend({
        strategy: z.string().min(1),
        traffic: z.string().min(1),
        queues: z.number().int().positive(),
        rate_mpps: nonneg,
      }),
    )
    .optional(),
  simulator: z.strictObject({
    frames: z.number().int().nonnegative(),
    events: z.number().int().nonnegative(),
    wall_s: nonneg,
    simulations: z.number().int().nonnegative(),
  }),
});

export type SteeringJson = z.infer<typeof steeringJsonSchema>;
