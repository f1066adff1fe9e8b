// `iovsim devlink dev eswitch set|show netdevsim/netdevsim<ID> [mode legacy|switchdev]`: the one
// devlink knob the Linux view needs (and `dev show`, the instances, where a user starts) (netdevsim refuses VF rates in switchdev mode); on a PCI
// PF (pci/<BDF>) the kernel's answer for its driver (src/nic/linux/devlink-pci.ts).
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import {
  findNsim,
  IpJsonWriter,
  linuxPciPfs,
  nsimDevices,
  pciDevlink,
  setEswitchMode,
} from "../../nic/linux/index.ts";
import type { CommandContext } from "../context.ts";
import { defineRawCommand } from "../registry.ts";
import { iproute2Help } from "./iproute2-help.ts";

const HELP = `usage: iovsim devlink dev [show|list] [netdevsim/netdevsim<ID>|pci/<BDF>]
       iovsim devlink dev eswitch show netdevsim/netdevsim<ID>|pci/<BDF>
       iovsim devlink dev eswitch set netdevsim/netdevsim<ID>|pci/<BDF> mode legacy|switchdev

'dev show' (or 'dev', 'dev list') prints each devlink instance's handle on a line (-j:
{"dev":{"HANDLE":{}}}): the PCI PFs whose driver registers one, in bus order, then netdevsim
devices by ID (the kernel lists them in the order they registered: a PF driver bound again
after a netdevsim device was made would come after it there); with a handle, that one alone.
The eswitch mode of a netdevsim device (created with
'iovsim sysfs write /sys/bus/netdevsim/new_device "ID"'). In switchdev mode netdevsim refuses
'ip link set DEV vf N rate|max_tx_rate|min_tx_rate' with EOPNOTSUPP.
On a PCI PF, as its driver registers devlink: i40e (ixl0, 0000:01:00.0) and ixgbe (Linux
6.16+) have a devlink instance without eswitch ops, so 'show' prints the handle alone
("pci/0000:01:00.0:") and 'set' answers "devlink answers: Operation not supported" (exit 1);
igb has no devlink instance: "devlink answers: No such device" (exit 1), as for any other handle.
devlink's own refusals, exit 1: 'Devlink identification ("bus_name/dev_name") expected',
'Unknown option "WORD"', 'Unknown eswitch mode "MODE"', 'Need to set at least one option'.
As devlink(8): objects, commands and keywords are prefixes (devlink d e sh H, ... s H m
switchdev: "s" is set, tried first); an unknown one is 'Object "x" not found' or 'Command "x"
not found' (exit 1). Options (getopt_long, anywhere on the line): -j/--json prints
{"dev":{"HANDLE":{"mode":"legacy"}}}, -p/--pretty indents it; -n, -v, -s, -i, -x are accepted
and change nothing here, as in devlink; -V, -f, -b, -N are not simulated; an unknown one is
getopt's "devlink: invalid option -- 'Z'", "Unknown option." and devlink's usage (exit 1).
Divergence: only 'dev show|list' and 'dev eswitch show|set ... mode' are simulated, and switchdev mode creates no
VF representor netdevs (docs/linux-mode.md).
-h, --help (or the word help) prints this text.
`;

/** devlink/devlink.c usage(), printed after "Unknown option.". */
const DEVLINK_USAGE = `Usage: devlink [ OPTIONS ] OBJECT { COMMAND | help }
       devlink [ -f[orce] ] -b[atch] filename -N[etns] netnsname
where  OBJECT := { dev | port | lc | sb | monitor | dpipe | resource | region | health | trap }
       OPTIONS := { -V[ersion] | -n[o-nice-names] | -j[son] | -p[retty] | -v[erbose] -s[tatistics] -[he]x }
`;

/** devlink's strcmpx(): the word is a prefix of the keyword (the empty word of any). */
function strcmpx(word: string, keyword: string): boolean {
  return keyword.startsWith(word);
}

/** getopt_long(argc, argv, "Vfb:njpvsN:ix", long_options): short letter by long name. */
const LONG_OPTIONS: Array<[string, string]> = [
  ["Version", "V"],
  ["force", "f"],
  ["batch", "b"],
  ["no-nice-names", "n"],
  ["json", "j"],
  ["pretty", "p"],
  ["verbose", "v"],
  ["statistics", "s"],
  ["Netns", "N"],
  ["iec", "i"],
  ["hex", "x"],
];
const WITH_ARG = "bN";
/** What they do to `dev eswitch show|set`: nothing (n, v, s, i, x), the output (j, p), or not simulated. */
const NO_EFFECT = "nvsix";

interface DevlinkOptions {
  json: boolean;
  pretty: boolean;
}

/** glibc getopt_long with argument permutation: options anywhere, "--" ends them. */
function parseOptions(
  argv: string[],
  ctx: CommandContext,
): { opts: DevlinkOptions; words: string[] } | number {
  const opts: DevlinkOptions = { json: false, pretty: false };
  const words: string[] = [];
  const unknown = (line: string) => {
    ctx.err(`${line}\nUnknown option.\n${DEVLINK_USAGE}`);
    return 1;
  };
  const take = (letter: string, shown: string) => {
    if (letter === "j") opts.json = true;
    else if (letter === "p") opts.pretty = true;
    else if (!NO_EFFECT.includes(letter))
      throw new UserError("E_USAGE", `devlink: option '${shown}' is not simulated (only -j, -p)`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, value] = a.slice(2).split("=", 2) as [string, string | undefined];
      const exact = LONG_OPTIONS.find(([l]) => l === name);
      const found = exact ? [exact] : LONG_OPTIONS.filter(([l]) => l.startsWith(name));
      if (found.length !== 1)
        return unknown(
          found.length > 1 ? `devlink: option '${a}' is ambiguous` : `devlink: unrecognized option '${a}'`,
        );
      const [long, letter] = found[0]!;
      if (WITH_ARG.includes(letter) && value === undefined && i + 1 >= argv.length)
        return unknown(`devlink: option '--${long}' requires an argument`);
      take(letter, `--${long}`);
    } else if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const letter = a[k]!;
        if (!LONG_OPTIONS.some(([, l]) => l === letter))
          return unknown(`devlink: invalid option -- '${letter}'`);
        if (WITH_ARG.includes(letter) && k === a.length - 1 && i + 1 >= argv.length)
          return unknown(`devlink: option requires an argument -- '${letter}'`);
        take(letter, `-${letter}`);
        if (WITH_ARG.includes(letter)) break;
      }
    } else words.push(a);
  }
  return { opts, words };
}

function handle(word: string | undefined): number | undefined {
  const m = /^netdevsim\/netdevsim(\d+)$/.exec(word ?? "");
  return m ? Number(m[1]) : undefined;
}

/** dl_cmd() and cmd_dev(): the object and command words, matched in devlink's order. */
function route(
  words: string[],
  ctx: CommandContext,
): { rest: string[]; verb: "set" | "show" | "dev-show" } | number {
  const [obj = "", ...afterObj] = words;
  const objects = ["dev", "port", "sb", "monitor", "dpipe", "resource", "region", "health", "trap", "lc"];
  const object = objects.find((o) => strcmpx(obj, o));
  if (object === undefined) {
    ctx.err(`Object "${obj}" not found\n`);
    return 1;
  }
  if (object !== "dev")
    throw new UserError(
      "E_USAGE",
      `devlink: only 'dev show|list' and 'dev eswitch show|set' are simulated (got '${obj}')`,
    );
  const [cmd, ...afterCmd] = afterObj;
  const commands = ["show", "list", "eswitch", "reload", "param", "info", "flash", "selftests"];
  const command = cmd === undefined ? "show" : commands.find((c) => strcmpx(cmd, c));
  if (command === undefined) {
    ctx.err(`Command "${cmd}" not found\n`);
    return 1;
  }
  // cmd_dev(): no word is show; list is its alias.
  if (command === "show" || command === "list") return { rest: afterCmd, verb: "dev-show" };
  if (command !== "eswitch")
    throw new UserError(
      "E_USAGE",
      `devlink: only 'dev show|list' and 'dev eswitch show|set' are simulated (got 'dev ${cmd}')`,
    );
  const [verb, ...rest] = afterCmd;
  // cmd_dev_eswitch(): no word (or help) prints the usage; "set" is tried before "show".
  if (verb === undefined) return -1;
  if (strcmpx(verb, "set")) return { rest, verb: "set" };
  if (strcmpx(verb, "show")) return { rest, verb: "show" };
  ctx.err(`Command "${verb}" not found\n`);
  return 1;
}

/**
 * The host's devlink instances: the PCI PFs whose driver registers one (pciDevlink), in bus
 * order, then netdevsim devices by ID. The kernel lists them in the order they registered, so a
 * PF driver rebound after netdevsim came would come last there (not modelled).
 */
function devlinkHandles(state: Parameters<typeof pciDevlink>[0]): string[] {
  const pci = linuxPciPfs(state)
    .filter((p) => pciDevlink(state, p.bdf))
    .map((p) => `pci/${p.bdf}`);
  return [...pci, ...nsimDevices(state).map((d) => `netdevsim/netdevsim${d.id}`)];
}

/**
 * `devlink dev show [HANDLE]` (cmd_dev_show): a dump of every instance, or the one asked for;
 * each printed as its handle alone (pr_out_handle: no reload failure, no nested instance, no
 * stats here), with -j as {"dev":{"HANDLE":{}}}.
 */
async function devShow(
  dev: string | undefined,
  rest: string[],
  opts: DevlinkOptions,
  ctx: CommandContext,
  refuse: (message: string) => number,
): Promise<number> {
  if (dev !== undefined && !/^[^/]+\/[^/]+$/.test(dev))
    return refuse('Devlink identification ("bus_name/dev_name") expected');
  if (rest.length > 0) return refuse(`Unknown option "${rest[0]}"`);
  const all = devlinkHandles((await loadHost(ctx.stateDir)).state);
  const shown = dev === undefined ? all : all.filter((h) => h === dev);
  if (opts.json) {
    const w = new IpJsonWriter(opts.pretty).startObject().startObject("dev");
    for (const h of shown) w.startObject(h).endObject();
    ctx.out(w.endObject().endObject().done());
  } else ctx.out(shown.map((h) => `${h}\n`).join(""));
  return shown.length === 0 && dev !== undefined ? refuse("devlink answers: No such device") : 0;
}

export const command = defineRawCommand({
  name: "devlink",
  summary: "devlink dev show | dev eswitch show|set: instances; netdevsim's eswitch mode",
  help: HELP,
  rawArgv:
    "devlink(8)'s getopt_long options anywhere on the line (-j, -p; -n, -v, -s, -i, -x change nothing here) and its prefix-matched words; -h, --help or the word help print this help.",
  async run(argv, ctx) {
    const helped = iproute2Help(argv, ctx, HELP);
    if (helped !== undefined) return helped;
    const parsed = parseOptions(argv, ctx);
    if (typeof parsed === "number") return parsed;
    const { opts, words } = parsed;
    const routed = route(words, ctx);
    if (routed === -1) {
      ctx.err(HELP);
      return 0;
    }
    if (typeof routed === "number") return routed;
    const { verb } = routed;
    const [dev, ...rest] = routed.rest;
    // devlink's own refusals (dl_argv_handle, dl_argv_parse, cmd_dev_eswitch_set): exit 1.
    const refuse = (message: string) => {
      ctx.err(`${message}\n`);
      return 1;
    };
    if (verb === "dev-show") return devShow(dev, rest, opts, ctx, refuse);
    if (!/^[^/]+\/[^/]+$/.test(dev ?? ""))
      return refuse('Devlink identification ("bus_name/dev_name") expected');
    const id = handle(dev);
    let mode: "legacy" | "switchdev" | undefined;
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (verb === "set" && strcmpx(w, "mode")) {
        const v = rest[++i];
        if (v === undefined) return refuse("String parameter expected");
        if (v === "switchdev_inactive")
          throw new UserError("E_USAGE", "devlink dev eswitch set: mode switchdev_inactive is not simulated");
        if (v !== "legacy" && v !== "switchdev") return refuse(`Unknown eswitch mode "${v}"`);
        mode = v;
      } else if (
        verb === "set" &&
        (strcmpx(w, "inline-mode") || strcmpx(w, "encap") || strcmpx(w, "encap-mode"))
      ) {
        throw new UserError("E_USAGE", `devlink dev eswitch set: ${w} is not simulated (only mode)`);
      } else return refuse(`Unknown option "${w}"`);
    }
    if (verb === "set" && mode === undefined) return refuse("Need to set at least one option");
    // cmd_dev_eswitch_show(): with -j the section is opened before the kernel answers, so an
    // error still prints {"dev":{}}.
    const showJson = (attrs: { mode?: string } | undefined) => {
      const w = new IpJsonWriter(opts.pretty).startObject().startObject("dev");
      if (attrs) {
        w.startObject(dev);
        if (attrs.mode) w.value(attrs.mode, "mode");
        w.endObject();
      }
      ctx.out(w.endObject().endObject().done());
    };
    const answer = (attrs: { mode?: string } | undefined): number => {
      if (verb === "show" && opts.json) showJson(attrs);
      if (!attrs) return refuse("devlink answers: No such device");
      if (verb === "show" && !opts.json) ctx.out(attrs.mode ? `${dev}: mode ${attrs.mode}\n` : `${dev}:\n`);
      return 0;
    };
    const pciMatch = /^pci\/(.+)$/.exec(dev ?? "");
    if (pciMatch) {
      const pf = pciDevlink((await loadHost(ctx.stateDir)).state, pciMatch[1]!);
      if (pf && verb === "set") return refuse("devlink answers: Operation not supported");
      // devlink_nl_eswitch_fill put no mode attribute: pr_out_eswitch prints the handle alone.
      return answer(pf ? {} : undefined);
    }
    if (verb === "show") {
      const nsim = id === undefined ? undefined : findNsim((await loadHost(ctx.stateDir)).state, id);
      return answer(nsim ? { mode: nsim.eswitch } : undefined);
    }
    const found =
      id !== undefined &&
      (await withHost(ctx.stateDir, (host) => {
        const nsim = findNsim(host.state, id);
        if (!nsim) return false;
        setEswitchMode(nsim, mode as "legacy" | "switchdev");
        return true;
      }));
    return found ? 0 : refuse("devlink answers: No such device");
  },
});
