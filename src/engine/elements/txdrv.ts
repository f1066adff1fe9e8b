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
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = txDriverBurst(c, n);
      // A drain that finds the NIC's ring full posts nothing and is charged nothing: no doorbell
      // (iflib writes the tail only from iflib_txd_db_check, and a stalled ring is drained only
      // once iflib_txq_can_drain sees the NIC's head move; Linux i40e returns NETDEV_TX_BUSY
      // before i40e_tx_map, the only tail write). The check itself reads the head write-back
      // word, which stays in the core's cache until the NIC reports progress: no cost-profile
      // entry prices it, so it is charged zero (docs/engine.md, "A retry that posts nothing").
      // The ring fills behind a VF's rate limiter, a NIC or wire slower than the sender, or a
      // looped-back peer that does not take its frames.
      if (taken === 0) {
        done.end = start;
        return 0;
      }
      const end = pricer.price(start, taken);
      // The doorbell reaches the NIC after half a round trip; the NIC then fetches the descriptors
      // and the frames (two round trips) before its switch can take them (veb-tx prices the transfer).
      pcie?.doorbell(end);
      out.publish(end + costs.pcie_rtt_ns / 2 + 2 * costs.pcie_rtt_ns);
      done.end = end;
      return taken;
    };
    const act = softwareStage(ctx, res, input, work);
    return { name: spec.name, stats: act.stats };
  },
};
