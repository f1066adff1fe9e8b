// How an idle guest vCPU idles (src/engine/idle.ts idle(), idleThread): a FreeBSD guest's ULE idle
// thread spins before it halts once its vCPU switches threads often (guest_idle_spin_threshold
// over two stat ticks), a paced sender on a vCPU busy-waits between its frames, ping(8) sleeps.
import { beforeAll, describe, expect, it } from "vitest";
import type { SimContext } from "../../src/engine/context.ts";
import { idle } from "../../src/engine/idle.ts";
import { inject } from "../../src/engine/interrupt-delivery.ts";
import { simulatePing } from "../../src/engine/ping.ts";
import { EventQueue } from "../../src/engine/queue.ts";
import { Resource } from "../../src/engine/resource.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { SwitchCount } from "../../src/engine/switch-count.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { costVariant, loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** A vCPU on `profile` that takes an interrupt every `gapNs` (n of them) and does 3,000 cycles
 *  of work for each, idling in between as its guest does. */
function interruptsEvery(profile: string, gapNs: number, n: number) {
  const costs = loadCosts(profile);
  const q = new EventQueue();
  const ctx = {
    q,
    costs,
    events: { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 },
  } as unknown as SimContext;
  const vcpu = new Resource("guest-vcpu0", "vcpu", costs.c.cpu_ghz);
  q.push(0, (t) => idle(ctx, vcpu, t));
  for (let i = 1; i <= n; i++)
    q.push(i * gapNs, (t) =>
      inject(ctx, vcpu, t, (t2) => {
        vcpu.active++;
        const end = vcpu.run(t2, 3000, "work");
        vcpu.active--;
        idle(ctx, vcpu, end);
      }),
    );
  while (q.runNext()) {}
  return { ctx, vcpu, costs };
}

describe("a FreeBSD guest's idle thread (ULE sched_idletd)", () => {
  it("halts at once while its vCPU switches rarely: 100 interrupts a second, each one wakes it", () => {
    const { ctx, vcpu } = interruptsEvery("bhyve", 10e6, 50);
    expect(ctx.events.wakeups).toBe(50);
    expect(vcpu.cyclesByKind().idle_spin ?? 0).toBe(0);
  });

  it("spins before halting once it has switched more than the threshold in two stat ticks: interrupts 20 us apart find it running", () => {
    const n = 2000;
    const { ctx, vcpu, costs } = interruptsEvery("bhyve", 20_000, n);
    // Two switches per idle period: the first (threshold / 2) + 1 periods halt, then it spins
    // (34 us at 2.93 GHz > the 20 us gap) and every later interrupt finds the vCPU running.
    const halting = Math.floor(costs.c.guest_idle_spin_threshold / 2) + 1;
    expect(ctx.events.wakeups).toBe(halting);
    expect(vcpu.cyclesByKind().idle_spin).toBeGreaterThan(0);
    expect(vcpu.pollNs).toBeGreaterThan(0);
    // The same vCPU when its guest does not spin (kern.sched.idlespins=0): a wake-up per interrupt.
    const none = interruptsEvery(costVariant("bhyve", { guest_idle_spins: 0 }), 20_000, n);
    expect(none.ctx.events.wakeups).toBe(n);
  });

  it("a spin that runs out halts: interrupts 100 us apart (beyond the 34 us spin) still wake it", () => {
    const n = 2000;
    const { ctx, vcpu, costs } = interruptsEvery("bhyve", 100_000, n);
    expect(ctx.events.wakeups).toBe(n);
    // It spun (the switch rate is above the threshold) and halted after each spin.
    const spinNs = (costs.c.guest_idle_spins * costs.c.guest_idle_spin_cycles) / costs.c.cpu_ghz;
    expect(vcpu.pollNs).toBeGreaterThan((n / 2) * spinNs);
  });

  it("a Linux guest of KVM (no cpuidle-haltpoll) never spins", () => {
    const { ctx, vcpu } = interruptsEvery("kvm-posted", 20_000, 500);
    expect(vcpu.cyclesByKind().idle_spin ?? 0).toBe(0);
    // Each interrupt finds it halted (KVM's host halt-polling spares the wake-up, not the exit).
    expect(ctx.events.vm_exits).toBeGreaterThanOrEqual(500);
  });

  it("counts switches over the current and the last stat tick only (ULE's sched_clock roll)", () => {
    const s = new SwitchCount(1000);
    for (let i = 0; i < 5; i++) s.add(100 + i);
    expect(s.total(900)).toBe(5);
    s.add(1500);
    expect(s.total(1999)).toBe(6); // this tick's one and the last tick's five
    expect(s.total(2000)).toBe(1); // two ticks on, the five are forgotten
    expect(s.total(4500)).toBe(0);
  });
});

const tx1518 = (ratePps: number, profile = "bhyve"): SimResult =>
  simulate({
    path: "vm-vf",
    direction: "tx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
    ratePps,
    arrival: "constant",
    durationNs: 2e6,
    warmupNs: 2e5,
    seed: 1,
    profile,
  });

describe("a paced sender on a vCPU", () => {
  it("busy-waits between its frames: a guest sending 1518 B frames at 0.8 Mpps does not halt per frame and loses none", () => {
    const r = tx1518(0.8e6);
    const frames = r.conservation.sent;
    expect(frames).toBeGreaterThan(1000);
    expect(r.events.vm_exits).toBeLessThan(frames / 100); // it halted at 0.72 Mpps and above before
    expect(r.loss_ratio).toBe(0);
    const vcpu = r.resources.find((x) => x.resource === "guest-vcpu0")!;
    expect(vcpu.by_event.send_wait).toBeGreaterThan(0);
    // The wait is busy time, not work: the vCPU is not the bottleneck.
    expect(vcpu.utilization).toBeGreaterThan(0.99);
    expect(vcpu.work_utilization).toBeLessThan(0.6);
    expect(r.bottleneck).not.toBe("guest-vcpu0");
  });

  it("so its vCPU's work per frame no longer falls as the load rises (no exits saved by busier gaps)", () => {
    const work = (r: SimResult) => {
      const v = r.resources.find((x) => x.resource === "guest-vcpu0")!;
      return v.cycles_per_packet - (v.by_event.send_wait ?? 0) - (v.by_event.idle_spin ?? 0);
    };
    const low = work(tx1518(0.2e6));
    const high = work(tx1518(0.8e6));
    expect(Math.abs(low - high) / high).toBeLessThan(0.02);
  });
});

describe("ping(8) on an idle guest", () => {
  it("sleeps between its requests, and the guest, pinged once a second, halts: every reply wakes the vCPU", () => {
    const p = simulatePing({ path: "vm-vf", count: 5, seed: 1, profile: "bhyve" });
    expect(p.received).toBe(5);
    // Each request's reply arrives at a halted vCPU: one wake-up each (the request's own send
    // follows ping's timer, not counted in its round trip).
    expect(p.events.wakeups).toBeGreaterThanOrEqual(5);
    expect(p.events.vm_exits).toBeGreaterThanOrEqual(5);
  });
});
