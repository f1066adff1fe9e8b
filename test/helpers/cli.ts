// The CLI as the tests run it: in-process through runCli (src/cli/main.ts), stdout and stderr
// captured, neither a terminal. One module, so a test file keeps only its own assertions.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { runCli } from "../../src/cli/main.ts";

export interface CliRun {
  /** The exit status. */
  code: number;
  out: string;
  err: string;
  /** How many times the command read standard input (only when the run was given `stdin`). */
  stdinReads?: number;
}

export interface CliOptions {
  /** The state directory, as the caller's default (a --state in argv wins). Without either, a
   *  fresh temporary one: a test never touches the user's own state. `null`: none, as a user
   *  types the command (its --state, else $IOVSIM_STATE, else the default directory). */
  stateDir?: string | null;
  /** The bytes on standard input (what `-` reads). */
  stdin?: Uint8Array;
}

/** A new empty temporary directory; `prefix` says which test made it. */
export function tempDir(prefix = "iovsim-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const hasStateOption = (argv: string[]) => argv.some((a) => a === "--state" || a.startsWith("--state="));

/** Runs `iovsim ...argv` and returns its exit status and what it wrote. */
export async function iovsim(argv: string[], opts: CliOptions = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  let stdinReads = 0;
  const { stdin } = opts;
  const stateDir =
    opts.stateDir === null
      ? undefined
      : (opts.stateDir ?? (hasStateOption(argv) ? undefined : tempDir("iovsim-state-")));
  const code = await runCli(argv, {
    ...(stateDir !== undefined ? { stateDir } : {}),
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
    ...(stdin
      ? {
          readStdin: () => {
            stdinReads++;
            return stdin;
          },
        }
      : {}),
  });
  // Only what the caller asked about, so a test can compare the whole run with toEqual.
  return { code, out, err, ...(stdin ? { stdinReads } : {}) };
}

/** `iovsim ...argv` on the state in `stateDir` (a test that keeps several hosts apart). */
export const cliIn = (stateDir: string, ...argv: string[]) => iovsim(argv, { stateDir });

/** Runs a command that must succeed quietly (exit 0, nothing on stderr); its stdout parsed as JSON. */
export async function iovsimJson(argv: string[], opts: CliOptions = {}) {
  const r = await iovsim(argv, opts);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}
