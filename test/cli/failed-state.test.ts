// A failed control-plane command leaves state.json alone: same bytes, same mtime (a rewrite
// with the keys in another order once made every failed `iovctl -C` touch the file).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const fx = (name: string) => join(import.meta.dirname, "..", "fixtures", "iovctl", name);
let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), "iovsim-failed-state-"));
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

const cli = (...args: string[]) => iovsim(["--state", state, ...args]);

const snapshot = () => {
  const file = join(state, "state.json");
  return { text: readFileSync(file, "utf8"), mtimeNs: statSync(file, { bigint: true }).mtimeNs };
};

describe("a failed control-plane command does not rewrite state.json", () => {
  it("iovctl -C (EBUSY, no device, parse errors, missing file), -D on a missing device, vm attach", async () => {
    expect((await cli("iovctl", "-C", "-f", fx("V01-minimal.conf"))).code).toBe(0);
    const before = snapshot();
    // Let a rewrite show in the mtime even on a file system with coarse timestamps.
    await new Promise((r) => setTimeout(r, 20));
    const failures: string[][] = [
      ["iovctl", "-C", "-f", fx("V01-minimal.conf")], // VFs exist: EBUSY
      ["iovctl", "-C", "-f", fx("E01.conf")], // no device
      ["iovctl", "-C", "-f", fx("X01-many-problems.conf")], // parse errors
      ["iovctl", "-D", "-d", "nosuch0"], // no such device
      ["vm", "attach", "vm1", "nosuch0"],
      ["iovctl", "-C", "-f", join(state, "missing.conf")],
    ];
    for (const args of failures) {
      const r = await cli(...args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).not.toBe(0);
      expect(snapshot(), args.join(" ")).toEqual(before);
    }
  });
});
