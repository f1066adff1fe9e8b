// Receive first on a CPU that both receives and sends. FreeBSD runs a device's interrupt handler
// and the receive processing it starts in kernel threads whose priorities lie in the interrupt
// range, above every user thread (sys/sys/priority.h: PI_NET, PI_SOFT in 0-47, time-sharing user
// threads from 120): iflib's receive task runs on a taskqgroup thread started at PI_SOFT
// (sys/kern/subr_gtaskqueue.c taskqgroup_cpu_create), and when iflib_rxeof used its budget
// _task_fn_rx queues the task again instead of re-enabling the interrupt (sys/net/iflib.c). A
// sending application on the same CPU therefore runs only when no receive work is pending: an
// overloaded core spends itself receiving and its sender starves (receive livelock: Mogul &
// Ramakrishnan, "Eliminating receive livelock in an interrupt-driven kernel", ACM TOCS 15(3),
// 1997). Linux before 4.9 and from 6.5 runs pending softirqs at every interrupt exit and
// local_bh_enable, the sender's transmits included, so an overloaded CPU starves its sender too;
// 4.9 to 6.4 leave softirq work past its budget to ksoftirqd, which the scheduler shares fairly
// with the sender: not modelled (docs/model.md, "Receive first on a Linux CPU, what is left out").
//
// Here: a resource's receive activations (a device interrupt until its NAPI poll ends, a guest's
// virtio receive poll, a receive-direction software stage) are counted while under way; a sender
// on that resource (elements/gen.ts) whose next frames come due while any is under way waits
// until none is, then sends. Work already placed is not preempted: a sender's burst under way
// (at most nic_window_frames frames) ends first.
import type { SimContext } from "./context.ts";
import type { Resource } from "./resource.ts";

export class ReceiveGate {
  /** Receive activations scheduled or running on the resource. */
  private running = 0;
  private readonly waiting: Array<(t: number) => void> = [];

  /** Receive work is pending or under way: a sender waits. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** A receive activation is scheduled (an interrupt fired, a poll or stage was queued). */
  begin(): void {
    this.running++;
  }

  /** One ended at `t` (or gave way to the next, which began before this): when none is left,
   *  the senders waiting resume at `t`, as events (the one that ended may queue another). */
  end(ctx: SimContext, t: number): void {
    this.running--;
    if (this.running > 0 || this.waiting.length === 0) return;
    for (const w of this.waiting) ctx.q.push(t, w);
    this.waiting.length = 0;
  }

  /** A sender whose frames are due waits until the receive work ends: `resume` runs then. */
  wait(resume: (t: number) => void): void {
    this.waiting.push(resume);
  }
}

const gates = new WeakMap<Resource, ReceiveGate>();

/** The receive gate of `res` (one per resource, made on first use). */
export function receiveGate(res: Resource): ReceiveGate {
  let g = gates.get(res);
  if (!g) {
    g = new ReceiveGate();
    gates.set(res, g);
  }
  return g;
}

/** Whether the element consuming link `input` is receive work: a non-generator element of the
 *  path's receive direction (the bridge, epair and tap hops, a consumer's stack behind them). */
export function receivesFrom(ctx: SimContext, input: string): boolean {
  return (ctx.path?.rx ?? []).some((e) => e.kind !== "gen" && (e as { in?: string }).in === input);
}
