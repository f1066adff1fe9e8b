// How a run with --inject-fault ends (paths, steering): the faults named on stderr and exit
// status 3, so a script tells "done, with the faults asked for" from "done" (0) and "conservation
// violated" (2).
import { FAULT_EXIT_STATUS, type FaultSpec, faultText } from "../engine/faults.ts";
import type { CommandContext } from "./context.ts";

/** 0 without injected faults; else says which were injected and returns FAULT_EXIT_STATUS. */
export function faultExit(faults: readonly FaultSpec[], ctx: Pick<CommandContext, "err">): number {
  if (faults.length === 0) return 0;
  ctx.err(
    `iovsim: completed with injected fault(s): ${faults.map(faultText).join(", ")} (exit ${FAULT_EXIT_STATUS})\n`,
  );
  return FAULT_EXIT_STATUS;
}
