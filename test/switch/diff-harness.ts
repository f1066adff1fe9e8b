// Runs the same event sequence through the reference switch and the Wasm switch and lists every
// difference: per-frame outcome (drop reason, wire, delivered / dropped copies), deliveries
// (pool, queue, hash, RSS type, flags, bytes), wire output and all counters.

import { decisionOutcome, traceOutcome } from "../../src/fuzz/switch-outcome.ts";
import type { Delivery, SwitchConfig } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";

export type SwitchEvent =
  | { kind: "wire"; frame: Uint8Array }
  | { kind: "tx"; pool: number; frame: Uint8Array; vlanTci?: number }
  | { kind: "drain" };

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function deliveryKey(d: Delivery): string {
  return JSON.stringify({
    pool: d.pool,
    queue: d.queue,
    hash: d.hash >>> 0,
    rssType: d.rssType,
    loopback: d.loopback,
    vlanStripped: d.vlanStripped,
    vlanTci: d.vlanTci,
    descriptors: d.descriptors,
    bytes: hex(d.bytes),
  });
}

export interface DiffResult {
  problems: string[];
  frames: number;
  /** Frames the Wasm Tx fast path switched (the rest went through the general path). */
  fastFrames: number;
  /** Frames the Rx (wire) fast path took. */
  rxFastFrames: number;
  /** Copies the reference delivered to pools 64 and above (the hi word of the Wasm pool sets). */
  highPoolCopies: number;
  /** Copies the reference dropped for want of a descriptor (a full ring). */
  noDescDrops: number;
}

/** A fresh Wasm switch per call unless one is given (it must have been created from `config`). */
export function runBoth(
  config: SwitchConfig,
  events: SwitchEvent[],
  wasm?: WasmSwitch,
  /** trace false: the Wasm switch runs without its per-frame trace (the kernels' untraced
   *  paths, as in a simulation); deliveries, wire output and counters are still compared. */
  opts: { alwaysCopy?: boolean; trace?: boolean } = {},
): DiffResult {
  const ref = new ReferenceSwitch(config);
  const traced = opts.trace ?? true;
  const w =
    wasm ??
    new WasmSwitch(config, { traceCapacity: traced ? events.length + 16 : 0, alwaysCopy: opts.alwaysCopy });
  const fastBefore = w.fastPathFrames();
  const rxFastBefore = w.rxFastPathFrames();
  const problems: string[] = [];
  const refWire: string[] = [];
  const refOutcomes: Array<ReturnType<typeof decisionOutcome>> = [];
  let frames = 0;
  let highPoolCopies = 0;
  // Consecutive events from the same source are injected together, then run: the kernels
  // process each ring in order, so the processing order equals the event order.
  let i = 0;
  while (i < events.length) {
    const e = events[i]!;
    if (e.kind === "drain") {
      compareDrain(ref, w, problems, i);
      i++;
      continue;
    }
    let j = i;
    while (j < events.length && sameSource(events[j]!, e)) j++;
    for (let k = i; k < j; k++) {
      const ev = events[k] as Exclude<SwitchEvent, { kind: "drain" }>;
      frames++;
      const d =
        ev.kind === "wire"
          ? ref.receiveFromWire(ev.frame)
          : ref.transmitFromPool(ev.pool, ev.frame, { vlanTci: ev.vlanTci });
      if (d.dropped !== "tx-disabled") refOutcomes.push(decisionOutcome(d));
      highPoolCopies += d.deliveries.filter((x) => x.pool >= 64).length;
      if (d.wireBytes) refWire.push(hex(d.wireBytes));
    }
    if (e.kind === "wire")
      w.injectWire(events.slice(i, j).map((x) => (x as unknown as { frame: Uint8Array }).frame));
    else {
      for (let k = i; k < j; k++) {
        const ev = events[k] as { pool: number; frame: Uint8Array; vlanTci?: number };
        w.injectTx(ev.pool, [ev.frame], ev.vlanTci === undefined ? {} : { vlanTci: ev.vlanTci });
      }
    }
    w.run();
    i = j;
  }
  const traces = traced ? w.takeTrace().map(traceOutcome) : [];
  if (traced && traces.length !== refOutcomes.length) {
    problems.push(`outcome count: wasm ${traces.length}, reference ${refOutcomes.length}`);
  }
  const n = Math.min(traces.length, refOutcomes.length);
  for (let k = 0; k < n && problems.length < 20; k++) {
    const a = JSON.stringify(traces[k]);
    const b = JSON.stringify(refOutcomes[k]);
    if (a !== b) problems.push(`frame #${k}: wasm ${a} != reference ${b}`);
  }
  compareDrain(ref, w, problems, events.length);
  const wasmWire = w.wireOut().map(hex);
  if (JSON.stringify(wasmWire) !== JSON.stringify(refWire)) {
    const at = wasmWire.findIndex((x, k) => x !== refWire[k]);
    problems.push(
      `wire output differs (wasm ${wasmWire.length}, ref ${refWire.length} frames; first at ${at})`,
    );
  }
  const held = ref.config.pools.reduce((s, _, p) => s + ref.heldTxCount(p), 0);
  if (w.inFlight() !== held) problems.push(`in flight: wasm ${w.inFlight()}, reference held ${held}`);
  const a = JSON.stringify(w.counters());
  const b = JSON.stringify(ref.counters);
  if (a !== b) problems.push(`counters differ:\n wasm ${a}\n ref  ${b}`);
  // Buffer conservation: after the final drain every buffer is free except those of frames
  // still waiting in Tx / wire-in rings.
  const inRings = w.tx.flat().reduce((n, r) => n + r.count(), 0) + w.wireIn.count();
  if (w.free.count() + inRings !== w.sl.params.bufCount) {
    problems.push(`buffer leak: ${w.free.count()} free + ${inRings} in rings != ${w.sl.params.bufCount}`);
  }
  const res = w.resourceDrops();
  if (res.noBuffer !== 0 || res.wireOutFull !== 0 || res.badDescriptor !== 0)
    problems.push(`resource drops ${JSON.stringify(res)}`);
  const cons = ref.conservation();
  if (cons.length > 0) problems.push(`reference conservation: ${cons.join("; ")}`);
  return {
    problems,
    frames,
    fastFrames: (w.fastPathFrames() - fastBefore) >>> 0,
    rxFastFrames: (w.rxFastPathFrames() - rxFastBefore) >>> 0,
    highPoolCopies,
    noDescDrops: refOutcomes.reduce((n, o) => n + o.noDescDropped.length, 0),
  };
}

function sameSource(a: SwitchEvent, b: SwitchEvent): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "tx" && b.kind === "tx") return a.pool === b.pool;
  return a.kind === "wire";
}

function compareDrain(ref: ReferenceSwitch, w: WasmSwitch, problems: string[], at: number): void {
  const a = w.drainAll().map(deliveryKey);
  const b = ref.drainAll().map(deliveryKey);
  if (a.length !== b.length) {
    problems.push(`drain before event ${at}: wasm ${a.length} deliveries, reference ${b.length}`);
    return;
  }
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) {
      problems.push(`drain before event ${at}, delivery ${k}:\n wasm ${a[k]}\n ref  ${b[k]}`);
      return;
    }
  }
}
