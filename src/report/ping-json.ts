// `iovsim ping --json` (schema iovsim.ping/1, docs/ping-json.md), its CSV (one row per echo
// reply) and its HTML report input. Everything but `simulator` is simulated (virtual time).
import { z } from "zod";
import type { Conservation, EventTotals } from "../engine/types.ts";
import { summarizeRtts } from "../experiment/ping-stats.ts";
import { toCsv } from "./csv.ts";
import type { ReportInputJson } from "./html/types.ts";
import {
  conservationJson,
  conservationSchema,
  eventsSchema,
  rttSchema,
  type SimulatorJson,
  simulatorSchema,
  toolSchema,
} from "./paths-json.ts";
import { profileLabel } from "./profile-label.ts";

export const PING_SCHEMA = "iovsim.ping/1";

const nonneg = z.number().nonnegative();
const count = z.number().int().nonnegative();

export const pingJsonSchema = z
  .strictObject({
    schema: z.literal(PING_SCHEMA),
    tool: toolSchema,
    path: z.string().min(1),
    profile: z.strictObject({ name: z.string(), origin: z.string() }),
    /** The iovctl.conf whose VFs the path uses ("embedded iovctl.conf" or the -f file), or with
     *  --host where the saved host lives ("--state DIR", "$IOVSIM_STATE (DIR)"). */
    config: z.string().min(1),
    /** The host file (iovsim reset --host FILE) whose devices the run's host has; null: the
     *  embedded default host. Optional: absent in documents from before it was added. */
    host_file: z.string().nullable().optional(),
    count: z.number().int().positive(),
    interval_ms: z.number().positive(),
    seed: z.number().int().nonnegative(),
    transmitted: count,
    received: count,
    loss_percent: z.number().min(0).max(100),
    /** Every figure null when no reply came back (no round trip to time). */
    rtt_us: rttSchema,
    /** One entry per reply, in order; `seq` is null when a request went unanswered (then unknown). */
    echoes: z.array(z.strictObject({ seq: count.nullable(), rtt_us: nonneg })),
    /** Event counts over the whole run (not per second). */
    events: eventsSchema,
    conservation: conservationSchema,
    simulator: simulatorSchema,
  })
  .refine((j) => (j.received === 0) === (j.rtt_us.p50 === null), {
    message: "rtt_us is null exactly when no reply came back",
  });

export type PingCommandJson = z.infer<typeof pingJsonSchema>;

/** What the engine's ping returned (src/engine/ping.ts PingResult), as far as the report needs. */
export interface PingRunResult {
  path: string;
  rtt_us: number[];
  sent: number;
  received: number;
  events: EventTotals;
  conservation: Conservation;
}

export interface PingMeta {
  version: string;
  profile: { name: string; origin: string };
  config: string;
  hostFile?: string | null;
  count: number;
  intervalMs: number;
  seed: number;
}

export function buildPingJson(r: PingRunResult, meta: PingMeta, simulator: SimulatorJson): PingCommandJson {
  // The engine returns the answered requests' round trips in order; with every request
  // answered the i-th is icmp_seq i, else which ones were lost is not known.
  const seqKnown = r.received === r.sent;
  return {
    schema: PING_SCHEMA,
    tool: { name: "iovsim", version: meta.version },
    path: r.path,
    profile: meta.profile,
    config: meta.config,
    host_file: meta.hostFile ?? null,
    count: meta.count,
    interval_ms: meta.intervalMs,
    seed: meta.seed,
    transmitted: r.sent,
    received: r.received,
    loss_percent: r.sent > 0 ? (100 * (r.sent - r.received)) / r.sent : 0,
    rtt_us: summarizeRtts(r.rtt_us),
    echoes: r.rtt_us.map((rtt, i) => ({ seq: seqKnown ? i : null, rtt_us: rtt })),
    events: { ...r.events },
    conservation: conservationJson(r.conservation),
    simulator,
  };
}

export const PING_CSV_HEADER = ["path", "seq", "rtt_us", "profile", "seed"] as const;

/** One row per echo reply (simulated round-trip time, µs); the profile and seed on every row,
 *  as paths and steering have them, so rows of several runs stay told apart. */
export function pingCsv(j: PingCommandJson): string {
  return toCsv(
    PING_CSV_HEADER,
    j.echoes.map((e) => [j.path, e.seq, e.rtt_us, profileLabel(j.profile), j.seed]),
  );
}

/** The HTML report's ping part: the summary and every echo's RTT. */
export function pingReportPart(
  j: PingCommandJson,
): Pick<ReportInputJson, "ping" | "simulator" | "schema" | "conditions"> {
  return {
    schema: j.schema,
    conditions: { seed: j.seed },
    ping: [
      {
        path: j.path,
        rtt_us: j.rtt_us,
        transmitted: j.transmitted,
        received: j.received,
        rtts_us: j.echoes.map((e) => e.rtt_us),
      },
    ],
    simulator: j.simulator,
  };
}
