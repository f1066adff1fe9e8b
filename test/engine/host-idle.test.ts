// How a host core idles (src/engine/idle.ts idle()): a paced sender on a host core (the native
// and jail paths' application, pktgen into the tap) busy-waits between its frames as the same
// sender on a vCPU does, shown as busy time spent polling (send_wait), not work; a FreeBSD host's
// idle thread spins before it halts once the core switches often (host_idle_spins), as a
// FreeBSD guest's does, and its halt is free.
import { beforeAll, describe, expect, it } from "vitest";
import type { SimContext } from "../../src/engine/context.ts";
import { idle } from "../../src/engine/idle.ts";
import { deviceInterrupt } from "../../src/engine/interrupt-delivery.ts";
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

const run = (path: string, direction: "rx" | "tx", ratePps: number, durationNs = 2e6): SimResult =>
  simulate({
    path,
    direction,
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps,
    arrival: "constant",
    durationNs,
    warmupNs: 2e5,
    seed: 1,
    profile: "bhyve",
  });

const core = (r: SimResult, name = "host-core0") => r.resources.find((x) => x.resource === name)!;

describe("a paced sender on a host core", () => {
  for (const path of ["native", "jail-vf", "jail-epair"])
    it(`busy-waits between its frames (${path} tx at 0.5 Mpps): its core is busy, polling, not working`, () => {
      const r = run(path, "tx", 0.5e6);
      expect(r.loss_ratio).toBe(0);
      const c = core(r);
      expect(c.by_event.send_wait).toBeGreaterThan(0);
      expect(c.utilization).toBeGreaterThan(0.99);
      expect(c.work_utilization).toBeLessThan(0.6);
      expect(c.utilization - (c.work_utilization ?? 1)).toBeGreaterThan(0.4); // the wait: polling
    });

  it("busy-waits up to its core's limit: at 1.2 and 1.5 Mpps its frames' work is booked at their slots ahead, and the wait before them is polling too", () => {
    for (const rate of [1.2e6, 1.5e6]) {
      const c = core(run("native", "tx", rate));
      expect(c.utilization, `${rate}`).toBeGreaterThan(0.99);
      expect(c.work_utilization, `${rate}`).toBeLessThan(0.75);
    }
  });

  it("pktgen into the tap spins for gaps below 100 us and sleeps for longer ones (pktgen.c spin())", () => {
    const fast = run("virtio-tap", "rx", 0.5e6);
    expect(core(fast).by_event.send_wait).toBeGreaterThan(0);
    // 5 kpps: 200 us between frames, pktgen sleeps on an hrtimer: its core is not shown busy.
    const slow = run("virtio-tap", "rx", 5e3, 20e6);
    expect(slow.conservation.sent).toBeGreaterThan(50);
    expect(core(slow).by_event.send_wait ?? 0).toBe(0);
    expect(core(slow).utilization).toBeLessThan(0.05);
  });
});

const rx = (profile: string, ratePps: number, durationNs = 20e6): SimResult =>
  simulate({
    path: "native",
    direction: "rx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps,
    arrival: "constant",
    durationNs,
    warmupNs: 2e5,
    seed: 1,
    profile,
  });

describe("a FreeBSD host core's idle thread (ULE sched_idletd on bare metal)", () => {
  it("spins before halting once the core switches threads often: 20K interrupts a second", () => {
    const r = rx("bhyve", 1e5);
    const c = core(r);
    expect(r.events.interrupts).toBeGreaterThan(300); // 20 ms at 20K/s (ITR 50 us)
    expect(c.by_event.idle_spin).toBeGreaterThan(0);
    // Busy time spent polling, not work: the work is that of a core that does not spin.
    const none = rx(costVariant("bhyve", { host_idle_spins: 0 }), 1e5);
    const n = core(none);
    expect(n.by_event.idle_spin ?? 0).toBe(0);
    expect(c.utilization).toBeGreaterThan(n.utilization + 0.3);
    expect(c.work_utilization).toBeCloseTo(n.work_utilization ?? 0, 6);
    // Its halt is free (leaving it is not priced), so spinning changes no latency.
    expect(r.latency_us).toEqual(none.latency_us);
  });

  it("counts both switches of each idle period, the one out of a free halt too: 6,000 interrupts a second spin, 3,000 do not", () => {
    // Each interrupt is two context switches (the idle thread gives the core to the work, the
    // work gives it back): 6,000 a second are 189 in two ticks of stathz 127, above the
    // threshold (157); 3,000 are 94. Counted once per idle period, as when the switch out of a
    // halted core (idle.ts haltCore) is missed, 6,000 a second would also stay below it.
    const at6k = rx("bhyve", 6e3, 40e6);
    expect(at6k.events.interrupts).toBeGreaterThan(200);
    expect(core(at6k).by_event.idle_spin ?? 0).toBeGreaterThan(0);
    expect(core(rx("bhyve", 3e3, 40e6)).by_event.idle_spin ?? 0).toBe(0);
  });

  it("halts at once while it switches rarely: 1,000 interrupts a second", () => {
    const r = rx("bhyve", 1e3);
    expect(r.conservation.delivered).toBeGreaterThan(10);
    expect(core(r).by_event.idle_spin ?? 0).toBe(0);
  });

  it("a Linux host (kvm-posted: cpuidle not modelled) halts at once", () => {
    expect(core(rx("kvm-posted", 1e5)).by_event.idle_spin ?? 0).toBe(0);
  });

  it("ping(8) once a second finds the host core halted: no spin, no figure of the ping moves", () => {
    const p = simulatePing({ path: "native", count: 5, seed: 1, profile: "bhyve" });
    const q = simulatePing({
      path: "native",
      count: 5,
      seed: 1,
      profile: costVariant("bhyve", { host_idle_spins: 0 }),
    });
    expect(p.received).toBe(5);
    expect(p.rtt_us).toEqual(q.rtt_us);
  });
});

/** A bhyve host core whose idle thread spins (its switch count primed above the threshold), and
 *  the vCPU whose assigned device's interrupts take pptintr on that core. */
function spinningHostCore() {
  const costs = loadCosts("bhyve");
  const c = costs.c;
  const q = new EventQueue();
  const host = new Resource("host-core0", "core", c.cpu_ghz);
  const vcpu = new Resource("guest-vcpu0", "vcpu", c.cpu_ghz);
  const ctx = {
    q,
    costs,
    resources: new Map([
      ["host-core0", host],
      ["guest-vcpu0", vcpu],
    ]),
    events: { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 },
  } as unknown as SimContext;
  host.switches = new SwitchCount(1e9 / c.guest_stathz);
  for (let i = 0; i < c.guest_idle_spin_threshold; i++) host.switches.add(0);
  q.push(0, (t) => idle(ctx, host, t));
  const spinNs = (c.host_idle_spins * c.guest_idle_spin_cycles) / c.cpu_ghz;
  const filterNs = (c.host_irq_cycles + c.injection_cycles) / c.cpu_ghz;
  return { q, c, ctx, host, vcpu, spinNs, filterNs };
}

describe("bhyve's pptintr on a host core (an interrupt filter: no thread switch)", () => {
  it("leaves the idle thread spinning: the spin resumes after the filter, no switch is counted, and it halts at the spin's end", () => {
    const { q, c, ctx, host, vcpu, spinNs, filterNs } = spinningHostCore();
    expect(c.device_irq_via_host).toBe(1);
    expect(c.host_irq_on_vcpu).toBe(0);
    const raised = spinNs / 4;
    let during = { spinFrom: -1, switches: -1 };
    q.push(raised, (t) => deviceInterrupt(ctx, vcpu, "host-core0", t, () => {}));
    q.push(raised + filterNs + 1, () => {
      during = { spinFrom: host.spinFrom, switches: host.switches?.total(raised) ?? -1 };
    });
    while (q.runNext()) {}
    expect(during.spinFrom).toBeCloseTo(raised + filterNs, 6); // spinning again where it returned
    expect(during.switches).toBe(c.guest_idle_spin_threshold + 1); // the idle thread's own only
    const by = host.cyclesByKind();
    expect(by.irq).toBeCloseTo(c.host_irq_cycles, 6);
    expect(by.injection).toBeCloseTo(c.injection_cycles, 6);
    // Polling is the spin less the filter's time; the core halted at the spin's end.
    expect(by.idle_spin).toBeCloseTo((spinNs - filterNs) * c.cpu_ghz, 3);
    expect(host.busyNs).toBeCloseTo(spinNs, 3);
    expect(host.spinFrom).toBeCloseTo(spinNs, 6); // the free halt, held as a spin run out
  });

  it("leaves a halted core halted: work after it is the switch out of the idle thread, not the filter", () => {
    const { q, c, ctx, host, vcpu, spinNs, filterNs } = spinningHostCore();
    const raised = spinNs * 2; // after the spin: halted
    let afterFilter = -1;
    q.push(raised, (t) => deviceInterrupt(ctx, vcpu, "host-core0", t, () => {}));
    q.push(raised + filterNs + 1, (t) => {
      afterFilter = host.switches?.total(t) ?? -1;
      host.run(t, 1000, "work"); // a thread takes the core
    });
    while (q.runNext()) {}
    expect(afterFilter).toBe(c.guest_idle_spin_threshold + 1);
    expect(host.switches?.total(raised + filterNs + 1)).toBe(c.guest_idle_spin_threshold + 2);
    expect(host.cyclesByKind().idle_spin).toBeCloseTo(spinNs * c.cpu_ghz, 3); // no more polling
  });
});
