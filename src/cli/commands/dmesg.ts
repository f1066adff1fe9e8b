// `iovsim dmesg [-c]`: the kernel and driver messages of the simulated host (boot lines, VF
// attach lines, pci_iov and driver errors). -c clears the buffer after printing, like dmesg(8).
import { loadHost, withHost } from "../../nic/index.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim dmesg [-ac]

Prints the simulated kernel message buffer, oldest first: PF driver boot lines, VF attach
lines (iavf0: <...> at device 0.16 on pci1, ppt0 at device 0.17 on pci1), and what pci_iov
and the PF drivers log (ixl0: Failed to add VF 3, Invalid num-queues (40) for VF 0, ...).

  -a          every message, syslog ones too: every simulated message is a kernel one,
              so the output is the same as without -a
  -c          clear the buffer after printing it
  -h, --help  this text

Divergence: only -a and -c of dmesg(8) are simulated (not -M, -N); the buffer keeps the newest 10000 lines
(docs/control-plane.md; every divergence: docs/divergences.md).
`;

export const command = defineCommand({
  name: "dmesg",
  summary: "kernel and driver log lines produced by the SR-IOV lifecycle",
  help: HELP,
  options: [
    // dmesg(8) -a adds the syslog records it otherwise hides; the simulated buffer has none.
    { flags: "-a", description: "every message (the simulated buffer holds only kernel ones)" },
    { flags: "-c", description: "clear the buffer after printing it" },
  ],
  async run({ opts }, ctx) {
    const print = (lines: string[]) => {
      if (lines.length) ctx.out(`${lines.join("\n")}\n`);
    };
    if (opts.c) {
      await withHost(ctx.stateDir, (host) => {
        print(host.dmesg());
        host.clearDmesg();
      });
    } else print((await loadHost(ctx.stateDir)).dmesg());
    return 0;
  },
});
