// Worker threads that run TypeScript start from src/engine/esm-entry.mjs, which loads their module
// as ESM. Through tsx's require hook (the fallback on Node 20, where `--import tsx` does not
// reach a worker) every module was compiled to CommonJS and the engine ran at less than half its
// main-thread speed (imported bindings became getters behind megamorphic loads).
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ESM_ENTRY, esmEntryData, workerExecArgv } from "../../src/engine/worker-thread.ts";

const FORMAT_WORKER = fileURLToPath(new URL("./module-format-worker.ts", import.meta.url));

describe("worker threads running TypeScript", () => {
  it("load their module as ESM, not compiled to CommonJS", async () => {
    const w = new Worker(ESM_ENTRY, { workerData: esmEntryData(FORMAT_WORKER), execArgv: workerExecArgv() });
    try {
      const answer = new Promise((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      });
      w.postMessage("format?");
      expect(await answer).toBe("esm");
    } finally {
      await w.terminate();
    }
  });

  it("keep the parent's flags but not tsx's loader (the entry registers it in the thread)", () => {
    expect(
      workerExecArgv([
        "--import",
        "/x/node_modules/tsx/dist/loader.mjs",
        "--cpu-prof",
        "--require=/x/node_modules/tsx/dist/cjs/index.cjs",
        "--max-old-space-size=512",
        "--loader",
        "tsx",
      ]),
    ).toEqual(["--cpu-prof", "--max-old-space-size=512"]);
  });
});
