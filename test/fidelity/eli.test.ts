// The ELI cases' closed loop: the window is a workload choice that does not move the result,
// and the exitless ratio's remaining gap is the interrupt's cost in the guest against bare
// metal, not a halting vCPU.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { CASES, ELI_WINDOW } from "../../src/fidelity/cases.ts";
import { CaseEnv, DEFAULT_TRIALS } from "../../src/fidelity/env.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const LINE_64B = 14_880_952;
const ratio = (env: CaseEnv, profile: string, window: number) =>
  env.closedLoop({ path: "vm-vf", profile, size: 64 }, window, LINE_64B).delivered_pps /
  env.closedLoop({ path: "native", profile: "kvm-exits", size: 64 }, window, LINE_64B).delivered_pps;

describe("ELI's closed loop", () => {
  it("gives the same ratios with a window four times deeper", () => {
    const env = new CaseEnv(DEFAULT_TRIALS);
    for (const profile of ["kvm-posted", "kvm-exits"]) {
      const a = ratio(env, profile, ELI_WINDOW);
      const b = ratio(env, profile, 4 * ELI_WINDOW);
      expect(Math.abs(a - b), profile).toBeLessThan(0.01);
    }
  }, 60_000);

  it("keeps the posted guest from halting: at most a HLT or two when the sender stops", async () => {
    const c = CASES.find((x) => x.name === "eli-exitless")!;
    const o = await c.run(new CaseEnv(DEFAULT_TRIALS));
    const m = /vm-vf: (\d+)K\/s interrupts, (\d+) VM exits? in the whole run/.exec(o.details);
    expect(m, o.details).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(100);
    expect(Number(m![2])).toBeLessThanOrEqual(2);
  }, 60_000);

  it("exitless holds when bare metal's and the guest's interrupt handling move together", async () => {
    // host_irq_cycles and guest_irq_cycles price the same kernel's interrupt entry and handler;
    // moved one at a time (--sensitivity) they make bare metal and the guest differ by design.
    const c = CASES.find((x) => x.name === "eli-exitless")!;
    for (const v of [500, 2500]) {
      const env = new CaseEnv(DEFAULT_TRIALS, () => ({ host_irq_cycles: v, guest_irq_cycles: v }));
      const o = await c.run(env);
      expect(o.simulated, `${v}: ${o.details}`).toBeGreaterThan(c.published.tolerance[0]);
      expect(o.simulated, `${v}: ${o.details}`).toBeLessThan(c.published.tolerance[1]);
    }
  }, 60_000);
});
