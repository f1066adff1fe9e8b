// Interrupt delivery, as events in virtual time.
// Bare metal: the MSI lands on the consumer's core (irq cost) and the handler runs.
// Assigned device (bhyve ppt): the MSI lands on a host core (pptintr: host irq cost), or on the
// vCPU's own core, which exits (KVM as ELI measured it: host_irq_on_vcpu), is injected
// into the guest's vLAPIC (injection cost); a halted vCPU must be woken (wake-up latency, unless
// the host is still halt-polling); a running one takes it posted (APICv, residual cost) or through
// an exit, one already out in a kick's exit at that exit's entry; then the guest's handler, and an
// EOI exit where the profile has one. How a CPU idles and is woken: idle.ts.
import { resourceOf, type SimContext } from "./context.ts";
import { wake } from "./idle.ts";
import { KickExits } from "./kick-exits.ts";
import type { Resource } from "./resource.ts";

/** A guest interrupt vector: until when its last interrupt waits in the vLAPIC (set in IRR,
 *  injected at the next VM entry). */
export interface Vector {
  pendingUntil: number;
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
  else {
    // Out of guest mode in a kick's exit: KVM sends no IPI to a vCPU that is not IN_GUEST_MODE
    // (kvm_vcpu_kick, kvm_arch_vcpu_should_kick); __apic_accept_irq's KVM_REQ_EVENT has
    // vcpu_enter_guest inject the vector at that exit's VM entry: no exit of its own.
    at = kickEntry(vcpu, t);
    if (at < 0) {
      ctx.events.vm_exits++;
      at = vcpu.run(t, c.exit_cycles, "exit");
    }
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
  vcpu.kickExits ??= new KickExits();
  vcpu.kickExits.record(vcpu.lastStart, end, ctx.q.now);
  return end;
}

/** The VM entry ending the kick exit `vcpu` is out in at `t`, or -1 (in guest mode, or halted). */
function kickEntry(vcpu: Resource, t: number): number {
  return vcpu.kickExits ? vcpu.kickExits.entryAfter(t) : -1;
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
    // injection run on that core, and the vector is injected at the next VM entry. A vCPU out in
    // a kick's exit (KickExits) is already in the host: no exit of its own.
    let at = t;
    if (on.sleeping) at = wake(ctx, on, t);
    else if (kickEntry(on, t) < 0) {
      ctx.events.vm_exits++;
      at = on.run(t, c.exit_cycles, "exit");
    }
    at = on.run(at, c.host_irq_cycles, "host-irq");
    at = on.run(at, c.injection_cycles, "injection");
    inject(ctx, on, at, then, true);
    return;
  }
  if (irqHost && c.device_irq_via_host) {
    // pptintr on the host core, then lapic_intr_msi into the guest's vLAPIC: an interrupt filter
    // (sys/amd64/vmm/io/ppt.c bus_setup_intr(..., pptintr, NULL, ...)), no thread switch: a host
    // core spinning or halted in its idle thread goes back to it (Resource.runFilter).
    const host = resourceOf(ctx, irqHost);
    const a = host.runFilter(t, c.host_irq_cycles, "irq");
    const b = host.runFilter(a, c.injection_cycles, "injection");
    inject(ctx, on, b, then);
    return;
  }
  inject(ctx, on, t, then);
}
