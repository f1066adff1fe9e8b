// Where `paths` and `ping` take their VFs from, decided once for both: --host (the saved host's
// VFs), else an iovctl.conf (-f FILE, or the talk's, embedded) applied to a fresh in-memory copy
// of the host the state describes: the host file of `iovsim reset --host FILE`, as `iovctl -C`
// and `switch -f` see it, so a PF of the user's host file is there. Only the host's devices
// are read from the state (none of its VFs), and nothing is written.
import { UserError } from "../../errors.ts";
import { DEFAULT_HOST_SOURCE } from "../../nic/host.ts";
import { readState, statePath } from "../../nic/state.ts";
import type { PathConfig } from "../../paths/setup.ts";
import type { CommandContext } from "../context.ts";
import { stateConfig } from "./paths-host.ts";
import { readConfig } from "./paths-options.ts";

/** The configuration a `paths` or `ping` run measures (see the header). */
export async function runConfig(
  command: "paths" | "ping",
  values: { host?: unknown; config?: unknown },
  ctx: Pick<CommandContext, "stateDir" | "stateSource">,
): Promise<PathConfig> {
  // Where the state lives: read below, so an --html FILE there is refused as an input.
  const stateFile = statePath(ctx.stateDir);
  const saved = await stateConfig(command, values, ctx);
  if (saved) return { ...saved, stateFile };
  const file = values.config as string | undefined;
  if (file === "") throw new UserError("E_USAGE", `${command}: option '-f, --config' needs a file name`);
  const conf: PathConfig = readConfig(file);
  // A state directory without state.json is a freshly booted default host.
  const state = await readState(ctx.stateDir);
  if (!state || state.hostSource === DEFAULT_HOST_SOURCE) return { ...conf, stateFile };
  return { ...conf, host: { spec: state.spec, file: state.hostSource }, stateFile };
}
