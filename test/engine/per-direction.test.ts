// Direction "both" reports each direction's own figures (SimResult.per_direction) beside the
// combined ones: each direction's generators give its offered rate and its consumers (sinks)
// its delivered rate and latency. The combined figures must be what the two make together:
// offered and delivered the sums, min the smaller min, max the larger max, and the mean the
// two means weighted by the frames each direction delivered.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

function both(path: string, ratePps: number): SimResult {
  return simulate(baseSpec({ path, direction: "both", ratePps }));
}

function expectConsistent(r: SimResult): void {
  const d = r.per_direction;
  if (!d) throw new Error("no per_direction on a run in both directions");
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, b));
  close(d.rx.delivered_pps + d.tx.delivered_pps, r.delivered_pps);
  close(d.rx.offered_pps + d.tx.offered_pps, r.offered_pps);
  expect(r.latency_us.min).toBe(Math.min(d.rx.latency_us.min, d.tx.latency_us.min));
  expect(r.latency_us.max).toBe(Math.max(d.rx.latency_us.max, d.tx.latency_us.max));
  // The combined mean is the delivered-weighted mean of the two (within the clamp to [min, max]).
  const w =
    (d.rx.latency_us.mean * d.rx.delivered_pps + d.tx.latency_us.mean * d.tx.delivered_pps) / r.delivered_pps;
  expect(r.latency_us.mean).toBeCloseTo(w, 6);
  // Percentiles of the merged histogram lie between the two directions' own.
  for (const q of ["p50", "p90", "p99", "p999"] as const) {
    expect(r.latency_us[q]).toBeGreaterThanOrEqual(Math.min(d.rx.latency_us[q], d.tx.latency_us[q]));
    expect(r.latency_us[q]).toBeLessThanOrEqual(Math.max(d.rx.latency_us[q], d.tx.latency_us[q]));
  }
  for (const x of [d.rx, d.tx]) {
    expect(x.latency_us.min).toBeLessThanOrEqual(x.latency_us.p50);
    expect(x.latency_us.p999).toBeLessThanOrEqual(x.latency_us.max);
    expect(x.loss_ratio).toBeCloseTo(Math.max(0, 1 - x.delivered_pps / x.offered_pps), 12);
  }
}

describe("per-direction figures of direction both", () => {
  it("only a run in both directions carries them", () => {
    expect(simulate(baseSpec({ direction: "rx" })).per_direction).toBeUndefined();
    expect(simulate(baseSpec({ direction: "tx" })).per_direction).toBeUndefined();
  });

  it.each([
    ["native", 8e5],
    ["vm-vf", 6e5],
    ["virtio", 3e5],
  ])("%s at %d pps per direction: the two directions differ and make the combined figures", (path, rate) => {
    const r = both(path, rate);
    expectConsistent(r);
    const d = r.per_direction!;
    // Each direction is offered the rate given (per direction of the full-duplex link).
    expect(d.rx.offered_pps).toBeCloseTo(rate, -2);
    expect(d.tx.offered_pps).toBeCloseTo(rate, -2);
    // Receive crosses interrupt moderation, NAPI and (vm-vf, virtio) the guest's wake-up;
    // transmit starts at the consumer: the two latencies differ, receive the longer here.
    expect(d.rx.latency_us.mean).toBeGreaterThan(d.tx.latency_us.mean);
    expect(d.rx.latency_us.min).not.toBe(d.tx.latency_us.min);
  });

  it("native above its NDR: receive keeps its load and the sender on the same core falls short", () => {
    // Receive first (src/engine/receive-first.ts): host-core0 does the receive work before the
    // sending application's, so at 1.5 Mpps a direction (below the receive path's own capacity)
    // the receive direction loses nothing and the sender offers less than asked, losing nothing.
    const r = both("native", 1.5e6);
    expectConsistent(r);
    const d = r.per_direction!;
    expect(d.rx.offered_pps).toBeCloseTo(1.5e6, -3);
    expect(d.rx.loss_ratio).toBe(0);
    expect(d.tx.offered_pps).toBeLessThan(0.75 * 1.5e6);
    expect(d.tx.loss_ratio).toBe(0);
  });

  it("native beyond what its receive path can do loses in one direction only (receive), not in transmit", () => {
    // The sender there is starved (receive livelock): it offers nothing, so it has no latency
    // to combine (expectConsistent's latency checks need both directions delivering).
    const r = both("native", 2.5e6);
    const d = r.per_direction!;
    expect(d.tx.offered_pps).toBeLessThan(0.01 * 2.5e6);
    expect(r.loss_ratio).toBeGreaterThan(0.01);
    expect(d.rx.loss_ratio).toBeGreaterThan(0.01);
    expect(d.tx.loss_ratio).toBe(0);
    // The combined loss is the two directions' lost frames over both directions' offered.
    const lost = d.rx.offered_pps * d.rx.loss_ratio + d.tx.offered_pps * d.tx.loss_ratio;
    expect(r.loss_ratio).toBeCloseTo(lost / r.offered_pps, 9);
  });
});
