// `iovsim reset [--host FILE]`: back to a clean host (no VFs, boot messages only): the embedded
// default host, or the host described in FILE. Works even when the old state file is corrupt.
import { UserError } from "../../errors.ts";
import { resetHost } from "../../nic/index.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim reset [--host FILE]

Returns the simulated host to its clean state: every VF destroyed, VM assignments dropped,
dmesg reset to the boot messages. The state lives in --state DIR (else $IOVSIM_STATE, else
$XDG_STATE_HOME/iovsim, else ~/.local/state/iovsim).

  --host FILE   describe your own host in JSON (docs/control-plane.md, "Host file"):
                { "devices": [ { "name": "ixl0", "selector": "pci0:1:0:0", "profile": "ixl" },
                               { "name": "hostb0", "selector": "pci0:0:0:0", "class": "0x060000",
                                 "vendor": "0x8086", "device": "0x6f00" } ] }
                A bridge may add "secondaryBus", "subordinateBus" and "ariForwarding": a PF
                on its secondary bus gets ARI from it, and without ARI an 82576 or 82599
                reports First VF Offset 384, its VFs on the next bus (examples/hosts/no-ari.json).
                Errors name the file and the JSON path. Without --host: the embedded default
                host (ixl0 at pci0:1:0:0, ix0 at pci0:3:0:0, igb0 at pci0:5:0:0).
  -h, --help    this text
`;

export const command = defineCommand({
  name: "reset",
  summary: "return the simulated host to its clean state",
  help: HELP,
  options: [{ flags: "--host <file>", description: "describe your own host in JSON" }],
  async run({ opts }, ctx) {
    const hostFile = opts.host as string | undefined;
    if (hostFile === "") throw new UserError("E_USAGE", "reset: option '--host' needs a file");
    const host = await resetHost(ctx.stateDir, hostFile);
    const pfs = host.pfs().map((p) => `${p.name}@${p.selector}`);
    ctx.out(`iovsim: clean host (${host.state.hostSource}): ${pfs.join(", ")}\n`);
    return 0;
  },
});
