// Runs a built graph: the generators start, then events run in (time, sequence) order until
// nothing is left or the drain limit after the offered window is reached (frames still queued
// then count as in flight).
import * as P from "../../assembly/pathabi.ts";
import { u64 } from "./context.ts";
import type { BuiltGraph } from "./graph.ts";
import type { EventTotals } from "./types.ts";

/** After offering stops, the run drains for at most this much virtual time. */
export const DRAIN_NS = 50_000_000;

export interface RunState {
  /** Each generator's frames before the measured window, by name (their sum is what the run
   *  did not offer in it; per direction: SimResult.per_direction). */
  sentAtWarmupByGen: Record<string, number>;
  endNs: number;
  /** Each resource's busy time at the start and at the end of the measured window. */
  busyAtWarmup?: Map<string, { busy: number; poll: number }>;
  busyAtOfferEnd?: Map<string, { busy: number; poll: number }>;
  /** The event totals at the same two instants: events per second are over that window too
   *  (a guest's halt after its sender stopped is no part of the steady state). */
  eventsAtWarmup?: EventTotals;
  eventsAtOfferEnd?: EventTotals;
  /** Adds the generators' frames stamped before the measured window, made at any time (a burst
   *  reaches ahead of the warm-up's event, a held-back sender stamps in the past): call once,
   *  when the run is over. */
  settle?: () => void;
}

export function runGraph(g: BuiltGraph, stopNs = g.ctx.offerUntilNs + DRAIN_NS): RunState {
  const state = startGraph(g);
  runUntil(g, stopNs, state);
  state.settle?.();
  return state;
}

/**
 * Schedules the measurement snapshots and starts the generators: of every element, or (a
 * partition of a parallel run) of the elements `mine` selects; `state.sentAtWarmupByGen` then
 * counts only those elements' generators.
 */
export function startGraph(g: BuiltGraph, mine: (element: number) => boolean = () => true): RunState {
  const { ctx } = g;
  const state: RunState = { sentAtWarmupByGen: {}, endNs: 0 };
  const own = new Set(g.specs.filter((_, i) => mine(i)).map((s) => s.name));
  const genNames = ctx.built.gens.filter((n) => own.has(n));
  // Generators that count their frames stamped before the window themselves (by stamp, as the
  // sinks measure): their sent frames are left out of the snapshot below.
  const counting = g.runtimes.filter((r, i) => mine(i) && r.sentBeforeMeasured !== undefined);
  const counted = new Set(counting.map((r) => r.name));
  // With the polling under way at `t` (credited only when it ends).
  const busy = (t: number) =>
    new Map([...ctx.resources.values()].map((r) => [r.name, r.busyAt(t, ctx.costs.c.halt_poll_ns)]));
  ctx.q.push(ctx.warmupNs, (t) => {
    // Offered = generated + dropped by an injected generator overrun (0 without the fault) + dropped
    // by a source's device on a full queue (0 unless the source tail-drops).
    const byGen = state.sentAtWarmupByGen;
    for (const n of genNames) {
      const c = ctx.built.ctx.get(n)!;
      byGen[n] =
        (counted.has(n) ? 0 : u64(ctx, c + P.G_SENT)) +
        u64(ctx, c + P.G_OVERRUN) +
        u64(ctx, c + P.G_TAILDROP);
    }
    state.busyAtWarmup = busy(t);
    state.eventsAtWarmup = { ...ctx.events };
  });
  state.settle = () => {
    const byGen = state.sentAtWarmupByGen;
    for (const r of counting) {
      const n = (r.sentBeforeMeasured as () => number)();
      byGen[r.name] = (byGen[r.name] ?? 0) + n;
    }
    state.settle = undefined;
  };
  // Utilization is measured over the offered window: the drain that follows would dilute a
  // saturated resource's 100 % (work a resource has already taken on counts, so a resource with
  // a growing backlog reads 100 %).
  ctx.q.push(ctx.offerUntilNs, (t) => {
    state.busyAtOfferEnd = busy(t);
    state.eventsAtOfferEnd = { ...ctx.events };
  });
  g.runtimes.forEach((r, i) => {
    if (mine(i)) r.start?.();
  });
  return state;
}

/** Runs events up to virtual time `t` (ping steps through its intervals with it). */
export function runUntil(g: BuiltGraph, t: number, state: RunState): void {
  const q = g.ctx.q;
  while (q.size > 0 && q.peekTime() <= t) {
    state.endNs = q.peekTime();
    q.runNext();
  }
}
