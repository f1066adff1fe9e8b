// RFC 2544 search and the experiment layer against a test double whose capacity is known
// (test/experiment/queue-double.ts: a single-server queue, not the engine).
import { describe, expect, it } from "vitest";
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { type ExperimentCase, runExperiment } from "../../src/experiment/experiment.ts";
import { lineRatePps } from "../../src/experiment/rate.ts";
import { inlineRunner } from "../../src/experiment/runner.ts";
import { searchThroughput, verifyPoints } from "../../src/experiment/search.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { type QueueDouble, simulateQueue } from "./queue-double.ts";

const LINE = lineRatePps(64, 10); // 14.88 Mpps
const spec = (ratePps: number, arrival: "constant" | "poisson" = "constant"): ScenarioSpec => ({
  path: "native",
  direction: "rx",
  traffic: defaultProfile(),
  ratePps,
  arrival,
  durationNs: 2_000_000,
  seed: 7,
  profile: "bhyve",
  linkGbps: 10,
});

/** The search at 0.5 % resolution and 0.5 % PDR loss on the queue double `q`; `lossAt`
 *  overrides the loss the double reports at a rate. */
function searchQueue(q: QueueDouble, lossAt?: (ratePps: number) => number) {
  return searchThroughput({
    lineRatePps: LINE,
    precision: 0.005,
    pdrLoss: 0.005,
    trial: async (r) => {
      const res = simulateQueue(q, spec(r));
      return lossAt ? { ...res, loss_ratio: lossAt(r) } : res;
    },
  });
}

describe("RFC 2544 binary search", () => {
  it("finds NDR at the queue's capacity, within the resolution", async () => {
    const q = { capacityPps: 5e6, buffer: 64, frameBytes: 64, linkGbps: 10 };
    const s = await searchQueue(q);
    expect(s.ndrPps).toBeLessThanOrEqual(5e6 * 1.001);
    expect(s.ndrPps).toBeGreaterThan(5e6 - 0.005 * LINE);
    // PDR tolerates 0.5 % loss: at least NDR, and the queue then loses at most 0.5 %.
    expect(s.pdrPps).toBeGreaterThanOrEqual(s.ndrPps);
    expect(simulateQueue(q, spec(s.pdrPps)).loss_ratio).toBeLessThanOrEqual(0.005);
    // Binary search: about log2(1 / precision) trials per criterion, none repeated.
    expect(s.trials.length).toBeLessThanOrEqual(2 * 9);
    expect(new Set(s.trials.map((t) => t.ratePps)).size).toBe(s.trials.length);
  });

  it("a saturated resource fails a trial even when a short trial lost nothing yet", async () => {
    // A buffer far larger than a trial's backlog: loss never shows in 2 ms, saturation does.
    const q = { capacityPps: 5e6, buffer: 1e9, frameBytes: 64, linkGbps: 10 };
    const s = await searchQueue(q);
    expect(s.trials.every((t) => t.lossRatio === 0)).toBe(true);
    expect(s.ndrPps).toBeLessThanOrEqual(5e6);
    expect(s.ndrPps).toBeGreaterThan(5e6 - 0.01 * LINE);
    expect(s.trials.some((t) => t.saturated === "host-core0")).toBe(true);
  });

  it("a system faster than the wire has NDR = PDR = line rate after one trial", async () => {
    const q = { capacityPps: 50e6, buffer: 64, frameBytes: 64, linkGbps: 10 };
    const s = await searchQueue(q);
    expect(s.ndrPps).toBe(Math.round(LINE));
    expect(s.pdrPps).toBe(Math.round(LINE));
    expect(s.trials).toHaveLength(1);
  });

  it("never reports a rate above a trial that failed, even when loss is not monotonic", async () => {
    // Loses frames only in a band of rates (short trials can do this): passes above the band
    // must not lift NDR over it.
    const band = (r: number) => (r > 4e6 && r < 6e6 ? 0.01 : r >= 12e6 ? 0.5 : 0);
    const q = { capacityPps: 50e6, buffer: 64, frameBytes: 64, linkGbps: 10 };
    const s = await searchQueue(q, band);
    const lowestFail = Math.min(...s.trials.filter((t) => t.lossRatio > 0).map((t) => t.ratePps));
    expect(s.ndrPps).toBeLessThan(lowestFail);
    for (const t of s.trials) if (t.ratePps <= s.ndrPps) expect(t.lossRatio).toBe(0);
    expect(s.pdrPps).toBeGreaterThanOrEqual(s.ndrPps);
  });

  it("non-monotonic (a band of failures the binary search never probes): the plain search reports an NDR above it; checking the loads below finds it, reports below it and flags the case", async () => {
    // Passes up to 3 Mpps, fails in a band around 4 Mpps (as a short trial or a NAPI guest's
    // interrupt-driven regime can), passes again up to 8 Mpps, fails above.
    const fails = (r: number) => (r > 3.5e6 && r < 4.6e6) || r > 8e6;
    const q = { capacityPps: 50e6, buffer: 64, frameBytes: 64, linkGbps: 10 };
    const trial = async (r: number) => ({ ...simulateQueue(q, spec(r)), loss_ratio: fails(r) ? 0.02 : 0 });
    const plain = await searchThroughput({ lineRatePps: LINE, precision: 0.01, pdrLoss: 0.005, trial });
    // The binary search (14.88, 7.44, 11.16, 9.3, 8.37, ...) never lands in the band.
    expect(plain.ndrPps).toBeGreaterThan(7.9e6);
    expect(plain.nonMonotonic).toBe(false);
    const verify = { fractions: [0.1, 0.5, 0.9], belowSteps: 2 };
    const checked = await searchThroughput({
      lineRatePps: LINE,
      precision: 0.01,
      pdrLoss: 0.005,
      trial,
      verify,
    });
    expect(checked.searchNdrPps).toBe(plain.ndrPps);
    expect(checked.nonMonotonic).toBe(true);
    expect(checked.inversion?.failedPps).toBeLessThan(4.6e6);
    // The answer and every point checked below it pass; no failure lies below it.
    expect(checked.ndrPps).toBeLessThanOrEqual(3.5e6);
    expect(checked.ndrPps).toBeGreaterThan(3.5e6 - 0.01 * LINE);
    for (const p of verifyPoints(checked.ndrPps, 0.01 * LINE, verify)) expect(fails(p)).toBe(false);
    for (const t of checked.trials) if (t.ratePps <= checked.ndrPps) expect(t.lossRatio).toBe(0);
    expect(checked.pdrPps).toBe(checked.ndrPps);
    expect(new Set(checked.trials.map((t) => t.ratePps)).size).toBe(checked.trials.length);
  });

  it("verification changes nothing where pass/fail is monotonic (a queue with a known capacity)", async () => {
    const q = { capacityPps: 5e6, buffer: 64, frameBytes: 64, linkGbps: 10 };
    const trial = async (r: number) => simulateQueue(q, spec(r));
    const o = { lineRatePps: LINE, precision: 0.005, pdrLoss: 0.005, trial };
    const plain = await searchThroughput(o);
    const checked = await searchThroughput({ ...o, verify: { fractions: [0.1, 0.5, 0.9], belowSteps: 2 } });
    expect(checked.ndrPps).toBe(plain.ndrPps);
    expect(checked.pdrPps).toBe(plain.pdrPps);
    expect(checked.nonMonotonic).toBe(false);
    expect(checked.trials.length).toBeGreaterThan(plain.trials.length);
  });

  it("a system that loses everything has NDR 0", async () => {
    const s = await searchThroughput({
      lineRatePps: LINE,
      precision: 0.01,
      pdrLoss: 0.005,
      trial: async (r) => ({
        ...simulateQueue({ capacityPps: 1e6, buffer: 8, frameBytes: 64, linkGbps: 10 }, spec(r)),
        loss_ratio: 1,
      }),
    });
    expect(s.ndrPps).toBe(0);
    expect(s.pdrPps).toBe(0);
  });
});

describe("experiment: search, then load points at 10/50/90 % of NDR", () => {
  const q = { capacityPps: 3e6, buffer: 32, frameBytes: 64, linkGbps: 10 };
  const cases: ExperimentCase[] = [
    { path: "native", direction: "rx", size: 64, frameBytes: 64, traffic: defaultProfile() },
  ];
  const trial = {
    arrival: "poisson" as const,
    durationNs: 2_000_000,
    seed: 3,
    profile: "bhyve",
    linkGbps: 10,
  };

  it("loss only above NDR, p99 rises with load, load points at the fractions", async () => {
    const res = await runExperiment({
      cases,
      trial,
      precision: 0.005,
      pdrLoss: 0.005,
      runner: inlineRunner((s) => simulateQueue(q, s)),
    });
    const c = res.cases[0];
    expect(c.ndrPps).not.toBeNull();
    const ndr = c.ndrPps as number;
    expect(c.loadPoints.map((p) => p.fractionOfNdr)).toEqual([0.1, 0.5, 0.9]);
    for (const p of c.loadPoints) {
      expect(p.result.loss_ratio).toBe(0);
      expect(p.result.offered_pps).toBeLessThan(ndr * 1.1);
    }
    const p99 = c.loadPoints.map((p) => p.result.latency_us.p99);
    expect(p99[0]).toBeLessThan(p99[2]);
    for (const t of c.trials) if (t.lossRatio > 0) expect(t.ratePps).toBeGreaterThan(ndr);
    // The load points are the search's own checks below NDR (same simulations), not run twice.
    expect(res.simulations.length).toBe(c.trials.length);
  });

  it("a fixed rate gives exactly one load point at that rate and no search", async () => {
    const res = await runExperiment({
      cases,
      trial: { ...trial, arrival: "constant" },
      rate: { kind: "percent", percent: 10, text: "10%" },
      precision: 0.005,
      pdrLoss: 0.005,
      runner: inlineRunner((s) => simulateQueue(q, s)),
    });
    const c = res.cases[0];
    expect(c.ndrPps).toBeNull();
    expect(c.loadPoints).toHaveLength(1);
    expect(c.loadPoints[0].result.offered_pps).toBeCloseTo(LINE * 0.1, -3);
    expect(res.simulations).toHaveLength(1);
  });

  it("--count sets the frames offered: the duration is sized so the count, not a default, ends the trial", async () => {
    const seen: ScenarioSpec[] = [];
    await runExperiment({
      cases,
      trial: { ...trial, arrival: "constant", count: 100_000, durationNs: 1_000_000 },
      rate: { kind: "pps", pps: 1e6, text: "1Mpps" },
      precision: 0.005,
      pdrLoss: 0.005,
      runner: inlineRunner((s) => {
        seen.push(s);
        return simulateQueue(q, s);
      }),
    });
    expect(seen[0].count).toBe(100_000);
    // 100,000 frames at 1 Mpps take 100 ms of virtual time: the 1 ms default must not cut it.
    expect(seen[0].durationNs).toBeGreaterThanOrEqual(100_000_000);
    expect(simulateQueue(q, seen[0]).conservation.sent).toBe(100_000);
    // ...and no longer: rates are per second of the trial, so a padded window (it was 2x the
    // count's time + 1 ms) understated the offered rate (0.50 Mpps here instead of 1).
    expect(seen[0].durationNs).toBe(100_000_000);
    expect(simulateQueue(q, seen[0]).offered_pps).toBeCloseTo(1e6, -2);
    // Poisson arrivals offer about the count in that time, never more.
    const poisson = simulateQueue(q, { ...seen[0], arrival: "poisson" }).conservation.sent;
    expect(poisson).toBeLessThanOrEqual(100_000);
    expect(poisson).toBeGreaterThan(99_000);
  });
});
