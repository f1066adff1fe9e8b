// One entry point over the four targets (the CLI, the worker and the tests call this).
import type { CampaignOptions, CampaignResult, TargetName } from "./campaign.ts";
import { runConfig } from "./target-config.ts";
import { runFrames } from "./target-frames.ts";
import { runPcap } from "./target-pcap.ts";
import { runState } from "./target-state.ts";

/** Default counts per target when --count is not given (a short campaign). */
export const DEFAULT_COUNTS: Record<TargetName, number> = {
  frames: 100_000,
  config: 2_000,
  pcap: 5_000,
  state: 1_000,
};

export async function runTarget(target: TargetName, opts: CampaignOptions): Promise<CampaignResult> {
  switch (target) {
    case "frames":
      return runFrames(opts);
    case "config":
      return runConfig(opts);
    case "pcap":
      return runPcap(opts);
    case "state":
      return runState(opts);
  }
}
