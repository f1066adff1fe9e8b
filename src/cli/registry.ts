/**
 * The iovsim command registry: every command declares itself once, here is what it declares.
 *
 * A command module (src/cli/commands/NAME.ts) exports `command`, built by `defineCommand`:
 *
 *   export const command = defineCommand({
 *     name: "reset",                       // what the user types: iovsim reset
 *     summary: "return the simulated host to its clean state",   // one line for iovsim --help
 *     help: HELP,                          // the full text of `iovsim reset --help`
 *                                          //   (a string, or a function returning one)
 *     options: [{ flags: "--host <file>", description: "describe your own host in JSON" }],
 *     operands: "none",                    // "none" (default) or "any": positional words
 *     async run({ opts, operands, argv }, ctx) {
 *       const host = opts.host as string | undefined;   // given options only, by long name
 *       ...
 *       return 0;                          // the exit status
 *     },
 *   });
 *
 * and is listed once in src/cli/commands/index.ts (name -> lazy import, and its summary, which
 * `iovsim --help` prints without loading the module).
 *
 * Options use commander's flag syntax: "--json" (boolean), "--host <file>" (takes a value),
 * "-f, --config <file>" (short and long), "--no-ndr" (a negation; opts["no-ndr"] is true when
 * given). `repeatable: true` collects every value in order (opts.path = ["a", "b"]). Options
 * may appear anywhere among the operands; `--` ends them; a negative number is an operand or
 * an option's value, never an option. `opts` holds only the options the user gave, keyed by
 * the long name without dashes ("trial-ms"), or the short letter when there is no long name.
 *
 * Before `run` is called the registry parses argv with commander and handles, identically for
 * every command:
 *   -h, --help           prints `help` on stdout, exit 0 (`iovsim help NAME` prints the same);
 *   an undeclared option `iovsim: NAME: unknown option '--x' (see iovsim NAME --help)`, exit 1
 *                        (an option the command does not support is always an error; `hints`
 *                        replaces the "see ... --help" part for options that moved);
 *   a missing value      `iovsim: NAME: option '--host' needs a value (see iovsim NAME --help)`;
 *   an operand where the command takes none: `iovsim: NAME: unexpected argument 'x' (...)`;
 *   a value option given twice (not `repeatable`): `option '--x' given twice ('a' and 'b')`;
 *   a flag given a value (`--json=1`): `option '--json' takes no value (got '--json=1')`.
 * Usage errors are UserError "E_USAGE" (exit status 1, as every other usage error in iovsim).
 *
 * Exception: a command that must parse its own argv (iovctl and pciconf follow FreeBSD's
 * getopt(3) byte for byte; sweep has commander subcommands of its own) uses `defineRawCommand`
 * and says why in `rawArgv`; that text is printed in docs/commands.md.
 *
 * Help and docs cannot drift: `iovsim --help`, `iovsim help NAME` and docs/commands.md
 * (scripts/gen-command-docs.ts, `npm run docs:commands`) are all generated from this registry,
 * and test/cli/registry.test.ts fails when docs/commands.md differs from what it generates.
 */
import { Command as Commander, CommanderError, Option } from "commander";
import { UserError } from "../errors.ts";
import type { Command, CommandContext } from "./context.ts";

export interface OptionDecl {
  /** commander flags: "--json", "--host <file>", "-f, --config <file>", "--no-ndr". */
  flags: string;
  description?: string;
  /** May be given more than once: the values are collected, in order, into an array. */
  repeatable?: boolean;
}

/** Given options by long name (or short letter): a value, the values of a repeatable, or true. */
export type Opts = Record<string, string | string[] | boolean | undefined>;

export interface CommandInput {
  opts: Opts;
  operands: string[];
  /** The command's arguments as typed (global options removed), e.g. for "reproduce with" lines. */
  argv: string[];
}

interface Described {
  /** What the user types after `iovsim`. */
  name: string;
  /** One line, shown by `iovsim --help` and in docs/commands.md. */
  summary: string;
  /** The full text `iovsim NAME --help` and `iovsim help NAME` print. */
  help: string | (() => string);
}

export interface CommandDecl extends Described {
  options: readonly OptionDecl[];
  /** "none" (default): any operand is a usage error. "any": positional words go to run. */
  operands?: "none" | "any";
  /** Long option name -> what to say instead of "see iovsim NAME --help" (options that moved). */
  hints?: Readonly<Record<string, string>>;
  run(input: CommandInput, ctx: CommandContext): Promise<number>;
}

export interface RawCommandDecl extends Described {
  /** Why this command parses its own argv, and how it treats -h/--help (shown in the docs). */
  rawArgv: string;
  /** Subcommands with options of their own (`sweep plan`, ...): each one's --help text, which
   *  docs/commands.md prints after the command's, so the reference lists every option. */
  subcommandHelps?: () => readonly { name: string; help: string }[];
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

/** What the registry holds for each command: a Command (main.ts runs it) that knows its help. */
export interface RegisteredCommand extends Command {
  helpText(): string;
  /** Set when the command parses its own argv (see RawCommandDecl.rawArgv). */
  rawArgv?: string;
  /** See RawCommandDecl.subcommandHelps. */
  subcommandHelps?: () => readonly { name: string; help: string }[];
  /** The declared options (empty for a raw command). */
  options: readonly OptionDecl[];
}

export function usageError(command: string, what: string, hint?: string): UserError {
  return new UserError("E_USAGE", `${command}: ${what} (${hint ?? `see iovsim ${command} --help`})`);
}

/** The one wording of an unknown option, for every command (raw ones too). */
export function unknownOption(command: string, flag: string, hint?: string): UserError {
  return usageError(command, `unknown option '${flag}'`, hint);
}

/** Long name without dashes, or the short letter: the key an option has in Opts. */
function keyOf(o: Option): string {
  return o.long ? o.long.replace(/^--/, "") : (o.short ?? "").replace(/^-/, "");
}

/** The flag as a user types it ("--size", "-c"), from commander's "option '-c, --count <n>'". */
function flagIn(message: string): string {
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const flags = quoted.split(/[ ,|]+/).filter((f) => f.startsWith("-"));
  return flags.find((f) => f.startsWith("--")) ?? flags[0] ?? quoted;
}

/**
 * `--html --json` is a forgotten value, not a file named "--json": a separate value that looks
 * like an option is refused (a negative number is a value; `--html=--json` is taken as typed).
 */
function refuseOptionAsValue(name: string, options: readonly Option[], argv: string[]): void {
  for (let i = 0; i + 1 < argv.length && argv[i] !== "--"; i++) {
    const o = options.find((x) => x.required && (x.long === argv[i] || x.short === argv[i]));
    if (!o) continue;
    const next = argv[i + 1];
    if (/^-[^\d.]/.test(next)) throw usageError(name, `option '${argv[i]}' needs a value`);
    i++;
  }
}

/**
 * Parses argv against the declared options. Returns "help" when -h/--help was given (help wins
 * over an unknown option, as it does in commander), else the given options and the operands.
 */
export function parseArgv(
  name: string,
  options: readonly OptionDecl[],
  argv: string[],
  extra: { operands?: "none" | "any"; hints?: Readonly<Record<string, string>> } = {},
): { opts: Opts; operands: string[] } | "help" {
  const parser = new Commander(name)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .showSuggestionAfterError(false)
    .helpOption("-h, --help")
    .argument("[operands...]")
    .action(() => {});
  for (const d of options) {
    const o = new Option(d.flags, d.description);
    if (d.repeatable) o.argParser((v: string, prev: unknown) => [...((prev as string[]) ?? []), v]);
    else if (o.required || o.optional)
      // A second value would silently replace the first: refused, as every ignored input is.
      o.argParser((v: string, prev: unknown) => {
        if (prev !== undefined)
          throw usageError(
            name,
            `option '${[o.short, o.long].filter(Boolean).join("/")}' given twice ('${prev}' and '${v}'); it takes one value`,
          );
        return v;
      });
    parser.addOption(o);
  }
  refuseOptionAsValue(name, parser.options, argv);
  try {
    parser.parse(argv, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === "commander.helpDisplayed") return "help";
    const flag = flagIn(e.message);
    if (e.code === "commander.unknownOption") {
      // `--json=1` is a known flag given a value, not an unknown option.
      const bare = flag.split("=")[0];
      if (bare !== flag && parser.options.some((o) => o.long === bare && !o.required && !o.optional))
        throw usageError(name, `option '${bare}' takes no value (got '${flag}')`);
      throw unknownOption(name, flag, extra.hints?.[flag.replace(/^--?/, "")]);
    }
    if (e.code === "commander.optionMissingArgument") {
      // Name it as typed: a missing value is always after the last word (-c, not --count).
      const last = argv[argv.length - 1];
      const typed = parser.options.find((o) => o.short === last || o.long === last) ? last : flag;
      throw usageError(name, `option '${typed}' needs a value`);
    }
    throw usageError(name, e.message.replace(/^error: /, ""));
  }
  const opts: Opts = {};
  for (const o of parser.options) {
    const attr = o.attributeName();
    if (parser.getOptionValueSource(attr) !== "cli") continue;
    const v = parser.getOptionValue(attr) as string | string[] | boolean;
    opts[keyOf(o)] = o.negate ? v === false : v;
  }
  const operands = (parser.processedArgs[0] as string[] | undefined) ?? [];
  if (extra.operands !== "any" && operands.length > 0)
    throw usageError(name, `unexpected argument '${operands[0]}'`);
  return { opts, operands };
}

function textOf(help: string | (() => string)): string {
  return typeof help === "function" ? help() : help;
}

/** A command whose options the registry parses (see the top of this file). */
export function defineCommand(decl: CommandDecl): RegisteredCommand {
  const helpText = () => textOf(decl.help);
  return {
    name: decl.name,
    summary: decl.summary,
    options: decl.options,
    helpText,
    async run(argv: string[], ctx: CommandContext): Promise<number> {
      const parsed = parseArgv(decl.name, decl.options, argv, decl);
      if (parsed === "help") {
        ctx.out(helpText());
        return 0;
      }
      return decl.run({ ...parsed, argv }, ctx);
    },
  };
}

/** A command that parses its own argv (FreeBSD getopt, its own subcommands): say why in rawArgv. */
export function defineRawCommand(decl: RawCommandDecl): RegisteredCommand {
  return {
    name: decl.name,
    summary: decl.summary,
    options: [],
    rawArgv: decl.rawArgv,
    ...(decl.subcommandHelps ? { subcommandHelps: decl.subcommandHelps } : {}),
    helpText: () => textOf(decl.help),
    run: (argv, ctx) => decl.run(argv, ctx),
  };
}

export function isRegistered(c: Command): c is RegisteredCommand {
  return typeof (c as Partial<RegisteredCommand>).helpText === "function";
}

/**
 * The help text of any command. A command not yet declared through defineCommand (a plain
 * Command) is asked with `--help`, its output captured: the same text the user sees.
 */
export async function helpOf(c: Command, ctx: CommandContext): Promise<string> {
  if (isRegistered(c)) return c.helpText();
  let text = "";
  await c.run(["--help"], { ...ctx, out: (t) => (text += t), err: () => {} });
  return text;
}
