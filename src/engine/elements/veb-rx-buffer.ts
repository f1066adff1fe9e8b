// The NIC's receive packet buffer (the 82599's 512 KB Rx packet buffer, the X710's share of
// 968 KB; src/model/hw-limits.ts `rx_buffer_bytes`): frames from the wire wait in it until the
// switch pipeline has taken them and their DMA to host memory is done. A NIC cannot hold the
// wire back, so a frame that finds it full is dropped (the 82599 counts it in RXMPC).
// Occupancy is checked when the pipeline takes a burst: the frames that arrived since the last
// burst, in arrival order, plus what earlier bursts still hold (DMA not done at that time);
// the frames beyond the room left are the ones that found it full (tail drop).
import { DESC_BYTES, R_DESC, R_MASK } from "../../../assembly/abi.ts";
import type { SimContext } from "../context.ts";

export class RxPacketBuffer {
  /** Bytes earlier bursts hold, each until the time its DMA (or the pipeline) is done: the
   *  first `count` entries of two typed arrays, compacted in place (no array resizing per
   *  burst: setting a JS array's length was a runtime call on every window). */
  private until = new Float64Array(16);
  private bytes = new Float64Array(16);
  private count = 0;
  private heldBytes = 0;

  constructor(
    private readonly ctx: SimContext,
    /** Capacity in frame bytes. */
    readonly capacity: number,
  ) {}

  /** Bytes still held at time t by frames taken earlier. */
  held(t: number): number {
    // Entries are not in time order (several queues' DMA): release every one that is done.
    const until = this.until;
    const bytes = this.bytes;
    const n = this.count;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (until[i] <= t) this.heldBytes -= bytes[i];
      else {
        until[w] = until[i];
        bytes[w] = bytes[i];
        w++;
      }
    }
    this.count = w;
    if (w === 0) this.heldBytes = 0; // no float drift when empty
    return this.heldBytes;
  }

  /** Frames earlier bursts took hold `bytes` until `end`. */
  hold(end: number, bytes: number): void {
    if (bytes <= 0) return;
    if (this.count === this.until.length) {
      const u = new Float64Array(this.count * 2);
      u.set(this.until);
      const b = new Float64Array(this.count * 2);
      b.set(this.bytes);
      this.until = u;
      this.bytes = b;
    }
    this.until[this.count] = end;
    this.bytes[this.count] = bytes;
    this.count++;
    this.heldBytes += bytes;
  }

  /**
   * How many of the `n` frames at `head` of `ring` (`total` bytes, in arrival order) fit at
   * time t; the rest found the buffer full.
   */
  admit(ring: number, head: number, n: number, total: number, t: number): number {
    const room = this.capacity - this.held(t);
    if (total <= room) return n;
    const u32 = this.ctx.u32;
    const u16 = this.ctx.u16;
    const mask = u32[(ring + R_MASK) >>> 2];
    const desc = u32[(ring + R_DESC) >>> 2];
    let b = 0;
    for (let i = 0; i < n; i++) {
      b += u16[(desc + ((head + i) & mask) * DESC_BYTES + 6) >>> 1];
      if (b > room) return i;
    }
    return n;
  }
}
