// A sender on a CPU that its stack holds back (its queue full, its core busy) falls behind its
// slots. It makes the frames it owes when it gets to them and stamps them then, as a real
// generator whose core cannot keep up sends late rather than back-dating its frames: the
// measured window counts what it made inside it, and latency runs from when each was made.
// Stamped at their slots instead, a sender far enough behind (native tx 64 B from 14.5 Mpps)
// made every frame "before" the window and the run reported 0 offered and 0 delivered.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

const LINE_64 = 10e9 / ((64 + 20) * 8);

const tx = (path: string, ratePps: number, durationNs: number, warmupNs: number): SimResult =>
  simulate({
    path: path as "native",
    direction: "tx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps,
    arrival: "constant",
    durationNs,
    warmupNs,
    seed: 1,
    profile: "bhyve",
  });

const heldBack = (r: SimResult, asked: number) => {
  expect(r.conservation.ok).toBe(true);
  // It offered less than asked (its stack held it back), but not nothing.
  expect(r.offered_pps).toBeGreaterThan(0.02 * asked);
  expect(r.offered_pps).toBeLessThan(0.9 * asked);
  // Pushed back, not dropped: what it offered was delivered.
  expect(r.loss_ratio).toBe(0);
  expect(r.delivered_pps).toBe(r.offered_pps);
};

describe("a CPU sender held back by its stack offers what it made, when it made it", () => {
  beforeAll(async () => {
    await ensureKernels();
  });

  it("native tx 64 B at line rate: the rate its core reached, the same over any window", () => {
    const short = tx("native", LINE_64, 3_000_000, 1_000_000);
    const long = tx("native", LINE_64, 6_000_000, 3_000_000);
    heldBack(short, LINE_64);
    heldBack(long, LINE_64);
    // Its core sets the rate, not where the window falls in the run.
    expect(short.offered_pps).toBeGreaterThan(0.97 * long.offered_pps);
    expect(short.offered_pps).toBeLessThan(1.03 * long.offered_pps);
    // The sender's core is its limit: busy the whole window, and the frames it offered are
    // those its work per frame (simulated cycles) fits in that window.
    const ghz = loadCosts("bhyve").c.cpu_ghz;
    for (const r of [short, long]) {
      const core = r.resources.find((u) => u.resource === "host-core0");
      if (core === undefined) throw new Error("no host-core0");
      expect(core.utilization).toBeGreaterThan(0.99);
      expect((r.offered_pps * core.cycles_per_packet) / (ghz * 1e9)).toBeCloseTo(core.utilization, 1);
    }
    // Latency runs from when each frame was made: it does not grow with how far behind its
    // slots the sender has fallen (slot-stamped, it grew with the trial, by hundreds of µs).
    expect(long.latency_us.p99).toBeLessThan(1.2 * short.latency_us.p99);
    expect(long.latency_us.max).toBeLessThan(100);
  });

  it("the same stack-limited rate whatever rate above it was asked", () => {
    const atLine = tx("native", LINE_64, 3_000_000, 1_000_000);
    const at5 = tx("native", 5e6, 3_000_000, 1_000_000);
    heldBack(at5, 5e6);
    expect(at5.offered_pps).toBeGreaterThan(0.97 * atLine.offered_pps);
    expect(at5.offered_pps).toBeLessThan(1.03 * atLine.offered_pps);
  });

  for (const path of ["jail-vf", "vm-vf", "passthrough", "virtio", "jail-epair"])
    it(`${path} tx 64 B at line rate: offered > 0, all delivered`, () => {
      heldBack(tx(path, LINE_64, 2_000_000, 1_000_000), LINE_64);
    });
});
