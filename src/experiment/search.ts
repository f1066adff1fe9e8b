// RFC 2544 section 26.1 throughput, as FD.io CSIT reports it: NDR (the highest offered load with
// zero loss) and PDR (the highest with loss at most `pdrLoss`), each found by binary search on
// the offered load between 0 and line rate, to a resolution of `precision` x line rate. Every
// trial is one simulation in virtual time; a rate already tried is not simulated again.
// A trial passes when its loss is within the limit AND no resource but the wire was busy for the
// whole trial: a saturated core's backlog grows for as long as the load lasts, so RFC 2544's
// 60-second trial would lose frames that a trial of a few virtual milliseconds still holds in
// its rings (the steering search applies the same rule: src/steering/ndr.ts).
import type { SimResult } from "../engine/types.ts";

export interface SearchOptions {
  lineRatePps: number;
  /** Resolution as a fraction of line rate (0.005 = 0.5 %). */
  precision: number;
  /** PDR's loss limit as a ratio (0.005 = 0.5 %). */
  pdrLoss: number;
  /** One trial at `ratePps` (frames per second of virtual time). */
  trial: (ratePps: number) => Promise<SimResult>;
}

export interface Trial {
  ratePps: number;
  lossRatio: number;
  /** The trial's most utilized resource (what limits the path when this trial loses frames). */
  bottleneck: string;
  /** A resource other than the wire that was busy all the trial (within half the resolution). */
  saturated: string | null;
}

export interface SearchResult {
  ndrPps: number;
  pdrPps: number;
  /** Every trial simulated, in the order it ran. */
  trials: Trial[];
}

/** Loss as the search sees it: a result that delivered more than offered (copies) lost nothing. */
export function lossOf(r: SimResult): number {
  return Math.max(0, r.loss_ratio);
}

/** The first resource other than the wire busy for (nearly) the whole trial, or null. */
export function saturatedResource(r: SimResult, precision: number): string | null {
  const busy = r.resources.find(
    (x) => x.kind !== "wire" && (x.work_utilization ?? x.utilization) >= 1 - precision / 2,
  );
  return busy ? busy.resource : null;
}

export async function searchThroughput(o: SearchOptions): Promise<SearchResult> {
  if (!(o.lineRatePps > 0)) throw new Error(`search: line rate ${o.lineRatePps} pps`);
  if (!(o.precision > 0 && o.precision < 1)) throw new Error(`search: precision ${o.precision}`);
  const trials: Trial[] = [];
  const seen = new Map<number, number>();
  const step = o.precision * o.lineRatePps;
  const lossAt = async (rate: number): Promise<number> => {
    const key = Math.round(rate);
    const known = seen.get(key);
    // Bisection can land on a rate already tried only when the interval is below 1 pps.
    if (known !== undefined) return known;
    const r = await o.trial(key);
    const loss = lossOf(r);
    const saturated = saturatedResource(r, o.precision);
    // A saturated trial counts as failing at any loss limit.
    const verdict = saturated === null ? loss : Number.POSITIVE_INFINITY;
    seen.set(key, verdict);
    trials.push({ ratePps: key, lossRatio: loss, bottleneck: r.bottleneck, saturated });
    return verdict;
  };
  // The answer for a loss limit from every trial so far: the highest passing rate below the
  // lowest failing one (a pass above a failure, possible when loss is not monotonic in short
  // trials, is not trusted), and that lowest failing rate (Infinity when none failed).
  const bracket = (limit: number): { lo: number; hi: number } => {
    let hi = Number.POSITIVE_INFINITY;
    const fails = (t: Trial) => t.lossRatio > limit || t.saturated !== null;
    for (const t of trials) if (fails(t) && t.ratePps < hi) hi = t.ratePps;
    let lo = 0;
    for (const t of trials) if (!fails(t) && t.ratePps < hi && t.ratePps > lo) lo = t.ratePps;
    return { lo, hi };
  };
  // Invariant: `lo` passes (0 does by definition: nothing offered, nothing lost), `hi` fails.
  const search = async (limit: number): Promise<number> => {
    let { lo, hi } = bracket(limit);
    if (hi === Number.POSITIVE_INFINITY) {
      if ((await lossAt(o.lineRatePps)) <= limit) return Math.round(o.lineRatePps);
      ({ lo, hi } = bracket(limit));
    }
    while (hi - lo > step) {
      const before = trials.length;
      await lossAt((lo + hi) / 2);
      if (trials.length === before) break; // the interval is below 1 pps
      ({ lo, hi } = bracket(limit));
    }
    return lo;
  };
  const line = Math.round(o.lineRatePps);
  const ndrFirst = await search(0);
  // PDR's search reuses NDR's trials (whatever NDR passed, PDR passes too), and its own trials
  // may narrow NDR's interval: both answers come from every trial run.
  const pdrFound = await search(o.pdrLoss);
  const ndrPps = ndrFirst === line ? line : bracket(0).lo;
  const pdrPps = pdrFound === line ? line : Math.max(ndrPps, bracket(o.pdrLoss).lo);
  return { ndrPps, pdrPps, trials };
}
