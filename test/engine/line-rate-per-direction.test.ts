// Each direction's senders are capped at the line rate of their own frames: transmit sends the
// consumer's frames (untagged unless its port VLAN tags them; a closed loop's ACKs), not the
// receive direction's. A VLAN tag on the wire's incoming traffic made tx's cap 4 B a frame lower.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

const line = (bytes: number) => 10e9 / ((bytes + 20) * 8);

describe("line-rate cap per direction", () => {
  beforeAll(async () => {
    await ensureKernels();
  });

  const tx = (vlan?: { vid: number; pcp: number }) =>
    simulate({
      path: "native",
      direction: "tx",
      traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 }, ...(vlan ? { vlan } : {}) }),
      // Between the tagged (1,522 B) and the untagged (1,518 B) line rate.
      ratePps: 811_500,
      arrival: "constant",
      durationNs: 2_000_000,
      warmupNs: 500_000,
      seed: 1,
      profile: "bhyve",
    });

  it("native tx under a tagged receive stream is capped at its own (untagged) 1518 B line rate", () => {
    expect(line(1522)).toBeLessThan(811_500);
    expect(line(1518)).toBeGreaterThan(811_500);
    const tagged = tx({ vid: 5, pcp: 0 });
    // The consumer sends untagged (the tag is the wire peer's): nothing caps its 811,500 frames/s.
    expect(tagged.offered_pps).toBe(tx().offered_pps);
    expect(tagged.offered_pps).toBeGreaterThan(line(1522) + 300);
  });
});

// A sender on a CPU held back by its stack (native tx at 64 B) falls behind its slots and makes
// their frames late, stamped at their past slots: far enough behind (14.5 Mpps and up), every
// frame it made was stamped before the measured window and the run reported 0 offered and 0
// delivered. The slots due in the window that it never reached are offered (and lost).
describe("64 B at and above the line rate: offered at the cap, never 0", () => {
  beforeAll(async () => {
    await ensureKernels();
  });

  const run = (direction: "rx" | "tx" | "both", ratePps: number) =>
    simulate({
      path: "native",
      direction,
      traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
      ratePps,
      arrival: "constant",
      durationNs: 1_000_000,
      warmupNs: 200_000,
      seed: 1,
      profile: "bhyve",
    });

  for (const direction of ["tx", "rx", "both"] as const)
    for (const ratePps of [14_500_000, 14_881_000, 20_000_000])
      it(`native ${direction} 64 B at ${ratePps / 1e6} Mpps offers min(rate, line rate) per direction`, () => {
        const r = run(direction, ratePps);
        const perDirection = direction === "both" ? [r.per_direction?.rx, r.per_direction?.tx] : [r];
        for (const d of perDirection) {
          if (d === undefined) throw new Error("no per-direction figures");
          // Within 0.1 % (the window counts whole frames).
          expect(d.offered_pps).toBeGreaterThan(Math.min(ratePps, line(64)) * 0.999);
          expect(d.offered_pps).toBeLessThan(Math.min(ratePps, line(64)) * 1.001);
          // What was offered is delivered or lost.
          expect(d.delivered_pps).toBeLessThanOrEqual(d.offered_pps);
          expect(d.delivered_pps + d.loss_ratio * d.offered_pps).toBeCloseTo(d.offered_pps, 0);
        }
      });
});
