// Transmit driver (ixl/iavf Tx side under iflib, on the sender's core or vCPU): posts the stack's
// frames on the NIC's Tx ring and writes the tail (a doorbell, reaching the NIC half a PCIe round
// trip later; the NIC then fetches descriptors and frames: two round trips). iflib gives Tx queues no interrupt vector of their own (if_ixl.c / if_iavf.c
// ixl_if_msix_intr_assign: iflib_softirq_alloc_generic(..., IFLIB_INTR_TX, ...)): completed
// descriptors are reclaimed on the transmit path, so each posted frame is charged its reclaim
// (tx_reap_pkt_cycles in the graph's costs) and no completion interrupt is raised.
import type { WorkEnd } from "../activation.ts";
import { type ElementKind, inToOut, pcieOf, pricedInToOut, softwareStage } from "./common.ts";

export const txdrv: ElementKind = {
  kind: "txdrv",
  ports: inToOut,
  create(spec, ctx) {
    const { c, res, input, out, pricer } = pricedInToOut(spec, ctx);
    const costs = ctx.costs.c;
    const pcie = pcieOf(ctx);
    // The kernel, looked up once (the exports object is a dictionary).
    const txDriverBurst = ctx.k.txDriverBurst;
    // Behind a VF's rate limiter the NIC's ring is full for as long as the load is above the
    // limit: a drain that finds no room posts nothing and writes no doorbell (iflib rings the
    // doorbell only after posting), so it is not charged the per-batch doorbell each retry.
    const shaped = ctx.vfTxShaper !== undefined;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = txDriverBurst(c, n);
      if (taken === 0 && shaped) {
        done.end = start;
        return 0;
      }
      const end = pricer.price(start, taken);
      // The doorbell reaches the NIC after half a round trip; the NIC then fetches the descriptors
      // and the frames (two round trips) before its switch can take them (veb-tx prices the transfer).
      if (taken > 0) pcie?.doorbell(end);
      out.publish(end + costs.pcie_rtt_ns / 2 + 2 * costs.pcie_rtt_ns);
      done.end = end;
      return taken;
    };
    const act = softwareStage(ctx, res, input, work);
    return { name: spec.name, stats: act.stats };
  },
};
