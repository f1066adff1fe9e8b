// A minimal view of one SPSC descriptor ring (ABI: src/switch/README.md) for threads that only
// have the shared memory and the ring's offset (the steering workers). Producer: write
// descriptors, publish tail once per burst (Atomics.store = release). Consumer: read tail
// (acquire), read descriptors, publish head once.
import * as A from "../../assembly/abi.ts";

export class SpscRing {
  private readonly i32: Int32Array;
  private readonly dv: DataView;
  private readonly hw: number;
  private readonly tw: number;
  private readonly mask: number;
  private readonly desc: number;
  readonly limit: number;
  /** Producer-side tail not yet published. */
  private localTail: number;
  /** Consumer-side head not yet published. */
  private localHead: number;

  constructor(
    memory: WebAssembly.Memory,
    readonly offset: number,
  ) {
    this.i32 = new Int32Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
    this.hw = (offset + A.R_HEAD) >>> 2;
    this.tw = (offset + A.R_TAIL) >>> 2;
    this.mask = this.dv.getUint32(offset + A.R_MASK, true);
    this.desc = this.dv.getUint32(offset + A.R_DESC, true);
    this.limit = this.dv.getUint32(offset + A.R_LIMIT, true);
    this.localTail = Atomics.load(this.i32, this.tw) >>> 0;
    this.localHead = Atomics.load(this.i32, this.hw) >>> 0;
  }

  private at(index: number): number {
    return this.desc + (index & this.mask) * A.DESC_BYTES;
  }

  // ---- consumer ----
  /** Descriptors published and not yet taken. */
  available(): number {
    return ((Atomics.load(this.i32, this.tw) >>> 0) - this.localHead) >>> 0;
  }
  /** Address of the next descriptor to take (call available() first). */
  peek(k: number): number {
    return this.at(this.localHead + k);
  }
  /** Takes `n` descriptors and publishes the head. */
  consume(n: number): void {
    this.localHead = (this.localHead + n) >>> 0;
    Atomics.store(this.i32, this.hw, this.localHead | 0);
  }

  // ---- producer ----
  /** Room left for the producer, counting unpublished descriptors. */
  space(): number {
    return this.limit - (((this.localTail - (Atomics.load(this.i32, this.hw) >>> 0)) >>> 0) as number);
  }
  /** Copies the 16-byte descriptor at `src` into the ring (unpublished until publish()). */
  push(src: number, hash?: number): void {
    const dst = this.at(this.localTail);
    for (let i = 0; i < A.DESC_BYTES; i += 4)
      this.dv.setUint32(dst + i, this.dv.getUint32(src + i, true), true);
    if (hash !== undefined) this.dv.setUint32(dst + A.D_HASH, hash >>> 0, true);
    this.localTail = (this.localTail + 1) >>> 0;
  }
  publish(): void {
    Atomics.store(this.i32, this.tw, this.localTail | 0);
  }
}
