// How a consumer element gets to run, in virtual time (shared by the element kinds):
// - Stage: runs as soon as its input has ready descriptors and its resource is free (a softirq,
//   netisr or in-thread hand-off: bridge, epair, tap, a driver's transmit, the NIC pipeline,
//   the wire). A backend thread (`thread`) sleeps when idle and pays a wake-up when work comes.
// - Napi: a device interrupt under moderation (ITR: no sooner than the last + itr), delivered
//   through interrupt-delivery.ts, then polls with a budget: a full budget polls again, otherwise the
//   interrupt is re-enabled (so at high load polling takes over and interrupts per packet fall).
//   A virtio queue's "interrupt" is the backend's used-buffer notification instead (`raise`).
import type { SimContext } from "./context.ts";
import { idle, wake } from "./idle.ts";
import { deviceInterrupt } from "./interrupt-delivery.ts";
import type { Link } from "./link.ts";
import { type ReceiveGate, receiveGate, receivesFrom } from "./receive-first.ts";
import type { Resource } from "./resource.ts";

/** Where a Work call leaves the time its work ends (one per activation, reused: no object per call). */
export interface WorkEnd {
  end: number;
  /** A Work that took nothing because it may not before this time (a VF's rate limiter): the
   *  Stage runs again then instead of backpressure_retry_ns later. */
  retryAt?: number;
  /** A Work that took nothing and waits for its peer's notification (vhost out of guest buffers
   *  asked for the guest's kick: vhost_enable_notify; a stopped virtio-net transmit queue; vhost's
   *  transmit behind the tap's full ring): the Stage idles instead of retrying. */
  parked?: boolean;
}

/** Does the work on `n` descriptors starting at `start`; returns how many it took and leaves when
 *  it is done in `done.end`. */
export type Work = (start: number, n: number, done: WorkEnd) => number;

/** What an activation did: kernel calls that moved frames, frames, the largest batch (outcomes). */
export interface BatchStats {
  batches: number;
  packets: number;
  maxBatch: number;
}

/** Counts one batch of `taken` frames (none: not a batch). */
export function countBatch(s: BatchStats, taken: number): void {
  if (taken === 0) return;
  s.batches++;
  s.packets += taken;
  if (taken > s.maxBatch) s.maxBatch = taken;
}

export class Stage {
  private scheduled = false;
  private readonly done: WorkEnd = { end: 0 };
  readonly stats: BatchStats = { batches: 0, packets: 0, maxBatch: 0 };
  /** A receive-direction stage is receive work on its CPU: a sender there waits for it. */
  private readonly gate: ReceiveGate | null;
  /** This stage's scheduled run counts as receive work (not while it only retries a full ring:
   *  the CPU is free for the sender meanwhile). */
  private holdsGate = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly res: Resource,
    private readonly input: Link,
    private readonly budget: number,
    private readonly work: Work,
    private readonly thread = false,
  ) {
    input.consumer = this.onLinkEvent;
    this.gate = receivesFrom(ctx, input.name) ? receiveGate(res) : null;
  }

  /** The link's ready event: already at time t, so run now (saves one event per batch). */
  private readonly onLinkEvent = (t: number): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    this.res.active++;
    this.holdGate();
    this.tick(t);
  };

  readonly onInput = (t: number): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    this.res.active++;
    this.holdGate();
    this.ctx.q.push(t, this.tick);
  };

  private holdGate(): void {
    if (this.gate === null) return;
    this.holdsGate = true;
    this.gate.begin();
  }

  private readonly tick = (t: number): void => {
    this.scheduled = false;
    this.res.active--;
    // A sender waiting for receive work resumes after this batch is placed (an event at t: the
    // batch below reserves the CPU first, and one it queues next begins before the sender looks).
    if (this.holdsGate) {
      this.holdsGate = false;
      (this.gate as ReceiveGate).end(this.ctx, t);
    }
    let at = t;
    if (this.thread && this.res.sleeping) at = wake(this.ctx, this.res, t);
    const start = Math.max(at, this.res.busyUntil);
    const ready = this.input.readyCount(start);
    const n = Math.min(ready, this.budget);
    if (n === 0) {
      idle(this.ctx, this.res, start); // does nothing where the CPU idles for free
      return;
    }
    const taken = this.work(start, n, this.done);
    const end = this.done.end;
    countBatch(this.stats, taken);
    if (taken > 0) this.input.taken?.(end);
    if (taken === 0 && this.done.parked) {
      // Parked until its peer's event: the CPU idles meanwhile (its application, if it has one,
      // runs: its read gave way to this stage, which was scheduled, and waits for this idle()).
      idle(this.ctx, this.res, end);
      return;
    }
    if (this.input.readyCount(end) > 0) {
      if (taken > 0) this.onInput(end);
      else this.retry(this.done.retryAt ?? end + this.ctx.costs.c.backpressure_retry_ns);
    } else idle(this.ctx, this.res, end);
  };

  /** Runs again at `t`, having taken nothing (its output full, or rate limited): not receive
   *  work until then. */
  private retry(t: number): void {
    this.scheduled = true;
    this.res.active++;
    this.ctx.q.push(t, this.tick);
  }
}

export class Napi {
  private irqEnabled = true;
  private irqPending = false;
  private polling = false;
  private lastIrq = Number.NEGATIVE_INFINITY;
  private readonly done: WorkEnd = { end: 0 };
  readonly stats: BatchStats = { batches: 0, packets: 0, maxBatch: 0 };
  /** A device interrupt and its polls are receive work on the CPU: a sender there waits. */
  private readonly gate: ReceiveGate;

  constructor(
    private readonly ctx: SimContext,
    private readonly res: Resource,
    private readonly input: Link,
    private readonly budget: number,
    private readonly work: Work,
    private readonly o: {
      /** Host core a device interrupt lands on first (ppt). */
      irqHost?: string;
      /** Interrupt moderation interval (ns); 0: none. */
      itrNs: number;
      /** Interrupts come from `raise` (virtio notifications), not from the link's descriptors. */
      raisedBySource?: boolean;
      /** After a poll that re-enabled the interrupt (virtio: re-arm used_event, kick). */
      afterPoll?: (end: number, taken: number) => void;
    },
  ) {
    if (!o.raisedBySource) input.consumer = this.onInput;
    this.gate = receiveGate(res);
  }

  /** Descriptors became ready at t (the device wrote them back). */
  readonly onInput = (t: number): void => {
    if (!this.irqEnabled || this.irqPending) return;
    this.irqPending = true;
    const at = Math.max(this.lastIrq + this.o.itrNs, t);
    this.ctx.q.push(at, this.fire);
  };

  private readonly fire = (t: number): void => {
    this.irqPending = false;
    if (!this.irqEnabled) return;
    this.irqEnabled = false;
    this.lastIrq = t;
    this.res.active++;
    this.gate.begin();
    deviceInterrupt(this.ctx, this.res, this.o.irqHost, t, this.poll);
  };

  /** The interrupt was already delivered (virtio: the backend injected it): poll. */
  readonly raise = (t: number): void => {
    if (this.polling) return; // the running poll will see the new buffers
    this.polling = true;
    this.irqEnabled = false;
    this.res.active++;
    this.gate.begin();
    this.ctx.q.push(t, this.poll);
  };

  private readonly poll = (t: number): void => {
    this.polling = true;
    const start = Math.max(t, this.res.busyUntil);
    const ready = this.input.readyCount(start);
    const n = Math.min(ready, this.budget);
    let end = start;
    let taken = 0;
    if (n > 0) {
      taken = this.work(start, n, this.done);
      end = this.done.end;
    }
    countBatch(this.stats, taken);
    if (taken === this.budget) {
      this.ctx.q.push(end, this.poll); // budget spent: stay in polling mode
      return;
    }
    this.polling = false;
    this.irqEnabled = true;
    this.res.active--;
    this.gate.end(this.ctx, end);
    this.o.afterPoll?.(end, taken);
    if (this.o.raisedBySource) {
      // Buffers published but not yet ready when polled: their notification may have been
      // suppressed while this poll ran (EVENT_IDX), so the guest looks again when they are.
      if (this.input.readyCount(end) > 0) this.raise(end);
      else if (this.input.pending() > 0) this.ctx.q.push(this.input.nextReady(), this.raise);
    } else if (this.input.readyCount(end) > 0) this.onInput(end);
    idle(this.ctx, this.res, end);
  };
}
