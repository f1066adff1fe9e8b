// SimResult.window: the measured window's bounds and its own frame counts, which the rates are
// over and what judges a trial reads (src/experiment/shortfall.ts, capacity.ts). A run whose
// warm-up differs from its steady state (native rx above capacity: the queues absorb the first
// frames, then it loses) shows why whole-run counts cannot stand in for the window's.
import { beforeAll, describe, expect, it } from "vitest";
import { measureFromNs } from "../../src/engine/context.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { aboveCapacity } from "../../src/experiment/capacity.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, b));

function expectWindowRates(r: SimResult): void {
  const s = (r.window.to_ns - r.window.from_ns) / 1e9;
  close(r.window.offered / s, r.offered_pps);
  close(r.window.delivered / s, r.delivered_pps);
  expect(r.window.delivered).toBeLessThanOrEqual(r.window.offered);
}

describe("SimResult.window", () => {
  it("is the warm-up's end (whole µs) to the end of the offered traffic, with the rates' counts", () => {
    const r = simulate(baseSpec({ ratePps: 3e6, warmupNs: 1_000_400, durationNs: 2e6 }));
    expect(r.window.from_ns).toBe(measureFromNs(1_000_400));
    expect(r.window.from_ns).toBe(1_000_000);
    expect(r.window.to_ns).toBe(2e6);
    expectWindowRates(r);
    expect(r.window.per_direction).toBeUndefined();
    // The warm-up transient: its frames went into empty queues, so the whole run delivered a
    // larger share than the window did (whole-run counts overstate the steady state).
    const whole = r.conservation.delivered / r.conservation.sent;
    const inWindow = r.window.delivered / r.window.offered;
    expect(whole).toBeGreaterThan(inWindow + 0.05);
    // Capacity is judged on the window: the core's work for the window's delivered frames over
    // its length, not over a length derived from the whole run's frames.
    const a = aboveCapacity(r, loadCosts("bhyve").c.cpu_ghz, 0.01);
    const core = r.resources.find((u) => u.resource === a?.resource);
    expect(core).toBeDefined();
    expect(a!.workShare).toBeCloseTo(
      ((a!.nsPerPacket as number) * r.window.delivered) / (r.window.to_ns - r.window.from_ns),
      9,
    );
  });

  it("direction both: each direction's counts, summing to the window's", () => {
    const r = simulate(baseSpec({ direction: "both", ratePps: 2e6, warmupNs: 1e6, durationNs: 3e6 }));
    expectWindowRates(r);
    const d = r.window.per_direction;
    if (!d) throw new Error("no window.per_direction on a run in both directions");
    expect(d.rx.offered + d.tx.offered).toBe(r.window.offered);
    expect(d.rx.delivered + d.tx.delivered).toBe(r.window.delivered);
    const s = (r.window.to_ns - r.window.from_ns) / 1e9;
    close(d.rx.offered / s, r.per_direction!.rx.offered_pps);
    close(d.tx.delivered / s, r.per_direction!.tx.delivered_pps);
  });

  it("no warm-up: the whole offered time, every frame offered", () => {
    const r = simulate(baseSpec({ warmupNs: 0 }));
    expect(r.window.from_ns).toBe(0);
    expect(r.window.offered).toBe(r.conservation.sent);
    expectWindowRates(r);
  });
});
