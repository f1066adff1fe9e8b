// How long a trial must be for its loss to mean something. A load one resolution step above
// what a path can carry grows its queues by at least that step's rate; it loses a frame only
// once every queue before the bottleneck is full. A trial shorter than (frames the path can
// buffer) / (step in frames per second) can pass at a load its queues merely absorb: on the
// deep-queue paths (virtio: NIC ring, bridge, tap queue and virtqueue; jail-epair-fwd: two
// epairs and two bridges) a 1 ms trial overstated NDR by 40-80 %. RFC 2544 section 24 asks for
// trials of at least 60 s with loss counted after the queues drained, FD.io CSIT ends its
// search with trials long enough to trust; iovsim's final trials are
//   1 ms (the start-up: the first interrupt, the first poll) + buffering / step,
// never shorter than the search's own trial. docs/experiments.md, "Trial length".

import { R_LIMIT } from "../../assembly/abi.ts";
import { buildGraph } from "../engine/graph.ts";
import { scenarioGraphOptions } from "../engine/simulate.ts";
import type { ScenarioSpec } from "../engine/types.ts";
import { VQ_SIZE } from "../paths/build.ts";

/** Virtual time a final trial gives the path to settle before its queues count (ns). */
export const SETTLE_NS = 1_000_000;

/**
 * Frames the run's elements can hold in their input queues: every ring an element of the run
 * takes frames from (at its producer limit: a NIC ring's descriptors, a software queue's
 * length), each receive queue of the consumer's pool, and each virtqueue a guest receives on.
 * Built once on this thread (the kernels must be loaded: ensureKernels). An upper bound on
 * what the queues before the bottleneck hold, which makes the trial long enough, not shorter.
 */
export function pathBufferingFrames(spec: ScenarioSpec): number {
  const g = buildGraph(
    scenarioGraphOptions({ ...spec, faults: [], durationNs: Math.max(spec.durationNs, 1) }),
  );
  const built = g.ctx.built;
  const u32 = new Uint32Array(g.ctx.mem.buffer);
  const limit = (ring: number) => u32[(ring + R_LIMIT) >>> 2];
  let frames = 0;
  const counted = new Set<number>();
  const add = (ring: number | undefined) => {
    if (ring === undefined || ring === 0 || counted.has(ring)) return;
    counted.add(ring);
    frames += limit(ring);
  };
  for (const { el } of built.elements) {
    if ("in" in el && el.in) add(built.links.get(el.in));
    if (el.kind === "guest-rx") frames += VQ_SIZE;
  }
  for (const r of built.queueRings) add(r);
  return frames;
}

/** A final trial's length (ns) for `bufferFrames` at a resolution of `stepPps`, or null when
 *  the search's own trial (`searchNs`) is already that long. */
export function finalTrialNs(bufferFrames: number, stepPps: number, searchNs: number): number | null {
  if (!(stepPps > 0)) return null;
  const ns = SETTLE_NS + Math.ceil((bufferFrames / stepPps) * 1e9);
  return ns > searchNs ? ns : null;
}
