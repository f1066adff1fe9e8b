// The eli-baseline closed loop (vm-vf on kvm-exits, 64 B, window 64, one ACK per two reads)
// (docs/model.md, "eli-baseline depends on choices"): the loop has had two self-consistent
// cycles at the same constants: (A) about 5 frames per interrupt, two of four interrupts on
// their timer (itr_us, 6.7 µs) with frames already written back, and (B) every interrupt on a
// write-back that comes after its timer, about 7.6 µs apart, 4 frames each. Since the NIC's
// write-back window opens at a frame's last bit (it has nothing to write back before: gen.ts),
// each write-back comes one frame's serialization later than when it opened at the first bit,
// after the timer that A's timer-fired interrupts needed it before: B is the cycle left.
// Pins it: the clean start's frames per interrupt inside 3.7-4.4, a band that holds B (about
// 4.00) and excludes A (about 5.05), and stalls and a longer run that move neither the rate nor
// that figure (same constants, same measured window).
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { ELI_WINDOW } from "../../src/fidelity/cases.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const LINE_64B = 14_880_952;

/** The eli-baseline guest run, optionally with the guest's queue stalled for `stallUs` at 1 ms. */
const run = (stallUs: number, durationNs = 6e6): SimResult =>
  simulate({
    path: "vm-vf",
    direction: "rx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps: LINE_64B,
    arrival: "constant",
    durationNs,
    // Measured from 3 ms on: long after the stall (at 1 ms) and a few hundred interrupts in.
    warmupNs: durationNs / 2,
    seed: 1,
    profile: "kvm-exits",
    application: true,
    window: ELI_WINDOW,
    ...(stallUs > 0
      ? { faults: [{ kind: "sink-stall", queue: 0, at: { ns: 1e6 }, for: { ns: stallUs * 1000 } }] }
      : {}),
  });
const perIrq = (r: SimResult) => r.delivered_pps / r.events_per_s.interrupts;

describe("the eli-baseline closed loop", () => {
  it("holds its operating point through a short stall of the guest's queue (one regime: every interrupt on a write-back after its timer)", () => {
    // Before the NIC pipeline counted each port's line rate in both directions, stalls of 2-8 µs
    // at some phases moved this loop between the two cycles; after it, and until the write-back
    // window opened at the last bit, it stayed in A. At the last bit it starts in B and no stall
    // tried moves it (1-50 µs at 1 ms, 2-20 µs at 1.1-2 ms: 0.5247-0.5253 Mpps, 3.995-4.010).
    const clean = run(0);
    expect(perIrq(clean)).toBeGreaterThan(3.7);
    expect(perIrq(clean)).toBeLessThan(4.4);
    for (const us of [2, 5, 8, 20]) {
      const r = run(us);
      expect(Math.abs(r.delivered_pps / clean.delivered_pps - 1), `${us} µs`).toBeLessThan(0.005);
      expect(Math.abs(perIrq(r) - perIrq(clean)), `${us} µs`).toBeLessThan(0.2);
    }
    // Measured twice as late, the rate is the same (not a transient).
    const later = run(0, 12e6);
    expect(Math.abs(later.delivered_pps / clean.delivered_pps - 1)).toBeLessThan(0.005);
  }, 120_000);
});
