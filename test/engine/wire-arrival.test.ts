// When a frame on the wire is in: its last bit. The ping peer answers a request only once its
// last bit is in; it once answered the NIC's hand-off of the request (its serialization never
// charged), so a slower wire lost one frame's serialization from the round trip.
import { beforeAll, describe, expect, it } from "vitest";
import { PING_FRAME_SIZE, simulatePing } from "../../src/engine/ping.ts";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { linkGbpsOf } from "../../src/paths/setup.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** Preamble + SFD (8) and the inter-frame gap (12): the wire's bytes beyond the frame. */
const L1_OVERHEAD = 20;

describe("a frame on the wire is in when its last bit is", () => {
  it("ping over a 1 GbE PF takes at least both frames' longer serialization more than over 10 GbE", () => {
    const rtt = (config?: { text: string; file: string }) =>
      Math.min(...simulatePing({ path: "native", count: 2, seed: 1, profile: "bhyve", config }).rtt_us);
    const igb = { text: 'PF { device: "igb0"; num_vfs: 2; }\n', file: "igb.conf" };
    const slow = linkGbpsOf("igb");
    const fast = linkGbpsOf("ixl");
    expect(slow).toBeLessThan(fast);
    // The request and the reply each cross the wire once; every other stage of the slower
    // NIC is at least as slow (its switch and PCIe), so the difference is no less than this.
    const wireBits = (PING_FRAME_SIZE + L1_OVERHEAD) * 8;
    const serializationNs = 2 * wireBits * (1 / slow - 1 / fast);
    expect((rtt(igb) - rtt()) * 1e3).toBeGreaterThanOrEqual(serializationNs);
  }, 30_000);
});
