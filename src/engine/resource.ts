// A modeled resource with its own virtual clock: the wire, the NIC pipeline, the PCIe link, a host
// core, a guest vCPU, a vhost thread, a dispatcher core. Work starts when it is asked for and the
// resource is free (max(at, busyUntil)) and keeps it busy for its cost; busy time and cycles are
// accumulated per event kind (stack, driver, irq, exit, injection, wakeup, copy, ...).
import type { ResourceUse } from "./types.ts";

export type ResourceKind = ResourceUse["kind"];

export interface Span {
  start: number;
  end: number;
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
  readonly cycles: Record<string, number> = {};
  /** vCPU: halted (HLT exit taken, waiting for an interrupt); thread: asleep. */
  sleeping = false;
  sleptAt = 0;
  /** Elements with work scheduled on this resource (a vCPU halts only when none has). */
  active = 0;
  /** Work it runs when no element has any (the application), before halting. */
  background?: Background;

  constructor(
    readonly name: string,
    readonly kind: ResourceKind,
    /** Clock of a CPU (GHz); non-CPU resources account ns x this (1) as "cycles". */
    readonly ghz = 1,
  ) {}

  /** Runs `cycles` of work of kind `what` no earlier than `at`. */
  run(at: number, cycles: number, what: string): Span {
    return this.runNs(at, cycles / this.ghz, what);
  }

  /** Runs `ns` of work of kind `what` no earlier than `at`. */
  runNs(at: number, ns: number, what: string): Span {
    const start = Math.max(at, this.busyUntil);
    const end = start + ns;
    this.busyUntil = end;
    this.busyNs += ns;
    this.cycles[what] = (this.cycles[what] ?? 0) + ns * this.ghz;
    return { start, end };
  }

  /** Time that is not work but keeps the resource from running (a wake-up latency): not busy. */
  readonly stalledNs: Record<string, number> = {};
  stall(at: number, ns: number, what: string): Span {
    const start = Math.max(at, this.busyUntil);
    this.busyUntil = start + ns;
    this.stalledNs[what] = (this.stalledNs[what] ?? 0) + ns;
    return { start, end: start + ns };
  }
}
