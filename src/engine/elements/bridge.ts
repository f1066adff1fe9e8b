// Learning bridge (if_bridge): forwards by destination MAC, floods unknown and group addresses
// (copies counted by the kernel), runs in the context of whoever handed it the frame.
import type { WorkEnd } from "../activation.ts";
import { BatchPricer, ctxOf, type ElementKind, softwareStage, specResource } from "./common.ts";

type BridgeSpec = { in: string; uplink: string; port: string; more?: string[]; inPort?: number };

export const bridge: ElementKind = {
  kind: "bridge",
  ports: (s) => {
    const b = s as unknown as BridgeSpec;
    return { in: [b.in], out: [b.uplink, b.port, ...(b.more ?? [])] };
  },
  create(spec, ctx) {
    const b = spec as unknown as BridgeSpec;
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(b.in);
    const outs = [b.uplink, b.port, ...(b.more ?? [])].map((n) => ctx.link(n));
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const bridgeBurst = ctx.k.bridgeBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = bridgeBurst(c, input.ring, b.inPort ?? 0, n);
      const end = pricer.price(start, taken);
      for (const o of outs) o.publish(end);
      done.end = end;
      return taken;
    };
    const act = softwareStage(ctx, res, input, work);
    return { name: spec.name, stats: act.stats };
  },
};
