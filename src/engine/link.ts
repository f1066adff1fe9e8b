// A link between two elements: a ring (or a virtqueue's used ring) in the shared memory, wrapped
// with the virtual time at which each appended descriptor becomes ready. The producer records,
// after each kernel call, the new tail and its ready time (run-length records); a consumer at
// time t may take only descriptors ready by t, which the engine passes as the kernel's budget.
// Head and tail are read from the shared memory (the kernels move them), never kept twice.
// The producer side of a NIC-written ring also keeps the driver's refills: descriptors the
// consumer returned become usable by the NIC only once its doorbell has reached the NIC.
import { R_HEAD, R_LIMIT, R_TAIL } from "../../assembly/abi.ts";

export type Notify = (t: number) => void;

export class Link {
  private recTail: number[] = [];
  private recTime: number[] = [];
  private lo = 0;
  private lastReady = 0;
  /** Called (as an event) when descriptors become ready: the consumer's input handler. */
  consumer: Notify | null = null;
  /** A virtqueue's used-buffer notification reaches the guest through this (vCPU, poll). */
  notify: ((t: number) => void) | null = null;
  /** A virtqueue's kick (the guest posted buffers) wakes the backend through this. */
  kick: ((t: number) => void) | null = null;
  /** Doorbells on their way to the NIC: (time visible, head value). */
  private refillT: number[] = [];
  private refillH: number[] = [];
  private refillLo = 0;
  private visibleHead: number;
  private baseLimit: number;

  constructor(
    readonly name: string,
    private readonly u32: Uint32Array,
    /** Index reads: the producer's (tail) and the consumer's (head) positions. */
    readonly tail: () => number,
    readonly head: () => number,
    /** Index arithmetic modulus (2^32 for rings, 2^16 for a virtqueue's used index). */
    private readonly mod: number,
    private readonly schedule: (t: number, n: Notify) => void,
    /** Ring address when the link is a ring (for the producer's limit), else 0. */
    readonly ring = 0,
  ) {
    this.visibleHead = ring ? head() : 0;
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

  private dist(a: number, b: number): number {
    const d = (a - b) % this.mod;
    return d < 0 ? d + this.mod : d;
  }

  /** Descriptors waiting (ready or not). */
  pending(): number {
    return this.dist(this.tail(), this.head());
  }

  /** Producer: everything up to the current tail is ready at `t` (times never go back). */
  publish(t: number): void {
    if (!this.consumer && !this.notify) return; // nobody takes from it: frames there left the path
    const tail = this.tail();
    const n = this.recTail.length;
    if (n > this.lo && this.recTail[n - 1] === tail) return;
    const ready = Math.max(t, this.lastReady);
    this.lastReady = ready;
    this.recTail.push(tail);
    this.recTime.push(ready);
    if (this.consumer) this.schedule(ready, this.consumer);
  }

  private trim(): void {
    const head = this.head();
    const pend = this.pending();
    while (this.lo < this.recTail.length) {
      const d = this.dist(this.recTail[this.lo], head);
      if (d !== 0 && d <= pend) break;
      this.lo++;
    }
    if (this.lo > 1024 && this.lo * 2 > this.recTail.length) {
      this.recTail = this.recTail.slice(this.lo);
      this.recTime = this.recTime.slice(this.lo);
      this.lo = 0;
    }
  }

  /** Descriptors a consumer at time t may take. */
  readyCount(t: number): number {
    this.trim();
    let tail = -1;
    for (let i = this.lo; i < this.recTail.length && this.recTime[i] <= t; i++) tail = this.recTail[i];
    return tail < 0 ? 0 : this.dist(tail, this.head());
  }

  /** Ready time of the next descriptor not yet taken (Infinity when none). */
  nextReady(): number {
    this.trim();
    return this.lo < this.recTail.length ? this.recTime[this.lo] : Number.POSITIVE_INFINITY;
  }

  /** Consumer (a driver): the descriptors it returned reach the NIC at `t` (doorbell + PCIe). */
  refill(t: number): void {
    this.refillT.push(t);
    this.refillH.push(this.head());
  }

  /** Producer (the NIC) at time t: only refills that reached it count as room (R_LIMIT). */
  applyLimit(t: number): void {
    if (!this.ring) return;
    while (this.refillLo < this.refillT.length && this.refillT[this.refillLo] <= t) {
      this.visibleHead = this.refillH[this.refillLo];
      this.refillLo++;
    }
    if (this.refillLo > 1024) {
      this.refillT = this.refillT.slice(this.refillLo);
      this.refillH = this.refillH.slice(this.refillLo);
      this.refillLo = 0;
    }
    const hidden = this.dist(this.head(), this.visibleHead);
    this.u32[(this.ring + R_LIMIT) >>> 2] = Math.max(0, this.baseLimit - hidden);
  }
}
