// The bottleneck of a run: the resource whose capacity the load takes most of. Judged on work,
// not on busy time: a vCPU that halt-polls (KVM halt_poll_ns) or a thread that busy-polls is
// busy without doing work, and would otherwise be "100 %" at any load. Ties (resources at the
// same work utilization, as several at 100 % in a saturated run) are broken the same way every
// time: a CPU-like resource (core, vCPU, vhost thread, dispatcher) before the NIC and PCIe, and
// those before the wire (whose load is the offered load itself, not a limit the path adds); then
// the order the path declares its resources in. docs/experiments.md, "Bottleneck".
import type { ResourceUse } from "./types.ts";

/** Work utilizations closer than this are a tie (float noise in busy minus poll time). */
export const BOTTLENECK_TIE = 1e-9;

const RANK: Record<ResourceUse["kind"], number> = {
  core: 0,
  vcpu: 0,
  vhost: 0,
  dispatcher: 0,
  nic: 1,
  pcie: 1,
  shaper: 1,
  wire: 2,
};

/** Busy time minus polling that yields at once to work (what the load takes of the resource). */
export function workOf(r: ResourceUse): number {
  return r.work_utilization ?? r.utilization;
}

/** The bottleneck among `resources` (in the path's order); "none" when there is none. */
export function pickBottleneck(resources: readonly ResourceUse[]): string {
  let best: ResourceUse | undefined;
  for (const r of resources) {
    if (best === undefined) {
      best = r;
      continue;
    }
    const d = workOf(r) - workOf(best);
    if (d > BOTTLENECK_TIE || (Math.abs(d) <= BOTTLENECK_TIE && RANK[r.kind] < RANK[best.kind])) best = r;
  }
  return best?.resource ?? "none";
}
