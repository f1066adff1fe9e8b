// What every element sees while a graph runs: the event queue, the kernels, the shared memory,
// the cost profile, the resources and links of the graph, and the event totals. One per run.
import type { Costs } from "../model/costs.ts";
import type { BuiltPath } from "../paths/build.ts";
import type { PathKernels } from "../paths/kernels.ts";
import type { EnginePath } from "../paths/path-graphs.ts";
import type { FaultSpec } from "./faults.ts";
import type { Link } from "./link.ts";
import type { EventQueue } from "./queue.ts";
import type { Resource } from "./resource.ts";
import type { EventTotals } from "./types.ts";

/** Where the measured window starts (ns): the sinks measure frames stamped from here on, in
 *  whole microseconds (S_WARMUP_US), so offered and delivered frames are counted from it too. */
export const measureFromNs = (warmupNs: number): number => Math.floor(warmupNs / 1000) * 1000;

export interface SimContext {
  q: EventQueue;
  k: PathKernels;
  mem: WebAssembly.Memory;
  u32: Uint32Array;
  u16: Uint16Array;
  costs: Costs;
  built: BuiltPath;
  path: EnginePath;
  resources: Map<string, Resource>;
  /** The link named `name` (created on first use from the ring the layout gave it). */
  link(name: string): Link;
  events: EventTotals;
  /** Offered traffic stops at this virtual time (ns). */
  offerUntilNs: number;
  warmupNs: number;
  linkGbps: number;
  /** The path's MTU and the buffers its drivers post (src/paths/frames.ts): how many descriptors
   *  a frame takes on the NIC. */
  frames: import("../paths/frames.ts").PathFrames;
  /** A u64 clock word the engine writes for a consumer (its sink reads it as S_CLOCK). */
  clockWord(owner: string): number;
  /** Frames offered per generator are bounded by this count (0: by time only). */
  count: number;
  /** Offered rate (frames/s) and arrival process, per direction. */
  ratePps: number;
  /** The line rate (frames/s) of each direction whose frames cross a wire: a generator of that
   *  direction sends at most at it (src/engine/line-rate.ts); absent: nothing caps it. */
  lineRatePps: Partial<Record<"rx" | "tx", number>>;
  poisson: boolean;
  /** A seed for an element's own random stream (arrival process). */
  seed(name: string): number;
  /** Per-packet / per-byte accounting the report needs (delivered frames per consumer etc.). */
  notes: string[];
  /** Faults injected into this run (src/engine/faults.ts); elements apply their own. */
  faults?: readonly FaultSpec[];
  /** The consumer's sender sleeps between its frames (ping(8)) instead of busy-waiting for
   *  them as a paced traffic generator does (elements/gen.ts). */
  senderSleeps?: boolean;
  /** Consumers on a CPU hand their frames to an application there (src/engine/application.ts). */
  application?: boolean;
  /** The sender on the wire waits for the applications' reads (ScenarioSpec.window). */
  closedLoop?: import("./application.ts").ClosedLoop;
  /** The consumer's VF has a transmit rate limit (ip link ... max_tx_rate): its NIC-side
   *  scheduler (elements/vf-shaper.ts); absent without one (the unlimited path runs as ever). */
  vfTxShaper?: import("./elements/vf-shaper.ts").VfShaper;
}

/** A u64 word of the shared memory (8-byte aligned, below 2^53) as a number: two u32 reads. */
export function u64(ctx: SimContext, addr: number): number {
  const i = addr >>> 2;
  return ctx.u32[i] + ctx.u32[i + 1] * 4294967296;
}

export function setU64(ctx: SimContext, addr: number, v: number): void {
  const x = Math.max(0, Math.round(v));
  const i = addr >>> 2;
  // x is a whole number below 2^53: `>>> 0` is its low word (ToUint32 is modulo 2^32) without
  // the floating-point remainder, which optimized code does by a call into the runtime.
  ctx.u32[i] = x >>> 0;
  ctx.u32[i + 1] = Math.floor(x / 4294967296);
}

export function resourceOf(ctx: SimContext, name: string): Resource {
  const r = ctx.resources.get(name);
  if (!r) throw new Error(`path ${ctx.path.name}: no resource named ${name}`);
  return r;
}

/** Cycles of the cost entries named, summed. */
export function cyclesOf(ctx: SimContext, names: readonly string[] | undefined): number {
  let s = 0;
  for (const n of names ?? []) s += ctx.costs.c[n as keyof Costs["c"]];
  return s;
}
