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
