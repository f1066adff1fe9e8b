// RFC 2544 section 26.1 throughput, as FD.io CSIT reports it: NDR (the highest offered load with
// zero loss) and PDR (the highest with loss at most `pdrLoss`), each found by binary search on
// the offered load between 0 and line rate, to a resolution of `precision` x line rate. Every
// trial is one simulation in virtual time; a rate already tried is not simulated again.
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

export async function searchThroughput(o: SearchOptions): Promise<SearchResult> {
  if (!(o.lineRatePps > 0)) throw new Error(`search: line rate ${o.lineRatePps} pps`);
  if (!(o.precision > 0 && o.precision < 1)) throw new Error(`search: precision ${o.precision}`);
  const trials: Trial[] = [];
  const seen = new Map<number, number>();
  const step = o.precision * o.lineRatePps;
  const lossAt = async (rate: number): Promise<number> => {
    const key = Math.round(rate);
    const known = seen.get(key);
    if (known !== undefined) return known;
    const r = await o.trial(key);
    const loss = lossOf(r);
    seen.set(key, loss);
    trials.push({ ratePps: key, lossRatio: loss, bottleneck: r.bottleneck });
    return loss;
  };
  // Invariant: `lo` passes (0 does by definition: nothing offered, nothing lost), `hi` fails.
  const bisect = async (limit: number, lo: number, hi: number): Promise<number> => {
    if ((await lossAt(hi)) <= limit) return Math.round(hi);
    while (hi - lo > step) {
      const mid = (lo + hi) / 2;
      if ((await lossAt(mid)) <= limit) lo = mid;
      else hi = mid;
    }
    return Math.round(lo);
  };
  const ndrPps = await bisect(0, 0, o.lineRatePps);
  // NDR passes the PDR criterion too, so PDR is searched above it.
  const pdrPps = await bisect(o.pdrLoss, ndrPps, o.lineRatePps);
  return { ndrPps, pdrPps, trials };
}
