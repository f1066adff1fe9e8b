// Model mechanisms behind the fidelity cases: a driver uses at most one queue per CPU, KVM's
// host half of a device interrupt runs on the vCPU's own core (ELI's baseline), virtio without
// EVENT_IDX suppresses signals with the ring flags, the posted-interrupt residual is not zero.
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph } from "../../src/engine/graph.ts";
import { ensureKernels, pathElements, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { costVariant, loadCosts } from "../../src/model/costs.ts";
import { enginePath } from "../../src/paths/path-graphs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const run = (path: string, profile: string, ratePps: number, direction: "rx" | "tx" = "rx"): SimResult =>
  simulate({
    path,
    direction,
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps,
    arrival: "constant",
    durationNs: 3e6,
    warmupNs: 5e5,
    seed: 1,
    profile,
  });

const use = (r: SimResult, name: string) => r.resources.find((x) => x.resource === name)?.by_event ?? {};

describe("a driver uses at most one receive queue per CPU", () => {
  it("the talk's VF reserves 4 queues, the 1-vCPU guest and the 1-core host drain one", () => {
    for (const name of ["vm-vf", "native", "jail-vf"]) {
      const path = enginePath(name)!;
      const g = buildGraph({
        path,
        elements: pathElements(name, "rx"),
        traffic: defaultProfile(),
        costs: loadCosts("bhyve"),
        ratePps: 1e5,
        poisson: false,
        offerUntilNs: 1e5,
        warmupNs: 0,
        count: 0,
        seed: 1,
      });
      expect(g.ctx.built.nic?.rxQueues, name).toBe(1);
    }
  });
});

describe("where the host half of an assigned device's interrupt runs", () => {
  it("KVM without exitless interrupts: on the vCPU's core (an exit, then the host handler and injection there)", () => {
    const kvm = run("vm-vf", "kvm-exits", 1e5);
    expect(use(kvm, "host-core0").irq ?? 0).toBe(0);
    expect(use(kvm, "guest-vcpu0")["host-irq"]).toBeGreaterThan(0);
    expect(use(kvm, "guest-vcpu0").injection).toBeGreaterThan(0);
    // Two exits per interrupt while the guest runs (the interrupt, the EOI), plus HLTs.
    expect(kvm.events.vm_exits).toBeGreaterThanOrEqual(kvm.events.interrupts);
    const bhyve = run("vm-vf", "bhyve", 1e5);
    expect(use(bhyve, "host-core0").irq).toBeGreaterThan(0);
    expect(use(bhyve, "guest-vcpu0")["host-irq"] ?? 0).toBe(0);
  });

  it("posted interrupts into a running vCPU still cost a residual on it (not zero)", () => {
    const posted = run("vm-vf", "kvm-posted", 1e6);
    expect(loadCosts("kvm-posted").c.posted_injection_cycles).toBeGreaterThan(0);
    expect(use(posted, "guest-vcpu0").injection).toBeGreaterThan(0);
  });
});

describe("virtio signal suppression without EVENT_IDX: the ring flags", () => {
  it("the guest's transmit kicks are suppressed while vhost works (VRING_USED_F_NO_NOTIFY), less than with event index", () => {
    const off = run("virtio", costVariant("kvm-posted", { virtio_event_idx: 0 }), 5e5, "tx");
    const on = run("virtio", "kvm-posted", 5e5, "tx");
    const posts = off.elements?.find((e) => e.kind === "guest-tx")?.batches ?? 0;
    expect(off.events.kicks).toBeGreaterThan(0);
    expect(off.events.kicks).toBeLessThan(posts); // some posts found the device's flag set
    expect(on.events.kicks).toBeLessThan(off.events.kicks); // the event index suppresses more
  });
});
