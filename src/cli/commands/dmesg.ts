// `iovsim dmesg [-c]`: the kernel and driver messages of the simulated host (boot lines, VF
// attach lines, pci_iov and driver errors). -c clears the buffer after printing, like dmesg(8).
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import type { Command, CommandContext } from "../context.ts";

const HELP = `usage: iovsim dmesg [-c]

Prints the simulated kernel message buffer, oldest first: PF driver boot lines, VF attach
lines (iavf0: <...> at device 0.16 on pci1, ppt0 at device 0.17 on pci1), and what pci_iov
and the PF drivers log (ixl0: Failed to add VF 3, Invalid num-queues (40) for VF 0, ...).

  -c    clear the buffer after printing it

Divergence: only -c of dmesg(8) is simulated; the buffer keeps the newest 10000 lines.
`;

export const command: Command = {
  name: "dmesg",
  summary: "kernel and driver log lines produced by the SR-IOV lifecycle",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    if (args.includes("--help")) {
      ctx.out(HELP);
      return 0;
    }
    const bad = args.find((a) => a !== "-c");
    if (bad !== undefined)
      throw new UserError("E_USAGE", `dmesg: unknown argument '${bad}'\nusage: iovsim dmesg [-c]`);
    const print = (lines: string[]) => {
      if (lines.length) ctx.out(`${lines.join("\n")}\n`);
    };
    if (args.includes("-c")) {
      await withHost(ctx.stateDir, (host) => {
        print(host.dmesg());
        host.clearDmesg();
      });
    } else print((await loadHost(ctx.stateDir)).dmesg());
    return 0;
  },
};
