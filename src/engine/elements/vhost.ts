// vhost-copy backend, receive: a host thread (sleeps when idle; the tap's enqueue wakes it)
// copies each frame into the next guest buffer (per-frame + per-byte copy cost) and writes its
// used entry; when the batch is done it publishes the used index and, when the kernel says the
// guest asked for it (used_event with EVENT_IDX, the NO_INTERRUPT flag without), notifies the
// guest (irqfd -> vLAPIC: injection on the host, then the vCPU). The decision is taken at the end
// of the batch against the guest's state then (vhost_net_signal_used, Linux 4.18 on), not when
// the batch began; with vhost_signal_per_packet (Linux 2.6.33-4.17: vhost_add_used_and_signal_n
// after each packet) each entry is published and decided when its copy ends.
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
    // The kernels, looked up once (the exports object is a dictionary).
    const vhostRxBurst = ctx.k.vhostRxBurst;
    const vhostRxFlush = ctx.k.vhostRxFlush;
    const vhostRxFlushOne = ctx.k.vhostRxFlushOne;
    const flush = (t: number): void => {
      const notes0 = u64(ctx, vq + P.V_USED_NOTIFY);
      vhostRxFlush(vq);
      used.publish(t);
      const notes = u64(ctx, vq + P.V_USED_NOTIFY) - notes0;
      if (notes > 0) {
        ctx.events.notifications += notes;
        used.notify?.(res.run(t, c.injection_cycles * notes, "injection"));
      }
    };
    // One entry, at the end of its copy inside the batch: the signal leaves then (eventfd_signal
    // and irqfd take injection_cycles of the thread, charged after the batch it interrupts).
    const injectionNs = c.injection_cycles / res.ghz;
    const flushOne = (t: number): void => {
      const notes0 = u64(ctx, vq + P.V_USED_NOTIFY);
      vhostRxFlushOne(vq);
      used.publish(t);
      if (u64(ctx, vq + P.V_USED_NOTIFY) > notes0) {
        ctx.events.notifications++;
        res.run(t, c.injection_cycles, "injection");
        used.notify?.(t + injectionNs);
      }
    };
    const perPacket = c.vhost_signal_per_packet === 1;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const bytes0 = u64(ctx, vq + P.V_BYTES_COPIED);
      const taken = vhostRxBurst(vq, n);
      let end = pricer.price(start, taken);
      const copied = u64(ctx, vq + P.V_BYTES_COPIED) - bytes0;
      end = res.runNs(end, taken * c.copy_fixed_ns + copied / c.copy_gbytes_per_s, "copy");
      // Scheduled before the stage's next batch at `end`, so it runs first.
      if (taken > 0 && !perPacket) ctx.q.push(end, flush);
      else if (taken > 0)
        for (let k = 1; k <= taken; k++) ctx.q.push(start + ((end - start) * k) / taken, flushOne);
      done.end = end;
      return taken;
    };
    const act = new Stage(ctx, res, input, c.napi_budget, work, true);
    return { name: spec.name, stats: act.stats };
  },
};
