// Transmit driver (ixl/iavf Tx side, on the sender's core or vCPU): posts the stack's frames on
// the NIC's Tx ring and writes the tail (a doorbell, reaching the NIC half a PCIe round trip
// later). Completions come back from the NIC; their interrupt is moderated (ITR) and delivered
// like any device interrupt (through the host for an assigned device); the handler frees the
// transmitted buffers.
import { Stage } from "../activation.ts";
import { deviceInterrupt } from "../irq.ts";
import { chargeBatch, ctxOf, type ElementKind, specResource } from "./common.ts";

export const txdrv: ElementKind = {
  kind: "txdrv",
  ports: (s) => ({ in: [(s as { in: string }).in], out: [(s as { out: string }).out] }),
  create(spec, ctx) {
    const s = spec as unknown as { in: string; out: string };
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const input = ctx.link(s.in);
    const out = ctx.link(s.out);
    const costs = ctx.costs.c;
    const itr = costs.itr_us * 1000;
    let toReap = 0;
    let lastIrq = Number.NEGATIVE_INFINITY;
    let pending = false;
    const reap = (t: number): void => {
      const n = toReap;
      toReap = 0;
      res.run(t, n * costs.tx_reap_pkt_cycles, "tx_reap");
      res.active--;
    };
    const fire = (t: number): void => {
      pending = false;
      lastIrq = t;
      res.active++;
      deviceInterrupt(ctx, res, spec.irqHost, t, reap);
    };
    out.completed = (t, n) => {
      toReap += n;
      if (pending) return;
      pending = true;
      ctx.q.push(Math.max(t, lastIrq + itr), fire);
    };
    const work = (start: number, n: number) => {
      const taken = ctx.k.txDriverBurst(c, n);
      const span = chargeBatch(ctx, res, spec, start, taken);
      out.publish(span.end + costs.pcie_rtt_ns / 2);
      return { end: span.end, taken };
    };
    new Stage(ctx, res, input, costs.napi_budget, work, res.kind === "vhost");
    return { name: spec.name };
  },
};
