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
// Short trials overstate NDR where the path buffers much (a deep queue at a load just above
// capacity does not overflow within a millisecond), so with `finalTrial` the search runs twice,
// as FD.io CSIT's MLRsearch does with its phases: first with the short `trial` (cheap, and most
// of its trials are the expensive ones near line rate), then again with the long `finalTrial`,
// starting at the short search's answers and one resolution step above each; only final trials
// count for the answers (a short pass is not trusted, nor a short failure: a long trial can
// dilute an early loss below PDR's limit). docs/experiments.md, "Trial length".
import type { SimResult } from "../engine/types.ts";
import { senderShortfall, shortSenders } from "./shortfall.ts";

export interface SearchOptions {
  lineRatePps: number;
  /** Resolution as a fraction of line rate (0.005 = 0.5 %). */
  precision: number;
  /** PDR's loss limit as a ratio (0.005 = 0.5 %). */
  pdrLoss: number;
  /** One trial at `ratePps` (frames per second of virtual time). */
  trial: (ratePps: number) => Promise<SimResult>;
  /** A trial long enough to be trusted (the search's answers come from these alone when given);
   *  `trial` then only finds where to look. Default: none (`trial`'s answers are final). */
  finalTrial?: (ratePps: number) => Promise<SimResult>;
  /** Loads below each answer x to trial too: round(f × x) for each fraction and x − k × the
   *  resolution for k = 1..belowSteps. Default: none (the plain binary search). */
  verify?: { fractions: readonly number[]; belowSteps: number };
  /** Poisson arrivals: a trial's frame count varies, which the sender check allows for. */
  poisson?: boolean;
  /** Virtual time a trial at `ratePps` offers its load for (ns), short or final: recorded with
   *  each trial (a note says how long the trial that bounded NDR was). Default: not recorded. */
  trialNs?: (ratePps: number, final: boolean) => number;
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
  /** The sender offered less than the trial's rate (src/experiment/shortfall.ts); a trial that
   *  did not offer its load cannot pass it. Absent: it offered the load. */
  senderShort?: boolean;
  /** With senderShort: each sender that fell short (each direction's own for `both`) and what
   *  the engine recorded holding it back, as shares of the measured window: receive work on its
   *  CPU run first (receive first), its queue full or its CPU busy (pushed back). */
  senderHeld?: SenderHeld[];
  /** A final (long) trial; false: a search trial (short, when a final phase follows). */
  final: boolean;
  /** Delivered over offered frames (where a failing trial's load would pass, roughly). */
  deliveredShare: number;
  /** Direction "both": each direction's loss (the verdict stays on the loss over both). */
  lossByDirection?: { rx: number; tx: number };
  /** Virtual time the trial offered its load for (ns), when the search was told it. */
  lengthNs?: number;
}

export interface SenderHeld {
  direction: "rx" | "tx";
  resource: string | null;
  receiveFirstShare: number;
  queueFullShare: number;
  cpuBusyShare: number;
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
  /** With `finalTrial`: what the short trials alone gave (null without a final phase). */
  shortNdrPps: number | null;
  shortPdrPps: number | null;
}

/** A pass above a failure for `limit` among the trials (lowest failing and highest passing above it). */
export function inversion(trials: Trial[], limit: number): { failedPps: number; passedPps: number } | null {
  const fails = (t: Trial) => trialFails(t, limit);
  let lowestFail = Number.POSITIVE_INFINITY;
  for (const t of trials) if (fails(t) && t.ratePps < lowestFail) lowestFail = t.ratePps;
  let highestPass = -1;
  for (const t of trials)
    if (!fails(t) && t.ratePps > lowestFail && t.ratePps > highestPass) highestPass = t.ratePps;
  return highestPass < 0 ? null : { failedPps: lowestFail, passedPps: highestPass };
}

/** A trial fails a loss limit: it lost more, a resource was saturated, or its sender did not
 *  offer the load (each grows for as long as the load lasts). */
export function trialFails(t: Trial, limit: number): boolean {
  return t.lossRatio > limit || t.saturated !== null || t.senderShort === true;
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
  const step = o.precision * o.lineRatePps;
  const first = await searchPhase(o, o.trial, false, trials, []);
  if (!o.finalTrial) return { ...first, trials, shortNdrPps: null, shortPdrPps: null };
  // The long trials start where the short ones ended: their answers and a step above each (the
  // failure that bounds an answer from above must be a long trial's too).
  const line = Math.round(o.lineRatePps);
  const seeds = [first.ndrPps, first.pdrPps].flatMap((x) => [x, Math.min(line, Math.round(x + step))]);
  const final = await searchPhase(o, o.finalTrial, true, trials, seeds);
  return { ...final, trials, shortNdrPps: first.ndrPps, shortPdrPps: first.pdrPps };
}

type PhaseResult = Omit<SearchResult, "trials" | "shortNdrPps" | "shortPdrPps">;

/**
 * One search (the binary search, then the checks below each answer) on the trials of one kind
 * (`final`): only those count for its answers. `seeds` are trialled first (rates, pps).
 */
async function searchPhase(
  o: SearchOptions,
  trial: (ratePps: number) => Promise<SimResult>,
  final: boolean,
  trials: Trial[],
  seeds: number[],
): Promise<PhaseResult> {
  const mine = () => trials.filter((t) => t.final === final);
  const seen = new Map<number, number>();
  const step = o.precision * o.lineRatePps;
  const record = (key: number, r: SimResult): number => {
    const loss = lossOf(r);
    const saturated = saturatedResource(r, o.precision);
    const senderShort = senderShortfall(r, key, o.precision / 2, o.poisson === true) !== null;
    const held: SenderHeld[] = senderShort
      ? shortSenders(r, key, o.precision / 2, o.poisson === true).map((x) => ({
          direction: x.direction,
          resource: x.resource,
          receiveFirstShare: x.receiveFirstShare,
          queueFullShare: x.queueFullShare,
          cpuBusyShare: x.cpuBusyShare,
        }))
      : [];
    // A saturated trial, or one whose sender fell short of the load, fails at any loss limit.
    const verdict = saturated === null && !senderShort ? loss : Number.POSITIVE_INFINITY;
    seen.set(key, verdict);
    const deliveredShare = r.offered_pps > 0 ? Math.min(1, r.delivered_pps / r.offered_pps) : 1;
    trials.push({
      ratePps: key,
      lossRatio: loss,
      bottleneck: r.bottleneck,
      saturated,
      ...(senderShort ? { senderShort } : {}),
      ...(held.length > 0 ? { senderHeld: held } : {}),
      final,
      deliveredShare,
      ...(r.per_direction
        ? { lossByDirection: { rx: r.per_direction.rx.loss_ratio, tx: r.per_direction.tx.loss_ratio } }
        : {}),
      ...(o.trialNs ? { lengthNs: o.trialNs(key, final) } : {}),
    });
    return verdict;
  };
  const lossAt = async (rate: number): Promise<number> => {
    const key = Math.round(rate);
    const known = seen.get(key);
    // Bisection can land on a rate already tried only when the interval is below 1 pps.
    if (known !== undefined) return known;
    return record(key, await trial(key));
  };
  /** Trials at several rates at once (a pool runs them in parallel); recorded in rate order. */
  const lossAtAll = async (rates: number[]): Promise<void> => {
    const todo = [...new Set(rates)].filter((r) => r > 0 && !seen.has(r)).sort((a, b) => a - b);
    const results = await Promise.all(todo.map((r) => trial(r)));
    for (let i = 0; i < todo.length; i++) record(todo[i], results[i]);
  };
  const fails = trialFails;
  // The answer for a loss limit from every trial so far: the highest passing rate below the
  // lowest failing one (a pass above a failure, possible when loss is not monotonic in short
  // trials, is not trusted), and that lowest failing rate (Infinity when none failed).
  const bracket = (limit: number): { lo: number; hi: number; hiTrial?: Trial } => {
    let hi = Number.POSITIVE_INFINITY;
    let hiTrial: Trial | undefined;
    for (const t of mine())
      if (fails(t, limit) && t.ratePps < hi) {
        hi = t.ratePps;
        hiTrial = t;
      }
    let lo = 0;
    for (const t of mine()) if (!fails(t, limit) && t.ratePps < hi && t.ratePps > lo) lo = t.ratePps;
    return { lo, hi, ...(hiTrial ? { hiTrial } : {}) };
  };
  // Invariant: `lo` passes (0 does by definition: nothing offered, nothing lost), `hi` fails.
  const search = async (limit: number): Promise<number> => {
    let { lo, hi, hiTrial } = bracket(limit);
    if (hi === Number.POSITIVE_INFINITY) {
      if ((await lossAt(o.lineRatePps)) <= limit) return Math.round(o.lineRatePps);
      ({ lo, hi, hiTrial } = bracket(limit));
    }
    // A long trial that failed delivered about what the path can carry: try that first (one
    // trial instead of several halvings when the short trials overstated by many steps).
    if (final && hiTrial && hi - lo > step) {
      const guess = Math.round(hiTrial.ratePps * hiTrial.deliveredShare * (1 - limit));
      if (guess > lo + step / 2 && guess < hi - step / 2) {
        await lossAt(guess);
        ({ lo, hi } = bracket(limit));
        // It passed: a failure one step above it ends the search there.
        if (lo === guess && hi - lo > step) {
          await lossAt(lo + step);
          ({ lo, hi } = bracket(limit));
        }
      }
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
  await lossAtAll(seeds);
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
  const inv = inversion(mine(), 0) ?? inversion(mine(), o.pdrLoss);
  return { ndrPps, pdrPps, searchNdrPps, searchPdrPps, nonMonotonic: inv !== null, inversion: inv };
}
