// The offered load a run's senders get is at most what the wire it crosses carries. A generator
// on the wire cannot send faster than its line rate (it always sent at line rate and reported
// that as offered), but a sender on a CPU queued what the wire could not carry and counted it
// delivered over the trial's window once drained: native tx, 1518 B asked at 1 Mpps on 10 GbE,
// reported 1 Mpps offered and delivered (12.3 Gbit/s), and `both` mixed the two (rx capped, tx
// not). The paths command refuses a --rate above line rate (src/experiment/rate.ts) and the
// search never asks more than Math.round(line rate); simulate() caps every sender as the wire
// caps the one on it, so offered_pps says what was offered.
import type { EnginePath } from "../paths/path-graphs.ts";

/** Preamble (7) + start delimiter (1) + minimum inter-frame gap (12) per frame, IEEE 802.3. */
const PREAMBLE_IFG_BYTES = 20;

/**
 * The line rate (frames/s) of each direction's own frames (`meanWireBytes`: their mean size on
 * the wire, FCS and any VLAN tag included; transmit's are the consumer's, a closed loop's ACKs)
 * on its `linkGbps` wire, for each direction with an element on a wire; a direction without one
 * (VF to VF inside the NIC, pktgen into a tap) is absent: nothing caps it.
 */
export function wireLineRates(
  path: EnginePath,
  elements: ReadonlyArray<{ dir: "rx" | "tx"; el: { on: string } }>,
  meanWireBytes: Record<"rx" | "tx", number>,
  linkGbps: number,
): Partial<Record<"rx" | "tx", number>> {
  const out: Partial<Record<"rx" | "tx", number>> = {};
  for (const { dir, el } of elements)
    if (path.resources.find((r) => r.name === el.on)?.kind === "wire")
      out[dir] = (linkGbps * 1e9) / ((meanWireBytes[dir] + PREAMBLE_IFG_BYTES) * 8);
  return out;
}
