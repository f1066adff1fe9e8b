// State after crashes (issue 9 item 8): an empty or stale state.lock (a writer killed with
// kill -9) does not block writers; a reused pid is told apart by its start time; temporary
// files of killed writers are removed; a state file that breaks the host's invariants is
// refused with a message naming it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHost, statePath, withHost } from "../../src/nic/index.ts";
import { LOCK_FILE, processStartTime, withStateLock } from "../../src/nic/state.ts";
import { config } from "./kernel-helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "iovsim-recovery-"));

async function savedState(dir: string, n = 2) {
  await withHost(dir, (h) => {
    h.iovConfig("ixl0", config("ixl0", n));
  });
  return JSON.parse(readFileSync(statePath(dir), "utf8"));
}

describe("state.lock left by a killed writer", () => {
  it("an empty lock file (killed between create and write) is taken at once", async () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), "");
    // A short wait: the old rule waited 30 s for an unreadable lock to age.
    expect(await withStateLock(dir, async () => "ok", 200)).toBe("ok");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a live pid with another start time is a reused pid: the lock is taken", async () => {
    const dir = tmp();
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), since: "then", start: "1" }),
    );
    expect(await withStateLock(dir, async () => "ok", 200)).toBe("ok");
  });

  it("a live owner with its own start time still holds the lock", async () => {
    const dir = tmp();
    const start = processStartTime(process.pid);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), since: "now", start }),
    );
    await expect(withStateLock(dir, async () => "never", 100)).rejects.toThrow(/locked by process/);
  });

  it("the lock file is never seen empty: it is written aside and linked into place", async () => {
    const dir = tmp();
    await withStateLock(dir, async () => {
      const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
      expect(owner.pid).toBe(process.pid);
      expect(owner.start).toBe(processStartTime(process.pid));
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    });
  });
});

describe("leftover temporary files", () => {
  it("a killed writer's .state.json.*.tmp and state.lock.*.new are removed by the next writer", async () => {
    const dir = tmp();
    await savedState(dir);
    const dead = 2 ** 22 + 4321;
    writeFileSync(join(dir, `.state.json.${dead}.0badc0de.tmp`), "{ half a st");
    writeFileSync(join(dir, `state.lock.${dead}.0badc0de.new`), "{}");
    writeFileSync(join(dir, "notes.txt"), "mine");
    await withHost(dir, () => {});
    expect(readdirSync(dir).sort()).toEqual(["notes.txt", "state.json"]);
  });
});

describe("state invariants on load", () => {
  // The saved JSON, edited as a crash or a hand edit could leave it.
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary edits of parsed JSON
  type Json = any;
  const cases: Array<[string, (s: Json) => void, RegExp]> = [
    [
      "numVfs above TotalVFs",
      (s) => (s.pfs.ixl0.numVfs = 1000),
      /\$\.pfs\.ixl0\.numVfs: 1000 VFs but ixl0's TotalVFs is 64/,
    ],
    [
      "a duplicated VF record",
      (s) => s.pfs.ixl0.vfs.push(s.pfs.ixl0.vfs[0]),
      /\$\.pfs\.ixl0\.vfs: 3 VF records for numVfs 2/,
    ],
    [
      "two records of one VF",
      (s) => (s.pfs.ixl0.vfs[1] = { ...s.pfs.ixl0.vfs[0] }),
      /\$\.pfs\.ixl0\.vfs\[1\]\.index: VF 0 is recorded twice/,
    ],
    ["VFs while SR-IOV is off", (s) => (s.pfs.ixl0.sriovEnabled = false), /while SR-IOV is disabled/],
    ["a PF the host does not have", (s) => (s.pfs.em9 = s.pfs.ixl0), /\$\.pfs\.em9: no SR-IOV device 'em9'/],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`refuses ${what}, naming the state file`, async () => {
      const dir = tmp();
      const s = await savedState(dir);
      breakIt(s);
      writeFileSync(statePath(dir), JSON.stringify(s));
      const err = await loadHost(dir).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(`state file ${statePath(dir)} is corrupt:`);
      expect(err?.message).toContain("run 'iovsim reset'");
    });
  }
});
