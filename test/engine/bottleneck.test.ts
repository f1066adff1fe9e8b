// The bottleneck is judged on work (busy minus halt-/idle-polling), and ties are broken one way
// (src/engine/bottleneck.ts): a halt-polling vCPU, "100 % busy" at any load, is not the
// bottleneck of a path whose host core does the work.
import { beforeAll, describe, expect, it } from "vitest";
import { pickBottleneck } from "../../src/engine/bottleneck.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ResourceUse } from "../../src/engine/types.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const use = (
  resource: string,
  kind: ResourceUse["kind"],
  utilization: number,
  work = utilization,
): ResourceUse => ({
  resource,
  kind,
  utilization,
  work_utilization: work,
  cycles_per_packet: 0,
  by_event: {},
});

describe("bottleneck", () => {
  it("is the resource with the most work, not the most busy time (halt polling is busy, not work)", () => {
    const r = [
      use("wire-rx", "wire", 0.06),
      use("host-core0", "core", 0.88),
      use("guest-vcpu0", "vcpu", 1, 0.4),
    ];
    expect(pickBottleneck(r)).toBe("host-core0");
  });

  it("ties: a CPU before the NIC and PCIe, those before the wire, then the path's order", () => {
    expect(
      pickBottleneck([use("wire-rx", "wire", 1), use("nic", "nic", 1), use("host-core0", "core", 1)]),
    ).toBe("host-core0");
    expect(pickBottleneck([use("wire-rx", "wire", 1), use("pcie-up", "pcie", 1)])).toBe("pcie-up");
    expect(pickBottleneck([use("host-core0", "core", 1), use("guest-vcpu0", "vcpu", 1)])).toBe("host-core0");
    expect(pickBottleneck([use("guest-vcpu0", "vcpu", 1), use("host-core0", "core", 1)])).toBe("guest-vcpu0");
    // Whatever order ties arrive in, the answer is the same for the same path order.
    expect(pickBottleneck([use("nic", "nic", 1), use("wire-rx", "wire", 1)])).toBe("nic");
    expect(pickBottleneck([])).toBe("none");
  });

  it("virtio under KVM: the halt-polling guest vCPU is busy all the time, the host core does the work", () => {
    const r = simulate({
      path: "virtio",
      direction: "rx",
      traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
      ratePps: 500_000,
      arrival: "constant",
      durationNs: 2e6,
      warmupNs: 4e5,
      seed: 1,
      profile: "kvm-posted",
    });
    const vcpu = r.resources.find((x) => x.resource === "guest-vcpu0")!;
    const core = r.resources.find((x) => x.resource === "host-core0")!;
    expect(vcpu.utilization).toBeGreaterThan(0.99); // halt polling between frames
    expect(vcpu.work_utilization!).toBeLessThan(core.work_utilization!);
    expect(r.bottleneck).toBe("host-core0");
  });
});
