// Runs one point as a user would: `iovsim <experiment> ... --json` in a child process, with a
// private state directory (a sweep never touches the user's simulated host).
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

export type PointExecutor = (args: string[]) => Promise<PointOutcome>;

const BIN = fileURLToPath(new URL("../../bin/iovsim.js", import.meta.url));

export const runCliPoint: PointExecutor = async (args) => {
  const state = await mkdtemp(join(tmpdir(), "iovsim-sweep-"));
  try {
    return await new Promise<PointOutcome>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "--state", state, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, CI: process.env.CI ?? "" },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.on("error", reject);
      // A sweep killed by its batch engine takes its point with it.
      const stop = () => child.kill("SIGTERM");
      process.once("SIGTERM", stop);
      child.on("close", (code) => {
        process.off("SIGTERM", stop);
        resolve({
          exitCode: code,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        });
      });
    });
  } finally {
    await rm(state, { recursive: true, force: true });
  }
};
