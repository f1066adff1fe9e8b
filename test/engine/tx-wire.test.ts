// The transmit direction past one ring's worth of frames: the NIC's wire-out ring has no driver
// behind it (the peer on the wire takes every frame as it is serialized, no refill doorbell), so
// its room is its own. Limiting it by refills that never came stopped every transmit run after
// 1024 frames ("wire-out ring full": tx NDR came out near 1 Mpps for every path).
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
});

describe("transmit to the wire", () => {
  it("below the sender's capacity, every frame of a long run reaches the wire", () => {
    for (const path of ["native", "vm-vf", "virtio", "jail-epair"]) {
      const r = simulate({
        path,
        direction: "tx",
        traffic: defaultProfile(),
        ratePps: 400_000,
        arrival: "constant",
        durationNs: 5e6, // 2,000 frames: about twice the wire-out ring
        seed: 1,
        profile: "bhyve",
      });
      const k = r.conservation;
      expect(k.ok, path).toBe(true);
      expect(k.sent, path).toBe(2000);
      expect(k.delivered, path).toBe(k.sent);
      expect(k.dropped, path).toEqual({});
      expect(r.loss_ratio, path).toBe(0);
    }
  });
});
