// The room the NIC's switch judges a frame on: its destination ring's room when that frame is
// switched (the refills its driver's doorbells brought to the NIC by then, less what the frames
// before it took), frame by frame, as the hardware does (QEMU's igb checks the ring for each
// packet: igb_receive_internal, igb_has_rxbufs). The switch kernels take a burst in runs, one call
// each: a run is the frames the room cannot tell apart.
import type { Link } from "../link.ts";
import type { SwitchTimes } from "./switch-times.ts";

/**
 * How many frames from frame `i` of a burst of `n` (frame j switched at `times.time(j)`, in time
 * order) the switch may take in one call, each judged on its own ring room: the rest of the burst
 * when every ring has room for all of it (later refills only add room), else the frames switched
 * before the next refill reaches the NIC (at least one): of those the first `room` fit and the
 * others find the ring full, whether taken one by one or together. Leaves each ring's limit
 * (R_LIMIT) as the NIC sees it at `times.time(i)`.
 */
export function sameRoomRun(outs: readonly Link[], times: SwitchTimes, i: number, n: number): number {
  const rest = n - i;
  const first = times.time(i);
  let next = Number.POSITIVE_INFINITY;
  let short = false;
  for (let o = 0; o < outs.length; o++) {
    const l = outs[o];
    if (!l.ring) continue;
    if (l.roomAt(first) < rest) {
      short = true;
      next = Math.min(next, l.nextRefill());
    }
  }
  // The times only grow: a refill after the last frame is after every frame (the common case of
  // a ring kept short by a busy driver: no frame-by-frame search).
  if (!short || times.time(n - 1) < next) return rest;
  let k = 1;
  while (k < rest && times.time(i + k) < next) k++;
  return k;
}
