// The virtio-event-idx case: a full-size stream into the guest that its application paces.
// The result comes from the mechanism the patch names (fewer interrupts to a guest still
// consuming), the guest's vCPU is saturated in both modes, and the window (a workload choice)
// does not move the ratio, on the case's host nor on today's irqfd.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { CASES, ELI_WINDOW, EVENT_IDX_HOST } from "../../src/fidelity/cases.ts";
import { CaseEnv, DEFAULT_TRIALS } from "../../src/fidelity/env.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const EVENT_IDX_CASE = CASES.find((x) => x.name === "virtio-event-idx")!;
const LINE_1514 = 10e9 / ((1514 + 20) * 8);
const stream = (env: CaseEnv, profile: string, window = ELI_WINDOW) =>
  env.closedLoop({ path: "virtio", profile, size: 1514 }, window, LINE_1514);
const work = (r: SimResult, name: string) =>
  r.resources.find((x) => x.resource === name)?.work_utilization ?? 0;
const irqfdBounce = (r: SimResult) =>
  r.resources.find((x) => x.resource === "vhost0")?.by_event.irqfd_bounce ?? 0;

describe("virtio event index on a full-size stream (2010's KVM)", () => {
  it("event index gives more bandwidth with fewer interrupts; the guest's vCPU is saturated either way", () => {
    const env = new CaseEnv(DEFAULT_TRIALS);
    const on = stream(env, EVENT_IDX_HOST);
    const off = stream(env, `${EVENT_IDX_HOST}!no-event-idx`);
    for (const r of [on, off]) {
      expect(r.loss_ratio).toBe(0);
      expect(work(r, "guest-vcpu0")).toBeGreaterThan(0.98);
      expect(r.delivered_pps).toBeLessThan(0.95 * LINE_1514); // not the wire
    }
    expect(on.delivered_pps).toBeGreaterThan(off.delivered_pps);
    expect(off.events_per_s.notifications).toBeGreaterThan(1.5 * on.events_per_s.notifications);
    expect(off.events_per_s.vm_exits).toBeGreaterThan(on.events_per_s.vm_exits);
    // The flags' extra signals also cost vhost's core the irqfd bounce (its thread is near
    // saturation on this host: docs/model.md).
    expect(irqfdBounce(off)).toBeGreaterThan(irqfdBounce(on));
  }, 60_000);

  it("gives about the same ratio with a window four times deeper", () => {
    const env = new CaseEnv(DEFAULT_TRIALS);
    // The case's host (2010's irqfd bounce and guest refill) and today's irqfd, which the case
    // reports beside it. The bound is fixed, not the last measurement: a workload choice (the
    // window) must not move the ratio by more than a tenth of the case's tolerance band, which
    // the case's text states. Today's irqfd broke it (1.119 at 64 frames, 1.045 at 256,
    // simulated) while an interrupt raised in a kick's exit was charged an exit of its own:
    // the loop without the event index then had a second operating point, which the start-up
    // burst picked for some windows (docs/model.md, "The window on today's irqfd").
    const [lo, hi] = EVENT_IDX_CASE.published.tolerance;
    for (const host of [EVENT_IDX_HOST, "kvm-exits"]) {
      const ratio = (w: number) =>
        stream(env, host, w).delivered_pps / stream(env, `${host}!no-event-idx`, w).delivered_pps;
      expect(Math.abs(ratio(ELI_WINDOW) - ratio(4 * ELI_WINDOW)), host).toBeLessThan((hi - lo) / 10);
    }
  }, 60_000);

  it("the case reports that ratio and the rates behind it", async () => {
    const c = EVENT_IDX_CASE;
    const env = new CaseEnv(DEFAULT_TRIALS);
    const o = await c.run(env);
    // The case's host: 2010's KVM, whose irqfd bounced each signal through a kernel thread,
    // and its guest, which re-posted receive buffers once half its ring was free.
    const ratio =
      stream(env, EVENT_IDX_HOST).delivered_pps / stream(env, `${EVENT_IDX_HOST}!no-event-idx`).delivered_pps;
    expect(o.simulated).toBeCloseTo(ratio, 9);
    expect(o.details).toMatch(/with irqfd's later MSI fast path .* on\/off [\d.]+$/);
    expect(o.details).toMatch(/on [\d.]+ Mpps = [\d.]+ Gbit\/s .*notifications.*injected.*exits/);
  }, 60_000);
});
