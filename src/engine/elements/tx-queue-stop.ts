// A driver's transmit queue in front of the NIC's transmit ring, stopped and woken as drivers
// do when that ring fills, not retried on a timer: the driver posts while at least `stopFree`
// descriptors are free (a frame takes `perFrame`: one up to a standard frame, more for a jumbo
// one, src/nic/frames.ts), stops once fewer are, and is handed
// nothing until the NIC's completions leave `wakeFree` free again; the frames wait in the
// stack's queue meanwhile. "Free" is as the driver counts it: the ring's room less the `unused`
// descriptors it never posts on. The three are the driver's, from the NIC profile's txQueue
// (src/nic/tx-queue.ts; txdrv.ts picks the entry of the path's NIC, OS and function):
// - FreeBSD iflib (sys/net/iflib.c @6d13bb0e; a bhyve or freebsd host or guest): iflib_txq_drain
//   posts while TXQ_AVAIL(txq) >= MAX_TX_DESC(ctx) + 2, else the mp_ring stalls
//   (sys/net/mp_ring.c drain_ring_lockless: STALLED); a drain restarts it
//   (ifmp_ring_check_drainage, iflib_txq_can_drain) once iflib_completed_tx_reclaim has reclaimed
//   the completed descriptors: the same bound. TXQ_AVAIL counts the whole ring (unused 0).
// - Linux iavf / i40e (an X710 under a kvm-* profile): iavf_tx_map -> iavf_maybe_stop_tx(tx_ring,
//   DESC_NEEDED) stops the queue below DESC_NEEDED (MAX_SKB_FRAGS + 6 = 23) unused descriptors,
//   iavf_clean_tx_irq wakes it at TX_WAKE_THRESHOLD (DESC_NEEDED * 2 = 46); IAVF_DESC_UNUSED keeps
//   one descriptor back (unused 1). Linux ixgbe / ixgbevf the same with DESC_NEEDED =
//   MAX_SKB_FRAGS + 4 = 21 (an 82599, NIC profile ix).
// A descriptor completes once the NIC has fetched its frame's data and written its completion
// back (Link.completed, from veb-tx: at once, or with the write-back event that carries it,
// tx-write-back.ts); the interrupt or send that lets the driver see it is not priced
// (docs/model.md).
import type { Stage, WorkEnd } from "../activation.ts";
import type { SimContext } from "../context.ts";
import type { Link } from "../link.ts";

export class TxQueueStop {
  /** The queue is stopped (netif_tx_stop_queue; iflib: the mp_ring is STALLED). */
  stopped = false;
  /** A completion left `wakeFree` free; the wake runs at its time. */
  private waking = false;
  /** How often the queue stopped and was woken (outcomes of the load). */
  stops = 0;
  wakes = 0;

  constructor(
    private readonly ring: Link,
    readonly stopFree: number,
    readonly wakeFree: number,
    readonly unused = 0,
    /** Descriptors a frame takes (the ring's room is in frames: src/paths/prepare.ts). */
    readonly perFrame = 1,
  ) {}

  /** Descriptors free as the driver counts them: the ring's room less those it never uses and
   *  those whose completion the NIC has not written back yet. */
  free(): number {
    return (this.ring.room() - this.ring.unreported) * this.perFrame - this.unused;
  }

  /** Frames the driver may post now out of `n`: `perFrame` descriptors each, each posted while
   *  `stopFree` stay free. */
  postable(n: number): number {
    if (this.stopped) return 0;
    const f = this.free() - this.stopFree;
    return f < 0 ? 0 : Math.min(n, Math.floor(f / this.perFrame) + 1);
  }

  /** A drain's admission of `n` frames: how many it may post now; 0 parks the stage (`done`
   *  parked at `start`: no retry, nothing charged) until a completion wakes the queue. */
  admit(n: number, start: number, done: WorkEnd): number {
    const k = this.postable(n);
    done.parked = k === 0;
    if (k === 0) {
      this.check();
      done.end = start;
    }
    return k;
  }

  /** After a post (or a drain that could post nothing): stops the queue when fewer than
   *  `stopFree` descriptors are free. */
  check(): void {
    if (this.stopped || this.free() >= this.stopFree) return;
    this.stopped = true;
    this.stops++;
  }

  /**
   * Wires the queue to its ring: the NIC completes descriptors as it fetches their frames' data
   * (the ring's `completed`); once `wakeFree` are free, at the time the completion that frees the
   * last of them is done, the queue wakes and `stage` runs, through `deliver` when given (which
   * may first take an interrupt to a halted CPU).
   */
  wakeOnCompletion(
    ctx: SimContext,
    stage: Stage,
    deliver?: (t: number, then: (t: number) => void) => void,
  ): void {
    const wake = (t: number): void => {
      this.waking = false;
      this.stopped = false;
      this.wakes++;
      if (deliver) deliver(t, stage.onInput);
      else stage.onInput(t);
    };
    this.ring.completed = (from: number, to: number, n: number): void => {
      if (!this.stopped || this.waking) return;
      // The ring's room already counts all `n` (the NIC moved its head): before them it was `n` less.
      const d = n * this.perFrame;
      const short = this.wakeFree - (this.free() - d);
      if (short > d) return;
      this.waking = true;
      ctx.q.push(short <= 0 ? from : from + ((to - from) * short) / d, wake);
    };
  }
}
