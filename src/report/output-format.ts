// Which form a command writes on stdout: the human text, --json or --csv (exclusive); --html FILE
// is written besides any of them.
import { UserError } from "../errors.ts";

export type OutputFormat = "text" | "json" | "csv";

/** The stdout form asked for; --json with --csv is a usage error naming the options, worded as
 *  every command's option errors are (`iovsim: --opt: ...`, no command name: paths, steering). */
export function outputFormat(o: { json?: unknown; csv?: unknown }): OutputFormat {
  if (o.json && o.csv) throw new UserError("E_USAGE", "--json and --csv are exclusive");
  return o.json ? "json" : o.csv ? "csv" : "text";
}

/** The exact command line a report says reproduces it (arguments quoted where a shell needs it). */
export function commandLine(command: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ["iovsim", command, ...args].map(quote).join(" ");
}
