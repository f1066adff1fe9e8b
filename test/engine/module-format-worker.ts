// TEST DOUBLE worker module: answers how this thread loaded it. Compiled to CommonJS (tsx's
// require hook), a module has `module` and `exports` in scope; as ESM it has neither.
import { parentPort } from "node:worker_threads";

export function moduleFormat(): "esm" | "commonjs" {
  return typeof module === "undefined" ? "esm" : "commonjs";
}

/** The piscina handler (pool.test.ts): the format, whatever the task. */
export default function handler(): { format: string } {
  return { format: moduleFormat() };
}

// A plain worker thread (worker-thread.test.ts) asks with a message.
parentPort?.on("message", (m: unknown) => {
  if (m === "format?") parentPort?.postMessage(moduleFormat());
});
