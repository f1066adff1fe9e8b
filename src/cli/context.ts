// What every command receives: where state lives, output sinks, and the --debug flag.
// Commands write through ctx.out/ctx.err so tests can run them in-process.
import { homedir } from "node:os";
import { join } from "node:path";

export interface CommandContext {
  /** Directory holding the simulated host's state (--state DIR, IOVSIM_STATE, or the default). */
  stateDir: string;
  /** How stateDir was chosen: --state DIR, $IOVSIM_STATE, or neither (absent: neither).
   *  `paths` and `ping` measure the saved host only when the user named it. */
  stateSource?: "option" | "env" | "default";
  debug: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (colours). */
  isTTY: boolean;
  /**
   * True when stderr (ctx.err) is a terminal: progress bars are decided on this, so that
   * `paths --json > f` in a terminal still shows progress. Absent: not a terminal.
   */
  errIsTTY?: boolean;
  /** All of standard input, for a `-` file operand (tests inject bytes). Absent: fd 0. */
  readStdin?: () => Uint8Array;
}

export interface Command {
  name: string;
  summary: string;
  /** Returns the process exit status. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IOVSIM_STATE) return env.IOVSIM_STATE;
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "iovsim");
}
