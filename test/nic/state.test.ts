// State persistence: atomic writes, corrupt/unknown-version files reported (never reset),
// the lock under concurrent writers (in-process and in two processes), stale locks.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHost, resetHost, statePath, withHost } from "../../src/nic/index.ts";
import { LOCK_FILE, withStateLock } from "../../src/nic/state.ts";
import { config } from "./kernel-helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "iovsim-state-"));

describe("state directory", () => {
  it("no state file: the default host, and nothing is written by a read", async () => {
    const dir = join(tmp(), "not-yet");
    const h = await loadHost(dir);
    expect(h.pfs().map((p) => p.name)).toEqual(["ixl0", "ix0", "igb0"]);
    expect(existsSync(dir)).toBe(false);
  });

  it("withHost creates the directory, saves atomically, leaves no temp files", async () => {
    const dir = join(tmp(), "a", "b");
    await withHost(dir, (h) => h.iovConfig("ixl0", config("ixl0", 2)));
    expect(readdirSync(dir).sort()).toEqual(["state.json"]);
    const again = await loadHost(dir);
    expect(again.pf("ixl0")!.vfs.map((v) => v.name)).toEqual(["iavf0", "iavf1"]);
  });

  it("nothing is saved when fn throws a non-kernel error", async () => {
    const dir = tmp();
    await expect(
      withHost(dir, (h) => {
        h.iovConfig("ixl0", config("ixl0", 2));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await loadHost(dir)).pf("ixl0")!.vfs).toEqual([]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("a KernelError still saves the kernel's side effects (K09 dmesg line)", async () => {
    const dir = tmp();
    await withHost(dir, (h) => {
      h.iovConfig(
        "ixl0",
        config("ixl0", 1, () => ({ passthrough: true })),
      );
      h.attachVm("vm", "ppt0");
    });
    await expect(withHost(dir, (h) => h.iovDelete("ixl0"))).rejects.toThrow("Device busy");
    expect((await loadHost(dir)).dmesg().at(-1)).toBe(
      "ixl0: Could not disable SR-IOV: failed to detach VF ppt0",
    );
  });

  it("corrupt JSON is reported with the path and never silently reset", async () => {
    const dir = tmp();
    writeFileSync(statePath(dir), "{ not json");
    await expect(loadHost(dir)).rejects.toThrow(
      new RegExp(
        `^state file ${statePath(dir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is corrupt: not valid JSON .*; run 'iovsim reset' to start from a clean host$`,
      ),
    );
    await expect(withHost(dir, () => 1)).rejects.toThrow(/is corrupt/);
    expect(readFileSync(statePath(dir), "utf8")).toBe("{ not json");
  });

  it("a corrupt state file is located: the reason ends with file:line:column of the fault", async () => {
    const dir = tmp();
    const file = statePath(dir);
    writeFileSync(file, '{\n "version": 1\n "pfs": {}\n}\n');
    await expect(loadHost(dir)).rejects.toThrow(`, at ${file}:3:2; run 'iovsim reset'`);
    // A schema error and a broken kernel invariant point at the value at fault.
    const good = tmp();
    await withHost(good, (h) => h.iovConfig("ixl0", config("ixl0", 2)));
    const saved = readFileSync(statePath(good), "utf8");
    const lineOf = (text: string, needle: string) =>
      text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const queues = saved.replace('"numQueues": 4', '"numQueues": "4"');
    writeFileSync(file, queues);
    await expect(loadHost(dir)).rejects.toThrow(
      new RegExp(
        `vfs\\[0\\]\\.config\\.numQueues: .*, at ${file}:${lineOf(queues, '"numQueues": "4"')}:\\d+; run`,
      ),
    );
    const mac = saved.replace(/"effectiveMac": "[^"]+"/, '"effectiveMac": "zz"');
    writeFileSync(file, mac);
    await expect(loadHost(dir)).rejects.toThrow(
      new RegExp(
        `vfs\\[0\\]\\.effectiveMac: .*, at ${file}:${lineOf(mac, '"effectiveMac": "zz"')}:\\d+; run`,
      ),
    );
  });

  it("a key written twice in one object is corrupt, located at the second copy (JSON.parse kept it silently)", async () => {
    const good = tmp();
    await withHost(good, (h) => h.iovConfig("ixl0", config("ixl0", 2)));
    const saved = readFileSync(statePath(good), "utf8");
    const dir = tmp();
    const file = statePath(dir);
    // A hand edit that adds a setting the VF already has: the first copy was dropped unseen.
    const twice = saved.replace('"numQueues": 4', '"numQueues": 2,\n       "numQueues": 4');
    writeFileSync(file, twice);
    const line = twice.split("\n").findIndex((l) => l.includes('"numQueues": 4')) + 1;
    await expect(loadHost(dir)).rejects.toThrow(
      new RegExp(
        `is corrupt: duplicate key "numQueues" \\(first at line ${line - 1}, column \\d+; JSON keeps only the last copy\\), at ${file}:${line}:8; run 'iovsim reset'`,
      ),
    );
    // The same key in different objects is no duplicate.
    writeFileSync(file, saved);
    expect((await loadHost(dir)).pf("ixl0")?.vfs.length).toBe(2);
  });

  it("unknown version and wrong shapes are corrupt too; reset recovers", async () => {
    const dir = tmp();
    writeFileSync(statePath(dir), JSON.stringify({ version: 99 }));
    await expect(loadHost(dir)).rejects.toThrow(
      /written by a newer iovsim \(state version 99; this one reads version 1\)/,
    );
    writeFileSync(statePath(dir), JSON.stringify({ version: "1" }));
    await expect(loadHost(dir)).rejects.toThrow(/corrupt: unknown version "1"/);
    writeFileSync(
      statePath(dir),
      JSON.stringify({ version: 1, hostSource: "x", spec: { devices: [] }, pfs: {}, dmesg: [] }),
    );
    await expect(loadHost(dir)).rejects.toThrow(/corrupt: \$\.spec\.devices/);
    await resetHost(dir);
    expect((await loadHost(dir)).pf("ixl0")).toBeDefined();
  });

  it("two concurrent withHost calls serialise (no lost update)", async () => {
    const dir = tmp();
    await Promise.all([
      withHost(dir, async (h) => {
        await new Promise((r) => setTimeout(r, 30));
        h.iovConfig("ixl0", config("ixl0", 2));
      }),
      withHost(dir, (h) => h.iovConfig("ix0", config("ix0", 3))),
    ]);
    const h = await loadHost(dir);
    expect(h.pf("ixl0")!.vfs).toHaveLength(2);
    expect(h.pf("ix0")!.vfs).toHaveLength(3);
  });

  it("two processes creating VFs at once: both land, units distinct", async () => {
    const dir = tmp();
    const script = (pf: string, n: number) =>
      `import { withHost } from ${JSON.stringify(new URL("../../src/nic/index.ts", import.meta.url).pathname)};
       const vfs = Array.from({ length: ${n} }, () => ({ driver: [], iov: [["passthrough", true]] }));
       for (let k = 0; k < 5; k++) await withHost(${JSON.stringify(dir)}, () => {});
       await withHost(${JSON.stringify(dir)}, (h) => h.iovConfig("${pf}", { pf: { driver: [], iov: [["device", "${pf}"], ["num_vfs", ${n}]] }, vfs }));`;
    const run = (code: string) =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
          stdio: "inherit",
        });
        p.on("exit", (c) => resolve(c ?? 1));
      });
    const codes = await Promise.all([run(script("ixl0", 2)), run(script("ix0", 2))]);
    expect(codes).toEqual([0, 0]);
    const h = await loadHost(dir);
    const names = h
      .allVfs()
      .map(({ vf }) => vf.name)
      .sort();
    expect(names).toEqual(["ppt0", "ppt1", "ppt2", "ppt3"]);
  });

  it("a stale lock of a dead process is taken over; a live one makes us wait, then fail clearly", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), since: "then" }),
    );
    expect(await withStateLock(dir, async () => "ok")).toBe("ok");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: (await import("node:os")).hostname(), since: "now" }),
    );
    await expect(withStateLock(dir, async () => "never", 100)).rejects.toThrow(
      new RegExp(`locked by process ${process.pid} .*if no iovsim command is running, remove that file`),
    );
  });
});
