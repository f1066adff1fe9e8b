// The application behind a consumer's socket (ScenarioSpec.application) and the closed-loop
// sender (ScenarioSpec.window): the application's reads are charged on the consumer's CPU below
// the stack's priority, a vCPU with frames queued for its application does not halt, and the
// window bounds what the sender keeps in flight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartitionedRunner } from "../../src/engine/parallel/run.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const LINE_64B = 14_880_952;

const spec = (
  path: string,
  profile: string,
  ratePps: number,
  extra: Partial<ScenarioSpec> = {},
): ScenarioSpec => ({
  path,
  direction: "rx",
  traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
  ratePps,
  arrival: "constant",
  durationNs: 3e6,
  warmupNs: 6e5,
  seed: 1,
  profile,
  ...extra,
});
const loop = (path: string, profile: string, window: number, ackEvery?: number) =>
  simulate(spec(path, profile, LINE_64B, { application: true, window, ...(ackEvery ? { ackEvery } : {}) }));
const cpu = (r: SimResult, name: string) => r.resources.find((x) => x.resource === name)!;

describe("the application behind the socket", () => {
  it("reads every delivered frame at app_rx_cycles on the consumer's CPU, on bare metal and in the guest alike", () => {
    const app = loadCosts("kvm-posted").c.app_rx_cycles;
    const native = simulate(spec("native", "kvm-exits", 3e5, { application: true }));
    const vm = simulate(spec("vm-vf", "kvm-posted", 3e5, { application: true }));
    expect(native.loss_ratio).toBe(0);
    // 64 B frames (60 in memory, no FCS): 18 payload bytes copied to user space as well.
    const copy = (18 / loadCosts("kvm-posted").c.copy_gbytes_per_s) * loadCosts("kvm-posted").c.cpu_ghz;
    expect(cpu(native, "host-core0").by_event.app).toBeCloseTo(app + copy, 0);
    expect(cpu(vm, "guest-vcpu0").by_event.app).toBeCloseTo(app + copy, 0);
    expect(cpu(vm, "host-core0").by_event.app ?? 0).toBe(0);
    // Without one, nothing is charged for it (the stack is the end of the path).
    const bare = simulate(spec("native", "kvm-exits", 3e5));
    expect(cpu(bare, "host-core0").by_event.app).toBeUndefined();
    expect(cpu(native, "host-core0").utilization).toBeGreaterThan(cpu(bare, "host-core0").utilization);
  });

  it("copies each frame's payload to user space at copy_gbytes_per_s on top of app_rx_cycles", () => {
    const c = loadCosts("kvm-exits").c;
    const at = (size: number) =>
      cpu(
        simulate(
          spec("native", "kvm-exits", 2e5, {
            application: true,
            traffic: defaultProfile({ sizes: { kind: "fixed", size } }),
          }),
        ),
        "host-core0",
      ).by_event.app;
    // Per frame: app_rx_cycles + (frame - FCS - 42 header bytes) / copy rate, in cycles.
    expect(at(1514)).toBeCloseTo(c.app_rx_cycles + ((1514 - 4 - 42) / c.copy_gbytes_per_s) * c.cpu_ghz, 0);
    expect(at(64)).toBeCloseTo(c.app_rx_cycles + ((64 - 4 - 42) / c.copy_gbytes_per_s) * c.cpu_ghz, 0);
  });

  it("runs below the interrupt and the stack: interrupts keep firing at the moderation rate while it is busy", () => {
    // A saturated closed loop: the application always has frames queued, yet each interrupt's
    // poll takes the few frames that arrived since the last one and re-enables the interrupt.
    const r = loop("native", "kvm-exits", 64);
    const itrPerS = 1e6 / loadCosts("kvm-exits").c.itr_us;
    expect(cpu(r, "host-core0").work_utilization).toBeGreaterThan(0.99);
    expect(r.events_per_s.interrupts).toBeGreaterThan(0.8 * itrPerS);
    const stack = r.elements?.find((e) => e.name === "host-stack");
    expect(stack?.mean_batch).toBeLessThan(20);
  });

  it("a vCPU whose application has frames queued does not halt: HLT exits vanish in the closed loop", () => {
    // kvm-posted: no injection or EOI exits, so every VM exit of vm-vf's receive is a HLT.
    const looped = loop("vm-vf", "kvm-posted", 64);
    expect(looped.events_per_s.interrupts).toBeGreaterThan(1e5);
    expect(looped.events.vm_exits).toBeLessThan(0.01 * looped.events.interrupts);
    // The same rate offered open loop without an application: the guest drains its ring, idles
    // until the next interrupt and halts, tens of thousands of times a second.
    const open = simulate(spec("vm-vf", "kvm-posted", Math.round(looped.delivered_pps)));
    expect(open.events_per_s.vm_exits).toBeGreaterThan(2e4);
    // The baseline's exits are then its two per interrupt (external interrupt, EOI), no HLTs.
    const base = loop("vm-vf", "kvm-exits", 64);
    expect(base.events.vm_exits / base.events.interrupts).toBeGreaterThan(1.98);
    expect(base.events.vm_exits / base.events.interrupts).toBeLessThan(2.02);
  });
});

describe("the closed-loop sender", () => {
  it("sends no more than the window ahead of the application's reads: one frame in flight is far slower", () => {
    const w64 = loop("native", "kvm-exits", 64);
    const w256 = loop("native", "kvm-exits", 256);
    const w1 = loop("native", "kvm-exits", 1, 1); // an ACK per frame: one frame in flight
    for (const r of [w1, w64, w256]) {
      expect(r.loss_ratio).toBe(0);
      expect(r.conservation.ok).toBe(true);
    }
    // A window that keeps the receiver busy: the receiver sets the rate, not the window.
    expect(Math.abs(w256.delivered_pps / w64.delivered_pps - 1)).toBeLessThan(0.01);
    // One frame at a time waits for the NIC's write-back timer, the interrupt and the read.
    expect(w1.delivered_pps).toBeLessThan(0.5 * w64.delivered_pps);
    expect(cpu(w1, "host-core0").work_utilization).toBeLessThan(0.5);
    // The sender is ack-clocked far below the 10 GbE line rate it may send at.
    expect(w64.offered_pps).toBeLessThan(0.2 * LINE_64B);
  });

  it("sends full-size frames, each longer on the wire than the NIC's write-back window", () => {
    // 1,514 B at 10 GbE: 1.23 us on the wire, more than nic_window_ns (1 us). The sender must
    // not push its next frame to 'now' at every window, or no frame ever fits in one.
    const line = 10e9 / ((1514 + 20) * 8);
    const sizes = defaultProfile({ sizes: { kind: "fixed", size: 1514 } });
    const r = simulate(spec("vm-vf", "kvm-exits", line, { application: true, window: 64, traffic: sizes }));
    expect(r.conservation.ok).toBe(true);
    expect(r.loss_ratio).toBe(0);
    expect(r.delivered_pps).toBeGreaterThan(0.3 * line);
  });

  it("refuses a window it cannot run, naming the option", async () => {
    const bad = (extra: Partial<ScenarioSpec>) => () =>
      simulate(spec("native", "kvm-exits", LINE_64B, { application: true, ...extra }));
    expect(bad({ window: 0 })).toThrow(/window must be a whole number of frames >= 1 \(got 0\)/);
    expect(bad({ window: 2.5 })).toThrow(/window must be a whole number/);
    expect(bad({ window: 8, application: false })).toThrow(/closed-loop window needs an application/);
    expect(bad({ window: 8, direction: "tx" })).toThrow(/receive direction only \(got tx\)/);
    const runner = new PartitionedRunner();
    runners.push(runner);
    await expect(
      runner.simulate(spec("native", "kvm-exits", LINE_64B, { application: true, window: 8 })),
    ).rejects.toThrow(/closed-loop window runs on one thread/);
  });
});

const runners: PartitionedRunner[] = [];
afterAll(async () => {
  for (const r of runners) await r.close();
});
