// Frame campaign: the Wasm parser and switch on random and mutated frames (vendored captures,
// the frame builder, random bytes; bit flips, truncation, extension, header-field splices),
// switch programmed from random configurations. A case is one burst (one source, 1..256
// frames); a group of GROUP_BURSTS bursts shares one configuration and one switch.
// Checks: no trap; every frame accounted (dropped with a known reason, sent to the wire or
// delivered/copy-dropped); traced copies = drained copies; no buffer leak; no simulator
// resource drop; and on a sample of groups, Wasm == reference (outcomes, wire bytes,
// deliveries, counters) and Wasm parser == reference parser.
import type { Delivery, SwitchConfig } from "../switch/config.ts";
import { DROP_REASONS, WasmSwitch } from "../switch/nic.ts";
import { parseFrame } from "../switch/reference/parse.ts";
import { ReferenceSwitch } from "../switch/reference/veb.ts";
import { createMemory, loadModuleSync } from "../switch/wasm.ts";
import { MAX_PARSE_FRAME, WasmParser } from "../switch/wasm-parse.ts";
import { type CampaignOptions, type CampaignResult, describeThrown, FailureLog, hex } from "./campaign.ts";
import { captureFrames } from "./corpus.ts";
import { mutateBytes } from "./mutate-bytes.ts";
import { caseRng, type Rng } from "./prng.ts";
import { builderFrame, destinations, perturb, randomTags, userSetup } from "./switch-gen.ts";
import { decisionOutcome, type FrameOutcome } from "./switch-outcome.ts";

export const GROUP_BURSTS = 64;
/** One group in DIFF_EVERY also runs the reference switch and the reference parser. */
export const DIFF_EVERY = 8;
const STREAM_CONFIG = 1;
const STREAM_BURST = 2;
const STREAM_POOL = 3;
const MAX_BURST = 256;
/** Offsets of length/type fields in untagged and tagged frames (EtherType, IP lengths, UDP length...). */
const FRAME_FIELDS = [12, 14, 16, 17, 18, 20, 22, 23, 24, 34, 36, 38, 40, 42, 46, 54];
const KNOWN_DROPS = new Set(DROP_REASONS.filter((x): x is NonNullable<typeof x> => x !== null));

export interface Burst {
  source: "wire" | number;
  frames: Uint8Array[];
  vlanTci?: number;
}

export function groupConfig(seed: number, group: number): SwitchConfig {
  const r = caseRng(seed, STREAM_CONFIG, group);
  const { config } = userSetup(r, 8);
  if (r.bool(0.5)) perturb(r, config);
  return config;
}

/** Builder frames aimed at a group's configuration, made once per group (building is the slow part). */
export function groupFrames(seed: number, group: number, cfg: SwitchConfig): Uint8Array[] {
  const r = caseRng(seed, STREAM_POOL, group);
  const dsts = destinations(cfg);
  return Array.from({ length: 192 }, () =>
    builderFrame(r, { dst: r.pick(dsts), src: "00:11:22:33:44:55", tags: randomTags(r) }),
  );
}

function oneFrame(
  r: Rng,
  cfg: SwitchConfig,
  corpus: Uint8Array[],
  built: Uint8Array[],
  src?: string,
): Uint8Array {
  const k = r.next();
  let f: Uint8Array;
  if (k < 0.05) return r.bytes(r.int(0, 100));
  if (k < 0.35) {
    f = r.pick(corpus).slice();
    // Half of the capture frames are re-addressed so they get past the L2 filter.
    if (r.bool() && f.length >= 6) f.set(macBytes(r.pick(destinations(cfg))), 0);
  } else if (k < 0.45) {
    f = builderFrame(r, {
      dst: r.pick(destinations(cfg)),
      src: src ?? "00:11:22:33:44:55",
      tags: randomTags(r),
    });
  } else {
    f = r.pick(built).slice();
  }
  if (r.bool(0.05)) {
    // Up to capture sizes: past 65,535 bytes no descriptor can carry the frame (dropped before
    // the switch as oversize in both switches).
    const big = new Uint8Array(
      r.pick([1515, 1519, 1523, 1600, 2100, 9000, 9729, 9800, 16385, 65535, 65536, 70000, 262144]),
    );
    big.set(f.subarray(0, big.length));
    f = big;
  }
  if (r.bool(0.5))
    f = mutateBytes(r, f, [r.pick(corpus), r.pick(corpus)], { fieldOffsets: FRAME_FIELDS, maxLength: 9900 });
  if (src !== undefined && f.length >= 12 && r.bool(0.85)) f.set(macBytes(src), 6);
  // No capture holds more than a snapshot length (262144, the parser's documented limit).
  return f.length > MAX_PARSE_FRAME ? f.subarray(0, MAX_PARSE_FRAME) : f;
}

function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(":").map((x) => Number.parseInt(x, 16)));
}

export function genBurst(
  seed: number,
  index: number,
  cfg: SwitchConfig,
  corpus: Uint8Array[],
  built: Uint8Array[],
): Burst {
  const r = caseRng(seed, STREAM_BURST, index);
  const n = r.int(1, r.pick([1, 4, 16, 64, 128, MAX_BURST]));
  if (r.bool(0.5)) {
    return { source: "wire", frames: Array.from({ length: n }, () => oneFrame(r, cfg, corpus, built)) };
  }
  const pool = r.int(0, cfg.pools.length - 1);
  const own = cfg.rar.find((x) => x.pools.length === 1 && x.pools[0] === pool)?.mac;
  const src = r.bool(0.9) ? own : undefined;
  const b: Burst = {
    source: pool,
    frames: Array.from({ length: n }, () => oneFrame(r, cfg, corpus, built, src)),
  };
  if (r.bool(0.1)) b.vlanTci = r.int(0, 0xffff);
  return b;
}

function outcomeKey(t: FrameOutcome) {
  return JSON.stringify([t.dropped, t.toWire, t.padded, t.delivered, t.oversizeDropped, t.noDescDropped]);
}

function deliveryKey(d: Delivery): string {
  return JSON.stringify([
    d.pool,
    d.queue,
    d.hash >>> 0,
    d.rssType,
    d.loopback,
    d.vlanStripped,
    d.vlanTci,
    d.descriptors,
    hex(d.bytes),
  ]);
}

class GroupRun {
  readonly w: WasmSwitch;
  readonly ref: ReferenceSwitch | null;
  tracedCopies = 0;
  drainedCopies = 0;
  readonly bursts: Burst[] = [];
  constructor(
    readonly cfg: SwitchConfig,
    withRef: boolean,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
  ) {
    this.w = new WasmSwitch(cfg, {
      module,
      memory,
      traceCapacity: MAX_BURST + 16,
      txRingSize: 256,
      wireRingSize: 256,
    });
    this.ref = withRef ? new ReferenceSwitch(cfg) : null;
  }
}

/** Runs the frame campaign. `count` is in frames (whole bursts: the last one may overshoot). */
export function runFrames(opts: CampaignOptions): CampaignResult {
  const log = new FailureLog("frames", opts);
  const module = loadModuleSync();
  const memory = createMemory(64);
  const parser = new WasmParser({ module });
  const corpus = captureFrames();
  let frames = 0;
  let cases = 0;
  const firstGroup = opts.onlyCase === undefined ? 0 : Math.floor(opts.onlyCase / GROUP_BURSTS);
  for (let g = firstGroup; opts.onlyCase !== undefined || frames < opts.count; g++) {
    const cfg = groupConfig(opts.seed, g);
    let run: GroupRun;
    try {
      run = new GroupRun(cfg, g % DIFF_EVERY === 0, module, memory);
    } catch (e) {
      // Every configuration here was built through programSwitch: the data plane must take it.
      log.fail("switch-create", g * GROUP_BURSTS, describeThrown(e), () => ({ config: cfg }));
      if (opts.onlyCase !== undefined) break;
      continue;
    }
    const built = groupFrames(opts.seed, g, cfg);
    const last = opts.onlyCase ?? (g + 1) * GROUP_BURSTS - 1;
    for (let i = g * GROUP_BURSTS; i <= last && (opts.onlyCase !== undefined || frames < opts.count); i++) {
      opts.heartbeat?.(i);
      const burst = genBurst(opts.seed, i, cfg, corpus, built);
      run.bursts.push(burst);
      cases++;
      frames += burst.frames.length;
      const repro = () => reproOf(run, g);
      if (!runBurst(run, burst, i, log, repro, r8(i) ? parser : null)) break;
      if (opts.progress && (cases & 255) === 0) opts.progress(frames);
    }
    endGroup(run, last, log, () => reproOf(run, g));
    if (opts.onlyCase !== undefined) break;
  }
  opts.progress?.(frames);
  return log.result(cases, frames, "frames");
}

/** Parser differential on one burst in eight (cheap, so it runs outside the sampled groups too). */
const r8 = (i: number) => (i & 7) === 0;

function reproOf(run: GroupRun, group: number) {
  return {
    note: "the group's configuration and every burst of the group up to the failing one (frames in hex)",
    group,
    config: run.cfg,
    bursts: run.bursts.map((b) => ({ source: b.source, vlanTci: b.vlanTci, frames: b.frames.map(hex) })),
  };
}

/** One burst through the Wasm switch (and the reference in sampled groups). False: stop the group. */
function runBurst(
  run: GroupRun,
  b: Burst,
  i: number,
  log: FailureLog,
  repro: () => unknown,
  parser: WasmParser | null,
): boolean {
  const { w, ref } = run;
  if (parser) {
    log.outcome("frames-compared-parser", b.frames.length);
    for (const f of b.frames) {
      try {
        const got = parser.parse(f);
        const want = parseFrame(f);
        if (canonical(got) !== canonical(want))
          log.fail(
            "parse-diff",
            i,
            `frame ${hex(f)}: wasm ${JSON.stringify(got)} != reference ${JSON.stringify(want)}`,
            repro,
          );
      } catch (e) {
        log.fail("parse-trap", i, describeThrown(e), repro);
      }
    }
  }
  const heldBefore = w.inFlight();
  try {
    if (b.source === "wire") w.injectWire(b.frames);
    else w.injectTx(b.source, b.frames, b.vlanTci === undefined ? {} : { vlanTci: b.vlanTci });
    w.run();
  } catch (e) {
    log.fail("trap", i, describeThrown(e), repro);
    return false;
  }
  const trace = w.takeTrace();
  const wire = w.wireOut();
  const held = w.inFlight() - heldBefore;
  if (trace.length !== b.frames.length - held)
    log.fail("unaccounted", i, `${b.frames.length} frames in, ${held} held, ${trace.length} traced`, repro);
  let toWire = 0;
  for (const t of trace) {
    const copies = t.delivered.length + t.oversizeDropped.length + t.noDescDropped.length;
    if (t.dropped !== null && !KNOWN_DROPS.has(t.dropped as never))
      log.fail("unknown-drop", i, `drop reason ${t.dropped}`, repro);
    if (t.dropped === null && !t.toWire && copies === 0)
      log.fail("unaccounted", i, `a frame was neither dropped, sent nor delivered: ${outcomeKey(t)}`, repro);
    if (t.toWire) toWire++;
    run.tracedCopies += t.delivered.length;
    log.outcome(t.dropped ?? (t.toWire ? "wire" : "delivered"));
    if (t.delivered.length > 1) log.outcome("replicated");
  }
  if (wire.length !== toWire)
    log.fail("unaccounted", i, `${toWire} frames traced to the wire, ${wire.length} came out`, repro);
  const res = w.resourceDrops();
  if (res.noBuffer || res.wireOutFull || res.badDescriptor)
    log.fail("resource-drop", i, JSON.stringify(res), repro);
  if (ref) {
    log.outcome("frames-compared-switch", b.frames.length);
    const refOut: string[] = [];
    const refWire: string[] = [];
    for (const f of b.frames) {
      const d =
        b.source === "wire"
          ? ref.receiveFromWire(f)
          : ref.transmitFromPool(b.source, f, { vlanTci: b.vlanTci });
      if (d.dropped === "tx-disabled") continue;
      refOut.push(outcomeKey(decisionOutcome(d)));
      if (d.wireBytes) refWire.push(hex(d.wireBytes));
    }
    const got = trace.map(outcomeKey);
    const at = got.findIndex((x, k) => x !== refOut[k]);
    if (at >= 0 || got.length !== refOut.length)
      log.fail("switch-diff", i, `frame ${at}: wasm ${got[at]} != reference ${refOut[at]}`, repro);
    const wHex = wire.map(hex);
    if (wHex.join() !== refWire.join())
      log.fail(
        "wire-diff",
        i,
        `wire output differs (wasm ${wHex.length}, reference ${refWire.length})`,
        repro,
      );
  }
  // The driver drains after most bursts; sometimes the rings fill up instead (no-desc drops).
  if (caseDrain(i)) drain(run, i, log, repro);
  return true;
}

const caseDrain = (i: number) => Math.imul(i, 0x9e3779b1) >>> 28 < 12;

function drain(run: GroupRun, i: number, log: FailureLog, repro: () => unknown): void {
  const { w, ref } = run;
  const got = w.drainAll();
  run.drainedCopies += got.length;
  if (ref) {
    const want = ref.drainAll().map(deliveryKey);
    const have = got.map(deliveryKey);
    const at = have.findIndex((x, k) => x !== want[k]);
    if (at >= 0 || have.length !== want.length)
      log.fail(
        "delivery-diff",
        i,
        `delivery ${at}: wasm ${have[at]} != reference ${want[at]} (${have.length} vs ${want.length})`,
        repro,
      );
  }
  const inRings = w.tx.flat().reduce((n, r) => n + r.count(), 0) + w.wireIn.count();
  if (w.free.count() + inRings !== w.sl.params.bufCount)
    log.fail(
      "buffer-leak",
      i,
      `${w.free.count()} free + ${inRings} in Tx rings != ${w.sl.params.bufCount} buffers`,
      repro,
    );
}

function endGroup(run: GroupRun, last: number, log: FailureLog, repro: () => unknown): void {
  drain(run, last, log, repro);
  if (run.tracedCopies !== run.drainedCopies)
    log.fail(
      "unaccounted",
      last,
      `${run.tracedCopies} copies delivered, ${run.drainedCopies} drained`,
      repro,
    );
  if (run.ref) {
    const a = JSON.stringify(run.w.counters());
    const b = JSON.stringify(run.ref.counters);
    if (a !== b)
      log.fail(
        "counter-diff",
        last,
        `Wasm and reference counters differ: ${firstDiff(run.w.counters(), run.ref.counters)}`,
        repro,
      );
    const cons = run.ref.conservation();
    if (cons.length > 0) log.fail("reference-conservation", last, cons.join("; "), repro);
    log.outcome("groups-compared-with-reference");
  }
  log.outcome("groups");
}

/** Path and values of the first difference between two JSON-like values. */
function firstDiff(a: unknown, b: unknown, path = "$"): string {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return `${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (JSON.stringify(x) !== JSON.stringify(y)) return firstDiff(x, y, `${path}.${k}`);
  }
  return `${path}: equal`;
}

/** JSON with sorted keys and undefined members left out (the parsers build objects in different orders). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}
