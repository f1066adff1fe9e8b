// When a frame on the wire is in: its last bit. The NIC's receive write-back window
// (nic_window_ns) opens then, and the ping peer answers a request only once its last bit is in.
// Both once hid a frame's serialization (the window's timer ran from its first bit; the peer
// answered the NIC's hand-off of the request), so a slower wire gave a lower latency.
import { beforeAll, describe, expect, it } from "vitest";
import { PING_FRAME_SIZE, simulatePing } from "../../src/engine/ping.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { linkGbpsOf } from "../../src/paths/setup.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** Preamble + SFD (8) and the inter-frame gap (12): the wire's bytes beyond the frame. */
const L1_OVERHEAD = 20;

describe("a frame on the wire is in when its last bit is", () => {
  it("a lone received frame's latency (from its last bit) does not depend on the wire's rate", () => {
    // The same NIC, host and costs; only the wire's rate differs. Latency runs from the last
    // bit, and everything after it (write-back window, switch, DMA, interrupt, stack) is the
    // same, so a lone frame (10 kpps: each one alone in its window) takes the same time.
    const lone = (linkGbps: number) =>
      simulate(baseSpec({ ratePps: 1e4, count: 3, durationNs: 1e6, warmupNs: 0, linkGbps })).latency_us;
    const ref = lone(10);
    for (const g of [1, 2.5, 25]) {
      const l = lone(g);
      expect(l.min, `${g} Gbit/s`).toBe(ref.min);
      expect(l.max, `${g} Gbit/s`).toBe(ref.max);
    }
  }, 30_000);

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
