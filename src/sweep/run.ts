// Runs one shard of a sweep into a results directory: points already there are skipped (a
// re-run after a crash resumes), each result is written atomically as soon as it is known.
import type { PointExecutor } from "./execute.ts";
import { type SweepPlan, type SweepPoint, shardPoints } from "./plan.ts";
import { RESULT_STATUSES } from "./spec.ts";
import { manifestFor, openResultsDir, readResults, writeFailure, writeResult } from "./store.ts";

export interface ShardRun {
  plan: SweepPlan;
  text: string;
  version: string;
  dir: string;
  shard: { k: number; n: number };
  execute: PointExecutor;
  /** Extra arguments every point gets (e.g. --workers N). */
  extraArgs?: string[];
  onPoint?: (p: SweepPoint, status: "done" | "skipped" | "failed", message?: string) => void;
  /** Aborted when the shard must stop (a signal): the running point ends, is not recorded as
   *  failed, and no further point starts; the same command resumes later. */
  stop?: AbortSignal;
  /** Called once the results directory is open and read, before the first point: a header
   *  printed here is never followed by "cannot use DIR" (an --out below a regular file). */
  onStart?: () => void;
}

export interface ShardSummary {
  points: number;
  ran: number;
  skipped: number;
  failed: number;
  /** Set when `stop` ended the shard early: the points not run are left for a re-run. */
  interrupted?: boolean;
}

export async function runShard(o: ShardRun): Promise<ShardSummary> {
  const manifest = manifestFor(o.plan, o.version, o.text);
  await openResultsDir(o.dir, manifest);
  const done = await readResults(o.dir, manifest);
  o.onStart?.();
  const mine = shardPoints(o.plan.points, o.shard.k, o.shard.n);
  const sum: ShardSummary = { points: mine.length, ran: 0, skipped: 0, failed: 0 };
  for (const p of mine) {
    if (o.stop?.aborted) {
      sum.interrupted = true;
      break;
    }
    if (done.has(p.index)) {
      sum.skipped++;
      o.onPoint?.(p, "skipped");
      continue;
    }
    const args = [...p.args, ...(o.extraArgs ?? [])];
    const r = await o.execute(args, o.stop);
    let result: unknown;
    let message: string | undefined;
    const failedRun = () => lastLines(r.stderr) || `exit status ${r.exitCode}`;
    if (r.exitCode === null || !RESULT_STATUSES[o.plan.experiment].includes(r.exitCode))
      message = failedRun();
    else {
      try {
        result = JSON.parse(r.stdout);
      } catch {
        message = r.exitCode === 0 ? "the experiment printed no JSON" : failedRun();
      }
    }
    // A point ended by the stop is not the point's failure: it is left for the re-run.
    if (message !== undefined && o.stop?.aborted) {
      sum.interrupted = true;
      break;
    }
    if (message !== undefined) {
      sum.failed++;
      await writeFailure(o.dir, { index: p.index, coords: p.coords, args, exitCode: r.exitCode, message });
      o.onPoint?.(p, "failed", message);
      continue;
    }
    await writeResult(o.dir, {
      sweep: o.plan.name,
      hash: o.plan.hash,
      version: o.version,
      index: p.index,
      coords: p.coords,
      seed: p.seed,
      args: p.args,
      result,
    });
    sum.ran++;
    o.onPoint?.(p, "done");
  }
  return sum;
}

function lastLines(text: string, n = 5): string {
  return text.trim().split("\n").slice(-n).join("\n");
}
