// Turns a PathGraph + a traffic template set into regions of the shared memory: the buffer
// pool, one SPSC ring per link, a context block per element, and a plan (plain data) that the
// workers execute. TypeScript owns the layout (src/switch/layout.ts); kernels allocate nothing.
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { Layout } from "../switch/layout.ts";
import type { WasmSwitch } from "../switch/nic.ts";
import type { TemplateSet } from "../traffic/profiles.ts";
import type { ElementSpec, PathGraph } from "./graphs.ts";

export const BUF_SIZE = 2048;
export const BUF_HEADROOM = 64;
export const RING_CAPACITY = 1024;
export const VQ_SIZE = 256;

/** One element as a worker runs it: which kernel, on which context. */
export interface PlanStep {
  name: string;
  kind: ElementSpec["kind"] | "veb-wasm";
  ctx: number;
  /** veb-wasm: the layout header the switch kernels init() from. bridge: the input ring and port. */
  inRing?: number;
  inPort?: number;
}

/** The control block: stop flag, go flag, ready count (i32 words for Atomics). */
export const CTL_STOP = 0;
export const CTL_GO = 1;
export const CTL_READY = 2;

export interface BuiltPath {
  graph: PathGraph;
  layout: Layout;
  control: number;
  steps: PlanStep[];
  /** Rings that carry frames (for in-flight accounting), by link name. */
  links: Map<string, number>;
  /** Return rings (carry buffers back to the generator). */
  returns: number[];
  ctx: Map<string, number>;
  sinks: string[];
  /** Interrupt/doorbell counters of host drivers inside the path (sink-shaped contexts). */
  irqCounters: number[];
  buffers: number;
  /** Switch receive rings of pools other than the consumer's (frames there left the path). */
  otherRx: Map<string, number>;
  nic?: { sw: WasmSwitch; pool: number };
}

export interface BuildOptions {
  templates: TemplateSet;
  /** Simulator picoseconds per wire byte (from the target rate). */
  psPerByte: number;
  count: number;
  seed: number;
  /** Interrupt moderation interval (simulator ns). */
  itrNs: number;
  /** MAC the consumer owns (destination of the generated frames). */
  consumerMac: string;
  eventIdx: boolean;
  buffers?: number;
  /** The NIC's embedded switch (src/switch, Wasm) for the veb-rx element, already laid out in
   *  this memory and programmed; the consumer's pool receives on its queue 0. */
  nic?: { sw: WasmSwitch; pool: number };
}

const highWater = new WeakMap<WebAssembly.Memory, number>();

/** Runs reuse one memory: clears what the previous run used (Layout does not zero regions). */
export function clearPathMemory(memory: WebAssembly.Memory, heapBase: number): void {
  const base = Math.ceil(heapBase / 4096) * 4096;
  const used = highWater.get(memory) ?? base;
  if (used > base) new Uint8Array(memory.buffer, base, used - base).fill(0);
  highWater.set(memory, base);
}

/** Records how far a layout built outside buildPath (the switch's) reached. */
export function notePathMemory(memory: WebAssembly.Memory, end: number): void {
  highWater.set(memory, Math.max(highWater.get(memory) ?? 0, end));
}

function macWords(mac: string): [number, number] {
  const b = mac.split(":").map((x) => Number.parseInt(x, 16));
  return [(b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0, b[4] | (b[5] << 8)];
}

export function buildPath(
  memory: WebAssembly.Memory,
  heapBase: number,
  graph: PathGraph,
  o: BuildOptions,
): BuiltPath {
  let layout: Layout;
  let nbuf: number;
  const genBuffers: number[] = [];
  if (o.nic) {
    // Continue the switch's layout; the generator takes its buffers from the switch's pool
    // (leaving some for the switch's own replication copies).
    layout = o.nic.sw.layout;
    const take = Math.min(o.buffers ?? 8192, o.nic.sw.free.count() - 1024);
    for (let i = 0; i < take; i++) genBuffers.push(o.nic.sw.free.alloc()!);
    nbuf = genBuffers.length;
  } else {
    clearPathMemory(memory, heapBase);
    layout = new Layout(memory, heapBase, { maxRings: 64 });
    nbuf = o.buffers ?? 8192;
    const bufs = layout.addRegion("buffers", nbuf * BUF_SIZE, 4096);
    layout.setHeader(A.H_BUF_BASE, bufs.offset);
    layout.setHeader(A.H_BUF_SIZE, BUF_SIZE);
    layout.setHeader(A.H_BUF_COUNT, nbuf);
    layout.setHeader(A.H_BUF_HEADROOM, BUF_HEADROOM);
    for (let i = 0; i < nbuf; i++) genBuffers.push(nbuf - 1 - i);
  }
  const control = layout.addRegion("paths:control", 64, 64).offset;
  const hdr = layout.header;
  const u32 = () => layout.u32();
  const set32 = (addr: number, v: number) => {
    u32()[addr >>> 2] = v >>> 0;
  };
  const set64 = (addr: number, v: bigint) => {
    layout.dv().setBigUint64(addr, v, true);
  };

  const links = new Map<string, number>();
  const ring = (name: string): number => {
    let r = links.get(name);
    if (r === undefined) {
      r = layout.addRing(name, RING_CAPACITY, A.RING_KIND_OTHER).offset;
      links.set(name, r);
    }
    return r;
  };
  const returns: number[] = [];
  const newReturn = (name: string): number => {
    // Sized like the pool so a buffer always fits on its way home.
    let cap = 2;
    while (cap < nbuf) cap *= 2;
    const r = layout.addRing(`ret:${name}`, cap, A.RING_KIND_FREE).offset;
    returns.push(r);
    return r;
  };

  // Templates, size sequence and flow table (read-only after setup).
  const ts = o.templates;
  const tplTab = layout.addRegion("gen:templates", ts.templates.length * P.TPL_BYTES, 64).offset;
  ts.templates.forEach((t, i) => {
    const at = layout.addRegion(`gen:template:${i}`, t.bytes.length + 8, 64).offset;
    layout.u8().set(t.bytes, at);
    const e = tplTab + i * P.TPL_BYTES;
    const dv = layout.dv();
    dv.setUint32(e + P.T_ADDR, at, true);
    dv.setUint16(e + P.T_LEN, t.bytes.length, true);
    dv.setUint16(e + P.T_PAY, t.stampOff, true);
    dv.setUint16(e + P.T_FLOW, t.flowOff, true);
    dv.setUint16(e + P.T_CSUM, t.csumOff, true);
    dv.setUint8(e + P.T_CSUM_KIND, t.csumKind);
  });
  const seqTab = layout.addRegion("gen:sequence", ts.sequence.length, 64).offset;
  layout.u8().set(ts.sequence, seqTab);
  const flowTab = layout.addRegion("gen:flows", ts.flowTable.length * 2, 64).offset;
  new Uint16Array(memory.buffer, flowTab, ts.flowTable.length).set(ts.flowTable);

  const ctx = new Map<string, number>();
  const steps: PlanStep[] = [];
  const sinks: string[] = [];
  const otherRx = new Map<string, number>();
  const irqCounters: number[] = [];
  let genCtx = 0;
  const genReturns: number[] = [];

  const newSink = (name: string, inRing: number, iotlb: number, interrupts: boolean): number => {
    const c = layout.addRegion(`sink:${name}`, P.SINK_CTX_BYTES, 64).offset;
    set32(c + P.X_HDR, hdr);
    set32(c + P.S_IN, inRing);
    set32(c + P.S_TPL, tplTab);
    set32(c + P.S_NTPL, ts.replay ? 0 : ts.templates.length); // replayed frames carry no stamp
    set32(c + P.S_ITR_NS, interrupts ? o.itrNs : 0);
    set32(c + P.S_IOTLB, iotlb);
    ctx.set(name, c);
    sinks.push(name);
    return c;
  };

  if (o.nic) {
    const veb = graph.elements.find((e) => e.kind === "veb");
    if (veb?.kind === "veb") links.set(veb.in, o.nic.sw.sl.wireIn.offset); // the generator feeds the wire
  }
  for (const el of graph.elements) {
    switch (el.kind) {
      case "gen": {
        const c = layout.addRegion("ctx:gen", P.GEN_CTX_BYTES, 64).offset;
        const free = layout.addRegion("gen:free", 64 + nbuf * 4, 64).offset;
        set32(free, nbuf);
        set32(free + 4, nbuf);
        new Uint32Array(memory.buffer, free + 64, nbuf).set(genBuffers);
        set32(c + P.X_HDR, hdr);
        set32(c + P.G_OUT, ring(el.out));
        set32(c + P.G_FREE, free);
        set32(c + P.G_TPL, tplTab);
        set32(c + P.G_NTPL, ts.templates.length);
        set32(c + P.G_SEQ, seqTab);
        set32(c + P.G_NSEQ, ts.sequence.length);
        set32(c + P.G_FLOWS, flowTab);
        set32(c + P.G_FLOW_MASK, ts.flowTable.length - 1);
        set32(c + P.G_PS_PER_BYTE, Math.round(o.psPerByte));
        set32(c + P.G_FLAGS, ts.replay ? 0 : P.GF_PATCH);
        set64(c + P.G_LIMIT, BigInt(o.count));
        set32(c + P.G_RNG, (o.seed * 2654435761) >>> 0 || 1);
        genCtx = c;
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "gen", ctx: c });
        break;
      }
      case "veb": {
        if (o.nic) {
          // The real embedded switch: wire-in ring -> parse, pool select, RSS -> pool Rx rings.
          const sl = o.nic.sw.sl;
          links.set(el.in, sl.wireIn.offset);
          links.set(el.out, sl.rxRings[o.nic.pool][0].offset);
          for (const [p, qs] of sl.rxRings.entries()) {
            for (const [q, r] of qs.entries()) {
              if (p !== o.nic.pool || q !== 0) otherRx.set(`switch pool ${p} queue ${q}`, r.offset);
            }
          }
          steps.push({ name: el.name, kind: "veb-wasm", ctx: layout.header });
          ctx.set(el.name, layout.header);
          break;
        }
        // The receive side of the NIC's embedded switch: a MAC look-up that steers the frame
        // to the consumer's pool (unknown unicast goes to the default pool, here the same one).
        const c = bridgeCtx(el.name, ring(el.in), [ring("wire.out"), ring(el.out)], true);
        steps.push({ name: el.name, kind: "bridge", ctx: c, inRing: ring(el.in), inPort: 0 });
        break;
      }
      case "hop": {
        const c = layout.addRegion(`ctx:${el.name}`, P.HOP_CTX_BYTES, 64).offset;
        set32(c + P.X_HDR, hdr);
        set32(c + P.H_IN, ring(el.in));
        set32(c + P.H_OUT, ring(el.out));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "hop", ctx: c });
        if (el.interrupts) {
          // The host driver's receive interrupt (ITR) and refill doorbell: counted on a sink
          // context that only holds those counters.
          const s = layout.addRegion(`irq:${el.name}`, P.SINK_CTX_BYTES, 64).offset;
          set32(s + P.X_HDR, hdr);
          set32(s + P.S_ITR_NS, o.itrNs);
          set32(c + P.H_IRQ, s);
          irqCounters.push(s);
        }
        break;
      }
      case "bridge": {
        const c = bridgeCtx(el.name, ring(el.in), [ring(el.uplink), ring(el.port)], true);
        steps.push({ name: el.name, kind: "bridge", ctx: c, inRing: ring(el.in), inPort: 0 });
        break;
      }
      case "vhost": {
        const n = VQ_SIZE;
        const c = layout.addRegion(`ctx:${el.vq}`, P.VIRTIO_CTX_BYTES, 64).offset;
        const desc = layout.addRegion(`${el.vq}:desc`, n * 16, 4096).offset;
        const avail = layout.addRegion(`${el.vq}:avail`, 6 + 2 * n, 64).offset;
        const used = layout.addRegion(`${el.vq}:used`, 6 + 8 * n, 4096).offset;
        const gbuf = layout.addRegion(`${el.vq}:guest-buffers`, n * P.V_GBUF_BYTES, 4096).offset;
        const dv = layout.dv();
        for (let i = 0; i < n; i++) {
          // The guest posts every receive buffer up front (device-writable, 2 KiB each).
          dv.setBigUint64(desc + i * 16, BigInt(gbuf + i * P.V_GBUF_BYTES), true);
          dv.setUint32(desc + i * 16 + 8, P.V_GBUF_BYTES, true);
          dv.setUint16(desc + i * 16 + 12, 2, true); // VRING_DESC_F_WRITE
          dv.setUint16(avail + 4 + 2 * i, i, true);
        }
        dv.setUint16(avail + 2, n, true);
        set32(c + P.X_HDR, hdr);
        set32(c + P.V_SIZE, n);
        set32(c + P.V_DESC, desc);
        set32(c + P.V_AVAIL, avail);
        set32(c + P.V_USED, used);
        set32(c + P.V_GBUF, gbuf);
        set32(c + P.V_IN, ring(el.in));
        set32(c + P.V_RET, newReturn(el.name));
        genReturns.push(u32()[(c + P.V_RET) >>> 2]);
        set32(c + P.V_EVENT_IDX, o.eventIdx ? 1 : 0);
        ctx.set(el.vq, c);
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "vhost", ctx: c });
        break;
      }
      case "guest-rx": {
        const vq = ctx.get(el.vq);
        if (vq === undefined) throw new Error(`path ${graph.name}: guest-rx before its virtqueue`);
        const s = newSink(el.sink, 0, 0, false);
        set32(vq + P.V_SINK, s);
        ctx.set(el.name, vq);
        steps.push({ name: el.name, kind: "guest-rx", ctx: vq });
        break;
      }
      case "sink": {
        const ret = newReturn(el.name);
        genReturns.push(ret);
        const c = newSink(el.name, el.in ? ring(el.in) : 0, el.iotlbPerFrame, el.interrupts);
        set32(c + P.S_RET, ret);
        steps.push({ name: el.name, kind: "sink", ctx: c });
        break;
      }
    }
  }

  function bridgeCtx(name: string, _in: number, outs: number[], staticVeb: boolean): number {
    const slots = 1024;
    const c = layout.addRegion(`ctx:${name}`, P.BRIDGE_CTX_BYTES, 64).offset;
    const table = layout.addRegion(`${name}:fdb`, slots * P.BRIDGE_ENTRY_BYTES, 64).offset;
    set32(c + P.X_HDR, hdr);
    set32(c + P.B_TABLE, table);
    set32(c + P.B_MASK, slots - 1);
    set32(c + P.B_NPORTS, outs.length);
    for (const [i, r] of outs.entries()) set32(c + P.B_OUT0 + 4 * i, r);
    const ret = newReturn(name);
    genReturns.push(ret);
    set32(c + P.B_RET, ret);
    if (staticVeb) programMac(table, slots, o.consumerMac, 1);
    ctx.set(name, c);
    return c;
  }

  function programMac(table: number, slots: number, mac: string, port: number): void {
    // Same hash and probing as assembly/bridge.ts.
    const [lo, hi] = macWords(mac);
    let h = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    let i = h & (slots - 1);
    const dv = layout.dv();
    while (dv.getUint32(table + i * 16 + 8, true) !== 0) i = (i + 1) & (slots - 1);
    const e = table + i * 16;
    dv.setUint32(e, lo, true);
    dv.setUint16(e + 4, hi, true);
    dv.setUint16(e + 6, port, true);
    dv.setUint32(e + 8, 1, true);
  }

  // The generator drains every return ring (at most 4).
  if (genReturns.length > 4) throw new Error(`path ${graph.name}: more than 4 return rings`);
  for (const [i, r] of genReturns.entries()) set32(genCtx + P.G_RET0 + 4 * i, r);
  set32(genCtx + P.G_NRET, genReturns.length);
  for (const s of sinks) set32(ctx.get(s)! + P.S_CLOCK, genCtx + P.G_CLOCK_NS);
  for (const s of irqCounters) set32(s + P.S_CLOCK, genCtx + P.G_CLOCK_NS);
  // The wire-side uplink/flood rings have no consumer in a receive-only path.
  highWater.set(memory, layout.end);
  return {
    graph,
    layout,
    control,
    steps,
    links,
    returns,
    ctx,
    sinks,
    irqCounters,
    buffers: nbuf,
    otherRx,
    nic: o.nic,
  };
}
