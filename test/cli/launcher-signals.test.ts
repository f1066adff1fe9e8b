// bin/iovsim.js forwards SIGINT/SIGTERM/SIGHUP to the real CLI process and ends as it ended
// (issue 9 item 8): killing the launcher must not leave the child running.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "iovsim.js");

/** Pids whose parent is `ppid` (Linux /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Running (a zombie waiting to be reaped has ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const exited = (p: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.on("exit", (code, signal) => resolve({ code, signal })),
  );

describe("bin/iovsim.js signals", () => {
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} to the launcher ends the CLI process too`, async () => {
      // `decode -` waits for standard input: a FIFO this test holds open for writing and never
      // writes to, so the command runs until it is killed.
      const fifo = join(mkdtempSync(join(tmpdir(), "iovsim-signals-")), "in");
      execFileSync("mkfifo", [fifo]);
      const fd = openSync(fifo, "r+");
      const launcher = spawn(process.execPath, [bin, "decode", "-"], { stdio: [fd, "pipe", "pipe"] });
      const done = exited(launcher);
      expect(await until(() => childrenOf(launcher.pid!).length > 0, 15_000)).toBe(true);
      const child = childrenOf(launcher.pid!)[0];
      // Let the CLI start reading (it is blocked on stdin), and check it is still running.
      await new Promise((r) => setTimeout(r, 1500));
      expect(alive(child)).toBe(true);
      launcher.kill(signal);
      const end = await done;
      expect(end.signal).toBe(signal);
      expect(await until(() => !alive(child), 5_000)).toBe(true);
      closeSync(fd);
    }, 30_000);
  }

  it("exits with the CLI's status", async () => {
    const p = spawn(process.execPath, [bin, "decode", "/nonexistent.pcap"], { stdio: "ignore" });
    expect((await exited(p)).code).toBe(1);
  }, 30_000);
});
