// The element kinds of a steering graph, registered once (ELEMENT_KINDS): the wire (frames
// arrive at the offered rate, serialized at line rate, handed to the NIC in write-back windows),
// the NIC (the Wasm switch parses, selects the pool and the queue, on the real bytes; priced on
// the NIC pipeline and the PCIe link; exact-match flow rules and symmetric hashing pick a queue
// on the parsed frame, or a drop rule discards it, the switch delivers), a receive core (driver + stack under NAPI/ITR),
// the software dispatcher (the Wasm dispatchBurst kernel: deep parse, inner hash, hand-off to a
// worker ring) and a worker core. Timing comes from the engine's resources, links and
// activation (src/engine), costs from the cost profile, as for the packet paths.
import * as A from "../../assembly/abi.ts";
import { Napi, Stage, type WorkEnd } from "../engine/activation.ts";
import type { SimContext } from "../engine/context.ts";
import { RxPacketBuffer } from "../engine/elements/veb-rx-buffer.ts";
import { faultWindow } from "../engine/faults.ts";
import type { Link } from "../engine/link.ts";
import type { Resource } from "../engine/resource.ts";
import type { SteerContext } from "./context.ts";
import type { CostSet, SteeringElement } from "./strategies.ts";

export interface SteeringKind {
  kind: SteeringElement["kind"];
  create(el: SteeringElement, ctx: SteerContext): { start?: () => void };
}

/** Charges a batch of n packets: per-batch entries, then per-packet entries x n. */
export function charge(
  ctx: SteerContext,
  res: Resource,
  costs: CostSet | undefined,
  start: number,
  n: number,
) {
  const c = ctx.costs.c as Record<string, number>;
  let at = start;
  for (const name of costs?.batch ?? []) at = res.run(at, c[name]!, name.replace(/_cycles$/, ""));
  const batchEnd = at;
  let per = 0;
  for (const name of costs?.packet ?? []) {
    per += c[name]!;
    if (n > 0) at = res.run(at, c[name]! * n, name.replace(/_cycles$/, ""));
  }
  return { end: at, batchEnd, perPacketNs: per / res.ghz };
}

/** Bytes of descriptors [from, from + n) of the ring at `ring`. */
function ringBytes(ctx: SteerContext, ring: number, from: number, n: number): number {
  const mask = ctx.u32[(ring + A.R_MASK) >>> 2]!;
  const desc = ctx.u32[(ring + A.R_DESC) >>> 2]!;
  let b = 0;
  for (let i = 0; i < n; i++) b += ctx.u16[(desc + ((from + i) & mask) * A.DESC_BYTES + A.D_LEN) >>> 1]!;
  return b;
}

/** Frames [from, from + n) of a ring as the consumer sees them: each frame's index in the run. */
function framesOf(ctx: SteerContext, ring: number, n: number, out: (frame: number, k: number) => void): void {
  const mask = ctx.u32[(ring + A.R_MASK) >>> 2]!;
  const desc = ctx.u32[(ring + A.R_DESC) >>> 2]!;
  const head = ctx.u32[(ring + A.R_HEAD) >>> 2]!;
  for (let i = 0; i < n; i++) {
    const d = desc + ((head + i) & mask) * A.DESC_BYTES;
    out(ctx.frameOfBuf[ctx.u32[(d + A.D_BUF) >>> 2]!]!, i);
  }
}

/** An injected generator-overrun (src/engine/faults.ts) on the steering wire, or null. */
function overrunOf(ctx: SteerContext) {
  const f = ctx.faults?.find((x) => x.kind === "generator-overrun");
  if (f?.kind !== "generator-overrun") return null;
  return { ...faultWindow(f, ctx.offerNs ?? 0), times: f.times, buffer: f.buffer };
}

const wire: SteeringKind = {
  kind: "wire",
  create(el, ctx) {
    const res = ctx.resource(el.on);
    const out = ctx.link(el.out![0]!);
    const c = ctx.costs.c;
    const W = c.nic_window_frames;
    const Q = c.nic_window_ns;
    const gapNs = 1e9 / ctx.ratePps;
    const nsPerByte = 8 / ctx.linkGbps;
    const over = overrunOf(ctx);
    // Offered time of each frame: k x gap, or (injected overrun) x times line rate in the window.
    let offered: (k: number) => number = (k) => k * gapNs;
    if (over) {
      const at = new Float64Array(ctx.count);
      for (let k = 1; k < ctx.count; k++) {
        const prev = at[k - 1]!;
        const inWindow = prev >= over.fromNs && prev < over.toNs;
        at[k] = inWindow
          ? prev + ((ctx.frameBytes(k - 1) + 24) * nsPerByte) / over.times
          : k * gapNs >= over.fromNs
            ? prev + gapNs
            : k * gapNs;
      }
      offered = (k) => at[k]!;
    }
    let i = 0;
    let lastEnd = 0;
    // Wire start times of accepted frames not yet on the wire (the generator's buffer).
    const starts: number[] = [];
    let startsHead = 0;
    const overrunDrop = (k: number): boolean => {
      if (!over) return false;
      const off = offered(k);
      if (lastEnd <= off) return false; // the wire is free: no wait, no buffer needed
      while (startsHead < starts.length && starts[startsHead]! <= off) startsHead++;
      if (starts.length - startsHead < over.buffer) return false;
      ctx.drop("generator-overrun", 1);
      if (ctx.faultStats) ctx.faultStats.overrunDrops++;
      return true;
    };
    const endOf = (k: number): number => {
      const start = Math.max(offered(k), lastEnd);
      return start + (ctx.frameBytes(k) + 4 + 20) * nsPerByte;
    };
    // A window opens with the frame that ends at `first`; it closes full or when its timer runs out.
    const window = (): void => {
      while (i < ctx.count && overrunDrop(i)) i++;
      if (i >= ctx.count) return;
      const kept: number[] = [];
      const first = endOf(i);
      let close = first + Q;
      while (i < ctx.count && kept.length < W) {
        if (overrunDrop(i)) {
          i++;
          continue;
        }
        const e = endOf(i);
        if (e > first + Q) break;
        ctx.arrival[i] = e;
        const wireNs = (ctx.frameBytes(i) + 24) * nsPerByte;
        res.runNs(e - wireNs, wireNs, "serialize");
        if (over) starts.push(e - wireNs);
        lastEnd = e;
        kept.push(i);
        i++;
        if (kept.length === W) close = e;
      }
      ctx.q.push(close, (t) => {
        // Frames go into the NIC's ring in runs of consecutive indices (overrun drops split them).
        let taken = 0;
        for (let a = 0; a < kept.length; ) {
          let b = a + 1;
          while (b < kept.length && kept[b] === kept[b - 1]! + 1) b++;
          taken += ctx.inject(kept[a]!, kept[b - 1]! + 1);
          a = b;
        }
        if (taken < kept.length) ctx.drop("nic-buffer (wire faster than the NIC)", kept.length - taken);
        out.publish(t);
        if (i < ctx.count) ctx.q.push(Math.max(t, endOf(i)), window);
      });
    };
    return { start: () => ctx.q.push(0, window) };
  },
};

/** The drops entry of frames that found the NIC's receive packet buffer full. */
export const RX_BUFFER_FULL = "nic: rx packet buffer full";

const nic: SteeringKind = {
  kind: "nic",
  create(el, ctx) {
    const res = ctx.resource(el.on);
    const pcie = ctx.resource("pcie-up");
    const input = ctx.link(el.in!);
    const outs: Link[] = el.out!.map((n) => ctx.link(n));
    const c = ctx.costs.c;
    const g = ctx.graph;
    const classify = g.rules.length > 0 || g.symmetric !== null;
    // The NIC profile's receive packet buffer (packetBuffer), as the paths' NIC holds frames in
    // it (src/engine/elements/veb-rx-buffer.ts): a frame stays until its DMA is done, and the
    // frames of a burst beyond its room found it full (dropped before the pipeline).
    const buffer = new RxPacketBuffer(
      { u32: ctx.u32, u16: ctx.u16 } as unknown as SimContext,
      ctx.rxBufferBytes,
    );
    const work = (start: number, ready: number, done: WorkEnd) => {
      const ring = input.ring;
      const head = ctx.u32[(ring + A.R_HEAD) >>> 2]!;
      const readyBytes = ringBytes(ctx, ring, head, ready);
      const n = buffer.admit(ring, head, ready, readyBytes, start);
      const bytes = n === ready ? readyBytes : ringBytes(ctx, ring, head, n);
      const before = outs.map((l) => l.tail());
      if (classify) ctx.classifyAndSwitch(ring, head, n);
      else ctx.k.vebRunAll(n);
      const taken = (ctx.u32[(ring + A.R_HEAD) >>> 2]! - head) >>> 0;
      const e1 = res.runNs(start, ctx.switchNs(n, bytes), "switch");
      let dmaBytes = 0;
      for (const [i, l] of outs.entries()) {
        const m = (l.tail() - before[i]!) >>> 0;
        if (m === 0) continue;
        const b = ringBytes(ctx, l.ring, before[i]!, m);
        const e2 = pcie.runNs(e1, ctx.dmaNs(b, m), "dma");
        buffer.hold(e2, b);
        dmaBytes += b;
        l.publish(e2 + c.pcie_rtt_ns / 2);
      }
      buffer.hold(e1, bytes - dmaBytes);
      done.end = e1;
      return taken + (ready > n ? ctx.discard(ring, ready - n, RX_BUFFER_FULL) : 0);
    };
    new Stage(ctx.sim, res, input, 1 << 16, work);
    return {};
  },
};

/** A core that takes frames off a ring: records each frame's delivery, returns the buffers. */
function consumer(ctx: SteerContext, el: SteeringElement, res: Resource, input: Link, core: number) {
  const ringId = ctx.ringId(el.in!);
  // An injected sink-stall on this core: inside the window it takes nothing and looks again
  // when the window ends (its ring fills meanwhile).
  const f = ctx.faults?.find((x) => x.kind === "sink-stall" && x.queue === core);
  const stall = f?.kind === "sink-stall" ? faultWindow(f, ctx.offerNs ?? 0) : null;
  return (start: number, n: number, done: WorkEnd) => {
    if (stall && start >= stall.fromNs && start < stall.toNs) {
      done.end = stall.toNs;
      return 0;
    }
    const span = charge(ctx, res, el.costs, start, n);
    framesOf(ctx, input.ring, n, (f, k) => ctx.deliver(f, core, span.batchEnd + (k + 1) * span.perPacketNs));
    ctx.k.ringRecycle(ringId, n);
    done.end = span.end;
    return n;
  };
}

const coreIndex = (on: string) => Number(/(\d+)$/.exec(on)?.[1] ?? 0);

const rxCore: SteeringKind = {
  kind: "rx-core",
  create(el, ctx) {
    const res = ctx.resource(el.on);
    const input = ctx.link(el.in!);
    const c = ctx.costs.c;
    new Napi(ctx.sim, res, input, c.napi_budget, consumer(ctx, el, res, input, coreIndex(el.on)), {
      itrNs: c.itr_us * 1000,
    });
    return {};
  },
};

const worker: SteeringKind = {
  kind: "worker",
  create(el, ctx) {
    const res = ctx.resource(el.on);
    const input = ctx.link(el.in!);
    // A worker busy-polls its software ring (no interrupt): it runs as soon as frames are there.
    new Stage(ctx.sim, res, input, ctx.costs.c.napi_budget, consumer(ctx, el, res, input, coreIndex(el.on)));
    return {};
  },
};

const dispatcher: SteeringKind = {
  kind: "dispatcher",
  create(el, ctx) {
    const res = ctx.resource(el.on);
    const input = ctx.link(el.in!);
    const outs = el.out!.map((n) => ctx.link(n));
    const c = ctx.costs.c;
    const dctx = ctx.dispatchContext(el.in!, el.out!);
    const work = (start: number, n: number, done: WorkEnd) => {
      const taken = ctx.k.dispatchBurst(dctx, n);
      const span = charge(ctx, res, el.costs, start, taken);
      for (const o of outs) o.publish(span.end);
      done.end = span.end;
      return taken;
    };
    new Napi(ctx.sim, res, input, c.napi_budget, work, { itrNs: c.itr_us * 1000 });
    return {};
  },
};

export const STEERING_KINDS: readonly SteeringKind[] = [wire, nic, rxCore, dispatcher, worker];
const byKind = new Map(STEERING_KINDS.map((k) => [k.kind, k]));

export function steeringKind(kind: string): SteeringKind {
  const k = byKind.get(kind as SteeringElement["kind"]);
  if (!k) throw new Error(`no steering element kind '${kind}'`);
  return k;
}
