// Guest virtio-net receive (virtnet_poll): the backend's notification (injected) starts a NAPI
// poll on the vCPU that takes up to a budget of used buffers (the Wasm kernel checks each frame;
// the NO_INTERRUPT flag is set while it polls, without EVENT_IDX). At the end of the poll the
// guest re-posts the buffers once more than virtio_rx_refill_free are free (virtnet_receive ->
// try_fill_recv: a kick, a VM exit, unless the backend suppresses it) and, under budget, re-enables its interrupt (virtqueue_napi_complete: used_event or the
// flag) and polls again only if used buffers were published meanwhile (virtqueue_poll); else it
// waits for the next notification. What it sees is what the backend has published by then.
import * as P from "../../../assembly/pathabi.ts";
import { type BatchStats, countBatch, type WorkEnd } from "../activation.ts";
import { applicationOn } from "../application.ts";
import { u64 } from "../context.ts";
import { sinkStallWindow, stalledWork } from "../faults.ts";
import { idle } from "../idle.ts";
import { inject, kickExit, type Vector } from "../interrupt-delivery.ts";
import { receiveGate } from "../receive-first.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";
import { pricedSinkWork } from "./sink-batch.ts";

export const guestRx: ElementKind = {
  kind: "guest-rx",
  ports: (s) => ({ in: [`${(s as { vq: string }).vq}.used`], out: [] }),
  create(spec, ctx) {
    const s = spec as unknown as { vq: string; sink: string };
    const vq = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const used = ctx.link(`${s.vq}.used`);
    const c = ctx.costs.c;
    const budget = c.napi_budget;
    const u32 = ctx.u32;
    const sinkCtx = u32[(vq + P.V_SINK) >>> 2];
    const clock = ctx.clockWord(s.sink);
    u32[(sinkCtx + P.S_CLOCK) >>> 2] = clock;
    u32[(sinkCtx + P.S_WARMUP_US) >>> 2] = Math.floor(ctx.warmupNs / 1000);
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const vqGuestRxBurst = ctx.k.vqGuestRxBurst;
    const vqGuestRxDone = ctx.k.vqGuestRxDone;
    const refillFree = c.virtio_rx_refill_free;
    const app = applicationOn(ctx, res); // ScenarioSpec.application, or none
    const work = pricedSinkWork(ctx, pricer, clock, sinkCtx, app, (n) => vqGuestRxBurst(vq, n));
    // An injected sink-stall (queue 0: a virtio queue): inside the window it takes nothing.
    const stall = sinkStallWindow(ctx, 0);
    const consume = stalledWork(work, stall);
    const stats: BatchStats = { batches: 0, packets: 0, maxBatch: 0 };
    // The poll is receive work on the vCPU: a sender there waits for it (receive-first.ts).
    const gate = receiveGate(res);
    let polling = false;
    const pollEnd: WorkEnd = { end: 0 };
    const raise = (t: number): void => {
      if (polling) return; // the running poll (or its end) will see the new buffers
      polling = true;
      res.active++;
      gate.begin();
      ctx.q.push(t, poll);
    };
    const poll = (t: number): void => {
      const start = Math.max(t, res.busyUntil);
      const n = Math.min(used.readyCount(start), budget);
      pollEnd.end = start;
      const taken = n > 0 ? consume(start, n, pollEnd) : 0;
      const end = pollEnd.end;
      countBatch(stats, taken);
      const complete = taken < budget;
      ctx.q.push(end, (te) => done(te, complete));
    };
    const done = (t: number, complete: boolean): void => {
      const kicks0 = u64(ctx, vq + P.V_KICKS);
      const more = vqGuestRxDone(vq, complete ? 1 : 0, refillFree);
      let end = t;
      const kicks = u64(ctx, vq + P.V_KICKS) - kicks0;
      if (kicks > 0) {
        end = kickExit(ctx, res, end, kicks);
        used.kick?.(end);
      }
      if (!complete) {
        ctx.q.push(end, poll); // budget spent: stay in polling mode
        return;
      }
      polling = false;
      res.active--;
      gate.end(ctx, end);
      if (more) raise(end);
      else idle(ctx, res, end);
    };
    // skb_recv_done, the handler: masks the queue's interrupt before scheduling the poll
    // (virtqueue_disable_cb: VRING_AVAIL_F_NO_INTERRUPT; with EVENT_IDX used_event is left
    // behind, which is what suppresses). Until then the backend may signal again.
    const availFlags = u32[(vq + P.V_AVAIL) >>> 2] >>> 1;
    const masked = (): void => {
      ctx.u16[availFlags] |= 1;
    };
    const vector: Vector = { pendingUntil: -1 };
    used.notify = (t) => inject(ctx, res, t, raise, false, masked, vector);
    return { name: spec.name, stats };
  },
};
