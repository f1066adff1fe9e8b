// When a transmit driver sees its completions. The NIC writes completed descriptors back in the
// events its write-back policy sets (the NIC profile's writeBack; txWriteBackEvent: WTHRESH
// descriptors at once, or one RS descriptor every rsEvery packets, or the head index), so a
// completion is the driver's once the event that carries it is written, not when its frame's data
// is in the NIC. What waits below that threshold is written back when the queue's interrupt
// throttle timer, started by the first of them, expires, where the policy says the NIC does
// (`itrFlush`: 82598EB datasheet §3.5.3.3.4 and I210 (p. 301) for TXDCTL.WTHRESH, "the first packet
// after timer initialization starts the timer. Timer expiration flushes any accumulated
// descriptors"; the X710 family's and E810's WB_ON_ITR): one more write-back event on PCIe, of the
// descriptors it carries (txFlushExtraBits). Without it they wait for the packets that fill the
// event (Linux i40e on an X710: fewer than WB_STRIDE wait for the next RS).
// The threshold is in the policy's unit: WTHRESH counts descriptors, so a jumbo frame of three
// data descriptors (src/nic/frames.ts TX_SEGMENT) counts three toward WTHRESH 8, not one
// (82598EB datasheet §3.5.3.3.4: 'WTHRESH descriptors have accumulated'); RS every rsEvery and
// head write-back count packets (the RS bit is on a packet's last descriptor). A driver takes a
// frame back only once its last descriptor is written back (Linux ixgbe_clean_tx_irq reads DD
// on the frame's eop_desc; FreeBSD ixgbe_isc_txd_credits_update on its RS, the last
// descriptor): an event that ends inside a frame reports the frames before it, and the frame's
// remaining descriptors wait for the next event. The engine times frames, not their segments:
// the event is at the done time of the frame holding its last descriptor.
import {
  type HwLimits,
  txFlushExtraBits,
  txWriteBackEvent,
  txWriteBackPerDescriptor,
} from "../../model/hw-limits.ts";
import type { WriteBackPolicy } from "../../nic/write-back.ts";

export class TxWriteBack {
  /** The policy's units per write-back event (the threshold): descriptors under WTHRESH, packets
   *  with RS every rsEvery or head write-back (txWriteBackEvent). */
  readonly perEvent: number;
  /** The threshold counts descriptors (txWriteBackPerDescriptor). */
  readonly perDescriptor: boolean;
  /** Completed units (descriptors or packets, as perEvent) not yet written back. */
  pending = 0;
  /** Frames with a completed descriptor not yet written back (the last of them may have had its
   *  first descriptors written back by an event that ended inside it). */
  pendingFrames = 0;
  /** Flushes the timer made, and the units they carried (outcomes of the load). */
  flushes = 0;
  flushed = 0;
  /** Bumped whenever the pending descriptors are written back: a timer armed for earlier ones
   *  finds it moved on and does nothing. */
  private gen = 0;

  constructor(
    private readonly h: HwLimits,
    private readonly wb: WriteBackPolicy,
    /** The interrupt throttle interval (ns): what waits is flushed this long after the first of it
     *  completed; null where the policy has no flush (it waits for the event to fill). */
    readonly flushNs: number | null,
    private readonly schedule: (t: number, f: (t: number) => void) => void,
    /** `k` frames' completions written back at `t` (the driver may take their slots then). */
    private readonly report: (t: number, k: number) => void,
    /** A flush's PCIe bits beyond what its descriptors already paid, at `t`. */
    private readonly charge: (t: number, bits: number) => void,
  ) {
    this.perEvent = txWriteBackEvent(h, wb).packets;
    this.perDescriptor = txWriteBackPerDescriptor(wb);
  }

  /**
   * `n` frames completed, one after the other, at `done[0..n-1]`; frame i of `lens[i]` bytes
   * took max(1, ceil(lens[i] / segment)) data descriptors (as RingLens counts them). Without `lens`,
   * one descriptor each.
   */
  complete(done: Float64Array, n: number, lens?: Float64Array, segment = 0): void {
    const per = this.perEvent;
    for (let i = 0; i < n; i++) {
      const len = lens ? lens[i] : 0;
      const d = len <= segment ? 1 : Math.ceil(len / segment);
      if (this.pending === 0 && this.flushNs !== null) this.arm(done[i] + this.flushNs);
      this.pendingFrames++;
      this.pending += this.perDescriptor ? d : 1;
      if (this.pending >= per) {
        // The events write back per units each; what is left over (fewer than per, all of this
        // frame's: the count was below per before it) waits with this frame, which stays the
        // driver's to take back only with its last descriptor.
        const left = this.pending % per;
        const frames = left > 0 ? this.pendingFrames - 1 : this.pendingFrames;
        this.pending = left;
        this.pendingFrames = left > 0 ? 1 : 0;
        this.gen++;
        if (left > 0 && this.flushNs !== null) this.arm(done[i] + this.flushNs);
        if (frames > 0) this.report(done[i], frames);
      }
    }
  }

  private arm(at: number): void {
    const g = this.gen;
    this.schedule(at, (t) => {
      if (g !== this.gen || this.pending === 0) return;
      const k = this.pendingFrames;
      const units = this.pending;
      this.pending = 0;
      this.pendingFrames = 0;
      this.gen++;
      this.flushes++;
      this.flushed += units;
      this.charge(t, txFlushExtraBits(this.h, this.wb, units));
      this.report(t, k);
    });
  }
}
