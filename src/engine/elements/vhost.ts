// vhost-copy backend, receive: a host thread (sleeps when idle; the tap's enqueue wakes it)
// copies each frame into the next guest buffer (per-frame + per-byte copy cost), publishes it on
// the used ring and, when the kernel says the guest asked for it (EVENT_IDX), injects the
// notification into the guest (irqfd -> vLAPIC: injection on the host, then the vCPU).
import * as P from "../../../assembly/pathabi.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { u64 } from "../context.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";

export const vhost: ElementKind = {
  kind: "vhost",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [`${(s as { vq: string }).vq}.used`] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; vq: string };
    const vq = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const used = ctx.link(`${s.vq}.used`);
    const c = ctx.costs.c;
    used.kick = (t) => input.consumer?.(t); // the guest posted buffers: try again
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const vhostRxBurst = ctx.k.vhostRxBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const bytes0 = u64(ctx, vq + P.V_BYTES_COPIED);
      const notes0 = u64(ctx, vq + P.V_USED_NOTIFY);
      const taken = vhostRxBurst(vq, n);
      let end = pricer.price(start, taken);
      const copied = u64(ctx, vq + P.V_BYTES_COPIED) - bytes0;
      end = res.runNs(end, taken * c.copy_fixed_ns + copied / c.copy_gbytes_per_s, "copy");
      used.publish(end);
      const notes = u64(ctx, vq + P.V_USED_NOTIFY) - notes0;
      if (notes > 0) {
        ctx.events.notifications += notes;
        end = res.run(end, c.injection_cycles * notes, "injection");
        used.notify?.(end);
      }
      done.end = end;
      return taken;
    };
    const act = new Stage(ctx, res, input, c.napi_budget, work, true);
    return { name: spec.name, stats: act.stats };
  },
};
