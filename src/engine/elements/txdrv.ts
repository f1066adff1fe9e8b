// Transmit driver (ixl/iavf Tx side under iflib, or Linux's iavf/i40e under a KVM profile, on
// the sender's core or vCPU): posts the stack's frames on the NIC's Tx ring and writes the tail (a
// doorbell, reaching the NIC half a PCIe round trip later; the NIC then fetches descriptors and
// frames: two round trips). iflib gives Tx queues no interrupt vector of their own (if_ixl.c /
// if_iavf.c ixl_if_msix_intr_assign: iflib_softirq_alloc_generic(..., IFLIB_INTR_TX, ...)):
// completed descriptors are reclaimed on the transmit path, so each posted frame is charged its
// reclaim (tx_reap_pkt_cycles in the graph's costs) and no completion interrupt is raised, but
// one: when the NIC's ring fills the queue stops and the NIC's completions wake it
// (tx-queue-stop.ts, at the bounds of the driver that drives this queue: the NIC profile's
// txQueue entry for the OS and function, txQueueOf below), with no timed retry in between, and
// a vCPU that halted meanwhile is woken by the completion interrupt the driver asked for at the
// bound (below).
import { UserError } from "../../errors.ts";
import { getProfile } from "../../nic/profile.ts";
import { boundsOf, type TxQueueDriver, type TxQueueFn, txQueueBoundsProblem } from "../../nic/tx-queue.ts";
import type { WorkEnd } from "../activation.ts";
import { resourceOf, type SimContext } from "../context.ts";
import { deviceInterrupt } from "../interrupt-delivery.ts";
import { type ElementKind, inToOut, pcieOf, pricedInToOut, softwareStage } from "./common.ts";
import { TxQueueStop } from "./tx-queue-stop.ts";

export const txdrv: ElementKind = {
  kind: "txdrv",
  ports: inToOut,
  create(spec, ctx) {
    const { c, res, input, out, pricer } = pricedInToOut(spec, ctx);
    const costs = ctx.costs.c;
    const pcie = pcieOf(ctx);
    // The bounds against the ring this driver was built with (the profile loaders checked them
    // against the switch's default ring): a queue woken only with more free than it can see
    // would never post again.
    // A frame takes this many descriptors of the ring (its room is in frames).
    const perFrame = ctx.built.nic?.txDescsPerFrame ?? 1;
    const ringRoom = out.room() * perFrame;
    const drv = txQueueOf(ctx, spec.on);
    const b = boundsOf(drv.entry);
    const bad = txQueueBoundsProblem(b, ringRoom);
    if (bad)
      throw new UserError(
        "E_PROFILE",
        `NIC profile '${drv.nic}': txQueue.${drv.at}.${bad.at} = ${bad.value}: ${bad.why}`,
      );
    const queue = new TxQueueStop(out, b.stopFree, b.wakeFree, b.unused, perFrame);
    // The kernel, looked up once (the exports object is a dictionary).
    const txDriverBurst = ctx.k.txDriverBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      // A stopped queue is handed nothing (the frames wait in the stack's queue) until the NIC's
      // completions wake it: no drain, no retry, nothing charged. Real drivers write the tail
      // only after posting (iflib_txd_db_check from iflib_txq_drain; i40e_tx_map), so neither
      // doorbell_cycles nor a doorbell TLP either.
      const k = queue.admit(n, start, done);
      if (k === 0) return 0;
      const taken = txDriverBurst(c, k);
      queue.check();
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
    // A vCPU that halted while the queue was stopped (its sender done, frames left in the stack's
    // queue) is woken by the completion interrupt the driver asked for (iflib_encap sets
    // IPI_TX_INTR on the descriptor that reaches the bound; Linux's transmit interrupt): priced
    // as any device interrupt. A CPU still running sees the completion without one.
    queue.wakeOnCompletion(ctx, act, (t, then) => {
      if (res.kind !== "vcpu" || !res.sleeping) return then(t);
      res.active++;
      deviceInterrupt(ctx, res, spec.irqHost, t, (at) => {
        res.active--;
        then(at);
      });
    });
    return { name: spec.name, stats: act.stats };
  },
};

/**
 * The driver of this path's transmit queue and its bounds: the NIC is the one of the port the
 * path crosses (its switch's profile), the OS the cost profile's for the side the driver runs on
 * (a vCPU: the guest; a host core: the host), the function the path's pool (the PF's own, or a
 * VF: the jail's, the VM's, the loopback sender's).
 */
export function txQueueOf(ctx: SimContext, on: string): { nic: string; at: string; entry: TxQueueDriver } {
  const side = resourceOf(ctx, on).kind === "vcpu" ? "guest" : "host";
  const id = ctx.built.nic?.sw.config.profile;
  const p = id === undefined ? undefined : getProfile(id);
  if (!p)
    throw new Error(`path ${ctx.path.name}: its transmit driver has no NIC profile (${id ?? "no NIC"})`);
  const os = ctx.costs.os[side];
  const fn: TxQueueFn = ctx.path.nic.pool === "pf" ? "pf" : "vf";
  return { nic: p.id, at: `${os}.${fn}`, entry: p.txQueue[os][fn] };
}
