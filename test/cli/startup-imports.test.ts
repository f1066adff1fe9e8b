// Start-up cost: every module a command loads is paid on each run (the CLI runs thousands of
// times in scripts and tests). A light command must not load the simulator: these runs list
// the modules a real process loads (a loader hook, test/helpers/module-log/) and check that
// `--version`, `--help` and a usage error load no command module, no zod, no engine, no Wasm.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const hooks = join(root, "test", "helpers", "module-log", "register.mjs");

/** The modules `iovsim ...argv` loads, as paths relative to the repository (node_modules: package). */
function modulesLoadedBy(...argv: string[]): string[] {
  const dir = tempDir("iovsim-startup-");
  const log = join(dir, "modules.txt");
  try {
    execFileSync(
      process.execPath,
      ["--import", "tsx", "--import", hooks, join(root, "src", "cli", "main.ts"), "--state", dir, ...argv],
      { env: { ...process.env, IOVSIM_MODULE_LOG: log }, stdio: "ignore" },
    );
  } catch {
    /* a usage error exits non-zero: what it loaded is still logged */
  }
  const urls = readFileSync(log, "utf8").trim().split("\n");
  const prefix = `file://${root}/`;
  return urls
    .filter((u) => u.startsWith(prefix))
    .map((u) => u.slice(prefix.length).replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*/, "node_modules/$1"));
}

const HEAVY = [
  /^node_modules\/(zod|piscina|vega|vega-lite|cli-table3|cli-progress|asciichart|yaml)$/,
  /^src\/engine\//,
  /^build\//,
];

describe("start-up: what a light command loads", () => {
  it("--version, --help and a mistyped command load no command module and nothing heavy", () => {
    for (const argv of [["--version"], ["--help"], ["no-such-command"]]) {
      const loaded = modulesLoadedBy(...argv);
      // The log is real: the entry point and the command list are in it.
      expect(loaded, argv.join(" ")).toContain("src/cli/main.ts");
      expect(loaded, argv.join(" ")).toContain("src/cli/commands/index.ts");
      const commands = loaded.filter(
        (m) => m.startsWith("src/cli/commands/") && m !== "src/cli/commands/index.ts",
      );
      expect(commands, argv.join(" ")).toEqual([]);
      expect(
        loaded.filter((m) => HEAVY.some((h) => h.test(m))),
        argv.join(" "),
      ).toEqual([]);
    }
  });

  it("model show loads its own module, not the engine, the worker pool or the report renderers", () => {
    const loaded = modulesLoadedBy("model", "show");
    expect(loaded).toContain("src/cli/commands/model.ts");
    expect(
      loaded.filter((m) => /^src\/(engine|experiment|report)\/|^node_modules\/(piscina|vega)/.test(m)),
    ).toEqual([]);
  });
});
