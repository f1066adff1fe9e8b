// When a trial's sender fell short because receive work on its CPU came first
// (src/experiment/receive-first.ts): only a sender that fell short and waited is named.
import { describe, expect, it } from "vitest";
import type { SimResult } from "../../src/engine/types.ts";
import { receiveFirstNote, receiveStarved } from "../../src/experiment/receive-first.ts";

/** A 1 ms window of a both trial at 1 Mpps per direction: rx offered all, tx `txFrames`. */
function trial(txFrames: number, waitedNs: number | null): SimResult {
  const lat = { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, min: 1, mean: 1 };
  const fig = (n: number) => ({
    offered_pps: n * 1e3,
    delivered_pps: n * 1e3,
    loss_ratio: 0,
    latency_us: lat,
  });
  return {
    direction: "both",
    offered_pps: (1000 + txFrames) * 1e3,
    per_direction: { rx: fig(1000), tx: fig(txFrames) },
    window: {
      from_ns: 0,
      to_ns: 1e6,
      offered: 1000 + txFrames,
      delivered: 1000 + txFrames,
      per_direction: {
        rx: { offered: 1000, delivered: 1000 },
        tx: { offered: txFrames, delivered: txFrames },
      },
    },
    ...(waitedNs === null
      ? {}
      : {
          receive_first: [
            { sender: "gen-tx", direction: "tx", resource: "host-core0", waits: 3, waited_ns: waitedNs },
          ],
        }),
  } as unknown as SimResult;
}

describe("receiveStarved", () => {
  it("a sender short of its load that waited for receive work: named, with its share of the window", () => {
    const s = receiveStarved(trial(20, 970_000), 1e6, 0.005, false);
    expect(s).toEqual([
      {
        sender: "gen-tx",
        direction: "tx",
        resource: "host-core0",
        waitedShare: 0.97,
        offeredPps: 20e3,
        askedPps: 1e6,
      },
    ]);
    expect(receiveFirstNote("native both 64: at --rate 1Mpps", s[0]!)).toMatch(
      /^native both 64: at --rate 1Mpps its tx sender shares host-core0 with the receive path and waited for receive work there for 97\.0 % of the measured window, and offered 0\.020 of the 1\.000 Mpps asked: /,
    );
  });

  it("a sender that offered its load, or one that never waited: none", () => {
    expect(receiveStarved(trial(1000, 5_000), 1e6, 0.005, false)).toEqual([]);
    expect(receiveStarved(trial(20, null), 1e6, 0.005, false)).toEqual([]);
    expect(receiveStarved(trial(20, 0), 1e6, 0.005, false)).toEqual([]);
  });
});
