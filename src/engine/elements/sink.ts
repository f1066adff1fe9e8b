// A consumer at the end of a path: a driver + stack (interrupts: NAPI under ITR, refill doorbell)
// or a stack behind a software hop (no interrupts), or the peer on the wire (transmit direction:
// its resource is the wire, each frame done when its last bit is out). The Wasm sink checks every
// frame and records its one-way latency: frame k of a batch is done at the batch's start + the
// per-batch cost + (k+1) x the per-packet cost, all from the cost profile.

import { R_HEAD } from "../../../assembly/abi.ts";
import * as P from "../../../assembly/pathabi.ts";
import type { EngineElement } from "../../paths/path-graphs.ts";
import { Napi, Stage, type WorkEnd } from "../activation.ts";
import { applicationOn } from "../application.ts";
import { type SimContext, setU64 } from "../context.ts";
import { sinkStallWindow, stalledSinks, stalledWork } from "../faults.ts";
import { BatchPricer, ctxOf, type ElementKind, pcieOf, specResource, wireRingBytes } from "./common.ts";
import { pricedSinkWork } from "./sink-batch.ts";

export const sink: ElementKind = {
  kind: "sink",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; interrupts: boolean };
    // One consumer per receive queue of the pool (one MSI-X vector and NAPI context each, as
    // RSS spreads the flows): the layout made contexts "<name>/q<q>" for queues 1.. .
    const stats = { batches: 0, packets: 0, maxBatch: 0 };
    const acts: Array<{ stats: typeof stats }> = [];
    for (let q = 0; ; q++) {
      const name = q === 0 ? spec.name : `${spec.name}/q${q}`;
      if (q > 0 && !ctx.built.ctx.has(name)) break;
      // An injected sink-stall applies to a consumer's queue, never to the peer on the wire.
      const stall = ctx.faults && stalledSinks(ctx).includes(spec.name) ? sinkStallWindow(ctx, q) : null;
      acts.push(queueConsumer(spec, ctx, name, q === 0 ? s.in : `${s.in}/q${q}`, s.interrupts, stall));
    }
    const sum = () => {
      stats.batches = 0;
      stats.packets = 0;
      stats.maxBatch = 0;
      for (const a of acts) {
        stats.batches += a.stats.batches;
        stats.packets += a.stats.packets;
        stats.maxBatch = Math.max(stats.maxBatch, a.stats.maxBatch);
      }
      return stats;
    };
    return {
      name: spec.name,
      get stats() {
        return sum();
      },
    };
  },
};

function queueConsumer(
  spec: EngineElement,
  ctx: SimContext,
  name: string,
  inName: string,
  interrupts: boolean,
  stall: { fromNs: number; toNs: number } | null = null,
) {
  const c = ctxOf(ctx, name);
  const res = specResource(ctx, spec);
  const input = ctx.link(inName);
  const costs = ctx.costs.c;
  const clock = ctx.clockWord(name);
  const u32 = ctx.u32;
  u32[(c + P.S_CLOCK) >>> 2] = clock;
  u32[(c + P.S_ITR_NS) >>> 2] = 0xffffffff; // the engine raises the interrupts
  u32[(c + P.S_WARMUP_US) >>> 2] = Math.floor(ctx.warmupNs / 1000);
  const serialize = res.kind === "wire";
  const wireAcc = res.account("serialize");
  const doorbellAcc = res.account("doorbell");
  const pricer = new BatchPricer(ctx, res, spec);
  const pcie = pcieOf(ctx);
  // The kernel, looked up once (the exports object is a dictionary).
  const sinkBurst = ctx.k.sinkBurst;
  // The application reading what this stack receives (ScenarioSpec.application), or none.
  const app = applicationOn(ctx, res);
  // The peer on the wire receiving a closed loop's ACKs: each opens the sender's window.
  const loop = ctx.closedLoop && ctx.closedLoop.ackSink === name ? ctx.closedLoop : null;
  // A stack's batch: priced first (the kernel needs the clock), on what the kernel will take.
  const stackWork = pricedSinkWork(ctx, pricer, clock, c, app, (m) => sinkBurst(c, m));
  const consume = (start: number, n: number, done: WorkEnd): number => {
    if (serialize) {
      const bytes = wireRingBytes(ctx, input.ring, u32[(input.ring + R_HEAD) >>> 2], n);
      const ns = ((bytes + 24 * n) * 8) / ctx.linkGbps;
      setU64(ctx, clock, start);
      setU64(ctx, c + P.S_PKT_PS, (ns / n) * 1000);
      const taken = sinkBurst(c, n);
      const end = res.charge(start, ns, wireAcc);
      loop?.acksIn(end, taken);
      // The frames left the NIC once serialized: their slots of the switch's wire-out ring are
      // room for the switch again (without this, the ring filled after its first 1,024 frames
      // and every later one was dropped as "wire-out ring full").
      input.refill(end);
      done.end = end;
      return taken;
    }
    const taken = stackWork(start, n, done);
    let end = done.end;
    if (interrupts && taken > 0) {
      // Refill: write the tail register; the NIC sees the new descriptors half a round trip later.
      end = res.chargeCycles(end, costs.doorbell_cycles, doorbellAcc);
      pcie?.refillDoorbell(end);
      input.refill(end + costs.pcie_rtt_ns / 2);
    }
    done.end = end;
    return taken;
  };
  const work = stalledWork(consume, stall);
  return interrupts
    ? new Napi(ctx, res, input, costs.napi_budget, work, {
        irqHost: spec.irqHost,
        itrNs: costs.itr_us * 1000,
      })
    : new Stage(ctx, res, input, costs.napi_budget, work);
}
