// The README's commands run as written, on the files shipped in examples/: every `npx iovsim`
// line of the FreeBSD session, the Linux view and "Frames through the NIC" (iovctl, validate,
// pciconf, dmesg, vm, sysfs, ip, ping, decode, switch), and the quick ones of the later sections
// (flow, model), is taken from README.md's code blocks and run in order on a fresh state.
// A line whose comment says it "fails" must fail; every other line must succeed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleCaptures } from "../../scripts/make-examples.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const RUN = new Set([
  "iovctl",
  "validate",
  "pciconf",
  "dmesg",
  "vm",
  "sysfs",
  "ip",
  "ping",
  "decode",
  "switch",
  "flow",
  "model",
]);

interface ReadmeCommand {
  line: string;
  argv: string[];
  expectFailure: boolean;
}

/** Every `npx iovsim <cmd> ...` line of the README's sh code blocks whose command is in RUN. */
export function readmeCommands(readme: string): ReadmeCommand[] {
  const cmds: ReadmeCommand[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split("\n")) {
      const line = raw.trim();
      if (!line.startsWith("npx iovsim ")) continue;
      const hash = line.indexOf(" #");
      const command = hash >= 0 ? line.slice(0, hash) : line;
      const comment = hash >= 0 ? line.slice(hash) : "";
      const argv = command.trim().split(/\s+/).slice(2);
      if (!RUN.has(argv[0])) continue;
      cmds.push({ line, argv, expectFailure: /\bfails\b/.test(comment) });
    }
  }
  return cmds;
}

describe("README examples", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const commands = readmeCommands(readme);

  it("finds the decode, switch and iovctl examples in README.md", () => {
    const names = commands.map((c) => c.argv[0]);
    expect(names).toContain("decode");
    expect(names).toContain("switch");
    expect(names.filter((n) => n === "iovctl").length).toBeGreaterThanOrEqual(5);
    for (const n of ["sysfs", "ip", "ping", "flow", "model"]) expect(names).toContain(n);
  });

  it("ships every file the examples name", () => {
    for (const c of commands)
      for (const a of c.argv) {
        const file = a.includes("=") ? a.slice(a.indexOf("=") + 1) : a;
        if (file.startsWith("examples/"))
          expect(readdirSync(join(root, "examples"))).toContain(file.slice(9));
      }
  });

  it("examples/in.pcap and tx.pcap are what scripts/make-examples.ts writes", () => {
    for (const [name, bytes] of Object.entries(exampleCaptures()))
      expect(Buffer.compare(readFileSync(join(root, "examples", name)), Buffer.from(bytes))).toBe(0);
  });

  it("every command runs as written (in order, on a fresh state)", async () => {
    const tmp = tempDir("iovsim-readme-");
    const state = join(tmp, "state");
    for (const c of commands) {
      // `--out out/` would write into the repository: the same name under a temporary folder.
      const argv = c.argv.map((a, i) => (c.argv[i - 1] === "--out" ? join(tmp, a) : a));
      const { code: rc, out, err } = await iovsim(["--state", state, ...argv]);
      const what = `${c.line}\n  rc ${rc}\n  stdout: ${out.slice(0, 400)}\n  stderr: ${err}`;
      if (c.expectFailure) expect(rc, what).not.toBe(0);
      else expect(rc, what).toBe(0);
      expect(err, what).not.toMatch(/internal error/);
      if (argv[0] === "switch") expect(out, what).toMatch(/wrote /);
    }
  }, 60_000);
});
