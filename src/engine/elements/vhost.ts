// vhost-copy backend, receive: a host thread (sleeps when idle; the tap's enqueue wakes it)
// copies each frame into the next guest buffer (per-frame + per-byte copy cost) and writes its
// used entry; when the batch is done it publishes the used index and, when the kernel says the
// guest asked for it (used_event with EVENT_IDX, the NO_INTERRUPT flag without), notifies the
// guest (irqfd -> vLAPIC: injection on the host, then the vCPU). The decision is taken at the end
// of the batch against the guest's state then (vhost_net_signal_used), not when the batch began.
// With vhost_signal_per_packet (Linux 2.6.33-4.17: vhost_add_used_and_signal_n in handle_rx's loop) it
// publishes and decides after every packet instead, each at the time that packet is done.
// Besides its per-packet work it pays, per frame, the cache lines it takes from the tap
// producer's core (tap_handoff_lines, plus tap_lock_lines for a receive-queue lock the two
// share, as before the tap's skb_array; each xcore_transfer_cycles) and, per publication, the barrier
// and used_event read (vhost_publish_cycles) plus the used index line the polling guest read.
// With KVM before irqfd's MSI fast path the signal bounces through a kernel thread (irqfd.ts).
import * as P from "../../../assembly/pathabi.ts";
import { Stage, type WorkEnd } from "../activation.ts";
import { u64 } from "../context.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";
import { irqfdBounce } from "./irqfd.ts";

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
    // Out of guest buffers the thread waits for the guest's kick alone: handle_rx leaves the tap
    // socket's poll disabled (vhost_net_disable_vq, not re-enabled on that path), so frames the
    // tap queues meanwhile do not wake it.
    let waitingForKick = false;
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernels, looked up once (the exports object is a dictionary).
    const vhostRxBurst = ctx.k.vhostRxBurst;
    const vhostRxFlush = ctx.k.vhostRxFlush;
    const perPacket = c.vhost_signal_per_packet === 1;
    const handoffCycles = (c.tap_handoff_lines + c.tap_lock_lines) * c.xcore_transfer_cycles;
    const publishCycles = c.vhost_publish_cycles + c.xcore_transfer_cycles;
    const handoffAcc = res.account("xcore_handoff");
    const publishAcc = res.account("used_publish");
    const vhostRxFlushOne = ctx.k.vhostRxFlushOne;
    const bounce = irqfdBounce(ctx, res); // KVM before irqfd's MSI fast path (2010), else null
    const flush = (t: number): void => {
      const notes0 = u64(ctx, vq + P.V_USED_NOTIFY);
      vhostRxFlush(vq);
      used.publish(t);
      const notes = u64(ctx, vq + P.V_USED_NOTIFY) - notes0;
      if (notes > 0) {
        ctx.events.notifications += notes;
        if (!bounce) used.notify?.(res.run(t, c.injection_cycles * notes, "injection"));
        else {
          const at = bounce(t);
          if (at >= 0) used.notify?.(at);
        }
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
        if (bounce) {
          const at = bounce(t);
          if (at >= 0) used.notify?.(at);
          return;
        }
        res.run(t, c.injection_cycles, "injection");
        used.notify?.(t + injectionNs);
      }
    };
    // One handle_rx call loops over Stage batches until the tap runs dry, the guest's buffers run
    // out, or vhost_pkt_weight packets or vhost_byte_weight bytes are done (vhost_exceeds_weight;
    // Linux 4.8 had the byte weight only): it re-queues itself. Its
    // per-call cost (vhost_batch_cycles) is paid once per call, not per batch.
    let inCall = -1; // packets of the running call; -1: none running
    let inCallBytes = 0; // bytes (frames with their virtio-net header) of the running call
    const work = (start: number, n: number, done: WorkEnd): number => {
      const entry = inCall < 0 || inCall >= c.vhost_pkt_weight || inCallBytes >= c.vhost_byte_weight;
      if (entry) {
        inCall = 0;
        inCallBytes = 0;
      }
      const bytes0 = u64(ctx, vq + P.V_BYTES_COPIED);
      const begin = Math.max(start, res.busyUntil);
      const noAvail0 = u64(ctx, vq + P.V_NO_AVAIL);
      const taken = vhostRxBurst(vq, n);
      // Out of guest buffers, it asked for a kick and sleeps until it comes (handle_rx: no
      // heads, vhost_enable_notify, "wait for eventfd"; busyloop_timeout 0): no timed re-poll.
      done.parked = u64(ctx, vq + P.V_NO_AVAIL) > noAvail0;
      waitingForKick = done.parked;
      let end = pricer.price(start, taken, entry);
      const copied = u64(ctx, vq + P.V_BYTES_COPIED) - bytes0;
      end = res.runNs(end, taken * c.copy_fixed_ns + copied / c.copy_gbytes_per_s, "copy");
      if (taken > 0) {
        end = res.chargeCycles(end, taken * handoffCycles, handoffAcc);
        end = res.chargeCycles(end, (perPacket ? taken : 1) * publishCycles, publishAcc);
        // Scheduled before the stage's next batch at `end`, so they run first.
        if (perPacket) {
          // Each entry at the end of its copy, the copies spread evenly over the batch.
          for (let k = 1; k <= taken; k++) ctx.q.push(begin + ((end - begin) * k) / taken, flushOne);
        } else ctx.q.push(end, flush);
      }
      done.end = end;
      inCall = taken > 0 && input.readyCount(end) > 0 ? inCall + taken : -1;
      inCallBytes += copied + taken * P.VNET_HDR_BYTES;
      return taken;
    };
    const act = new Stage(ctx, res, input, c.napi_budget, work, true);
    const onTap = input.consumer;
    input.consumer = (t) => {
      if (!waitingForKick) onTap?.(t);
    };
    used.kick = (t) => {
      waitingForKick = false; // the guest posted buffers: handle_rx_kick
      onTap?.(t);
    };
    return { name: spec.name, stats: act.stats };
  },
};
