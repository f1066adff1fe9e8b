// Guest virtio-net transmit: copies the stack's frames into its transmit buffers, posts them on
// the avail ring and kicks when the kernel says the backend asked for it (a VM exit). The
// backend's completion notification is injected back into the vCPU.

import { R_HEAD } from "../../../assembly/abi.ts";
import * as P from "../../../assembly/pathabi.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { u64 } from "../context.ts";
import { idle } from "../idle.ts";
import { inject, kickExit, type Vector } from "../interrupt-delivery.ts";
import { BatchPricer, ctxOf, type ElementKind, ringBytes, specResource } from "./common.ts";

/** Descriptors one transmit may need (virtio_net start_xmit: 2 + MAX_SKB_FRAGS, MAX_SKB_FRAGS
 *  17): with fewer free the queue stops (assembly/elements/virtio.ts TX_STOP_FREE, the same). */
const TX_STOP_FREE = 19;

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
    // The transmit queue is stopped (netif_stop_subqueue): start_xmit left fewer than
    // TX_STOP_FREE descriptors free and asked for a completion interrupt (the kernel armed it).
    let stopped = false;
    // Linux drivers/net/virtio_net.c: skb_xmit_done (the completion callback) wakes the queue
    // (netif_wake_subqueue); the stack then calls start_xmit again, which reaps the completions.
    const restart = (t: number): void => {
      stopped = false;
      act.onInput(t);
    };
    const handled = (t: number): void => {
      if (stopped) restart(t);
      else idle(ctx, res, t);
    };
    avail.notify = (t) => {
      // Without EVENT_IDX the completion callback suppresses further Tx interrupts
      // (VRING_AVAIL_F_NO_INTERRUPT) until the driver reaps again.
      if (!c.virtio_event_idx) ctx.u16[availFlags] |= 1;
      inject(ctx, res, t, handled, false, undefined, vector);
    };
    const availIdxWord = (ctx.u32[(vq + P.V_AVAIL) >>> 2] + 2) >>> 1;
    const size = ctx.u32[(vq + P.V_SIZE) >>> 2];
    /** Descriptors free after a burst (num_free): posted and not yet reaped are in use. */
    const numFree = (): number =>
      size - ((ctx.u16[availIdxWord] - ctx.u32[(vq + P.V_LAST_USED) >>> 2]) & 0xffff);
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const vqGuestTxBurst = ctx.k.vqGuestTxBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      // A stopped queue is not handed frames (they wait in the stack's queue) until the
      // completion interrupt wakes it: no timed retry, the vCPU idles meanwhile.
      done.parked = stopped;
      if (stopped) {
        done.end = start;
        return 0;
      }
      const head0 = ctx.u32[(input.ring + R_HEAD) >>> 2];
      const bytes = ringBytes(ctx, input.ring, head0, n);
      const kicks0 = u64(ctx, vq + P.V_KICKS);
      vqGuestTxBurst(vq, n);
      const taken = (ctx.u32[(input.ring + R_HEAD) >>> 2] - head0) >>> 0;
      let end = pricer.price(start, taken);
      end = res.runNs(end, taken * c.copy_fixed_ns + (bytes * taken) / n / c.copy_gbytes_per_s, "copy");
      const kicks = u64(ctx, vq + P.V_KICKS) - kicks0;
      if (kicks > 0) {
        end = kickExit(ctx, res, end, kicks);
      }
      avail.publish(end);
      done.end = end;
      stopped = numFree() < TX_STOP_FREE;
      done.parked = stopped && taken === 0;
      return taken;
    };
    const act = new Stage(ctx, res, input, c.napi_budget, work);
    return { name: spec.name, stats: act.stats };
  },
};
