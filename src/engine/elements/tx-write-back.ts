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
import { type HwLimits, txFlushExtraBits, txWriteBackEvent } from "../../model/hw-limits.ts";
import type { WriteBackPolicy } from "../../nic/write-back.ts";

export class TxWriteBack {
  /** Descriptors per write-back event (the threshold). */
  readonly perEvent: number;
  /** Completed descriptors not yet written back. */
  pending = 0;
  /** Flushes the timer made, and the descriptors they carried (outcomes of the load). */
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
    /** `k` descriptors' completions written back at `t` (the driver may see them then). */
    private readonly report: (t: number, k: number) => void,
    /** A flush's PCIe bits beyond what its descriptors already paid, at `t`. */
    private readonly charge: (t: number, bits: number) => void,
  ) {
    this.perEvent = txWriteBackEvent(h, wb).packets;
  }

  /** `n` descriptors completed, one after the other, at `done[0..n-1]`. */
  complete(done: Float64Array, n: number): void {
    const per = this.perEvent;
    for (let i = 0; i < n; i++) {
      if (++this.pending === 1 && this.flushNs !== null) this.arm(done[i] + this.flushNs);
      if (this.pending === per) {
        this.pending = 0;
        this.gen++;
        this.report(done[i], per);
      }
    }
  }

  private arm(at: number): void {
    const g = this.gen;
    this.schedule(at, (t) => {
      if (g !== this.gen || this.pending === 0) return;
      const k = this.pending;
      this.pending = 0;
      this.gen++;
      this.flushes++;
      this.flushed += k;
      this.charge(t, txFlushExtraBits(this.h, this.wb, k));
      this.report(t, k);
    });
  }
}
