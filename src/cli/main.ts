// iovsim command-line entry: global options, then dispatch to one command of the registry
// (src/cli/registry.ts; the list is src/cli/commands/index.ts).
// Global options may appear anywhere (so `iovctl`'s own getopt rules stay FreeBSD-exact):
//   --state DIR   state directory (else $IOVSIM_STATE, else $XDG_STATE_HOME/iovsim)
//   --debug       show stack traces for internal errors
import { UserError } from "../errors.ts";
import { topLevelHelp } from "./command-docs.ts";
import { loadCommand } from "./commands/index.ts";
import { type CommandContext, defaultStateDir } from "./context.ts";
import { helpOf } from "./registry.ts";
import { registerStateSections } from "./state-sections.ts";
import { toolVersion } from "./version.ts";

/** The top-level help (kept under its old name for callers). */
export const usage = topLevelHelp;

/** Pulls --state/--debug out of argv wherever they are. */
export function extractGlobals(argv: string[]): { args: string[]; state?: string; debug: boolean } {
  const args: string[] = [];
  let state: string | undefined;
  let debug = false;
  // Two different --state values: which host did the user mean? An error, never last-wins.
  const setState = (dir: string) => {
    if (state !== undefined && dir !== state)
      throw new UserError(
        "E_USAGE",
        `option '--state' given twice ('${state}' and '${dir}'): give one directory`,
      );
    state = dir;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--debug") debug = true;
    else if (a === "--state") {
      if (i + 1 >= argv.length) throw new UserError("E_USAGE", "option '--state' needs a directory");
      setState(argv[++i]);
    } else if (a.startsWith("--state=")) setState(a.slice("--state=".length));
    else args.push(a);
  }
  // An empty path would silently put state.json in the current directory.
  if (state === "") throw new UserError("E_USAGE", "option '--state' needs a directory");
  return { args, state, debug };
}

export async function runCli(argv: string[], partial: Partial<CommandContext> = {}): Promise<number> {
  const err = partial.err ?? ((t: string) => process.stderr.write(t));
  let debug = argv.includes("--debug");
  registerStateSections();
  try {
    const g = extractGlobals(argv);
    debug = g.debug;
    const ctx: CommandContext = {
      stateDir: g.state ?? partial.stateDir ?? defaultStateDir(),
      stateSource:
        g.state !== undefined
          ? "option"
          : (partial.stateSource ??
            (partial.stateDir === undefined && process.env.IOVSIM_STATE ? "env" : "default")),
      debug,
      out: partial.out ?? ((t: string) => process.stdout.write(t)),
      err,
      isTTY: partial.isTTY ?? Boolean(process.stdout.isTTY),
      // A caller's own err sink is no terminal unless it says so.
      errIsTTY: partial.errIsTTY ?? (partial.err ? false : Boolean(process.stderr.isTTY)),
      ...(partial.readStdin ? { readStdin: partial.readStdin } : {}),
    };
    const [name, ...rest] = g.args;
    const helpAlone = name === "help" && (rest.length === 0 || (rest.length === 1 && rest[0] === "help"));
    if (!name || name === "--help" || name === "-h" || helpAlone) {
      (name ? ctx.out : ctx.err)(await usage());
      return name ? 0 : 1;
    }
    if (name === "--version" || name === "-V") {
      if (rest.length > 0) throw new UserError("E_USAGE", `${name}: unexpected argument '${rest[0]}'`);
      ctx.out(`${await version()}\n`);
      return 0;
    }
    // An option where the command should be is not a command (iovsim -v, iovsim --json).
    if (name.startsWith("-")) {
      ctx.err(`iovsim: unknown option '${name}'\n${await usage()}`);
      return 1;
    }
    if (name === "help") {
      // `iovsim help CMD` prints exactly what `iovsim CMD --help` prints.
      if (rest.length > 1) throw new UserError("E_USAGE", `help: one command only (got '${rest.join(" ")}')`);
      const command = await loadCommand(rest[0]);
      if (!command) return unknownCommand(rest[0], ctx);
      ctx.out(await helpOf(command, ctx));
      return 0;
    }
    const command = await loadCommand(name);
    if (!command) return unknownCommand(name, ctx);
    return await command.run(rest, ctx);
  } catch (e) {
    if (e instanceof UserError) {
      err(`iovsim: ${printable(e.message)}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    err(`iovsim: internal error: ${msg}\n`);
    if (debug && e instanceof Error && e.stack) err(`${e.stack}\n`);
    else err("iovsim: run again with --debug for a stack trace\n");
    return 70;
  }
}

/**
 * A message may quote a user's file (a JSON parser's excerpt of a binary file): control
 * characters other than tab and newline are shown escaped, never sent raw to the terminal.
 */
export function printable(message: string): string {
  let out = "";
  for (const ch of message) {
    const c = ch.charCodeAt(0);
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f;
    out += control ? `\\x${c.toString(16).padStart(2, "0")}` : ch;
  }
  return out;
}

async function unknownCommand(name: string, ctx: CommandContext): Promise<number> {
  ctx.err(`iovsim: unknown command '${name}'\n${await usage()}`);
  return 1;
}

export async function version(): Promise<string> {
  return `iovsim ${await toolVersion()}`;
}

/** The process's own run: this file as the program, or the launcher's bundle (bin/cli-bundle.js). */
export function runAsProgram(): void {
  // `iovsim decode big.pcap | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isMain) runAsProgram();
