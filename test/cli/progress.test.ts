// Progress is decided on stderr (ctx.errIsTTY), never on stdout, and drawn through ctx.err:
// `paths --json > f` in a terminal still shows progress; a pipe or CI shows none.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { showProgress, statusLine, withProgress } from "../../src/cli/commands/progress.ts";
import type { CommandContext } from "../../src/cli/context.ts";
import { runCli } from "../../src/cli/main.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";

function ctx(isTTY: boolean, errIsTTY: boolean | undefined) {
  const sink = { out: "", err: "" };
  const c: CommandContext = {
    stateDir: mkdtempSync(join(tmpdir(), "iovsim-progress-")),
    debug: false,
    out: (t) => (sink.out += t),
    err: (t) => (sink.err += t),
    isTTY,
    errIsTTY,
  };
  return { c, sink };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("progress on stderr", () => {
  it("is shown when stderr is a terminal, whatever stdout is; never in CI or without a terminal", () => {
    expect(showProgress(ctx(false, true).c, {})).toBe(true);
    expect(showProgress(ctx(true, false).c, {})).toBe(false);
    expect(showProgress(ctx(true, undefined).c, {})).toBe(false);
    expect(showProgress(ctx(false, true).c, { CI: "true" })).toBe(false);
    expect(showProgress(ctx(false, true).c, { CI: "false" })).toBe(true);
  });

  it("withProgress draws through ctx.err only, and runs silently when not shown", async () => {
    vi.stubEnv("CI", "");
    const tty = ctx(false, true);
    const v = await withProgress(tty.c, 3, async (p) => {
      for (let i = 1; i <= 3; i++) p(i, 3, `case ${i}`);
      return 42;
    });
    expect(v).toBe(42);
    expect(tty.sink.out).toBe("");
    expect(tty.sink.err).toMatch(/\/3 runs/);
    const pipe = ctx(true, false);
    await withProgress(pipe.c, 3, async (p) => p(1, 3, "x"));
    expect(pipe.sink.err).toBe("");
    const line = statusLine(tty.c, "fidelity");
    line.update?.("talk-ping-jail");
    line.done();
    expect(tty.sink.err).toMatch(/fidelity: talk-ping-jail/);
    expect(statusLine(pipe.c, "fidelity").update).toBeUndefined();
  });

  it("paths --json with stdout not a terminal and stderr one: clean JSON on stdout, progress on stderr", async () => {
    vi.stubEnv("CI", "");
    let out = "";
    let err = "";
    const argv = [
      "paths",
      "--json",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "10%",
      "--trial-ms",
      "0.2",
    ];
    const code = await runCli([...argv, "--workers", "1"], {
      stateDir: mkdtempSync(join(tmpdir(), "iovsim-progress-")),
      out: (t) => (out += t),
      err: (t) => (err += t),
      isTTY: false,
      errIsTTY: true,
    });
    expect(code).toBe(0);
    expect(pathsJsonSchema.parse(JSON.parse(out)).paths).toHaveLength(1);
    expect(err).toMatch(/runs/);
    // A caller's own err sink is no terminal unless it says so: no progress.
    err = "";
    out = "";
    await runCli([...argv, "--workers", "1"], {
      stateDir: mkdtempSync(join(tmpdir(), "iovsim-progress-")),
      out: (t) => (out += t),
      err: (t) => (err += t),
      isTTY: true,
    });
    expect(err).toBe("");
  });
});
