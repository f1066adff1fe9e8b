// How the project starts a worker thread that runs TypeScript (the piscina simulate workers and
// the partition worker): the thread's entry is esm-entry.mjs, which registers tsx's ESM loader in
// that thread and imports the TypeScript module as ESM. The parent's flags go along (profiling,
// inspector) without tsx's: the entry registers the loader itself.
import { fileURLToPath, pathToFileURL } from "node:url";

/** The plain-JavaScript entry every TypeScript worker thread starts from. */
export const ESM_ENTRY = fileURLToPath(new URL("./esm-entry.mjs", import.meta.url));

/**
 * Worker modules the running program carries as bundled JavaScript, by TypeScript source path:
 * the launcher's bundle (bin/cli-bundle.js) lists its own here, so that its worker threads
 * start without tsx's loader, as its main thread did.
 */
const BUNDLED_WORKERS = Symbol.for("iovsim.bundled-workers");

/** workerData for ESM_ENTRY: the TypeScript module it imports (an absolute file path), and the
 *  bundled JavaScript of that module when the program has it (imported instead, without tsx). */
export function esmEntryData(tsFile: string): { tsEntry: string; jsEntry?: string } {
  const bundled = (globalThis as { [BUNDLED_WORKERS]?: Record<string, string> })[BUNDLED_WORKERS];
  const jsEntry = bundled && Object.hasOwn(bundled, tsFile) ? bundled[tsFile] : undefined;
  return { tsEntry: pathToFileURL(tsFile).href, ...(jsEntry ? { jsEntry } : {}) };
}

/** The parent's execArgv minus tsx's loader flags (--import/--require/--loader tsx...). */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--(import|require|loader|experimental-loader)$/.test(argv[i]) && /tsx/.test(argv[i + 1] ?? "")) {
      i++;
      continue;
    }
    if (/^--(import|require|loader|experimental-loader)=.*tsx/.test(argv[i])) continue;
    out.push(argv[i]);
  }
  return out;
}
