// How the project starts a worker thread that runs TypeScript (the piscina simulate workers and
// the partition worker): the thread's entry is esm-entry.mjs, which registers tsx's ESM loader in
// that thread and imports the TypeScript module as ESM. The parent's flags go along (profiling,
// inspector) without tsx's: the entry registers the loader itself.
import { fileURLToPath, pathToFileURL } from "node:url";

/** The plain-JavaScript entry every TypeScript worker thread starts from. */
export const ESM_ENTRY = fileURLToPath(new URL("./esm-entry.mjs", import.meta.url));

/** workerData for ESM_ENTRY: the TypeScript module it imports (an absolute file path). */
export function esmEntryData(tsFile: string): { tsEntry: string } {
  return { tsEntry: pathToFileURL(tsFile).href };
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
