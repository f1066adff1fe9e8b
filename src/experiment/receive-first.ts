// A trial's sender starved by receive work on its own CPU. FreeBSD runs a CPU's receive
// processing (the interrupt thread, iflib's receive task, netisr) at interrupt priorities, above
// every user thread, so a sending application on a core that also receives runs only when no
// receive work is pending (src/engine/receive-first.ts): overloaded, the core receives and its
// sender starves (receive livelock, Mogul & Ramakrishnan, ACM TOCS 1997). The engine records each
// sender's waits (SimResult.receive_first); this says when they are why the sender fell short.
import type { SimResult } from "../engine/types.ts";
import { directionShortfall, senderShortfall } from "./shortfall.ts";

export interface ReceiveStarved {
  sender: string;
  direction: "rx" | "tx";
  resource: string;
  /** Share of the measured window it waited for receive work. */
  waitedShare: number;
  /** What it offered and what it was asked (pps). */
  offeredPps: number;
  askedPps: number;
}

/**
 * The senders of `r` (run at `ratePps` per direction) that fell short of their load
 * (src/experiment/shortfall.ts, with its `tolerance` and Poisson allowance) and waited for
 * receive work on their CPU inside the measured window, with the share of it they waited (the
 * note gives that share: how much of the shortfall it is, the reader sees from it).
 */
export function receiveStarved(
  r: SimResult,
  ratePps: number,
  tolerance: number,
  poisson: boolean,
): ReceiveStarved[] {
  const windowNs = r.window.to_ns - r.window.from_ns;
  if (!(windowNs > 0)) return [];
  const out: ReceiveStarved[] = [];
  for (const h of r.receive_first ?? []) {
    const short =
      r.per_direction !== undefined
        ? directionShortfall(r, h.direction, ratePps, tolerance, poisson)
        : senderShortfall(r, ratePps, tolerance, poisson);
    if (short === null || !(h.waited_ns > 0)) continue;
    out.push({
      sender: h.sender,
      direction: h.direction,
      resource: h.resource,
      waitedShare: h.waited_ns / windowNs,
      offeredPps: short.offeredPps,
      askedPps: short.askedPps,
    });
  }
  return out;
}

/** The note for one starved sender; `at` names the case and load ("native both 64: at --rate X"). */
export function receiveFirstNote(at: string, s: ReceiveStarved): string {
  const m = (pps: number) => (pps / 1e6).toFixed(3);
  return `${at} its ${s.direction} sender shares ${s.resource} with the receive path and waited for receive work there for ${(s.waitedShare * 100).toFixed(1)} % of the measured window, and offered ${m(s.offeredPps)} of the ${m(s.askedPps)} Mpps asked: FreeBSD runs a CPU's receive processing (interrupt and taskqueue threads) above user threads, so a core that receives more than it can handle leaves its sender no time (receive livelock, Mogul & Ramakrishnan 1997); Linux before 4.9 and from 6.5 does the same, and 4.9 to 6.4, whose ksoftirqd shares the CPU with the sender past its softirq budget, are not modelled (docs/model.md)`;
}
