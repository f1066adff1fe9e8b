// `switch --out DIR` replaces its captures and counters.json as one set: every file is written
// to a temporary first and renamed into place only when all were written, so a write that fails
// half way (a full disk at the third capture) leaves every earlier file byte-identical, no
// temporary behind, and the directory's other files untouched.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSetWriteError, replaceFilesSync } from "../../src/fs-atomic.ts";
import { iovsim } from "../helpers/cli.ts";

const examples = resolve(import.meta.dirname, "..", "..", "examples");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "iovsim-outset-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every name in `d` with its bytes (a symbolic link as where it points). */
function snapshot(d: string): Record<string, string> {
  return Object.fromEntries(readdirSync(d).map((n) => [n, readFileSync(join(d, n), "base64")]));
}

describe("replaceFilesSync", () => {
  it("a failure after a device target was written says which files were already replaced", () => {
    writeFileSync(join(dir, "a"), "old a");
    symlinkSync("/dev/null", join(dir, "null"));
    symlinkSync("/dev/full", join(dir, "full"));
    const files = ["a", "null", "full"].map((n) => ({ path: join(dir, n), data: `new ${n}` }));
    let err: unknown;
    try {
      replaceFilesSync(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileSetWriteError);
    expect((err as FileSetWriteError).file).toBe(join(dir, "full"));
    // /dev/null took its bytes in place before /dev/full failed; the regular file kept its own.
    expect((err as FileSetWriteError).replaced).toEqual([join(dir, "null")]);
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("old a");
    expect(readdirSync(dir).sort()).toEqual(["a", "full", "null"]);
  });

  it("replaces every file when every write succeeds, and leaves no temporary", () => {
    writeFileSync(join(dir, "a"), "old a");
    replaceFilesSync([
      { path: join(dir, "a"), data: "new a" },
      { path: join(dir, "b"), data: Uint8Array.from([1, 2, 3]) },
    ]);
    expect(readdirSync(dir).sort()).toEqual(["a", "b"]);
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("new a");
    expect([...readFileSync(join(dir, "b"))]).toEqual([1, 2, 3]);
  });

  it("a write that fails at the third file: no file replaced or created, no temporary left", () => {
    for (const n of ["a", "b", "c", "other"]) writeFileSync(join(dir, n), `old ${n}`);
    const before = snapshot(dir);
    let writes = 0;
    const fullAtThird = (path: string, data: string | Uint8Array) => {
      if (++writes === 3) {
        writeFileSync(path, "half"); // a torn temporary, as a full disk leaves it
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      writeFileSync(path, data);
    };
    const files = ["a", "b", "c", "d"].map((n) => ({ path: join(dir, n), data: `new ${n}` }));
    let thrown: unknown;
    try {
      replaceFilesSync(files, fullAtThird);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FileSetWriteError);
    expect(thrown).toMatchObject({ file: join(dir, "c"), code: "ENOSPC" });
    expect(writes).toBe(3);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a directory under a target's name is refused before anything is written", () => {
    writeFileSync(join(dir, "a"), "old a");
    const sub = join(dir, "b");
    mkdirSync(sub);
    const names = readdirSync(dir).sort();
    expect(() =>
      replaceFilesSync([
        { path: join(dir, "a"), data: "new a" },
        { path: sub, data: "new b" },
      ]),
    ).toThrow(FileSetWriteError);
    expect(readdirSync(dir).sort()).toEqual(names);
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("old a");
  });
});

describe("switch --out DIR: a write that fails leaves the earlier run's files as they were", () => {
  const sw = (out: string, ...extra: string[]) =>
    iovsim([
      "--state",
      join(dir, "state"),
      "switch",
      "-f",
      join(examples, "ixl0.conf"),
      "--in",
      `wire=${join(examples, "in.pcap")}`,
      "--promisc",
      "PF",
      "--out",
      out,
      ...extra,
    ]);

  it.skipIf(!existsSync("/dev/full"))(
    "one output a link to /dev/full (a full disk): named, exit 1; wire.pcap, counters.json and the user's file byte-identical",
    async () => {
      const out = join(dir, "out");
      const first = await sw(out);
      expect(first.code).toBe(0);
      const outputs = readdirSync(out).sort();
      expect(outputs).toContain("wire.pcap");
      expect(outputs).toContain("PF.pcap");
      expect(outputs).toContain("counters.json");
      // An earlier run's files, then the PF's capture a link to a device that is always full.
      writeFileSync(join(out, "wire.pcap"), "an earlier run's wire capture");
      writeFileSync(join(out, "counters.json"), '{"earlier": true}\n');
      writeFileSync(join(out, "notes.txt"), "the user's own file");
      rmSync(join(out, "PF.pcap"));
      symlinkSync("/dev/full", join(out, "PF.pcap"));
      const before = snapshotLinks(out);
      const r = await sw(out);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `iovsim: ${join(out, "PF.pcap")}: cannot write (no space left on device); no file of --out was replaced\n`,
      );
      expect(snapshotLinks(out)).toEqual(before);
    },
  );
});

/** Names in `d` with their bytes; a symbolic link as its target (not read). */
function snapshotLinks(d: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(d).map((n) => {
      const p = join(d, n);
      return [n, lstatSync(p).isSymbolicLink() ? `-> ${readlinkSync(p)}` : readFileSync(p, "base64")];
    }),
  );
}
