// vhost's signal to the guest through KVM's irqfd (eventfd_signal -> irqfd_wakeup on the
// signalling thread). Since KVM's "fast-path msi injection with irqfd" (bd2b53b20fcd, M. S.
// Tsirkin, 2010) irqfd_wakeup injects the MSI itself: injection_cycles of the signalling thread,
// which the backends charge as before (irqfd_msi_fastpath = 1). Before that commit
// (irqfd_msi_fastpath = 0) irqfd_wakeup only queued a work item (schedule_work(&irqfd->inject)):
// the signalling core's events thread woke, ran irqfd_inject -> kvm_set_irq, and the vector
// reached the vLAPIC after that trip. A signal that finds the work still pending adds nothing
// (schedule_work returns at once); any other pays the thread's trip (irqfd_bounce_cycles) and the
// injection on the signalling core.
import type { SimContext } from "../context.ts";
import type { Resource } from "../resource.ts";

/** The pre-fast-path signal: when the injection is done (ns), or -1 when the pending work absorbs it. */
export type IrqfdBounce = (t: number) => number;

/** The bounce of `res`'s signals, or null with the fast path (the caller's own charging applies). */
export function irqfdBounce(ctx: SimContext, res: Resource): IrqfdBounce | null {
  const c = ctx.costs.c;
  if (c.irqfd_msi_fastpath === 1) return null;
  const bounceNs = c.irqfd_bounce_cycles / res.ghz;
  const injectionNs = c.injection_cycles / res.ghz;
  /** Until the queued work has run (the events thread's trip and the injection). */
  let pendingUntil = -1;
  return (t: number): number => {
    if (t < pendingUntil) return -1;
    res.run(t, c.irqfd_bounce_cycles, "irqfd_bounce");
    res.run(t, c.injection_cycles, "injection");
    pendingUntil = t + bounceNs + injectionNs;
    return pendingUntil;
  };
}
