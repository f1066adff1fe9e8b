// The cases one campaign run covers and the generator each draws from, shared by the targets
// whose case is one input (config, pcap, state; frames groups its bursts itself).
import type { CampaignOptions } from "./campaign.ts";
import { caseRng, type Rng } from "./prng.ts";

/** Cases one run covers: all `count` of them, or only `onlyCase`. */
export function caseCount(opts: CampaignOptions): number {
  return opts.onlyCase === undefined ? opts.count : 1;
}

/** The run's cases in order, each announced on the heartbeat with its own generator;
 *  `done`: the cases of this run before it (for progress). */
export function* eachCase(
  opts: CampaignOptions,
  stream: number,
): Generator<{ index: number; r: Rng; done: number }> {
  const first = opts.onlyCase ?? 0;
  const n = caseCount(opts);
  for (let done = 0; done < n; done++) {
    const index = first + done;
    opts.heartbeat?.(index);
    yield { index, r: caseRng(opts.seed, stream, index), done };
  }
}
