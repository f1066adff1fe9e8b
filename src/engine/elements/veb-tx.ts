// The NIC's transmit side for the consumer's pool: after the doorbell, the NIC fetches the
// descriptors and the frames over PCIe (two round trips, in the ready time, plus the transfer on
// the PCIe downstream resource), the embedded switch
// (vebTxBurst: Tx gates, anti-spoof, loopback or wire) runs on the NIC pipeline, the frames go to
// the wire or, looped back, are DMA'd into the peer pool's ring. A pipeline: each frame is
// switched once its own data is in the NIC, and leaves then, not when the burst's DMA ends (the
// transmit DMA fetches the descriptors, then each packet's data: Intel 82598EB datasheet
// §3.5.1.1), and the DMA engine takes the next burst while the switch is still on this one's
// last frames. Each frame is judged on its ring's room when it is switched (ring-room.ts).
// A VF with a transmit rate limit
// (ip link ... max_tx_rate) has its ring served no faster than that rate (vf-shaper.ts): the
// NIC takes only the frames its scheduler admits, the rest wait in the ring.
import { R_HEAD } from "../../../assembly/abi.ts";
import { switchNs, txWriteBackEvent } from "../../model/hw-limits.ts";
import { Stage, type Work, type WorkEnd } from "../activation.ts";
import { resourceOf } from "../context.ts";
import { Resource } from "../resource.ts";
import {
  type ElementKind,
  hwOf,
  Iotlb,
  inToOut,
  PcieLink,
  RingLens,
  scratch,
  specResource,
  writeBackOfPath,
} from "./common.ts";
import { sameRoomRun } from "./ring-room.ts";
import { ArrayTimes } from "./switch-times.ts";
import { TxWriteBack } from "./tx-write-back.ts";
import type { VfShaper } from "./vf-shaper.ts";

export const vebTx: ElementKind = {
  kind: "veb-tx",
  ports: inToOut,
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const nic = specResource(ctx, spec);
    const switchAcc = nic.account("switch");
    const hw = hwOf(ctx);
    const down = resourceOf(ctx, "pcie-down");
    const up = resourceOf(ctx, "pcie-up");
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const outs = [out];
    const toWire = out.name === "wire.out";
    const pool = ctx.built.nic?.pool ?? 0;
    const readIotlb = ctx.path.nic.assigned ? new Iotlb(ctx) : null;
    const writeIotlb = ctx.path.nic.peerAssigned ? new Iotlb(ctx) : null;
    const c = ctx.costs.c;
    const pcie = new PcieLink(ctx, up, down, true);
    // The completions' write-back (tx-write-back.ts): where the driver's policy writes back
    // several descriptors per event, each is the driver's once its event is written (at the
    // threshold, or at the interrupt throttle timer's flush where the NIC has one); one per event,
    // each as its data is in, as before.
    const txWb = writeBackOfPath(ctx);
    const wbUp = up.account("write-back");
    const writeBack =
      txWriteBackEvent(hw, txWb).packets > 1
        ? new TxWriteBack(
            hw,
            txWb,
            txWb.tx.itrFlush ? c.itr_us * 1000 : null,
            (t, f) => ctx.q.push(t, f),
            // k frames (the ring's room and unreported count frames).
            (t, k) => {
              input.unreported -= k;
              input.completed?.(t, t, k);
            },
            (t, bits) => {
              if (bits > 0) up.charge(t, bits / hw.v.pcie_gbps, wbUp);
            },
          )
        : null;
    // The kernel, looked up once (the exports object is a dictionary).
    const vebTxBurst = ctx.k.vebTxBurst;
    // A frame leaves the sender's stack as one data descriptor per segment, and a looped-back one
    // takes the peer driver's receive buffers (src/nic/frames.ts).
    const { txSegment, peerRxBuffer } = ctx.frames;
    // The transmit DMA engine runs apart from the switch: it fetches descriptors into its own
    // queue as soon as the tail moves (82598EB datasheet §3.5.3.3.2: 64 per queue; 82583V
    // §7.2.4.1: prefetched below TXDCTL.PTHRESH) and, descriptor after descriptor, asks for the
    // packets' data (§3.5.1.1 step 7), whatever the switch is doing. So the next burst's transfer
    // starts once this one's data is in, while the switch is still on its last frames (before,
    // the Stage ran on `nic` and the next transfer waited for the last frame's switch). Its own
    // clock, not a reported resource: its time is the link's (pcie-down) and the switch's (nic).
    const dma = new Resource(`${nic.name}-tx-dma`, nic.kind);
    const dmaAcc = dma.account("dma");
    // Per frame of a burst (grown as needed): its length, when its data is in the NIC, when the
    // switch is done with it; per frame the switch wrote to `out`, when it leaves (and, looped
    // back, the peer ring's lengths and DMA ends).
    let lens = new Float64Array(64);
    let fetched = new Float64Array(64);
    let switched = new Float64Array(64);
    const switchedAt = new ArrayTimes(switched);
    let outAt = new Float64Array(64);
    let outLens = new Float64Array(64);
    let written = new Float64Array(64);
    // The rings' frame lengths, their layout read once (the input's and, looped back, the peer's).
    const inLens = new RingLens(ctx, input.ring);
    const peerLens = toWire ? null : new RingLens(ctx, out.ring);
    const work = (start: number, n: number, done: WorkEnd): number => {
      const ring = input.ring;
      lens = scratch(lens, n);
      fetched = scratch(fetched, n);
      switched = scratch(switched, n);
      switchedAt.a = switched;
      const head = ctx.u32[(ring + R_HEAD) >>> 2];
      const bytes = inLens.copy(head, n, lens, txSegment);
      // The fetch round trips are in the ready time (txdrv); here the transfer itself, frame by
      // frame; the transfer starts once the link is free, not at `start`.
      const descs = inLens.descs;
      const last = pcie.txFrames(start, lens, n, bytes, fetched, readIotlb, descs);
      // The switch takes each frame as its data comes in.
      for (let i = 0; i < n; i++) switched[i] = nic.charge(fetched[i], switchNs(hw, 1, lens[i]), switchAcc);
      // Each frame is judged on the room its ring has when it is switched (ring-room.ts): what
      // the consumer handed back by then (a looped-back peer's driver by refill doorbells, the
      // wire as it serializes: sink.ts refills wire.out), not once per burst at its last frame's
      // arrival, which let a burst's first frames use room that came back only after them.
      const before = out.tail();
      let taken = 0;
      let m = 0;
      for (let i = 0; i < n; ) {
        const k = sameRoomRun(outs, switchedAt, i, n);
        const from = out.tail();
        const t = vebTxBurst(pool, 0, k);
        taken += t;
        // One frame out per frame taken: each leaves at its own time. Otherwise (drops, a frame
        // over several descriptors) which frame is which is not known here: all when the run's
        // last is done.
        const mc = (out.tail() - from) >>> 0;
        outAt = scratch(outAt, m + mc);
        for (let j = 0; j < mc; j++) outAt[m + j] = switched[mc === k ? i + j : i + k - 1];
        m += mc;
        if (t < k) break; // the ring is not serviced (VFTE off)
        i += k;
      }
      // Each descriptor is done once its frame's data is in the NIC and its completion written
      // back: the driver's slots come back over the transfer, or event by event (a stopped
      // transmit queue wakes on them).
      if (taken > 0) {
        if (writeBack) {
          input.unreported += taken;
          writeBack.complete(fetched, taken, lens, txSegment);
        } else input.completed?.(pcie.txFrom, last, taken);
      }
      if (m > 0) {
        if (toWire) for (let j = 0; j < m; j++) out.publishTo((before + j + 1) >>> 0, outAt[j]);
        else if (peerLens) {
          // Looped back: DMA into the peer pool's receive ring, each frame once switched.
          outLens = scratch(outLens, m);
          written = scratch(written, m);
          const b = peerLens.copy(before, m, outLens, peerRxBuffer);
          pcie.rxFrames(outAt, outLens, m, b, written, writeIotlb, peerLens.descs);
          for (let j = 0; j < m; j++) out.publishTo((before + j + 1) >>> 0, written[j] + c.pcie_rtt_ns / 2);
        }
      }
      // The DMA engine is free for the next burst once this one's data is in and the link can
      // take its reads (not behind what is booked on it meanwhile).
      const free = Math.max(last, pcie.down.busyUntil);
      dma.charge(start, free - start, dmaAcc);
      done.end = free;
      return taken;
    };
    const shaper = ctx.vfTxShaper;
    const act = new Stage(ctx, dma, input, 1 << 16, shaper ? shaped(shaper, input.ring, work) : work);
    return { name: spec.name, stats: act.stats };
  },
};

/** `work` behind the VF's rate limiter: it takes only the frames the scheduler admits at `start`;
 *  the next batch waits until the limiter has room again (the Stage re-runs then, not backpressure_retry_ns
 *  later as after back-pressure). */
function shaped(shaper: VfShaper, ring: number, work: Work): Work {
  return (start: number, n: number, done: WorkEnd): number => {
    const k = shaper.admissible(start, ring, n);
    if (k === 0) {
      done.end = start;
      done.retryAt = shaper.nextStart();
      return 0;
    }
    const from = shaper.ctxHead(ring);
    const taken = work(start, k, done);
    shaper.commit(start, ring, from, taken);
    // Back-pressure downstream (no room out) retries as before; a limited queue when it may go.
    done.retryAt = undefined;
    if (taken > 0 && taken < n) done.end = Math.max(done.end, shaper.nextStart());
    return taken;
  };
}
