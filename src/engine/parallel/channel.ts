// The shared block two partitions of one simulation synchronize through (one SharedArrayBuffer):
// - each partition's progress: a virtual time before which it has run every event (its promise),
//   a double under a sequence word (a seqlock: the writer makes the word odd, writes the double,
//   makes it even again; a reader retries on an odd or moved word), so publishing it allocates
//   nothing (a BigInt64 word did: a BigInt per event). Every access, the double's two 32-bit
//   halves included, is an Atomics one: the JS memory model lets a plain access to shared memory
//   tear and does not order it against Atomics, so a plain double there could pair a new
//   progress with an old ring tail on a weakly ordered CPU (ARM64; x86-64 hides it);
// - a wait word per partition (set while it waits, spinning or asleep: the other then publishes
//   its progress) and a sleep word (set only around Atomics.wait: the other notifies only then,
//   once per sleep);
// - one SPSC ring of link records (tail after a kernel call, ready time, time of the event that
//   published it) from the producer partition to the consumer partition, netmap/DPDK style:
//   capacity separate from the mask, head written only by the consumer, tail only by the producer,
//   each published with an atomic store after the record it covers is written.
// Ownership: each partition writes only its own 64-byte line (ring index: TAIL for the source,
// HEAD for the consumer; its wait, sleep and sequence words; its progress and its need), so a
// write on one side never invalidates the line the other side writes (rte_ring keeps its
// producer and consumer heads on separate cache lines for the same reason); the wake-up counter
// and the abort flag share a third line; slot contents belong to the producer.

import type { SyncStats } from "../types.ts";

/** Int32 words of partition p's line: LINE_I32 * p + ... */
const LINE_I32 = 16;
/** The source's TAIL, the consumer's HEAD. */
const INDEX = 0;
/** Why it waits (WAIT_*), 0 when it does not. */
const WAIT = 1;
/** ASLEEP while it is in (or about to enter) Atomics.wait, NAPPING in a timed sleep that only
 *  an urgent wake-up cuts short; 0 when awake. */
const SLEEP = 2;
const ASLEEP = 1;
const NAPPING = 2;
/** The longest nap (ms): a wrong estimate costs at most this. Wall-clock tuning, an assumption
 *  (no simulated figure depends on it): an expected nap, half the 1,024-descriptor wire ring
 *  drained at the consumer's 3-6 M frames/s on one thread, lasts 0.1-0.2 ms, so 2 ms (about ten
 *  times that) cuts only estimates gone wrong (a drain rate measured while the consumer had no
 *  CPU) and bounds what one costs; other caps were not compared. */
const NAP_MAX_MS = 2;
/** Sequence word of its progress (odd while being written). */
const SEQ = 3;
/** Its progress, bytes 16-23: written and read as two Int32 halves (PROGRESS_I32, + 1), each
 *  with Atomics, through the scratch pair below. */
const PROGRESS_I32 = 4;
/** The other side's progress this partition waits for (wake it only once that is reached),
 *  bytes 24-31: two Int32 halves (NEED_I32, + 1) with Atomics, as the progress. Written before
 *  the wait words and read by the other side after it saw them; a reader holding a stale
 *  SLEEP may still meet the next wait's rewrite half way (no sequence word guards it). That
 *  costs at most a missed or needless urgent wake-up, bounded by the sleep and nap caps: it
 *  decides only when a thread wakes, never what a partition computes. */
const NEED_I32 = 6;
/** Shared line: the wake-up counter both sides sleep on, and the abort flag. */
const WAKE = 2 * LINE_I32;
/** Set when either side failed: the other stops waiting (and throws) instead of hanging. */
const ABORT = WAKE + 1;
const HEADER_BYTES = 3 * 64;
const TAIL = LINE_I32 * 0 + INDEX; // the source (producer) is partition 0
const HEAD = LINE_I32 * 1 + INDEX; // the consumer is partition 1

/** Wall time a waiting partition polls before it sleeps in Atomics.wait (ms). Wall-clock
 *  tuning, an assumption (it changes when a thread runs, never what it computes): on a core of
 *  its own the other side often delivers within microseconds, and a sleep costs a futex wake-up
 *  and a thread switch on both sides; on an oversubscribed machine a long poll takes the core
 *  from the very thread it waits for (2 ms of polling made runs 5-10 times slower on this shared
 *  2-core machine, 0.1 ms no faster than none), so 0.05 ms, between the two. */
const SPIN_MS = 0.05;

/** This thread's scratch (not shared; one pair per thread, as each worker loads its own copy of
 *  this module): a double's bits as two Int32 halves, with no allocation per call. */
const scratchF64 = new Float64Array(1);
const scratchI32 = new Int32Array(scratchF64.buffer);

/** Why a partition sleeps (its wait word): the other's progress, record room, or generator room. */
export const WAIT_PROGRESS = 1;
export const WAIT_RECORD_ROOM = 2;
export const WAIT_GENERATOR_ROOM = 3;
/** Doubles per record: link index, tail, ready time, publishing event's time. */
export const RECORD_WORDS = 4;

export interface ChannelBlock {
  sab: SharedArrayBuffer;
  capacity: number;
}

export function createChannel(capacity = 4096): ChannelBlock {
  if (capacity & (capacity - 1)) throw new Error("channel capacity must be a power of two");
  return {
    sab: new SharedArrayBuffer(HEADER_BYTES + capacity * RECORD_WORDS * 8),
    capacity,
  };
}

export function emptySyncStats(): SyncStats {
  return { waits: 0, sleeps: 0, wait_ms: 0, notifies: 0, naps: 0, records: 0, exchanges: 0 };
}

export class Channel {
  readonly i32: Int32Array;
  private readonly rec: Float64Array;
  readonly capacity: number;
  private readonly mask: number;
  /** Consumer: the tail as of its last sourceProgress(). */
  private tailSeen = 0;
  /** This thread's counters (each thread has its own Channel over the one block). */
  readonly stats: SyncStats = emptySyncStats();

  constructor(b: ChannelBlock) {
    this.i32 = new Int32Array(b.sab, 0, HEADER_BYTES / 4);
    this.rec = new Float64Array(b.sab, HEADER_BYTES, b.capacity * RECORD_WORDS);
    this.capacity = b.capacity;
    this.mask = b.capacity - 1;
  }

  /** A double as two Int32 halves, each stored with Atomics (no plain shared access). */
  private storeF64(word: number, v: number): void {
    scratchF64[0] = v;
    Atomics.store(this.i32, word, scratchI32[0]);
    Atomics.store(this.i32, word + 1, scratchI32[1]);
  }

  /** A double stored by storeF64; consistent only where the writer cannot be between halves. */
  private loadF64(word: number): number {
    scratchI32[0] = Atomics.load(this.i32, word);
    scratchI32[1] = Atomics.load(this.i32, word + 1);
    return scratchF64[0];
  }

  /** Partition p has run every event before `t` (and will never run one earlier). Only
   *  partition p's thread calls this (the sequence word has one writer). */
  setProgress(p: number, t: number): void {
    const i32 = this.i32;
    const seq = LINE_I32 * p + SEQ;
    const word = LINE_I32 * p + PROGRESS_I32;
    const s = Atomics.load(i32, seq);
    Atomics.store(i32, seq, s + 1);
    this.storeF64(word, t);
    Atomics.store(i32, seq, s + 2);
    const o = 1 - p;
    if (Atomics.load(this.i32, LINE_I32 * o + SLEEP) !== 0 && t >= this.loadF64(LINE_I32 * o + NEED_I32))
      this.wake(o);
  }

  /** Partition p's progress: a consistent value (retried while p's thread writes it). */
  progress(p: number): number {
    const i32 = this.i32;
    const seq = LINE_I32 * p + SEQ;
    const word = LINE_I32 * p + PROGRESS_I32;
    for (;;) {
      const s = Atomics.load(i32, seq);
      const lo = Atomics.load(i32, word);
      const hi = Atomics.load(i32, word + 1);
      if ((s & 1) === 0 && Atomics.load(i32, seq) === s) {
        scratchI32[0] = lo;
        scratchI32[1] = hi;
        return scratchF64[0];
      }
    }
  }

  /**
   * Consumer: the source's progress, and with it the ring's tail as it was after that progress
   * was published (read in that order): every record of an event before the progress is then
   * below the tail receive() uses, so the source's line is read once per progress read, not once
   * per event (each read of a line the other core writes is a cache miss).
   */
  sourceProgress(): number {
    const t = this.progress(0);
    this.tailSeen = Atomics.load(this.i32, TAIL);
    return t;
  }

  /** Why partition p waits, spinning or asleep (0: it does not). */
  waiting(p: number): number {
    return Atomics.load(this.i32, LINE_I32 * p + WAIT);
  }

  /** Partition p sleeps in Atomics.wait (only then does it need a wake()). */
  asleep(p: number): boolean {
    return Atomics.load(this.i32, LINE_I32 * p + SLEEP) !== 0;
  }

  /** How many times partition p has published its progress, times two (its sequence word): a
   *  new value means a new promise, so a wait of p that follows is a new wait. */
  published(p: number): number {
    return Atomics.load(this.i32, LINE_I32 * p + SEQ);
  }

  /** Wakes partition `other` (after publishing something it may wait for). The counter moves
   *  always (a side about to sleep sees it moved and does not); the notify, a futex call, only
   *  when that side sleeps, or, `urgent`, naps. Of the partitions' lines it touches only the
   *  other side's sleep word (and the shared wake-up line). */
  wake(other: number, urgent = true): void {
    Atomics.add(this.i32, WAKE, 1);
    // Clearing the sleep word claims its wake-up: later calls find it clear and skip the notify.
    const word = LINE_I32 * other + SLEEP;
    const claimed = urgent
      ? Atomics.exchange(this.i32, word, 0) !== 0
      : Atomics.compareExchange(this.i32, word, ASLEEP, 0) === ASLEEP;
    if (claimed) {
      this.stats.notifies++;
      Atomics.notify(this.i32, WAKE);
    }
  }

  /** The other partition must stop: this one failed. (Once per run, on failure: the notify wakes
   *  whichever side sleeps on the shared word, no sleep word claimed.) */
  abort(): void {
    Atomics.store(this.i32, ABORT, 1);
    Atomics.add(this.i32, WAKE, 1);
    Atomics.notify(this.i32, WAKE);
  }

  /**
   * Waits (partition p) until `ready()` holds: polls for `spinMs` of wall time, then sleeps. The
   * other side wakes a sleeper when its progress reaches `need`, or when it made the record room
   * a producer waits for; a sleep ends by itself after `sleepMs`, and `ready()` is asked again.
   */
  waitUntil(
    p: number,
    ready: () => boolean,
    why: number,
    need = Number.POSITIVE_INFINITY,
    /** Wake the other side once this one waits (it may have to re-publish its progress). */
    wakeOther = false,
    /** Poll this long before sleeping (a wait expected to be long sleeps at once: 0). */
    spinMs = SPIN_MS,
    /** Longest single sleep (ms): a side that wakes itself on a timer needs no notify. */
    sleepMs = 50,
    /** First sleep this long on a timer (the wait's expected length): only an urgent wake-up
     *  (the other side's progress reached `need`) cuts it short, so the other side pays no
     *  futex wake-up for what the nap covers. */
    napMs = 0,
  ): void {
    if (ready()) return;
    const line = LINE_I32 * p;
    this.storeF64(line + NEED_I32, need); // read by the other side only once it sees the words below
    Atomics.store(this.i32, line + WAIT, why);
    if (wakeOther) this.wake(1 - p);
    const st = this.stats;
    st.waits++;
    const w0 = performance.now();
    try {
      if (napMs > 0) {
        Atomics.store(this.i32, line + SLEEP, NAPPING);
        const seen = Atomics.load(this.i32, WAKE);
        if (ready()) return;
        st.naps++;
        Atomics.wait(this.i32, WAKE, seen, Math.min(napMs, NAP_MAX_MS));
        Atomics.store(this.i32, line + SLEEP, 0);
        if (ready()) return;
      }
      const spinUntil = w0 + spinMs;
      for (let i = 1; spinMs > 0; i++) {
        if (ready()) return;
        if ((i & 63) === 0) {
          if (Atomics.load(this.i32, ABORT) !== 0) throw new Error("the other partition of this run failed");
          if (performance.now() > spinUntil) break;
        }
      }
      for (;;) {
        if (Atomics.load(this.i32, ABORT) !== 0) throw new Error("the other partition of this run failed");
        Atomics.store(this.i32, line + SLEEP, ASLEEP);
        const seen = Atomics.load(this.i32, WAKE);
        if (ready()) return;
        st.sleeps++;
        Atomics.wait(this.i32, WAKE, seen, sleepMs);
        Atomics.store(this.i32, line + SLEEP, 0);
        if (ready()) return;
      }
    } finally {
      st.wait_ms += performance.now() - w0;
      Atomics.store(this.i32, line + SLEEP, 0);
      Atomics.store(this.i32, line + WAIT, 0);
    }
  }

  /** Producer: room for one more record? (Its own TAIL read plainly: only this thread writes it.) */
  hasRoom(): boolean {
    return this.i32[TAIL] - Atomics.load(this.i32, HEAD) < this.capacity;
  }

  /** Consumer: is the ring full (the producer waits for room)? The producer's TAIL is read with
   *  Atomics (the other thread writes it); its own HEAD plainly. */
  ringFull(): boolean {
    return Atomics.load(this.i32, TAIL) - this.i32[HEAD] >= this.capacity;
  }

  /** Producer: appends a record (hasRoom() must hold) and publishes it. */
  send(link: number, tail: number, ready: number, pushT: number): void {
    const t = this.i32[TAIL];
    const o = (t & this.mask) * RECORD_WORDS;
    this.rec[o] = link;
    this.rec[o + 1] = tail;
    this.rec[o + 2] = ready;
    this.rec[o + 3] = pushT;
    Atomics.store(this.i32, TAIL, t + 1);
    this.stats.records++;
  }

  /**
   * Consumer: takes, oldest first, each record published by an event before `before()` (asked
   * again after each record: taking one may schedule an earlier event), of those below the tail
   * its last sourceProgress() saw (`before()` must not exceed that progress).
   */
  receive(before: () => number, take: (link: number, tail: number, ready: number) => void): void {
    const h0 = this.i32[HEAD];
    const t = this.tailSeen;
    if (h0 === t) return;
    let h = h0;
    while (h !== t) {
      const o = (h & this.mask) * RECORD_WORDS;
      if (!(this.rec[o + 3] < before())) break;
      take(this.rec[o], this.rec[o + 1], this.rec[o + 2]);
      h++;
    }
    if (h !== h0) {
      this.stats.records += (h - h0) | 0;
      this.stats.exchanges++;
      Atomics.store(this.i32, HEAD, h);
      // The source (partition 0) waits for record room: its words are at the start of its line.
      if (Atomics.load(this.i32, SLEEP) !== 0 && Atomics.load(this.i32, WAIT) === WAIT_RECORD_ROOM)
        this.wake(0);
    }
  }
}
