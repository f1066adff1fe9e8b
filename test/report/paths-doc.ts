// A small `paths --json` document, validated by its own schema: one path at 64 B with load
// points at 10/50/90 % of NDR (made-up but plausible figures; no simulation behind them).
import { type PathsJson, pathsJsonSchema } from "../../src/report/paths-json.ts";

const cpu = [
  {
    resource: "host-core0",
    kind: "core",
    utilization: 0.5,
    work_utilization: 0.5,
    cycles_per_packet: 1500,
    by_event: { stack_rx: 1200, irq: 300 },
  },
];
const events = { interrupts: 1000, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 };
const conservation = { sent: 100, delivered: 100, dropped: {}, in_flight: 0, copies: 0, ok: true };

function point(fraction: number, offered: number) {
  return {
    fraction_of_ndr: fraction,
    offered_mpps: offered,
    offered_gbps: offered * 0.672,
    delivered_mpps: offered,
    loss_ratio: 0,
    latency_us: { p50: 30, p90: 40, p99: 50, p999: 55, max: 61.5, mean: 31.25 },
    cpu,
    bottleneck: "host-core0",
    events_per_s: events,
    conservation,
  };
}

/** A `paths --json` document (validated by its own schema), one path at 64 B. */
export function pathsDoc(): PathsJson {
  return pathsJsonSchema.parse({
    schema: "iovsim.paths/2",
    tool: { name: "iovsim", version: "0.1.0" },
    profile: { name: "bhyve", origin: "builtin" },
    link_gbps: 10,
    direction: "rx",
    arrival: "constant",
    trial: { virtual_ms: 1, count: null },
    search: { precision_of_line_rate: 0.01, pdr_loss: 0.005 },
    rate: null,
    load: { loop: "open" },
    seed: 7,
    paths: [
      {
        name: "native",
        direction: "rx",
        size: 64,
        frame_bytes: 64,
        line_rate_mpps: 14.880952380952381,
        ceiling_mpps: 14.880952380952381,
        no_wire: null,
        ndr_mpps: 1.84705,
        ndr_gbps: 1.2412176,
        pdr_mpps: 1.9,
        pdr_gbps: 1.2768,
        bottleneck: "host-core0",
        trials: 25,
        search_ndr_mpps: 1.84705,
        search_pdr_mpps: 1.9,
        non_monotonic: false,
        final_trial_ms: 11.3152,
        short_trial_ndr_mpps: 2.2,
        short_trial_pdr_mpps: 2.2,
        load_points: [point(0.1, 0.1847), point(0.5, 0.9235), point(0.9, 1.662)],
      },
    ],
    ping: [],
    notes: [],
    warnings: [],
    simulator: {
      frames: 1,
      events: 1,
      simulations: 1,
      virtual_s: 1,
      wall_s: 1,
      realtime_factor: 1,
      frames_per_wall_s: 1,
      workers: 1,
      ping: { simulations: 0, frames: 0, virtual_s: 0 },
    },
  });
}
