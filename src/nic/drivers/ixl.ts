// ixl(4) (Intel 700 series) SR-IOV: num-queues clamped to 1..16 with log lines, queue pairs
// taken from a PF-wide budget (768, the PF keeps 4); a VF that does not fit is dropped (ENOSPC).
// Source: sys/dev/ixl/ixl_pf_iov.c (ixl_if_iov_init, ixl_if_iov_vf_add, queue manager).
// ice(4) follows the same model (sys/dev/ice/ice_iov.c: the same clamp and wording, queues from
// the PF's queue manager); its profile names the model (pf.iovModel) and its own figures.
import type { DriverContext, PfDriver, VfParams } from "./driver.ts";
import { checkVfMacInUse } from "./vf-policy.ts";

function budget(ctx: DriverContext): { total: number; pf: number; min: number; max: number } {
  const l = ctx.profile.limits;
  return {
    total: l.queueBudget ?? 768,
    pf: l.pfQueuePairs ?? 4,
    min: l.minQueuesPerVf ?? 1,
    max: l.maxQueuesPerVf ?? 16,
  };
}

export const ixlDriver: PfDriver = {
  init(ctx, numVfs) {
    // ixl_if_iov_init does not check num_vfs beyond TotalVFs; it sets up the VEB.
    if (numVfs > ctx.profile.limits.driverMaxVfs)
      return {
        errno: "ENOSPC",
        reason: `the ${ctx.profile.pf.driver} driver supports at most ${ctx.profile.limits.driverMaxVfs} VFs`,
      };
    ctx.state.queuesUsed = budget(ctx).pf;
    return undefined;
  },
  addVf(ctx, index, params: VfParams, macsInUse) {
    // A MAC another function already has would make the VEB deliver its unicast frames to both:
    // refused before any queue is taken, as ixgbe's if_sriov.c does ([inferred] for ixl, whose
    // ixl_if_iov_vf_add has no such check; docs/control-plane.md "Duplicate MAC addresses").
    const inUse = checkVfMacInUse(params, macsInUse);
    if (inUse) return inUse;
    const b = budget(ctx);
    let queues = Number(params.get("num-queues") ?? 4);
    if (queues < b.min || queues > b.max) {
      ctx.log(`Invalid num-queues (${queues}) for VF ${index}`);
      queues = queues < b.min ? b.min : b.max;
      ctx.log(`Setting VF ${index} num-queues to ${queues}`);
    }
    const used = ctx.state.queuesUsed ?? b.pf;
    if (used + queues > b.total) {
      const line = ctx.profile.limits.queueShortLog ?? "Error allocating {queues} queues for VF {vf}'s VSI";
      ctx.log(line.replaceAll("{queues}", String(queues)).replaceAll("{vf}", String(index)));
      return {
        errno: "ENOSPC",
        reason: `needs ${queues} queue pairs but only ${b.total - used} of the PF's ${b.total} are left`,
        ...(params.has("num-queues") ? { key: "num-queues" } : {}),
      };
    }
    ctx.state.queuesUsed = used + queues;
    return { numQueues: queues };
  },
  uninit(ctx) {
    delete ctx.state.queuesUsed;
  },
  limits(profile) {
    const l = profile.limits;
    return {
      driverMaxVfs: l.driverMaxVfs,
      notes: [
        `queue-pair budget ${l.queueBudget ?? 768}, of which the PF keeps ${l.pfQueuePairs ?? 4}: the sum of the VFs' num-queues must fit in the rest, VFs that do not fit are dropped one by one (ENOSPC, "Failed to add VF <i>")`,
        "a mac-addr already used by the PF or another VF → the VF is dropped (EADDRINUSE, inferred from ixgbe)",
        `num-queues outside ${l.minQueuesPerVf ?? 1}..${l.maxQueuesPerVf ?? 16} is clamped by the driver (logged)`,
        `VF RSS: ${profile.rss.vfRetaSize}-entry redirection table per VF, ${profile.rss.keyBytes}-byte key`,
      ],
    };
  },
};
