// The application behind a consumer's socket (ScenarioSpec.application): the receive stack
// queues each frame it finishes on the socket, and the application on the same CPU reads them
// one at a time (`app_rx_cycles` each: the read system call and the application's own work on
// the message; plus the copy of its payload to user space at copy_gbytes_per_s). It runs only when no element of that CPU has work
// scheduled (interrupts, NAPI polls and softirqs come first, as a process yields to them), and
// while it has frames queued the CPU does not idle: a vCPU halts (HLT exit) only when both the
// receive ring and the socket are empty. A frame is one read; the socket queue is not bounded
// (a load beyond the CPU's capacity saturates it, which a trial reports, instead of dropping at
// the socket). With a closed loop (ScenarioSpec.window), the reads free the receive window and
// every `ackEvery`-th read sends an ACK through the path's transmit direction; the sender on the
// wire sends again when it arrives (ClosedLoop).
import type { SimContext } from "./context.ts";
import { idle } from "./idle.ts";
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
    this.ctx.closedLoop?.onRead(end);
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

/** Ethernet + IPv4 + TCP with the timestamp option (RFC 7323, on by default in Linux:
 *  net.ipv4.tcp_timestamps = 1): 14 + 20 + 32 = 66 bytes, plus the 4-byte FCS (frame sizes here
 *  include it). A pure ACK carries no payload. */
export const ACK_FRAME_BYTES = 70;

/** Full-size segments per ACK by default: RFC 1122 §4.2.3.2 and RFC 5681 §4.2 (an ACK at least
 *  every second full-sized segment). Linux sends it from the reading process: tcp_cleanup_rbuf
 *  (net/ipv4/tcp.c) acks once more than one receive MSS arrived since the last window update
 *  (rcv_nxt - rcv_wup > rcv_mss); __tcp_ack_snd_check (tcp_input.c) acks from the softirq only
 *  if the window's right edge advances ("tcp_recvmsg() will send ACK otherwise"), which it does
 *  not while the socket holds unread data, as a receiver-bound stream's does. */
export const DEFAULT_ACK_EVERY = 2;

/**
 * A closed loop between the sender on the wire and the receiving applications (TCP-like): at
 * most `window` frames sent and not yet acknowledged as read. With `ackEvery` > 0 every
 * `ackEvery`-th read asks the receiver's transmit path (`ackSender`: the consumer's generator of
 * the transmit direction, on the reading CPU) for one ACK frame, which pays that path's
 * transmit costs (stack, driver, kick or doorbell, vhost...) and opens the window by `ackEvery`
 * frames when the peer on the wire (`ackSink`) receives it. With `ackEvery` 0 each read opens
 * the window at once (the ACK's way back is not simulated).
 */
export class ClosedLoop {
  /** Frames the applications have read, and frames the sender knows were read. */
  read = 0;
  acked = 0;
  /** ACK frames requested from the transmit path and received by the sender. */
  acksSent = 0;
  acksArrived = 0;
  /** Reads since the last ACK. */
  private unacked = 0;
  private waiting: ((t: number) => void) | null = null;
  /** Sends one ACK frame from the reading CPU at `t` (set by the ACK generator). */
  ackSender: ((t: number) => void) | null = null;

  constructor(
    readonly window: number,
    readonly ackEvery = 0,
    /** The transmit direction's generator and the peer on the wire that receives its frames. */
    readonly ackGen = "",
    readonly ackSink = "",
  ) {}

  /** Frames the sender may still send, having sent `sent`. */
  room(sent: number): number {
    return this.window - (sent - this.acked);
  }

  /** The sender's window is full: `resume` runs when it opens again. */
  wait(resume: (t: number) => void): void {
    this.waiting = resume;
  }

  /** The application read one frame; the read ends at `t`. */
  onRead(t: number): void {
    this.read++;
    if (this.ackEvery === 0) {
      this.open(t, 1);
      return;
    }
    if (++this.unacked < this.ackEvery) return;
    this.unacked = 0;
    this.acksSent++;
    if (!this.ackSender) throw new Error("closed loop: no transmit path sends the ACKs");
    this.ackSender(t);
  }

  /** `n` ACK frames reached the sender at `t`: each acknowledges `ackEvery` frames. */
  acksIn(t: number, n: number): void {
    if (n <= 0) return;
    this.acksArrived += n;
    this.open(t, n * this.ackEvery);
  }

  private open(t: number, frames: number): void {
    this.acked += frames;
    const w = this.waiting;
    if (w) {
      this.waiting = null;
      w(t);
    }
  }
}
