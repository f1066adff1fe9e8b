// vhost's signals through KVM's irqfd: today's MSI fast path (the signalling thread injects) and
// the kernel-thread bounce of KVM before bd2b53b20fcd (irqfd_msi_fastpath = 0), where a signal
// that finds the injection work still pending adds nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { costVariant, loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

/** pktgen into the tap, open loop, with the ring flags (many signals) on 2010's vhost (kvm-exits). */
const run = (fastpath: number): SimResult =>
  simulate({
    path: "virtio-tap",
    direction: "rx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps: 1_000_000,
    arrival: "constant",
    durationNs: 3_000_000,
    warmupNs: 600_000,
    seed: 1,
    profile: costVariant("kvm-exits", { irqfd_msi_fastpath: fastpath, virtio_event_idx: 0 }),
  });
const vhost = (r: SimResult) => r.resources.find((x) => x.resource === "vhost0")!;

describe("irqfd: vhost's signal to the guest", () => {
  beforeAll(async () => {
    await ensureKernels();
  });

  it("with the MSI fast path the vhost thread pays the injection only", () => {
    const r = run(1);
    expect(r.conservation.ok).toBe(true);
    expect(r.events_per_s.notifications).toBeGreaterThan(0);
    expect(vhost(r).by_event.irqfd_bounce ?? 0).toBe(0);
    expect(vhost(r).by_event.injection).toBeGreaterThan(0);
  });

  it("before it, each injection follows one bounce, and signals meanwhile are absorbed", () => {
    const c = loadCosts("kvm-exits").c;
    const r = run(0);
    expect(r.conservation.ok).toBe(true);
    const by = vhost(r).by_event;
    const bounces = by.irqfd_bounce / c.irqfd_bounce_cycles;
    expect(bounces).toBeGreaterThan(0);
    // One injection per bounce (an absorbed signal pays neither).
    expect(by.injection / c.injection_cycles).toBeCloseTo(bounces, 6);
    // Per-packet signals 1 us apart against a bounce of about 2 us: some found the work pending.
    const perPacket = r.events_per_s.notifications / r.delivered_pps;
    expect(bounces).toBeLessThan(0.9 * perPacket);
  });
});
