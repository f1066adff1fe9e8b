// Help as iproute2's tools give it (ip(8), devlink(8)): with no arguments the usage goes to
// stderr (exit 1); the word `help`, -h or --help anywhere on the line prints it on stdout (exit 0).
import type { CommandContext } from "../context.ts";

/** The exit status when `argv` asks for (or lacks everything but) the help, which is printed;
 *  undefined when the command should go on. */
export function iproute2Help(argv: readonly string[], ctx: CommandContext, help: string): number | undefined {
  if (argv.length === 0) {
    ctx.err(help);
    return 1;
  }
  if (argv.some((a) => a === "help" || a === "-h" || a === "--help")) {
    ctx.out(help);
    return 0;
  }
  return undefined;
}
