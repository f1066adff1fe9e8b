// The report's sections as data: headings, tables (HTML strings) and chart definitions. A
// section exists only when its data does. Rendering the charts and the page is index.ts's job.

import { resourceWork } from "../resource-work.ts";
import {
  type ChartDef,
  countersChart,
  cpuChart,
  cyclesChart,
  echoChart,
  eventKinds,
  fairnessChart,
  latencyChart,
  pathLabel,
  perQueueCharts,
  pingChart,
  scalingCharts,
  throughputChart,
} from "./charts.ts";
import { conditionRows } from "./conditions.ts";
import { escapeHtml, formatNumber, formatPercent, formatRunSize } from "./format.ts";
import type {
  Conditions,
  CpuUse,
  FidelityRow,
  LoadPoint,
  PathResult,
  ReportInput,
  SensitivityRow,
} from "./types.ts";

export type SectionPart = { html: string } | { charts: ChartDef[] };

export interface Section {
  id: string;
  title: string;
  /** "simulated": figures from virtual time; "speed": wall-clock simulator speed; null: neither. */
  badge: "simulated" | "speed" | null;
  parts: SectionPart[];
}

interface Column {
  head: string;
  text?: boolean;
  cls?: string;
}

/** An HTML table; cells are escaped here. `cellClass` may style a cell (pass/fail). */
export function table(
  columns: Array<string | Column>,
  rows: Array<Array<string | number>>,
  cellClass?: (row: number, col: number) => string | undefined,
): string {
  const cols = columns.map((c) => (typeof c === "string" ? { head: c } : c));
  const head = cols
    .map((c) => `<th scope="col"${c.text ? ' class="text"' : ""}>${escapeHtml(c.head)}</th>`)
    .join("");
  const body = rows
    .map((row, r) => {
      const cells = row.map((v, i) => {
        const classes = [cols[i]?.text ? "text" : "", cols[i]?.cls ?? "", cellClass?.(r, i) ?? ""]
          .filter(Boolean)
          .join(" ");
        const text = typeof v === "number" ? formatNumber(v) : v;
        // The first cell names the row: a row header, so a screen reader announces it with each cell.
        const tag = i === 0 ? 'th scope="row"' : "td";
        return `<${tag}${classes ? ` class="${classes}"` : ""}>${escapeHtml(text)}</${i === 0 ? "th" : "td"}>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** The test-conditions table: long values wrap instead of widening the page. */
const CONDITION_COLUMNS: Column[] = [
  { head: "condition", text: true },
  { head: "value", text: true, cls: "wrap" },
];

const p = (text: string) => ({ html: `<p>${escapeHtml(text)}</p>` });

function throughputSection(
  paths: PathResult[],
  conditions: Conditions | undefined,
  notes: string[],
): Section {
  const rows = conditions ? conditionRows(conditions, paths) : [];
  const pdr = conditions?.pdr_loss !== undefined ? formatPercent(conditions.pdr_loss, 2) : null;
  // Columns a newer input carries (paths --json has them all); an older one shows what it has.
  const has = (k: "ndr_gbps" | "line_rate_mpps" | "final_trial_ms") => paths.some((x) => x[k] !== undefined);
  const cell = (v: number | null | undefined) => (typeof v === "number" ? v : "—");
  const columns: Array<string | { head: string; text?: boolean } | null> = [
    { head: "path", text: true },
    { head: "direction", text: true },
    "frame size",
    "NDR Mpps (simulated)",
    has("ndr_gbps") ? "NDR Gbit/s L1 (simulated)" : null,
    "PDR Mpps (simulated)",
    has("ndr_gbps") ? "PDR Gbit/s L1 (simulated)" : null,
    has("line_rate_mpps") ? "line rate Mpps" : null,
    has("final_trial_ms") ? "final trial ms" : null,
    { head: "bottleneck (simulated)", text: true },
  ];
  const keep = columns.map((c) => c !== null);
  return {
    id: "throughput",
    title: "Throughput per path and frame size",
    badge: "simulated",
    parts: [
      p(
        // A run at --rate (or a closed loop) searched nothing: saying it did would contradict
        // the conditions' "no throughput search" and the empty NDR and PDR cells below.
        paths.length > 0 && paths.every((x) => x.ndr_mpps === null && x.pdr_mpps === null)
          ? "No RFC 2544 throughput search in this run: each path and size ran one load point (the conditions below say which), so NDR and PDR were not measured (—). Figures are simulated (virtual time, cost profile below)."
          : `RFC 2544 throughput search on offered load: NDR is the highest rate with no loss, PDR the highest with loss ${pdr ? `up to ${pdr}` : "within the partial-drop threshold"}. Figures are simulated (virtual time, cost profile below).`,
      ),
      ...(rows.length > 0
        ? [{ html: '<h3 id="conditions">Test conditions</h3>' }, { html: table(CONDITION_COLUMNS, rows) }]
        : []),
      ...(notes.length > 0
        ? [
            {
              html: `<h3 id="notes">Notes</h3>\n<ul>\n${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}\n</ul>`,
            },
          ]
        : []),
      {
        charts: paths.some((p) => p.ndr_mpps !== null) ? [throughputChart(paths, conditions?.pdr_loss)] : [],
      },
      {
        html: table(
          columns.filter((c) => c !== null),
          paths.map((x) =>
            [
              x.name,
              x.direction,
              formatRunSize(x),
              x.ndr_mpps ?? "—",
              cell(x.ndr_gbps),
              x.pdr_mpps ?? "—",
              cell(x.pdr_gbps),
              x.line_rate_mpps === null ? "— (no wire)" : cell(x.line_rate_mpps),
              cell(x.final_trial_ms),
              x.bottleneck ?? "—",
            ].filter((_, i) => keep[i]),
          ),
        ),
      },
    ],
  };
}

/** "10 % NDR", the one load point's own name (`one`), or "—" when the input does not say. */
function loadText(fraction: number | null | undefined, one: string): string {
  if (fraction === undefined) return "—";
  return fraction === null ? one : `${Number((fraction * 100).toPrecision(3))} % NDR`;
}

/** What set a run's one load point, as the text table names it: --rate, a closed loop's window
 *  (--window, which offers no rate of its own) or the capture's timestamps (--pcap-timing). */
function oneLoadText(c: Conditions | undefined): string {
  if (c?.window !== undefined) return `closed loop, window ${c.window}`;
  if (c?.rate?.startsWith("capture timing")) return "capture timing";
  return "--rate";
}

function latencySection(paths: PathResult[], conditions: Conditions | undefined): Section {
  const one = oneLoadText(conditions);
  const hasMean = paths.some((x) => x.load_points.some((lp) => lp.latency_us?.mean !== undefined));
  const hasMin = paths.some((x) => x.load_points.some((lp) => lp.latency_us?.min !== undefined));
  const hasLoad = paths.some((x) => x.load_points.some((lp) => lp.fraction_of_ndr !== undefined));
  // Direction both: each load point's rx and tx rows follow its combined one (FD.io CSIT
  // reports bidirectional latency per direction), told apart by a direction column.
  const hasPerDirection = paths.some((x) => x.load_points.some((lp) => lp.per_direction));
  const row = (
    x: PathResult,
    lp: LoadPoint,
    dir: string,
    d: {
      offered_mpps: number;
      delivered_mpps: number;
      loss_ratio: number;
      latency_us: LoadPoint["latency_us"];
    },
  ) => {
    const l = d.latency_us;
    return [
      pathLabel(x),
      ...(hasPerDirection ? [dir] : []),
      ...(hasLoad ? [loadText(lp.fraction_of_ndr, one)] : []),
      d.offered_mpps,
      d.delivered_mpps,
      formatPercent(d.loss_ratio, 3),
      ...(hasMin ? [l?.min ?? "—"] : []),
      ...(hasMean ? [l?.mean ?? "—"] : []),
      l?.p50 ?? "—",
      l?.p90 ?? "—",
      l?.p99 ?? "—",
      l?.p999 ?? "—",
      ...(hasMean ? [l?.max ?? "—"] : []),
    ];
  };
  const rows = paths.flatMap((x) =>
    x.load_points.flatMap((lp) => [
      row(x, lp, lp.per_direction ? "both (together)" : x.direction, lp),
      ...(lp.per_direction
        ? [row(x, lp, "rx", lp.per_direction.rx), row(x, lp, "tx", lp.per_direction.tx)]
        : []),
    ]),
  );
  const fractions = [
    ...new Set(
      paths.flatMap((x) =>
        x.load_points.flatMap((lp) => (typeof lp.fraction_of_ndr === "number" ? [lp.fraction_of_ndr] : [])),
      ),
    ),
  ].sort((a, b) => a - b);
  const at =
    fractions.length > 0
      ? `at ${fractions.map((f) => `${Number((f * 100).toPrecision(3))} %`).join(", ")} of each path's NDR`
      : "at each simulated load point";
  return {
    id: "latency",
    title: "Latency against offered load",
    badge: "simulated",
    parts: [
      p(
        `One-way latency (frame on the wire to consumer done) ${at}: ${hasMean ? `${hasMin ? "minimum, " : ""}average, percentiles and maximum` : "percentiles"}, simulated. The charts plot the percentiles against the offered load (log scale)${paths.some((x) => x.ndr_mpps !== null) ? "; the dashed line marks the NDR" : ""}.${hasPerDirection ? " With both directions, a chart has a panel for both together (latency over every frame) above one for rx and one for tx on their own, all against the load offered in both directions together; in the table each load point has a row for both together (rates summed) followed by one for rx and one for tx on their own." : ""}`,
      ),
      { charts: paths.map(latencyChart) },
      {
        html: table(
          [
            { head: "path", text: true },
            ...(hasPerDirection ? [{ head: "direction", text: true }] : []),
            ...(hasLoad ? [{ head: "load", text: true }] : []),
            "offered Mpps",
            "delivered Mpps (simulated)",
            "loss (simulated)",
            ...(hasMin ? ["min µs"] : []),
            ...(hasMean ? ["avg µs"] : []),
            "p50 µs",
            "p90 µs",
            "p99 µs",
            "p99.9 µs",
            ...(hasMean ? ["max µs"] : []),
          ],
          rows,
        ),
      },
    ],
  };
}

/** Work utilization, and the polling share (busy but yielding at once to work) after it. */
function utilizationCell(c: CpuUse): string {
  const w = resourceWork(c);
  const work = formatPercent(w.workUtilization);
  return w.pollUtilization > 0 ? `${work} (+${formatPercent(w.pollUtilization)} polling)` : work;
}

/** Work per packet, and the polling per packet after it. */
function workPerPacketCell(c: CpuUse): string | number {
  const w = resourceWork(c);
  return w.pollPerPacket > 0
    ? `${formatNumber(w.workPerPacket)} (+${formatNumber(w.pollPerPacket)} polling)`
    : w.workPerPacket;
}

function cpuSection(paths: PathResult[], conditions: Conditions | undefined): Section {
  const one = oneLoadText(conditions);
  const resources = [
    ...new Set(paths.flatMap((x) => x.load_points.flatMap((lp) => lp.cpu.map((c) => c.resource)))),
  ];
  const hasLoad = paths.some((x) => x.load_points.some((lp) => lp.fraction_of_ndr !== undefined));
  const hasBottleneck = paths.some((x) => x.load_points.some((lp) => lp.bottleneck !== undefined));
  // One row per load point, one column per resource: short tables however many resources there
  // are; the point's bottleneck last, so a reader sees which resource limits it.
  // The unit of each resource's per-packet work (cpu[].cycles_per_packet_unit): CPU cycles, or
  // ns for a resource without a clock. One unit per column goes in its head; a resource whose
  // unit differs between rows (or is not given everywhere) carries it in each cell instead.
  const unitOf = (r: string): string | null => {
    const units = new Set(
      paths.flatMap((x) =>
        x.load_points.flatMap((lp) =>
          lp.cpu.filter((c) => c.resource === r).map((c) => c.cycles_per_packet_unit),
        ),
      ),
    );
    const [only] = units;
    return units.size === 1 && only !== undefined ? only : null;
  };
  const units = new Map(resources.map((r) => [r, unitOf(r)]));
  const pivot = (cell: (c: CpuUse) => string | number, withUnits = false) =>
    table(
      [
        { head: "path", text: true },
        ...(hasLoad ? [{ head: "load", text: true }] : []),
        "offered Mpps",
        ...resources.map((r) => (withUnits && units.get(r) ? `${r} (${units.get(r)})` : r)),
        ...(hasBottleneck ? [{ head: "bottleneck", text: true }] : []),
      ],
      paths.flatMap((x) =>
        x.load_points.map((lp) => [
          pathLabel(x),
          ...(hasLoad ? [loadText(lp.fraction_of_ndr, one)] : []),
          lp.offered_mpps,
          ...resources.map((r) => {
            const c = lp.cpu.find((u) => u.resource === r);
            if (!c) return "—";
            if (!withUnits || units.get(r) || c.cycles_per_packet_unit === undefined) return cell(c);
            return `${cell(c)} ${c.cycles_per_packet_unit}`;
          }),
          ...(hasBottleneck ? [lp.bottleneck ?? "—"] : []),
        ]),
      ),
    );
  const eventKeys = [
    ...new Set(paths.flatMap((x) => x.load_points.flatMap((lp) => Object.keys(lp.events_per_s ?? {})))),
  ];
  const parts: SectionPart[] = [
    p(
      "Busy virtual time of each modeled resource over the measured window doing work (polling apart: a paced sender's busy-wait, a guest's idle spin, halt polling, busy but yielding at once to work), and its work per delivered packet, at each load point: CPU cycles for a resource with a clock, ns for one without (the wire, a DMA engine), as each column says. The bottleneck is the resource that limits the point.",
    ),
    { charts: paths.filter((x) => x.load_points.some((lp) => lp.cpu.length > 0)).map(cpuChart) },
    { html: "<h3>Work utilization, polling apart (simulated)</h3>" },
    { html: pivot(utilizationCell) },
    { html: "<h3>Work per delivered packet: cycles or ns (simulated)</h3>" },
    { html: pivot(workPerPacketCell, true) },
  ];
  if (eventKeys.length > 0) {
    parts.push({ html: "<h3>Events per second (simulated)</h3>" });
    parts.push({
      html: table(
        [
          { head: "path", text: true },
          ...(hasLoad ? [{ head: "load", text: true }] : []),
          "offered Mpps",
          ...eventKeys.map((k) => `${k}/s`),
        ],
        paths.flatMap((x) =>
          x.load_points.map((lp) => [
            pathLabel(x),
            ...(hasLoad ? [loadText(lp.fraction_of_ndr, one)] : []),
            lp.offered_mpps,
            ...eventKeys.map((k) => (lp.events_per_s?.[k] !== undefined ? lp.events_per_s[k] : "—")),
          ]),
        ),
      ),
    });
  }
  return { id: "cpu", title: "CPU per resource", badge: "simulated", parts };
}

function cyclesSection(paths: PathResult[]): Section | null {
  const kinds = eventKinds(paths);
  const charts = paths.map((x) => cyclesChart(x, kinds)).filter((c): c is ChartDef => c !== null);
  if (charts.length === 0) return null;
  return {
    id: "cycles",
    title: "Cycles per packet by event kind",
    badge: "simulated",
    parts: [
      p(
        "Each resource's busy cycles per delivered packet (a resource without a clock, the wire, the NIC and PCIe, in ns: its rows say (ns)), split by the simulated event that spent them (stack, driver, interrupt, VM exit, injection, copy, ...). At low load interrupts and wake-ups dominate; as load rises polling takes over.",
      ),
      { charts },
    ],
  };
}

function pingSection(input: ReportInput): Section | null {
  const ping = input.ping ?? [];
  if (ping.length === 0) return null;
  return {
    id: "ping",
    title: "Ping round-trip times",
    badge: "simulated",
    parts: [
      p("ICMP echo exchanged at an idle operating point; the RTT includes the idle wake-up paths."),
      {
        charts: [pingChart(ping), ...ping.map(echoChart).filter((c): c is ChartDef => c !== null)],
      },
      {
        html: table(
          [
            { head: "path", text: true },
            "sent",
            "received",
            "RTT min µs",
            "RTT avg µs",
            "RTT p50 µs",
            "RTT p99 µs",
            "RTT max µs",
          ],
          ping.map((r) => [
            r.path,
            r.transmitted ?? "—",
            r.received ?? "—",
            r.rtt_us.min ?? "—",
            r.rtt_us.avg ?? "—",
            r.rtt_us.p50 ?? "—",
            r.rtt_us.p99 ?? "—",
            r.rtt_us.max ?? "—",
          ]),
        ),
      },
    ],
  };
}

/** "514 flow-rule drop, 96 ring full"; "0" when nothing was dropped. */
function dropsText(drops: Record<string, number> | undefined): string {
  const parts = Object.entries(drops ?? {})
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${formatNumber(n)} ${why}`);
  return parts.length > 0 ? parts.join(", ") : "0";
}

/** Steering rows with no figures, with the reason (the terminal's 'n/a: ...' rows). */
function notSimulatedPart(input: ReportInput): SectionPart[] {
  const rows = input.steering?.not_simulated ?? [];
  if (rows.length === 0) return [];
  return [
    { html: '<h3 id="steering-not-simulated">Rows without figures</h3>' },
    {
      html: table(
        [
          { head: "strategy", text: true },
          { head: "traffic", text: true },
          "queues",
          { head: "why", text: true },
        ],
        rows.map((r) => [r.strategy, r.traffic, r.queues, r.reason]),
      ),
    },
  ];
}

/** The run's notes under its section (steering: the mixes, saturated --rate trials, filters). */
function notesPart(notes: readonly string[]): SectionPart[] {
  if (notes.length === 0) return [];
  return [
    {
      html: `<h3 id="notes">Notes</h3>\n<ul>\n${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}\n</ul>`,
    },
  ];
}

function steeringSection(input: ReportInput): Section | null {
  const results = input.steering?.results ?? [];
  // The notes go here when no paths or counters section shows them.
  const notes = (input.paths?.length ?? 0) === 0 && !input.counters ? (input.notes ?? []) : [];
  if (results.length === 0) {
    const parts = [...notSimulatedPart(input), ...notesPart(notes)];
    if (parts.length === 0) return null;
    return {
      id: "steering",
      title: "Steering: per-queue load, fairness, scaling",
      badge: "simulated",
      parts: [p("No row has figures to chart:"), ...parts],
    };
  }
  const conditions = input.conditions ? conditionRows(input.conditions, []) : [];
  const hasGbps = results.some((r) => r.ndr_gbps !== undefined);
  const hasBottleneck = results.some((r) => r.bottleneck !== undefined);
  const hasAt = results.some((r) => r.at !== undefined);
  // Reordering is what the spraying dispatcher costs: the terminal, JSON and CSV give it.
  const hasReordered = results.some((r) => r.reordered !== undefined);
  const hasDrops = results.some((r) => r.drops !== undefined);
  return {
    id: "steering",
    title: "Steering: per-queue load, fairness, scaling",
    badge: "simulated",
    parts: [
      p(
        `Per-queue share of the delivered frames (dropped ones, by reason, in the table) for the run with the most queues of each strategy; Jain's fairness index (1 = perfectly even, 1/n = all on one queue); NDR against the number of queues, one core per queue.${hasAt ? " In the table, 'at' says which operating point the per-queue load, latency and bottleneck are from: the NDR or the --rate." : ""}`,
      ),
      ...(conditions.length > 0
        ? [
            { html: '<h3 id="steering-conditions">Test conditions</h3>' },
            { html: table(CONDITION_COLUMNS, conditions) },
          ]
        : []),
      { charts: [...perQueueCharts(results), fairnessChart(results), ...scalingCharts(results)] },
      {
        html: table(
          [
            { head: "strategy", text: true },
            { head: "traffic", text: true },
            "queues",
            "Jain",
            "max/mean",
            ...(hasReordered ? ["reordered frames"] : []),
            ...(hasDrops ? [{ head: "dropped frames (simulated)", text: true }] : []),
            "NDR Mpps (simulated)",
            ...(hasGbps ? ["NDR Gbit/s L1 (simulated)"] : []),
            ...(hasAt ? [{ head: "at", text: true }] : []),
            ...(hasBottleneck ? [{ head: "bottleneck (simulated)", text: true }] : []),
            "p50 µs",
            "p99 µs",
            { head: "per-queue load", text: true },
          ],
          results.map((r) => [
            r.strategy,
            r.traffic,
            r.queues,
            r.jain,
            r.max_over_mean,
            ...(hasReordered ? [r.reordered ?? "—"] : []),
            ...(hasDrops ? [dropsText(r.drops)] : []),
            r.ndr_mpps ?? "—",
            ...(hasGbps ? [r.ndr_gbps ?? "—"] : []),
            ...(hasAt ? [r.at === "rate" ? "--rate" : r.at === "ndr" ? "NDR" : "—"] : []),
            ...(hasBottleneck ? [r.bottleneck ?? "—"] : []),
            r.latency_us?.p50 ?? "—",
            r.latency_us?.p99 ?? "—",
            r.per_queue.map(formatNumber).join(" "),
          ]),
        ),
      },
      ...notSimulatedPart(input),
      ...notesPart(notes),
    ],
  };
}

function countersSection(input: ReportInput): Section | null {
  const c = input.counters;
  if (!c) return null;
  const pools = Object.entries(c.counters.pools);
  const names = [...new Set(pools.flatMap(([, v]) => Object.keys(v)))];
  const chart = countersChart(c);
  const parts: SectionPart[] = [
    p(
      `Counters of the NIC's embedded switch per function (PF, VF-n)${c.pf ? ` on ${c.pf}` : ""}, counted by the ${c.engine ?? "switch"} data plane on the frames given (counts, not timing).`,
    ),
  ];
  if (chart) parts.push({ charts: [chart] });
  if (c.per_function && c.per_function.length > 0) {
    parts.push({ html: "<h3>Frames per port and function</h3>" });
    parts.push({
      html: table(
        [{ head: "function", text: true }, "frames in", "received", "to wire", "dropped"],
        c.per_function.map((f) => [f.name, f.offered, f.received, f.to_wire ?? "—", f.dropped]),
      ),
    });
  }
  // Functions as columns: a table stays narrow however many counters there are.
  parts.push({
    html: table(
      [{ head: "counter", text: true }, ...pools.map(([fn]) => fn)],
      names.map((n) => [n, ...pools.map(([, v]) => (v[n] !== undefined ? v[n] : "—"))]),
    ),
  });
  const queues = Object.entries(c.counters.queues ?? {}).flatMap(([fn, qs]) =>
    qs.map((q, i) => ({ fn, i, q })),
  );
  if (queues.length > 0) {
    const qNames = [...new Set(queues.flatMap((x) => Object.keys(x.q)))];
    parts.push({ html: "<h3>Per queue</h3>" });
    parts.push({
      html: table(
        [{ head: "function", text: true }, "queue", ...qNames],
        queues.map(({ fn, i, q }) => [fn, i, ...qNames.map((n) => (q[n] !== undefined ? q[n] : "—"))]),
      ),
    });
  }
  const port = Object.entries(c.counters.port ?? {}).filter(
    (e): e is [string, number] => typeof e[1] === "number",
  );
  if (port.length > 0) {
    parts.push({ html: "<h3>Port</h3>" });
    parts.push({ html: table([{ head: "counter", text: true }, "value"], port) });
  }
  const drops = Object.entries(c.frameDrops ?? {});
  if (drops.length > 0) {
    parts.push({ html: "<h3>Frames dropped, by reason</h3>" });
    parts.push({ html: table([{ head: "reason", text: true }, "frames"], drops) });
  }
  const copyDrops = Object.entries(c.copyDrops ?? {});
  if (copyDrops.length > 0) {
    parts.push({ html: "<h3>Copies dropped, by reason</h3>" });
    parts.push({ html: table([{ head: "reason", text: true }, "copies"], copyDrops) });
  }
  // What the summary says beside the table (an input cut short, records skipped, a VF the driver
  // refused): the counts above are read with it.
  const notes = input.notes ?? [];
  if (notes.length > 0)
    parts.push({
      html: `<h3 id="notes">Notes</h3>\n<ul>\n${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}\n</ul>`,
    });
  // Counts of the simulated switch: marked simulated, as the page header says its figures are.
  return { id: "counters", title: "Counters per VF", badge: "simulated", parts };
}

function fidelitySection(input: ReportInput): Section | null {
  const rows = input.fidelity?.rows ?? [];
  if (rows.length === 0) return null;
  const passed = rows.filter((r) => r.pass).length;
  // Which profile each case ran on, as the terminal's profile line says: fidelity takes no
  // --profile, so the page is the only place a reader of the report learns it.
  const hasProfiles = rows.some((r) => r.profiles !== undefined);
  return {
    id: "fidelity",
    title: "Fidelity against published results",
    badge: "simulated",
    parts: [
      p(
        `${passed} of ${rows.length} cases within tolerance. Error is (simulated − published) / published; tolerance is the accepted |error|, or the accepted range of the simulated figure (same unit) where the case gives one.`,
      ),
      {
        html: table(
          [
            { head: "case", text: true },
            ...(hasProfiles ? [{ head: "cost profile", text: true }] : []),
            "published",
            "simulated",
            { head: "unit", text: true },
            "error",
            "tolerance",
            { head: "result", text: true },
            { head: "source", text: true, cls: "source" },
          ],
          rows.map((r) => [
            r.case,
            ...(hasProfiles ? [(r.profiles ?? []).join(", ")] : []),
            r.published,
            r.simulated,
            r.unit ?? "",
            formatPercent(r.error),
            r.range
              ? `${formatNumber(r.range[0])} – ${formatNumber(r.range[1])}`
              : `± ${formatPercent(r.tolerance)}`,
            r.pass ? "pass" : "FAIL",
            r.source ?? "",
          ]),
          (row, col) => (col === (hasProfiles ? 7 : 6) ? (rows[row].pass ? "pass" : "fail") : undefined),
        ),
      },
      ...sensitivityParts(input.fidelity?.sensitivity ?? null, rows),
      // What the study leaves where it is, as the terminal says it after its table.
      ...(input.fidelity?.sensitivity_not_moved ?? []).map((n) =>
        p(
          `Not moved (NIC profile constants, iovsim model show --nic): ${n.constants.join(", ")}: ${n.reason}.`,
        ),
      ),
    ],
  };
}

/**
 * `fidelity --sensitivity` as the terminal shows it: each constant of each case at both ends of
 * its range, the case's figure re-simulated and its verdict, and whether the verdict holds.
 */
function sensitivityParts(sens: SensitivityRow[] | null, rows: FidelityRow[]): SectionPart[] {
  if (sens === null) return [];
  const held = sens.filter((x) => x.holds).length;
  const unit = (c: string) => rows.find((r) => r.case === c)?.unit ?? "";
  const end = (e: SensitivityRow["low"], c: string) =>
    `${formatNumber(e.value)} → ${formatNumber(e.simulated)}${unit(c) ? ` ${unit(c)}` : ""} ${e.pass ? "pass" : "FAIL"}`;
  return [
    { html: '<h3 id="sensitivity">Sensitivity: each constant at both ends of its range, one at a time</h3>' },
    p(
      `${held} of ${sens.length} (case, constant) pairs hold across the range: the case passes or fails at both ends of the constant's range as it does at the profile's value, the other constants unchanged. Each end shows the constant's value → the case's figure re-simulated with it (simulated).`,
    ),
    {
      html: table(
        [
          { head: "case", text: true },
          { head: "constant", text: true },
          { head: "value (profile)", text: true },
          { head: "range", text: true },
          { head: "at low", text: true },
          { head: "at high", text: true },
          { head: "verdict", text: true },
        ],
        sens.map((x) => {
          const rs = Object.entries(x.ranges);
          return [
            x.case,
            x.constant,
            rs.map(([prof, v]) => `${formatNumber(v.value)} (${prof})`).join(" / "),
            [...new Set(rs.map(([, v]) => `${formatNumber(v.range[0])} – ${formatNumber(v.range[1])}`))].join(
              " / ",
            ),
            end(x.low, x.case),
            end(x.high, x.case),
            x.holds ? "holds" : "DEPENDS",
          ];
        }),
        (row, col) =>
          col === 4
            ? sens[row].low.pass
              ? "pass"
              : "fail"
            : col === 5
              ? sens[row].high.pass
                ? "pass"
                : "fail"
              : col === 6 && !sens[row].holds
                ? "fail"
                : undefined,
      ),
    },
  ];
}

function configurationSection(input: ReportInput): Section | null {
  const parts: SectionPart[] = [];
  if (input.config) {
    parts.push({ html: `<h3>${escapeHtml(input.config.file)}</h3>` });
    parts.push({ html: `<pre class="config">${escapeHtml(input.config.text)}</pre>` });
  }
  const prof = input.cost_profile;
  if (prof) {
    parts.push({ html: `<h3>Cost profile “${escapeHtml(prof.name)}”</h3>` });
    if (prof.description) parts.push(p(prof.description));
    parts.push({
      html: table(
        [
          { head: "constant", text: true },
          "value",
          { head: "unit", text: true },
          "range",
          { head: "source", text: true, cls: "source" },
        ],
        Object.entries(prof.constants).map(([name, k]) => [
          name,
          k.value,
          k.unit,
          k.range ? `${formatNumber(k.range[0])} – ${formatNumber(k.range[1])}` : "not given",
          k.source,
        ]),
      ),
    });
  } else if (input.profile) {
    parts.push(p(`Cost profile: ${input.profile} (its constants were not included in this report's input).`));
  }
  if (parts.length === 0) return null;
  // No cost profile in the input (switch prices nothing): the title names only what is shown.
  const title = prof || input.profile ? "Configuration and cost profile" : "Configuration";
  return { id: "configuration", title, badge: null, parts };
}

function reproduceSection(input: ReportInput): Section {
  const lines = [`iovsim ${input.version}`];
  if (input.schema) lines.push(`result schema ${input.schema}`);
  const profile = input.cost_profile?.name ?? input.profile;
  if (profile) lines.push(`cost profile ${profile}`);
  if (input.conditions?.seed !== undefined) lines.push(`seed ${input.conditions.seed}`);
  if (input.generated_at) lines.push(`generated ${input.generated_at}`);
  // Only what the run had: fidelity takes no configuration, profile or seed (each case fixes
  // its own), so its page named three things it then did not show.
  const same = [
    "tool version",
    ...(input.config ? ["configuration"] : []),
    ...(profile ? ["cost profile"] : []),
    ...(input.conditions?.seed !== undefined ? ["seed"] : []),
  ];
  const sameText = same.length === 1 ? same[0] : `${same.slice(0, -1).join(", ")} and ${same.at(-1)}`;
  return {
    id: "reproduce",
    title: "Reproduce",
    badge: null,
    parts: [
      p(
        input.prices_nothing
          ? "This command, run with the same tool version, configuration and input files (the command's defaults are this version's), gives the same counts:"
          : `This command, run with the same ${sameText} (below; the command's defaults are this version's), gives the same simulated figures:`,
      ),
      { html: `<pre class="wrap command"><code>${escapeHtml(input.command)}</code></pre>` },
      p(lines.join(" · ")),
    ],
  };
}

function simulatorSpeedSection(input: ReportInput): Section | null {
  const s = input.simulator;
  if (!s) return null;
  const rows: Array<[string, string | number]> = [];
  if (s.simulations !== undefined) rows.push(["simulations", s.simulations]);
  if (s.frames !== undefined) rows.push(["frames simulated", s.frames]);
  if (s.virtual_s !== undefined) rows.push(["virtual time simulated (s)", s.virtual_s]);
  if (s.wall_s !== undefined) rows.push(["wall-clock time (s)", s.wall_s]);
  if (s.realtime_factor !== undefined) rows.push(["× real time (virtual s per wall s)", s.realtime_factor]);
  if (s.workers !== undefined) rows.push(["worker threads", s.workers]);
  if (rows.length === 0) return null;
  return {
    id: "simulator-speed",
    title: "Simulator speed (wall clock)",
    badge: "speed",
    parts: [
      p(
        "How fast this simulator ran on the machine that made the report. These are wall-clock figures about the tool, not simulated results, and depend on the machine and its load.",
      ),
      { html: table([{ head: "simulator speed", text: true }, "value"], rows) },
    ],
  };
}

/** Every section the input has data for, in reading order; simulator speed last, apart. */
/** Injected faults (--inject-fault) and what each did. */
function faultsSection(input: ReportInput): Section | null {
  if (!input.faults || input.faults.length === 0) return null;
  const items = input.faults.map((l) => `<li>${escapeHtml(l)}</li>`).join("\n");
  return {
    id: "faults",
    title: "Injected faults",
    badge: "simulated",
    parts: [{ html: `<ul>\n${items}\n</ul>` }],
  };
}

export function buildSections(input: ReportInput): Section[] {
  const paths = input.paths ?? [];
  const withLoad = paths.filter((x) => x.load_points.length > 0);
  const sections: Array<Section | null> = [
    faultsSection(input),
    paths.length > 0 ? throughputSection(paths, input.conditions, input.notes ?? []) : null,
    withLoad.length > 0 ? latencySection(withLoad, input.conditions) : null,
    withLoad.some((x) => x.load_points.some((lp) => lp.cpu.length > 0))
      ? cpuSection(withLoad, input.conditions)
      : null,
    cyclesSection(withLoad),
    pingSection(input),
    steeringSection(input),
    countersSection(input),
    fidelitySection(input),
    configurationSection(input),
    reproduceSection(input),
    simulatorSpeedSection(input),
  ];
  return sections.filter((s): s is Section => s !== null);
}
