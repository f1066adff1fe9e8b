// A hop that moves descriptors without touching the frame: the PF driver's receive hand-off to
// the bridge (interrupts: NAPI, refill doorbell), an epair (the jail's side), a tap queue.
import { Napi, type WorkEnd } from "../activation.ts";
import { type ElementKind, inToOut, pcieOf, pricedInToOut, softwareStage } from "./common.ts";

export const hop: ElementKind = {
  kind: "hop",
  ports: inToOut,
  create(spec, ctx) {
    const s = spec as unknown as { interrupts: boolean };
    const { c, res, input, out, pricer } = pricedInToOut(spec, ctx);
    const costs = ctx.costs.c;
    const doorbellAcc = res.account("doorbell");
    const pcie = pcieOf(ctx);
    // The kernel, looked up once (the exports object is a dictionary).
    const hopBurst = ctx.k.hopBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = hopBurst(c, n);
      let end = pricer.price(start, taken);
      out.publish(end);
      if (s.interrupts && taken > 0) {
        end = res.chargeCycles(end, costs.doorbell_cycles, doorbellAcc);
        pcie?.refillDoorbell(end);
        input.refill(end + costs.pcie_rtt_ns / 2);
      }
      done.end = end;
      return taken;
    };
    const act = s.interrupts
      ? new Napi(ctx, res, input, costs.napi_budget, work, {
          irqHost: spec.irqHost,
          itrNs: costs.itr_us * 1000,
        })
      : softwareStage(ctx, res, input, work);
    return { name: spec.name, stats: act.stats };
  },
};
