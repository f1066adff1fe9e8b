// iproute2's `ip link set DEV vf N ...` argument parser (ip/iplink.c iplink_parse_vf, with its
// own error texts and exit statuses) and `ip link show` output (ip/ipaddress.c print_vfinfo,
// the newer per-VF line format of control-plane.md §6.4).

import type { HostState } from "../host-model.ts";
import { IpJsonWriter } from "./ip-json.ts";
import type { Netdev } from "./netdevs.ts";
import { ETH_P_8021AD, ETH_P_8021Q } from "./state.ts";
import type { VfRequest } from "./vf-config.ts";
import { vfConfigOf, vfCount } from "./vf-config.ts";

/** A refusal by ip(8) itself: its stderr text and exit status (invarg → 255, others → 1). */
export class IpUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** iproute2's matches(): the word is a non-empty prefix of the keyword. */
function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

function invarg(msg: string, arg: string): never {
  // invarg() prints msg after the argument; msg already ends with "\n".
  throw new IpUsageError(`Error: argument "${arg}" is wrong: ${msg}\n`, 255);
}

/** strtoul/strtol base 0 over the whole word: leading white space, a sign, 0x hex, 0 octal. */
function strtoWhole(word: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const digits = m[2];
  const v = /^0[xX]/.test(digits)
    ? BigInt(digits)
    : digits.length > 1 && digits[0] === "0"
      ? BigInt(`0o${digits.slice(1)}`)
      : BigInt(digits);
  return m[1] === "-" ? -v : v;
}

/** get_unsigned(): strtoul base 0, the whole word, at most UINT_MAX ("-1" wraps past it: refused, "-0" is 0). */
function getUnsigned(word: string | undefined): number | undefined {
  if (word === undefined || word === "") return undefined;
  const v = strtoWhole(word);
  if (v === undefined) return undefined;
  const wrapped = v < 0n ? 2n ** 64n + v : v;
  return wrapped <= 0xffffffffn ? Number(wrapped) : undefined;
}

/** get_integer(): strtol base 0, the whole word, within int. */
function getInteger(word: string): number | undefined {
  const v = word === "" ? undefined : strtoWhole(word);
  return v !== undefined && v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : undefined;
}

/** glibc sscanf("%x"): white space, a sign, an optional 0x, hex digits; the rest is ignored. */
function scanHex(field: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(field);
  if (!m) return undefined;
  const v = Number.parseInt(m[2], 16); // any overflow is far above 255: refused either way
  return m[1] === "-" ? -v : v;
}

/** An Ethernet address is 6 bytes (nl_get_ll_addr_len of every netdev here). */
const ETH_ALEN = 6;

/**
 * ll_addr_a2n() then iplink_parse_vf()'s length check: colon-separated fields, each read with
 * sscanf("%x") (so "0x2" and "2g" are 2) and 0..255, up to 32 of them; a field that fails is
 * named alone (ll_addr_a2n cuts the word at each ':'). A word with a '.' is an IPv4 address
 * (4 bytes). A count other than 6 is "Invalid address length N - must be 6 bytes". Exit 1.
 */
function parseLladdr(word: string): string {
  const bad = (what: string) => new IpUsageError(`"${what}" is invalid lladdr.\n`, 1);
  let bytes: number[];
  if (word.includes(".")) {
    // get_addr_1(AF_INET): inet_pton's dotted quad.
    const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(word);
    if (!quad || quad.slice(1).some((q) => Number(q) > 255)) throw bad(word);
    bytes = quad.slice(1).map(Number);
  } else {
    bytes = [];
    const fields = word.split(":");
    for (let i = 0; i < 32 && i < fields.length; i++) {
      const v = scanHex(fields[i]);
      if (v === undefined || v < 0 || v > 255) throw bad(fields[i]);
      bytes.push(v);
    }
  }
  if (bytes.length !== ETH_ALEN)
    throw new IpUsageError(`Invalid address length ${bytes.length} - must be ${ETH_ALEN} bytes\n`, 1);
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** ll_proto_a2n(): the names of iproute2's lib/ll_proto.c (any case), else a 16-bit number. */
const LL_PROTO_NAMES = new Set(
  (
    "loop pup pupat ip x25 arp bpq ieeepup ieeepupat dec dna_dl dna_rc dna_rt lat diag cust sca " +
    "rarp atalk aarp ipx ipv6 ppp_disc ppp_ses atmmpoa atmfate 802_3 ax25 all 802_2 snap ddcmp " +
    "wan_ppp ppp_mp localtalk can ppptalk tr_802_2 mobitex control irda econet tipc profinet aoe " +
    "ethercat mpls_uc mpls_mc teb cfm lldp ipv4"
  ).split(" "),
);

/** The VLAN protocol of `proto WORD`: 802.1Q, 802.1ad, or ip(8)'s own refusal (exit 255). */
function parseVlanProto(word: string): number {
  const lower = word.toLowerCase();
  let id: number | undefined;
  if (lower === "802.1q") id = ETH_P_8021Q;
  else if (lower === "802.1ad") id = ETH_P_8021AD;
  else if (LL_PROTO_NAMES.has(lower))
    id = -1; // a known protocol, not a VLAN one
  else {
    const v = getUnsigned(word);
    if (v === undefined || v > 0xffff) invarg("protocol is invalid\n", word);
    id = v;
  }
  if (id !== ETH_P_8021Q && id !== ETH_P_8021AD)
    invarg('Invalid "vlan protocol" value - supported 802.1Q, 802.1ad\n', word);
  return id;
}

function onOff(key: string, word: string | undefined): boolean {
  if (word === "on") return true;
  if (word === "off") return false;
  throw new IpUsageError(`Error: argument of "${key}" must be "on" or "off", not "${word ?? ""}"\n`, 1);
}

/**
 * Parses the words after `vf`: "N [mac X] [vlan V [qos Q] [proto P]] [rate R] [max_tx_rate R]
 * [min_tx_rate R] [spoofchk on|off] [state auto|enable|disable] [trust on|off] [query_rss on|off]".
 * A numeric state (0 auto, 1 enable, 2 disable, others) is an iovsim extension that goes to
 * the kernel unchecked, to reach its EINVAL.
 */
export function parseVfArgs(words: string[]): VfRequest {
  const need = (i: number): string => {
    if (i >= words.length) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
    return words[i];
  };
  const vfWord = need(0);
  // get_integer(): a negative index is sent as it is; the kernel reads it as u32 (EINVAL).
  const vf = getInteger(vfWord);
  if (vf === undefined) invarg('Invalid "vf" value\n', vfWord);
  const req: VfRequest = { vf: vf >>> 0 };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (matches(w, "mac")) req.mac = parseLladdr(need(++i));
    else if (matches(w, "vlan")) {
      const v = getUnsigned(need(++i));
      // ip(8) itself refuses a VLAN ID above 4095 (iproute2 >= 4.15, "ip: validate vlan value").
      if (v === undefined || v > 4095) invarg('Invalid "vlan" value\n', words[i]);
      const vlan = { vlan: v, qos: 0, proto: ETH_P_8021Q };
      if (words[i + 1] !== undefined && matches(words[i + 1], "qos")) {
        i += 2;
        const q = getUnsigned(need(i));
        if (q === undefined) invarg('Invalid "qos" value\n', words[i]);
        vlan.qos = q;
      }
      if (words[i + 1] !== undefined && matches(words[i + 1], "proto")) {
        i += 2;
        vlan.proto = parseVlanProto(need(i));
      }
      req.vlan = vlan;
    } else if (matches(w, "rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "rate" value\n', words[i]);
      req.rate = r;
    } else if (matches(w, "max_tx_rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "max tx rate" value\n', words[i]);
      req.maxTxRate = r;
    } else if (matches(w, "min_tx_rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "min tx rate" value\n', words[i]);
      req.minTxRate = r;
    } else if (matches(w, "spoofchk")) req.spoofchk = onOff("spoofchk", need(++i));
    else if (matches(w, "query_rss")) req.rssQuery = onOff("query_rss", need(++i));
    else if (matches(w, "trust")) req.trust = onOff("trust", need(++i));
    else if (matches(w, "state")) {
      const s = need(++i);
      if (matches(s, "auto")) req.linkState = 0;
      else if (matches(s, "enable")) req.linkState = 1;
      else if (matches(s, "disable")) req.linkState = 2;
      else if (/^[0-9]+$/.test(s)) req.linkState = Number(s);
      else invarg('Invalid "state" value\n', s);
    } else if (i === 1) {
      // iplink_parse_vf() rewinds an unknown word; with no setting parsed: incomplete_command().
      break;
    } else {
      // Back in iplink_parse(), the word is taken for a second device name: duparg2().
      throw new IpUsageError(`Error: either "dev" is duplicate, or "${w}" is a garbage.\n`, 255);
    }
  }
  if (Object.keys(req).length === 1)
    throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
  return req;
}

/**
 * iplink_parse_vf()'s own check before anything is sent: with max_tx_rate or min_tx_rate, the
 * one not given comes from the VF's current rates, and a minimum above a non-zero maximum is
 * refused ("Invalid min_tx_rate ...", return -1: exit 255). The kernel and netdevsim do not check.
 */
export function checkTxRates(req: VfRequest, current: { minTxRate: number; maxTxRate: number }): void {
  if (req.minTxRate === undefined && req.maxTxRate === undefined) return;
  const min = req.minTxRate ?? current.minTxRate;
  const max = req.maxTxRate ?? current.maxTxRate;
  if (max && min > max)
    throw new IpUsageError(`Invalid min_tx_rate ${min} - must be <= max_tx_rate ${max}\n`, 255);
}

const LINK_STATES = ["auto", "enable", "disable"];

/** One `    vf N     link/ether ...` line, as print_vfinfo prints it. */
export function formatVfLine(state: HostState, nd: Netdev, i: number): string {
  const c = vfConfigOf(state, nd, i);
  let line = `    vf ${i}     link/ether ${c.mac} brd ff:ff:ff:ff:ff:ff`;
  if (c.vlan) line += `, vlan ${c.vlan}`;
  if (c.qos) line += `, qos ${c.qos}`;
  if (c.vlanProto !== ETH_P_8021Q) line += ", vlan protocol 802.1ad";
  // The kernel also reports max_tx_rate as the legacy IFLA_VF_TX_RATE.
  if (c.maxTxRate) line += `, tx rate ${c.maxTxRate} (Mbps)`;
  if (c.maxTxRate) line += `, max_tx_rate ${c.maxTxRate}Mbps`;
  if (c.minTxRate) line += `, min_tx_rate ${c.minTxRate}Mbps`;
  line += c.spoofchk ? ", spoof checking on" : ", spoof checking off";
  line += `, link-state ${LINK_STATES[c.linkState]}`;
  line += c.trust ? ", trust on" : ", trust off";
  if (nd.facts.reportsQueryRss) line += c.rssQuery ? ", query_rss on" : ", query_rss off";
  return line;
}

/** What iovsim models of a link for `ip link show`: the interface line's fields. */
interface LinkFacts {
  flags: string[];
  qdisc: string;
  operstate: string;
  /** IFLA_PARENT_DEV_BUS_NAME / IFLA_PARENT_DEV_NAME, printed by `-d`. */
  parentbus: string;
  parentdev: string;
}

function linkFacts(nd: Netdev): LinkFacts {
  return nd.owner.kind === "pci"
    ? {
        flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        qdisc: "mq",
        operstate: "UP",
        parentbus: "pci",
        parentdev: nd.owner.pf.bdf,
      }
    : {
        flags: ["BROADCAST", "NOARP"],
        qdisc: "noop",
        operstate: "DOWN",
        // SET_NETDEV_DEV(dev, &nsim_bus_dev->dev): the parent is the netdevsim bus device.
        parentbus: "netdevsim",
        parentdev: `netdevsim${nd.owner.dev.id}`,
      };
}

export interface LinkShowOptions {
  /** `ip -d`: print_linkinfo's show_details fields iovsim models. */
  details?: boolean;
}

/** `-d`'s fields, in print_linkinfo's order; the rest (minmtu, addrgenmode, queue counts,
 *  GSO/TSO/GRO sizes, portname, switchid) are not modelled (docs/linux-mode.md). */
function detailFields(nd: Netdev): Array<[string, string | number, string]> {
  const f = linkFacts(nd);
  // promiscuity/allmulti: no user of the simulated host puts the PF in either mode.
  return [
    ["promiscuity", 0, " promiscuity %s "],
    ["allmulti", 0, "allmulti %s "],
    ["parentbus", f.parentbus, "parentbus %s "],
    ["parentdev", f.parentdev, "parentdev %s "],
  ];
}

/** `ip link show DEV`: the link line, link/ether, one line per VF, then altname (iproute2
 *  prints IFLA_PROP_LIST after IFLA_VFINFO_LIST). */
export function formatLinkShow(state: HostState, nd: Netdev, opts: LinkShowOptions = {}): string {
  const f = linkFacts(nd);
  let ether = `    link/ether ${nd.mac} brd ff:ff:ff:ff:ff:ff`;
  if (opts.details) for (const [, v, fmt] of detailFields(nd)) ether += fmt.replace("%s", String(v));
  const lines = [
    `${nd.ifindex}: ${nd.name}: <${f.flags.join(",")}> mtu 1500 qdisc ${f.qdisc} state ${f.operstate} mode DEFAULT group default qlen 1000`,
    ether,
  ];
  const n = vfCount(state, nd);
  for (let i = 0; i < n; i++) lines.push(formatVfLine(state, nd, i));
  lines.push(`    altname ${nd.altname}`);
  return `${lines.join("\n")}\n`;
}

/** One VF of `ip -j link show`: print_vfinfo's PRINT_JSON/PRINT_ANY keys, in its order. */
function vfJson(w: IpJsonWriter, state: HostState, nd: Netdev, i: number): void {
  const c = vfConfigOf(state, nd, i);
  w.startObject();
  w.value(i, "vf")
    .value("ether", "link_type")
    .value(c.mac, "address")
    .value("ff:ff:ff:ff:ff:ff", "broadcast");
  // The kernel sends IFLA_VF_VLAN_LIST (one entry); zero fields are left out, as in the text.
  w.startArray("vlan_list").startObject();
  if (c.vlan) w.value(c.vlan, "vlan");
  if (c.qos) w.value(c.qos, "qos");
  if (c.vlanProto !== ETH_P_8021Q) w.value("802.1ad", "protocol");
  w.endObject().endArray();
  if (c.maxTxRate) w.value(c.maxTxRate, "tx_rate");
  w.startObject("rate").value(c.maxTxRate, "max_tx").value(c.minTxRate, "min_tx").endObject();
  w.value(c.spoofchk, "spoofchk");
  w.value(LINK_STATES[c.linkState]!, "link_state");
  w.value(c.trust, "trust");
  if (nd.facts.reportsQueryRss) w.value(c.rssQuery, "query_rss_en");
  w.endObject();
}

/** `ip -j [-p] [-d] link show [DEV]`: print_linkinfo's JSON for each link, in one array. */
export function linkShowJson(
  state: HostState,
  links: Netdev[],
  opts: LinkShowOptions & { pretty?: boolean } = {},
): string {
  const w = new IpJsonWriter(opts.pretty ?? false);
  w.startArray();
  for (const nd of links) {
    const f = linkFacts(nd);
    w.startObject();
    w.value(nd.ifindex, "ifindex").value(nd.name, "ifname");
    w.startArray("flags");
    for (const flag of f.flags) w.value(flag);
    w.endArray();
    w.value(1500, "mtu").value(f.qdisc, "qdisc").value(f.operstate, "operstate");
    w.value("DEFAULT", "linkmode").value("default", "group").value(1000, "txqlen");
    w.value("ether", "link_type").value(nd.mac, "address").value("ff:ff:ff:ff:ff:ff", "broadcast");
    if (opts.details) for (const [key, v] of detailFields(nd)) w.value(v, key);
    const n = vfCount(state, nd);
    // ip prints vfinfo_list only when the kernel sent IFLA_NUM_VF (dev->dev.parent: PCI, netdevsim).
    w.startArray("vfinfo_list");
    for (let i = 0; i < n; i++) vfJson(w, state, nd, i);
    w.endArray();
    w.startArray("altnames").value(nd.altname).endArray();
    w.endObject();
  }
  w.endArray();
  return w.done();
}
