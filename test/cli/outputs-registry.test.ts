// ping, switch, fidelity and demo are declared through the registry: help CMD = CMD --help =
// CMD -h, the help lists --json, --csv and --html, and an unknown option has the one wording.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommand } from "../../src/cli/commands/index.ts";
import { runCli } from "../../src/cli/main.ts";
import { isRegistered } from "../../src/cli/registry.ts";

const state = mkdtempSync(join(tmpdir(), "iovsim-outputs-registry-"));

async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(["--state", state, ...argv], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
  });
  return { code, out, err };
}

describe("ping, switch, fidelity, demo in the registry", () => {
  it.each(["ping", "switch", "fidelity", "demo"])("%s", async (name) => {
    expect(isRegistered((await loadCommand(name))!)).toBe(true);
    const help = await cli("help", name);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(new RegExp(`^usage: iovsim ${name}`));
    expect(help.out).toMatch(/--json/);
    expect(help.out).toMatch(/--csv/);
    expect(help.out).toMatch(/--html FILE/);
    expect(await cli(name, "--help")).toEqual(help);
    expect(await cli(name, "-h")).toEqual(help);
    expect(await cli(name, "--bogus")).toEqual({
      code: 1,
      out: "",
      err: `iovsim: ${name}: unknown option '--bogus' (see iovsim ${name} --help)\n`,
    });
  });
});
