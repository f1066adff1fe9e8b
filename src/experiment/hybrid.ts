// N > 1 workers on a machine where a worker thread takes a second or more to start (it loads the
// engine's TypeScript through tsx; 1-3 s measured on the project's 2-core machine): this thread
// runs the simulations itself at first, and starts the pool's workers only once the experiment
// has proved long enough to be worth them (this thread busy for START_POOL_AFTER_MS with work
// still waiting). A short experiment (one path's search: a dozen 1 ms trials, well under a
// second) never pays for threads that would start after it is done, nor shares the CPU with
// their start-up. Once every worker has answered its start-up probe, all simulations go to the
// pool. Which thread ran a simulation never shows in its result (a simulation is a pure function
// of its spec), except a worker-exit fault: a spec that injects one always goes to the pool,
// where the fault ends a real thread as the option promises.
import type { ScenarioSpec, SimResult } from "../engine/types.ts";
import type { SimulateFn, TrialRunner } from "./runner.ts";

/** This thread's simulating time after which waiting work starts the pool. An assumption: about
 *  half the start-up time of one worker measured here (1-3 s), so an experiment shorter than a
 *  worker's start never starts one, and a longer one starts them early. */
export const START_POOL_AFTER_MS = 500;

export interface StartedPool {
  pool: TrialRunner;
  /** Resolves once per worker that is up (its start-up probe answered). */
  started: Array<Promise<unknown>>;
}

interface Waiting {
  spec: ScenarioSpec;
  resolve: (r: SimResult) => void;
  reject: (e: unknown) => void;
}

const killsItsThread = (spec: ScenarioSpec) => (spec.faults ?? []).some((f) => f.kind === "worker-exit");

/**
 * `workers` threads from `startPool()` (called at most once, when needed), and `here` running
 * simulations on this thread until they are all up.
 */
export function hybridRunner(
  workers: number,
  startPool: () => StartedPool,
  here: SimulateFn,
  startAfterMs = START_POOL_AFTER_MS,
): TrialRunner {
  const queue: Waiting[] = [];
  let pool: TrialRunner | undefined;
  let up = 0;
  let inPool = 0;
  let hereBusy = false;
  let hereMs = 0;
  let closed = false;
  const start = () => {
    if (pool || closed) return;
    const p = startPool();
    pool = p.pool;
    for (const s of p.started)
      s.then(
        () => {
          up++;
          pump();
        },
        () => {}, // a worker that fails to start: piscina replaces it, the pool's queue serves it
      );
  };
  const toPool = (w: Waiting) => {
    start();
    inPool++;
    pool!
      .run(w.spec)
      .then(w.resolve, w.reject)
      .finally(() => {
        inPool--;
        pump();
      });
  };
  const pump = () => {
    if (queue.some((w) => killsItsThread(w.spec))) start();
    // Free workers first, in the order the simulations were asked for.
    while (queue.length > 0 && inPool < up) toPool(queue.shift()!);
    if (up >= workers) {
      // Every worker is up: the pool's own queue takes the rest.
      while (queue.length > 0) toPool(queue.shift()!);
      return;
    }
    if (queue.length > 0 && hereMs >= startAfterMs) start();
    if (hereBusy || closed) return;
    const i = queue.findIndex((w) => !killsItsThread(w.spec));
    if (i < 0) return;
    const [w] = queue.splice(i, 1);
    hereBusy = true;
    // On a later turn of the event loop, so that the workers' messages are handled in between.
    setImmediate(() => {
      const t0 = performance.now();
      Promise.resolve()
        .then(() => here(w.spec))
        .then(w.resolve, w.reject)
        .finally(() => {
          hereMs += performance.now() - t0;
          hereBusy = false;
          pump();
        });
    });
  };
  return {
    workers,
    run: (spec) =>
      new Promise<SimResult>((resolve, reject) => {
        queue.push({ spec, resolve, reject });
        pump();
      }),
    close: async () => {
      closed = true;
      while (queue.length > 0) toPool(queue.shift()!);
      await pool?.close();
    },
  };
}
