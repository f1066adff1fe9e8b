// IPv4 forwarding (a vnet jail that routes): the Wasm kernel checks each frame's IPv4 header,
// decrements its TTL and rewrites its Ethernet header toward the next hop, in place; frames it
// cannot forward are dropped with a reason. Runs in the context of whoever handed it the frame
// (FreeBSD: netisr direct dispatch from the epair's taskqueue), charged per batch and per packet.
import type { WorkEnd } from "../activation.ts";
import { type ElementKind, inToOut, pricedInToOut, softwareStage } from "./common.ts";

export const ipfwd: ElementKind = {
  kind: "ipfwd",
  ports: inToOut,
  create(spec, ctx) {
    const { c, res, input, out, pricer } = pricedInToOut(spec, ctx);
    // The kernel, looked up once (the exports object is a dictionary).
    const ipfwdBurst = ctx.k.ipfwdBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const taken = ipfwdBurst(c, n);
      const end = pricer.price(start, taken);
      out.publish(end);
      done.end = end;
      return taken;
    };
    const act = softwareStage(ctx, res, input, work);
    return { name: spec.name, stats: act.stats };
  },
};
