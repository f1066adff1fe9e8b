// How one simulation is cut into two partitions that run on two threads, and the two partitions'
// event loops (conservative synchronization, DESIGN.md principle 4).
//
// The cut: the source partition holds the graph's traffic sources (elements with no input whose
// resource no other element uses: the wire generator); the consumer partition holds the rest
// (NIC, PCIe, cores, vCPUs). Across the cut go the generator's link records (descriptors and
// the virtual time they are ready, always after the event that wrote them) and, back, only frame
// buffers (the generator's return rings), which carry no time. The NIC-to-host links, whose
// refill doorbells make a cycle with a lookahead of half a PCIe round trip (350 ns), stay inside
// one partition: that window is shorter than a write-back window (1 µs), so a cut there would
// synchronize at every event.
//
// Rules (what makes the partitioned run give the single-thread results):
// - The consumer runs an event at t only once the source has run every event before t, after
//   taking every record published by those events (a consumer at t sees what the single-thread
//   run has published before t; records of an event at exactly t are not yet visible there,
//   as in the single-thread run where the consumer's event at t was scheduled first).
// - The source runs an event at t when its generators have a window's worth of free buffers and
//   ring room (then the single-thread run had them too: the consumer returns buffers and takes
//   descriptors only as time advances), or else once the consumer has run every event before t
//   (then both runs see the same buffers and room).
// - Promises (progress) are published before each event; a partition never runs an event earlier
//   than its promise. Positive lookahead source -> consumer: a record is ready after its event.
import { R_HEAD, R_LIMIT, R_TAIL } from "../../../assembly/abi.ts";
import * as P from "../../../assembly/pathabi.ts";
import { genRetSlot } from "../../paths/build.ts";
import type { BuiltGraph } from "../graph.ts";
import type { Link } from "../link.ts";
import { elementKind } from "../registry.ts";
import { type RunState, startGraph } from "../run.ts";
import { type Channel, WAIT_GENERATOR_ROOM, WAIT_PROGRESS, WAIT_RECORD_ROOM } from "./channel.ts";

export const SOURCE = 0;
export const CONSUMER = 1;

export interface Split {
  /** Element indices of the source partition. */
  source: Set<number>;
  /** Links from the source partition to the consumer partition, by name (record link index = position). */
  cut: string[];
  /** Resources the source partition owns. */
  sourceResources: Set<string>;
}

/** The cut of a built graph (same answer on both threads: it depends on the graph only). */
export function splitGraph(g: BuiltGraph): Split {
  const users = new Map<string, number[]>();
  g.specs.forEach((s, i) => {
    users.set(s.on, [...(users.get(s.on) ?? []), i]);
  });
  const source = new Set<number>();
  g.specs.forEach((s, i) => {
    const ports = elementKind(s.kind).ports(s);
    if (ports.in.length === 0 && ports.out.length > 0 && users.get(s.on)?.length === 1) source.add(i);
  });
  if (source.size === 0 || source.size === g.specs.length)
    throw new Error(
      `path ${g.ctx.path.name}: no cut for a partitioned run (it needs a traffic source on a resource of its own, the wire generator of direction rx or both)`,
    );
  const cut: string[] = [];
  for (const i of source) cut.push(...elementKind(g.specs[i].kind).ports(g.specs[i]).out);
  return { source, cut, sourceResources: new Set([...source].map((i) => g.specs[i].on)) };
}

/**
 * How many frames of buffers and ring room a source short of them waits for: half its out ring
 * (the smallest ring of its generators), at least one window. Each hand-off is a futex wake-up
 * and a thread switch on both sides, so it should carry many frames (512 of the 1,024-descriptor
 * wire ring: about 600 hand-offs in the bench's 20 ms at 14.88 Mpps, against 1,000 when the
 * source resumed at 8 windows); and the consumer, which wakes the source, should still have work
 * queued while the source wakes up (half a ring: about 34 µs of virtual time at line rate),
 * or it waits in turn. (Waiting for the ring to drain to one window gave half the hand-offs and
 * the same CPU and wall on this loaded machine, with the consumer waiting at each.) Waiting for
 * more room than one window changes only when the source runs, never what it does.
 */
function resumeFrames(g: BuiltGraph, gens: number[], window: number): number {
  const u32 = g.ctx.u32;
  let limit = Number.POSITIVE_INFINITY;
  for (const c of gens) limit = Math.min(limit, u32[(u32[(c + P.G_OUT) >>> 2] + R_LIMIT) >>> 2]);
  return Number.isFinite(limit) ? Math.max(window, Math.floor(limit / 2)) : window;
}

/** The out-ring head at which generator `c` has room for `frames` more (its tail is still: the
 *  source waits). Ring indices wrap at 2^32: compared by difference (headsReached). */
function headWithRoom(g: BuiltGraph, c: number, frames: number): number {
  const u32 = g.ctx.u32;
  const out = u32[(c + P.G_OUT) >>> 2];
  return (Atomics.load(u32, (out + R_TAIL) >>> 2) + frames - u32[(out + R_LIMIT) >>> 2]) >>> 0;
}

/** Every generator's out-ring head has reached its `roomHead` (this thread moves the heads). */
function headsReached(g: BuiltGraph, gens: number[], roomHead: Float64Array): boolean {
  const u32 = g.ctx.u32;
  for (let i = 0; i < gens.length; i++) {
    const out = u32[(gens[i] + P.G_OUT) >>> 2];
    if (((u32[(out + R_HEAD) >>> 2] - roomHead[i]) | 0) < 0) return false;
  }
  return true;
}

function sourceGenerators(g: BuiltGraph, split: Split): number[] {
  return [...split.source]
    .map((i) => g.specs[i].name)
    .filter((n) => g.ctx.built.gens.includes(n))
    .map((n) => g.ctx.built.ctx.get(n)!);
}

/** How a thread reads the ring indices of the source's generators that the rule below needs:
 *  of generator k, return ring i's tail and head (at `ring`) and the out ring's head (at `out`). */
interface RoomIndices {
  retTail(k: number, i: number, ring: number): number;
  retHead(ring: number): number;
  outHead(k: number, out: number): number;
}

/**
 * The rule for a source generator's room: every one of them has at least `budget` free buffers
 * (stack + returned) and out-ring room for `budget` more frames. Both threads ask it (the source
 * before an event, the consumer before it wakes a waiting source); they differ only in how they
 * read the indices the other thread moves (`read`).
 */
function generatorsHaveRoom(g: BuiltGraph, gens: number[], budget: number, read: RoomIndices): boolean {
  const u32 = g.ctx.u32;
  for (let k = 0; k < gens.length; k++) {
    const c = gens[k];
    let free = u32[u32[(c + P.G_FREE) >>> 2] >>> 2];
    const nret = u32[(c + P.G_NRET) >>> 2];
    for (let i = 0; i < nret; i++) {
      const r = u32[(c + genRetSlot(i)) >>> 2];
      // A stale (lower) tail may lie below the head: none left then.
      free += Math.max(0, (read.retTail(k, i, r) - read.retHead(r)) | 0);
    }
    const out = u32[(c + P.G_OUT) >>> 2];
    const used = (u32[(out + R_TAIL) >>> 2] - read.outHead(k, out)) >>> 0;
    if (free < budget || used + budget > u32[(out + R_LIMIT) >>> 2]) return false;
  }
  return true;
}

/**
 * The source's view of its generators' free buffers and out-ring room. The indices the consumer
 * moves (out-ring head, return-ring tails) only grow, so values read earlier give lower bounds: a
 * check on them that passes is the answer the current values give (at least `budget`); only one
 * that falls short reads them again (each read of a line the consumer's core writes is a cache
 * miss, and the source checks before every event).
 */
class SourceRoom {
  private readonly outHead: Float64Array;
  private readonly retTail: Float64Array[];
  /** The values read earlier (lower bounds); this thread moves the return rings' heads. */
  private readonly cached: RoomIndices;
  /** The values now, kept as the new lower bounds. */
  private readonly fresh: RoomIndices;

  constructor(
    private readonly g: BuiltGraph,
    private readonly gens: number[],
  ) {
    const u32 = g.ctx.u32;
    this.outHead = new Float64Array(gens.length);
    this.retTail = gens.map((c) => new Float64Array(u32[(c + P.G_NRET) >>> 2]));
    const retHead = (ring: number) => u32[(ring + R_HEAD) >>> 2];
    this.cached = {
      retTail: (k, i) => this.retTail[k][i],
      retHead,
      outHead: (k) => this.outHead[k],
    };
    this.fresh = {
      retTail: (k, i, ring) => {
        this.retTail[k][i] = Atomics.load(u32, (ring + R_TAIL) >>> 2);
        return this.retTail[k][i];
      },
      retHead,
      outHead: (k, out) => {
        this.outHead[k] = Atomics.load(u32, (out + R_HEAD) >>> 2);
        return this.outHead[k];
      },
    };
    generatorsHaveRoom(g, gens, 0, this.fresh);
  }

  /** Generator k's out-ring head and room, read now. */
  headNow(k: number): number {
    const u32 = this.g.ctx.u32;
    return Atomics.load(u32, (u32[(this.gens[k] + P.G_OUT) >>> 2] + R_HEAD) >>> 2);
  }

  outRoom(k: number): number {
    const u32 = this.g.ctx.u32;
    const out = u32[(this.gens[k] + P.G_OUT) >>> 2];
    return u32[(out + R_LIMIT) >>> 2] - ((u32[(out + R_TAIL) >>> 2] - this.headNow(k)) >>> 0);
  }

  canRun(budget: number): boolean {
    return (
      generatorsHaveRoom(this.g, this.gens, budget, this.cached) ||
      generatorsHaveRoom(this.g, this.gens, budget, this.fresh)
    );
  }
}

/** The consumer's reads for the same rule: every index the source moves, and its own, now. */
function consumerRoomIndices(g: BuiltGraph): RoomIndices {
  const u32 = g.ctx.u32;
  return {
    retTail: (_k, _i, ring) => Atomics.load(u32, (ring + R_TAIL) >>> 2),
    retHead: (ring) => Atomics.load(u32, (ring + R_HEAD) >>> 2),
    outHead: (_k, out) => Atomics.load(u32, (out + R_HEAD) >>> 2),
  };
}

/** The source partition's loop (its own thread): runs until `stopNs`, sending the cut links' records. */
export function runSource(g: BuiltGraph, split: Split, ch: Channel, stopNs: number): RunState {
  const q = g.ctx.q;
  split.cut.forEach((name, idx) => {
    g.ctx.link(name).remote = (tail, ready) => {
      // The consumer may sleep on a time this source has not reached: woken, it takes records.
      if (!ch.hasRoom())
        ch.waitUntil(SOURCE, () => ch.hasRoom(), WAIT_RECORD_ROOM, Number.POSITIVE_INFINITY, true);
      ch.send(idx, tail, ready, q.now);
    };
  });
  const state = startGraph(g, (i) => split.source.has(i));
  const gens = sourceGenerators(g, split);
  const budget = g.ctx.costs.c.nic_window_frames;
  const resume = resumeFrames(g, gens, budget);
  const room = new SourceRoom(g, gens);
  // Descriptors the consumer drains from the first generator's out ring per wall ms (a moving
  // average over past waits): a wait for room first naps until the ring should have drained to
  // `resume`, so that the consumer, the busier thread, need not wake this one (a futex wake-up
  // cost it tens of µs of wall time per hand-off on this shared VM). Only when it wakes, and
  // never what it computes, depends on this.
  let drainPerMs = 0;
  for (;;) {
    const t = q.peekTime();
    if (t > stopNs) break;
    ch.setProgress(SOURCE, t);
    // Short of room: wait until the ring has half drained (resumeFrames), or the consumer has run
    // every event before t (then both runs see the same room).
    if (!room.canRun(budget)) {
      const h0 = room.headNow(0);
      const w0 = performance.now();
      const short = resume - room.outRoom(0);
      ch.waitUntil(
        SOURCE,
        () => ch.progress(CONSUMER) >= t || room.canRun(resume),
        WAIT_GENERATOR_ROOM,
        t,
        true, // the consumer re-publishes its progress with this source's
        // No polling: the room comes after the consumer has worked through most of the ring
        // (tens of microseconds at least), and a poll here takes CPU the consumer may need.
        0,
        50,
        drainPerMs > 0 && short > 0 ? short / drainPerMs : 0,
      );
      const ms = performance.now() - w0;
      const drained = (room.headNow(0) - h0) >>> 0;
      if (ms > 0 && drained > 0) {
        const r = drained / ms;
        // Weight 1/4: wall-clock tuning, an assumption (it only times the nap): the estimate
        // follows a change in the machine's load within a few waits (hundreds per run) while one
        // odd wait (the consumer preempted) moves it by a quarter; other weights were not compared.
        drainPerMs = drainPerMs === 0 ? r : drainPerMs + (r - drainPerMs) / 4;
      }
    }
    state.endNs = t;
    q.runNext();
  }
  ch.setProgress(SOURCE, Number.POSITIVE_INFINITY);
  state.settle?.();
  return state;
}

/** The consumer partition's loop (the calling thread): runs until `stopNs`, taking the records. */
export function runConsumer(g: BuiltGraph, split: Split, ch: Channel, stopNs: number): RunState {
  const q = g.ctx.q;
  const links: Link[] = split.cut.map((name) => g.ctx.link(name));
  const take = (link: number, tail: number, ready: number) => links[link].ingest(tail, ready);
  const state = startGraph(g, (i) => !split.source.has(i));
  const gens = sourceGenerators(g, split);
  const resume = resumeFrames(g, gens, g.ctx.costs.c.nic_window_frames);
  // While the source waits for room: each generator's out-ring head at which it has `resume`,
  // computed for the source's wait that followed its publication `waitSeq` (its sequence word;
  // -1: none), and whether this side woke that wait already (once per wait: the source, napping
  // or asleep, checks its room before each sleep, so a second wake-up would find nothing new and
  // would only write the source's line and the shared one at every event).
  const roomHead = new Float64Array(gens.length);
  const roomIndices = consumerRoomIndices(g);
  let waitSeq = -1;
  let woke = false;
  // The source's progress as last read: it only grows, so it is read again only when the next
  // event lies beyond it (with the record ring's tail: the source's line is read once per read).
  let src = ch.sourceProgress();
  const before = () => Math.min(q.peekTime(), src);
  for (;;) {
    // Take what the source published before min(next event, source progress); that may bring
    // an earlier event. Run the next event once the source has passed it.
    let t = q.peekTime();
    if (src < t) src = ch.sourceProgress();
    for (;;) {
      ch.receive(before, take);
      t = q.peekTime();
      if (src >= t) break;
      ch.setProgress(CONSUMER, src);
      // Also awake when the source sleeps on room after moving on: its progress there may be
      // what lets it run again (the consumer's promise is min(next event, source progress)).
      const seen = src;
      ch.waitUntil(
        CONSUMER,
        () =>
          ch.progress(SOURCE) >= t ||
          ch.ringFull() ||
          (ch.waiting(SOURCE) !== 0 && ch.progress(SOURCE) > seen),
        WAIT_PROGRESS,
        t,
      );
      src = ch.sourceProgress();
    }
    // This side's promise (every event before t has run) matters to the source only while it
    // waits (short of room): published then, and before this side waits (above). A promise
    // published late is still a true one, only a smaller one. (One load of the source's wait
    // word per event: the source waits for room most of the time, so this runs hot.)
    const why = ch.waiting(SOURCE);
    if (why !== 0) ch.setProgress(CONSUMER, t);
    if (t > stopNs) break;
    state.endNs = t;
    q.runNext();
    // The source sleeps for room this run has made: wake it. Its out rings' heads (written on
    // this thread) are compared with the heads at which they have the room it waits for; only
    // then are its buffers counted (generatorsHaveRoom reads lines the source writes).
    if (why === WAIT_GENERATOR_ROOM) {
      // Same line as the wait word read above: no further cache miss.
      const seq = ch.published(SOURCE);
      if (seq !== waitSeq) {
        waitSeq = seq;
        woke = false;
        for (let i = 0; i < gens.length; i++) roomHead[i] = headWithRoom(g, gens[i], resume);
      }
      // Not urgent: a source napping until its estimate of this moment wakes itself.
      if (!woke && headsReached(g, gens, roomHead) && generatorsHaveRoom(g, gens, resume, roomIndices)) {
        woke = true;
        ch.wake(SOURCE, false);
      }
    } else waitSeq = -1;
  }
  ch.setProgress(CONSUMER, Number.POSITIVE_INFINITY);
  state.settle?.();
  return state;
}
