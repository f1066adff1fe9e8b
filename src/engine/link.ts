// A link between two elements: a ring (or a virtqueue's used ring) in the shared memory, wrapped
// with the virtual time at which each appended descriptor becomes ready. The producer records,
// after each kernel call, the new tail and its ready time (run-length records); a consumer at
// time t may take only descriptors ready by t, which the engine passes as the kernel's budget.
// Head and tail are read from the shared memory (the kernels move them), never kept twice.
// The producer side of a NIC-written ring also keeps the driver's refills: descriptors the
// consumer returned become usable by the NIC only once its doorbell has reached the NIC.
import { R_HEAD, R_LIMIT, R_TAIL } from "../../assembly/abi.ts";

export type Notify = (t: number) => void;

/** A growable FIFO of (index, time) records in typed arrays (no boxed numbers). */
class Records {
  idx = new Float64Array(64);
  time = new Float64Array(64);
  lo = 0;
  hi = 0;
  push(i: number, t: number): void {
    if (this.hi === this.idx.length) {
      if (this.lo > 0) {
        // Compact: the consumed front makes room.
        this.idx.copyWithin(0, this.lo, this.hi);
        this.time.copyWithin(0, this.lo, this.hi);
        this.hi -= this.lo;
        this.lo = 0;
      }
      if (this.hi * 2 > this.idx.length) {
        const a = new Float64Array(this.idx.length * 2);
        a.set(this.idx.subarray(0, this.hi));
        const b = new Float64Array(this.idx.length * 2);
        b.set(this.time.subarray(0, this.hi));
        this.idx = a;
        this.time = b;
      }
    }
    this.idx[this.hi] = i;
    this.time[this.hi] = t;
    this.hi++;
  }
}

export class Link {
  /** Producer's records: tail after a kernel call and the time those descriptors are ready. */
  private readonly rec = new Records();
  private lastReady = 0;
  /** Called (as an event) when descriptors become ready: the consumer's input handler. */
  consumer: Notify | null = null;
  /** A virtqueue's used-buffer notification reaches the guest through this (vCPU, poll). */
  notify: ((t: number) => void) | null = null;
  /** A virtqueue's kick (the guest posted buffers) wakes the backend through this. */
  kick: ((t: number) => void) | null = null;
  /** The consumer took descriptors (room for the producer) at this time: a producer parked on
   *  the full ring resumes through this (vhost's transmit behind the tap's hand-off). */
  taken: ((t: number) => void) | null = null;
  /** The NIC completed `n` descriptors of its transmit ring, their frames' data fetched one after
   *  the other from `from` to `to` (each descriptor is done, and its slot the driver's again, once
   *  its data is in the NIC): a driver's stopped queue wakes through this (tx-queue-stop.ts). */
  completed: ((from: number, to: number, n: number) => void) | null = null;
  /** Descriptors the NIC has taken from this transmit ring whose completion is not yet written
   *  back (tx-write-back.ts): the driver cannot reuse their slots yet. */
  unreported = 0;
  /** Doorbells on their way to the NIC: (head value, time visible). */
  private readonly refills = new Records();
  private visibleHead: number;
  private baseLimit: number;
  /** Partitioned run, producer side: records go to the consumer's thread instead (parallel/). */
  remote: ((tail: number, ready: number) => void) | null = null;

  /** A ring's tail and head words (u32 indices), read directly; -1: read through the functions. */
  private readonly tailWord: number;
  private readonly headWord: number;
  /** mod - 1 (0xffffffff or 0xffff): (a - b) & mask, read unsigned, is (a - b) mod `mod`. */
  private readonly mask: number;

  constructor(
    readonly name: string,
    private readonly u32: Uint32Array,
    /** Index reads: the producer's (tail) and the consumer's (head) positions (a virtqueue's). */
    private readonly tailFn: () => number,
    private readonly headFn: () => number,
    /** Index arithmetic modulus (2^32 for rings, 2^16 for a virtqueue's used index). */
    mod: number,
    private readonly schedule: (t: number, n: Notify) => void,
    /** Ring address when the link is a ring (for the producer's limit), else 0. */
    readonly ring = 0,
  ) {
    this.mask = mod - 1;
    this.tailWord = ring ? (ring + R_TAIL) >>> 2 : -1;
    this.headWord = ring ? (ring + R_HEAD) >>> 2 : -1;
    this.visibleHead = ring ? this.head() : 0;
    this.baseLimit = ring ? u32[(ring + R_LIMIT) >>> 2] : 0;
  }

  /** A ring link (one accessor for every ring: head, tail, limit from assembly/abi.ts). */
  static ring(name: string, u32: Uint32Array, ring: number, schedule: (t: number, n: Notify) => void): Link {
    const h = (ring + R_HEAD) >>> 2;
    const tl = (ring + R_TAIL) >>> 2;
    return new Link(
      name,
      u32,
      () => u32[tl],
      () => u32[h],
      2 ** 32,
      schedule,
      ring,
    );
  }

  /** The producer's position (a ring's tail word, read without a call on the hot path). */
  tail(): number {
    return this.tailWord >= 0 ? this.u32[this.tailWord] : this.tailFn();
  }

  /** The consumer's position. */
  head(): number {
    return this.headWord >= 0 ? this.u32[this.headWord] : this.headFn();
  }

  private dist(a: number, b: number): number {
    // Indices are integers below the modulus (2^32 or 2^16): mask instead of dividing, one
    // expression for both (small enough that V8 inlines it into every hot caller).
    return ((a - b) & this.mask) >>> 0;
  }

  /** Descriptors waiting (ready or not). */
  pending(): number {
    return this.dist(this.tail(), this.head());
  }

  /** A ring's room for its producer: its limit (R_LIMIT) less the descriptors outstanding, the
   *  same rule as the kernels' rSpace (assembly/pathring.ts). */
  room(): number {
    if (!this.ring) throw new Error(`link ${this.name}: room() needs a ring`);
    const limit = this.u32[(this.ring + R_LIMIT) >>> 2];
    const used = this.pending();
    return used >= limit ? 0 : limit - used;
  }

  /** Producer: everything up to the current tail is ready at `t` (times never go back). */
  publish(t: number): void {
    const ready = this.record(t);
    if (ready >= 0) this.schedule(ready, this.consumer as Notify);
  }

  /** Producer: the descriptors up to `tail` (at or behind the current tail) are ready at `t`: a
   *  burst the producer wrote at once, each frame at its own time (the NIC's transmit, veb-tx). */
  publishTo(tail: number, t: number): void {
    const ready = this.record(t, tail);
    if (ready >= 0) this.schedule(ready, this.consumer as Notify);
  }

  /**
   * publish() without scheduling the consumer's event: returns the time that event is due (the
   * caller schedules it), or -1 when none is (nothing new, nobody takes from the link, or the
   * consumer is on another thread).
   */
  record(t: number, tail = this.tail()): number {
    if (!this.consumer && !this.notify) return -1; // nobody takes from it: frames there left the path
    const r = this.rec;
    if (r.hi > r.lo && r.idx[r.hi - 1] === tail) return -1;
    const ready = Math.max(t, this.lastReady);
    this.lastReady = ready;
    if (this.remote) {
      r.push(tail, ready); // (only the last tail is read here: duplicates are skipped above)
      r.lo = r.hi - 1;
      this.remote(tail, ready);
      return -1;
    }
    r.push(tail, ready);
    return this.consumer ? ready : -1;
  }

  /** Partitioned run, consumer side: a record the producer's thread published (see publish). */
  ingest(tail: number, ready: number): void {
    this.rec.push(tail, ready);
    if (this.consumer) this.schedule(ready, this.consumer);
  }

  /** Drops the records the consumer has taken entirely (their tail is at or behind the head). */
  private trim(head: number, pend: number): void {
    const r = this.rec;
    while (r.lo < r.hi) {
      const d = this.dist(r.idx[r.lo], head);
      if (d !== 0 && d <= pend) break;
      r.lo++;
    }
  }

  /** Descriptors a consumer at time t may take. */
  readyCount(t: number): number {
    const head = this.head();
    this.trim(head, this.dist(this.tail(), head));
    const r = this.rec;
    const time = r.time;
    if (r.lo === r.hi || time[r.lo] > t) return 0;
    // Ready times never go back (record: max(t, lastReady)), so the last record ready by t is
    // the newest one when all are (a backlog: every descriptor ready), else found by bisection:
    // scanning from the oldest cost one step per record waiting, on every call.
    let lo = r.lo;
    let hi = r.hi - 1;
    if (time[hi] <= t) return this.dist(r.idx[hi], head);
    // time[lo] <= t < time[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (time[mid] <= t) lo = mid;
      else hi = mid;
    }
    return this.dist(r.idx[lo], head);
  }

  /** Ready time of the next descriptor not yet taken (Infinity when none). */
  nextReady(): number {
    const head = this.head();
    this.trim(head, this.dist(this.tail(), head));
    const r = this.rec;
    return r.lo < r.hi ? r.time[r.lo] : Number.POSITIVE_INFINITY;
  }

  /** Consumer (a driver): the descriptors it returned reach the NIC at `t` (doorbell + PCIe). */
  refill(t: number): void {
    this.refills.push(this.head(), t);
  }

  /** When the next refill not yet applied reaches the producer (Infinity: none on its way): until
   *  then applyLimit gives the producer no more room. */
  nextRefill(): number {
    const f = this.refills;
    return f.lo < f.hi ? f.time[f.lo] : Number.POSITIVE_INFINITY;
  }

  /** A ring's applyLimit(t), then its room(), in one pass (head read once, the limit not read
   *  back): the NIC's room for each window (ring-room.ts), the same figures. */
  roomAt(t: number): number {
    const f = this.refills;
    while (f.lo < f.hi && f.time[f.lo] <= t) {
      this.visibleHead = f.idx[f.lo];
      f.lo++;
    }
    const head = this.head();
    const limit = Math.max(0, this.baseLimit - this.dist(head, this.visibleHead));
    this.u32[(this.ring + R_LIMIT) >>> 2] = limit;
    const used = this.dist(this.tail(), head);
    return used >= limit ? 0 : limit - used;
  }

  /** Producer (the NIC) at time t: only refills that reached it count as room (R_LIMIT). */
  applyLimit(t: number): void {
    if (!this.ring) return;
    const f = this.refills;
    while (f.lo < f.hi && f.time[f.lo] <= t) {
      this.visibleHead = f.idx[f.lo];
      f.lo++;
    }
    const hidden = this.dist(this.head(), this.visibleHead);
    this.u32[(this.ring + R_LIMIT) >>> 2] = Math.max(0, this.baseLimit - hidden);
  }
}
