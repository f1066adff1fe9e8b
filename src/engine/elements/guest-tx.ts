// Guest virtio-net transmit: copies the stack's frames into its transmit buffers, posts them on
// the avail ring and kicks when the kernel says the backend asked for it (a VM exit). The
// backend's completion notification is injected back into the vCPU.

import { R_HEAD } from "../../../assembly/abi.ts";
import * as P from "../../../assembly/pathabi.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { u64 } from "../context.ts";
import { idle, inject, type Vector } from "../irq.ts";
import { BatchPricer, ctxOf, type ElementKind, ringBytes, specResource } from "./common.ts";

export const guestTx: ElementKind = {
  kind: "guest-tx",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [`${(s as { vq: string }).vq}.avail`] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; vq: string };
    const vq = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const avail = ctx.link(`${s.vq}.avail`);
    const c = ctx.costs.c;
    const availFlags = ctx.u32[(vq + P.V_AVAIL) >>> 2] >>> 1;
    const vector: Vector = { pendingUntil: -1 }; // the transmit queue's own (MSI-X)
    avail.notify = (t) => {
      // Without EVENT_IDX the completion callback suppresses further Tx interrupts
      // (VRING_AVAIL_F_NO_INTERRUPT) until the driver reaps again.
      if (!c.virtio_event_idx) ctx.u16[availFlags] |= 1;
      inject(ctx, res, t, (t2) => idle(ctx, res, t2), false, undefined, vector);
    };
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const vqGuestTxBurst = ctx.k.vqGuestTxBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const head0 = ctx.u32[(input.ring + R_HEAD) >>> 2];
      const bytes = ringBytes(ctx, input.ring, head0, n);
      const kicks0 = u64(ctx, vq + P.V_KICKS);
      vqGuestTxBurst(vq, n);
      const taken = (ctx.u32[(input.ring + R_HEAD) >>> 2] - head0) >>> 0;
      let end = pricer.price(start, taken);
      end = res.runNs(end, taken * c.copy_fixed_ns + (bytes * taken) / n / c.copy_gbytes_per_s, "copy");
      const kicks = u64(ctx, vq + P.V_KICKS) - kicks0;
      if (kicks > 0) {
        ctx.events.kicks += kicks;
        ctx.events.vm_exits += kicks;
        end = res.run(end, c.kick_exit_cycles * kicks, "kick");
      }
      avail.publish(end);
      done.end = end;
      return taken;
    };
    const act = new Stage(ctx, res, input, c.napi_budget, work);
    return { name: spec.name, stats: act.stats };
  },
};
