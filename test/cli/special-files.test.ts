// Text inputs read whole (-f iovctl.conf, --profile FILE, a sweep file) that are not regular
// files: a device or a FIFO is refused at once, as libucl refuses it to iovctl -f, instead of
// being read forever (/dev/zero) or parsed as an empty file (/dev/null). Run as child processes
// with a timeout, so a regression fails instead of hanging the test run.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");
const state = join(mkdtempSync(join(tmpdir(), "iovsim-special-")), "state");
const inPcap = join(root, "examples", "in.pcap");

function iovsim(...argv: string[]) {
  return spawnSync(process.execPath, [join(root, "bin", "iovsim.js"), "--state", state, ...argv], {
    encoding: "utf8",
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
}

describe("a device given where a text file is read whole", () => {
  const builtins = "(built-in profiles: bhyve, freebsd, kvm-exits, kvm-posted)";
  const cases: Array<[string[], string]> = [
    [
      ["switch", "-f", "/dev/zero", "--in", `wire=${inPcap}`, "--json"],
      "iovsim: /dev/zero: not a regular file",
    ],
    [["ping", "--path", "jail-vf", "-f", "/dev/zero"], "iovsim: -f /dev/zero: not a regular file"],
    [
      ["paths", "--path", "jail-vf", "-f", "/dev/null", "--rate", "10%"],
      "iovsim: -f /dev/null: not a regular file",
    ],
    [
      ["model", "show", "--profile", "/dev/zero"],
      `iovsim: --profile /dev/zero: not a regular file ${builtins}`,
    ],
    [
      ["steering", "--profile", "/dev/zero", "--rate", "10%", "--no-ndr"],
      `iovsim: --profile /dev/zero: not a regular file ${builtins}`,
    ],
    [["sweep", "plan", "/dev/zero"], "iovsim: /dev/zero: cannot read the sweep file: not a regular file"],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.slice(0, 4).join(" ")}: refused at once`, () => {
      const r = iovsim(...argv);
      expect(r.signal).toBeNull(); // not killed by the timeout: it did not read forever
      expect(r.stderr).toBe(`${message}\n`);
      expect(r.status).toBe(1);
    }, 60_000);
  }
});
