// A frame's outcome in the Wasm switch trace's terms, from either switch: what the frame and
// differential campaigns compare frame by frame (the source and the bytes are compared apart).
import type { SwitchDecision } from "../switch/config.ts";
import type { TraceRecord } from "../switch/nic.ts";

export type FrameOutcome = Omit<TraceRecord, "source">;

/** The reference switch's decision as a trace record would give it. */
export function decisionOutcome(d: SwitchDecision): FrameOutcome {
  return {
    dropped: d.dropped,
    toWire: d.toWire,
    padded: d.padded,
    delivered: d.deliveries.map((x) => x.pool),
    oversizeDropped: d.copyDrops.filter((c) => c.reason === "oversize").map((c) => c.pool),
    noDescDropped: d.copyDrops.filter((c) => c.reason === "no-desc").map((c) => c.pool),
  };
}

/** A trace record without its source. */
export function traceOutcome(t: TraceRecord): FrameOutcome {
  return {
    dropped: t.dropped,
    toWire: t.toWire,
    padded: t.padded,
    delivered: t.delivered,
    oversizeDropped: t.oversizeDropped,
    noDescDropped: t.noDescDropped,
  };
}
