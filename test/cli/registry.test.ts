// The CLI as one registry (issue 11 item 5): every command's help, -h, unknown-option wording
// and exit statuses come from one place, src/cli/registry.ts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, loadCommand } from "../../src/cli/commands/index.ts";
import { runCli } from "../../src/cli/main.ts";
import { isRegistered, parseArgv } from "../../src/cli/registry.ts";

const state = mkdtempSync(join(tmpdir(), "iovsim-registry-"));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--state", state, ...argv], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
  });
  return { code, out, err };
}

describe("the registry's parser", () => {
  const options = [
    { flags: "--host <file>" },
    { flags: "-c, --count <n>" },
    { flags: "--path <name>", repeatable: true },
    { flags: "--json" },
    { flags: "--no-ndr" },
  ];
  it("keys given options by long name; repeatables collect; negations are true when given", () => {
    expect(
      parseArgv("t", options, ["--host=h", "-c", "3", "--path", "a", "--path", "b", "--no-ndr"]),
    ).toEqual({ opts: { host: "h", count: "3", path: ["a", "b"], "no-ndr": true }, operands: [] });
    expect(parseArgv("t", options, [])).toEqual({ opts: {}, operands: [] });
  });
  it("a negative number is a value or an operand, never an option", () => {
    expect(parseArgv("t", options, ["-c", "-1"])).toEqual({ opts: { count: "-1" }, operands: [] });
    expect(parseArgv("t", options, ["x", "-5", "--json"], { operands: "any" })).toEqual({
      opts: { json: true },
      operands: ["x", "-5"],
    });
  });
  it("help wins; unknown options, missing values and stray operands are usage errors", () => {
    expect(parseArgv("t", options, ["--bogus", "-h"])).toBe("help");
    expect(() => parseArgv("t", options, ["--bogus"])).toThrow(
      "t: unknown option '--bogus' (see iovsim t --help)",
    );
    expect(() => parseArgv("t", options, ["-x"])).toThrow("t: unknown option '-x' (see iovsim t --help)");
    expect(() => parseArgv("t", options, ["--host"])).toThrow(
      "t: option '--host' needs a value (see iovsim t --help)",
    );
    expect(() => parseArgv("t", options, ["-c"])).toThrow("t: option '--count' needs a value");
    expect(() => parseArgv("t", options, ["op"])).toThrow(
      "t: unexpected argument 'op' (see iovsim t --help)",
    );
    expect(() => parseArgv("t", options, ["--old"], { hints: { old: "--old is gone, use --new" } })).toThrow(
      "t: unknown option '--old' (--old is gone, use --new)",
    );
  });
});

describe("every registered command", () => {
  it("is listed under its own name", async () => {
    for (const name of COMMAND_NAMES) expect((await loadCommand(name))?.name).toBe(name);
  });

  it("iovsim --help lists every command with its summary", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) {
      const c = (await loadCommand(name))!;
      expect(r.out).toContain(`  ${name.padEnd(8)}  ${c.summary}\n`);
    }
  });

  it("reset (the example): help CMD = CMD --help = CMD -h; one unknown-option wording", async () => {
    const c = (await loadCommand("reset"))!;
    expect(isRegistered(c)).toBe(true);
    const help = await cli("help", "reset");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: iovsim reset/);
    expect(await cli("reset", "--help")).toEqual(help);
    expect(await cli("reset", "-h")).toEqual(help);
    expect(await cli("reset", "--bogus")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: reset: unknown option '--bogus' (see iovsim reset --help)\n",
    });
  });

  it("help of an unknown command is an error listing the commands", async () => {
    const r = await cli("help", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^iovsim: unknown command 'nope'\nusage: iovsim/);
  });
});
