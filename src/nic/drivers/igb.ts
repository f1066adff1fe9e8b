// igb(4) (82576) SR-IOV: the capability says 8 VFs but the driver allows 7 (the PF keeps a
// pool); each VF gets 2 queues (queues n and n+8). Per-VF MAC/vlan checks as in ixgbe.
// Sources: QEMU hw/net/igb_core.c (IGB_TOTAL_VFS 8), Linux igb (max 7 VFs); the 2026 FreeBSD
// igb SR-IOV code was not available, so its per-VF checks are inferred from ixgbe (see docs).
import type { PfDriver } from "./driver.ts";
import { checkVfMacAndVlan } from "./vf-policy.ts";

export const igbDriver: PfDriver = {
  init(ctx, numVfs) {
    if (numVfs > ctx.profile.limits.driverMaxVfs)
      return {
        errno: "ENOSPC",
        reason: `the igb driver supports at most ${ctx.profile.limits.driverMaxVfs} VFs (the PF keeps one of the ${ctx.profile.sriov.totalVfs} pools)`,
      };
    return undefined;
  },
  addVf(ctx, _index, params, macsInUse) {
    const bad = checkVfMacAndVlan(params, macsInUse);
    if (bad) return bad;
    return { numQueues: ctx.profile.limits.queuesPerVf ?? 2 };
  },
  uninit() {},
  limits(profile) {
    return {
      driverMaxVfs: profile.limits.driverMaxVfs,
      notes: [
        `at most ${profile.limits.driverMaxVfs} VFs although TotalVFs is ${profile.sriov.totalVfs}: the PF keeps a pool (more → ENOSPC)`,
        `${profile.limits.queuesPerVf ?? 2} queues per VF`,
        "vlan 0 → the VF is dropped (EOPNOTSUPP); all-zero mac-addr → EINVAL; a MAC already in use → EADDRINUSE (inferred from ixgbe)",
      ],
    };
  },
};
