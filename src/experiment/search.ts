// RFC 2544 section 26.1 throughput, as FD.io CSIT reports it: NDR (the highest offered load with
// zero loss) and PDR (the highest with loss at most `pdrLoss`), each found by binary search on
// the offered load between 0 and line rate, to a resolution of `precision` x line rate. Every
// trial is one simulation in virtual time; a rate already tried is not simulated again.
// A trial passes when its loss is within the limit AND no resource but the wire was busy for the
// whole trial: a saturated core's backlog grows for as long as the load lasts, so RFC 2544's
// 60-second trial would lose frames that a trial of a few virtual milliseconds still holds in
// its rings (the steering search applies the same rule: src/steering/ndr.ts).
// Pass/fail need not be monotonic in the load (short trials, NAPI: at a higher load polling takes
// over and a 1-vCPU guest keeps up again). As FD.io CSIT's MLRsearch (draft-ietf-bmwg-mlrsearch,
// "Loss Inversion"), a failure is trusted and a pass above it is not: the answer is the highest
// passing load below the lowest failing one (its "relevant lower bound"). A binary search only
// sees the failures it happens to probe, so with `verify` each answer's loads below it are
// trialled too (fractions of it, and the resolution steps just below): a failure among them
// becomes the upper bound and the search goes on below it, until an answer's checked points all
// pass. A case where some load passed above one that failed is flagged `nonMonotonic`.
import type { SimResult } from "../engine/types.ts";

export interface SearchOptions {
  lineRatePps: number;
  /** Resolution as a fraction of line rate (0.005 = 0.5 %). */
  precision: number;
  /** PDR's loss limit as a ratio (0.005 = 0.5 %). */
  pdrLoss: number;
  /** One trial at `ratePps` (frames per second of virtual time). */
  trial: (ratePps: number) => Promise<SimResult>;
  /** Loads below each answer x to trial too: round(f × x) for each fraction and x − k × the
   *  resolution for k = 1..belowSteps. Default: none (the plain binary search). */
  verify?: { fractions: readonly number[]; belowSteps: number };
}

/** The verification points below an answer `x` (pps, rounded, above 0, below x, ascending). */
export function verifyPoints(x: number, step: number, v: NonNullable<SearchOptions["verify"]>): number[] {
  const pts = new Set<number>();
  for (const f of v.fractions) pts.add(Math.max(1, Math.round(f * x)));
  for (let k = 1; k <= v.belowSteps; k++) pts.add(Math.round(x - k * step));
  return [...pts].filter((p) => p > 0 && p < x).sort((a, b) => a - b);
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
  /** What the binary search alone gave, before the points below were checked. */
  searchNdrPps: number;
  searchPdrPps: number;
  /** Some load passed above one that failed (NDR's or PDR's limit): pass/fail is not monotonic. */
  nonMonotonic: boolean;
  /** The lowest such failure and the highest pass above it (NDR's limit first), or null. */
  inversion: { failedPps: number; passedPps: number } | null;
}

/** A pass above a failure for `limit` among the trials (lowest failing and highest passing above it). */
export function inversion(trials: Trial[], limit: number): { failedPps: number; passedPps: number } | null {
  const fails = (t: Trial) => t.lossRatio > limit || t.saturated !== null;
  let lowestFail = Number.POSITIVE_INFINITY;
  for (const t of trials) if (fails(t) && t.ratePps < lowestFail) lowestFail = t.ratePps;
  let highestPass = -1;
  for (const t of trials)
    if (!fails(t) && t.ratePps > lowestFail && t.ratePps > highestPass) highestPass = t.ratePps;
  return highestPass < 0 ? null : { failedPps: lowestFail, passedPps: highestPass };
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
  const record = (key: number, r: SimResult): number => {
    const loss = lossOf(r);
    const saturated = saturatedResource(r, o.precision);
    // A saturated trial counts as failing at any loss limit.
    const verdict = saturated === null ? loss : Number.POSITIVE_INFINITY;
    seen.set(key, verdict);
    trials.push({ ratePps: key, lossRatio: loss, bottleneck: r.bottleneck, saturated });
    return verdict;
  };
  const lossAt = async (rate: number): Promise<number> => {
    const key = Math.round(rate);
    const known = seen.get(key);
    // Bisection can land on a rate already tried only when the interval is below 1 pps.
    if (known !== undefined) return known;
    return record(key, await o.trial(key));
  };
  /** Trials at several rates at once (a pool runs them in parallel); recorded in rate order. */
  const lossAtAll = async (rates: number[]): Promise<void> => {
    const todo = rates.filter((r) => !seen.has(r));
    const results = await Promise.all(todo.map((r) => o.trial(r)));
    for (let i = 0; i < todo.length; i++) record(todo[i], results[i]);
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
  // The answer for a limit from every trial so far: the highest pass below the lowest failure
  // (line rate when it passed), never below `floor` (PDR: NDR's answer passes PDR's limit too).
  const answer = (limit: number, floor = 0) => Math.max(floor, bracket(limit).lo);
  // Checks the points below the answer; a failure there moves the bracket: search on below it.
  const settle = async (limit: number, floor = 0): Promise<number> => {
    let x = answer(limit, floor);
    for (;;) {
      if (!o.verify || x <= 0) return x;
      await lossAtAll(verifyPoints(x, step, o.verify).filter((p) => p > floor));
      if (answer(limit, floor) === x) return x;
      await search(limit);
      x = answer(limit, floor);
    }
  };
  await search(0);
  const searchNdrPps = answer(0);
  // PDR's search reuses NDR's trials (whatever NDR passed, PDR passes too), and its own trials
  // may narrow NDR's interval: both answers come from every trial run.
  await search(o.pdrLoss);
  const searchPdrPps = answer(o.pdrLoss, searchNdrPps);
  let ndrPps = await settle(0);
  let pdrPps = await settle(o.pdrLoss, ndrPps);
  // PDR's checks may have narrowed NDR's interval: settle again until neither moves.
  while (answer(0) !== ndrPps) {
    ndrPps = await settle(0);
    pdrPps = await settle(o.pdrLoss, ndrPps);
  }
  const inv = inversion(trials, 0) ?? inversion(trials, o.pdrLoss);
  return { ndrPps, pdrPps, trials, searchNdrPps, searchPdrPps, nonMonotonic: inv !== null, inversion: inv };
}
