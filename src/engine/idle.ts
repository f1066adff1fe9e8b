// How a CPU idles when its work ends, and how it is woken, as events in virtual time.
// A vCPU with nothing left to do halts (HLT exit), unless its application has work, a paced
// sender on it busy-waits for its next frame, or its guest's idle thread spins first (idle()).
// A host core idles the same way (a paced sender busy-waits, a FreeBSD host's idle thread
// spins first), but halts for free: leaving the halt is not priced. A backend thread sleeps.
import type { SimContext } from "./context.ts";
import type { Account, Resource } from "./resource.ts";
import { SwitchCount } from "./switch-count.ts";

/** Wakes a halted vCPU or sleeping thread at `t` if needed; returns when it can run. */
export function wake(ctx: SimContext, r: Resource, t: number): number {
  if (!r.sleeping) return t;
  r.sleeping = false;
  const c = ctx.costs.c;
  if (r.kind === "vcpu") {
    // Halt polling (KVM) spins the vCPU's core before sleeping: that time is busy.
    const polled = Math.min(Math.max(0, t - r.sleptAt), c.halt_poll_ns);
    if (polled > 0) {
      r.busyNs += polled;
      r.pollNs += polled;
      r.addCycles(r.account("halt_poll"), polled * r.ghz);
    }
    r.switches?.add(t); // the guest's idle thread gives the vCPU to the work that woke it
    if (t - r.sleptAt < c.halt_poll_ns) return t; // still polling: no trip through the scheduler
    ctx.events.wakeups++;
    return r.stall(t, c.wakeup_ns, "wakeup");
  }
  ctx.events.wakeups++;
  return r.stall(t, c.thread_wakeup_ns, "wakeup");
}

/** The element on `r` has no more work at `t`: the resource's background work (the
 *  application) runs if it has some; else a CPU whose paced sender busy-waits for its next frame
 *  spins until work comes, and a vCPU or host core with nothing pending idles as its kernel does
 *  (idleThread). */
export function idle(ctx: SimContext, r: Resource, t: number): void {
  if (!idles(ctx, r)) return;
  r.idleCheck ??= idleCheck(ctx, r); // one per resource: idle() runs after every batch
  ctx.q.push(t, r.idleCheck);
}

/** Whether idle() has anything to do on `r` when its work ends: a vCPU halts, a backend thread
 *  sleeps, a host core whose kernel's idle thread may spin (host_idle_spins) does so, the
 *  application runs, or a paced sender busy-waits; otherwise the CPU idles for free. */
export function idles(ctx: SimContext, r: Resource): boolean {
  return (
    r.kind === "vcpu" ||
    r.kind === "vhost" ||
    r.background !== undefined ||
    r.busyWaitingSenders > 0 ||
    (r.kind === "core" && ctx.costs.c.host_idle_spins > 0)
  );
}

/** idle()'s look at `r` when its work may have ended (made once per resource, with the accounts
 *  its spins are charged to, so neither a closure nor an account look-up is made per call). */
function idleCheck(ctx: SimContext, r: Resource): (now: number) => void {
  const c = ctx.costs.c;
  const sendWait = r.account("send_wait");
  const idleSpin = r.account("idle_spin");
  const check = (now: number): void => {
    if (r.sleeping || r.active > 0 || r.spinFrom >= 0) return;
    // The application has frames queued: it runs (and calls idle() when they are read).
    if (r.background?.resume(now)) return;
    if (r.busyUntil > now) {
      // Look again when its reserved work ends; one look per end time (elements that call
      // idle() while a thread is still busy ahead would otherwise each keep one alive).
      if (r.idleRecheckAt === r.busyUntil) return;
      r.idleRecheckAt = r.busyUntil;
      ctx.q.push(r.busyUntil, check);
      return;
    }
    if (r.busyWaitingSenders > 0) {
      // A paced sender polls the clock for its next frame's time (FreeBSD's netsend: wait_time
      // spins on clock_gettime): the CPU runs it until work comes, its next frame or an interrupt.
      r.startSpin(now, Number.POSITIVE_INFINITY, sendWait, false);
      return;
    }
    if (r.kind === "vcpu") idleThread(ctx, r, now, idleSpin, c.guest_idle_spins, haltVcpu);
    else if (r.kind === "core") idleThread(ctx, r, now, idleSpin, c.host_idle_spins, haltCore);
    else if (r.kind === "vhost") {
      r.sleeping = true; // a backend thread blocks until the next wake-up
      r.sleptAt = now;
    }
  };
  return check;
}

/** A paced sender on `r` has sent its last frame at `t`: a CPU it kept busy-waiting idles. */
export function senderDone(ctx: SimContext, r: Resource, t: number): void {
  r.busyWaitingSenders--;
  if (r.busyWaitingSenders > 0 || r.spinFrom < 0) return;
  r.endSpin(t, false);
  idle(ctx, r, t);
}

/**
 * The idle thread of a FreeBSD kernel on CPU `r` (a guest's vCPU, or a host core), idle from
 * `now`. ULE's sched_idletd (sys/kern/sched_ule.c): when the CPU switched threads more than
 * guest_idle_spin_threshold times in this stat tick and the last, it spins `spins` times checking
 * for work before cpu_idle(); work in that time runs at once (on a vCPU: no HLT exit, no
 * wake-up, an interrupt to a running vCPU). Otherwise, and with `spins` 0 (a Linux guest without
 * cpuidle-haltpoll, a Linux host), it halts at once (`halt`).
 */
function idleThread(
  ctx: SimContext,
  r: Resource,
  now: number,
  idleSpin: Account,
  spins: number,
  halt: (ctx: SimContext, r: Resource, t: number, idleSpin: Account) => void,
): void {
  const c = ctx.costs.c;
  const spinNs = (spins * c.guest_idle_spin_cycles) / r.ghz;
  if (spinNs > 0) {
    r.switches ??= new SwitchCount(1e9 / c.guest_stathz);
    r.switches.add(now); // the work's thread gives the CPU to the idle thread
    if (r.switches.total(now) > c.guest_idle_spin_threshold) {
      const until = now + spinNs;
      r.startSpin(now, until, idleSpin, true);
      const seq = r.spinSeq;
      ctx.q.push(until, (t) => {
        if (r.spinSeq !== seq || r.spinFrom < 0) return; // work ended this spin
        r.endSpin(t, false);
        if (r.active > 0) return; // an element's work is due now: it calls idle() when done
        halt(ctx, r, t, idleSpin);
      });
      return;
    }
  }
  halt(ctx, r, now, idleSpin);
}

/** The vCPU halts at `t`: a HLT exit, then asleep until an interrupt wakes it (wake()). */
function haltVcpu(ctx: SimContext, r: Resource, t: number): void {
  ctx.events.vm_exits++;
  const end = r.run(t, ctx.costs.c.exit_cycles, "exit"); // HLT exit
  r.sleeping = true;
  r.sleptAt = end;
}

/** A host core halts at `t` (cpu_idle: HLT or MWAIT), for free: leaving the C-state is not
 *  priced (docs/model.md). Held as a spin that has already run out, so the work that takes the
 *  core back is counted as the switch out of the idle thread, as a vCPU's wake-up is. */
function haltCore(_ctx: SimContext, r: Resource, t: number, idleSpin: Account): void {
  r.startSpin(t, t, idleSpin, true);
}
