// ix(4)/ixgbe SR-IOV: at most 63 VFs (one pool stays with the PF), 32-pool mode (4 queues per
// VF) below 32 VFs and 64-pool mode (2 queues per VF) from 32 on; per-VF vlan/MAC checks.
// Source: sys/dev/ixgbe/if_sriov.c (ixgbe_if_iov_init, ixgbe_if_iov_vf_add), ixgbe_sriov.h.
import type { PfDriver } from "./driver.ts";
import { checkVfMacAndVlan } from "./vf-policy.ts";

export const ixDriver: PfDriver = {
  init(ctx, numVfs) {
    const modes = [...(ctx.profile.limits.poolModes ?? [])].sort((a, b) => b.minVfs - a.minVfs);
    const mode = modes.find((m) => numVfs >= m.minVfs);
    // The last pool is the PF's: num_vfs must stay below the pool count (so at most 63).
    if (!mode || numVfs > mode.pools - 1 || numVfs > ctx.profile.limits.driverMaxVfs)
      return {
        errno: "ENOSPC",
        reason: `the ix driver supports at most ${ctx.profile.limits.driverMaxVfs} VFs (the last pool is reserved for the PF)`,
      };
    ctx.state.pools = mode.pools;
    ctx.state.queuesPerVf = mode.queuesPerVf;
    return undefined;
  },
  addVf(ctx, _index, params, macsInUse) {
    const bad = checkVfMacAndVlan(params, macsInUse);
    if (bad) return bad;
    return { numQueues: ctx.state.queuesPerVf ?? 2 };
  },
  uninit(ctx) {
    delete ctx.state.pools;
    delete ctx.state.queuesPerVf;
  },
  limits(profile) {
    const modes = profile.limits.poolModes ?? [];
    return {
      driverMaxVfs: profile.limits.driverMaxVfs,
      notes: [
        `at most ${profile.limits.driverMaxVfs} VFs although TotalVFs is ${profile.sriov.totalVfs}: the last pool is reserved for the PF (more → ENOSPC)`,
        ...modes.map(
          (m) =>
            `${m.pools}-pool mode from ${m.minVfs} VF${m.minVfs === 1 ? "" : "s"}: ${m.queuesPerVf} queues per VF`,
        ),
        "vlan 0 → the VF is dropped (EOPNOTSUPP); all-zero mac-addr → EINVAL; a MAC already in use → EADDRINUSE",
        `RSS: one ${profile.rss.vfRetaSize}-entry table and ${profile.rss.keyBytes}-byte key shared by the PF and all VFs`,
      ],
    };
  },
};
