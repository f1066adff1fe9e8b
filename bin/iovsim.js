#!/usr/bin/env node
// Launcher: runs the TypeScript CLI under tsx's loader (Node 20 has no type stripping).
// A child process is used so that piscina worker threads inherit the loader via execArgv.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const tsx = import.meta.resolve("tsx");
const result = spawnSync(process.execPath, ["--import", tsx, main, ...process.argv.slice(2)], {
  stdio: "inherit",
});
if (result.error) {
  process.stderr.write(`iovsim: cannot start: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
