// Reports for `iovsim paths` / `ping` / `demo`: a table, JSON and CSV. Every number says
// whether it is measured (the simulator's own wall-clock rate) or modeled (cost profile).
import Table from "cli-table3";
import type { PathRow, PingRow } from "../paths/compare.ts";

export interface PathsReport {
  tool: string;
  version: string;
  profile: { name: string; origin: string };
  link_gbps: number;
  workers: number;
  seconds_per_run: number;
  /** rx: the wire sends to the consumer; tx: the consumer sends; both: one run, two rows. */
  direction: string;
  /** Warnings about numbers that cannot mean much (no frame delivered, unchecked replay). */
  warnings: string[];
  paths: Array<{
    name: string;
    direction: "rx" | "tx";
    size: number;
    measured: {
      mpps: number;
      gbps: number;
      frames_delivered: number;
      wall_seconds: number;
      sim_latency_ns: { p50: number; p99: number };
      conservation: {
        sent: number;
        delivered: number;
        dropped: Record<string, number>;
        in_flight: number;
        /** Extra copies replication made (bridge floods to several ports); absent when none. */
        copies?: number;
        ok: boolean;
      };
      integrity: { bad: number; reordered: number; gaps: number };
      events: Record<string, number>;
      /** false for pcap replay: frames carry no stamp, sinks only count them. */
      integrity_checked: boolean;
      workers: string[][];
      failures: string[];
    };
    modeled: {
      mpps: number;
      gbps: number;
      cycles_per_packet: number;
      per_cpu: Array<{ cpu: string; cycles_per_packet: number; mpps: number }>;
      bottleneck: string;
      line_rate_mpps: number;
      latency_us: { p50: number; p99: number };
      vm_exits_per_packet: number;
      injections_per_packet: number;
    };
  }>;
  ping: Array<{ path: string; modeled_rtt_us: number; ratio_to_native: number }>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function buildReport(
  rows: PathRow[],
  ping: PingRow[],
  meta: {
    version: string;
    profile: { name: string; origin: string };
    linkGbps: number;
    workers: number;
    seconds: number;
    direction?: string;
    replay?: boolean;
  },
): PathsReport {
  const warnings: string[] = [];
  if (meta.replay)
    warnings.push(
      "pcap replay: replayed frames carry no stamp, so sinks count them but cannot check sequence or integrity (integrity_checked: false)",
    );
  for (const r of rows) {
    const got = r.direction === "tx" ? r.run.txCounts.packets : r.run.counts.packets;
    if (got === 0)
      warnings.push(
        `${r.name} ${r.direction} ${r.size} B: no frame reached the far end, so the modeled columns have no event counts to work from (shown as n/a); see the conservation drops`,
      );
  }
  return {
    tool: "iovsim",
    version: meta.version,
    profile: meta.profile,
    link_gbps: meta.linkGbps,
    workers: meta.workers,
    seconds_per_run: meta.seconds,
    direction: meta.direction ?? "rx",
    warnings,
    paths: rows.map((r) => {
      const counts = r.direction === "tx" ? r.run.txCounts : r.run.counts;
      const n = Math.max(1, counts.packets);
      const mpps = r.direction === "tx" ? r.run.txMeasuredMpps : r.run.measuredMpps;
      return {
        name: r.name,
        direction: r.direction,
        size: r.size,
        measured: {
          mpps: r3(mpps),
          gbps: r3((mpps * (r.size + 20) * 8) / 1e3),
          frames_delivered: counts.packets,
          wall_seconds: r3(r.run.wallSeconds),
          sim_latency_ns: { p50: r.run.simLatencyNs.p50, p99: r.run.simLatencyNs.p99 },
          conservation: {
            sent: r.run.conservation.sent,
            delivered: r.run.conservation.delivered,
            dropped: r.run.conservation.dropped,
            in_flight: r.run.conservation.inFlight,
            ...(r.run.conservation.copies ? { copies: r.run.conservation.copies } : {}),
            ok: r.run.conservation.ok,
          },
          integrity: r.run.integrity,
          events: { ...counts },
          integrity_checked: !meta.replay,
          workers: r.run.schedule,
          failures: r.run.failures,
        },
        modeled: {
          mpps: r3(r.model.mpps),
          gbps: r3(r.model.gbps),
          cycles_per_packet: Math.round(r.model.cyclesPerPacket),
          per_cpu: r.model.cpus.map((c) => ({
            cpu: c.cpu,
            cycles_per_packet: Math.round(c.cyclesPerPacket),
            mpps: r3(c.mpps),
          })),
          bottleneck: r.model.bottleneck,
          line_rate_mpps: r3(r.model.lineRateMpps),
          latency_us: { p50: r3(r.model.latencyUs.p50), p99: r3(r.model.latencyUs.p99) },
          vm_exits_per_packet: r.model.derived.vmExits / n,
          injections_per_packet: r.model.derived.injections / n,
        },
      };
    }),
    ping: ping.map((p) => ({
      path: p.path,
      modeled_rtt_us: r3(p.modeledRttUs),
      ratio_to_native: r3(p.ratioToNative),
    })),
  };
}

const f = (x: number, d = 2) => x.toFixed(d);

export function pathsTable(rep: PathsReport): string {
  const t = new Table({
    head: [
      "path",
      "dir",
      "size",
      "measured\n(simulator)\nMpps",
      "modeled\nMpps",
      "modeled\nGbps",
      "modeled\ncycles/pkt",
      "modeled\nbottleneck",
      "modeled\nlatency µs\np50 / p99",
      "conservation",
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const p of rep.paths) {
    const c = p.measured.conservation;
    const cons = c.ok ? `ok (${c.in_flight} in flight)` : "VIOLATED";
    const none = p.measured.frames_delivered === 0; // nothing for the model to work from
    const na = "n/a";
    t.push([
      p.name,
      p.direction,
      `${p.size} B`,
      f(p.measured.mpps),
      none ? na : f(p.modeled.mpps),
      none ? na : f(p.modeled.gbps),
      none ? na : String(p.modeled.cycles_per_packet),
      none ? na : p.modeled.bottleneck,
      none ? na : `${f(p.modeled.latency_us.p50, 1)} / ${f(p.modeled.latency_us.p99, 1)}`,
      cons,
    ]);
  }
  return `${t.toString()}\n`;
}

export function pingTable(rep: PathsReport): string {
  const t = new Table({
    head: ["path", "modeled ping RTT µs", "× native (modeled)"],
    style: { head: [], border: [], compact: true },
  });
  for (const p of rep.ping) t.push([p.path, f(p.modeled_rtt_us, 1), `${f(p.ratio_to_native, 2)}×`]);
  return `${t.toString()}\n`;
}

export function pathsCsv(rep: PathsReport): string {
  const head = [
    "path",
    "direction",
    "size",
    "measured_mpps",
    "measured_gbps",
    "modeled_mpps",
    "modeled_gbps",
    "modeled_cycles_per_packet",
    "modeled_bottleneck",
    "modeled_latency_p50_us",
    "modeled_latency_p99_us",
    "modeled_ping_rtt_us",
    "conservation_ok",
    "profile",
  ];
  const lines = [head.join(",")];
  for (const p of rep.paths) {
    const ping = rep.ping.find((x) => x.path === p.name)?.modeled_rtt_us ?? "";
    lines.push(
      [
        p.name,
        p.direction,
        p.size,
        p.measured.mpps,
        p.measured.gbps,
        p.modeled.mpps,
        p.modeled.gbps,
        p.modeled.cycles_per_packet,
        p.modeled.bottleneck,
        p.modeled.latency_us.p50,
        p.modeled.latency_us.p99,
        ping,
        p.measured.conservation.ok,
        rep.profile.name,
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Loud lines for every conservation violation, integrity failure or dead worker. */
export function problems(rep: PathsReport): string[] {
  const out: string[] = [];
  for (const p of rep.paths) {
    const c = p.measured.conservation;
    const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    if (!c.ok) {
      out.push(
        `CONSERVATION VIOLATED on ${p.name} ${p.size} B: sent ${c.sent} != delivered ${c.delivered} + dropped ${dropped} + in flight ${c.in_flight}`,
      );
    }
    if (p.measured.integrity.bad > 0)
      out.push(`INTEGRITY: ${p.name} ${p.size} B delivered ${p.measured.integrity.bad} corrupted frames`);
    for (const w of p.measured.failures) out.push(`WORKER FAILURE on ${p.name} ${p.size} B: ${w}`);
  }
  return out;
}
