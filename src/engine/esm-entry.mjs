// Entry of every worker thread that runs TypeScript (the piscina simulate workers, the partition
// worker; src/engine/worker-thread.ts): registers tsx's ESM loader in THIS thread and imports
// the TypeScript module named by workerData.tsEntry (a file: URL) as ESM; a piscina worker's
// task handler is its default export.
// Why: on Node 20 tsx's ESM hooks (--import tsx) do not reach a worker thread, so a .ts worker
// file used to load through tsx's require hook, which compiles every module to CommonJS. In that
// form each imported binding (`abi.R_MASK`, `ctxOf(...)`) is a getter call behind a megamorphic
// keyed load on the exporting module's exports object (esbuild's __copyProps), on every event:
// the same simulation took ~2.2x the CPU of the main thread (ESM). Plain JavaScript, so that it
// loads before any TypeScript loader exists.
// A program run from the launcher's bundle (bin/cli-bundle.js) names the module's bundled
// JavaScript as workerData.jsEntry: that is imported as is, with no loader to start.
import { workerData } from "node:worker_threads";

if (!workerData.jsEntry) {
  const { register } = await import("tsx/esm/api");
  register();
}
const mod = await import(workerData.jsEntry ?? workerData.tsEntry);
export default mod.default;
