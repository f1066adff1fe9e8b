// Helpers the element kinds share: the element-kind descriptor, reading descriptor lengths from a
// ring, pricing a batch from its cost-profile entries (each entry is its own event kind in the
// report), DMA time over PCIe with TLP overhead and IOTLB misses.
import { DESC_BYTES, R_DESC, R_MASK } from "../../../assembly/abi.ts";
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

/** Time on a PCIe direction for `n` frames of `bytes` in total plus their descriptors. */
export function dmaNs(ctx: SimContext, bytes: number, n: number): number {
  const c = ctx.costs.c;
  const tlps = Math.ceil(bytes / c.pcie_mps) + Math.ceil(n / 4); // payload TLPs + descriptor lines
  const total = bytes + n * DESC_BYTES + tlps * c.pcie_tlp_bytes;
  return (total * 8) / c.pcie_gbps;
}

export function specResource(ctx: SimContext, spec: EngineElement): Resource {
  return resourceOf(ctx, spec.on);
}

export function ctxOf(ctx: SimContext, name: string): number {
  const c = ctx.built.ctx.get(name);
  if (c === undefined) throw new Error(`path ${ctx.path.name}: element ${name} has no context`);
  return c;
}
