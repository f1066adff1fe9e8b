// A sender pushed back by the path (a consumer transmitting through a busy stack, pktgen on a
// busy core) offers less than the trial's rate and loses nothing: such a trial must not pass the
// rate it was run at (src/experiment/shortfall.ts). Found by the paths acceptance sweep: virtio
// tx 64 B "passed" a trial at line rate (14.881 Mpps asked, 1.632 offered, 0 % loss).
import { describe, expect, it } from "vitest";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { lineRatePps } from "../../src/experiment/rate.ts";
import { searchThroughput } from "../../src/experiment/search.ts";
import { directionShortfall, senderShortfall } from "../../src/experiment/shortfall.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { simulateQueue } from "./queue-double.ts";

const LINE = lineRatePps(64, 10);
const spec = (ratePps: number): ScenarioSpec => ({
  path: "native",
  direction: "tx",
  traffic: defaultProfile(),
  ratePps,
  arrival: "constant",
  durationNs: 2_000_000,
  seed: 7,
  profile: "bhyve",
  linkGbps: 10,
});

/** A trial whose sender can offer at most `maxPps`: what it offered went through, none lost,
 *  no resource busy all the time (the push-back hides the overload from both other tests). */
function pushedBack(ratePps: number, maxPps: number): SimResult {
  const offered = Math.min(ratePps, maxPps);
  const r = simulateQueue({ capacityPps: 1e9, buffer: 1e9, frameBytes: 64, linkGbps: 10 }, spec(offered));
  return { ...r, resources: r.resources.map((u) => ({ ...u, utilization: 0.5, work_utilization: 0.5 })) };
}

describe("a sender that falls short of the trial's rate", () => {
  it("is recognized (constant arrivals: beyond one frame and the tolerance), and not below it", () => {
    expect(senderShortfall(pushedBack(2e6, 1e6), 2e6, 0.005, false)).toEqual({
      askedPps: 2e6,
      offeredPps: 1e6,
    });
    expect(senderShortfall(pushedBack(1e6, 2e6), 1e6, 0.005, false)).toBeNull();
    // 1 % short over 2,000 frames: beyond the tolerance, within Poisson's spread of the count.
    const r = pushedBack(1e6, 2e6);
    const short = { ...r, offered_pps: r.offered_pps * 0.99 };
    expect(senderShortfall(short, 1e6, 0.005, false)).not.toBeNull();
    expect(senderShortfall(short, 1e6, 0.005, true)).toBeNull();
  });

  it("fails the search's trial: NDR is what the sender could offer, not line rate", async () => {
    const s = await searchThroughput({
      lineRatePps: LINE,
      precision: 0.01,
      pdrLoss: 0.005,
      trial: async (rate) => pushedBack(rate, 3e6),
    });
    expect(s.trials.some((t) => t.ratePps > 3.2e6 && t.lossRatio === 0 && t.saturated === null)).toBe(true);
    expect(s.ndrPps).toBeLessThanOrEqual(3e6);
    expect(s.ndrPps).toBeGreaterThan(3e6 - 0.01 * LINE);
    expect(s.pdrPps).toBeLessThanOrEqual(3e6 * 1.005);
    expect(s.trials.find((t) => t.ratePps > 3.2e6)?.senderShort).toBe(true);
  });
});

// Direction both: a transmit sender held back (native at 64 B: 1.15 of 14.88 Mpps) next to a
// receive direction that offered its all was judged on the sum, and the note spoke of "the
// sender" and the receive loss. Each direction is judged on its own offered rate.
describe("a both trial: each direction's sender on its own", () => {
  const both = (rxPps: number, txPps: number): SimResult => {
    const r = pushedBack(rxPps + txPps, 1e12);
    const figures = (pps: number) => ({
      offered_pps: pps,
      delivered_pps: pps,
      loss_ratio: 0,
      latency_us: r.latency_us,
    });
    return { ...r, direction: "both", per_direction: { rx: figures(rxPps), tx: figures(txPps) } };
  };

  it("the short direction is found, the full one is not", () => {
    const r = both(2e6, 1e6);
    expect(directionShortfall(r, "tx", 2e6, 0.005, false)).toEqual({ askedPps: 2e6, offeredPps: 1e6 });
    expect(directionShortfall(r, "rx", 2e6, 0.005, false)).toBeNull();
    expect(directionShortfall(both(2e6, 2e6), "tx", 2e6, 0.005, false)).toBeNull();
  });

  it("no per-direction figures (a one-direction trial): null", () => {
    expect(directionShortfall(pushedBack(2e6, 1e6), "tx", 2e6, 0.005, false)).toBeNull();
  });
});
