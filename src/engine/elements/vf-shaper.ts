// A VF's transmit rate limit as the NIC's transmit scheduler enforces it (`ip link set DEV vf N
// max_tx_rate R`): the scheduler serves the VF's transmit ring no faster than the programmed
// rate, so frames wait in the ring (and the sender's queue behind it fills) instead of leaving
// at line rate. A token bucket in its virtual-scheduling form (GCRA): each frame costs its bytes
// (src/model/vf-rate.ts: Layer 1 or the frame alone, from the NIC profile) at the rate; a frame
// may start once the theoretical time the previous ones end, less the bucket's burst, has come.
// The limiter is a resource of kind "shaper": busy for each frame's cost, so its utilization is
// the share of the VF's rate the load takes, and a saturated limit is named the bottleneck.
import { DESC_BYTES, R_DESC, R_HEAD, R_MASK } from "../../../assembly/abi.ts";
import type { VfTxShaping } from "../../model/vf-rate.ts";
import type { SimContext } from "../context.ts";
import type { Account, Resource } from "../resource.ts";
import { MIN_FRAME_NO_FCS } from "./common.ts";

/** The resource name of VF `vf`'s transmit limiter in a run's report. */
export const shaperResourceName = (vf: number): string => `vf${vf}-max-tx-rate`;

export class VfShaper {
  /** Theoretical time (ns) the frames admitted so far end at the programmed rate. */
  private tat = 0;
  private readonly nsPerByte: number;
  private readonly burstNs: number;
  private readonly account: Account;

  constructor(
    private readonly ctx: SimContext,
    private readonly shaping: VfTxShaping,
    readonly res: Resource,
  ) {
    this.nsPerByte = 8000 / shaping.programmedMbps;
    this.burstNs = shaping.burstBytes * this.nsPerByte;
    this.account = res.account("max-tx-rate");
  }

  /** ns frame `i` (a ring index) of `ring` costs the limiter. */
  private costNs(ring: number, i: number): number {
    const u32 = this.ctx.u32;
    const mask = u32[(ring + R_MASK) >>> 2];
    const desc = u32[(ring + R_DESC) >>> 2];
    const len = this.ctx.u16[(desc + (i & mask) * DESC_BYTES + 6) >>> 1];
    return (Math.max(MIN_FRAME_NO_FCS, len) + this.shaping.perFrameBytes) * this.nsPerByte;
  }

  /** The ring's head index (the next frame the NIC takes). */
  ctxHead(ring: number): number {
    return this.ctx.u32[(ring + R_HEAD) >>> 2];
  }

  /** Frames at the head of `ring` (at most `n`) the scheduler may start at `t`. */
  admissible(t: number, ring: number, n: number): number {
    const head = this.ctxHead(ring);
    let tat = Math.max(this.tat, t);
    let k = 0;
    while (k < n && tat - this.burstNs <= t) {
      tat += this.costNs(ring, head + k);
      k++;
    }
    return k;
  }

  /** The scheduler sent `n` frames from ring index `from` at `t`: they take their share of the rate. */
  commit(t: number, ring: number, from: number, n: number): void {
    let tat = Math.max(this.tat, t);
    let busy = 0;
    for (let k = 0; k < n; k++) busy += this.costNs(ring, from + k);
    tat += busy;
    this.tat = tat;
    this.res.busyNs += busy;
    this.res.addCycles(this.account, busy);
  }

  /** When the next frame may start (the bucket has room for it again). */
  nextStart(): number {
    return this.tat - this.burstNs;
  }
}
