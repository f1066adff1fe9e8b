// vhost's byte weight (VHOST_NET_WEIGHT, 0x80000): a handle_rx call also ends once it has moved
// that many bytes, so with full-size frames and the packet weight lifted (Linux 4.8 had only the
// byte weight: the vhost-2016 switch) a saturated vhost still re-queues itself every ~344 frames
// and pays vhost_batch_cycles for each call.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { costVariant, loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

const run = (size: number, changes: Record<string, number>): SimResult =>
  simulate({
    path: "virtio-tap",
    direction: "rx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size } }),
    ratePps: 3_000_000,
    arrival: "constant",
    durationNs: 3_000_000,
    warmupNs: 600_000,
    seed: 1,
    profile: costVariant("kvm-posted", changes),
  });
const vhost = (r: SimResult) => r.resources.find((x) => x.resource.startsWith("vhost"))!;

describe("vhost ends a call on bytes too (vhost_byte_weight)", () => {
  beforeAll(async () => {
    await ensureKernels();
  });

  it("with the packet weight lifted, full-size frames still end a call every VHOST_NET_WEIGHT bytes", () => {
    const c = loadCosts("kvm-posted").c;
    const byPackets = run(1514, { vhost_pkt_weight: 256 });
    const lifted = run(1514, { vhost_pkt_weight: 8192 });
    for (const r of [byPackets, lifted]) {
      expect(r.conservation.ok).toBe(true);
      expect(vhost(r).work_utilization ?? 0).toBeGreaterThan(0.95); // saturated
    }
    // Calls that end for other reasons (out of guest buffers) cost the same in both; the
    // re-queues differ. 1,526 B a frame with its header: the byte weight ends a call after
    // ceil(0x80000 / 1526) = 344 frames, at a stage batch's end (napi_budget frames): 384. So
    // lifting the packet weight from 256 saves 507/256 - 507/384 cycles a packet, not all 507/256
    // as it would if nothing but packets ended a call.
    const framesPerCall = Math.ceil(c.vhost_byte_weight / (1514 + 12) / c.napi_budget) * c.napi_budget;
    const saved = (vhost(byPackets).by_event.vhost_batch ?? 0) - (vhost(lifted).by_event.vhost_batch ?? 0);
    const expected = c.vhost_batch_cycles / 256 - c.vhost_batch_cycles / framesPerCall;
    expect(saved).toBeGreaterThan(0.5 * expected);
    expect(saved).toBeLessThan(1.5 * expected);
  });
});
