// Helpers the element kinds share: the element-kind descriptor, reading descriptor lengths from a
// ring, pricing a batch from its cost-profile entries (each entry is its own event kind in the
// report), DMA time over PCIe with TLP overhead and IOTLB misses, the NIC's hardware limits.
import { DESC_BYTES, R_DESC, R_MASK } from "../../../assembly/abi.ts";
import {
  doorbellBits,
  type HwLimits,
  hwLimits,
  pcieRxBits,
  pcieTxBits,
  switchNs,
} from "../../model/hw-limits.ts";
import { getProfile } from "../../nic/profile.ts";
import type { EngineElement } from "../../paths/path-graphs.ts";
import type { BatchStats } from "../activation.ts";
import { resourceOf, type SimContext } from "../context.ts";
import type { Resource } from "../resource.ts";

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
  /** Batches it ran and frames it moved (batch sizes are outcomes of the load). */
  stats?: BatchStats;
  /** An element applying an injected fault: what it did (src/engine/faults.ts). */
  faultRecord?(): import("../faults.ts").FaultRecord;
}

/** Bytes of descriptors [from, from + n) of a ring (the frames' lengths). */
export function ringBytes(ctx: SimContext, ring: number, from: number, n: number): number {
  const u32 = ctx.u32;
  const mask = u32[(ring + R_MASK) >>> 2];
  const desc = u32[(ring + R_DESC) >>> 2];
  const u16 = ctx.u16;
  let b = 0;
  for (let i = 0; i < n; i++) b += u16[(desc + ((from + i) & mask) * DESC_BYTES + 6) >>> 1];
  return b;
}

/** Event-kind name of a cost entry ("stack_rx_cycles" -> "stack_rx"), computed once per entry. */
const kindNames = new Map<string, string>();
function kindOf(entry: string): string {
  let k = kindNames.get(entry);
  if (k === undefined) {
    k = entry.replace(/_cycles$/, "");
    kindNames.set(entry, k);
  }
  return k;
}

/** Charges a batch of `n` packets from the spec's cost entries on `res`; returns the span. */
export function chargeBatch(
  ctx: SimContext,
  res: Resource,
  spec: EngineElement,
  start: number,
  n: number,
): { start: number; end: number; perPacketNs: number; batchNs: number } {
  const c = ctx.costs.c as Record<string, number>;
  let at = start;
  let batchNs = 0;
  const batch = spec.costs?.batch;
  if (batch)
    for (let i = 0; i < batch.length; i++) {
      const span = res.run(at, c[batch[i]], kindOf(batch[i]));
      batchNs += span.end - span.start;
      at = span.end;
    }
  let perCycles = 0;
  const packet = spec.costs?.packet;
  if (packet)
    for (let i = 0; i < packet.length; i++) {
      perCycles += c[packet[i]];
      if (n > 0) at = res.run(at, c[packet[i]] * n, kindOf(packet[i])).end;
    }
  return { start, end: at, perPacketNs: perCycles / res.ghz, batchNs };
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

/** The hardware limits of the NIC this run's switch was programmed for (its profile's facts). */
export function hwOf(ctx: SimContext): HwLimits {
  let h = hwCache.get(ctx);
  if (!h) {
    const id = ctx.built.nic?.sw.config.profile ?? "ixl";
    const p = getProfile(id);
    if (!p) throw new Error(`no NIC profile '${id}'`);
    h = hwLimits(p);
    hwCache.set(ctx, h);
  }
  return h;
}

/** The switch pipeline's time for `n` frames of `bytes` (shared by receive, transmit, loopback). */
export function switchTimeNs(ctx: SimContext, n: number, bytes: number): number {
  return switchNs(hwOf(ctx), n, bytes);
}

/**
 * Receive DMA of `n` frames of `bytes` into host memory: the frames and write-backs upstream,
 * the descriptor fetch's completions downstream (each direction its own resource). Returns
 * when the upstream transfer is done.
 */
export function dmaRx(
  ctx: SimContext,
  up: Resource,
  down: Resource,
  at: number,
  bytes: number,
  n: number,
): number {
  const h = hwOf(ctx);
  const b = pcieRxBits(h, n, bytes);
  down.runNs(at, b.down / h.v.pcie_gbps, "desc-fetch");
  return up.runNs(at, b.up / h.v.pcie_gbps, "dma").end;
}

/** Transmit DMA of `n` frames of `bytes` from host memory: returns when the frames are in the NIC. */
export function dmaTx(
  ctx: SimContext,
  up: Resource,
  down: Resource,
  at: number,
  bytes: number,
  n: number,
): number {
  const h = hwOf(ctx);
  const b = pcieTxBits(h, n, bytes);
  up.runNs(at, b.up / h.v.pcie_gbps, "read-req");
  return down.runNs(at, b.down / h.v.pcie_gbps, "dma").end;
}

/** A doorbell (tail write) on the downstream direction of the link. */
export function doorbellTlp(ctx: SimContext, at: number): void {
  const down = ctx.resources.get("pcie-down");
  if (!down) return;
  const h = hwOf(ctx);
  down.runNs(at, doorbellBits(h) / h.v.pcie_gbps, "doorbell");
}

export function specResource(ctx: SimContext, spec: EngineElement): Resource {
  return resourceOf(ctx, spec.on);
}

export function ctxOf(ctx: SimContext, name: string): number {
  const c = ctx.built.ctx.get(name);
  if (c === undefined) throw new Error(`path ${ctx.path.name}: element ${name} has no context`);
  return c;
}
