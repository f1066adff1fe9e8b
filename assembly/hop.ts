// Hop element: moves descriptors from one ring to another without touching the frame (tap
// queue, epair, PF queue hand-off). Back-pressure: a full out ring leaves frames in the in ring.
import { DESC_BYTES } from "./abi";
import { H_IN, H_OUT, H_IRQ, H_FRAMES, S_CLOCK, S_DOORBELLS } from "./pathabi";
import { sinkInterrupt } from "./sink";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail } from "./pathring";

export function hopBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + H_IN);
  const out = <usize>load<u32>(ctx + H_OUT);
  let n = rAvail(inr);
  const s = rSpace(out);
  if (n > s) n = s;
  if (n > budget) n = budget;
  if (n == 0) return 0;
  const head = load<u32>(inr);
  const tail = load<u32>(out + 64);
  for (let k: u32 = 0; k < n; k++) memory.copy(rDesc(out, tail + k), rDesc(inr, head + k), DESC_BYTES);
  rPublishHead(inr, n);
  rPublishTail(out, n);
  store<u64>(ctx + H_FRAMES, load<u64>(ctx + H_FRAMES) + <u64>n);
  const irq = <usize>load<u32>(ctx + H_IRQ);
  if (irq != 0) {
    const clockAt = <usize>load<u32>(irq + S_CLOCK);
    store<u64>(irq + S_DOORBELLS, load<u64>(irq + S_DOORBELLS) + 1);
    sinkInterrupt(irq, clockAt != 0 ? atomic.load<u64>(clockAt) : 0);
  }
  return n;
}
