// Injected faults (`--inject-fault`, docs/reliability.md "Faults"), in virtual time:
// - sink-stall: the consumer of one receive queue takes no frames for a window; its ring fills
//   and the NIC drops what it cannot write there (no descriptor), on that queue only.
// - generator-overrun: for a window the generator offers above line rate; a frame that finds the
//   generator's transmit buffer full is dropped there, counted with reason "generator-overrun".
// - worker-exit: the thread running one simulation dies in the middle of it; the runner notices,
//   reruns that simulation from the start on a fresh worker and records it (same spec, same
//   seed: the same result as a run without the fault).
// This file parses the faults, and gives the elements and the runners what they need to apply
// and report them; every fault is applied by the element or runner it concerns.
import * as P from "../../assembly/pathabi.ts";
import { UserError } from "../errors.ts";
import { type EngineElement, type EnginePath, enginePath } from "../paths/path-graphs.ts";
import { readCounters } from "../switch/counters-view.ts";
import type { Work } from "./activation.ts";
import { type SimContext, setU64, u64 } from "./context.ts";

export type FaultKind = "worker-exit" | "sink-stall" | "generator-overrun";
export const FAULT_KINDS: readonly FaultKind[] = ["worker-exit", "sink-stall", "generator-overrun"];

/** Exit status of `paths` and `steering` when the run completed with an injected fault. */
export const FAULT_EXIT_STATUS = 3;

/** A point in a trial's offered window: absolute virtual ns, or a fraction of the window. */
export type VTime = { ns: number } | { fraction: number };

export type FaultSpec =
  | { kind: "sink-stall"; queue: number; at: VTime; for: VTime }
  | { kind: "generator-overrun"; at: VTime; for: VTime; times: number; buffer: number }
  | { kind: "worker-exit"; at: VTime };

/** What a fault did in one simulation (simulated figures, virtual time). */
export interface FaultRecord {
  kind: FaultKind;
  /** The fault as given, with its defaults filled in. */
  spec: string;
  /** The window it was active in (virtual µs from the start of the trial). */
  from_us: number;
  to_us: number;
  /** One sentence: what happened. */
  effect: string;
  /** Frames dropped because of it, by reason (the same reasons as the conservation counters). */
  dropped: Record<string, number>;
  /** sink-stall: the queue stalled, and frames each receive queue delivered. */
  queue?: number;
  per_queue_delivered?: number[];
  /** worker-exit: attempts the simulation took (the last one's result is the one reported). */
  attempts?: number;
}

/** Defaults (documented in docs/reliability.md and the commands' --help). */
export const FAULT_DEFAULTS = {
  sinkStall: { queue: 0, at: { fraction: 0.2 }, for: { fraction: 0.5 } },
  // 1.5 x line rate for a tenth of the window; the generator's transmit buffer is 512 frames,
  // an assumption: the default transmit ring of Linux ixgbe (range 64..4096 descriptors).
  generatorOverrun: { at: { fraction: 0.2 }, for: { fraction: 0.1 }, times: 1.5, buffer: 512 },
  workerExit: { at: { fraction: 0.5 } },
} as const;

/** The --inject-fault lines of a command's --help, its description starting at column `col`. */
export function faultHelp(indent: number, col: number): string {
  const pad = " ".repeat(col);
  const opt = `${" ".repeat(indent)}--inject-fault F`;
  const lines = [
    "inject a fault (repeatable, or a comma list); the run completes, the report",
    "names it, and the exit status is 3 (completed with an injected fault).",
    "F = KIND[:key=value,...]; times in ns, us, ms or % of the trial's window:",
    "sink-stall[:queue=0,at=20%,for=50%]: one receive queue's consumer takes",
    "  nothing in the window; its ring fills, the NIC drops there (no descriptor)",
    "generator-overrun[:at=20%,for=10%,x=1.5,buffer=512]: the generator offers",
    "  x times line rate in the window; frames that find its buffer full are",
    "  dropped (reason generator-overrun)",
    "worker-exit[:at=50%]: the thread running the first simulation exits mid-run;",
    "  the simulation is rerun on a fresh worker (recorded in the report)",
    "one of each kind per run (a sink-stall per queue): a second is refused",
  ];
  const first = opt.length < col ? `${opt.padEnd(col)}${lines[0]}` : `${opt}\n${pad}${lines[0]}`;
  return [first, ...lines.slice(1).map((l) => pad + l)].join("\n");
}

const bad = (opt: string, text: string, why: string) =>
  new UserError("E_USAGE", `${opt}: '${text}': ${why} (see --help: --inject-fault)`);

function parseTime(opt: string, text: string): VTime {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|%)$/.exec(text.trim());
  if (!m) throw bad(opt, text, "a time is a number with ns, us, ms, s or % (of the trial's window)");
  const n = Number(m[1]);
  if (m[2] === "%") {
    if (n > 100) throw bad(opt, text, "a share of the window is at most 100%");
    return { fraction: n / 100 };
  }
  const scale = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }[m[2] as "ns"];
  return { ns: n * scale };
}

function parseCount(opt: string, text: string, min: number, max: number, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw bad(opt, text, `not ${integer ? "an integer" : "a number"} in ${min}..${max}`);
  return n;
}

/**
 * `--inject-fault` values: each is a kind or `kind:key=value,...`, and a comma list of them;
 * a `key=value` item after a comma belongs to the fault before it.
 */
export function parseFaults(values: readonly string[], opt = "--inject-fault"): FaultSpec[] {
  const groups: Array<{ kind: string; params: string[]; text: string }> = [];
  for (const v of values)
    for (const item of v.split(",").map((s) => s.trim())) {
      if (item === "") throw bad(opt, v, "empty item");
      const colon = item.indexOf(":");
      const head = colon < 0 ? item : item.slice(0, colon);
      if (!head.includes("=")) {
        groups.push({ kind: head, params: colon < 0 ? [] : [item.slice(colon + 1)], text: item });
        continue;
      }
      const last = groups.at(-1);
      if (!last) throw bad(opt, v, "a key=value needs a fault kind before it");
      last.params.push(item);
      last.text += `,${item}`;
    }
  const specs = groups.map((g): FaultSpec => {
    if (!(FAULT_KINDS as readonly string[]).includes(g.kind))
      throw bad(opt, g.text, `unknown fault '${g.kind}' (faults: ${FAULT_KINDS.join(", ")})`);
    const kv = new Map<string, string>();
    for (const p of g.params) {
      const eq = p.indexOf("=");
      if (eq <= 0) throw bad(opt, g.text, `'${p}' is not key=value`);
      const key = p.slice(0, eq).trim();
      // at=20%,at=30%: the last one won without a word.
      if (kv.has(key)) throw bad(opt, g.text, `'${key}' is given twice`);
      kv.set(key, p.slice(eq + 1).trim());
    }
    const allow = (keys: string[]) => {
      for (const k of kv.keys())
        if (!keys.includes(k)) throw bad(opt, g.text, `${g.kind} takes ${keys.join(", ")}, not '${k}'`);
    };
    const time = (k: string, def: VTime) => (kv.has(k) ? parseTime(opt, kv.get(k)!) : def);
    if (g.kind === "sink-stall") {
      allow(["queue", "at", "for"]);
      const d = FAULT_DEFAULTS.sinkStall;
      return {
        kind: "sink-stall",
        queue: kv.has("queue") ? parseCount(opt, kv.get("queue")!, 0, 63, true) : d.queue,
        at: time("at", d.at),
        for: time("for", d.for),
      };
    }
    if (g.kind === "generator-overrun") {
      allow(["at", "for", "x", "buffer"]);
      const d = FAULT_DEFAULTS.generatorOverrun;
      return {
        kind: "generator-overrun",
        at: time("at", d.at),
        for: time("for", d.for),
        times: kv.has("x") ? parseCount(opt, kv.get("x")!, 1.01, 100, false) : d.times,
        buffer: kv.has("buffer") ? parseCount(opt, kv.get("buffer")!, 0, 1_000_000, true) : d.buffer,
      };
    }
    allow(["at"]);
    return { kind: "worker-exit", at: time("at", FAULT_DEFAULTS.workerExit.at) };
  });
  refuseSecondFault(specs, groups, opt);
  return specs;
}

/**
 * A run injects one fault of a kind where it applies (one stall per receive queue, one overrun
 * window per generator, one worker exit: the rerun takes none): a second was listed as injected
 * while the engine applied only the first (sinkStallWindow and the overrun find the first; the
 * report still said the second's queue 'took nothing for 400.0 us'). Refused, naming both.
 */
function refuseSecondFault(
  specs: readonly FaultSpec[],
  groups: ReadonlyArray<{ text: string }>,
  opt: string,
): void {
  const target = (f: FaultSpec) => (f.kind === "sink-stall" ? `sink-stall on queue ${f.queue}` : f.kind);
  const seen = new Map<string, string>();
  specs.forEach((f, i) => {
    const t = target(f);
    const first = seen.get(t);
    if (first !== undefined) {
      const one =
        f.kind === "sink-stall"
          ? "one stall per receive queue (the engine applies the first; stall another queue with queue=N)"
          : f.kind === "generator-overrun"
            ? "one overrun window per run (the engine applies the first)"
            : "one per run (the simulation it stops is rerun without it)";
      throw bad(opt, groups[i].text, `a second ${t} after '${first}': ${one}`);
    }
    seen.set(t, groups[i].text);
  });
}

function timeText(t: VTime): string {
  return "fraction" in t ? `${+(t.fraction * 100).toFixed(4)}%` : `${+(t.ns / 1e3).toFixed(3)}us`;
}

/** The fault as text, defaults filled in (what the report names). */
export function faultText(f: FaultSpec): string {
  if (f.kind === "sink-stall")
    return `sink-stall:queue=${f.queue},at=${timeText(f.at)},for=${timeText(f.for)}`;
  if (f.kind === "generator-overrun")
    return `generator-overrun:at=${timeText(f.at)},for=${timeText(f.for)},x=${f.times},buffer=${f.buffer}`;
  return `worker-exit:at=${timeText(f.at)}`;
}

/** A time of the trial in ns, given the offered window's length. */
export function resolveTime(t: VTime, windowNs: number): number {
  return "fraction" in t ? t.fraction * windowNs : t.ns;
}

/** The [from, to) window of a fault in virtual ns. */
export function faultWindow(
  f: { at: VTime; for?: VTime },
  windowNs: number,
): { fromNs: number; toNs: number } {
  const fromNs = resolveTime(f.at, windowNs);
  return { fromNs, toNs: fromNs + (f.for ? resolveTime(f.for, windowNs) : 0) };
}

/** Faults that change what a simulation does (worker-exit changes where it runs, not what). */
export function simulatedFaults(faults: readonly FaultSpec[] | undefined): FaultSpec[] {
  return (faults ?? []).filter((f) => f.kind !== "worker-exit");
}

// ---- worker-exit ------------------------------------------------------------------------------

/** Thrown (inline runner) when the injected worker exit happens: the simulation is abandoned. */
export class WorkerExitFault extends Error {
  constructor(readonly atNs: number) {
    super(`injected worker exit at virtual time ${(atNs / 1e3).toFixed(3)} us`);
    this.name = "WorkerExitFault";
  }
}

/** Exit code a simulate worker dies with when the fault asks it to (the runner recognizes it). */
export const WORKER_EXIT_CODE = 86;

/** What the runner sees of a dead worker: piscina's message, or the inline runner's throw. */
export function workerExitOf(e: unknown): { code: number | null; atNs: number | null } | null {
  if (e instanceof WorkerExitFault) return { code: null, atNs: e.atNs };
  const m = /worker exited with code:? (-?\d+)/i.exec(e instanceof Error ? e.message : String(e));
  return m ? { code: Number(m[1]), atNs: null } : null;
}

/**
 * Runs `attempt(inject)`: the first try with the worker exit injected when `inject`; a try that
 * ends in a worker exit (injected or not) is rerun once, from the start, without the fault.
 * Returns the result and what happened, or rethrows anything that is not a worker exit.
 */
export async function withWorkerExitRetry<T>(
  fault: Extract<FaultSpec, { kind: "worker-exit" }> | null,
  attempt: (inject: boolean) => Promise<T>,
): Promise<{ result: T; record: FaultRecord | null }> {
  try {
    return { result: await attempt(fault !== null), record: null };
  } catch (e) {
    const died = workerExitOf(e);
    if (!died) throw e;
    return { result: await attempt(false), record: exitRecord(fault, died) };
  }
}

/** withWorkerExitRetry for a synchronous simulation (the steering matrix runs on one thread). */
export function withWorkerExitRetrySync<T>(
  fault: Extract<FaultSpec, { kind: "worker-exit" }> | null,
  attempt: (inject: boolean) => T,
): { result: T; record: FaultRecord | null } {
  try {
    return { result: attempt(fault !== null), record: null };
  } catch (e) {
    const died = workerExitOf(e);
    if (!died) throw e;
    return { result: attempt(false), record: exitRecord(fault, died) };
  }
}

function exitRecord(
  fault: Extract<FaultSpec, { kind: "worker-exit" }> | null,
  died: { code: number | null; atNs: number | null },
): FaultRecord {
  // Inline (no thread to lose): the simulation throws at the fault's virtual time instead.
  const where =
    died.atNs !== null
      ? `at virtual time ${(died.atNs / 1e3).toFixed(1)} us of the simulation (inline: the run was abandoned there); it was rerun from the start on a fresh engine`
      : `(thread exit code ${died.code}); it was rerun from the start on a fresh worker`;
  return {
    kind: "worker-exit",
    spec: fault ? faultText(fault) : "worker-exit (not injected)",
    from_us: died.atNs !== null ? died.atNs / 1e3 : 0,
    to_us: died.atNs !== null ? died.atNs / 1e3 : 0,
    effect: `the worker running this simulation died ${where}: these are the rerun's figures (same spec and seed)`,
    dropped: {},
    attempts: 2,
  };
}

// ---- generator-overrun (paths engine) -------------------------------------------------------

/** Frames the generator dropped for lack of room in its transmit buffer (u64 in its context). */
export function overrunDrops(ctx: { u32: Uint32Array } | SimContext, genCtx: number): number {
  const i = (genCtx + P.G_OVERRUN) >>> 2;
  return ctx.u32[i] + ctx.u32[i + 1] * 4294967296;
}

/**
 * The generator's side of generator-overrun. Over the window the offering process runs at
 * `times` x line rate (the mean frame of the size sequence); the kernel puts frames on the wire
 * back to back (its wire clock caps them at line rate), and what was offered beyond the frames
 * the wire took waits in the generator's buffer; the excess over `buffer` frames is dropped.
 * Checked once per generator window (before each burst). Returns null without the fault.
 */
export function generatorOverrun(ctx: SimContext, genCtx: number, onWire: boolean) {
  const f = ctx.faults?.find((x) => x.kind === "generator-overrun");
  if (f?.kind !== "generator-overrun" || !onWire) return null;
  const { fromNs, toNs } = faultWindow(f, ctx.offerUntilNs);
  const u32 = ctx.u32;
  const u8 = new Uint8Array(ctx.mem.buffer);
  // Mean wire time of a frame (bytes + FCS + preamble/IFG, as the kernel counts it).
  const tpl = u32[(genCtx + P.G_TPL) >>> 2];
  const seq = u32[(genCtx + P.G_SEQ) >>> 2];
  const nseq = Math.max(1, u32[(genCtx + P.G_NSEQ) >>> 2]);
  let bytes = 0;
  for (let i = 0; i < nseq; i++) bytes += ctx.u16[(tpl + u8[seq + i] * P.TPL_BYTES + P.T_LEN) >>> 1];
  const wireNs = ((bytes / nseq + 24) * 8) / ctx.linkGbps;
  const overGapNs = wireNs / f.times;
  const normalGapNs = 1e9 / ctx.ratePps;
  const normalGapPs = u64(ctx, genCtx + P.G_GAP_PS);
  let sentAtStart = -1;
  let dropped = 0;
  let done = false;
  /** Frames the offering process offered from the window's start to `t`. */
  const offeredBy = (t: number) =>
    Math.floor((Math.min(t, toNs) - fromNs) / overGapNs) +
    (t > toNs ? Math.floor((t - toNs) / normalGapNs) : 0);
  return {
    spec: f,
    fromNs,
    toNs,
    /** Before the burst of the generator window that opens at `t`. */
    before(t: number): void {
      if (done || t < fromNs) return;
      const sent = u64(ctx, genCtx + P.G_SENT);
      if (sentAtStart < 0) {
        sentAtStart = sent;
        setU64(ctx, genCtx + P.G_GAP_PS, 1); // back to back: the wire clock paces the frames
      }
      // Offered by `t` but not on the wire yet: the buffer holds `buffer` of them.
      const waiting = offeredBy(t) - (sent - sentAtStart) - dropped;
      let excess = waiting - f.buffer;
      if (ctx.count > 0) excess = Math.min(excess, ctx.count - sent - dropped);
      if (excess > 0) {
        dropped += excess;
        setU64(ctx, genCtx + P.G_OVERRUN, dropped);
        if (ctx.count > 0) setU64(ctx, genCtx + P.G_LIMIT, Math.max(sent, ctx.count - dropped));
      }
      if (t >= toNs && waiting <= 0) {
        done = true; // the backlog is gone: the offering process is back to its own rate
        setU64(ctx, genCtx + P.G_GAP_PS, normalGapPs);
        // ... from now on: its schedule, which ran at the overrun's gap, restarts when the wire is free.
        setU64(ctx, genCtx + P.G_NEXT_PS, u64(ctx, genCtx + P.G_WIRE_PS));
      }
    },
    record(): FaultRecord {
      // From the generator's counter, not this closure's: in a partitioned run the generator
      // ran on the source thread, and this record is read on the other one.
      const dropped = overrunDrops(ctx, genCtx);
      return {
        kind: "generator-overrun",
        spec: faultText(f),
        from_us: fromNs / 1e3,
        to_us: toNs / 1e3,
        effect: `the generator offered ${f.times} x line rate for ${((toNs - fromNs) / 1e3).toFixed(1)} us; ${dropped} frame(s) found its ${f.buffer}-frame buffer full and were dropped before the wire`,
        dropped: dropped > 0 ? { "generator-overrun": dropped } : {},
      };
    },
  };
}

// ---- sink-stall (paths engine) ----------------------------------------------------------------

/** The stall window of receive queue `queue` of a consumer, or null (no fault there). */
export function sinkStallWindow(ctx: SimContext, queue: number): { fromNs: number; toNs: number } | null {
  const f = ctx.faults?.find((x) => x.kind === "sink-stall" && x.queue === queue);
  if (f?.kind !== "sink-stall") return null;
  return faultWindow(f, ctx.offerUntilNs);
}

/** `work` under a sink-stall `stall` window (null: no fault): activated inside the window it takes
 *  nothing and looks again when the window ends; its ring fills meanwhile. */
export function stalledWork(work: Work, stall: { fromNs: number; toNs: number } | null): Work {
  if (!stall) return work;
  return (start, n, done) => {
    if (start < stall.fromNs || start >= stall.toNs) return work(start, n, done);
    done.end = stall.toNs;
    return 0;
  };
}

/** Element kinds that consume frames at the end of a path (a driver + stack, a guest's virtio). */
const CONSUMER_KINDS = ["sink", "guest-rx"];

/** The consumers a sink-stall applies to: every sink (or guest virtio receive) not on the wire. */
export function stalledSinks(ctx: SimContext): string[] {
  return ctx.built.elements
    .filter(
      ({ el }) =>
        CONSUMER_KINDS.includes(el.kind) &&
        ctx.resources.get((el as { on?: string }).on ?? "")?.kind !== "wire",
    )
    .map(({ el }) => el.name);
}

/** The sink-shaped context (delivery counters) of consumer `name`'s queue context `c`. */
function countersOf(ctx: SimContext, name: string, c: number): number {
  const el = ctx.built.elements.find((e) => e.el.name === name)?.el;
  return el?.kind === "guest-rx" ? ctx.u32[(c + P.V_SINK) >>> 2] : c;
}

/** Receive queues of the consumer a sink-stall applies to (RSS queues of its sink). */
export function consumerQueues(ctx: SimContext): number {
  let n = 0;
  for (const s of stalledSinks(ctx)) {
    let q = 1;
    while (ctx.built.ctx.has(`${s}/q${q}`)) q++;
    n = Math.max(n, q);
  }
  return n;
}

/** Refuses a sink-stall on a queue the path's consumer does not have (before the run). */
export function checkStallQueues(ctx: SimContext): void {
  const n = consumerQueues(ctx);
  for (const f of ctx.faults ?? [])
    if (f.kind === "sink-stall") checkFaultsApply([f], ctx.path, n > 0, true, n);
}

/** What the faults did in a paths-engine run (after it ended). */
export function faultRecords(ctx: SimContext, overrun: Array<{ record(): FaultRecord }>): FaultRecord[] {
  const out: FaultRecord[] = overrun.map((o) => o.record());
  for (const f of ctx.faults ?? []) {
    if (f.kind !== "sink-stall") continue;
    const { fromNs, toNs } = faultWindow(f, ctx.offerUntilNs);
    const perQueue: number[] = [];
    for (const s of stalledSinks(ctx))
      for (let q = 0; ; q++) {
        const c = ctx.built.ctx.get(q === 0 ? s : `${s}/q${q}`);
        if (c === undefined) break;
        perQueue[q] = (perQueue[q] ?? 0) + u64(ctx, countersOf(ctx, s, c) + P.S_PACKETS);
      }
    const dropped: Record<string, number> = {};
    const nic = ctx.built.nic;
    if (nic) {
      // The consumer's pool receives (rx), or the loopback peer's (vf-loopback's transmit).
      const queues = readCounters(nic.sw.sl, nic.sw.config).queues;
      let n = 0;
      for (const p of new Set([nic.pool, nic.peerPool ?? nic.pool]))
        n += queues[p]?.[f.queue]?.rx_no_desc ?? 0;
      if (n > 0) dropped[`NIC switch: no descriptor (queue ${f.queue})`] = n;
    }
    const n = Object.values(dropped).reduce((a, b) => a + b, 0);
    out.push({
      kind: "sink-stall",
      spec: faultText(f),
      from_us: fromNs / 1e3,
      to_us: toNs / 1e3,
      effect:
        n > 0
          ? `queue ${f.queue}'s consumer took nothing for ${((toNs - fromNs) / 1e3).toFixed(1)} us: its ring filled and the NIC dropped ${n} frame(s) there (no descriptor); the other queues were not stalled`
          : `queue ${f.queue}'s consumer took nothing for ${((toNs - fromNs) / 1e3).toFixed(1)} us; its ring held the backlog (no drop on that queue), delivered late`,
      dropped,
      queue: f.queue,
      per_queue_delivered: perQueue,
    });
  }
  return out;
}

/** Why a sink-stall has no consumer to stall: another direction has one, or none has (a path
 *  that forwards back to the wire, where --direction rx is no way out). */
function noConsumerWhy(path: string | EnginePath): string {
  const p = typeof path === "string" ? enginePath(path) : path;
  const onCpu = (els: readonly EngineElement[] | null | undefined) =>
    (els ?? []).some(
      (e) => CONSUMER_KINDS.includes(e.kind) && p?.resources.find((r) => r.name === e.on)?.kind !== "wire",
    );
  return p && !onCpu(p.rx) && !onCpu(p.tx)
    ? "forwards what it receives back to the wire: no consumer on a CPU receives frames to stall"
    : "has no receiving consumer in this direction (use --direction rx or both)";
}

/** Throws a located error when a path cannot take a fault (checked before anything runs). */
export function checkFaultsApply(
  faults: readonly FaultSpec[],
  path: string | EnginePath,
  hasConsumerSink: boolean,
  hasWireGenerator: boolean,
  queues = 64,
): void {
  const name = typeof path === "string" ? path : path.name;
  for (const f of faults) {
    if (f.kind === "sink-stall" && !hasConsumerSink)
      throw new UserError("E_USAGE", `--inject-fault ${faultText(f)}: path ${name} ${noConsumerWhy(path)}`);
    if (f.kind === "sink-stall" && f.queue >= queues)
      throw new UserError(
        "E_USAGE",
        `--inject-fault ${faultText(f)}: the consumer of path ${name} has ${queues} receive queue(s) (queue 0..${queues - 1})`,
      );
    if (f.kind === "generator-overrun" && !hasWireGenerator)
      throw new UserError(
        "E_USAGE",
        `--inject-fault ${faultText(f)}: path ${name} has no generator on the wire in this direction (use --direction rx or both)`,
      );
  }
}
