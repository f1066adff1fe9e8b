// ping, switch, fidelity and demo are declared through the registry: help CMD = CMD --help =
// CMD -h, the help lists --json, --csv and --html, and an unknown option has the one wording.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommand } from "../../src/cli/commands/index.ts";
import { isRegistered } from "../../src/cli/registry.ts";
import { iovsim } from "../helpers/cli.ts";

const state = mkdtempSync(join(tmpdir(), "iovsim-outputs-registry-"));

const cli = (...argv: string[]) => iovsim(["--state", state, ...argv]);

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
