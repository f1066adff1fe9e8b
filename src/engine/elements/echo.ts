// The ping peer on the wire: answers each ICMP echo request (the Wasm kernel rewrites it in
// place) after its turnaround time, and sends the reply back over the wire (serialized at link
// rate; a lone frame is written back by the NIC when its write-back timer expires).
import { Stage, type WorkEnd } from "../activation.ts";
import { resourceOf } from "../context.ts";
import { ctxOf, type ElementKind, inToOut, specResource, wireRingBytes } from "./common.ts";

export const echo: ElementKind = {
  kind: "echo",
  ports: inToOut,
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const wire = resourceOf(ctx, "wire-rx");
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const costs = ctx.costs.c;
    // The kernel, looked up once (the exports object is a dictionary).
    const echoBurst = ctx.k.echoBurst;
    const work = (start: number, n: number, done: WorkEnd): number => {
      const before = out.tail();
      const taken = echoBurst(c, n);
      // The requests it took left the switch's wire-out ring: their slots are room again (as
      // the wire sink hands them back when serialized).
      input.refill(start);
      const m = (out.tail() - before) >>> 0;
      if (m > 0) {
        const bytes = wireRingBytes(ctx, out.ring, before, m);
        const sent = start + costs.peer_turnaround_ns;
        const arrived = wire.runNs(sent, ((bytes + 24 * m) * 8) / ctx.linkGbps, "serialize");
        out.publish(m >= costs.nic_window_frames ? arrived : arrived + costs.nic_window_ns);
      }
      done.end = start;
      return taken;
    };
    const act = new Stage(ctx, res, input, costs.napi_budget, work);
    return { name: spec.name, stats: act.stats };
  },
};
