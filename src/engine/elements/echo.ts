// The ping peer on the wire: answers each ICMP echo request (the Wasm kernel rewrites it in
// place) after its turnaround time, and sends the reply back over the wire (serialized at link
// rate; a lone frame is written back by the NIC when its write-back timer expires).
import { R_HEAD } from "../../../assembly/abi.ts";
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
    const serialize = res.account("serialize");
    const work = (start: number, n: number, done: WorkEnd): number => {
      const before = out.tail();
      // The requests cross the wire (serialized at link rate, as the wire sink serializes the
      // transmit direction's frames): the peer has a request when its last bit is in, not when
      // the NIC starts sending it.
      const head = ctx.u32[(input.ring + R_HEAD) >>> 2];
      const taken = echoBurst(c, n);
      const reqBytes = wireRingBytes(ctx, input.ring, head, taken);
      const heard = res.charge(start, ((reqBytes + 24 * taken) * 8) / ctx.linkGbps, serialize);
      // The requests it took left the switch's wire-out ring once serialized: their slots are
      // room again (as the wire sink hands them back).
      input.refill(heard);
      const m = (out.tail() - before) >>> 0;
      if (m > 0) {
        const bytes = wireRingBytes(ctx, out.ring, before, m);
        const sent = heard + costs.peer_turnaround_ns;
        const arrived = wire.runNs(sent, ((bytes + 24 * m) * 8) / ctx.linkGbps, "serialize");
        out.publish(m >= costs.nic_window_frames ? arrived : arrived + costs.nic_window_ns);
      }
      done.end = heard;
      return taken;
    };
    const act = new Stage(ctx, res, input, costs.napi_budget, work);
    return { name: spec.name, stats: act.stats };
  },
};
