// A batch into a Wasm sink context (the stack's sink, or the guest's virtio receive): priced
// before the kernel runs, because the kernel stamps each frame done at the clock word + the
// batch's per-batch cost + (k+1) x its per-packet cost, then the application reading that stack
// (ScenarioSpec.application, if any) gets the frames and bytes the kernel took.
import * as P from "../../../assembly/pathabi.ts";
import type { Work, WorkEnd } from "../activation.ts";
import type { Application } from "../application.ts";
import { type SimContext, setU64, u64 } from "../context.ts";
import type { BatchPricer } from "./common.ts";

/** The Work of a sink context `sinkCtx` whose kernel is `burst` (frames it may take, to taken);
 *  `done.end` is the batch's priced end. */
export function pricedSinkWork(
  ctx: SimContext,
  pricer: BatchPricer,
  clock: number,
  sinkCtx: number,
  app: Application | null,
  burst: (n: number) => number,
): Work {
  return (start: number, n: number, done: WorkEnd): number => {
    const end = pricer.price(start, n);
    setU64(ctx, clock, start + pricer.batchNs);
    setU64(ctx, sinkCtx + P.S_PKT_PS, pricer.perPacketNs * 1000);
    const bytes0 = app ? u64(ctx, sinkCtx + P.S_BYTES) : 0;
    const taken = burst(n);
    app?.deliver(end, taken, u64(ctx, sinkCtx + P.S_BYTES) - bytes0);
    done.end = end;
    return taken;
  };
}
