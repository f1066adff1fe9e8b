// What the registry prints about itself: the top-level help (`iovsim --help`) and the command
// reference (docs/commands.md, written by scripts/gen-command-docs.ts). Both come from the
// commands' own declarations, so help and docs cannot say different things.
import { COMMAND_NAMES, loadAllCommands, SUMMARIES } from "./commands/index.ts";
import type { CommandContext } from "./context.ts";
import { helpOf, isRegistered } from "./registry.ts";

/**
 * The top-level help: every command of the registry with its summary. It loads no command
 * module (the summaries are listed beside the loaders), so `iovsim --help` and a mistyped
 * command answer as fast as `iovsim --version`.
 */
export async function topLevelHelp(): Promise<string> {
  const commands = COMMAND_NAMES.map((name) => ({ name, summary: SUMMARIES[name] }));
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    "usage: iovsim [--state DIR] [--debug] <command> [args]",
    "       iovsim help <command>",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "global options (anywhere on the line):",
    "  --state DIR  the simulated host's state (else $IOVSIM_STATE, else $XDG_STATE_HOME/iovsim)",
    "  --debug      stack traces for internal errors",
    "  --version    print iovsim's version (also -V; alone on the line)",
    "",
    "Run `iovsim help <command>` or `iovsim <command> --help` for a command's options",
    "(iovctl follows FreeBSD: `iovsim iovctl --help` is getopt's error; use `iovsim help iovctl`).",
    "Every command and its help: docs/commands.md.",
    "New here: `iovsim demo` (what `npm start` runs), then README.md and docs/questions.md.",
  ];
  return `${lines.join("\n")}\n`;
}

/** Help texts are printed, not run: a context that writes nowhere and touches no state. */
const QUIET: CommandContext = { stateDir: "", debug: false, out: () => {}, err: () => {}, isTTY: false };

/** docs/commands.md: every command, its summary and its full help, from the registry. */
export async function commandReference(): Promise<string> {
  const commands = await loadAllCommands();
  const parts = [
    "# Command reference",
    "",
    "<!-- Generated from the command registry (src/cli/registry.ts) by `npm run docs:commands`.",
    "     Do not edit: test/cli/registry.test.ts fails when this file differs from what the",
    "     registry generates. -->",
    "",
    "Every `iovsim` command with the text `iovsim help COMMAND` and `iovsim COMMAND --help` print",
    "(the same text). Usage errors exit with status 1; an option a command does not take is",
    "reported as `iovsim: COMMAND: unknown option '--x' (see iovsim COMMAND --help)`, except where",
    "a command follows a real tool's own parser (noted under the command).",
    "",
    "```text",
    (await topLevelHelp()).trimEnd(),
    "```",
    "",
    "| command | summary |",
    "|---|---|",
    ...commands.map((c) => `| [${c.name}](#${c.name}) | ${c.summary.replace(/\|/g, "\\|")} |`),
  ];
  for (const c of commands) {
    parts.push("", `## ${c.name}`, "", c.summary);
    if (isRegistered(c) && c.rawArgv) parts.push("", `Arguments: ${c.rawArgv}`);
    parts.push("", "```text", (await helpOf(c, QUIET)).trimEnd(), "```");
    if (isRegistered(c) && c.subcommandHelps)
      for (const sub of c.subcommandHelps())
        parts.push("", `### ${c.name} ${sub.name}`, "", "```text", sub.help.trimEnd(), "```");
  }
  return `${parts.join("\n")}\n`;
}
