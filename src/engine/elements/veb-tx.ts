// The NIC's transmit side for the consumer's pool: after the doorbell, the NIC fetches the
// descriptors and the frames over PCIe (two round trips, in the ready time, plus the transfer on
// the PCIe downstream resource), the embedded switch
// (vebTxBurst: Tx gates, anti-spoof, loopback or wire) runs on the NIC pipeline, the frames go to
// the wire or, looped back, are DMA'd into the peer pool's ring. A VF with a transmit rate limit
// (ip link ... max_tx_rate) has its ring served no faster than that rate (vf-shaper.ts): the
// NIC takes only the frames its scheduler admits, the rest wait in the ring.
import { R_HEAD } from "../../../assembly/abi.ts";
import { Stage, type Work, type WorkEnd } from "../activation.ts";
import { resourceOf } from "../context.ts";
import {
  type ElementKind,
  Iotlb,
  inToOut,
  PcieLink,
  ringBytes,
  specResource,
  switchTimeNs,
} from "./common.ts";
import type { VfShaper } from "./vf-shaper.ts";

export const vebTx: ElementKind = {
  kind: "veb-tx",
  ports: inToOut,
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const nic = specResource(ctx, spec);
    const down = resourceOf(ctx, "pcie-down");
    const up = resourceOf(ctx, "pcie-up");
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const pool = ctx.built.nic?.pool ?? 0;
    const readIotlb = ctx.path.nic.assigned ? new Iotlb(ctx) : null;
    const writeIotlb = ctx.path.nic.peerAssigned ? new Iotlb(ctx) : null;
    const c = ctx.costs.c;
    const pcie = new PcieLink(ctx, up, down);
    // The kernel, looked up once (the exports object is a dictionary).
    const vebTxBurst = ctx.k.vebTxBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const ring = input.ring;
      const bytes = ringBytes(ctx, ring, ctx.u32[(ring + R_HEAD) >>> 2], n);
      // The fetch round trips are in the ready time (txdrv); here the transfer itself.
      let fetched = pcie.tx(start, bytes, n);
      const dmaFrom = down.lastStart; // the transfer starts once the link is free, not at `start`
      if (readIotlb) fetched = down.runNs(fetched, readIotlb.missNs(n), "iotlb");
      // A ring's room is what its consumer has handed back: a looped-back peer's driver by refill
      // doorbells, the wire peer as it serializes (sink.ts refills wire.out).
      if (out.ring) out.applyLimit(fetched);
      const before = out.tail();
      const taken = vebTxBurst(pool, 0, n);
      // Each descriptor is done once its frame's data is in the NIC: the driver's slots come back
      // over the transfer (a stopped transmit queue wakes on them).
      if (taken > 0) input.completed?.(dmaFrom, fetched, taken);
      const e1 = nic.runNs(fetched, switchTimeNs(ctx, n, bytes), "switch");
      const m = (out.tail() - before) >>> 0;
      if (m > 0) {
        if (out.name === "wire.out") out.publish(e1);
        else {
          // Looped back: DMA into the peer pool's receive ring.
          const b = ringBytes(ctx, out.ring, before, m);
          let e2 = pcie.rx(e1, b, m);
          if (writeIotlb) e2 = up.runNs(e2, writeIotlb.missNs(m), "iotlb");
          out.publish(e2 + c.pcie_rtt_ns / 2);
        }
      }
      done.end = e1;
      return taken;
    };
    const shaper = ctx.vfTxShaper;
    const act = new Stage(ctx, nic, input, 1 << 16, shaper ? shaped(shaper, input.ring, work) : work);
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
