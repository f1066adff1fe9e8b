// When the NIC's switch is done with each frame of a burst: what the ring room is judged at
// (ring-room.ts). The room usually asks for a burst's first and last frame only (a ring with room
// for the whole burst, or one whose next refill comes after the last frame), so a time need not
// be worked out for every frame of every burst (at 10 GbE line rate, 64 B, that per-frame work was
// a measurable share of the event loop's CPU: bench/engine-speed.ts).
import { type HwLimits, switchNs } from "../../model/hw-limits.ts";

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
 * The receive pipeline's times for a window starting at `start` (veb): frame j is done at
 * start + switchNs(j + 1, bytes of frames 0..j), the same figure whichever frames are asked for.
 * The last frame's from the window's total; the others from a running sum of `lens` that only
 * moves forward (the room asks in frame order), restarted if asked for an earlier frame.
 */
export class PipelineTimes implements SwitchTimes {
  private lens: Float64Array = new Float64Array(0);
  private n = 0;
  private start = 0;
  private bytes = 0;
  /** The running sum: frames 0..j take upTo bytes (j = -1: none yet). */
  private j = -1;
  private upTo = 0;

  constructor(private readonly hw: HwLimits) {}

  /** A new window: `n` frames of `lens[0..n)` bytes, `bytes` in all, entering at `start`. */
  reset(start: number, lens: Float64Array, n: number, bytes: number): void {
    this.start = start;
    this.lens = lens;
    this.n = n;
    this.bytes = bytes;
    this.j = -1;
    this.upTo = 0;
  }

  time(j: number): number {
    // Whole frame lengths: the sums are exact, so the total is the running sum at the last frame.
    if (j === this.n - 1) return this.start + switchNs(this.hw, this.n, this.bytes);
    if (j < this.j) {
      this.j = -1;
      this.upTo = 0;
    }
    while (this.j < j) this.upTo += this.lens[++this.j];
    return this.start + switchNs(this.hw, j + 1, this.upTo);
  }
}
