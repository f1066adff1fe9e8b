// Human table, JSON document and CSV of a steering report (shared by `iovsim steering` and the demo).
import Table from "cli-table3";
import type { SteeringReport, SteeringRow } from "./compare.ts";
import { STEERING_MODEL, STEERING_MODEL_SOURCES } from "./model.ts";

export function steeringTable(rows: readonly SteeringRow[], opts: { regimeColumn?: boolean } = {}): string {
  const withRegime = opts.regimeColumn ?? true;
  const t = new Table({
    head: [
      "traffic",
      ...(withRegime ? ["regime"] : []),
      "strategy",
      "frames per core",
      "Jain",
      "measured Mpps (sim)",
      "modeled Mpps",
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows) {
    t.push([
      r.encap,
      ...(withRegime ? [r.regime] : []),
      r.strategyName,
      r.perQueue.join(" / "),
      r.jain.toFixed(3),
      r.measuredMpps.toFixed(2),
      `${r.modeledMpps.toFixed(1)}${r.modeledBottleneck === "dispatcher" ? " (dispatcher)" : ""}`,
    ]);
  }
  return `${t.toString()}\n`;
}

export function steeringNotes(report: SteeringReport): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of report.rows) {
    const k = `${r.encap}/${r.regime}`;
    if (seen.has(k)) continue;
    seen.add(k);
    lines.push(`  ${k}: ${r.trafficNote} (mean ${r.meanFrameBytes.toFixed(0)} B)`);
  }
  const n = report.options.queues;
  return [
    "traffic:",
    ...lines,
    `strategies (n = ${n}): single queue = one VF, 1 Rx queue (n-1 cores idle); outer/inner RSS = one VF with ${n} queues, RSS level outer/inner;`,
    `  MAC-based VF steering = ${n} VFs with unique MACs, 1 queue each; software dispatch = one VF, 1 queue + a dispatcher hashing the inner tuple to ${n} worker rings`,
    report.options.dispatchThreads && report.options.engine === "wasm"
      ? `  (dispatcher and ${n} workers on worker threads; the switch runs in the main thread).`
      : "  (dispatcher and workers run inline in the switch's thread: its measured rate is one thread's).",
    "frames per core: from the switch's queue counters (dispatch: the worker rings); Jain = (Σx)²/(n·Σx²), anchors §4.3.",
    "measured Mpps (sim): wall-clock rate of this run through the simulator (inject + switch + drain), not a NIC's rate.",
    `modeled Mpps: ${STEERING_MODEL.coreMpps} Mpps per core × n × (mean/max per-core load), software dispatch capped at ${STEERING_MODEL.dispatcherMpps} Mpps (one dispatcher thread); src/steering/steering-model.json cites the sources.`,
    "",
  ].join("\n");
}

export function steeringJson(report: SteeringReport): string {
  const doc = {
    kind: "iovsim-steering",
    version: 1,
    options: report.options,
    model: {
      label: "modeled",
      core_mpps: STEERING_MODEL.coreMpps,
      dispatcher_mpps: STEERING_MODEL.dispatcherMpps,
      sources: STEERING_MODEL_SOURCES,
    },
    rows: report.rows.map((r) => ({
      encap: r.encap,
      regime: r.regime,
      strategy: r.strategy,
      strategy_name: r.strategyName,
      per_queue: r.perQueue,
      jain: r.jain,
      measured_simulator_mpps: r.measuredMpps,
      modeled_mpps: r.modeledMpps,
      modeled_bottleneck: r.modeledBottleneck,
      mean_frame_bytes: r.meanFrameBytes,
      traffic: r.trafficNote,
      threads: r.threads,
      conservation: r.conservation,
    })),
    problems: report.problems,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function csvField(v: string | number | boolean): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function steeringCsv(report: SteeringReport): string {
  const n = report.options.queues;
  const head = [
    "encap",
    "regime",
    "strategy",
    ...Array.from({ length: n }, (_, i) => `q${i}`),
    "jain",
    "measured_simulator_mpps",
    "modeled_mpps",
    "modeled_bottleneck",
    "conservation_ok",
  ];
  const lines = [head.join(",")];
  for (const r of report.rows) {
    lines.push(
      [
        r.encap,
        r.regime,
        r.strategy,
        ...r.perQueue,
        r.jain.toFixed(6),
        r.measuredMpps.toFixed(4),
        r.modeledMpps.toFixed(3),
        r.modeledBottleneck,
        r.conservationOk,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}
