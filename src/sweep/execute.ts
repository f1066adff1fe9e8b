// Runs one point as a user would: `iovsim <experiment> ... --json` in a child process, with a
// private state directory (a sweep never touches the user's simulated host), made from the
// sweep file's host file when it names one.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface PointOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one point. `stop`, once aborted (the shard was told to stop: SIGTERM from a batch
 * engine, Ctrl-C), ends the point's process; its outcome is then not a result.
 */
export type PointExecutor = (args: string[], stop?: AbortSignal) => Promise<PointOutcome>;

const BIN = fileURLToPath(new URL("../../bin/iovsim.js", import.meta.url));

/** One `iovsim --state STATE ...args` child; `stop` ends it. */
function runChild(state: string, args: string[], stop?: AbortSignal): Promise<PointOutcome> {
  return new Promise<PointOutcome>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "--state", state, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: process.env.CI ?? "" },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    // A shard told to stop takes its point with it (and then removes its state directory).
    const end = () => child.kill("SIGTERM");
    if (stop?.aborted) end();
    stop?.addEventListener("abort", end);
    child.on("close", (code) => {
      stop?.removeEventListener("abort", end);
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/**
 * Runs points on a private state each: the embedded default host, or, given `host` (the sweep
 * file's host file), a host made from it first by `iovsim reset --host FILE`, as a user would
 * (a point's result must depend on the sweep file alone, not on the state of the node it met).
 */
export function cliPointExecutor(host?: string): PointExecutor {
  return async (args, stop) => {
    const state = await mkdtemp(join(tmpdir(), "iovsim-sweep-"));
    try {
      if (host !== undefined) {
        const r = await runChild(state, ["reset", "--host", host], stop);
        if (r.exitCode !== 0) return r;
      }
      return await runChild(state, args, stop);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  };
}

/** A point on the embedded default host. */
export const runCliPoint: PointExecutor = cliPointExecutor();
