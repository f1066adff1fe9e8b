// vhost-copy backend, transmit: woken by the guest's posts (kicks), copies each posted buffer
// into a tap buffer, completes it on the used ring and notifies the guest when asked (EVENT_IDX).
import * as P from "../../../assembly/pathabi.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { u64 } from "../context.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";
import { irqfdBounce } from "./irqfd.ts";

export const vhostTx: ElementKind = {
  kind: "vhost-tx",
  ports: (s) => ({ in: [`${(s as { vq: string }).vq}.avail`], out: [(s as { out: string }).out] }),
  create(spec, ctx) {
    const s = spec as unknown as { vq: string; out: string };
    const vq = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const avail = ctx.link(`${s.vq}.avail`);
    const out = ctx.link(s.out);
    const c = ctx.costs.c;
    const pricer = new BatchPricer(ctx, res, spec);
    const bounce = irqfdBounce(ctx, res); // KVM before irqfd's MSI fast path (2010), else null
    // The kernel, looked up once (the exports object is a dictionary).
    const vhostTxBurst = ctx.k.vhostTxBurst;
    // One handle_tx call loops until the avail ring is empty or vhost_pkt_weight packets (or
    // vhost_byte_weight bytes) are done
    // (vhost_exceeds_weight): vhost_batch_cycles once per call, as on receive.
    let inCall = -1; // packets of the running call; -1: none running
    let inCallBytes = 0; // bytes (frames with their virtio-net header) of the running call
    // handle_tx hands each buffer to the tap inline (tun_sendmsg -> tun_get_user -> the bridge and
    // dev_queue_xmit, all on this thread, rx_batched 0): it never waits on a timer. The model
    // splits that call into stages on this thread; with the ring toward the tap's hand-off full,
    // the thread's work there comes first: vhost resumes when that stage takes from the ring.
    let waitingRoom = false;
    out.taken = (t) => {
      if (!waitingRoom) return;
      waitingRoom = false;
      act.onInput(t);
    };
    const work = (start: number, n: number, done: WorkEnd): number => {
      const entry = inCall < 0 || inCall >= c.vhost_pkt_weight || inCallBytes >= c.vhost_byte_weight;
      if (entry) {
        inCall = 0;
        inCallBytes = 0;
      }
      const bytes0 = u64(ctx, vq + P.V_BYTES_COPIED);
      const notes0 = u64(ctx, vq + P.V_USED_NOTIFY);
      const taken = vhostTxBurst(vq, n);
      waitingRoom = taken === 0 && out.pending() > 0;
      done.parked = waitingRoom;
      let end = pricer.price(start, taken, entry);
      const copied = u64(ctx, vq + P.V_BYTES_COPIED) - bytes0;
      end = res.runNs(end, taken * c.copy_fixed_ns + copied / c.copy_gbytes_per_s, "copy");
      out.publish(end);
      const notes = u64(ctx, vq + P.V_USED_NOTIFY) - notes0;
      if (notes > 0) {
        ctx.events.notifications += notes;
        if (!bounce) {
          end = res.run(end, c.injection_cycles * notes, "injection");
          avail.notify?.(end);
        } else {
          const at = bounce(end);
          if (at >= 0) avail.notify?.(at);
        }
      }
      done.end = end;
      inCall = taken > 0 && avail.readyCount(end) > 0 ? inCall + taken : -1;
      inCallBytes += copied + taken * P.VNET_HDR_BYTES;
      return taken;
    };
    const act = new Stage(ctx, res, avail, c.napi_budget, work, true);
    return { name: spec.name, stats: act.stats };
  },
};
