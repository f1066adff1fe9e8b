// The eli-baseline closed loop (vm-vf on kvm-exits, 64 B, window 64, one ACK per two reads)
// (docs/model.md, "eli-baseline depends on choices"): the clean start settles at about 5 frames
// per interrupt. It had a second stable operating point at the same constants (about 4 frames
// per interrupt, 8 % fewer frames/s) that a one-off stall of a few µs of the guest's receive
// queue could move it to; since the NIC pipeline counts full duplex no stall tried reaches it.
// Pins the one regime left: the clean start's frames per interrupt inside 4.7-5.4, a band that
// holds the first regime (about 5.05) and excludes the second (about 4), and stalls and a
// longer run that move neither the rate nor that figure (same constants, same measured window).
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
  it("holds its operating point through a short stall of the guest's queue (one regime since the full-duplex NIC pipeline)", () => {
    // Until the NIC's pipeline counted each port's line rate in both directions (its switch time
    // per frame halved), stalls of 2-8 µs at some phases moved this loop, for good, to a second
    // operating point with about one frame fewer per interrupt (docs/model.md, "eli-baseline
    // depends on choices"). At the profile's values no stall tried reaches it now (1-30 µs at
    // 1 ms, 2-20 µs at five phases up to 2 ms): it stays at about 5 frames per interrupt.
    const clean = run(0);
    expect(perIrq(clean)).toBeGreaterThan(4.7);
    expect(perIrq(clean)).toBeLessThan(5.4);
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
