// D33731's two setups as fidelity cases: both run on the engine with one profile (freebsd), and
// what they report follows from the simulations: setup A's figure is setup B's path without the
// jail's forwarding and epair1, so their ratio is the ratio of the taskqueue's work per packet.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { type FidelityReport, runFidelity, selectCases } from "../../src/fidelity/run.ts";
import { loadCosts } from "../../src/model/costs.ts";

let a: FidelityReport["cases"][number];
let b: FidelityReport["cases"][number];

beforeAll(async () => {
  await ensureKernels();
  const r = await runFidelity({
    cases: [...selectCases("d33731-bridge-epair"), ...selectCases("d33731-vnet-jail")],
  });
  [a, b] = r.cases;
}, 120_000);

/** "epair taskqueue (host-core1) N cycles/packet, NIC receive and bridge0 (host-core0) M". */
function threads(details: string) {
  const m =
    /taskqueue \(host-core1\) (\d+) cycles\/packet, NIC receive and bridge0 \(host-core0\) (\d+)/.exec(
      details,
    );
  expect(m, details).not.toBeNull();
  return { queue: Number(m![1]), receive: Number(m![2]) };
}

describe("fidelity: D33731 setups A and B", () => {
  it("both cases run their own path on the freebsd profile, bound by the epair taskqueue", () => {
    expect(a.name).toBe("d33731-bridge-epair");
    expect(a.scenario).toMatch(/path bridge-epair-fwd/);
    expect(b.scenario).toMatch(/path jail-epair-fwd/);
    for (const c of [a, b]) {
      expect(c.profiles).toEqual(["freebsd"]);
      expect(c.details).toMatch(/^bottleneck host-core1;/);
      const [lo, hi] = c.published.tolerance;
      expect(c.pass).toBe(c.simulated >= lo && c.simulated <= hi);
    }
  });

  it("the rate is the taskqueue's clock over its cycles per packet", () => {
    const ghz = loadCosts("freebsd").c.cpu_ghz;
    for (const c of [a, b]) expect(c.simulated).toBeCloseTo((ghz * 1e9) / threads(c.details).queue, -4);
  });

  it("B's taskqueue pays A's plus the jail's forwarding and one epair; the receive thread is the same", () => {
    const c = loadCosts("freebsd").c;
    const ta = threads(a.details);
    const tb = threads(b.details);
    expect(tb.queue - ta.queue).toBeGreaterThan(c.ip_forward_cycles + c.epair_cycles - 50);
    expect(tb.queue - ta.queue).toBeLessThan(c.ip_forward_cycles + c.epair_cycles + 50);
    expect(Math.abs(tb.receive - ta.receive)).toBeLessThan(50);
    // Published, A/B is 1.04 (first revision) to 1.18 (committed); simulated it is the work
    // ratio, far above: the reason neither case can be made to pass with the other (model.md).
    expect(a.simulated / b.simulated).toBeGreaterThan(1.5);
  });

  it("the whole path's work per packet (receive and taskqueue) compares as the commit's with-RSS pair", () => {
    // With RSS each flow's receive thread and epair taskqueue share a CPU and the flows spread
    // over the CPUs, so the rate goes as 1 / (all the work per packet): the commit's A/B is
    // 3.148/2.083 = 1.51. A consistency check of the per-packet costs (both setups priced by
    // the same constants), not a fidelity result: within 10 %.
    const ta = threads(a.details);
    const tb = threads(b.details);
    const ratio = (tb.queue + tb.receive) / (ta.queue + ta.receive);
    expect(ratio).toBeGreaterThan(1.51 * 0.9);
    expect(ratio).toBeLessThan(1.51 * 1.1);
  });
});
