// When the NIC's switch is done with each frame of a burst: what the ring room is judged at
// (ring-room.ts). The room usually asks for a burst's first and last frame only (a ring with room
// for the whole burst, or one whose next refill comes after the last frame), so a time need not
// be worked out for every frame of every burst (at 10 GbE line rate, 64 B, that per-frame work,
// each frame's length copied and its time computed, was a measurable share of the event loop's
// CPU: bench/engine-speed.ts).
import { R_HEAD } from "../../../assembly/abi.ts";
import type { HwLimits } from "../../model/hw-limits.ts";
import type { SimContext } from "../context.ts";
import { RingLens, scratch } from "./common.ts";

/** Frame j's time (ns); non-decreasing in j. */
export interface SwitchTimes {
  time(j: number): number;
}

/** Times already worked out, one per frame (veb-tx: each frame's switch charged as it comes in). */
export class ArrayTimes implements SwitchTimes {
  constructor(public a: Float64Array) {}
  time(j: number): number {
    return this.a[j];
  }
}

/**
 * The receive pipeline's times for a window of `n` frames at descriptors [head, head + n) of a
 * ring, starting at `start` (veb): frame j is done at start + switchNs(j + 1, bytes of frames
 * 0..j), the same figure whichever frames are asked for. The first frame's from its own length,
 * the last's from the window's total (whole lengths: the sums are exact); any other from a running
 * sum over the frames' lengths, copied from the ring when first needed. That must be before the
 * switch takes any of the window's frames: once taken, their descriptors may be refilled (by the
 * generator's thread in a partitioned run). The ring room asks in that order (a later run follows
 * only from a search over the frames); a copy made later is refused.
 */
export class PipelineTimes implements SwitchTimes {
  private lens = new Float64Array(64);
  /** The window's lengths are in `lens`. */
  private copied = false;
  private ring = 0;
  /** The ring's lengths (its layout read once per ring, not per window). */
  private ringLens: RingLens | null = null;
  private head = 0;
  private n = 0;
  private start = 0;
  private bytes = 0;
  /** The running sum: frames 0..j take upTo bytes (j = -1: none yet). */
  private j = -1;
  private upTo = 0;
  /** hw's switch_pkt_ns and switch_byte_ns: switchNs(h, n, bytes) = n * pktNs + bytes * byteNs. */
  private readonly pktNs: number;
  private readonly byteNs: number;

  constructor(
    private readonly ctx: SimContext,
    hw: HwLimits,
  ) {
    this.pktNs = hw.v.switch_pkt_ns;
    this.byteNs = hw.v.switch_byte_ns;
  }

  /** A new window: `n` frames at descriptors from `head` of `ring`, `bytes` in all, from `start`. */
  reset(start: number, ring: number, head: number, n: number, bytes: number): void {
    this.start = start;
    if (ring !== this.ring || this.ringLens === null) this.ringLens = new RingLens(this.ctx, ring);
    this.ring = ring;
    this.head = head;
    this.n = n;
    this.bytes = bytes;
    this.copied = false;
    this.j = -1;
    this.upTo = 0;
  }

  time(j: number): number {
    if (j === this.n - 1) return this.at(this.n, this.bytes);
    if (j === 0 && !this.copied) return this.at(1, (this.ringLens as RingLens).len(this.head));
    if (!this.copied) this.copy();
    if (j < this.j) {
      this.j = -1;
      this.upTo = 0;
    }
    while (this.j < j) this.upTo += this.lens[++this.j];
    return this.at(j + 1, this.upTo);
  }

  /** start + switchNs(hw, frames, bytes), the same arithmetic. */
  private at(frames: number, bytes: number): number {
    return this.start + (frames * this.pktNs + bytes * this.byteNs);
  }

  private copy(): void {
    if (this.ctx.u32[(this.ring + R_HEAD) >>> 2] !== this.head)
      throw new Error("PipelineTimes: the window's frames were asked for after the switch took some");
    this.lens = scratch(this.lens, this.n);
    (this.ringLens as RingLens).copy(this.head, this.n, this.lens);
    this.copied = true;
  }
}
