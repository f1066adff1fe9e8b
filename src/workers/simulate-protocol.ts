// What crosses the thread boundary between the simulate workers (src/workers/simulate-worker.ts)
// and the pool (src/experiment/pool.ts): kept apart so the pool does not load the engine.
import type { SimResult } from "../engine/types.ts";

/** A user error crosses the thread boundary as data (an Error's class and code would not). */
export type SimulateReply =
  | { ok: true; result: SimResult }
  | { ok: false; userError: { code: string; message: string; exitCode: number } };

/** The task a pool sends to learn that a worker is up (answered without simulating). */
export interface StartProbe {
  startProbe: true;
}

export const START_PROBE: StartProbe = { startProbe: true };

export function isStartProbe(task: unknown): task is StartProbe {
  return typeof task === "object" && task !== null && (task as Partial<StartProbe>).startProbe === true;
}
