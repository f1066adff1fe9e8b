// The NIC's receive side: the embedded switch (wireRxBurst: parse, pool select, RSS, replication)
// on the frames of a write-back window, priced on the NIC pipeline (per packet and per byte,
// shared with transmit and VF-to-VF loopback; capacity from the NIC profile), then DMA to host
// memory over PCIe (payload TLPs, descriptor fetch and write-back, IOTLB misses for an assigned
// device; src/model/hw-limits.ts). Descriptors are ready half a PCIe
// round trip after the DMA. A frame whose ring has no room when it is switched (the driver's
// refills not yet seen; judged frame by frame, ring-room.ts) is dropped: the switch counts "no
// descriptor". The DMA runs on the PCIe link's own clock, so the next window's switch does not
// wait for it (the overlap the transmit side's DMA engine has too, veb-tx.ts). Before the
// pipeline, frames wait in the NIC's receive packet buffer (veb-rx-buffer.ts); those that find it
// full are dropped unparsed.
import { R_HEAD } from "../../../assembly/abi.ts";
import { switchNs } from "../../model/hw-limits.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { resourceOf } from "../context.ts";
import type { Link } from "../link.ts";
import { ReplayCopyTimes } from "../replay.ts";
import { type ElementKind, hwOf, Iotlb, inToOut, PcieLink, RingLens, specResource } from "./common.ts";
import { sameRoomRun } from "./ring-room.ts";
import { PipelineTimes } from "./switch-times.ts";
import { RxPacketBuffer } from "./veb-rx-buffer.ts";

export const veb: ElementKind = {
  kind: "veb",
  ports: inToOut,
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const nic = specResource(ctx, spec);
    const pcie = new PcieLink(ctx, resourceOf(ctx, "pcie-up"), resourceOf(ctx, "pcie-down"));
    const switchAcc = nic.account("switch");
    const iotlbAcc = pcie.up.account("iotlb");
    const hw = hwOf(ctx);
    const input = ctx.link(s.in);
    // The consumer's pool receives on all its queues (RSS spreads the flows over them).
    const queues = ctx.built.nic?.rxQueues ?? 1;
    const outs: Link[] = [ctx.link(s.out)];
    for (let q = 1; q < queues; q++) outs.push(ctx.link(`${s.out}/q${q}`));
    const iotlb = ctx.path.nic.assigned ? new Iotlb(ctx) : null;
    const c = ctx.costs.c;
    const before = new Array<number>(outs.length).fill(0);
    // Replay: copies made by replication get the arrival time of their frame.
    const copyTimes = ctx.built.replaySide !== undefined ? new ReplayCopyTimes(ctx) : null;
    const u32 = ctx.u32;
    const ring = input.ring;
    // The kernels, looked up once (the exports object is a dictionary).
    const wireRxBurst = ctx.k.wireRxBurst;
    const wireRxMiss = ctx.k.wireRxMiss;
    const buffer = new RxPacketBuffer(ctx, hw.v.rx_buffer_bytes);
    // The driver's receive buffer: a longer frame takes several descriptors (src/nic/frames.ts).
    const rxBuffer = ctx.frames.rxBuffer;
    // When the switch is done with each frame of a window.
    const switched = new PipelineTimes(ctx, hw);
    const from = new Array<number>(outs.length).fill(0);
    // The rings' frame lengths, their layout read once.
    const inLens = new RingLens(ctx, ring);
    const outLens = outs.map((l) => new RingLens(ctx, l.ring));
    const work = (start: number, ready: number, done: WorkEnd): number => {
      const head = u32[(ring + R_HEAD) >>> 2];
      const readyBytes = inLens.bytes(head, ready);
      // Frames beyond the buffer's room found it full: dropped before the pipeline.
      const n = buffer.admit(ring, head, ready, readyBytes, start);
      const bytes = n === ready ? readyBytes : inLens.bytes(head, n);
      let taken = 0;
      let e1 = start;
      if (n > 0) {
        for (let i = 0; i < outs.length; i++) before[i] = outs[i].tail();
        // The pipeline takes the window's frames one after the other; each is judged on the room
        // its queue's ring has when it is switched (ring-room.ts).
        switched.reset(start, ring, head, n, bytes);
        for (let i = 0; i < n; ) {
          const k = sameRoomRun(outs, switched, i, n);
          for (let o = 0; o < outs.length; o++) from[o] = outs[o].tail();
          copyTimes?.before(ring, k);
          const t = wireRxBurst(k);
          taken += t;
          copyTimes?.after(
            t,
            outs.map((l, o) => ({ ring: l.ring, from: from[o], to: l.tail() })),
          );
          if (t < k) break;
          i += k;
        }
        e1 = nic.charge(start, switchNs(hw, n, bytes), switchAcc);
        let dmaBytes = 0;
        for (let i = 0; i < outs.length; i++) {
          const l = outs[i];
          const m = (l.tail() - before[i]) >>> 0;
          if (m === 0) continue;
          const lens = outLens[i];
          const b = lens.bytes(before[i], m, rxBuffer);
          let e2 = pcie.rx(e1, b, m, lens.descs);
          if (iotlb) e2 = pcie.up.charge(e2, iotlb.missNs(m), iotlbAcc);
          // Until its DMA is done a frame still occupies the packet buffer.
          buffer.hold(e2, b);
          dmaBytes += b;
          l.publish(e2 + c.pcie_rtt_ns / 2);
        }
        buffer.hold(e1, bytes - dmaBytes); // the rest leaves when the pipeline is done with it
      }
      const missed = ready > n ? wireRxMiss(ready - n) : 0;
      done.end = e1;
      return taken + missed;
    };
    const act = new Stage(ctx, nic, input, 1 << 16, work);
    return { name: spec.name, stats: act.stats };
  },
};
