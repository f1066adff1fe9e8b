// A consumer at the end of a path: a driver + stack (interrupts: NAPI under ITR, refill doorbell)
// or a stack behind a software hop (no interrupts), or the peer on the wire (transmit direction:
// its resource is the wire, each frame done when its last bit is out). The Wasm sink checks every
// frame and records its one-way latency: frame k of a batch is done at the batch's start + the
// per-batch cost + (k+1) x the per-packet cost, all from the cost profile.

import { R_HEAD } from "../../../assembly/abi.ts";
import * as P from "../../../assembly/pathabi.ts";
import { Napi, Stage } from "../activation.ts";
import { setU64 } from "../context.ts";
import { chargeBatch, ctxOf, type ElementKind, ringBytes, specResource } from "./common.ts";

export const sink: ElementKind = {
  kind: "sink",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; interrupts: boolean };
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const costs = ctx.costs.c;
    const clock = ctx.clockWord(spec.name);
    const u32 = ctx.u32;
    u32[(c + P.S_CLOCK) >>> 2] = clock;
    u32[(c + P.S_ITR_NS) >>> 2] = 0xffffffff; // the engine raises the interrupts
    u32[(c + P.S_WARMUP_US) >>> 2] = Math.floor(ctx.warmupNs / 1000);
    const serialize = res.kind === "wire";
    const work = (start: number, n: number) => {
      let end: number;
      if (serialize) {
        const bytes = ringBytes(ctx, input.ring, u32[(input.ring + R_HEAD) >>> 2], n);
        const ns = ((bytes + 24 * n) * 8) / ctx.linkGbps;
        setU64(ctx, clock, start);
        u32[(c + P.S_PKT_PS) >>> 2] = Math.round((ns / n) * 1000);
        const taken = ctx.k.sinkBurst(c, n);
        end = res.runNs(start, ns, "serialize").end;
        return { end, taken };
      }
      // Price first (the kernel needs the clock), on what the kernel will take.
      const span = chargeBatch(ctx, res, spec, start, n);
      setU64(ctx, clock, start + span.batchNs);
      u32[(c + P.S_PKT_PS) >>> 2] = Math.round(span.perPacketNs * 1000);
      const taken = ctx.k.sinkBurst(c, n);
      end = span.end;
      if (s.interrupts && taken > 0) {
        // Refill: write the tail register; the NIC sees the new descriptors half a round trip later.
        end = res.run(end, costs.doorbell_cycles, "doorbell").end;
        input.refill(end + costs.pcie_rtt_ns / 2);
      }
      return { end, taken };
    };
    const act = s.interrupts
      ? new Napi(ctx, res, input, costs.napi_budget, work, {
          irqHost: spec.irqHost,
          itrNs: costs.itr_us * 1000,
        })
      : new Stage(ctx, res, input, costs.napi_budget, work);
    return { name: spec.name, stats: act.stats };
  },
};
