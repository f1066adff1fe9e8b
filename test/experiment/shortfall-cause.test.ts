// A search trial whose sender offered less than its load: why, from what the engine recorded
// (src/experiment/shortfall.ts shortSenders): waiting for receive work run first on its CPU
// (SimResult.receive_first) or pushed back by the path (SimResult.pushed_back: its queue full,
// its CPU busy). The search's trial records keep both, the `both` note and the JSON say which.
import { describe, expect, it } from "vitest";
import type { SimResult } from "../../src/engine/types.ts";
import type { CaseResult } from "../../src/experiment/experiment.ts";
import { searchThroughput, type Trial } from "../../src/experiment/search.ts";
import { shortfallCauses, shortSenders } from "../../src/experiment/shortfall.ts";
import { directionLossNotes, pathEntryJson } from "../../src/report/paths-json.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

/** A 1 ms window of a both trial at `rate` per direction: rx offered all, tx `txShare` of it,
 *  with the engine's records given. */
function trial(
  rate: number,
  txShare: number,
  rec: { waitedNs?: number; fullNs?: number; busyNs?: number },
): SimResult {
  const lat = { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, min: 1, mean: 1 };
  const fig = (pps: number) => ({ offered_pps: pps, delivered_pps: pps, loss_ratio: 0, latency_us: lat });
  const rx = rate / 1e3;
  const tx = Math.round((rate * txShare) / 1e3);
  return {
    direction: "both",
    offered_pps: (rx + tx) * 1e3,
    delivered_pps: (rx + tx) * 1e3,
    loss_ratio: 0,
    bottleneck: "host-core0",
    resources: [{ resource: "host-core0", kind: "core", utilization: 0.9, work_utilization: 0.9 }],
    per_direction: { rx: fig(rx * 1e3), tx: fig(tx * 1e3) },
    window: {
      from_ns: 0,
      to_ns: 1e6,
      offered: rx + tx,
      delivered: rx + tx,
      per_direction: { rx: { offered: rx, delivered: rx }, tx: { offered: tx, delivered: tx } },
    },
    ...(rec.waitedNs
      ? {
          receive_first: [
            { sender: "gen-tx", direction: "tx", resource: "host-core0", waits: 2, waited_ns: rec.waitedNs },
          ],
        }
      : {}),
    ...(rec.fullNs || rec.busyNs
      ? {
          pushed_back: [
            {
              sender: "gen-tx",
              direction: "tx",
              resource: "host-core0",
              queue_full_ns: rec.fullNs ?? 0,
              cpu_busy_ns: rec.busyNs ?? 0,
            },
          ],
        }
      : {}),
  } as unknown as SimResult;
}

describe("shortSenders: which sender fell short, and what the engine recorded holding it back", () => {
  it("receive first and pushed back are told apart, as shares of the window", () => {
    const [rf] = shortSenders(trial(1e6, 0.2, { waitedNs: 700_000, busyNs: 100_000 }), 1e6, 0.005, false);
    expect(rf).toMatchObject({
      direction: "tx",
      resource: "host-core0",
      receiveFirstShare: 0.7,
      queueFullShare: 0,
      cpuBusyShare: 0.1,
    });
    expect(shortfallCauses(rf)).toBe(
      "waited for receive work on its CPU for 70.0 % of the window (receive first) and was behind with its CPU busy for 10.0 % (pushed back)",
    );
    const [pb] = shortSenders(trial(1e6, 0.5, { fullNs: 900_000 }), 1e6, 0.005, false);
    expect(pb.receiveFirstShare).toBe(0);
    expect(shortfallCauses(pb)).toBe("found its queue full for 90.0 % (pushed back)");
  });

  it("a direction that offered its load is not named; none recorded says so", () => {
    expect(shortSenders(trial(1e6, 1, { waitedNs: 5_000 }), 1e6, 0.005, false)).toEqual([]);
    const [none] = shortSenders(trial(1e6, 0.5, {}), 1e6, 0.005, false);
    expect(none.resource).toBeNull();
    expect(shortfallCauses(none)).toBe("no wait or push-back recorded");
  });
});

describe("the search, the both note and the JSON", () => {
  const LINE = 14_880_952;
  // Above 2 Mpps the tx sender falls to 30 % of its load: waiting for receive work (receive
  // first) or, in the other run, with its queue full (pushed back).
  const search = (cause: "receive" | "queue") =>
    searchThroughput({
      lineRatePps: LINE,
      precision: 0.01,
      pdrLoss: 0.005,
      trial: async (rate) =>
        rate <= 2e6
          ? trial(rate, 1, {})
          : trial(rate, 0.3, cause === "receive" ? { waitedNs: 650_000 } : { fullNs: 650_000 }),
    });

  const caseOf = (s: Awaited<ReturnType<typeof search>>): CaseResult => ({
    case: {
      path: "native",
      direction: "both",
      size: 64,
      frameBytes: 64,
      traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    },
    linkGbps: 10,
    lineRatePps: LINE,
    ndrPps: s.ndrPps,
    pdrPps: s.pdrPps,
    searchNdrPps: s.searchNdrPps,
    searchPdrPps: s.searchPdrPps,
    nonMonotonic: s.nonMonotonic,
    inversion: s.inversion,
    trials: s.trials.map((t): Trial => ({ ...t, lossByDirection: { rx: 0, tx: 0 } })),
    loadPoints: [],
    finalTrialNs: null,
    shortNdrPps: null,
    shortPdrPps: null,
  });

  it("receive first: the trial records it, the note and the JSON name it", async () => {
    const s = await search("receive");
    expect(s.ndrPps).toBeLessThanOrEqual(2e6);
    const above = s.trials.filter((t) => t.ratePps > 2e6);
    expect(above.length).toBeGreaterThan(0);
    for (const t of above) {
      expect(t.senderShort).toBe(true);
      expect(t.senderHeld).toEqual([
        {
          direction: "tx",
          resource: "host-core0",
          receiveFirstShare: 0.65,
          queueFullShare: 0,
          cpuBusyShare: 0,
        },
      ]);
    }
    const c = caseOf(s);
    const [note] = directionLossNotes({ cases: [c], simulations: [], violations: [] });
    expect(note).toContain(
      "failed because its tx sender on host-core0 offered less than that load: it waited for receive work on its CPU for 65.0 % of the window (receive first)",
    );
    expect(note).not.toContain("pushed back");
    expect(pathEntryJson(c).senders_short_above_ndr).toEqual([
      {
        direction: "tx",
        resource: "host-core0",
        receive_first_ratio: 0.65,
        queue_full_ratio: 0,
        cpu_busy_ratio: 0,
        causes: ["receive first"],
      },
    ]);
  });

  it("pushed back: its queue full, no receive wait", async () => {
    const c = caseOf(await search("queue"));
    const [note] = directionLossNotes({ cases: [c], simulations: [], violations: [] });
    expect(note).toContain("it found its queue full for 65.0 % (pushed back)");
    expect(note).not.toContain("receive first");
    expect(pathEntryJson(c).senders_short_above_ndr?.[0]?.causes).toEqual(["pushed back"]);
  });

  it("a trial that offered its load has no sender record, and the JSON leaves the field out", async () => {
    const s = await searchThroughput({
      lineRatePps: LINE,
      precision: 0.01,
      pdrLoss: 0.005,
      trial: async (rate) => trial(rate, 1, {}),
    });
    expect(s.trials.every((t) => t.senderHeld === undefined)).toBe(true);
    expect("senders_short_above_ndr" in pathEntryJson(caseOf(s))).toBe(false);
  });
});
