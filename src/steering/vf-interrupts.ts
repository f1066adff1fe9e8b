// The receive queues of one VF that a kernel driver can give an interrupt (and so a core) of
// their own: the VF's MSI-X vectors, from its NIC profile, less the one FreeBSD's iflib keeps for
// the admin queue. The steering strategies that spread one VF's traffic over its queues (RSS,
// flow rules) price every consumer core as a kernel thread under interrupts (NAPI), so they run
// on at most that many cores (src/steering/strategies.ts coreLimit).
import type { NicProfile } from "../nic/profile.ts";

export interface VfQueueVectors {
  /** MSI-X vectors of one VF (the profile's VF capability line, as pciconf -c prints it). */
  msix: number;
  /** Receive queues with an interrupt of their own: msix less the admin queue's. */
  queues: number;
  /** Where the profile's count comes from, beyond vf.caps ("" when it names nothing more). */
  countSource: string;
}

/**
 * FreeBSD sys/net/iflib.c, iflib_msix_init: `queuemsgs = msgs - admincnt` (admincnt =
 * isc_admin_intrcnt: 1 in iavf_sctx_init, ixv_sctx_init, igb_sctx_init), then
 * `queues = imin(CPU_COUNT, queuemsgs)` and `rx_queues = queues` (at most isc_nrxqsets): a VF
 * driver runs at most queuemsgs receive queues, each on its own vector.
 */
export const IFLIB_ADMIN_REF = "FreeBSD sys/net/iflib.c, iflib_msix_init: queuemsgs = msgs - admincnt";

/**
 * Where a profile's VF MSI-X count comes from: the PF's boot line when a source quotes it (the
 * X710's 'VF MSI-X 5'), "an assumption" when its sources say the MSI-X counts are one (E810).
 */
function countSource(p: NicProfile): string {
  for (const s of p.sources) {
    const m = /VF MSI-X \d+/.exec(s);
    if (m) return `the PF's boot line: '${m[0]}'`;
  }
  if (p.sources.some((s) => /MSI-X counts?: assumption/.test(s))) return "an assumption";
  return "";
}

/** Null when the profile has no MSI-X line for its VF (no interrupt budget known). */
export function vfQueueVectors(p: NicProfile): VfQueueVectors | null {
  for (const c of p.vf.caps) {
    const m = /MSI-X supports (\d+) messages?/.exec(c);
    if (m) {
      const msix = Number(m[1]);
      return { msix, queues: Math.max(1, msix - 1), countSource: countSource(p) };
    }
  }
  return null;
}

/**
 * Why a strategy over one VF's queues stops at v.queues cores (a table row's reason: short; the
 * run's note and docs/steering.md give the whole derivation with vectorsText).
 */
export function interruptWhy(nic: string, v: VfQueueVectors): string {
  return `${v.queues} queue interrupt${v.queues === 1 ? "" : "s"} per VF: ${v.msix} MSI-X vectors (NIC profile ${nic}, vf.caps) less the admin queue's (FreeBSD iflib_msix_init)`;
}

/** The VF's vectors and what a kernel VF driver makes of them, with every source. */
export function vectorsText(nic: string, v: VfQueueVectors): string {
  const src = v.countSource ? `; ${v.countSource}` : "";
  return `a VF has ${v.msix} MSI-X vectors (NIC profile ${nic}, vf.caps${src}) and FreeBSD's VF driver keeps one for its admin queue (${IFLIB_ADMIN_REF}), so it gives at most ${v.queues} receive queue${v.queues === 1 ? "" : "s"} an interrupt of ${v.queues === 1 ? "its" : "their"} own`;
}
