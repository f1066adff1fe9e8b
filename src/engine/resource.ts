// A modeled resource with its own virtual clock: the wire, the NIC pipeline, the PCIe link, a host
// core, a guest vCPU, a vhost thread, a dispatcher core. Work starts when it is asked for and the
// resource is free (max(at, busyUntil)) and keeps it busy for its cost; busy time and cycles are
// accumulated per event kind (stack, driver, irq, exit, injection, wakeup, copy, ...).
// Hot paths hold an Account per event kind (no string look-up, no object per charge); the
// report reads `cycles` by event kind in the order the kinds were first charged.
import type { KickExits } from "./kick-exits.ts";
import type { SwitchCount } from "./switch-count.ts";
import type { ResourceUse } from "./types.ts";

export type ResourceKind = ResourceUse["kind"];

/** Resources that run on the cost profile's CPU clock (cpu_ghz): their cycles are clock cycles.
 *  The others (wire, NIC pipeline, PCIe link) have no clock and account ns as "cycles" (ghz 1). */
export function isClocked(kind: ResourceKind): boolean {
  return kind === "core" || kind === "vcpu" || kind === "vhost" || kind === "dispatcher";
}

/** What a resource's cycles_per_packet counts: CPU clock cycles, or ns for a resource with no clock. */
export function perPacketUnit(kind: ResourceKind): "cycles" | "ns" {
  return isClocked(kind) ? "cycles" : "ns";
}

/** Event kinds that are polling which yields at once to work (busy, but not work): KVM's halt
 *  polling, a guest idle thread's spin, a paced sender's busy-wait. */
export const POLL_EVENTS = ["halt_poll", "idle_spin", "send_wait"] as const;

/** Cycles of `by_event` (a resource's cycles by event kind) that are polling, not work. */
export function pollCycles(byEvent: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const k of POLL_EVENTS) s += byEvent[k] ?? 0;
  return s;
}

/** A resource's work per delivered packet: its cycles_per_packet less polling (POLL_EVENTS). */
export function workPerPacket(use: Pick<ResourceUse, "cycles_per_packet" | "by_event">): number {
  return use.cycles_per_packet - pollCycles(use.by_event);
}

/** Cycles of one event kind on one resource. */
export class Account {
  cycles = 0;
  /** Charged at least once (only charged kinds appear in the report, in first-charge order). */
  used = false;
  constructor(readonly what: string) {}
}

/** Lower-priority work a resource runs when nothing else is pending, instead of idling (the
 *  application behind a consumer's socket: src/engine/application.ts). */
export interface Background {
  /** Runs from `t` if it has work (and says so), so the resource does not halt. */
  resume(t: number): boolean;
}

export class Resource {
  busyUntil = 0;
  busyNs = 0;
  /** Part of busyNs spent polling for work that yields at once to it (KVM halt-polling). */
  pollNs = 0;
  /** Start of the work the last charge placed (max(at, busyUntil) at that call). */
  lastStart = 0;
  /** vCPU: its kick exits (out of guest mode): an interrupt raised inside one is injected at that
   *  exit's VM entry, with no exit of its own (interrupt-delivery.ts kickExit, inject). */
  kickExits?: KickExits;
  /** vCPU: halted (HLT exit taken, waiting for an interrupt); thread: asleep. */
  sleeping = false;
  sleptAt = 0;
  /** Elements with work scheduled on this resource (a vCPU halts only when none has). */
  active = 0;
  /** When idle() looks again at this resource (its reserved work's end), or -1. */
  idleRecheckAt = -1;
  private readonly accounts = new Map<string, Account>();
  /** Charged accounts in the order of their first charge. */
  private charged: Account[] = [];
  /** Work it runs when no element has any (the application), before halting. */
  background?: Background;
  /** Spinning since this time (a guest's idle loop, a paced sender's busy-wait), or -1: busy
   *  time that yields at once to work, accounted (busy and poll) when work or `endSpin` ends it. */
  spinFrom = -1;
  /** A spin ends by itself here at the latest (Infinity: only work ends it). */
  private spinUntil = Number.POSITIVE_INFINITY;
  /** The account the spin is charged to, and whether it is the guest's idle thread spinning
   *  (work that ends it is a context switch out of the idle thread). */
  private spinAccount: Account | undefined;
  private spinIsIdle = false;
  /** Bumped at each spin's start: an expiry scheduled for an earlier spin sees it moved on. */
  spinSeq = 0;
  /** Senders on this CPU that busy-wait for their next frame and have frames left to send. */
  busyWaitingSenders = 0;
  /** idle()'s look at this resource (idle.ts: made at its first idle(), then reused). */
  idleCheck?: (t: number) => void;
  /** The guest scheduler's context switches (vCPU, when its idle thread may spin). */
  switches?: SwitchCount;

  constructor(
    readonly name: string,
    readonly kind: ResourceKind,
    /** Clock of a CPU (GHz); non-CPU resources account ns x this (1) as "cycles". */
    readonly ghz = 1,
  ) {}

  /** The account of event kind `what` (made on first use; hold it on hot paths). */
  account(what: string): Account {
    let a = this.accounts.get(what);
    if (!a) {
      a = new Account(what);
      this.accounts.set(what, a);
    }
    return a;
  }

  /** Adds `cycles` to an account without placing work (the caller keeps the clock itself). */
  addCycles(a: Account, cycles: number): void {
    if (!a.used) {
      a.used = true;
      this.charged.push(a);
    }
    a.cycles += cycles;
  }

  /** Starts a spin at `t` that ends by itself at `until` (Infinity: only work ends it). */
  startSpin(t: number, until: number, a: Account, idleThread: boolean): void {
    this.spinFrom = t;
    this.spinUntil = until;
    this.spinAccount = a;
    this.spinIsIdle = idleThread;
    this.spinSeq++;
  }

  /** Ends the spin under way at `t` (work starts, or it runs out): its time up to then, at most
   *  its end, is busy time spent polling. `switched`: the idle thread gives the CPU to work. */
  endSpin(t: number, switched: boolean): void {
    const ns = Math.max(0, Math.min(t, this.spinUntil) - this.spinFrom);
    this.spinFrom = -1;
    if (ns > 0) {
      this.busyNs += ns;
      this.pollNs += ns;
      this.addCycles(this.spinAccount as Account, ns * this.ghz);
    }
    if (switched && this.spinIsIdle) this.switches?.add(t);
  }

  /** Work booked ahead, at `start`, on a CPU whose paced sender busy-waits (a sender prices the
   *  frames of its window at their slot, before the CPU reaches it): the CPU polled for it from
   *  the end of its last work, where idle()'s look, which found the booking, started no spin. */
  private waitedFor(start: number): void {
    const ns = start - this.busyUntil;
    this.busyNs += ns;
    this.pollNs += ns;
    this.sendWait ??= this.account("send_wait");
    this.addCycles(this.sendWait, ns * this.ghz);
  }
  private sendWait: Account | undefined;

  /**
   * Busy and polling time up to `t`, for a snapshot: polling is credited when it ends (a spin
   * when work or its end stops it, KVM's halt polling, up to `haltPollNs` after a halt, when the
   * vCPU is woken), so the part of one under way that falls before `t` is added here; a
   * snapshot without it would miss a spin that spans the window's end and put one begun before
   * the window wholly inside it.
   */
  busyAt(t: number, haltPollNs = 0): { busy: number; poll: number } {
    let polling = 0;
    if (this.spinFrom >= 0) polling = Math.max(0, Math.min(t, this.spinUntil) - this.spinFrom);
    else if (this.sleeping && this.kind === "vcpu" && haltPollNs > 0)
      polling = Math.min(Math.max(0, t - this.sleptAt), haltPollNs);
    return { busy: this.busyNs + polling, poll: this.pollNs + polling };
  }

  /** Runs `ns` of work of account `a` no earlier than `at`; returns when it ends. */
  charge(at: number, ns: number, a: Account): number {
    const start = Math.max(at, this.busyUntil);
    if (this.spinFrom >= 0)
      this.endSpin(start, true); // work ends a spin: it yields at once
    else if (start > this.busyUntil && this.busyWaitingSenders > 0) this.waitedFor(start);
    return this.place(start, ns, a);
  }

  /**
   * Runs `cycles` of an interrupt filter of kind `what` no earlier than `at` (a handler that runs
   * in the interrupted thread's context, with no thread switch: bhyve's pptintr); returns when
   * it ends. A spin under way (the idle thread's, a paced sender's busy-wait, a halt) is not
   * ended by it, as work ends one: it is suspended for the filter (its time so far is polling)
   * and resumes where the filter returns, the same spin (its end and expiry kept), with no
   * switch counted.
   */
  runFilter(at: number, cycles: number, what: string): number {
    if (this.spinFrom < 0) return this.run(at, cycles, what);
    const start = Math.max(at, this.busyUntil);
    this.endSpin(start, false);
    const end = this.place(start, cycles / this.ghz, this.account(what));
    this.spinFrom = end; // resumed (a spin already run out stays so: endSpin credits nothing)
    return end;
  }

  /** Places `ns` of work of account `a` at `start` (the resource is free then). */
  private place(start: number, ns: number, a: Account): number {
    const end = start + ns;
    this.lastStart = start;
    this.busyUntil = end;
    this.busyNs += ns;
    this.addCycles(a, ns * this.ghz);
    return end;
  }

  /** Runs `cycles` of account `a` no earlier than `at`; returns when it ends. */
  chargeCycles(at: number, cycles: number, a: Account): number {
    return this.charge(at, cycles / this.ghz, a);
  }

  /** Runs `cycles` of work of kind `what` no earlier than `at`; returns when it ends. */
  run(at: number, cycles: number, what: string): number {
    return this.charge(at, cycles / this.ghz, this.account(what));
  }

  /** Runs `ns` of work of kind `what` no earlier than `at`; returns when it ends. */
  runNs(at: number, ns: number, what: string): number {
    return this.charge(at, ns, this.account(what));
  }

  /** Cycles by event kind, in the order the kinds were first charged (a copy). */
  cyclesByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.charged) out[a.what] = a.cycles;
    return out;
  }

  /** Replaces the cycles by event kind (a partitioned run's other thread charged them). */
  setCycles(entries: ReadonlyArray<readonly [string, number]>): void {
    for (const a of this.charged) {
      a.cycles = 0;
      a.used = false;
    }
    this.charged = [];
    for (const [what, v] of entries) {
      const a = this.account(what);
      this.addCycles(a, v);
    }
  }

  /** Time that is not work but keeps the resource from running (a wake-up latency): not busy. */
  readonly stalledNs: Record<string, number> = {};
  stall(at: number, ns: number, what: string): number {
    const start = Math.max(at, this.busyUntil);
    this.busyUntil = start + ns;
    this.stalledNs[what] = (this.stalledNs[what] ?? 0) + ns;
    return start + ns;
  }
}
