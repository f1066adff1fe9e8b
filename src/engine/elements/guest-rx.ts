// Guest virtio-net receive: the backend's notification (injected) starts a NAPI poll on the vCPU
// that takes the used buffers (the Wasm kernel checks each frame and re-posts the buffer), and
// kicks the backend when the kernel says it must (EVENT_IDX): a kick is a VM exit.
import * as P from "../../../assembly/pathabi.ts";
import { Napi, type WorkEnd } from "../activation.ts";
import { applicationOn } from "../application.ts";
import { setU64, u64 } from "../context.ts";
import { sinkStallWindow } from "../faults.ts";
import { inject } from "../irq.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";

export const guestRx: ElementKind = {
  kind: "guest-rx",
  ports: (s) => ({ in: [`${(s as { vq: string }).vq}.used`], out: [] }),
  create(spec, ctx) {
    const s = spec as unknown as { vq: string; sink: string };
    const vq = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const used = ctx.link(`${s.vq}.used`);
    const c = ctx.costs.c;
    const u32 = ctx.u32;
    const sinkCtx = u32[(vq + P.V_SINK) >>> 2];
    const clock = ctx.clockWord(s.sink);
    u32[(sinkCtx + P.S_CLOCK) >>> 2] = clock;
    u32[(sinkCtx + P.S_WARMUP_US) >>> 2] = Math.floor(ctx.warmupNs / 1000);
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const vqGuestRxBurst = ctx.k.vqGuestRxBurst;
    const app = applicationOn(ctx, res); // ScenarioSpec.application, or none
    const work = (start: number, n: number, done: WorkEnd): number => {
      let end = pricer.price(start, n);
      setU64(ctx, clock, start + pricer.batchNs);
      u32[(sinkCtx + P.S_PKT_PS) >>> 2] = Math.round(pricer.perPacketNs * 1000);
      const kicks0 = u64(ctx, vq + P.V_KICKS);
      const taken = vqGuestRxBurst(vq, n);
      app?.deliver(end, taken);
      const kicks = u64(ctx, vq + P.V_KICKS) - kicks0;
      if (kicks > 0) {
        ctx.events.kicks += kicks;
        ctx.events.vm_exits += kicks;
        end = res.run(end, c.kick_exit_cycles * kicks, "kick");
        used.kick?.(end);
      }
      done.end = end;
      return taken;
    };
    // An injected sink-stall (queue 0: a virtio queue): inside the window it takes nothing.
    const stall = sinkStallWindow(ctx, 0);
    const consume = stall
      ? (start: number, n: number, done: WorkEnd): number => {
          if (start < stall.fromNs || start >= stall.toNs) return work(start, n, done);
          done.end = stall.toNs;
          return 0;
        }
      : work;
    const napi = new Napi(ctx, res, used, c.napi_budget, consume, { itrNs: 0, raisedBySource: true });
    used.notify = (t) => inject(ctx, res, t, napi.raise);
    return { name: spec.name, stats: napi.stats };
  },
};
