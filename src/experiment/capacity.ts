// Whether one load point is above what the path sustains, from simulated facts only: a resource
// other than the wire busy for the whole trial (src/experiment/search.ts), or a resource whose
// work for the frames the trial offered (its busy cycles per delivered frame at its clock, or ns
// where it has no clock, times the frames delivered) takes longer than the trial offered them
// for. The second catches a short trial whose queues absorbed the excess: that work runs past
// the offered window, so the backlog grows for as long as the load lasts, though the trial shows
// no loss.
import { isClocked, workPerPacket } from "../engine/resource.ts";
import type { ResourceUse, SimResult } from "../engine/types.ts";
import { saturatedResource } from "./search.ts";

export interface AboveCapacity {
  resource: string;
  /** busy: the resource was busy for the whole trial; work: the work it did for the trial's
   *  frames is more than the offered time (workShare > 1). */
  basis: "busy" | "work";
  /** Its work for the frames offered over the time they were offered in (1 = just keeps up;
   *  null: it delivered nothing, so the work is not known per frame). */
  workShare: number | null;
  /** Its work per delivered frame: ns of busy time, cycles at its clock (null: no clock), and
   *  the delivered rate that work allows (pps). */
  nsPerPacket: number | null;
  cyclesPerPacket: number | null;
  capacityPps: number | null;
}

/** The work `u` did per delivered frame (polling that yields at once to work, POLL_EVENTS, is not
 *  work) and its share of the measured window: that work for the window's frames it delivered
 *  (SimResult.window, whenever they arrived) over the window's length; nulls when nothing was
 *  delivered. The window's own counts and bounds: whole-run counts hold the warm-up, whose
 *  delivery share may differ from the steady state's. */
function workOf(r: SimResult, u: ResourceUse, cpuGhz: number): Omit<AboveCapacity, "resource" | "basis"> {
  const { from_ns, to_ns, delivered } = r.window;
  const cycles = workPerPacket(u);
  if (!(to_ns > from_ns) || delivered <= 0 || cycles <= 0)
    return { workShare: null, nsPerPacket: null, cyclesPerPacket: null, capacityPps: null };
  const clocked = isClocked(u.kind);
  const ns = cycles / (clocked ? cpuGhz : 1);
  return {
    workShare: (ns * delivered) / (to_ns - from_ns),
    nsPerPacket: ns,
    cyclesPerPacket: clocked ? cycles : null,
    capacityPps: 1e9 / ns,
  };
}

/**
 * The resource that keeps this load point above what the path sustains, or null: one busy for
 * the whole trial (within half the resolution), else the one with the largest work share when
 * that share is above 1 by more than half the resolution. The wire is left out: the offered
 * load never exceeds line rate.
 */
export function aboveCapacity(r: SimResult, cpuGhz: number, precision: number): AboveCapacity | null {
  const busy = saturatedResource(r, precision);
  if (busy !== null) {
    const u = r.resources.find((x) => x.resource === busy)!;
    return { resource: busy, basis: "busy", ...workOf(r, u, cpuGhz) };
  }
  let worst: AboveCapacity | null = null;
  for (const u of r.resources) {
    if (u.kind === "wire") continue;
    const w = workOf(r, u, cpuGhz);
    if (w.workShare !== null && (worst === null || w.workShare > (worst.workShare as number)))
      worst = { resource: u.resource, basis: "work", ...w };
  }
  return worst !== null && (worst.workShare as number) > 1 + precision / 2 ? worst : null;
}
