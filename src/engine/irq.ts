// Interrupt delivery and idling, as events in virtual time.
// Bare metal: the MSI lands on the consumer's core (irq cost) and the handler runs.
// Assigned device (bhyve ppt): the MSI lands on a host core (pptintr: host irq cost), or on the
// vCPU's own core, which exits (KVM as ELI measured it: host_irq_on_vcpu), is injected
// into the guest's vLAPIC (injection cost); a halted vCPU must be woken (wake-up latency, unless
// the host is still halt-polling); a running one takes it posted (APICv, residual cost) or through
// an exit, one already out in a kick's exit at that exit's entry; then the guest's handler, and an
// EOI exit where the profile has one.
// A vCPU with nothing left to do halts (HLT exit), unless its application has work, a paced
// sender on it busy-waits for its next frame, or its guest's idle thread spins first (idle()).
// A host core idles the same way (a paced sender busy-waits, a FreeBSD host's idle thread
// spins first), but halts for free: leaving the halt is not priced.
import { resourceOf, type SimContext } from "./context.ts";
import type { Account, Resource } from "./resource.ts";
import { SwitchCount } from "./switch-count.ts";

/** A guest interrupt vector: until when its last interrupt waits in the vLAPIC (set in IRR,
 *  injected at the next VM entry). */
export interface Vector {
  pendingUntil: number;
}

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

/**
 * Injects an interrupt into the vCPU `vcpu` at `t` (the host side already paid) and runs the
 * guest's handler; `accepted` runs when the guest takes the vector (the handler's first
 * action: a virtio driver masks its queue's interrupt there), `then` when the guest can poll.
 * An interrupt raised while the previous one is still pending in the vLAPIC (set in IRR, not
 * yet injected at a VM entry) is coalesced into it: no exit, no second handler (KVM's
 * __apic_accept_irq returns early for a vector already in IRR, without kicking the vCPU).
 */
export function inject(
  ctx: SimContext,
  vcpu: Resource,
  t: number,
  then: (t: number) => void,
  /** The vCPU is already out of the guest (the host half ran on its core): injected at entry. */
  atEntry = false,
  accepted?: (t: number) => void,
  /** The interrupt's vector (one per virtqueue, MSI-X): coalescing is per vector. */
  vector?: Vector,
): void {
  // Raised later than now (the host half ends in the future: a backend's injection after its
  // batch, a host core's handler): the vCPU keeps running what it has until then. Charged now,
  // the exit would reserve the vCPU from its raise time on and leave it idle before it.
  if (t > ctx.q.now) {
    ctx.q.push(t, (t2) => inject(ctx, vcpu, t2, then, atEntry, accepted, vector));
    return;
  }
  if (vector && t < vector.pendingUntil) return; // coalesced: the pending one's handler sees it
  const c = ctx.costs.c;
  ctx.events.injections++;
  let at = t;
  if (vcpu.sleeping) at = wake(ctx, vcpu, t);
  else if (atEntry) at = t;
  else if (c.posted_interrupts) at = vcpu.run(t, c.posted_injection_cycles, "injection");
  else if (t >= vcpu.exitFrom && t < vcpu.exitUntil) {
    // Out of guest mode in a kick's exit: KVM sends no IPI to a vCPU that is not IN_GUEST_MODE
    // (kvm_vcpu_kick, kvm_arch_vcpu_should_kick); __apic_accept_irq's KVM_REQ_EVENT has
    // vcpu_enter_guest inject the vector at that exit's VM entry: no exit of its own.
    at = vcpu.exitUntil;
  } else {
    ctx.events.vm_exits++;
    at = vcpu.run(t, c.exit_cycles, "exit");
  }
  if (vector) vector.pendingUntil = at; // taken at this entry: a later one is a new interrupt
  if (accepted) ctx.q.push(at, accepted);
  at = vcpu.run(at, c.guest_irq_cycles, "irq");
  if (c.eoi_exits) {
    ctx.events.vm_exits++;
    at = vcpu.run(at, c.exit_cycles, "exit");
  }
  ctx.q.push(at, then);
}

/** The guest on `vcpu` kicks a virtqueue `kicks` times at `at` (an I/O write that exits:
 *  kick_exit_cycles each, the exit, KVM's ioeventfd and the VM entry); returns when it is back
 *  in the guest. The vCPU is out of guest mode meanwhile: an interrupt raised then is injected
 *  at the entry (inject). */
export function kickExit(ctx: SimContext, vcpu: Resource, at: number, kicks: number): number {
  ctx.events.kicks += kicks;
  ctx.events.vm_exits += kicks;
  const end = vcpu.run(at, ctx.costs.c.kick_exit_cycles * kicks, "kick");
  vcpu.exitFrom = vcpu.lastStart;
  vcpu.exitUntil = end;
  return end;
}

/** A device interrupt for an element running on `on`, raised at `t`. */
export function deviceInterrupt(
  ctx: SimContext,
  on: Resource,
  irqHost: string | undefined,
  t: number,
  then: (t: number) => void,
): void {
  const c = ctx.costs.c;
  ctx.events.interrupts++;
  if (on.kind !== "vcpu") {
    const at = wake(ctx, on, t);
    ctx.q.push(on.run(at, c.host_irq_cycles, "irq"), then);
    return;
  }
  if (irqHost && c.device_irq_via_host && c.host_irq_on_vcpu) {
    // The MSI targets the physical core the vCPU runs on (KVM device assignment as ELI measured
    // it): a running guest takes an external-interrupt exit, the host's handler and the
    // injection run on that core, and the vector is injected at the next VM entry.
    let at = t;
    if (on.sleeping) at = wake(ctx, on, t);
    else {
      ctx.events.vm_exits++;
      at = on.run(t, c.exit_cycles, "exit");
    }
    at = on.run(at, c.host_irq_cycles, "host-irq");
    at = on.run(at, c.injection_cycles, "injection");
    inject(ctx, on, at, then, true);
    return;
  }
  if (irqHost && c.device_irq_via_host) {
    // pptintr on the host core, then lapic_intr_msi into the guest's vLAPIC.
    const host = resourceOf(ctx, irqHost);
    const a = host.run(t, c.host_irq_cycles, "irq");
    const b = host.run(a, c.injection_cycles, "injection");
    inject(ctx, on, b, then);
    return;
  }
  inject(ctx, on, t, then);
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
