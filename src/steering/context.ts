// What every steering element sees while a graph runs (one per run): the engine's event queue
// and resources, the links over the switch's rings, the kernels, the cost profile, and the
// per-frame records (arrival on the wire, delivery) the metrics come from.
import type { SimContext } from "../engine/context.ts";
import type { FaultSpec } from "../engine/faults.ts";
import type { Link } from "../engine/link.ts";
import type { EventQueue } from "../engine/queue.ts";
import type { Resource } from "../engine/resource.ts";
import type { Costs } from "../model/costs.ts";
import type { SteeringGraph } from "./strategies.ts";

export interface SteeringKernels {
  vebRunAll(budget: number): number;
  ringRecycle(id: number, budget: number): number;
  dispatchBurst(ctx: number, budget: number): number;
  /** Returns a buffer to its free stack (a frame the NIC discards). */
  bufFree(idx: number): void;
}

export interface SteerContext {
  q: EventQueue;
  /** The engine's context as its activation classes (Napi, Stage) and interrupts need it. */
  sim: SimContext;
  costs: Costs;
  graph: SteeringGraph;
  k: SteeringKernels;
  u32: Uint32Array;
  u16: Uint16Array;
  resource(name: string): Resource;
  link(name: string): Link;
  /** Ring id (for ringRecycle) of a link's ring. */
  ringId(link: string): number;
  /** Frame index (in offered order) of the frame in each buffer. */
  frameOfBuf: Int32Array;
  /** Virtual time each frame's last bit arrived (ns). */
  arrival: Float64Array;
  count: number;
  ratePps: number;
  linkGbps: number;
  /** Length of frame i without FCS. */
  frameBytes(i: number): number;
  /** Puts frames [from, to) into the NIC's wire-in ring; returns how many fit. */
  inject(from: number, to: number): number;
  drop(where: string, n: number): void;
  /** Bytes of the NIC's receive packet buffer (the NIC profile's packetBuffer). */
  rxBufferBytes: number;
  /** Discards the n frames at the head of the ring (their buffers back), counted at `where`;
   *  returns n. */
  discard(ring: number, n: number, where: string): number;
  /** Frame `frame` delivered on core `core` at virtual time t. */
  deliver(frame: number, core: number, t: number): void;
  /** Runs the switch on n frames of the wire ring with a queue chosen per frame (rules, symmetric hash). */
  classifyAndSwitch(ring: number, head: number, n: number): void;
  /** Time on a PCIe direction for n frames of `bytes` plus their descriptors. */
  dmaNs(bytes: number, n: number): number;
  /** The NIC switch pipeline's time for `n` frames of `bytes` (the NIC profile's capacity). */
  switchNs(n: number, bytes: number): number;
  /** A dispatcher context from the ring of link `input` to the worker rings of `outputs`. */
  dispatchContext(input: string, outputs: readonly string[]): number;
  /** Injected faults (sink-stall, generator-overrun) and the offered window they are timed in. */
  faults?: readonly FaultSpec[];
  offerNs?: number;
  /** What an element applying a fault reports it did. */
  faultStats?: { overrunDrops: number };
}
