// `iovsim switch --json` (schema iovsim.switch/1, docs/switch-json.md), its CSV (one row per
// counter: port, per function, per queue, and drops by reason) and its HTML report input.
// These are counts of what the NIC's switch did with the frames given; no timing.
import { z } from "zod";
import { MAX_MTU, MIN_MTU } from "../switch/program.ts";
import { type CsvValue, toCsv } from "./csv.ts";
import type { SwitchCountersJson } from "./html/types.ts";
import { toolSchema } from "./paths-json.ts";

export const SWITCH_SCHEMA = "iovsim.switch/1";

/**
 * The `mtu` field of --json and counters.json, one rule for both: `{mtu: {PORT: N}}` in the order
 * given, or nothing without --mtu (every function at 1500).
 */
export function mtuField(mtu: ReadonlyArray<{ port: string; mtu: number }> | undefined): {
  mtu?: Record<string, number>;
} {
  return mtu?.length ? { mtu: Object.fromEntries(mtu.map((m) => [m.port, m.mtu])) } : {};
}

const count = z.number().int().nonnegative();
const counterSet = z.record(z.string(), count);

export const switchJsonSchema = z.strictObject({
  schema: z.literal(SWITCH_SCHEMA),
  tool: toolSchema,
  /** The data plane that ran: the Wasm kernels or the TypeScript reference. */
  engine: z.string().min(1),
  /** The iovctl.conf given with -f. */
  config: z.string().min(1),
  pf: z.string().min(1),
  vfs: count,
  rss: z.enum(["outer", "inner"]),
  inputs: z.array(z.strictObject({ port: z.string().min(1), file: z.string().min(1) })),
  vxlan_ports: z.array(z.number().int().min(1).max(65535)),
  rewrite_dst: z.string().nullable(),
  promisc: z.array(z.string()),
  /** --mtu PORT=N: the MTU each named port's driver runs at; absent without --mtu (every port at 1500). */
  mtu: z.record(z.string(), z.number().int().min(MIN_MTU).max(MAX_MTU)).optional(),
  /** --out DIR the captures and counters.json went to; null when none was given. */
  out: z.string().nullable(),
  /** Per input port / function, as the summary table shows them. */
  functions: z.array(
    z.strictObject({
      name: z.string().min(1),
      /** Frames replayed from this port's input file. */
      offered: count,
      /** Copies received into this function's queues; for "wire": frames that left through the port. */
      received: count,
      /** Frames this function sent that left through the wire; null for "wire". */
      to_wire: count.nullable(),
      dropped: count,
    }),
  ),
  /** Frames that left through the physical port (wire.pcap). */
  wire_out: count,
  /** Whole frames dropped, by reason. */
  frame_drops: counterSet,
  /** Single copies dropped (a multicast copy to one pool), by reason. */
  copy_drops: counterSet,
  skipped_non_ethernet: count,
  snaplen_cut: count,
  /** Records the capture readers counted and dropped (a pcapng interface no IDB declared). */
  records_dropped: count,
  /** Inputs cut short (a killed tcpdump): their whole records were replayed, the rest left out. */
  corrupt_tails: z.array(
    z.strictObject({
      port: z.string().min(1),
      file: z.string().min(1),
      /** Byte offset where the capture stops being whole. */
      offset: count,
      bytes_left_out: count,
      whole_records: count,
    }),
  ),
  conservation: z.strictObject({ ok: z.boolean(), violations: z.array(z.string()) }),
  counters: z.strictObject({
    /** Port counters; rx_size is an object of size buckets. */
    port: z.record(z.string(), z.union([count, counterSet])),
    /** Pool counters per function: "PF", "VF-0", ... */
    pools: z.record(z.string(), counterSet),
    /** Receive-queue counters per function, queue 0 first. */
    queues: z.record(z.string(), z.array(counterSet)),
  }),
});

export type SwitchJson = z.infer<typeof switchJsonSchema>;

/** What one replay produced (src/cli/switch-run.ts RunResult), as far as the report needs. */
export interface SwitchRunLike {
  engine: string;
  pf: { name: string; vfs: readonly unknown[] };
  config: { pools: ReadonlyArray<{ kind: string; name: string }> };
  wire: readonly unknown[];
  tallies: ReadonlyArray<{
    name: string;
    offered: number;
    received: number;
    toWire: number;
    dropped: number;
  }>;
  dropReasons: Record<string, number>;
  copyDropReasons: Record<string, number>;
  counters: { port: object; pools: readonly object[]; queues: ReadonlyArray<readonly object[]> };
  conservation: string[];
  skippedNonEthernet: number;
  snaplenCut: number;
  recordsDropped: number;
  corruptTails: ReadonlyArray<{
    port: string;
    file: string;
    offset: number;
    bytesLeftOut: number;
    wholeRecords: number;
  }>;
}

export interface SwitchMeta {
  version: string;
  config: string;
  rss: "outer" | "inner";
  inputs: Array<{ port: string; file: string }>;
  vxlanPorts: number[];
  rewriteDst?: string;
  promisc: string[];
  /** --mtu PORT=N, in the order given. */
  mtu?: ReadonlyArray<{ port: string; mtu: number }>;
  out?: string;
}

type Counters = Record<string, number>;

export function buildSwitchJson(r: SwitchRunLike, meta: SwitchMeta): SwitchJson {
  const fnName = (i: number) => (r.config.pools[i].kind === "pf" ? "PF" : r.config.pools[i].name);
  return {
    schema: SWITCH_SCHEMA,
    tool: { name: "iovsim", version: meta.version },
    engine: r.engine,
    config: meta.config,
    pf: r.pf.name,
    vfs: r.pf.vfs.length,
    rss: meta.rss,
    inputs: meta.inputs.map((x) => ({ port: x.port, file: x.file })),
    vxlan_ports: [...meta.vxlanPorts],
    rewrite_dst: meta.rewriteDst ?? null,
    promisc: [...meta.promisc],
    ...mtuField(meta.mtu),
    out: meta.out ?? null,
    functions: r.tallies.map((t) => ({
      name: t.name,
      offered: t.offered,
      received: t.name === "wire" ? r.wire.length : t.received,
      to_wire: t.name === "wire" ? null : t.toWire,
      dropped: t.dropped,
    })),
    wire_out: r.wire.length,
    frame_drops: { ...r.dropReasons },
    copy_drops: { ...r.copyDropReasons },
    skipped_non_ethernet: r.skippedNonEthernet,
    snaplen_cut: r.snaplenCut,
    records_dropped: r.recordsDropped,
    corrupt_tails: r.corruptTails.map((t) => ({
      port: t.port,
      file: t.file,
      offset: t.offset,
      bytes_left_out: t.bytesLeftOut,
      whole_records: t.wholeRecords,
    })),
    conservation: { ok: r.conservation.length === 0, violations: [...r.conservation] },
    counters: {
      port: structuredClone(r.counters.port) as Record<string, number | Counters>,
      pools: Object.fromEntries(r.counters.pools.map((c, i) => [fnName(i), { ...(c as Counters) }])),
      queues: Object.fromEntries(
        r.counters.queues.map((qs, i) => [fnName(i), qs.map((q) => ({ ...(q as Counters) }))]),
      ),
    },
  };
}

export const SWITCH_CSV_HEADER = ["scope", "function", "queue", "counter", "value"] as const;

/**
 * One row per counter: scope "port" (nested size buckets as rx_size.64 ...), "pool" (per
 * function), "queue" (per function and receive queue), "frame-drop" and "copy-drop" (by reason).
 */
export function switchCsvRows(j: SwitchJson): CsvValue[][] {
  const rows: CsvValue[][] = [];
  for (const [k, v] of Object.entries(j.counters.port)) {
    if (typeof v === "number") rows.push(["port", "", "", k, v]);
    else for (const [sub, n] of Object.entries(v)) rows.push(["port", "", "", `${k}.${sub}`, n]);
  }
  for (const [fn, cs] of Object.entries(j.counters.pools))
    for (const [k, v] of Object.entries(cs)) rows.push(["pool", fn, "", k, v]);
  for (const [fn, qs] of Object.entries(j.counters.queues))
    qs.forEach((q, i) => {
      for (const [k, v] of Object.entries(q)) rows.push(["queue", fn, i, k, v]);
    });
  for (const [k, v] of Object.entries(j.frame_drops)) rows.push(["frame-drop", "", "", k, v]);
  for (const [k, v] of Object.entries(j.copy_drops)) rows.push(["copy-drop", "", "", k, v]);
  return rows;
}

export function switchCsv(j: SwitchJson): string {
  return toCsv(SWITCH_CSV_HEADER, switchCsvRows(j));
}

/** The HTML report's "Counters per VF" input. */
export function switchReportCounters(j: SwitchJson): SwitchCountersJson {
  return {
    engine: j.engine,
    pf: j.pf,
    conservation: j.conservation,
    frameDrops: j.frame_drops,
    copyDrops: j.copy_drops,
    per_function: j.functions,
    counters: j.counters,
  };
}
