// The shared block two partitions of one simulation synchronize through (one SharedArrayBuffer):
// - each partition's progress: a virtual time before which it has run every event (its promise),
//   stored as the f64's bits in a BigInt64 word (an atomic store of the whole value);
// - a wait word per partition (set while it waits, spinning or asleep: the other then publishes
//   its progress) and a sleep word (set only around Atomics.wait: the other notifies only then,
//   once per sleep);
// - one SPSC ring of link records (tail after a kernel call, ready time, time of the event that
//   published it) from the producer partition to the consumer partition, netmap/DPDK style:
//   capacity separate from the mask, head written only by the consumer, tail only by the producer,
//   each published with an atomic store after the record it covers is written.
// Ownership: slot contents and TAIL belong to the producer, HEAD to the consumer; progress word p
// and wait word p to partition p.

/** Int32 word indices. */
const HEAD = 0;
const TAIL = 1;
const WAIT0 = 2; // WAIT0 + p; WAIT0 + 2 is the wake-up counter both sleep on
/** Set when either side failed: the other stops waiting (and throws) instead of hanging. */
const ABORT = 5;
/** SLEEP0 + p: partition p is in (or about to enter) Atomics.wait. */
const SLEEP0 = 6;
const INTS = 8;
/** Wall time a waiting partition polls before it sleeps in Atomics.wait (ms). On a core of its
 *  own the other side often delivers within microseconds, and a sleep costs a futex wake-up and
 *  a thread switch on both sides; on an oversubscribed machine a long poll takes the core from
 *  the very thread it waits for (2 ms of polling made runs 5-10 times slower on this shared
 *  2-core machine, 0.1 ms no faster than none). An assumption, not a model constant: it changes
 *  when a thread runs, never what it computes. */
const SPIN_MS = 0.05;
/** BigInt64 word indices (after the Int32 words): progress of partition p; the other side's
 *  progress partition p waits for (wake it only once that is reached). */
const PROGRESS0 = 0;
const NEED0 = 2;

/** Why a partition sleeps (its wait word): the other's progress, record room, or generator room. */
export const WAIT_PROGRESS = 1;
export const WAIT_RECORD_ROOM = 2;
export const WAIT_GENERATOR_ROOM = 3;
const BIGS = 4;
/** Doubles per record: link index, tail, ready time, publishing event's time. */
export const RECORD_WORDS = 4;

export interface ChannelBlock {
  sab: SharedArrayBuffer;
  capacity: number;
}

export function createChannel(capacity = 4096): ChannelBlock {
  if (capacity & (capacity - 1)) throw new Error("channel capacity must be a power of two");
  return {
    sab: new SharedArrayBuffer((INTS + 2 * BIGS) * 4 + capacity * RECORD_WORDS * 8),
    capacity,
  };
}

const bits = new BigInt64Array(1);
const asF64 = new Float64Array(bits.buffer);

export class Channel {
  readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  private readonly rec: Float64Array;
  readonly capacity: number;
  private readonly mask: number;

  constructor(b: ChannelBlock) {
    this.i32 = new Int32Array(b.sab, 0, INTS);
    this.i64 = new BigInt64Array(b.sab, INTS * 4, BIGS);
    this.rec = new Float64Array(b.sab, (INTS + 2 * BIGS) * 4, b.capacity * RECORD_WORDS);
    this.capacity = b.capacity;
    this.mask = b.capacity - 1;
  }

  /** Partition p has run every event before `t` (and will never run one earlier). */
  setProgress(p: number, t: number): void {
    asF64[0] = t;
    Atomics.store(this.i64, PROGRESS0 + p, bits[0]);
    if (Atomics.load(this.i32, SLEEP0 + (1 - p)) !== 0 && t >= this.need(1 - p)) this.wake();
  }

  private need(p: number): number {
    bits[0] = Atomics.load(this.i64, NEED0 + p);
    return asF64[0];
  }

  /** Why partition p waits, spinning or asleep (0: it does not). */
  waiting(p: number): number {
    return Atomics.load(this.i32, WAIT0 + p);
  }

  /** Partition p sleeps in Atomics.wait (only then does it need a wake()). */
  asleep(p: number): boolean {
    return Atomics.load(this.i32, SLEEP0 + p) !== 0;
  }

  progress(p: number): number {
    bits[0] = Atomics.load(this.i64, PROGRESS0 + p);
    return asF64[0];
  }

  /** Wakes the other partition (after publishing something it may wait for). The counter moves
   *  always (a side about to sleep sees it moved and does not); the notify, a futex call, only
   *  when a side sleeps. */
  wake(): void {
    Atomics.add(this.i32, WAIT0 + 2, 1);
    // Clearing a sleep word claims its wake-up: later calls find it clear and skip the notify.
    if (Atomics.exchange(this.i32, SLEEP0, 0) !== 0 || Atomics.exchange(this.i32, SLEEP0 + 1, 0) !== 0)
      Atomics.notify(this.i32, WAIT0 + 2);
  }

  /** The other partition must stop: this one failed. */
  abort(): void {
    Atomics.store(this.i32, ABORT, 1);
    this.wake();
  }

  /**
   * Waits (partition p) until `ready()` holds: polls for `spinMs` of wall time, then sleeps. The
   * other side wakes a sleeper when its progress reaches `need`, or (`why` = record or generator
   * room) when it made that room.
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
  ): void {
    if (ready()) return;
    asF64[0] = need;
    Atomics.store(this.i64, NEED0 + p, bits[0]);
    Atomics.store(this.i32, WAIT0 + p, why);
    if (wakeOther) this.wake();
    try {
      const spinUntil = performance.now() + spinMs;
      for (let i = 1; spinMs > 0; i++) {
        if (ready()) return;
        if ((i & 63) === 0) {
          if (Atomics.load(this.i32, ABORT) !== 0) throw new Error("the other partition of this run failed");
          if (performance.now() > spinUntil) break;
        }
      }
      for (;;) {
        if (Atomics.load(this.i32, ABORT) !== 0) throw new Error("the other partition of this run failed");
        Atomics.store(this.i32, SLEEP0 + p, 1);
        const seen = Atomics.load(this.i32, WAIT0 + 2);
        if (ready()) return;
        Atomics.wait(this.i32, WAIT0 + 2, seen, 50);
        Atomics.store(this.i32, SLEEP0 + p, 0);
        if (ready()) return;
      }
    } finally {
      Atomics.store(this.i32, SLEEP0 + p, 0);
      Atomics.store(this.i32, WAIT0 + p, 0);
    }
  }

  /** Producer: room for one more record? */
  hasRoom(): boolean {
    return Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD) < this.capacity;
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
  }

  /**
   * Consumer: takes, oldest first, each record published by an event before `before()` (asked
   * again after each record: taking one may schedule an earlier event).
   */
  receive(before: () => number, take: (link: number, tail: number, ready: number) => void): void {
    let h = this.i32[HEAD];
    const t = Atomics.load(this.i32, TAIL);
    if (h === t) return;
    while (h !== t) {
      const o = (h & this.mask) * RECORD_WORDS;
      if (!(this.rec[o + 3] < before())) break;
      take(this.rec[o], this.rec[o + 1], this.rec[o + 2]);
      h++;
    }
    if (h !== this.i32[HEAD]) {
      Atomics.store(this.i32, HEAD, h);
      if (Atomics.load(this.i32, SLEEP0) !== 0 && Atomics.load(this.i32, WAIT0) === WAIT_RECORD_ROOM)
        this.wake();
    }
  }
}
