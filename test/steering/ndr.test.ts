// NDR against cores, found by binary search over simulations (small runs).
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { lineRatePps, searchNdr } from "../../src/steering/ndr.ts";
import { type StrategyId, strategyGraph } from "../../src/steering/strategies.ts";
import { buildMix } from "../../src/steering/traffic.ts";

beforeAll(async () => {
  await ensureKernels();
});

const traffic = buildMix({ mix: "gtpu", flows: 256, tunnels: 1, zipfS: 0, seed: 1 });
const ndr = (s: StrategyId, n: number) =>
  searchNdr(
    {
      graph: strategyGraph(s, n, { symmetric: null, rules: [], nic: "ixl" }),
      traffic,
      frames: 2500,
      seed: 1,
      profile: "bhyve",
    },
    10,
    0.04,
  );

describe("NDR on the engine", () => {
  it("line rate of a frame size: 10 GbE at 64 B is 14.88 Mpps", () => {
    expect(lineRatePps(64, 10) / 1e6).toBeCloseTo(14.88, 2);
  });

  it("the software dispatcher caps NDR as cores grow; inner RSS keeps scaling with its queues", () => {
    const d2 = ndr("sw-dispatch", 2);
    const d8 = ndr("sw-dispatch", 8);
    // Inner RSS stops at the X710 VF's 4 queue interrupts (coreLimit).
    const i1 = ndr("inner-rss", 1);
    const i4 = ndr("inner-rss", 4);
    // Dispatch: from 2 to 8 workers NDR grows by less than a search step or two, and the
    // dispatcher is the busiest resource at NDR; inner RSS grows by more than 3x from 1 to 4
    // cores (or hits line rate) and passes the 8-worker dispatcher.
    expect(d8.ndrPps).toBeLessThan(d2.ndrPps * 1.6);
    expect(d8.atNdr?.utilization.dispatcher).toBeGreaterThan(0.9);
    expect(d8.atNdr?.bottleneck).toBe("dispatcher");
    expect(i4.ndrPps).toBeGreaterThan(Math.min(3 * i1.ndrPps, 0.9 * i4.linePps));
    expect(i4.ndrPps).toBeGreaterThan(d8.ndrPps);
    for (const r of [d2, d8, i1, i4]) expect(r.ndrPps).toBeLessThanOrEqual(r.linePps);
  });

  it("outer RSS on one tunnel gains nothing from more cores", () => {
    const o1 = ndr("outer-rss", 1);
    const o4 = ndr("outer-rss", 4);
    // Two directions hash to at most two queues: at most twice one core (plus the search's
    // resolution, 4 % of line rate, on each).
    expect(o4.ndrPps).toBeLessThanOrEqual(2 * o1.ndrPps + 2 * 0.04 * o1.linePps);
    expect(o4.atNdr?.perQueue.filter((x) => x > 0).length).toBeLessThanOrEqual(2);
  });
});

describe("NDR at line rate", () => {
  // VXLAN-GPE's 114-byte frames: line rate 9,328,358.21 pps at 10 GbE. The line-rate trial runs
  // at a whole pps (9,328,358); the NDR it proves is the line rate itself. It was reported as
  // the rounded 9.328358 Mpps, below line_rate_mpps (ndr_gbps 9.999999776 instead of 10).
  it("a run that passes at line rate reports NDR = line rate exactly, whichever way the pps rounds", () => {
    const gpe = buildMix({ mix: "vxlan-gpe", flows: 256, tunnels: 1, zipfS: 0, seed: 1 });
    const r = searchNdr(
      {
        // One VF per instance reaches line rate at 8 cores (inner RSS stops at the VF's 4 queue
        // interrupts, below it).
        graph: strategyGraph("mac-vf-instance", 8, { symmetric: null, rules: [], nic: "ixl" }),
        traffic: gpe,
        frames: 2000,
        seed: 1,
        profile: "bhyve",
      },
      10,
      0.04,
    );
    expect(r.linePps % 1).toBeLessThan(0.5); // the case Math.round takes down
    expect(r.trials).toHaveLength(1); // the line-rate trial passed
    expect(r.ndrPps).toBe(r.linePps);
  });
});
