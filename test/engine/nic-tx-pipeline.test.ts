// The NIC's transmit side is a pipeline: each frame of a burst is switched, and leaves, once its
// own data is in the NIC (the transmit DMA fetches the descriptors, then each packet's data:
// Intel 82598EB datasheet §3.5.1.1), not when the DMA of the whole burst ends.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { R_LIMIT } from "../../assembly/abi.ts";
import { hwOf, PcieLink, writeBackOfPath } from "../../src/engine/elements/common.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import type { Account } from "../../src/engine/resource.ts";
import { collect } from "../../src/engine/result.ts";
import { runGraph } from "../../src/engine/run.ts";
import { ensureKernels, scenarioGraphOptions, simulate } from "../../src/engine/simulate.ts";
import { doorbellBits, hwLimits, pcieTxBits, switchNs, writeBackOf } from "../../src/model/hw-limits.ts";
import { getProfile, type HostSpec, registerNicProfileFile, validateHostSpec } from "../../src/nic/index.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { twoVfConf } from "../helpers/two-vf-conf.ts";
import { baseSpec } from "./base-spec.ts";

const SIZE = 512;
/** Bytes the NIC fetches per frame: the frame without its FCS (the MAC appends it). */
const LEN = SIZE - 4;

describe("the NIC's transmit pipeline (veb-tx)", () => {
  beforeAll(async () => {
    await ensureKernels();
  }, 120_000);

  // Native transmit of 512 B frames at the 10 GbE line rate (bursts of several frames behind the
  // driver's doorbells). A burst's transfer on PCIe downstream carries its descriptors' read
  // completions, then each frame's: 508 B (no FCS) in ceil(508 / RCB) completions, each with a TLP header.
  it("the first frame of a burst leaves before the burst's DMA ends, the next one frame's transfer later", () => {
    const g = buildGraph(
      scenarioGraphOptions(
        baseSpec({
          path: "native",
          direction: "tx",
          ratePps: 10e9 / ((SIZE + 20) * 8),
          traffic: defaultProfile({ sizes: { kind: "fixed", size: SIZE } }),
        }),
      ),
    );
    const v = hwOf(g.ctx).v;
    // The transmit descriptor's size: the driver's (its NIC profile's writeBack), 16 B.
    const desc = writeBackOfPath(g.ctx).tx.descBytes;
    // One frame's completions and their time on the link, from the link's bandwidth.
    const frameNs = ((LEN + Math.ceil(LEN / v.pcie_rcb) * v.pcie_tlp_bytes) * 8) / v.pcie_gbps;
    // n descriptors' completions: n x 16 B in one RCB-sized completion per 64 B line.
    const descNs = (n: number) =>
      ((n * desc + Math.ceil((n * desc) / 64) * Math.ceil(64 / v.pcie_rcb) * v.pcie_tlp_bytes) * 8) /
      v.pcie_gbps;
    const switchNs = v.switch_pkt_ns + LEN * v.switch_byte_ns;

    // Each transmit transfer on the link, and the times frames become ready on the wire.
    const down = g.ctx.resources.get("pcie-down")!;
    const dma = down.account("dma");
    const charge = down.charge.bind(down);
    type Burst = { from: number; to: number; ready: number[] };
    const bursts: Burst[] = [];
    down.charge = (at: number, ns: number, a: Account) => {
      const end = charge(at, ns, a);
      if (a === dma) bursts.push({ from: down.lastStart, to: end, ready: [] });
      return end;
    };
    const wire = g.ctx.link("wire.out");
    const record = wire.record.bind(wire);
    let tail = wire.tail();
    wire.record = (t: number, to = wire.tail()) => {
      const b = bursts[bursts.length - 1];
      for (; tail !== to; tail = (tail + 1) >>> 0) b.ready.push(t);
      return record(t, to);
    };
    runGraph(g);

    const multi = bursts.filter((b) => b.ready.length >= 2);
    expect(multi.length).toBeGreaterThan(50);
    for (const b of multi) {
      const n = b.ready.length;
      // The burst's transfer is its descriptors and n frames (nothing else shares its charge).
      expect(b.to - b.from).toBeCloseTo(descNs(n) + n * frameNs, 6);
      // The first frame is switched once its data is in, well before the last frame's is.
      expect(b.ready[0]).toBeCloseTo(b.from + descNs(n) + frameNs + switchNs, 6);
      expect(b.ready[0]).toBeLessThan(b.to - (n - 1) * frameNs + switchNs + 1e-6);
      expect(b.ready[0]).toBeLessThan(b.to);
      // Each next frame one frame's transfer later (the switch is faster than the link).
      for (let i = 1; i < n; i++) expect(b.ready[i] - b.ready[i - 1]).toBeCloseTo(frameNs, 6);
    }
  });

  // Looped back (VF to VF), each frame's DMA into the peer's ring starts once it is switched, so
  // in a long enough burst the first is in the peer's ring (its write done, half a round trip
  // on) before the last frame's data is even in the NIC, half a round trip on.
  it("looped back, the first frame of a burst reaches the peer's ring before the burst's DMA ends", () => {
    const g = buildGraph(
      scenarioGraphOptions(
        baseSpec({
          path: "vf-loopback",
          direction: "tx",
          ratePps: 1e6,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: SIZE } }),
        }),
      ),
    );
    const v = hwOf(g.ctx).v;
    const frameNs = ((LEN + Math.ceil(LEN / v.pcie_rcb) * v.pcie_tlp_bytes) * 8) / v.pcie_gbps;
    const halfRtt = g.ctx.costs.c.pcie_rtt_ns / 2;
    const down = g.ctx.resources.get("pcie-down")!;
    const dma = down.account("dma");
    const charge = down.charge.bind(down);
    type Burst = { from: number; to: number; ready: number[] };
    const bursts: Burst[] = [];
    down.charge = (at: number, ns: number, a: Account) => {
      const end = charge(at, ns, a);
      if (a === dma) bursts.push({ from: down.lastStart, to: end, ready: [] });
      return end;
    };
    const peer = g.ctx.link("peer.rx");
    const record = peer.record.bind(peer);
    let tail = peer.tail();
    peer.record = (t: number, to = peer.tail()) => {
      const b = bursts[bursts.length - 1];
      for (; tail !== to; tail = (tail + 1) >>> 0) b.ready.push(t);
      return record(t, to);
    };
    runGraph(g);

    // A frame's switch and its write into the peer's ring (its bytes in MPS-sized TLPs, at most
    // a whole write-back line and the descriptor read request with it): the burst must be long
    // enough for the frames after the first to take longer than that to come in.
    const switchNs = v.switch_pkt_ns + LEN * v.switch_byte_ns;
    const writeNs =
      ((LEN + Math.ceil(LEN / v.pcie_mps) * v.pcie_tlp_bytes + 64 + 2 * v.pcie_tlp_bytes) * 8) / v.pcie_gbps;
    const multi = bursts.filter((b) => b.ready.length >= 2);
    const long = multi.filter((b) => (b.ready.length - 1) * frameNs > switchNs + writeNs);
    expect(long.length).toBeGreaterThan(20);
    for (const b of long) expect(b.ready[0]).toBeLessThan(b.to + halfRtt);
    for (const b of multi) {
      const n = b.ready.length;
      // Spread over the transfer, not all at its end: at least one frame's write into the
      // peer's ring apart (its bytes in MPS-sized TLPs; the link up is faster than the frames
      // come in, so a burst whose first write waited behind earlier ones drains at its pace).
      const write = ((LEN + Math.ceil(LEN / v.pcie_mps) * v.pcie_tlp_bytes) * 8) / v.pcie_gbps;
      for (let i = 1; i < n; i++) expect(b.ready[i] - b.ready[i - 1]).toBeGreaterThanOrEqual(write - 1e-6);
    }
  });
});

// A frame looped back to a peer whose ring is nearly full may take a slot only if the peer's
// driver handed it back (its refill doorbell reached the NIC) by the time the switch hands the
// frame on: the room is judged frame by frame (QEMU's igb checks the ring per packet), not once
// per burst at its last frame's arrival, which let the burst's first frames use slots handed back
// only after they were switched.
describe("the NIC's transmit switch judges each frame on the room its ring has then (veb-tx)", () => {
  beforeAll(async () => {
    await ensureKernels();
  }, 120_000);

  it("looped back into a full ring, no frame takes a slot its driver handed back only after the frame's switch", () => {
    // 64 B VF-to-VF above what the peer guest receives (its vCPU is the bottleneck near 1.8 Mpps):
    // the peer's ring fills and the NIC drops what finds no descriptor.
    const g = buildGraph(
      scenarioGraphOptions(
        baseSpec({
          path: "vf-loopback",
          direction: "tx",
          ratePps: 3e6,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
        }),
      ),
    );
    const peer = g.ctx.link("peer.rx");
    const limit = g.ctx.u32[(peer.ring + R_LIMIT) >>> 2];
    // The driver's refills as the NIC sees them: (the head it handed back up to, when).
    const handed: Array<{ head: number; at: number }> = [{ head: peer.head(), at: 0 }];
    const refill = peer.refill.bind(peer);
    peer.refill = (t: number) => {
      handed.push({ head: peer.head(), at: t });
      refill(t);
    };
    // Each frame written into the peer's ring (by its index) and when it was switched: the
    // loopback DMA starts each frame once it is switched.
    const switchedAt = new Map<number, number>();
    const rxFrames = PcieLink.prototype.rxFrames;
    const spy = vi.spyOn(PcieLink.prototype, "rxFrames").mockImplementation(function (
      this: PcieLink,
      ready,
      lens,
      n,
      bytes,
      done,
      iotlb,
    ) {
      const tail = peer.tail();
      for (let j = 0; j < n; j++) switchedAt.set((tail - n + j + 1) >>> 0, ready[j]);
      return rxFrames.call(this, ready, lens, n, bytes, done, iotlb);
    });
    let st: ReturnType<typeof runGraph>;
    try {
      st = runGraph(g);
    } finally {
      spy.mockRestore();
    }
    const r = collect(g.ctx, {
      path: "vf-loopback",
      direction: "tx",
      sentAtWarmupByGen: st.sentAtWarmupByGen,
      endNs: st.endNs,
      wallMs: 0,
      busyAtWarmup: st.busyAtWarmup,
      busyAtOfferEnd: st.busyAtOfferEnd,
    });
    // The ring did fill: the switch dropped frames for want of a descriptor.
    expect(r.conservation.dropped["NIC switch: no descriptor"] ?? 0).toBeGreaterThan(0);
    expect(switchedAt.size).toBeGreaterThan(1000);
    // Refills reach the NIC in time order: the head handed back by time t is the last one before it.
    let late = 0;
    for (const [index, at] of switchedAt) {
      let head = handed[0].head;
      for (const h of handed) if (h.at <= at) head = h.head;
      // Frame `index` (its ring slot, 1-based) fits if no more than `limit` are outstanding.
      if ((index - head) >>> 0 > limit) late++;
    }
    expect(late).toBe(0);
  });
});

// The transmit DMA runs apart from the switch (82598EB datasheet §3.5.1.1, §3.5.3.3.2: the DMA
// fetches descriptors into its own queue and then each packet's data, whatever the switch is
// doing), so on a PCIe-bound NIC the link carries one frame after another: a frame every
// interval longer than its transfer leaves no queue behind, even when the interval is shorter
// than its transfer plus its switch (when the next transfer waited for the switch, a queue grew).
describe("the NIC's transmit DMA overlaps the switch (veb-tx)", () => {
  const NARROW = new URL("../fixtures/nic/x550-x1.json", import.meta.url).pathname;
  let host: HostSpec;
  beforeAll(async () => {
    registerNicProfileFile(NARROW);
    host = validateHostSpec(
      { devices: [{ name: "ix7", selector: "pci0:3:0:0", profile: "x550-x1", mac: "a0:36:9f:00:00:70" }] },
      "host.json",
    );
    await ensureKernels();
  }, 120_000);

  it("1518 B from the host over a PCIe 2.0 x1 link: no queue between the transfer's pace and the transfer plus switch's", () => {
    const p = getProfile("x550-x1");
    if (!p) throw new Error("x550-x1");
    const h = hwLimits(p);
    const len = 1514; // without the FCS, which the MAC appends
    // Per frame on pcie-down (a frame per doorbell at this load): its doorbell, its descriptor's
    // and its data's completions.
    const transferNs =
      (doorbellBits(h) + pcieTxBits(h, writeBackOf(p, "freebsd", "pf"), 1, len).down) / h.v.pcie_gbps;
    const sw = switchNs(h, 1, len);
    const run = (intervalNs: number) =>
      simulate(
        baseSpec({
          path: "native",
          direction: "tx",
          ratePps: 1e9 / intervalNs,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
          config: { text: twoVfConf("ix7"), file: "iov.conf" },
          host,
        }),
      );
    const idle = run(10 * transferNs);
    const busy = run(transferNs + sw / 2);
    expect(busy.loss_ratio).toBe(0);
    // Each frame still waits only for its own transfer: the latency stays that of a lone frame
    // (2 ms of frames arriving sw / 2 faster than transfer + switch would queue ~30 µs).
    expect(busy.latency_us.p99).toBeLessThan(idle.latency_us.p99 + sw / 1000);
    expect(busy.latency_us.p50).toBeLessThan(idle.latency_us.p50 + sw / 1000);
  });
});
