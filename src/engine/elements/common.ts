// Helpers the element kinds share: the element-kind descriptor, reading descriptor lengths from a
// ring, pricing a batch from its cost-profile entries (each entry is its own event kind in the
// report), DMA time over PCIe with TLP overhead and IOTLB misses, the NIC's hardware limits.
import { DESC_BYTES, R_DESC, R_MASK } from "../../../assembly/abi.ts";
import {
  doorbellBits,
  type HwLimits,
  hwLimits,
  pcieRxBits,
  pcieRxUp,
  pcieTxBits,
  pcieTxDown,
  RxBits,
  switchNs,
  writeBackOf,
} from "../../model/hw-limits.ts";
import { getProfile, type NicProfile } from "../../nic/profile.ts";
import type { WriteBackPolicy } from "../../nic/write-back.ts";
import type { EngineElement } from "../../paths/path-graphs.ts";
import { type BatchStats, Stage, type Work } from "../activation.ts";
import { resourceOf, type SimContext } from "../context.ts";
import type { Link } from "../link.ts";
import type { EventQueue } from "../queue.ts";
import type { Account, Resource } from "../resource.ts";

/** One element kind: its ports and how it reacts to events (its context is laid out by src/paths/build.ts). */
export interface ElementKind {
  kind: string;
  /** Links the element takes from and gives to (names from its spec). */
  ports(spec: EngineElement): { in: string[]; out: string[] };
  /** Wires the element into the run (activation on its input links); returns what it reports. */
  create(spec: EngineElement, ctx: SimContext): ElementRuntime;
}

export interface ElementRuntime {
  name: string;
  /** Generators: schedule the first event. */
  start?(): void;
  /** Generators: frames made so far stamped before the measured window (not offered in it). */
  sentBeforeMeasured?(): number;
  /** Batches it ran and frames it moved (batch sizes are outcomes of the load). */
  stats?: BatchStats;
  /** A sender on a CPU: how often it waited for receive work there, and for how long inside the
   *  measured window (src/engine/receive-first.ts). */
  receiveWait?(): { waits: number; ns: number };
  /** A sender on a CPU: its time inside the measured window behind its schedule, its queue full
   *  (`fullNs`) or, not full, its CPU busy with work already placed (`busyNs`). */
  pushedBack?(): { fullNs: number; busyNs: number };
  /** An element applying an injected fault: what it did (src/engine/faults.ts). */
  faultRecord?(): import("../faults.ts").FaultRecord;
}

/** Bytes of descriptors [from, from + n) of a ring (the frames' lengths, each at least
 *  `minFrame`); each frame's own in `lens` when given. */
export function ringBytes(
  ctx: SimContext,
  ring: number,
  from: number,
  n: number,
  minFrame = 0,
  lens?: Float64Array,
): number {
  const u32 = ctx.u32;
  const mask = u32[(ring + R_MASK) >>> 2];
  const desc = u32[(ring + R_DESC) >>> 2];
  const u16 = ctx.u16;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const len = Math.max(minFrame, u16[(desc + ((from + i) & mask) * DESC_BYTES + 6) >>> 1]);
    if (lens) lens[i] = len;
    b += len;
  }
  return b;
}

/**
 * A ring's frame lengths (its descriptors' length fields) with the ring's layout read once: the
 * per-window sums of the NIC's receive side (veb) and transmit side (veb-tx), where ringBytes and a generic descriptor count,
 * and called from several elements, were left out of line by V8 and read the ring's header on
 * every call (simulator speed). The same figures as ringBytes (minFrame 0).
 */
export class RingLens {
  private readonly u16: Uint16Array;
  /** Index in u16 of descriptor 0's length field. */
  private readonly at: number;
  private readonly mask: number;
  /** Descriptors the frames of the last bytes/copy take in buffers of its `buffer` bytes. */
  descs = 0;

  constructor(ctx: SimContext, ring: number) {
    this.u16 = ctx.u16;
    this.mask = ctx.u32[(ring + R_MASK) >>> 2];
    this.at = (ctx.u32[(ring + R_DESC) >>> 2] + 6) >>> 1;
  }

  /** Length of the frame at descriptor `i`. */
  len(i: number): number {
    return this.u16[this.at + (i & this.mask) * (DESC_BYTES >>> 1)];
  }

  /** Bytes of descriptors [from, from + n) (ringBytes(ctx, ring, from, n)); the descriptors those
   *  frames take in buffers of `buffer` bytes, each max(1, ceil(length / buffer)), are left in
   *  `descs` (one per frame without a buffer): one pass over the lengths for both. */
  bytes(from: number, n: number, buffer = Number.POSITIVE_INFINITY): number {
    const u16 = this.u16;
    const at = this.at;
    const mask = this.mask;
    let b = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const len = u16[at + ((from + i) & mask) * (DESC_BYTES >>> 1)];
      b += len;
      d += len <= buffer ? 1 : Math.ceil(len / buffer);
    }
    this.descs = d;
    return b;
  }

  /** bytes(from, n, buffer), each length also in `lens` (from index 0). */
  copy(from: number, n: number, lens: Float64Array, buffer = Number.POSITIVE_INFINITY): number {
    const u16 = this.u16;
    const at = this.at;
    const mask = this.mask;
    let b = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const len = u16[at + ((from + i) & mask) * (DESC_BYTES >>> 1)];
      lens[i] = len;
      b += len;
      d += len <= buffer ? 1 : Math.ceil(len / buffer);
    }
    this.descs = d;
    return b;
  }
}

/** A scratch array of at least `n` numbers (grown by doubling; the caller keeps the result). */
export function scratch(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  let len = Math.max(64, a.length);
  while (len < n) len *= 2;
  return new Float64Array(len);
}

/** Ethernet's minimum frame before the FCS: a shorter frame is padded to it on the wire (IEEE
 *  802.3 clause 4.2.3.3; the 64-byte minimum frame with its FCS). */
export const MIN_FRAME_NO_FCS = 60;

/** ringBytes as the wire carries them: each frame padded to the minimum (serialization time). */
export const wireRingBytes = (ctx: SimContext, ring: number, from: number, n: number): number =>
  ringBytes(ctx, ring, from, n, MIN_FRAME_NO_FCS);

/** Event-kind name of a cost entry ("stack_rx_cycles" -> "stack_rx"). */
function kindOf(entry: string): string {
  return entry.replace(/_cycles$/, "");
}

/**
 * Prices a batch from an element's cost entries on its resource (each entry its own event kind
 * in the report): the batch entries once, then each packet entry x n. Made once per element:
 * the costs and accounts are looked up at creation, and a batch allocates nothing.
 */
export class BatchPricer {
  /** When the last batch's work ends. */
  end = 0;
  /** ns the last batch's per-batch entries took (their spans, waits excluded). */
  batchNs = 0;
  /** ns of the per-packet entries for one packet. */
  readonly perPacketNs: number;
  private readonly batchCycles: number[];
  private readonly batchAcc: Account[];
  private readonly packetCycles: number[];
  private readonly packetAcc: Account[];

  constructor(
    ctx: SimContext,
    private readonly res: Resource,
    spec: EngineElement,
  ) {
    const c = ctx.costs.c as Record<string, number>;
    const batch = spec.costs?.batch ?? [];
    const packet = spec.costs?.packet ?? [];
    this.batchCycles = batch.map((e) => c[e]);
    this.batchAcc = batch.map((e) => res.account(kindOf(e)));
    this.packetCycles = packet.map((e) => c[e]);
    this.packetAcc = packet.map((e) => res.account(kindOf(e)));
    let perCycles = 0;
    for (const e of packet) perCycles += c[e];
    this.perPacketNs = perCycles / res.ghz;
  }

  /** Charges a batch of `n` packets from `start` (its per-batch entries only when `batch`: a
   *  vhost loop pays them once per handle_rx/handle_tx call); returns when it ends (also in `end`). */
  price(start: number, n: number, batch = true): number {
    const res = this.res;
    let at = start;
    let batchNs = 0;
    for (let i = 0; batch && i < this.batchCycles.length; i++) {
      const end = res.chargeCycles(at, this.batchCycles[i], this.batchAcc[i]);
      batchNs += end - res.lastStart;
      at = end;
    }
    if (n > 0)
      for (let i = 0; i < this.packetCycles.length; i++)
        at = res.chargeCycles(at, this.packetCycles[i] * n, this.packetAcc[i]);
    this.batchNs = batchNs;
    this.end = at;
    return at;
  }
}

/** IOTLB misses, accumulated deterministically (a fractional miss carries to the next batch). */
export class Iotlb {
  private carry = 0;
  constructor(private readonly ctx: SimContext) {}
  missNs(frames: number): number {
    const c = this.ctx.costs.c;
    const rate = c.hugepages ? c.iotlb_miss_rate_hugepage : c.iotlb_miss_rate;
    this.carry += frames * c.iotlb_lookups_per_packet * rate;
    const misses = Math.floor(this.carry);
    this.carry -= misses;
    return misses * c.iotlb_miss_ns;
  }
}

const hwCache = new WeakMap<SimContext, HwLimits>();

/** The profile of the NIC this run's switch was programmed for. */
function nicProfileOf(ctx: SimContext): NicProfile {
  const id = ctx.built.nic?.sw.config.profile ?? "ixl";
  const p = getProfile(id);
  if (!p) throw new Error(`no NIC profile '${id}'`);
  return p;
}

/** The hardware limits of the NIC this run's switch was programmed for (its profile's facts). */
export function hwOf(ctx: SimContext): HwLimits {
  let h = hwCache.get(ctx);
  if (!h) {
    h = hwLimits(nicProfileOf(ctx));
    hwCache.set(ctx, h);
  }
  return h;
}

/**
 * The write-back policy of the driver whose ring a DMA serves (the NIC profile's writeBack): the
 * path's own pool, or its loopback peer's (`peer`). The function is the pool's (the PF, or a VF);
 * the OS the cost profile's for the side the driver runs on: a pool assigned to a VM (a ppt VF, a
 * passed-through PF) is driven by the guest, any other by the host (a jail's VF too).
 */
export function writeBackOfPath(ctx: SimContext, peer = false): WriteBackPolicy {
  const nic = ctx.path.nic;
  const pool = peer ? (nic.peer ?? nic.pool) : nic.pool;
  const assigned = peer ? (nic.peerAssigned ?? false) : nic.assigned;
  return writeBackOf(
    nicProfileOf(ctx),
    ctx.costs.os[assigned ? "guest" : "host"],
    pool === "pf" ? "pf" : "vf",
  );
}

/** The switch pipeline's time for `n` frames of `bytes` (shared by receive, transmit, loopback). */
export function switchTimeNs(ctx: SimContext, n: number, bytes: number): number {
  return switchNs(hwOf(ctx), n, bytes);
}

/**
 * The PCIe link's two directions as one element sees them (limits and accounts looked up once):
 * receive and transmit DMA, doorbells. The `*Frames` forms date each frame of a burst at its own
 * completion, from the same arithmetic (pcieRxUp, pcieTxDown in src/model/hw-limits.ts): a NIC
 * passes a frame on as its data is transferred, not at the end of the burst's DMA.
 */
export class PcieLink {
  private readonly h: HwLimits;
  private readonly descFetch: Account;
  private readonly dmaUp: Account;
  private readonly readReq: Account;
  private readonly dmaDown: Account;
  private readonly bell: Account;
  private readonly iotlbUp: Account;
  private readonly iotlbDown: Account;
  private readonly q: EventQueue;
  /** Write-back policies: of the ring this link's transmit reads from (the path's own pool) and
   *  of the ring its receive writes into (the path's own pool, or its loopback peer's). */
  private readonly txWb: WriteBackPolicy;
  private readonly rxWb: WriteBackPolicy;
  /** rx's pricing (pcieRxBits of rxWb), its constants worked out once. */
  private readonly rxBits: RxBits;
  /** When the last txFrames' transfer started (the link may have been busy past its `at`). */
  txFrom = 0;

  constructor(
    ctx: SimContext,
    readonly up: Resource,
    readonly down: Resource,
    /** Receive DMA goes into the loopback peer's ring (veb-tx), not the path's own. */
    rxToPeer = false,
  ) {
    this.q = ctx.q;
    this.h = hwOf(ctx);
    this.txWb = writeBackOfPath(ctx);
    this.rxWb = rxToPeer ? writeBackOfPath(ctx, true) : this.txWb;
    this.rxBits = new RxBits(this.h, this.rxWb);
    this.descFetch = down.account("desc-fetch");
    this.dmaUp = up.account("dma");
    this.readReq = up.account("read-req");
    this.dmaDown = down.account("dma");
    this.bell = down.account("doorbell");
    this.iotlbUp = up.account("iotlb");
    this.iotlbDown = down.account("iotlb");
  }

  /**
   * Receive DMA of `n` frames of `bytes` into host memory over `descs` receive descriptors: the
   * frames and write-backs upstream, the descriptor fetch's completions downstream (each
   * direction its own resource). Returns when the upstream transfer is done.
   */
  rx(at: number, bytes: number, n: number, descs = n): number {
    const h = this.h;
    const b = this.rxBits;
    b.price(n, bytes, descs);
    this.down.charge(at, b.down / h.v.pcie_gbps, this.descFetch);
    return this.up.charge(at, b.up / h.v.pcie_gbps, this.dmaUp);
  }

  /**
   * rx, frame by frame: frame i (`lens[i]` bytes, `bytes` in all) is written no earlier than
   * `ready[i]`, after the frames before it, with its share of the descriptors' write-back (the
   * first also with the descriptor read requests); an assigned device's IOTLB misses (`iotlb`)
   * stall the link after the frame that took them. Each frame's end goes to `done[i]`; returns
   * the last.
   */
  rxFrames(
    ready: Float64Array,
    lens: Float64Array,
    n: number,
    bytes: number,
    done: Float64Array,
    iotlb: Iotlb | null,
    descs = n,
  ): number {
    if (n === 0) return ready[0];
    const h = this.h;
    const g = h.v.pcie_gbps;
    this.down.charge(ready[0], pcieRxBits(h, this.rxWb, n, bytes, descs).down / g, this.descFetch);
    const u = pcieRxUp(h, this.rxWb, n, bytes, descs);
    const share = u.frame + u.writeBack / n;
    let t = 0;
    for (let i = 0; i < n; i++) {
      t = this.up.charge(ready[i], (lens[i] * 8 + share + (i === 0 ? u.desc : 0)) / g, this.dmaUp);
      if (iotlb) t = this.up.charge(t, iotlb.missNs(1), this.iotlbUp);
      done[i] = t;
    }
    return t;
  }

  /** Transmit DMA of `n` frames of `bytes` over `descs` data descriptors from host memory:
   *  returns when the frames are in the NIC. */
  tx(at: number, bytes: number, n: number, descs = n): number {
    const h = this.h;
    const b = pcieTxBits(h, this.txWb, n, bytes, descs);
    this.up.charge(at, b.up / h.v.pcie_gbps, this.readReq);
    return this.down.charge(at, b.down / h.v.pcie_gbps, this.dmaDown);
  }

  /**
   * tx, with each frame's arrival in the NIC in `done[i]` (frame i of `lens[i]` bytes): the
   * descriptors' completions come first, then the frames' one after the other (Intel 82598EB
   * datasheet §3.5.1.1, Transmit Data Flow: the DMA fetches the descriptors, then each packet's
   * data, which passes from the read completions to the packet buffer and the MAC). An assigned device's IOTLB misses (`iotlb`) delay the
   * frame that took them and those after it; they are charged on the link after the transfer.
   * The transfer's start is left in `txFrom`; returns when the last frame is in.
   */
  txFrames(
    at: number,
    lens: Float64Array,
    n: number,
    bytes: number,
    done: Float64Array,
    iotlb: Iotlb | null,
    descs = n,
  ): number {
    let end = this.tx(at, bytes, n, descs);
    const from = this.down.lastStart;
    this.txFrom = from;
    if (n === 0) return end;
    const g = this.h.v.pcie_gbps;
    const d = pcieTxDown(this.h, this.txWb, n, bytes, descs);
    let bits = d.desc;
    let miss = 0;
    for (let i = 0; i < n; i++) {
      bits += lens[i] * 8 + d.frame;
      if (iotlb) miss += iotlb.missNs(1);
      done[i] = from + bits / g + miss;
    }
    if (iotlb) end = this.down.charge(end, miss, this.iotlbDown);
    return end;
  }

  /** A transmit doorbell (tail write) on the downstream direction of the link at `at`. A driver
   *  rings it at the end of its CPU batch, ahead of the event time: it is charged by an event
   *  then, so DMA asked for before it is not held behind it (docs/engine.md, "How a resource
   *  places work"). */
  doorbell(at: number): void {
    if (at > this.q.now) this.q.push(at, this.ring);
    else this.ring(at);
  }

  /** A receive refill's doorbell, booked at once at `at` (the end of the driver's batch, ahead of
   *  the event time). Not deferred like `doorbell`: charged by an event at its time, it moved
   *  the eli-baseline closed loop (test/engine/closed-loop-regimes.test.ts) back to a second
   *  operating point after a 2 µs stall (docs/engine.md, "How a resource places work"). */
  refillDoorbell(at: number): void {
    this.ring(at);
  }

  private readonly ring = (at: number): void => {
    const h = this.h;
    this.down.charge(at, doorbellBits(h) / h.v.pcie_gbps, this.bell);
  };
}

/** The path's PCIe link, or null on a path without one (no "pcie-down": doorbells cost nothing there). */
export function pcieOf(ctx: SimContext): PcieLink | null {
  const up = ctx.resources.get("pcie-up");
  const down = ctx.resources.get("pcie-down");
  return up && down ? new PcieLink(ctx, up, down) : null;
}

export function specResource(ctx: SimContext, spec: EngineElement): Resource {
  return resourceOf(ctx, spec.on);
}

export function ctxOf(ctx: SimContext, name: string): number {
  const c = ctx.built.ctx.get(name);
  if (c === undefined) throw new Error(`path ${ctx.path.name}: element ${name} has no context`);
  return c;
}

/** Ports of an element that takes frames from its `in` link and hands them to its `out` link. */
export const inToOut: ElementKind["ports"] = (s) => ({
  in: [(s as { in: string }).in],
  out: [(s as { out: string }).out],
});

/** What a priced element between its `in` and `out` links works with: its context block, its
 *  resource, both links and its batch pricer (made in this order: accounts are listed as made). */
export function pricedInToOut(spec: EngineElement, ctx: SimContext) {
  const s = spec as unknown as { in: string; out: string };
  const c = ctxOf(ctx, spec.name);
  const res = specResource(ctx, spec);
  const input = ctx.link(s.in);
  const out = ctx.link(s.out);
  const pricer = new BatchPricer(ctx, res, spec);
  return { c, res, input, out, pricer };
}

/** A software element's poll loop on its resource: batches of up to napi_budget frames, run by
 *  the thread itself when that resource is a vhost worker (it wakes as that thread does). */
export function softwareStage(ctx: SimContext, res: Resource, input: Link, work: Work): Stage {
  return new Stage(ctx, res, input, ctx.costs.c.napi_budget, work, res.kind === "vhost");
}
