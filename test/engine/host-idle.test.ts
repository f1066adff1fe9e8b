// How a host core idles (src/engine/irq.ts idle()): a paced sender on a host core (the native
// and jail paths' application, pktgen into the tap) busy-waits between its frames as the same
// sender on a vCPU does, shown as busy time spent polling (send_wait), not work.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
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
