// Generic ring elements usable by any thread that owns the right ring ends.
import { R_HEAD, R_TAIL, R_MASK, R_DESC, R_LIMIT } from "./abi";
import { ringAt } from "./mem";

/**
 * Moves up to `max` descriptors from ring `src` (this thread is its consumer) to ring `dst`
 * (this thread is its producer), as many as `dst` has room for; one publication per ring.
 * A link element: e.g. a sink that recycles Rx descriptors into a Tx ring (benchmarks), or a
 * pipeline hop between workers. Returns the number moved.
 */
export function ringMove(src: u32, dst: u32, max: u32): u32 {
  const s = ringAt(src);
  const d = ringAt(dst);
  const sh = load<u32>(s + R_HEAD);
  let n = atomic.load<u32>(s + R_TAIL) - sh;
  const dt = load<u32>(d + R_TAIL);
  const used = dt - atomic.load<u32>(d + R_HEAD);
  const limit = load<u32>(d + R_LIMIT);
  const room: u32 = used >= limit ? 0 : limit - used;
  if (n > room) n = room;
  if (n > max) n = max;
  const sm = load<u32>(s + R_MASK);
  const dm = load<u32>(d + R_MASK);
  const sd = <usize>load<u32>(s + R_DESC);
  const dd = <usize>load<u32>(d + R_DESC);
  // Contiguous runs (at most three, where either ring wraps) copied as blocks.
  let i: u32 = 0;
  while (i < n) {
    const si = (sh + i) & sm;
    const di = (dt + i) & dm;
    let run = n - i;
    if (run > sm + 1 - si) run = sm + 1 - si;
    if (run > dm + 1 - di) run = dm + 1 - di;
    memory.copy(dd + (<usize>di << 4), sd + (<usize>si << 4), <usize>run << 4);
    i += run;
  }
  atomic.store<u32>(s + R_HEAD, sh + n);
  atomic.store<u32>(d + R_TAIL, dt + n);
  return n;
}
