// A hop that moves descriptors without touching the frame: the PF driver's receive hand-off to
// the bridge (interrupts: NAPI, refill doorbell), an epair (the jail's side), a tap queue.
import { Napi, Stage } from "../activation.ts";
import { chargeBatch, ctxOf, doorbellTlp, type ElementKind, specResource } from "./common.ts";

export const hop: ElementKind = {
  kind: "hop",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [(s as { out: string }).out] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string; interrupts: boolean };
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const costs = ctx.costs.c;
    const work = (start: number, n: number) => {
      const taken = ctx.k.hopBurst(c, n);
      let end = chargeBatch(ctx, res, spec, start, taken).end;
      out.publish(end);
      if (s.interrupts && taken > 0) {
        end = res.run(end, costs.doorbell_cycles, "doorbell").end;
        doorbellTlp(ctx, end);
        input.refill(end + costs.pcie_rtt_ns / 2);
      }
      return { end, taken };
    };
    const act = s.interrupts
      ? new Napi(ctx, res, input, costs.napi_budget, work, {
          irqHost: spec.irqHost,
          itrNs: costs.itr_us * 1000,
        })
      : new Stage(ctx, res, input, costs.napi_budget, work, res.kind === "vhost");
    return { name: spec.name, stats: act.stats };
  },
};
