// `iovsim ip link set DEV vf N ...` / `iovsim ip link show [DEV]`: iproute2's ip(8) for SR-IOV VF
// settings on the Linux view of the simulated host, with ip's messages and exit statuses
// (kernel refusals: "RTNETLINK answers: <strerror>", exit 2). See docs/linux-mode.md.
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import {
  findNetdev,
  formatLinkShow,
  IpUsageError,
  isUp,
  type LinkSetLookup,
  type LinkShowOptions,
  linkShowJson,
  linuxStrerror,
  type MtuResult,
  netdevs,
  parseLinkSet,
  setMtu,
  setVf,
  vfConfigOf,
  vfCount,
} from "../../nic/linux/index.ts";
import type { CommandContext } from "../context.ts";
import { defineRawCommand, unknownOption } from "../registry.ts";
import { iproute2Help } from "./iproute2-help.ts";

/** iproute2's matches(): the word is a non-empty prefix of the keyword. */
function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

/** ip/ip.c cmds[], in its order: do_cmd() takes the first one the word is a prefix of. */
const IP_OBJECTS = [
  "address",
  "addrlabel",
  "maddress",
  "route",
  "rule",
  "neighbor",
  "neighbour",
  "ntable",
  "ntbl",
  "link",
  "l2tp",
  "fou",
  "ila",
  "macsec",
  "tunnel",
  "tunl",
  "tuntap",
  "tap",
  "token",
  "tcpmetrics",
  "tcp_metrics",
  "monitor",
  "xfrm",
  "mroute",
  "mrule",
  "netns",
  "netconf",
  "vrf",
  "sr",
  "nexthop",
  "mptcp",
  "ioam",
  "help",
  "stats",
];

/** ip/iplink.c do_iplink(): which action a word names, checked in its order. */
function linkVerb(word: string): "set" | "show" | "other" | undefined {
  if (matches(word, "add")) return "other";
  if (matches(word, "set") || matches(word, "change")) return "set";
  if (matches(word, "replace") || matches(word, "delete")) return "other";
  if (matches(word, "show") || matches(word, "lst") || matches(word, "list")) return "show";
  for (const k of ["xstats", "afstats", "property", "help"]) if (matches(word, k)) return "other";
  return undefined;
}

const HELP = `usage: iovsim ip [OPTIONS] link set [dev] DEV vf N [mac LLADDR]
                                 [vlan VLANID [qos VLAN-QOS] [proto 802.1Q|802.1ad]]
                                 [rate TXRATE] [max_tx_rate TXRATE] [min_tx_rate TXRATE]
                                 [spoofchk on|off] [state auto|enable|disable]
                                 [trust on|off] [query_rss on|off]
       iovsim ip link set [dev] DEV mtu N
       iovsim ip [OPTIONS] link show [[dev] DEV] [up|down] [novf]
OPTIONS (before "link", each a prefix of ip(8)'s word, one or two dashes):
  -d, -details   the details print_linkinfo adds: promiscuity, allmulti, minmtu, maxmtu,
                 parentbus, parentdev
  -s, -stats     the link's and each VF's counters (print_stats64, print_vf_stats64): all 0,
                 as nothing on the simulated host counts packets; -s -s is not simulated
  -j, -json      iproute2's JSON: one array of links, each with vfinfo_list
  -p, -pretty    with -j: indented, one member a line

iproute2's VF settings on the Linux view of the simulated host (docs/linux-mode.md). DEV is a
PCI PF by its host name or systemd name (ixl0 = enp1s0f0) or a netdevsim port (sim<ID>, also
eni<ID>np1). Settings can change at any time while the VFs exist (FreeBSD: only at -C).

On a PCI PF they reach the data plane: mac -> the VF's MAC filter and anti-spoof address,
spoofchk -> MAC anti-spoofing, trust -> may change its MAC and go promiscuous, vlan -> port
VLAN. New VFs start with anti-spoof on, trust off, no admin MAC (00:00:00:00:00:00).

'show' filters as ip(8): up or down (IFF_UP: the PCI PFs are up, netdevsim ports down), novf
(no VF lines, no vfinfo_list); its other filters (type, group, master, ...) are not simulated.

mtu N sets the MTU of DEV, any netdev (a PF, a VF's own as iavf0 or ixv1, a netdevsim port;
1500 at boot; lo stays 65536), shown by 'show', -j and sysfs
/sys/class/net/DEV/mtu (writable too), kept in the state. Its range is the driver's: 68 to
max_mtu from the NIC profile's frames (i40e/iavf 9702, ixgbe/ixgbevf 9710, igb/igbvf 9216,
netdevsim 65535). paths --host runs each path at its interface's MTU (docs/linux-mode.md).

Refusals, as ip(8) prints them:
  mtu above the driver's maximum   Error: mtu greater than device maximum.    exit 2
  mtu below 68                     Error: mtu less than device minimum.       exit 2
  an 82599 VF (ixgbevf) above 1500 while its PF is at 1500 (dmesg: VF max_frame N out of
  range)                           RTNETLINK answers: Invalid argument        exit 2
  VF index >= num_vfs, multicast MAC, qos > 7, a numeric state other than 0/1/2,
  min_tx_rate on a PCI PF, max_tx_rate above link speed (ixgbe: or 1..10)
                               RTNETLINK answers: Invalid argument          exit 2
  rate while netdevsim is in switchdev mode (dmesg: Not supported in switchdev mode. Please
  use devlink API.)            RTNETLINK answers: Operation not supported   exit 2
  proto 802.1ad on i40e/ixgbe/igb   RTNETLINK answers: Protocol not supported  exit 2
  query_rss on i40e/igb, state on igb
                               RTNETLINK answers: Operation not supported   exit 2
  VFs created by iovctl -C (the FreeBSD view owns them)
                               RTNETLINK answers: Device or resource busy   exit 2
  a bad word ("vlan x", "vlan 4096", "state foo", "proto ipv6")
                               Error: argument "x" is wrong: ...            exit 255
  a bad MAC                    "zz" is invalid lladdr.  or
                               Invalid address length 5 - must be 6 bytes   exit 1
  no setting after "vf N"      Command line is not complete. Try option "help"  exit 255
  min_tx_rate above a non-zero max_tx_rate (the one not given: the VF's current rate)
                               Invalid min_tx_rate M - must be <= max_tx_rate X  exit 1
  max_tx_rate or min_tx_rate alone for a VF that does not exist
                               Cannot find VF N                             exit 1
  node_guid/port_guid (InfiniBand only)
                               RTNETLINK answers: Operation not supported   exit 2
  no such device               Cannot find device "DEV"                     exit 1
The zero MAC is accepted and means "unset". Like the kernel, settings before a refused one
in the same command stay applied. Several "vf N ..." groups in one command are all checked,
but only the last one is applied (the kernel keeps the last IFLA_VFINFO_LIST), as on Linux.

What reaches the data plane of paths/ping --host: mac, vlan/qos, spoofchk and trust program
the NIC's switch; mtu the paths' MTU (paths --host); rate/max_tx_rate limit the VF's transmit in the NIC's scheduler (i40e: in
50 Mbps credits; ixgbe/igb: a rate factor); state disable makes a path through the VF carry
nothing (docs/linux-mode.md, What reaches the data plane).

Divergences: only "link set ... vf", "link set ... mtu" and "link show" are simulated;
the interface lines of 'show' (flags, qdisc, ifindex) are representative, and a VF's own
netdev is always down; -d leaves out what iovsim does not model (addrgenmode,
numtxqueues/numrxqueues, GSO/TSO/GRO sizes, portname, portid, switchid);
mtu on lo is refused as not simulated (lo stays 65536);
"state" also takes a number (iovsim extension, to reach the kernel's EINVAL for an unknown
link state); -h, --help and the word "help" print this text (ip(8)'s -h means -human); ip's
other options (-o, -br, -c, -n, ...) are refused as not simulated, exit 1.
As in ip(8): an option it does not know is 'Option "-x" is unknown, try "ip -help".' (exit
255); objects and actions are prefixes matched in ip's order ('ip l s' is set, 'ip li sh' and
'ip l ls' show, 'change' is set); an unknown object is 'Object "x" is unknown, try "ip help".'
(exit 1), an unknown action 'Command "x" is unknown, try "ip link help".' (exit 255).
`;

/** ip(8)'s global options (ip/ip.c main), matched as it does: a prefix of the word. */
const IP_OPTIONS_BY_PREFIX = [
  "-loops",
  "-family",
  "-human",
  "-human-readable",
  "-iec",
  "-stats",
  "-statistics",
  "-details",
  "-resolve",
  "-oneline",
  "-timestamp",
  "-tshort",
  "-Version",
  "-force",
  "-batch",
  "-brief",
  "-json",
  "-pretty",
  "-rcvbuf",
  "-color",
  "-colour",
  "-help",
  "-netns",
  "-Numeric",
  "-all",
];
const IP_OPTIONS_EXACT = ["-4", "-6", "-0", "-M", "-B", "-echo"];

interface IpOptions extends LinkShowOptions {
  json?: boolean;
  pretty?: boolean;
}

/** The options before the object, as ip/ip.c's main loop reads them; the rest of the words. */
function parseIpOptions(args: string[]): { opts: IpOptions; rest: string[] } {
  const opts: IpOptions = {};
  let i = 0;
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    if (args[i] === "--") {
      i++;
      break;
    }
    const opt = args[i]!.startsWith("--") ? args[i]!.slice(1) : args[i]!;
    const known = IP_OPTIONS_EXACT.includes(opt) ? opt : IP_OPTIONS_BY_PREFIX.find((o) => o.startsWith(opt));
    if (known === "-details") opts.details = true;
    else if (known === "-stats" || known === "-statistics") {
      // -s -s adds the error counters, among them carrier_changes, which iovsim does not keep.
      if (opts.stats)
        throw new UserError("E_USAGE", "ip: '-s -s' (error counters) is not simulated (one -s)");
      opts.stats = true;
    } else if (known === "-json") opts.json = true;
    else if (known === "-pretty") opts.pretty = true;
    else if (known !== undefined && opt.length > 1)
      throw new UserError(
        "E_USAGE",
        `ip: option '${args[i]}' (${known}) is not simulated (only -d, -s, -j, -p)`,
      );
    // ip/ip.c main(): the option as read (one dash of "--x" dropped), exit(-1).
    else throw new IpUsageError(`Option "${opt}" is unknown, try "ip -help".\n`, 255);
  }
  // After the object ip(8) reads words ("vlan -1" is a value), but a "--word" is no ip word:
  // an option given in the wrong place, refused as every command refuses one.
  const stray = args.slice(i).find((a) => a.startsWith("--"));
  if (stray !== undefined) throw unknownOption("ip", stray);
  return { opts, rest: args.slice(i) };
}

/** ipaddr_list_flush_or_save()'s other filter words: iovsim has no addresses, groups or masters. */
const SHOW_FILTERS_NOT_SIMULATED = new Set([
  "to",
  "scope",
  "label",
  "group",
  "master",
  "vrf",
  "nomaster",
  "type",
  "proto",
]);

async function show(words: string[], opts: IpOptions, ctx: CommandContext): Promise<number> {
  const state = (await loadHost(ctx.stateDir)).state;
  // ipaddr_list_flush_or_save(): filter words, else a device name ("dev" needs one: NEXT_ARG);
  // a second name is duparg2().
  let dev: string | undefined;
  let up = false;
  let down = false;
  let novf = false;
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    if (w === "up") up = true;
    else if (w === "down") down = true;
    else if (w === "novf") novf = true;
    else if (SHOW_FILTERS_NOT_SIMULATED.has(w))
      throw new UserError(
        "E_USAGE",
        `ip link show: the filter '${w}' is not simulated (only up, down, novf)`,
      );
    else {
      if (w === "dev") {
        if (i + 1 >= words.length) {
          ctx.err('Command line is not complete. Try option "help"\n');
          return 255;
        }
        w = words[++i]!;
      }
      if (dev !== undefined) {
        ctx.err(`Error: either "dev" is duplicate, or "${w}" is garbage.\n`);
        return 255;
      }
      dev = w;
    }
  }
  const links = dev === undefined ? netdevs(state) : [findNetdev(state, dev)];
  if (dev !== undefined && !links[0]) {
    ctx.err(`Device "${dev}" does not exist.\n`);
    return 1;
  }
  // print_linkinfo() skips a link the up/down filter rules out (a named one too); in JSON
  // its object was already opened, so an empty one stays in the array.
  const all = links.filter((l): l is NonNullable<typeof l> => l !== undefined);
  const skipped = (l: (typeof all)[number]) => (up && !isUp(l)) || (down && isUp(l));
  const showOpts = { ...opts, novf };
  if (opts.json) ctx.out(linkShowJson(state, all, showOpts, skipped));
  else for (const l of all) if (!skipped(l)) ctx.out(formatLinkShow(state, l, showOpts));
  return 0;
}

async function set(words: string[], ctx: CommandContext): Promise<number> {
  let result: MtuResult;
  try {
    result = await withHost(ctx.stateDir, (host) => {
      const lookup: LinkSetLookup = {
        exists: (name) => findNetdev(host.state, name) !== undefined,
        vfRates: (name, vf) => {
          const nd = findNetdev(host.state, name);
          if (nd?.owner.kind === "vf" || nd?.owner.kind === "loopback") return null;
          return nd && vf < vfCount(host.state, nd) ? vfConfigOf(host.state, nd, vf) : undefined;
        },
      };
      // ip(8)'s own refusals are thrown out of withHost, so nothing is written.
      const req = parseLinkSet(words, lookup);
      const nd = findNetdev(host.state, req.dev)!;
      // do_setlink applies IFLA_MTU before IFLA_VFINFO_LIST: a refused MTU stops there.
      if (req.mtu !== undefined) {
        if (nd.owner.kind === "loopback")
          throw new UserError(
            "E_USAGE",
            `ip link set ${nd.name} mtu: lo's MTU is not simulated (it stays 65536)`,
          );
        const r = setMtu(host.state, nd.owner, nd.port, req.mtu);
        if (!r.ok) return r;
      }
      // Nothing but the device: ip(8) sends an empty request, which succeeds.
      if (req.vf === undefined) return { ok: true as const };
      return setVf(host.state, nd, req.vf);
    });
  } catch (e) {
    if (!(e instanceof IpUsageError)) throw e;
    ctx.err(e.message);
    return e.exitCode;
  }
  if (result.ok) return 0;
  // An extack message is printed instead of strerror (lib/libnetlink.c nl_dump_ext_ack adds the '.').
  if ("extack" in result) ctx.err(`Error: ${result.extack}.\n`);
  else ctx.err(`RTNETLINK answers: ${linuxStrerror(result.errno)}\n`);
  return 2;
}

export const command = defineRawCommand({
  name: "ip",
  summary: "ip link set DEV vf N ... / ip [-d] [-j [-p]] link show: Linux VF settings (iproute2)",
  help: HELP,
  rawArgv:
    "ip(8)'s own options before the object (-d, -j, -p as prefixes of -details, -json, -pretty, one or two dashes, as ip/ip.c matches them); -h, --help or the word help print this help.",
  async run(argv, ctx) {
    const helped = iproute2Help(argv, ctx, HELP);
    if (helped !== undefined) return helped;
    let parsed: ReturnType<typeof parseIpOptions>;
    try {
      parsed = parseIpOptions(argv);
    } catch (e) {
      if (!(e instanceof IpUsageError)) throw e;
      ctx.err(e.message);
      return e.exitCode;
    }
    const { opts, rest: args } = parsed;
    if (args.length === 0) {
      ctx.err(HELP);
      return 1;
    }
    const [obj, verb, ...rest] = args;
    const object = IP_OBJECTS.find((o) => matches(obj!, o));
    if (object === undefined) {
      ctx.err(`Object "${obj}" is unknown, try "ip help".\n`);
      return 1;
    }
    if (object !== "link")
      throw new UserError(
        "E_USAGE",
        `ip: only the 'link' object is simulated (got '${obj}', ip's '${object}')`,
      );
    // `ip link` alone lists the links; `ip l s` is set (do_iplink tries "set" before "show").
    const action = verb === undefined ? "show" : linkVerb(verb);
    if (action === "show") return show(rest, opts, ctx);
    if (action === "set") return set(rest, ctx);
    if (action === undefined) {
      ctx.err(`Command "${verb}" is unknown, try "ip link help".\n`);
      return 255;
    }
    throw new UserError("E_USAGE", `ip link: only 'set' and 'show' are simulated (got '${verb}')`);
  },
});
