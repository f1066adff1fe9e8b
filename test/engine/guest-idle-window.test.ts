// What a run measures of an idle vCPU is what happens in its measured window (warm-up end to the
// end of the offered window), as busy time is: a HLT exit taken after a paced sender stopped, or
// a spin begun before the warm-up, is no part of the steady state.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** `paths --direction tx --size 1518 --trial-ms` at one rate (no final trial, no warm-up), or
 *  with a warm-up of 1 ms (a final trial's). */
const tx = (path: string, ratePps: number, durationNs: number, warmupNs = 1e6): SimResult =>
  simulate({
    path,
    direction: "tx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
    ratePps,
    arrival: "constant",
    durationNs,
    warmupNs,
    seed: 1,
    profile: "bhyve",
  });

describe("events per second are over the measured window", () => {
  it("a guest whose paced sender busy-waits takes no exit in the window: the halt after it stopped is not a rate", () => {
    for (const path of ["vm-vf", "passthrough"]) {
      const r = tx(path, 0.5e6, 2e6);
      // The run took its exit (the vCPU halts once the sender is done) ...
      expect(r.events.vm_exits, path).toBeGreaterThan(0);
      // ... after the window: in it the vCPU busy-waited, so there is no exit rate to report.
      expect(r.events_per_s.vm_exits, path).toBe(0);
    }
  });
});

describe("busy time is over the measured window, with the polling under way at its ends", () => {
  it("a paced sender at 1 kpps busy-waits the whole window: its vCPU is busy all of it, nearly all polling", () => {
    // Without a warm-up the spin under way at the window's end is its last gap (1 ms of 20); with
    // one, a spin begun before it must count only from the warm-up on.
    for (const warmupNs of [0, 1e6, 1.5e6]) {
      const r = tx("vm-vf", 1e3, 20e6, warmupNs);
      const vcpu = r.resources.find((x) => x.resource === "guest-vcpu0")!;
      expect(vcpu.utilization, `warm-up ${warmupNs} ns`).toBeGreaterThan(0.99);
      expect(vcpu.work_utilization, `warm-up ${warmupNs} ns`).toBeLessThan(0.01);
    }
  });
});
