// The NIC's transmit side is a pipeline: each frame of a burst is switched, and leaves, once its
// own data is in the NIC (the transmit DMA fetches the descriptors, then each packet's data:
// Intel 82598EB datasheet §3.5.1.1), not when the DMA of the whole burst ends.
import { beforeAll, describe, expect, it } from "vitest";
import { hwOf } from "../../src/engine/elements/common.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import type { Account } from "../../src/engine/resource.ts";
import { runGraph } from "../../src/engine/run.ts";
import { ensureKernels, scenarioGraphOptions } from "../../src/engine/simulate.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
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
    // One frame's completions and their time on the link, from the link's bandwidth.
    const frameNs = ((LEN + Math.ceil(LEN / v.pcie_rcb) * v.pcie_tlp_bytes) * 8) / v.pcie_gbps;
    // n descriptors' completions: n x 16 B in one RCB-sized completion per 64 B line.
    const descNs = (n: number) =>
      ((n * v.pcie_desc_bytes +
        Math.ceil((n * v.pcie_desc_bytes) / 64) * Math.ceil(64 / v.pcie_rcb) * v.pcie_tlp_bytes) *
        8) /
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
