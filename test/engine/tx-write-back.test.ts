// A transmit completion is the driver's once the NIC writes it back: in the events its write-back
// policy sets (WTHRESH descriptors, or an RS descriptor every rsEvery packets), and, where the NIC
// flushes at the interrupt throttle timer's expiry (the profile's tx.itrFlush: the 8259x's EITR
// flush of WTHRESH, the X710 family's interrupt and WB_ON_ITR), no later than one ITR interval
// after the first completion that waits. The flush is one more write-back event on PCIe. Figures are worked from
// the link figures (24 B per TLP) and the policies, not read back from the code.
import { beforeAll, describe, expect, it } from "vitest";
import { writeBackOfPath } from "../../src/engine/elements/common.ts";
import { TxWriteBack } from "../../src/engine/elements/tx-write-back.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import { runGraph } from "../../src/engine/run.ts";
import { ensureKernels, scenarioGraphOptions } from "../../src/engine/simulate.ts";
import { hwLimits, txFlushExtraBits, writeBackOf } from "../../src/model/hw-limits.ts";
import { getProfile } from "../../src/nic/index.ts";
import type { NicProfile } from "../../src/nic/profile.ts";
import type { WriteBackPolicy } from "../../src/nic/write-back.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { baseSpec } from "./base-spec.ts";

const nic = (id: string): NicProfile => getProfile(id) as NicProfile;
const ITR = 6700; // ns: the interval the tests give the tracker

/** A tracker on `wb` whose timer events the test runs by hand; what it reports and charges. */
function tracker(id: string, wb: WriteBackPolicy, flushNs: number | null) {
  const timers: Array<{ t: number; f: (t: number) => void }> = [];
  const reports: Array<[number, number]> = [];
  const charges: Array<[number, number]> = [];
  const w = new TxWriteBack(
    hwLimits(nic(id)),
    wb,
    flushNs,
    (t, f) => timers.push({ t, f }),
    (t, k) => reports.push([t, k]),
    (t, bits) => charges.push([t, bits]),
  );
  const runTimers = () => {
    for (const { t, f } of timers.splice(0)) f(t);
  };
  return { w, timers, reports, charges, runTimers };
}

describe("the profiles say which NIC flushes at the ITR timer's expiry", () => {
  it("ixgbe's WTHRESH 8, i40e and iavf (the queue's interrupt, WB_ON_ITR while polling) flush; FreeBSD's ixl, where nothing waits, is not said to", () => {
    const flush = (id: string, os: "linux" | "freebsd", fn: "pf" | "vf") =>
      writeBackOf(nic(id), os, fn).tx.itrFlush;
    expect(flush("ix", "linux", "pf")).toBe(true);
    expect(flush("ix", "freebsd", "pf")).toBe(true);
    expect(flush("ice", "linux", "vf")).toBe(true);
    expect(flush("ixl", "linux", "pf")).toBe(true);
    expect(flush("ixl", "linux", "vf")).toBe(true);
    expect(flush("ixl", "freebsd", "pf")).toBe(false);
    expect(nic("ixl").writeBack.linux.pf.tx.itrFlush.source).toMatch(
      /interrupts were disabled the service task/,
    );
    expect(nic("ixl").writeBack.linux.pf.tx.itrFlush.source).toMatch(/I40E_MAC_X722/);
    expect(nic("ice").writeBack.linux.vf.tx.itrFlush.source).toMatch(/VIRTCHNL_VF_OFFLOAD_WB_ON_ITR/);
    expect(nic("ix").writeBack.linux.pf.tx.itrFlush.source).toMatch(/false TX hangs/);
  });
});

describe("TxWriteBack: when completions are written back", () => {
  it("a lone frame's completion on iavf over an E810 VF (RS every 4, WB_ON_ITR) is written back at ITR expiry, not held", () => {
    const wb = writeBackOf(nic("ice"), "linux", "vf");
    const { w, timers, reports, charges, runTimers } = tracker("ice", wb, ITR);
    w.complete(Float64Array.of(1000), 1);
    expect(reports).toEqual([]); // below the stride: nothing yet
    expect(timers.map((x) => x.t)).toEqual([1000 + ITR]); // the first waiting completion starts the timer
    runTimers();
    expect(reports).toEqual([[1000 + ITR, 1]]);
    // The flush writes the one 16 B descriptor (+ 24 B header); the packet paid a quarter of an
    // RS write-back (40 B / 4) as it went: 30 B more.
    expect(charges).toEqual([[1000 + ITR, 30 * 8]]);
    expect(w.pending).toBe(0);
    expect(w.flushes).toBe(1);
  });

  it("a lone frame's completion on i40e over an X710 (RS every 4) is written back at ITR expiry, not held", () => {
    const { w, reports, charges, runTimers } = tracker("ixl", writeBackOf(nic("ixl"), "linux", "pf"), ITR);
    w.complete(Float64Array.of(500), 1);
    runTimers();
    expect(reports).toEqual([[500 + ITR, 1]]);
    expect(charges).toEqual([[500 + ITR, 30 * 8]]);
  });

  it("without a flush (a policy with itrFlush false) the lone completion waits for the stride, and no timer is armed", () => {
    const i40e = writeBackOf(nic("ixl"), "linux", "pf");
    const wb = { ...i40e, tx: { ...i40e.tx, itrFlush: false } };
    const { w, timers, reports, charges } = tracker("ixl", wb, null);
    w.complete(Float64Array.of(1000), 1);
    expect(timers).toEqual([]);
    expect(reports).toEqual([]);
    expect(w.pending).toBe(1);
    w.complete(Float64Array.of(60000, 120000, 180000), 3);
    expect(reports).toEqual([[180000, 4]]); // the RS on the 4th packet writes all four back
    expect(charges).toEqual([]);
  });

  it("ixgbe's WTHRESH 8: a full burst at the 8th completion, what waits below it at the timer's expiry", () => {
    const wb = writeBackOf(nic("ix"), "linux", "pf");
    const { w, reports, charges, runTimers } = tracker("ix", wb, ITR);
    const eight = Float64Array.from({ length: 8 }, (_, i) => 100 + i * 10);
    w.complete(eight, 8);
    runTimers(); // the timer the first of them armed finds them written back: nothing more
    expect(reports).toEqual([[170, 8]]);
    expect(charges).toEqual([]);
    w.complete(Float64Array.of(10000, 10100, 10200), 3);
    runTimers();
    expect(reports[1]).toEqual([10000 + ITR, 3]);
    // The flush: 3 x 16 B + 24 B = 72 B, of which the 3 packets paid 3 x (128 + 24) / 8 = 57 B.
    expect(charges).toEqual([[10000 + ITR, (72 - 57) * 8]]);
    expect(txFlushExtraBits(hwLimits(nic("ix")), wb, 3)).toBe((72 - 57) * 8);
    // Head write-back (FreeBSD ixl) flushes the 4 B head index, whatever waits.
    const head = writeBackOf(nic("ixl"), "freebsd", "pf");
    expect(txFlushExtraBits(hwLimits(nic("ixl")), { ...head, tx: { ...head.tx, rsEvery: 4 } }, 2)).toBe(
      (28 - 2 * 7) * 8,
    );
  });
});

describe("TxWriteBack at jumbo frames: the threshold in the policy's unit", () => {
  // A 9000-byte frame (8996 B on the ring, no FCS) in 4 KiB segments: 3 data descriptors.
  const SEG = 4096;
  const jumbo = (n: number) => new Float64Array(n).fill(8996);
  const at = (n: number, from = 100) => Float64Array.from({ length: n }, (_, i) => from + i * 1000);

  it("ixgbe's WTHRESH 8 counts descriptors: the first event at the 3rd frame (its 2nd descriptor is the 8th), reporting the 2 frames whose last descriptor it wrote", () => {
    const wb = writeBackOf(nic("ix"), "linux", "pf");
    expect(wb.tx.wthresh).toBe(8);
    const { w, reports } = tracker("ix", wb, null);
    w.complete(at(2), 2, jumbo(2), SEG);
    expect(reports).toEqual([]); // 6 descriptors: below 8
    w.complete(at(1, 2100), 1, jumbo(1), SEG);
    expect(reports).toEqual([[2100, 2]]); // 9: 8 written back, frame 3's last waits
    expect([w.pending, w.pendingFrames]).toEqual([1, 1]);
    // 8 frames are 24 descriptors, 3 events: at frames 3, 6 and 8 (9, 1 + 9, 2 + 6).
    w.complete(at(5, 3100), 5, jumbo(5), SEG);
    expect(reports).toEqual([
      [2100, 2],
      [5100, 3],
      [7100, 3],
    ]);
    expect(w.pending).toBe(0);
  });

  it("without lengths, or at frames of one descriptor, ixgbe's event still comes at the 8th frame", () => {
    const wb = writeBackOf(nic("ix"), "linux", "pf");
    const { w, reports } = tracker("ix", wb, null);
    w.complete(at(8), 8, new Float64Array(8).fill(1514), SEG);
    w.complete(at(8, 9100), 8);
    expect(reports).toEqual([
      [7100, 8],
      [16100, 8],
    ]);
  });

  it("RS every 4 (i40e) counts packets: 4 jumbo frames per event, whatever their descriptors", () => {
    const wb = writeBackOf(nic("ixl"), "linux", "pf");
    expect([wb.tx.wthresh, wb.tx.rsEvery]).toEqual([0, 4]);
    const { w, reports } = tracker("ixl", wb, null);
    w.complete(at(4), 4, jumbo(4), SEG);
    expect(reports).toEqual([[3100, 4]]);
  });

  it("the flush of what waits: the frames, and on PCIe the units the policy counts (descriptors under WTHRESH, packets under RS)", () => {
    const wb = writeBackOf(nic("ix"), "linux", "pf");
    const { w, reports, charges, runTimers } = tracker("ix", wb, ITR);
    // Frame 3's last descriptor waits after the event; the timer it restarts flushes it alone.
    w.complete(at(3), 3, jumbo(3), SEG);
    runTimers();
    expect(reports).toEqual([
      [2100, 2],
      [2100 + ITR, 1],
    ]);
    // One 16 B descriptor (+ 24 B) where it paid an eighth of a burst of 8: 40 - 19 = 21 B.
    expect(charges).toEqual([[2100 + ITR, 21 * 8]]);
    expect([w.flushes, w.flushed]).toEqual([1, 1]);
    // Two whole jumbo frames waiting: 6 descriptors, 96 + 24 = 120 B, of which 6 x 19 B paid.
    w.complete(at(2, 20000), 2, jumbo(2), SEG);
    runTimers();
    expect(reports[2]).toEqual([20000 + ITR, 2]);
    expect(charges[1]).toEqual([20000 + ITR, (120 - 6 * 19) * 8]);
    // i40e's RS every 4 counts packets: 2 waiting jumbo frames flush as 2 descriptors (each
    // packet's last, 32 + 24 = 56 B), where each paid a quarter of an RS write-back (10 B).
    const i40e = writeBackOf(nic("ixl"), "linux", "pf");
    const r = tracker("ixl", i40e, ITR);
    r.w.complete(at(2, 30000), 2, jumbo(2), SEG);
    r.runTimers();
    expect(r.reports).toEqual([[30000 + ITR, 2]]);
    expect(r.charges).toEqual([[30000 + ITR, (56 - 2 * 10) * 8]]);
  });
});

describe("the engine: a path's transmit completions and the flush's PCIe write", () => {
  beforeAll(async () => {
    await ensureKernels();
  }, 120_000);

  // 64 B frames 50 us apart: each alone on the ring, far longer apart than the ITR interval.
  const lowLoad = (path: string) =>
    buildGraph(
      scenarioGraphOptions(
        baseSpec({
          path,
          direction: "tx",
          profile: "kvm-exits",
          ratePps: 2e4,
          durationNs: 2e6,
          warmupNs: 0,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
        }),
      ),
    );

  /** Runs `g`, recording the completions its transmit ring reports and each frame's time on the wire. */
  function observe(g: ReturnType<typeof lowLoad>) {
    const ring = g.ctx.link("nic.tx");
    const reports: Array<{ t: number; n: number; unreported: number }> = [];
    const completed = ring.completed;
    ring.completed = (from, to, n) => {
      reports.push({ t: from, n, unreported: ring.unreported });
      completed?.(from, to, n);
    };
    const wire = g.ctx.link("wire.out");
    const ready: number[] = [];
    const record = wire.record.bind(wire);
    let tail = wire.tail();
    wire.record = (t: number, to = wire.tail()) => {
      for (; tail !== to; tail = (tail + 1) >>> 0) ready.push(t);
      return record(t, to);
    };
    runGraph(g);
    return { reports, ready };
  }

  it("passthrough under KVM (the guest's ixgbe, WTHRESH 8): each lone frame's completion comes one ITR after its data is in, with a flush on pcie-up", () => {
    const g = lowLoad("passthrough");
    const wb = writeBackOfPath(g.ctx);
    expect([wb.tx.wthresh, wb.tx.itrFlush]).toEqual([8, true]);
    const itr = g.ctx.costs.c.itr_us * 1000;
    const { reports, ready } = observe(g);
    expect(ready.length).toBeGreaterThan(30);
    // Every frame is flushed alone, an ITR interval after its data was in: that is before the
    // switch put it on the wire, by at most the switch's few ns.
    const flushed = reports.filter((r) => r.n === 1);
    expect(flushed.length).toBeGreaterThanOrEqual(ready.length - 1);
    for (let i = 0; i < flushed.length; i++) {
      const lag = flushed[i].t - ready[i];
      expect(lag).toBeLessThanOrEqual(itr);
      expect(lag).toBeGreaterThan(itr - 50);
    }
    // Until then the driver counts the descriptor as in use.
    expect(flushed.every((r) => r.unreported === 0)).toBe(true);
    // pcie-up carries each flush beyond the packet's share of a burst of 8: 40 - 19 = 21 B.
    const up = g.ctx.resources.get("pcie-up")!;
    const wbNs = up.cyclesByKind()["write-back"];
    const v = hwLimits(nic("ix")).v;
    expect(wbNs).toBeCloseTo((flushed.length * 21 * 8) / v.pcie_gbps, 6);
  });

  it("passthrough at MTU 9000 (ixgbe's WTHRESH 8, 3 descriptors a frame): the first write-back at the 3rd frame, not the 8th", () => {
    // Near the 10 GbE line rate (7.7 us apart) with the longest ITR the profile allows (18 us),
    // so the threshold, not the timer, writes the first completions back.
    const run = (size: number) => {
      const g = buildGraph(
        scenarioGraphOptions(
          baseSpec({
            path: "passthrough",
            direction: "tx",
            profile: "kvm-exits{itr_us=18}",
            ratePps: 1.3e5,
            durationNs: 2e5,
            warmupNs: 0,
            mtu: 9000,
            traffic: defaultProfile({ sizes: { kind: "fixed", size } }),
          }),
        ),
      );
      expect(writeBackOfPath(g.ctx).tx.wthresh).toBe(8);
      expect(g.ctx.costs.c.itr_us).toBe(18);
      return observe(g);
    };
    const jumbo = run(9000);
    // Frames 1-3 are 9 descriptors: the event of 8 comes as the 3rd frame's data is in (before
    // the switch puts it on the wire), and writes back the 2 frames whose last descriptor it holds.
    expect(jumbo.reports[0].n).toBe(2);
    expect(jumbo.reports[0].t).toBeLessThanOrEqual(jumbo.ready[2]);
    expect(jumbo.reports[0].t).toBeGreaterThan(jumbo.ready[1]);
    // The 3rd frame's last descriptor waits; the timer it starts flushes it with the 4th and 5th.
    expect(jumbo.reports[1].t - jumbo.reports[0].t).toBeCloseTo(18000, 6);
    expect(jumbo.reports[1].n).toBe(3);
    expect(Math.max(...jumbo.reports.map((r) => r.n))).toBe(3);
    // Standard frames at the same rate and MTU never fill 8 within 18 us: the timer flushes each 3.
    const std = run(1500);
    expect(std.reports[0].n).toBe(3);
    // (18 us after the first frame's data is in, which the switch puts on the wire a little later)
    expect(std.reports[0].t - std.ready[0]).toBeGreaterThan(17000);
    expect(std.reports[0].t - std.ready[0]).toBeLessThanOrEqual(18000);
  });

  it("native under KVM (i40e on the X710, RS every 4): each lone frame's completion comes one ITR after its data is in", () => {
    const g = lowLoad("native");
    const wb = writeBackOfPath(g.ctx);
    expect([wb.tx.rsEvery, wb.tx.itrFlush]).toEqual([4, true]);
    const itr = g.ctx.costs.c.itr_us * 1000;
    const { reports, ready } = observe(g);
    expect(reports.length).toBeGreaterThan(30);
    for (const [i, r] of reports.entries()) {
      expect(r.n).toBe(1);
      expect(r.t - ready[i]).toBeLessThanOrEqual(itr);
      expect(r.t - ready[i]).toBeGreaterThan(itr - 50);
    }
    // Each flush writes the 16 B descriptor (+ 24 B) where the frame paid a quarter of an RS
    // write-back (10 B): 30 B more on pcie-up.
    const v = hwLimits(nic("ixl")).v;
    const wbNs = g.ctx.resources.get("pcie-up")!.cyclesByKind()["write-back"];
    expect(wbNs).toBeCloseTo((reports.length * 30 * 8) / v.pcie_gbps, 6);
  });
});
