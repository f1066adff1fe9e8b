// Turns a PathGraph + a traffic template set into regions of the shared memory: the buffer
// pool, one SPSC ring per link, a context block per element, and a plan (plain data) that the
// workers execute. TypeScript owns the layout (src/switch/layout.ts); kernels allocate nothing.
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { VIRTIO_RING_SIZE } from "../model/virtio-ring.ts";
import { bufferStride, Layout } from "../switch/layout.ts";
import type { WasmSwitch } from "../switch/nic.ts";
import type { TemplateSet } from "../traffic/profiles.ts";

export type Dir = "rx" | "tx";

// The layout format of a path (src/paths/path-graphs.ts adds the engine's timing binding): a
// list of elements joined by named links (SPSC rings), per direction. Receive (`elements`): the
// wire (a peer, played by a generator) sends to a consumer on this host. Transmit (`tx`): the
// consumer sends through its driver, the NIC's Tx ring and the switch's transmit side to the wire
// or, looped back, to another pool. Link names with a meaning to the NIC switch: `nic.tx` (the
// consumer pool's Tx ring 0), `peer.rx` (the peer pool's Rx ring 0), `wire.out` (the switch's
// wire-out ring).
export type ElementSpec =
  | {
      kind: "gen";
      name: string;
      out: string;
      /** A host thread writing into a device that drops what its queue cannot take (pktgen into
       *  a tap: tun_net_xmit drops on a full ring) instead of waiting for room. */
      tailDrop?: boolean;
    }
  /** Driver Tx side: posts on a NIC Tx ring (doorbells), reaps completions (interrupts, ITR). */
  | { kind: "txdrv"; name: string; in: string; out: string; iotlbPerFrame: number }
  /** The NIC switch's transmit side for the consumer's pool (Tx gates, anti-spoof, loopback). */
  | { kind: "veb-tx"; name: string; in: "nic.tx"; out: "wire.out" | "peer.rx" }
  | { kind: "guest-tx"; name: string; in: string; vq: string }
  | { kind: "vhost-tx"; name: string; vq: string; out: string }
  /** The ping peer: answers ICMP echo requests from the wire back onto the wire. */
  | { kind: "echo"; name: string; in: string; out: string }
  /** IPv4 forwarding in place (a routing vnet jail): TTL, checksum, next hop's and egress MACs. */
  | { kind: "ipfwd"; name: string; in: string; out: string; egressMac: string }
  | { kind: "veb"; name: string; in: string; out: string; pool: "pf" | "vf" }
  | {
      kind: "hop";
      name: string;
      in: string;
      out: string;
      role: "pf-rx" | "epair" | "tap";
      interrupts: boolean;
    }
  | {
      kind: "bridge";
      name: string;
      in: string;
      uplink: string;
      port: string;
      /** Ports beyond the two (port 2, 3, ...): floods are copied to each. */
      more?: string[];
      inPort?: number;
    }
  | { kind: "vhost"; name: string; in: string; vq: string }
  | { kind: "guest-rx"; name: string; vq: string; sink: string }
  | {
      kind: "sink";
      name: string;
      in: string | null;
      role: string;
      iotlbPerFrame: number;
      interrupts: boolean;
    };

export interface PathGraph {
  name: string;
  summary: string;
  /** Where the consumer lives. */
  consumer: "host" | "jail" | "vm";
  /** Uses a VF created through the control plane (else the PF). */
  usesVf: boolean;
  /** Receive direction (null: the path only transmits). */
  elements: ElementSpec[] | null;
  /** Transmit direction. */
  tx: ElementSpec[];
  /** CPUs the consumer's driver spreads its receive queues over (a driver uses at most one
   *  queue per CPU); default: no cap. */
  consumerCpus?: number;
}

export type Direction = "rx" | "tx" | "both";

/** The elements a run executes: receive, transmit or both (generators first). */
export function elementsFor(g: PathGraph, dir: Direction): Array<{ dir: "rx" | "tx"; el: ElementSpec }> {
  const out: Array<{ dir: "rx" | "tx"; el: ElementSpec }> = [];
  if (dir !== "tx") {
    if (!g.elements) throw new Error(`path ${g.name} has no receive direction (it only transmits)`);
    for (const el of g.elements) out.push({ dir: "rx", el });
  }
  if (dir !== "rx") for (const el of g.tx) out.push({ dir: "tx", el });
  return out.sort((a, b) => (a.el.kind === "gen" ? 0 : 1) - (b.el.kind === "gen" ? 0 : 1));
}

/** Offset of a generator's return-ring slot `i` (0 <= i < P.G_MAX_RET) in its context. */
export function genRetSlot(i: number): number {
  return i < 4 ? P.G_RET0 + 4 * i : P.G_RET4 + 4 * (i - 4);
}

export const BUF_SIZE = 2048;
export const BUF_HEADROOM = 64;
export const RING_CAPACITY = 1024;
export const VQ_SIZE = VIRTIO_RING_SIZE;
/** Buffers a bridge with more than two ports keeps for flood copies. */
export const BRIDGE_FLOOD_BUFFERS = 512;

/** One element as a worker runs it: which kernel, on which context. */
export interface PlanStep {
  name: string;
  kind: ElementSpec["kind"] | "veb-wasm";
  ctx: number;
  /** veb-wasm: the layout header the switch kernels init() from. bridge: the input ring and port. */
  inRing?: number;
  inPort?: number;
  /** veb-wasm: run the receive side (wire-in ring) and the transmit side of these pools (queue 0). */
  wireRx?: boolean;
  txPools?: number[];
  /** sink: one context per receive queue of the pool (one thread drains them all). */
  ctxs?: number[];
}

export interface BuiltPath {
  graph: PathGraph;
  layout: Layout;
  steps: PlanStep[];
  /** Rings that carry frames (for in-flight accounting), by link name. */
  links: Map<string, number>;
  /** Return rings (carry buffers back to the generator). */
  returns: number[];
  ctx: Map<string, number>;
  sinks: string[];
  /** Direction of each element (by name) and the generators' names. */
  dirOf: Map<string, Dir>;
  gens: string[];
  /** Elements as run (direction-tagged). */
  elements: Array<{ dir: Dir; el: ElementSpec }>;
  /** Interrupt/doorbell counters of host drivers inside the path (sink-shaped contexts). */
  irqCounters: number[];
  buffers: number;
  /** The consumer pool's receive rings beyond queue 0 (drained by per-queue sinks). */
  queueRings: number[];
  /** Switch receive rings of pools other than the consumer's (frames there left the path). */
  otherRx: Map<string, number>;
  nic?: { sw: WasmSwitch; pool: number; peerPool?: number; rxQueues?: number; txDescsPerFrame?: number };
  /** Replay: the side table of arrival times (u64 ns per buffer index, all ones = none). */
  replaySide?: number;
}

export interface BuildOptions {
  /** The elements to lay out, direction-tagged (default: the graph's receive direction). */
  elements?: Array<{ dir: Dir; el: ElementSpec }>;
  templates: TemplateSet;
  /** Templates of the transmit direction's generator (frames the consumer sends). */
  txTemplates?: TemplateSet;
  /** Simulator picoseconds per wire byte (from the target rate). */
  psPerByte: number;
  count: number;
  seed: number;
  /** Interrupt moderation interval (simulator ns). */
  itrNs: number;
  /** MAC the consumer owns (destination of the generated frames). */
  consumerMac: string;
  /** MAC of the peer on the wire (source of the generated frames): a forwarder's next hop. */
  wirePeerMac?: string;
  eventIdx: boolean;
  buffers?: number;
  /** Bridge ageing: entries not refreshed for this long (simulator ns) are forgotten (0: never). */
  bridgeAgeNs?: number;
  /** Bytes of each virtio guest buffer (default P.V_GBUF_BYTES; larger at a jumbo MTU). */
  guestBuffer?: number;
  /** The NIC's embedded switch (src/switch, Wasm) for the veb-rx element, already laid out in
   *  this memory and programmed; the consumer's pool receives on its queue 0. */
  nic?: { sw: WasmSwitch; pool: number; peerPool?: number; rxQueues?: number; txDescsPerFrame?: number };
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
  const parts = o.elements ?? elementsFor(graph, "rx");
  const genNames = parts.filter((p) => p.el.kind === "gen").map((p) => p.el.name);
  let layout: Layout;
  let nbuf: number;
  const genBuffers: number[] = [];
  const genOwned: Array<{ dir: Dir; bufs: number[] }> = [];
  if (o.nic) {
    // Continue the switch's layout; the generators take their buffers from the switch's pool
    // (leaving some for the switch's own replication copies).
    layout = o.nic.sw.layout;
    const perGen = Math.floor(Math.min(o.buffers ?? 8192, o.nic.sw.free.count() - 1024) / genNames.length);
    o.nic.sw.free.allocMany(perGen * genNames.length, genBuffers);
    nbuf = genBuffers.length;
  } else {
    clearPathMemory(memory, heapBase);
    layout = new Layout(memory, heapBase, { maxRings: 64 });
    nbuf = o.buffers ?? 8192;
    const bufs = layout.addRegion("buffers", nbuf * bufferStride(BUF_SIZE), 4096);
    layout.setHeader(A.H_BUF_BASE, bufs.offset);
    layout.setHeader(A.H_BUF_SIZE, BUF_SIZE);
    layout.setHeader(A.H_BUF_STRIDE, bufferStride(BUF_SIZE));
    layout.setHeader(A.H_BUF_COUNT, nbuf);
    layout.setHeader(A.H_BUF_HEADROOM, BUF_HEADROOM);
    for (let i = 0; i < nbuf; i++) genBuffers.push(nbuf - 1 - i);
  }
  // Bridges with more than two ports keep their own buffers for flood copies.
  const reserved =
    BRIDGE_FLOOD_BUFFERS * parts.filter((p) => p.el.kind === "bridge" && (p.el.more?.length ?? 0) > 0).length;
  if (reserved * 2 > nbuf) throw new Error(`path ${graph.name}: not enough buffers for its bridges`);
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
  const genReturns: Record<Dir, number[]> = { rx: [], tx: [] };
  const newReturn = (name: string, dir: Dir): number => {
    // Sized like the pool so a buffer always fits on its way home.
    let cap = 2;
    while (cap < nbuf) cap *= 2;
    const r = layout.addRing(`ret:${name}`, cap, A.RING_KIND_FREE).offset;
    returns.push(r);
    genReturns[dir].push(r);
    return r;
  };

  // Templates, size sequence and flow table per direction (read-only after setup).
  const tplTabs = {} as Record<Dir, { tab: number; seq: number; flows: number; ts: TemplateSet }>;
  for (const dir of ["rx", "tx"] as const) {
    const ts = dir === "tx" ? (o.txTemplates ?? o.templates) : o.templates;
    const tab = layout.addRegion(`gen:${dir}:templates`, ts.templates.length * P.TPL_BYTES, 64).offset;
    ts.templates.forEach((t, i) => {
      const at = layout.addRegion(`gen:${dir}:template:${i}`, t.bytes.length + 8, 64).offset;
      layout.u8().set(t.bytes, at);
      const e = tab + i * P.TPL_BYTES;
      const dv = layout.dv();
      dv.setUint32(e + P.T_ADDR, at, true);
      dv.setUint16(e + P.T_LEN, t.bytes.length, true);
      dv.setUint16(e + P.T_PAY, t.stampOff, true);
      dv.setUint16(e + P.T_FLOW, t.flowOff, true);
      dv.setUint16(e + P.T_CSUM, t.csumOff, true);
      dv.setUint8(e + P.T_CSUM_KIND, t.csumKind);
    });
    const seq = layout.addRegion(`gen:${dir}:sequence`, ts.sequence.length * 2, 64).offset;
    new Uint16Array(memory.buffer, seq, ts.sequence.length).set(ts.sequence);
    const flows = layout.addRegion(`gen:${dir}:flows`, ts.flowTable.length * 2, 64).offset;
    new Uint16Array(memory.buffer, flows, ts.flowTable.length).set(ts.flowTable);
    tplTabs[dir] = { tab, seq, flows, ts };
  }

  // Replay: captured bytes are not stamped; arrival times go to a side table per buffer index
  // (src/traffic/replay.ts). A capture's own spacing: one gap per sequence position. The
  // replayed direction: rx (from the wire) or tx (the consumer sends the capture).
  const replayDir: Dir | undefined = o.templates.replay ? "rx" : o.txTemplates?.replay ? "tx" : undefined;
  const replayTs = replayDir === "rx" ? o.templates : replayDir === "tx" ? o.txTemplates : undefined;
  let replaySide: number | undefined;
  let replayGaps = 0;
  if (replayTs) {
    const nBuffers = o.nic ? o.nic.sw.sl.params.bufCount : nbuf;
    replaySide = layout.addRegion("replay:side", nBuffers * 8, 64).offset;
    new Uint8Array(memory.buffer, replaySide, nBuffers * 8).fill(0xff);
    if (replayTs.gapsPs) {
      replayGaps = layout.addRegion("replay:gaps", replayTs.gapsPs.length * 8, 64).offset;
      const dv = layout.dv();
      for (const [i, g] of replayTs.gapsPs.entries())
        dv.setBigUint64(replayGaps + 8 * i, BigInt(Math.round(g)), true);
    }
  }
  const ctx = new Map<string, number>();
  const dirOf = new Map<string, Dir>();
  const steps: PlanStep[] = [];
  const sinks: string[] = [];
  const otherRx = new Map<string, number>();
  const irqCounters: number[] = [];
  const genCtx: Partial<Record<Dir, number>> = {};
  let vebStep: PlanStep | undefined;
  const NO_IRQ = 0xffffffff;
  // Sink memory starts at zero; the minimum latency starts above any latency (u64 max: none yet).
  const LAT_MIN_NONE = 0xffffffffffffffffn;
  const bridges: number[] = [];
  const queueRings: number[] = [];
  let floodOwner: { ctx: number; lo: number; hi: number } | undefined;

  const newSink = (name: string, dir: Dir, inRing: number, iotlb: number, interrupts: boolean): number => {
    const c = layout.addRegion(`sink:${name}`, P.SINK_CTX_BYTES, 64).offset;
    const t = tplTabs[dir];
    set32(c + P.X_HDR, hdr);
    set32(c + P.S_IN, inRing);
    set32(c + P.S_TPL, t.tab);
    set32(c + P.S_NTPL, t.ts.replay ? 0 : t.ts.templates.length); // replayed frames carry no stamp
    set32(c + P.S_ITR_NS, interrupts ? o.itrNs : NO_IRQ);
    set32(c + P.S_IOTLB, iotlb);
    set64(c + P.S_LAT_MIN, LAT_MIN_NONE);
    if (replaySide !== undefined && dir === replayDir) set32(c + P.S_SIDE, replaySide);
    ctx.set(name, c);
    sinks.push(name);
    return c;
  };
  /** Counters of a host driver inside the path (doorbells, interrupts): a sink-shaped context. */
  const newIrq = (name: string, dir: Dir): number => {
    const s = layout.addRegion(`irq:${name}`, P.SINK_CTX_BYTES, 64).offset;
    const t = tplTabs[dir];
    set32(s + P.X_HDR, hdr);
    set32(s + P.S_ITR_NS, o.itrNs);
    set32(s + P.S_TPL, t.tab);
    set32(s + P.S_NTPL, t.ts.replay ? 0 : t.ts.templates.length);
    set64(s + P.S_LAT_MIN, LAT_MIN_NONE);
    irqCounters.push(s);
    ctx.set(`irq:${name}`, s);
    return s;
  };
  const nicStep = (name: string): PlanStep => {
    if (!vebStep) {
      vebStep = { name, kind: "veb-wasm", ctx: layout.header, wireRx: false, txPools: [] };
      steps.push(vebStep);
      ctx.set(name, layout.header);
      if (o.nic) {
        const sl = o.nic.sw.sl;
        const used = new Set([
          ...Array.from({ length: o.nic.rxQueues ?? 1 }, (_, q) => `${o.nic!.pool}:${q}`),
          ...(o.nic.peerPool !== undefined ? [`${o.nic.peerPool}:0`] : []),
        ]);
        for (const [p, qs] of sl.rxRings.entries()) {
          for (const [q, r] of qs.entries()) {
            if (!used.has(`${p}:${q}`)) otherRx.set(`switch pool ${p} queue ${q}`, r.offset);
          }
        }
      }
    } else ctx.set(name, layout.header);
    return vebStep;
  };
  const vq = (name: string, dir: Dir): number => {
    const n = VQ_SIZE;
    const gb = o.guestBuffer ?? P.V_GBUF_BYTES;
    const c = layout.addRegion(`ctx:${name}`, P.VIRTIO_CTX_BYTES, 64).offset;
    const desc = layout.addRegion(`${name}:desc`, n * 16, 4096).offset;
    const avail = layout.addRegion(`${name}:avail`, 6 + 2 * n, 64).offset;
    const used = layout.addRegion(`${name}:used`, 6 + 8 * n, 4096).offset;
    const gbuf = layout.addRegion(`${name}:guest-buffers`, n * gb, 4096).offset;
    const dv = layout.dv();
    for (let i = 0; i < n; i++) {
      dv.setBigUint64(desc + i * 16, BigInt(gbuf + i * gb), true);
      dv.setUint32(desc + i * 16 + 8, gb, true);
      if (dir === "rx") {
        // The guest posts every receive buffer up front (device-writable, 2 KiB each; at a jumbo
        // MTU the cluster vtnet picks for it, src/paths/frames.ts vtnetRxCluster).
        dv.setUint16(desc + i * 16 + 12, 2, true); // VRING_DESC_F_WRITE
        dv.setUint16(avail + 4 + 2 * i, i, true);
      }
    }
    if (dir === "rx") dv.setUint16(avail + 2, n, true);
    else set32(c + P.V_SIDE, layout.addRegion(`${name}:side`, n * 4, 64).offset);
    set32(c + P.X_HDR, hdr);
    set32(c + P.V_SIZE, n);
    set32(c + P.V_DESC, desc);
    set32(c + P.V_AVAIL, avail);
    set32(c + P.V_USED, used);
    set32(c + P.V_GBUF, gbuf);
    set32(c + P.V_GBUF_LEN, gb);
    set32(c + P.V_EVENT_IDX, o.eventIdx ? 1 : 0);
    ctx.set(name, c);
    return c;
  };

  if (o.nic) {
    // The NIC switch's rings stand for the links that touch it.
    const sl = o.nic.sw.sl;
    links.set("nic.tx", sl.txRings[o.nic.pool][0].offset);
    links.set("wire.out", sl.wireOut.offset);
    if (o.nic.peerPool !== undefined) links.set("peer.rx", sl.rxRings[o.nic.peerPool][0].offset);
    for (const { el } of parts) {
      if (el.kind === "veb") {
        links.set(el.in, sl.wireIn.offset); // the generator (or the echo peer) feeds the wire
        links.set(el.out, sl.rxRings[o.nic.pool][0].offset);
      }
    }
  }
  for (const { dir, el } of parts) {
    dirOf.set(el.name, dir);
    switch (el.kind) {
      case "gen": {
        const t = tplTabs[dir];
        const ts = t.ts;
        const c = layout.addRegion(`ctx:${el.name}`, P.GEN_CTX_BYTES, 64).offset;
        const mine = genBuffers.splice(0, Math.floor((nbuf - reserved) / genNames.length));
        genOwned.push({ dir, bufs: mine });
        const free = layout.addRegion(`${el.name}:free`, 64 + nbuf * 4, 64).offset;
        set32(free, mine.length);
        set32(free + 4, nbuf);
        new Uint32Array(memory.buffer, free + 64, mine.length).set(mine);
        set32(c + P.X_HDR, hdr);
        set32(c + P.G_OUT, ring(el.out));
        set32(c + P.G_FREE, free);
        set32(c + P.G_TPL, t.tab);
        set32(c + P.G_NTPL, ts.templates.length);
        set32(c + P.G_SEQ, t.seq);
        set32(c + P.G_NSEQ, ts.sequence.length);
        set32(c + P.G_FLOWS, t.flows);
        set32(c + P.G_FLOW_MASK, ts.flowTable.length - 1);
        set32(c + P.G_PS_PER_BYTE, Math.round(o.psPerByte));
        set32(c + P.G_FLAGS, ts.replay ? 0 : P.GF_PATCH);
        set64(c + P.G_LIMIT, BigInt(o.count));
        set32(c + P.G_RNG, ((o.seed + (dir === "tx" ? 0x9e37 : 0)) * 2654435761) >>> 0 || 1);
        if (replaySide !== undefined && dir === replayDir) {
          set32(c + P.G_SIDE, replaySide);
          set32(c + P.G_GAPS, replayGaps);
        }
        genCtx[dir] = c;
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "gen", ctx: c });
        break;
      }
      case "veb": {
        if (o.nic) {
          // The real embedded switch: wire-in ring -> parse, pool select, RSS -> pool Rx rings.
          nicStep(el.name).wireRx = true;
          break;
        }
        // The receive side of the NIC's embedded switch: a MAC look-up that steers the frame
        // to the consumer's pool (unknown unicast goes to the default pool, here the same one).
        const c = bridgeCtx(el.name, dir, [ring("wire.out"), ring(el.out)], true);
        steps.push({ name: el.name, kind: "bridge", ctx: c, inRing: ring(el.in), inPort: 0 });
        break;
      }
      case "veb-tx": {
        if (!o.nic) throw new Error(`path ${graph.name}: the transmit direction needs the NIC switch`);
        if (el.out === "peer.rx" && o.nic.peerPool === undefined)
          throw new Error(`path ${graph.name}: loopback needs a peer pool`);
        nicStep(el.name).txPools!.push(o.nic.pool);
        break;
      }
      case "hop": {
        const c = layout.addRegion(`ctx:${el.name}`, P.HOP_CTX_BYTES, 64).offset;
        set32(c + P.X_HDR, hdr);
        set32(c + P.H_IN, ring(el.in));
        set32(c + P.H_OUT, ring(el.out));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "hop", ctx: c });
        // The host driver's receive interrupt (ITR) and refill doorbell.
        if (el.interrupts) set32(c + P.H_IRQ, newIrq(el.name, dir));
        break;
      }
      case "txdrv": {
        const c = layout.addRegion(`ctx:${el.name}`, P.HOP_CTX_BYTES, 64).offset;
        set32(c + P.X_HDR, hdr);
        set32(c + P.H_IN, ring(el.in));
        set32(c + P.H_OUT, ring(el.out));
        set32(c + P.H_IOTLB, el.iotlbPerFrame);
        set32(c + P.H_IRQ, newIrq(el.name, dir));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "txdrv", ctx: c });
        break;
      }
      case "bridge": {
        const inPort = el.inPort ?? 0;
        const c = bridgeCtx(
          el.name,
          dir,
          [ring(el.uplink), ring(el.port), ...(el.more ?? []).map(ring)],
          inPort === 0,
        );
        steps.push({ name: el.name, kind: "bridge", ctx: c, inRing: ring(el.in), inPort });
        break;
      }
      case "vhost": {
        const c = vq(el.vq, "rx");
        set32(c + P.V_IN, ring(el.in));
        set32(c + P.V_RET, newReturn(el.name, dir));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "vhost", ctx: c });
        break;
      }
      case "guest-rx": {
        const q = ctx.get(el.vq);
        if (q === undefined) throw new Error(`path ${graph.name}: guest-rx before its virtqueue`);
        const s = newSink(el.sink, dir, 0, 0, false);
        set32(q + P.V_SINK, s);
        if (replaySide !== undefined && dir === "rx") {
          // Replay: arrival times follow the frames into the guest's buffers (per descriptor).
          const gside = layout.addRegion(`${el.vq}:replay-side`, VQ_SIZE * 8, 64).offset;
          new Uint8Array(memory.buffer, gside, VQ_SIZE * 8).fill(0xff);
          set32(q + P.V_RSIDE, replaySide);
          set32(q + P.V_GSIDE, gside);
        }
        ctx.set(el.name, q);
        dirOf.set(el.sink, dir);
        steps.push({ name: el.name, kind: "guest-rx", ctx: q });
        break;
      }
      case "guest-tx": {
        const c = vq(el.vq, "tx");
        set32(c + P.V_IN, ring(el.in));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "guest-tx", ctx: c });
        break;
      }
      case "vhost-tx": {
        const q = ctx.get(el.vq);
        if (q === undefined) throw new Error(`path ${graph.name}: vhost-tx before its virtqueue`);
        set32(q + P.V_OUT, ring(el.out));
        ctx.set(el.name, q);
        steps.push({ name: el.name, kind: "vhost-tx", ctx: q });
        break;
      }
      case "echo": {
        const c = layout.addRegion(`ctx:${el.name}`, P.ECHO_CTX_BYTES, 64).offset;
        set32(c + P.X_HDR, hdr);
        set32(c + P.E_IN, ring(el.in));
        set32(c + P.E_OUT, ring(el.out));
        set32(c + P.E_RET, newReturn(el.name, dir));
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "echo", ctx: c });
        break;
      }
      case "ipfwd": {
        if (!o.wirePeerMac) throw new Error(`path ${graph.name}: ${el.name} needs the wire peer's MAC`);
        const c = layout.addRegion(`ctx:${el.name}`, P.IPFWD_CTX_BYTES, 64).offset;
        const [nhLo, nhHi] = macWords(o.wirePeerMac);
        const [srcLo, srcHi] = macWords(el.egressMac);
        set32(c + P.X_HDR, hdr);
        set32(c + P.F_IN, ring(el.in));
        set32(c + P.F_OUT, ring(el.out));
        set32(c + P.F_RET, newReturn(el.name, dir));
        set32(c + P.F_NH_LO, nhLo);
        set32(c + P.F_NH_HI, nhHi);
        set32(c + P.F_SRC_LO, srcLo);
        set32(c + P.F_SRC_HI, srcHi);
        ctx.set(el.name, c);
        steps.push({ name: el.name, kind: "ipfwd", ctx: c });
        break;
      }
      case "sink": {
        const ret = newReturn(el.name, dir);
        const c = newSink(el.name, dir, el.in ? ring(el.in) : 0, el.iotlbPerFrame, el.interrupts);
        set32(c + P.S_RET, ret);
        const step: PlanStep = { name: el.name, kind: "sink", ctx: c };
        // The consumer's pool has several receive queues (num-queues, RSS over its RETA): one
        // sink context per queue (its own interrupt moderation, as one MSI-X vector per queue),
        // drained by one element on one thread, sharing the return ring. RSS splits the stream,
        // so the sequence check is per flow-agnostic and off; stamps and payloads are checked.
        const queues = o.nic?.rxQueues ?? 1;
        const vebOut = parts.find((p) => p.el.kind === "veb")?.el;
        if (o.nic && queues > 1 && vebOut?.kind === "veb" && el.in === vebOut.out) {
          step.ctxs = [c];
          set32(c + P.S_FLAGS, P.SF_NO_SEQ);
          for (let q = 1; q < queues; q++) {
            const name = `${el.name}/q${q}`;
            const qring = o.nic.sw.sl.rxRings[o.nic.pool][q].offset;
            // Frames waiting on this ring are in flight (conservation): it is not a named link.
            queueRings.push(qring);
            const cq = newSink(name, dir, qring, el.iotlbPerFrame, el.interrupts);
            set32(cq + P.S_RET, ret);
            set32(cq + P.S_FLAGS, P.SF_NO_SEQ);
            dirOf.set(name, dir);
            step.ctxs.push(cq);
          }
        }
        steps.push(step);
        break;
      }
    }
  }

  function bridgeCtx(name: string, dir: Dir, outs: number[], staticVeb: boolean): number {
    const slots = 1024;
    const c = layout.addRegion(`ctx:${name}`, P.BRIDGE_CTX_BYTES, 64).offset;
    const table = layout.addRegion(`${name}:fdb`, slots * P.BRIDGE_ENTRY_BYTES, 64).offset;
    const outTab = layout.addRegion(`${name}:ports`, outs.length * 4, 64).offset;
    const counts = layout.addRegion(`${name}:counts`, outs.length * 4, 64).offset;
    set32(c + P.X_HDR, hdr);
    set32(c + P.B_TABLE, table);
    set32(c + P.B_MASK, slots - 1);
    set32(c + P.B_NPORTS, outs.length);
    set32(c + P.B_OUTS, outTab);
    set32(c + P.B_COUNTS, counts);
    for (const [i, r] of outs.entries()) set32(outTab + 4 * i, r);
    if (outs.length > 2) {
      // Flooding to several ports copies the frame: the bridge's own buffers (mbuf clusters).
      // A contiguous index range, so consumers can tell the bridge's buffers from the
      // generator's and send them home (S_OWN_LO/HI, S_RET2).
      genBuffers.sort((a, b) => a - b);
      const at = genBuffers.findIndex(
        (b, i) => genBuffers[i + BRIDGE_FLOOD_BUFFERS - 1] === b + BRIDGE_FLOOD_BUFFERS - 1,
      );
      if (at < 0 || floodOwner) throw new Error(`path ${graph.name}: no buffer range for bridge ${name}`);
      const own = genBuffers.splice(at, BRIDGE_FLOOD_BUFFERS);
      floodOwner = { ctx: c, lo: own[0], hi: own[0] + own.length };
      const free = layout.addRegion(`${name}:free`, 64 + own.length * 4, 64).offset;
      set32(free, own.length);
      set32(free + 4, own.length);
      new Uint32Array(memory.buffer, free + 64, own.length).set(own);
      set32(c + P.B_FREE, free);
    }
    set32(c + P.B_AGE_NS, o.bridgeAgeNs ?? 0);
    set32(c + P.B_RET, newReturn(name, dir));
    if (staticVeb) programMac(table, slots, o.consumerMac, 1);
    ctx.set(name, c);
    bridges.push(c);
    return c;
  }

  function programMac(table: number, slots: number, mac: string, port: number): void {
    // Same hash and probing as assembly/elements/bridge.ts.
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
    dv.setUint32(e + 8, 1, true); // as if learned from the consumer (2 would make it static)
  }

  // Each generator drains the return rings of its direction (at most 4); with one generator
  // (ping: requests out, replies back), it takes every buffer home.
  const only = genCtx.rx === undefined ? "tx" : genCtx.tx === undefined ? "rx" : undefined;
  if (only) genReturns[only].push(...genReturns[only === "rx" ? "tx" : "rx"].splice(0));
  if (o.nic) {
    // Buffers the switch frees (drops, frames it consumes without delivering) go home to the
    // generator that owns them, on a return ring per owner (the switch its only producer),
    // instead of onto the switch's own free stack (where the generator would run short).
    const st = o.nic.sw.sl.switchState;
    let k = 0;
    for (const { dir, bufs } of genOwned) {
      const home = only ?? dir; // with one generator, every return ring is its
      // A generator drains at most G_MAX_RET return rings: without room, frees stay with the switch.
      if (bufs.length === 0 || k >= A.SS_MAX_OWNERS || genReturns[home].length >= P.G_MAX_RET) continue;
      const lo = Math.min(...bufs);
      const hi = Math.max(...bufs) + 1;
      if (hi - lo !== bufs.length) continue; // not a contiguous range: frees stay with the switch
      let cap = 2;
      while (cap < bufs.length) cap *= 2;
      const r = layout.addRing(`ret:switch:${dir}`, cap, A.RING_KIND_FREE).offset;
      returns.push(r);
      genReturns[home].push(r);
      const e = st + A.SS_OWNERS + k * A.SS_OWNER_BYTES;
      set32(e + A.SO_LO, lo);
      set32(e + A.SO_HI, hi);
      set32(e + A.SO_RING, r);
      set32(e + A.SO_STACK, 0); // the return ring (a one-thread run may name the owner's stack)
      k++;
    }
    set32(st + A.SS_NOWNERS, k);
  }
  for (const dir of ["rx", "tx"] as const) {
    const g = genCtx[dir];
    const rets = genReturns[dir];
    if (g === undefined) continue;
    if (rets.length > P.G_MAX_RET)
      throw new Error(`path ${graph.name}: more than ${P.G_MAX_RET} return rings (${dir})`);
    for (const [i, r] of rets.entries()) set32(g + genRetSlot(i), r);
    set32(g + P.G_NRET, rets.length);
  }
  // Sinks and drivers read the clock of their direction's generator (the other one if absent).
  const clockOf = (name: string) => {
    const dir = dirOf.get(name) ?? "rx";
    const g = genCtx[dir] ?? genCtx.rx ?? genCtx.tx;
    return g === undefined ? 0 : g + P.G_CLOCK_NS;
  };
  for (const s of sinks) set32(ctx.get(s)! + P.S_CLOCK, clockOf(s));
  if (floodOwner) {
    // Each consumer sends the bridge's flood copies home on a ring of its own.
    const tab = layout.addRegion("bridge:copy-returns", sinks.length * 4, 64).offset;
    for (const [i, name] of sinks.entries()) {
      const r = layout.addRing(`fret:${name}`, BRIDGE_FLOOD_BUFFERS, A.RING_KIND_FREE).offset;
      const c = ctx.get(name)!;
      set32(c + P.S_OWN_LO, floodOwner.lo);
      set32(c + P.S_OWN_HI, floodOwner.hi);
      set32(c + P.S_RET2, r);
      set32(tab + 4 * i, r);
    }
    set32(floodOwner.ctx + P.B_FRET, tab);
    set32(floodOwner.ctx + P.B_NFRET, sinks.length);
  }
  for (const b of bridges)
    set32(b + P.B_CLOCK, genCtx.rx !== undefined ? genCtx.rx + P.G_CLOCK_NS : clockOf(""));
  for (const [name, c] of ctx) if (name.startsWith("irq:")) set32(c + P.S_CLOCK, clockOf(name.slice(4)));
  highWater.set(memory, layout.end);
  return {
    graph,
    layout,
    steps,
    links,
    returns,
    ctx,
    sinks,
    dirOf,
    gens: genNames,
    elements: parts,
    irqCounters,
    queueRings,
    buffers: nbuf,
    otherRx,
    nic: o.nic,
    ...(replaySide !== undefined ? { replaySide } : {}),
  };
}
