// Hop element: moves descriptors from one ring to another without touching the frame (tap
// queue, epair, PF queue hand-off). Back-pressure: a full out ring leaves frames in the in ring.
import { DESC_BYTES, R_TAIL } from "../abi";
import { H_IN, H_OUT, H_IRQ, H_IOTLB, H_FRAMES, H_DONE, H_LAST_HEAD, S_CLOCK, S_TPL, S_NTPL, S_IOTLB_LOOKUPS } from "../pathabi";
import { driverFrames, frameInterrupt, frameStamp } from "./sink";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";

/** A host driver's receive (or transmit) work on `n` frames just placed at `ring[from..]`: doorbells
 *  per batch, interrupts under moderation keyed on each frame's stamp (deterministic). */
function driverIrqs(irq: usize, from: u32, ring: usize, n: u32): void {
  driverFrames(irq, <u64>n);
  const tplTab = <usize>load<u32>(irq + S_TPL);
  const ntpl = load<u32>(irq + S_NTPL);
  const clockAt = <usize>load<u32>(irq + S_CLOCK);
  const base = bufBase(irq);
  const stride = bufStride(irq);
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(ring, from + k);
    let t = frameStamp(tplTab, ntpl, frameAddr(base, stride, d), descLen(d));
    if (t == u64.MAX_VALUE) t = clockAt != 0 ? atomic.load<u64>(clockAt) : 0;
    frameInterrupt(irq, t);
  }
}

/** Moves up to `budget` descriptors from `inr` to `out`, as many as both rings allow (a full out
 *  ring leaves the rest in `inr`), and counts them in H_FRAMES. Returns how many. */
@inline function forward(ctx: usize, inr: usize, out: usize, budget: u32): u32 {
  let n = rAvail(inr);
  const s = rSpace(out);
  if (n > s) n = s;
  if (n > budget) n = budget;
  if (n == 0) return 0;
  const head = load<u32>(inr);
  const tail = load<u32>(out + R_TAIL);
  for (let k: u32 = 0; k < n; k++) memory.copy(rDesc(out, tail + k), rDesc(inr, head + k), DESC_BYTES);
  rPublishHead(inr, n);
  rPublishTail(out, n);
  store<u64>(ctx + H_FRAMES, load<u64>(ctx + H_FRAMES) + <u64>n);
  return n;
}

export function hopBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + H_IN);
  const out = <usize>load<u32>(ctx + H_OUT);
  const tail = load<u32>(out + R_TAIL); // where the moved frames land (this side's own index)
  const n = forward(ctx, inr, out, budget);
  if (n == 0) return 0;
  const irq = <usize>load<u32>(ctx + H_IRQ);
  if (irq != 0) driverIrqs(irq, tail, out, n);
  return n;
}

/**
 * Transmit driver element (ixl/iavf/ix Tx side): posts frames from the stack's ring on the NIC's
 * Tx ring and writes the tail once per burst (a doorbell); reaps completions (descriptors the NIC
 * consumed: the Tx ring's head moved) and raises the Tx completion interrupt under moderation
 * (ITR, simulator time). Assigned devices count IOTLB look-ups per frame (descriptor + buffer).
 */
export function txDriverBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + H_IN);
  const out = <usize>load<u32>(ctx + H_OUT);
  const irq = <usize>load<u32>(ctx + H_IRQ);
  // Reap completions (the NIC moved its head). The completion interrupt of each frame is counted
  // when it is posted, keyed on its stamp under moderation: every posted frame completes, and the
  // count then does not depend on when this thread happens to look.
  const head = atomic.load<u32>(out);
  const done = head - load<u32>(ctx + H_LAST_HEAD);
  if (done != 0) {
    store<u32>(ctx + H_LAST_HEAD, head);
    store<u64>(ctx + H_DONE, load<u64>(ctx + H_DONE) + <u64>done);
  }
  const tail = load<u32>(out + R_TAIL);
  const n = forward(ctx, inr, out, budget);
  if (n == 0) return 0;
  if (irq != 0) {
    driverIrqs(irq, tail, out, n);
    store<u64>(irq + S_IOTLB_LOOKUPS, load<u64>(irq + S_IOTLB_LOOKUPS) + <u64>n * <u64>load<u32>(ctx + H_IOTLB));
  }
  return n;
}
