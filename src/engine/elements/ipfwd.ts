// IPv4 forwarding (a vnet jail that routes): the Wasm kernel checks each frame's IPv4 header,
// decrements its TTL and rewrites its Ethernet header toward the next hop, in place; frames it
// cannot forward are dropped with a reason. Runs in the context of whoever handed it the frame
// (FreeBSD: netisr direct dispatch from the epair's taskqueue), charged per batch and per packet.
import { Stage, type WorkEnd } from "../activation.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";

export const ipfwd: ElementKind = {
  kind: "ipfwd",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [(s as { out: string }).out] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const pricer = new BatchPricer(ctx, res, spec);
    // The kernel, looked up once (the exports object is a dictionary).
    const ipfwdBurst = ctx.k.ipfwdBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = ipfwdBurst(c, n);
      const end = pricer.price(start, taken);
      out.publish(end);
      done.end = end;
      return taken;
    };
    const act = new Stage(ctx, res, input, ctx.costs.c.napi_budget, work, res.kind === "vhost");
    return { name: spec.name, stats: act.stats };
  },
};
