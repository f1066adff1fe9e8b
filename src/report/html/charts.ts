// Vega-Lite specifications of the report's charts: plain data in, a spec out (no rendering here,
// see render-svg.ts). Every axis that shows a simulated figure says "simulated".
import type { TopLevelSpec } from "vega-lite";
import { formatSize } from "./format.ts";
import type { LoadPoint, PathResult, PingResult, SteeringResult, SwitchCountersJson } from "./types.ts";

/** One chart of the report: where it goes (id), what it is (title), and its spec. */
export interface ChartDef {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

/** Chart width in SVG units; the SVG then scales to its container (width 100 %). */
// Small enough that a 390 px phone shows a chart at ~80 % of its size (text stays readable),
// large enough for a desktop; the SVG is never scaled up (render-svg.ts sets a max-width).
const WIDTH = 280;
const BAR_STEP = 14;

const CONFIG = {
  font: "sans-serif",
  background: "white",
  view: { stroke: null },
  title: { fontSize: 14 },
  axis: { labelFontSize: 12, titleFontSize: 12, labelLimit: 180 },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: "bottom" as const, columns: 2, labelLimit: 200 },
};

const PERCENTILES = ["p50", "p90", "p99", "p99.9"] as const;

/** "vm-vf rx 64 B": a path result's label in charts and tables. */
export function pathLabel(p: PathResult): string {
  return `${p.name} ${p.direction} ${formatSize(p.size)}`;
}

// No $schema: its URL would end up nowhere useful, and the report carries no URL at all.
function base(title: string, values: object[]) {
  return { title, data: { values }, config: CONFIG };
}

/** `pdrLoss`: PDR's loss limit (a fraction), named in the legend when known. */
export function throughputChart(paths: PathResult[], pdrLoss?: number): ChartDef {
  const pdr = pdrLoss === undefined ? "PDR (partial drop)" : `PDR (loss ≤ ${(pdrLoss * 100).toFixed(2)} %)`;
  const values = paths.flatMap((p) =>
    p.ndr_mpps === null || p.pdr_mpps === null
      ? []
      : [
          { label: pathLabel(p), metric: "NDR (no loss)", mpps: p.ndr_mpps },
          { label: pathLabel(p), metric: pdr, mpps: p.pdr_mpps },
        ],
  );
  return {
    id: "throughput",
    title: "NDR and PDR per path and frame size (simulated)",
    spec: {
      ...base("NDR / PDR (simulated)", values),
      width: WIDTH,
      height: { step: BAR_STEP },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "label", type: "nominal", sort: null, title: null },
        yOffset: { field: "metric", type: "nominal" },
        x: { field: "mpps", type: "quantitative", title: "throughput, Mpps (simulated)" },
        color: { field: "metric", type: "nominal", title: null },
      },
    } as TopLevelSpec,
  };
}

type Latency = NonNullable<LoadPoint["latency_us"]>;

/** The four percentiles of one latency, one row each; none when nothing was delivered. */
function percentileRows(offered: number, l: Latency | null) {
  return l === null
    ? []
    : PERCENTILES.map((name) => ({ offered, percentile: name, us: l[name === "p99.9" ? "p999" : name] }));
}

/** Panel names of a `--direction both` latency chart, in panel order (as the latency table says). */
export const LATENCY_DIRECTIONS = ["both (together)", "rx", "tx"] as const;

/** `title`: short enough to fit beside a panel of the per-direction chart. */
const latencyY = (positive: boolean, title = "one-way latency, µs (simulated)") => ({
  field: "us",
  type: "quantitative",
  title,
  scale: positive ? { type: "log" } : {},
  axis: { tickCount: 5, format: "~s" },
});
/** Offered-load ticks without trailing zeros: one load point (--rate) is a domain of one value,
 *  whose tick vega's default format wrote with six decimals (1.488000). */
const offeredAxis = { format: "~g" };
const percentileColour = { field: "percentile", type: "nominal", sort: [...PERCENTILES], title: null };

export function latencyChart(p: PathResult): ChartDef {
  return p.load_points.some((lp) => lp.per_direction) ? perDirectionLatencyChart(p) : combinedLatencyChart(p);
}

function combinedLatencyChart(p: PathResult): ChartDef {
  // A point that delivered nothing has no latency: no mark.
  const values = p.load_points.flatMap((lp) => percentileRows(lp.offered_mpps, lp.latency_us));
  const positive = values.every((v) => v.us > 0);
  return {
    id: `latency-${chartKey(p)}`,
    title: `Latency against offered load: ${pathLabel(p)} (simulated)`,
    spec: {
      ...base(`${pathLabel(p)}: latency`, values),
      width: WIDTH,
      height: 220,
      layer: [
        {
          mark: { type: "line", point: true, tooltip: true },
          encoding: {
            x: { field: "offered", type: "quantitative", title: "offered load, Mpps", axis: offeredAxis },
            y: latencyY(positive),
            color: percentileColour,
          },
        },
        // The NDR line, when a throughput search ran.
        ...(p.ndr_mpps === null
          ? []
          : [
              {
                data: { values: [{ ndr: p.ndr_mpps, label: "NDR" }] },
                mark: { type: "rule", strokeDash: [4, 3], color: "#777" },
                encoding: { x: { field: "ndr", type: "quantitative" } },
              },
              // Named on the chart itself, not only in the text above it.
              {
                data: { values: [{ ndr: p.ndr_mpps, label: "NDR" }] },
                mark: { type: "text", align: "right", baseline: "top", dx: -3, dy: 3, color: "#555" },
                encoding: {
                  x: { field: "ndr", type: "quantitative" },
                  y: { value: 0 },
                  text: { field: "label" },
                },
              },
            ]),
      ],
    } as TopLevelSpec,
  };
}

/**
 * `--direction both`: one panel for both directions together (the combined chart's lines), then
 * one for rx and one for tx on their own, stacked on shared axes, so the direction whose latency
 * grows with load stands out. Every panel's x is the load point's offered load (both directions
 * together), so one load point lines up across the panels, and the NDR (of both together) marks
 * each of them.
 */
function perDirectionLatencyChart(p: PathResult): ChartDef {
  const [together, rx, tx] = LATENCY_DIRECTIONS;
  const values = p.load_points.flatMap((lp) => {
    const rows = (direction: string, l: Latency | null) =>
      percentileRows(lp.offered_mpps, l).map((r) => ({ direction, ...r }));
    const d = lp.per_direction;
    return [
      ...rows(together, lp.latency_us),
      ...(d ? [...rows(rx, d.rx.latency_us), ...rows(tx, d.tx.latency_us)] : []),
    ];
  });
  const positive = values.every((v) => v.us > 0);
  // In a facet every layer takes the panel's data: the NDR comes in as a computed field.
  const ndr =
    p.ndr_mpps === null
      ? []
      : [
          {
            transform: [{ calculate: `${p.ndr_mpps}`, as: "ndr" }],
            mark: { type: "rule", strokeDash: [4, 3], color: "#777" },
            encoding: { x: { field: "ndr", type: "quantitative", aggregate: "min" } },
          },
          {
            transform: [{ calculate: `${p.ndr_mpps}`, as: "ndr" }],
            mark: { type: "text", align: "right", baseline: "top", dx: -3, dy: 3, color: "#555" },
            encoding: {
              x: { field: "ndr", type: "quantitative", aggregate: "min" },
              y: { value: 0 },
              text: { value: "NDR" },
            },
          },
        ];
  return {
    id: `latency-${chartKey(p)}`,
    title: `Latency against offered load, both directions together, rx and tx: ${pathLabel(p)} (simulated)`,
    spec: {
      ...base(`${pathLabel(p)}: latency per direction`, values),
      facet: {
        field: "direction",
        type: "nominal",
        sort: [...LATENCY_DIRECTIONS],
        title: null,
        header: { labelFontSize: 12, labelAnchor: "start" },
      },
      columns: 1,
      spec: {
        width: WIDTH,
        height: 150,
        layer: [
          {
            mark: { type: "line", point: true, tooltip: true },
            encoding: {
              x: {
                field: "offered",
                type: "quantitative",
                title: "offered load, both directions, Mpps",
                axis: offeredAxis,
              },
              y: latencyY(positive, "one-way µs (simulated)"),
              color: percentileColour,
            },
          },
          ...ndr,
        ],
      },
    } as TopLevelSpec,
  };
}

/** "10 % NDR (0.185 Mpps)" where the point's fraction of NDR is known, else "0.185 Mpps offered". */
function loadLabel(lp: LoadPoint): string {
  const mpps = Number(lp.offered_mpps.toPrecision(3));
  return typeof lp.fraction_of_ndr === "number"
    ? `${Number((lp.fraction_of_ndr * 100).toPrecision(3))} % NDR (${mpps} Mpps)`
    : `${mpps} Mpps offered`;
}

export function cpuChart(p: PathResult): ChartDef {
  const values = p.load_points.flatMap((lp) =>
    lp.cpu.map((c) => ({
      resource: c.resource,
      load: loadLabel(lp),
      // Work: polling (a busy-wait, an idle spin) keeps a CPU busy but yields at once to work.
      utilization: c.work_utilization ?? c.utilization,
    })),
  );
  return {
    id: `cpu-${chartKey(p)}`,
    title: `CPU per resource: ${pathLabel(p)} (simulated)`,
    spec: {
      ...base(`${pathLabel(p)}: utilization`, values),
      width: WIDTH,
      height: { step: 10 },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "resource", type: "nominal", sort: null, title: null },
        yOffset: { field: "load", type: "nominal", sort: null },
        x: {
          field: "utilization",
          type: "quantitative",
          title: "work utilization (simulated)",
          scale: { domain: [0, 1] },
          axis: { format: "%" },
        },
        color: { field: "load", type: "nominal", sort: null, title: null },
      },
    } as TopLevelSpec,
  };
}

/** Vega's tableau20 then category20b: 40 colours, no two alike (they repeat past 40 kinds). */
const EVENT_COLOURS = [
  ...[
    "#4c78a8",
    "#9ecae9",
    "#f58518",
    "#ffbf79",
    "#54a24b",
    "#88d27a",
    "#b79a20",
    "#f2cf5b",
    "#439894",
    "#83bcb6",
  ],
  ...[
    "#e45756",
    "#ff9d98",
    "#79706e",
    "#bab0ac",
    "#d67195",
    "#fcbfd2",
    "#b279a2",
    "#d6a5c9",
    "#9e765f",
    "#d8b5a5",
  ],
  ...[
    "#393b79",
    "#5254a3",
    "#6b6ecf",
    "#9c9ede",
    "#637939",
    "#8ca252",
    "#b5cf6b",
    "#cedb9c",
    "#8c6d31",
    "#bd9e39",
  ],
  ...[
    "#e7ba52",
    "#e7cb94",
    "#843c39",
    "#ad494a",
    "#d6616b",
    "#e7969c",
    "#7b4173",
    "#a55194",
    "#ce6dbd",
    "#de9ed6",
  ],
];

/** Every event kind in the results, so that each kind has one colour across all charts. */
export function eventKinds(paths: PathResult[]): string[] {
  const kinds = paths.flatMap((p) =>
    p.load_points.flatMap((lp) => lp.cpu.flatMap((c) => Object.keys(c.by_event ?? {}))),
  );
  return [...new Set(kinds)].sort();
}

/** Null when no resource of the path carries a by-event breakdown. */
export function cyclesChart(p: PathResult, kinds: string[] = eventKinds([p])): ChartDef | null {
  // Rows grouped by resource, load ascending: how each event's share moves with load.
  const resources = [...new Set(p.load_points.flatMap((lp) => lp.cpu.map((c) => c.resource)))];
  const values = resources.flatMap((resource) =>
    p.load_points.flatMap((lp) =>
      lp.cpu
        .filter((c) => c.resource === resource)
        .flatMap((c) =>
          Object.entries(c.by_event ?? {}).map(([event, cycles]) => ({
            row: `${resource}${c.cycles_per_packet_unit === "ns" ? " (ns)" : ""} @ ${loadLabel(lp)}`,
            event,
            cycles,
          })),
        ),
    ),
  );
  if (values.length === 0) return null;
  return {
    id: `cycles-${chartKey(p)}`,
    title: `Cycles per packet by event kind: ${pathLabel(p)} (simulated)`,
    spec: {
      ...base(`${pathLabel(p)}: cycles/packet`, values),
      width: WIDTH,
      height: { step: 16 },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "row", type: "nominal", sort: null, title: "resource @ offered load" },
        x: {
          field: "cycles",
          type: "quantitative",
          aggregate: "sum",
          // A resource without a clock (wire, NIC, PCIe) works in ns: its rows say "(ns)".
          title: "work per packet: CPU cycles, ns on rows marked (ns) (simulated)",
        },
        // Past 10 kinds the default palette repeats (two kinds, one colour): a run over every
        // path has some 26 kinds, so the 40 colours of EVENT_COLOURS then.
        color: {
          field: "event",
          type: "nominal",
          title: "event kind",
          scale: { domain: kinds, ...(kinds.length > 10 ? { range: EVENT_COLOURS } : {}) },
        },
      },
    } as TopLevelSpec,
  };
}

export function pingChart(ping: PingResult[]): ChartDef {
  // A path with no reply has no round-trip time: no bar (the summary table says "—").
  const values = ping.flatMap((r) =>
    r.rtt_us.p50 === null || r.rtt_us.p99 === null
      ? []
      : [
          { path: r.path, percentile: "p50", us: r.rtt_us.p50 },
          { path: r.path, percentile: "p99", us: r.rtt_us.p99 },
        ],
  );
  return {
    id: "ping",
    title: "Ping round-trip time per path (simulated)",
    spec: {
      ...base("Ping RTT (simulated)", values),
      width: WIDTH,
      height: { step: BAR_STEP },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "path", type: "nominal", sort: null, title: null },
        yOffset: { field: "percentile", type: "nominal" },
        x: { field: "us", type: "quantitative", title: "RTT, µs (simulated)" },
        color: { field: "percentile", type: "nominal", title: null },
      },
    } as TopLevelSpec,
  };
}

/** Above this many echoes the RTTs are shown as a histogram instead of one point per echo. */
export const ECHO_POINTS_MAX = 500;

/** Each reply's RTT in order (few echoes), or their distribution (many). Null without RTTs. */
export function echoChart(r: PingResult): ChartDef | null {
  const rtts = r.rtts_us ?? [];
  if (rtts.length === 0) return null;
  const values = rtts.map((us, i) => ({ echo: i + 1, us }));
  const title = `${r.path}: RTT per echo (simulated)`;
  const spec =
    rtts.length <= ECHO_POINTS_MAX
      ? {
          ...base(title, values),
          width: WIDTH,
          height: 180,
          mark: { type: "line", point: true, tooltip: true },
          encoding: {
            x: { field: "echo", type: "quantitative", title: "echo reply #", axis: { tickMinStep: 1 } },
            y: { field: "us", type: "quantitative", title: "RTT, µs (simulated)" },
          },
        }
      : {
          ...base(title, values),
          width: WIDTH,
          height: 180,
          mark: { type: "bar", tooltip: true },
          encoding: {
            x: { field: "us", type: "quantitative", bin: { maxbins: 40 }, title: "RTT, µs (simulated)" },
            y: { aggregate: "count", type: "quantitative", title: "echo replies" },
          },
        };
  return { id: `ping-echoes-${r.path}`, title, spec: spec as TopLevelSpec };
}

/** For each (strategy, traffic), the result with the most queues: the one whose spread is shown. */
export function widestSteeringRuns(results: SteeringResult[]): SteeringResult[] {
  const best = new Map<string, SteeringResult>();
  for (const r of results) {
    const k = `${r.strategy}\u0000${r.traffic}`;
    const cur = best.get(k);
    if (!cur || r.queues > cur.queues) best.set(k, r);
  }
  return [...best.values()];
}

/** Per-queue share of the frames, one chart per traffic mix, bars grouped by strategy. */
export function perQueueCharts(results: SteeringResult[]): ChartDef[] {
  const runs = widestSteeringRuns(results);
  const traffics = [...new Set(runs.map((r) => r.traffic))];
  return traffics.map((traffic) => {
    const values = runs
      .filter((r) => r.traffic === traffic)
      .flatMap((r) => {
        const total = r.per_queue.reduce((a, b) => a + b, 0);
        return r.per_queue.map((load, q) => ({
          queue: q,
          strategy: `${r.strategy} (${r.queues} q)`,
          share: total > 0 ? load / total : 0,
        }));
      });
    return {
      id: `steering-queues-${traffic}`,
      title: `Per-queue load, traffic "${traffic}" (simulated)`,
      spec: {
        ...base(`Per-queue load: ${traffic}`, values),
        width: WIDTH,
        height: 200,
        mark: { type: "bar", tooltip: true },
        encoding: {
          x: { field: "queue", type: "ordinal", title: "queue", axis: { labelAngle: 0 } },
          xOffset: { field: "strategy", type: "nominal" },
          y: {
            field: "share",
            type: "quantitative",
            title: "share of frames (simulated)",
            axis: { format: "%" },
          },
          color: { field: "strategy", type: "nominal", title: null },
        },
      } as TopLevelSpec,
    };
  });
}

export function fairnessChart(results: SteeringResult[]): ChartDef {
  const values = widestSteeringRuns(results).map((r) => ({
    strategy: `${r.strategy} (${r.queues} q)`,
    traffic: r.traffic,
    jain: r.jain,
  }));
  return {
    id: "steering-fairness",
    title: "Jain's fairness index per strategy and traffic (simulated)",
    spec: {
      ...base("Jain's fairness (simulated)", values),
      width: WIDTH,
      height: { step: BAR_STEP },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "strategy", type: "nominal", sort: null, title: null },
        yOffset: { field: "traffic", type: "nominal" },
        x: {
          field: "jain",
          type: "quantitative",
          title: "Jain's fairness index (1 = even)",
          scale: { domain: [0, 1] },
        },
        color: { field: "traffic", type: "nominal", title: "traffic" },
      },
    } as TopLevelSpec,
  };
}

/** NDR against the number of queues (cores), one chart per traffic that was run at several sizes. */
export function scalingCharts(results: SteeringResult[]): ChartDef[] {
  const traffics = [...new Set(results.map((r) => r.traffic))];
  const out: ChartDef[] = [];
  for (const traffic of traffics) {
    const rows = results.filter((r) => r.traffic === traffic && r.ndr_mpps !== null);
    if (new Set(rows.map((r) => r.queues)).size < 2) continue;
    const values = rows
      .map((r) => ({ strategy: r.strategy, queues: r.queues, ndr: r.ndr_mpps }))
      .sort((a, b) => a.queues - b.queues);
    out.push({
      id: `steering-scaling-${traffic}`,
      title: `NDR against queues (cores), traffic "${traffic}" (simulated)`,
      spec: {
        ...base(`NDR vs queues: ${traffic}`, values),
        width: WIDTH,
        height: 200,
        mark: { type: "line", point: true, tooltip: true },
        encoding: {
          x: {
            field: "queues",
            type: "quantitative",
            title: "queues (one core each)",
            axis: { tickMinStep: 1 },
          },
          y: { field: "ndr", type: "quantitative", title: "NDR, Mpps (simulated)" },
          color: { field: "strategy", type: "nominal", title: null },
        },
      } as TopLevelSpec,
    });
  }
  return out;
}

const FUNCTION_COUNTERS = ["rx_packets", "tx_packets", "rx_dropped", "tx_dropped"] as const;

/** Packets in, out and dropped per function (PF, VF-n). Null when no such counter is present. */
export function countersChart(c: SwitchCountersJson): ChartDef | null {
  const values = Object.entries(c.counters.pools).flatMap(([fn, counters]) =>
    FUNCTION_COUNTERS.filter((k) => k in counters).map((k) => ({ fn, counter: k, value: counters[k] })),
  );
  if (values.length === 0) return null;
  return {
    id: "counters",
    title: "Packets per function (switch counters)",
    spec: {
      ...base("Packets per function", values),
      width: WIDTH,
      height: { step: 10 },
      mark: { type: "bar", tooltip: true },
      encoding: {
        y: { field: "fn", type: "nominal", sort: null, title: null },
        yOffset: { field: "counter", type: "nominal", sort: [...FUNCTION_COUNTERS] },
        // symlog: a handful of drops stays visible next to millions of packets.
        x: {
          field: "value",
          type: "quantitative",
          title: "packets (symlog scale)",
          scale: { type: "symlog" },
        },
        color: { field: "counter", type: "nominal", sort: [...FUNCTION_COUNTERS], title: null },
      },
    } as TopLevelSpec,
  };
}

function chartKey(p: PathResult): string {
  return `${p.name}-${p.direction}-${p.size}`;
}
