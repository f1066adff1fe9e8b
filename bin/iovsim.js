#!/usr/bin/env node
// Launcher: runs the CLI compiled ahead by esbuild (bin/cli-bundle.js: rebuilt whenever a source
// changed), or, where that cannot be had or IOVSIM_TSX=1 asks for it, the TypeScript sources
// under tsx's loader (Node 20 has no type stripping); the output is the same either way.
// A child process is used so that the CLI's own flags (tsx's loader, source maps) apply to it.
// The launcher stands in for the CLI: it forwards SIGINT, SIGTERM and SIGHUP to the child (so
// killing `iovsim` never leaves the real process running) and ends as the child ended: the
// same exit status, or killed by the same signal.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bundledCli } from "./cli-bundle.js";

const args = process.argv.slice(2);
const bundle = process.env.IOVSIM_TSX === "1" ? undefined : await bundledCli();
const entry = bundle
  ? // Stack traces (--debug only) name the TypeScript file and line, as under tsx.
    [...(args.includes("--debug") ? ["--enable-source-maps"] : []), bundle]
  : ["--import", import.meta.resolve("tsx"), fileURLToPath(new URL("../src/cli/main.ts", import.meta.url))];
const child = spawn(process.execPath, [...entry, ...args], { stdio: "inherit" });

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
const forward = (signal) => {
  // A terminal's Ctrl-C already reached the child (same process group); sending it again is
  // harmless. A signal sent to the launcher alone must reach the child.
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const s of FORWARDED) process.on(s, forward);

child.on("error", (e) => {
  process.stderr.write(`iovsim: cannot start: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees what the child saw.
    for (const s of FORWARDED) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
