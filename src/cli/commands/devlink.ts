// `iovsim devlink dev eswitch set|show netdevsim/netdevsim<ID> [mode legacy|switchdev]`: the one
// devlink knob the Linux view needs (netdevsim refuses VF rates in switchdev mode); on a PCI
// PF (pci/<BDF>) the kernel's answer for its driver (src/nic/linux/devlink-pci.ts).
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import { findNsim, pciDevlink, setEswitchMode } from "../../nic/linux/index.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim devlink dev eswitch show netdevsim/netdevsim<ID>|pci/<BDF>
       iovsim devlink dev eswitch set netdevsim/netdevsim<ID>|pci/<BDF> mode legacy|switchdev

The eswitch mode of a netdevsim device (created with
'iovsim sysfs write /sys/bus/netdevsim/new_device "ID"'). In switchdev mode netdevsim refuses
'ip link set DEV vf N rate|max_tx_rate|min_tx_rate' with EOPNOTSUPP.
On a PCI PF, as its driver registers devlink: i40e (ixl0, 0000:01:00.0) and ixgbe (Linux
6.16+) have a devlink instance without eswitch ops, so 'show' prints the handle alone
("pci/0000:01:00.0:") and 'set' answers "devlink answers: Operation not supported" (exit 1);
igb has no devlink instance: "devlink answers: No such device" (exit 1), as for any other handle.
devlink's own refusals, exit 1: 'Devlink identification ("bus_name/dev_name") expected',
'Unknown option "WORD"', 'Unknown eswitch mode "MODE"', 'Need to set at least one option'.
Divergence: only 'dev eswitch show|set ... mode' is simulated, and switchdev mode creates no
VF representor netdevs (docs/linux-mode.md).
-h, --help (or the word help) prints this text.
`;

function handle(word: string | undefined): number | undefined {
  const m = /^netdevsim\/netdevsim(\d+)$/.exec(word ?? "");
  return m ? Number(m[1]) : undefined;
}

export const command = defineCommand({
  name: "devlink",
  summary: "devlink dev eswitch show|set: netdevsim's eswitch mode (PCI PFs: the driver's answer)",
  help: HELP,
  options: [],
  operands: "any",
  async run({ operands: args }, ctx) {
    if (args.length === 0 || args.includes("help")) {
      (args.length === 0 ? ctx.err : ctx.out)(HELP);
      return args.length === 0 ? 1 : 0;
    }
    const [obj, sub, verb, dev, ...rest] = args;
    if (obj !== "dev" || sub !== "eswitch" || (verb !== "show" && verb !== "set"))
      throw new UserError("E_USAGE", `devlink: only 'dev eswitch show|set' is simulated\n${HELP}`);
    // devlink's own refusals (dl_argv_handle, dl_argv_parse, cmd_dev_eswitch_set): exit 1.
    const refuse = (message: string) => {
      ctx.err(`${message}\n`);
      return 1;
    };
    if (!/^[^/]+\/[^/]+$/.test(dev ?? ""))
      return refuse('Devlink identification ("bus_name/dev_name") expected');
    const id = handle(dev);
    let mode: "legacy" | "switchdev" | undefined;
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i];
      if (verb === "set" && w === "mode") {
        const v = rest[++i];
        if (v === undefined) return refuse("String parameter expected");
        if (v !== "legacy" && v !== "switchdev") return refuse(`Unknown eswitch mode "${v}"`);
        mode = v;
      } else if (verb === "set" && (w === "inline-mode" || w === "encap-mode")) {
        throw new UserError("E_USAGE", `devlink dev eswitch set: ${w} is not simulated (only mode)`);
      } else return refuse(`Unknown option "${w}"`);
    }
    if (verb === "set" && mode === undefined) return refuse("Need to set at least one option");
    const pciMatch = /^pci\/(.+)$/.exec(dev ?? "");
    if (pciMatch) {
      const pf = pciDevlink((await loadHost(ctx.stateDir)).state, pciMatch[1]!);
      if (!pf) return refuse("devlink answers: No such device");
      if (verb === "set") return refuse("devlink answers: Operation not supported");
      // devlink_nl_eswitch_fill put no mode attribute: pr_out_eswitch prints the handle alone.
      ctx.out(`${dev}:\n`);
      return 0;
    }
    if (id === undefined) {
      ctx.err(`devlink answers: No such device\n`);
      return 1;
    }
    if (verb === "show") {
      const nsim = findNsim((await loadHost(ctx.stateDir)).state, id);
      if (!nsim) {
        ctx.err("devlink answers: No such device\n");
        return 1;
      }
      ctx.out(`${dev}: mode ${nsim.eswitch}\n`);
      return 0;
    }
    const found = await withHost(ctx.stateDir, (host) => {
      const nsim = findNsim(host.state, id);
      if (!nsim) return false;
      setEswitchMode(nsim, mode as "legacy" | "switchdev");
      return true;
    });
    if (!found) {
      ctx.err("devlink answers: No such device\n");
      return 1;
    }
    return 0;
  },
});
