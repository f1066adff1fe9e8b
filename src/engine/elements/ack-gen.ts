// The receiver's ACK sender of a closed loop (ScenarioSpec.ackEvery): the generator of the
// transmit direction, on the reading CPU, sends one ACK frame (ACK_FRAME_BYTES) when the
// application's reads ask for it (ClosedLoop.onRead), not at an offered rate. Each ACK goes
// through the consumer's stack (the generator's per-packet stack_tx_cycles) and then through
// the rest of the path's transmit direction (driver, kick or doorbell, vhost, NIC) to the peer
// on the wire, whose arrival opens the sender's window (sink.ts).
import * as P from "../../../assembly/pathabi.ts";
import type { EngineElement } from "../../paths/path-graphs.ts";
import { countBatch } from "../activation.ts";
import type { ClosedLoop } from "../application.ts";
import { type SimContext, setU64 } from "../context.ts";
import { BatchPricer, ctxOf, type ElementRuntime, specResource } from "./common.ts";

export function ackGenerator(spec: EngineElement, ctx: SimContext, loop: ClosedLoop): ElementRuntime {
  const c = ctxOf(ctx, spec.name);
  const res = specResource(ctx, spec);
  const out = ctx.link((spec as { out: string }).out);
  const u32 = ctx.u32;
  // Timed, no wire pacing, no gap: every ACK asked for is built at once, stamped when asked.
  u32[(c + P.G_FLAGS) >>> 2] = (u32[(c + P.G_FLAGS) >>> 2] | P.GF_TIMED) & ~P.GF_POISSON;
  u32[(c + P.G_PS_PER_BYTE) >>> 2] = 0;
  u32[(c + P.G_RNG2) >>> 2] = (ctx.seed(spec.name) * 2246822519) >>> 0 || 1;
  setU64(ctx, c + P.G_GAP_PS, 0);
  setU64(ctx, c + P.G_LIMIT, 0);
  setU64(ctx, c + P.G_NEXT_PS, 0);
  setU64(ctx, c + P.G_WIRE_PS, 0);
  setU64(ctx, c + P.G_CLOCK_PS, 0);
  const pricer = new BatchPricer(ctx, res, spec);
  const stats = { batches: 0, packets: 0, maxBatch: 0 };
  const genBurst = ctx.k.genBurst;
  const W = ctx.costs.c.nic_window_frames;
  /** ACKs asked for and not yet built (a full transmit ring holds them back). */
  let pending = 0;
  let scheduled = false;
  const send = (t: number): void => {
    scheduled = false;
    if (pending === 0) return;
    setU64(ctx, c + P.G_NEXT_PS, t * 1000);
    // Whole ns (the kernel's bound), rounded up so that a frame stamped at t is inside it.
    setU64(ctx, c + P.G_UNTIL_NS, Math.ceil(t));
    const n = genBurst(c, Math.min(pending, W));
    if (n > 0) {
      pending -= n;
      countBatch(stats, n);
      res.sleeping = false;
      out.publish(pricer.price(t, n));
    }
    // A full ring (or no free buffer) holds the rest back: try again once the CPU is free, at
    // least backpressure_retry_ns on (an interval of the engine's, an assumption).
    if (pending > 0) later(Math.max(res.busyUntil, t + ctx.costs.c.backpressure_retry_ns));
  };
  const later = (t: number): void => {
    if (scheduled) return;
    scheduled = true;
    ctx.q.push(t, send);
  };
  loop.ackSender = (t: number) => {
    pending++;
    later(t);
  };
  return { name: spec.name, stats };
}
