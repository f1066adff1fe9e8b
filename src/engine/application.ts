// The application behind a consumer's socket (ScenarioSpec.application): the receive stack
// queues each frame it finishes on the socket, and the application on the same CPU reads them
// one at a time (`app_rx_cycles` each: the read system call and the application's own work on
// the message; plus the copy of its payload to user space at copy_gbytes_per_s). It runs only when no element of that CPU has work
// scheduled (interrupts, NAPI polls and softirqs come first, as a process yields to them), and
// while it has frames queued the CPU does not idle: a vCPU halts (HLT exit) only when both the
// receive ring and the socket are empty. A frame is one read; the socket queue is not bounded
// (a load beyond the CPU's capacity saturates it, which a trial reports, instead of dropping at
// the socket). With a closed loop (ScenarioSpec.window), each read acknowledges the frame and
// lets the sender on the wire send another (ClosedLoop).
import type { SimContext } from "./context.ts";
import { idle } from "./irq.ts";
import type { Background, Resource } from "./resource.ts";

/** Ethernet, IPv4 and UDP headers: what the stack strips before the payload the read copies. */
const HEADER_BYTES = 42;

export class Application implements Background {
  /** Frames queued on the socket, not yet read, and their payload bytes. */
  backlog = 0;
  private backlogBytes = 0;
  /** Frames read so far, and the deepest the socket queue got. */
  read = 0;
  maxBacklog = 0;
  private running = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly res: Resource,
  ) {}

  /** The stack queued `n` frames of `frameBytes` in all on the socket at `t` (it is running:
   *  the CPU is awake). */
  deliver(t: number, n: number, frameBytes: number): void {
    if (n <= 0) return;
    this.backlog += n;
    this.backlogBytes += Math.max(0, frameBytes - HEADER_BYTES * n);
    if (this.backlog > this.maxBacklog) this.maxBacklog = this.backlog;
    this.start(t);
  }

  resume(t: number): boolean {
    if (this.backlog === 0) return false;
    this.start(t);
    return true;
  }

  private start(t: number): void {
    if (this.running) return;
    this.running = true;
    this.ctx.q.push(t, this.step);
  }

  /** Reads one frame if the CPU has nothing of higher priority; one at a time, so an interrupt
   *  waits at most one read (the preemption granularity). */
  private readonly step = (t: number): void => {
    if (this.backlog === 0) {
      this.running = false;
      idle(this.ctx, this.res, t);
      return;
    }
    if (this.res.active > 0) {
      // An interrupt, poll or softirq is under way: it calls idle() when done, which resumes us.
      this.running = false;
      return;
    }
    if (this.res.busyUntil > t) {
      // Work reserved ahead of us (an interrupt handler): look again when it is done.
      this.ctx.q.push(this.res.busyUntil, this.step);
      return;
    }
    const c = this.ctx.costs.c;
    // The read copies the frame's payload to user space (copy_to_user), per byte as vhost's
    // copy; the frames of a batch are taken as alike (their mean payload).
    const payload = this.backlogBytes / this.backlog;
    this.backlogBytes -= payload;
    const end = this.res.runNs(t, c.app_rx_cycles / this.res.ghz + payload / c.copy_gbytes_per_s, "app");
    this.backlog--;
    this.read++;
    this.ctx.closedLoop?.ack(end);
    this.ctx.q.push(end, this.step);
  };
}

/**
 * The application reading the frames a consumer on `res` receives, when the scenario has one
 * (ScenarioSpec.application) and `res` is a CPU (a host core or a guest vCPU); one per CPU.
 */
export function applicationOn(ctx: SimContext, res: Resource): Application | null {
  if (!ctx.application || (res.kind !== "core" && res.kind !== "vcpu")) return null;
  if (res.background instanceof Application) return res.background;
  const app = new Application(ctx, res);
  res.background = app;
  return app;
}

/**
 * A closed loop between the sender on the wire and the receiving applications (TCP-like): at
 * most `window` frames sent and not yet read. Each read opens the window by one frame at once
 * (the acknowledgement's way back is not simulated: with a window deep enough to keep the
 * receiver busy, its delay does not change the rate, which the receiver's reads set).
 */
export class ClosedLoop {
  /** Frames the applications have read (acknowledged). */
  read = 0;
  private waiting: ((t: number) => void) | null = null;
  constructor(readonly window: number) {}

  /** Frames the sender may still send, having sent `sent`. */
  room(sent: number): number {
    return this.window - (sent - this.read);
  }

  /** The sender's window is full: `resume` runs at the next acknowledgement. */
  wait(resume: (t: number) => void): void {
    this.waiting = resume;
  }

  ack(t: number): void {
    this.read++;
    const w = this.waiting;
    if (w) {
      this.waiting = null;
      w(t);
    }
  }
}
