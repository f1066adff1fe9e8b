// TEST DOUBLE, not the engine: an honest single-server queue in virtual time (one FIFO buffer of
// `buffer` frames served at `capacityPps`, arrivals constant or Poisson from a seeded PRNG), so
// the experiment layer can be tested against a system whose NDR is known (its capacity) without
// the real engine. Returns a SimResult as src/engine/types.ts defines it.
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { lineRatePps } from "../../src/experiment/rate.ts";

export interface QueueDouble {
  capacityPps: number;
  buffer: number;
  frameBytes: number;
  linkGbps: number;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function simulateQueue(q: QueueDouble, spec: ScenarioSpec): SimResult {
  const rate = Math.min(spec.ratePps, lineRatePps(q.frameBytes, q.linkGbps));
  const rnd = prng(spec.seed);
  const service = 1e9 / q.capacityPps;
  const departures: number[] = []; // departure times of frames in the system (FIFO)
  const lat: number[] = [];
  let t = 0;
  let sent = 0;
  let dropped = 0;
  let busy = 0;
  let lastDeparture = 0;
  const limit = spec.count ?? Number.POSITIVE_INFINITY;
  while (sent < limit) {
    t += spec.arrival === "poisson" ? -Math.log(1 - rnd()) * (1e9 / rate) : 1e9 / rate;
    if (t > spec.durationNs) break;
    sent++;
    while (departures.length > 0 && departures[0] <= t) departures.shift();
    if (departures.length >= q.buffer) {
      dropped++;
      continue;
    }
    const start = Math.max(t, lastDeparture);
    lastDeparture = start + service;
    busy += service;
    departures.push(lastDeparture);
    lat.push(lastDeparture - t);
  }
  const delivered = sent - dropped;
  const end = Math.max(spec.durationNs, lastDeparture);
  lat.sort((a, b) => a - b);
  const us = (ns: number) => ns / 1000;
  const util = busy / end;
  const zero = { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 };
  return {
    path: spec.path,
    direction: spec.direction,
    frameBytes: q.frameBytes,
    offered_pps: (sent * 1e9) / spec.durationNs,
    delivered_pps: (delivered * 1e9) / spec.durationNs,
    loss_ratio: sent === 0 ? 0 : dropped / sent,
    latency_us: {
      p50: us(pct(lat, 0.5)),
      p90: us(pct(lat, 0.9)),
      p99: us(pct(lat, 0.99)),
      p999: us(pct(lat, 0.999)),
      max: us(lat.at(-1) ?? 0),
      min: us(lat[0] ?? 0),
      mean: us(lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length)),
    },
    // No warm-up: the window is the whole offered time.
    window: { from_ns: 0, to_ns: spec.durationNs, offered: sent, delivered },
    resources: [
      {
        resource: "host-core0",
        kind: "core",
        utilization: util,
        cycles_per_packet: delivered ? (busy * 3) / delivered : 0,
        by_event: { stack: delivered ? (busy * 3) / delivered : 0 },
      },
    ],
    bottleneck: "host-core0",
    events: { ...zero, interrupts: delivered },
    events_per_s: { ...zero, interrupts: (delivered * 1e9) / end },
    conservation: { sent, delivered, dropped: { "ring-full": dropped }, inFlight: 0, copies: 0, ok: true },
    integrity: { bad: 0, reordered: 0 },
    virtual_ns: end,
    simulator: { frames: sent, events: sent, wall_ms: 0 },
  };
}
