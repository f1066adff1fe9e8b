// iproute2's `ip link set DEV vf N ...` argument parser (ip/iplink.c iplink_parse_vf, with its
// own error texts and exit statuses) and `ip link show` output (ip/ipaddress.c print_vfinfo,
// the newer per-VF line format of control-plane.md §6.4).

import { UserError } from "../../errors.ts";
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
function parseLladdr(word: string, checkLength: boolean): string {
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
  if (checkLength && bytes.length !== ETH_ALEN)
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

/**
 * parse_on_off() (lib/utils.c): the exact word (strcmp since iproute2 6.7), else
 * __parse_one_of()'s message listing its values in their order ("off", "on"; since 5.11).
 */
function onOff(key: string, word: string | undefined): boolean {
  if (word === "on") return true;
  if (word === "off") return false;
  throw new IpUsageError(`Error: argument of "${key}" must be one of "off", "on", not "${word ?? ""}"\n`, 1);
}

/** ip(8) reads the device while it parses: whether it exists, and a VF's current rates. */
export interface LinkSetLookup {
  /** ll_name_to_index() / nl_get_ll_addr_len(): the device exists (its MAC is 6 bytes). */
  exists(dev: string): boolean;
  /**
   * ipaddr_get_vf_rate(): VF `vf`'s rates as the kernel reports them; undefined: no such VF;
   * null: the device reports no VF list at all (a VF's own netdev), so nothing is filled in.
   */
  vfRates(dev: string, vf: number): { minTxRate: number; maxTxRate: number } | undefined | null;
}

/** What `ip link set DEV [vf N ...]...` sends: the device and the VF settings the kernel applies. */
export interface LinkSetRequest {
  dev: string;
  /**
   * The last `vf N ...` group. Each group is its own IFLA_VFINFO_LIST attribute and rtnetlink's
   * (liberal) nla_parse keeps the last attribute of a type, so only that group is applied.
   */
  vf?: VfRequest;
  /** `mtu N` (IFLA_MTU): get_integer()'s value, sent as the u32 it is. */
  mtu?: number;
}

/** ip link set's own keywords (ip/iplink.c iplink_parse) that iovsim does not simulate. */
const LINK_SET_EXACT = new Set(
  (
    "up down name index xdp xdpgeneric xdpdrv xdpoffload netns multicast allmulticast promisc " +
    "trailers arp carrier vrf mode state group protodown protodown_reason gso_max_size gso_max_segs " +
    "gro_max_size gso_ipv4_max_size gro_ipv4_max_size parentdev brd qlen inet"
  ).split(" "),
);
const LINK_SET_PREFIX = [
  "link",
  "address",
  "broadcast",
  "txqueuelen",
  "txqlen",
  "master",
  "nomaster",
  "dynamic",
  "type",
  "alias",
  "numtxqueues",
  "numrxqueues",
  "addrgenmode",
  "link-netns",
  "link-netnsid",
];

/** lib/utils.c get_guid(): exactly "xx:xx:xx:xx:xx:xx:xx:xx", each field 2 hex digits. */
function isGuid(word: string): boolean {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){7}$/.test(word);
}

/**
 * `ip link set` after the action, as iplink_parse() reads it: `[dev] DEV`, any number of
 * `vf N SETTINGS` groups (iplink_parse_vf), nothing else simulated. ip(8)'s refusals are thrown
 * as IpUsageError with its text and exit status (exit(-1) → 255, a returned -1 → 1).
 * A numeric `state` (0 auto, 1 enable, 2 disable, others) is an iovsim extension that goes to
 * the kernel unchecked, to reach its EINVAL.
 */
export function parseLinkSet(words: string[], lookup: LinkSetLookup): LinkSetRequest {
  const incomplete = () => new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
  let dev: string | undefined;
  let last: VfRequest | undefined;
  let mtu: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "mtu") {
      // iplink_parse(): NEXT_ARG, duparg() for a second one, get_integer() (strtol base 0).
      if (i + 1 >= words.length) throw incomplete();
      const v = words[++i];
      if (mtu !== undefined)
        throw new IpUsageError(`Error: duplicate "mtu": "${v}" is the second value.\n`, 255);
      const n = getInteger(v);
      if (n === undefined) invarg('Invalid "mtu" value\n', v);
      mtu = n;
    } else if (w === "vf") {
      if (i + 1 >= words.length) throw incomplete();
      const vf = getInteger(words[++i]);
      if (vf === undefined) invarg('Invalid "vf" value\n', words[i]);
      if (dev === undefined) throw new IpUsageError('Error: argument "dev" is required\n', 255);
      const group = parseVfGroup(words, i + 1, vf, dev, lookup);
      last = group.req;
      i = group.next - 1;
    } else if (LINK_SET_EXACT.has(w) || LINK_SET_PREFIX.some((k) => matches(w, k))) {
      throw new UserError(
        "E_USAGE",
        `ip link set: '${w}' is not simulated (only 'vf N ...' settings and 'mtu N')`,
      );
    } else {
      let name = w;
      if (w === "dev") {
        if (i + 1 >= words.length) throw incomplete();
        name = words[++i];
      }
      // A second device name: duparg2() (iproute2 >= 6.13 says "is garbage", before "is a garbage").
      if (dev !== undefined)
        throw new IpUsageError(`Error: either "dev" is duplicate, or "${name}" is garbage.\n`, 255);
      dev = name;
    }
  }
  if (dev === undefined) throw new IpUsageError('Not enough information: "dev" argument is required.\n', 255);
  if (!lookup.exists(dev)) throw new IpUsageError(`Cannot find device "${dev}"\n`, 1);
  return { dev, vf: last, ...(mtu !== undefined ? { mtu } : {}) };
}

/** iplink_parse_vf_vlan_info(): VLANID, then an optional qos, then an optional proto. */
function parseVlanInfo(words: string[], at: number): { vlan: NonNullable<VfRequest["vlan"]>; next: number } {
  let i = at;
  if (i >= words.length) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
  const v = getUnsigned(words[i]);
  // ip(8) itself refuses a VLAN ID above 4095 (iproute2 >= 4.15, "ip: validate vlan value").
  if (v === undefined || v > 4095) invarg('Invalid "vlan" value\n', words[i]);
  const vlan = { vlan: v, qos: 0, proto: ETH_P_8021Q };
  if (words[i + 1] !== undefined && matches(words[i + 1], "qos")) {
    i += 2;
    if (i >= words.length) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
    const q = getUnsigned(words[i]);
    if (q === undefined) invarg('Invalid "qos" value\n', words[i]);
    vlan.qos = q;
  }
  if (words[i + 1] !== undefined && matches(words[i + 1], "proto")) {
    i += 2;
    if (i >= words.length) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
    vlan.proto = parseVlanProto(words[i]);
  }
  return { vlan, next: i + 1 };
}

/** iplink_parse_vf(): the settings of one `vf N` group, from words[at]; next: the first word not read. */
function parseVfGroup(
  words: string[],
  at: number,
  vfIndex: number,
  dev: string,
  lookup: LinkSetLookup,
): { req: VfRequest; next: number } {
  const need = (i: number): string => {
    if (i >= words.length) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
    return words[i];
  };
  // Its first pass looks at every word left on the line (later groups too): any max_tx_rate or
  // min_tx_rate means the new rate API (IFLA_VF_RATE); max_tx_rate also makes `rate` ignored.
  const after = words.slice(at);
  const newRateApi = after.some((w) => matches(w, "max_tx_rate") || matches(w, "min_tx_rate"));
  const overrideLegacy = after.some((w) => matches(w, "max_tx_rate"));
  // get_integer(): a negative index is sent as it is; the kernel reads it as u32 (EINVAL).
  const req: VfRequest = { vf: vfIndex >>> 0 };
  let min: number | undefined;
  let max: number | undefined;
  let i = at;
  for (; i < words.length; i++) {
    const w = words[i];
    if (matches(w, "mac")) {
      // nl_get_ll_addr_len() of a device that does not exist is -1: no length check then.
      req.mac = parseLladdr(need(++i), lookup.exists(dev));
    } else if (matches(w, "vlan")) {
      const first = parseVlanInfo(words, i + 1);
      i = first.next - 1;
      if (first.vlan.proto === ETH_P_8021Q)
        req.vlan = first.vlan; // IFLA_VF_VLAN: the last one counts
      else {
        // IFLA_VF_VLAN_LIST: every `vlan` right after joins the list (the kernel takes one).
        const list = [first.vlan];
        while (words[i + 1] !== undefined && matches(words[i + 1], "vlan")) {
          const more = parseVlanInfo(words, i + 2);
          list.push(more.vlan);
          i = more.next - 1;
        }
        req.vlanList = list;
      }
    } else if (matches(w, "rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "rate" value\n', words[i]);
      if (!newRateApi) req.rate = r;
      else if (!overrideLegacy) max = r;
    } else if (matches(w, "max_tx_rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "max tx rate" value\n', words[i]);
      max = r;
    } else if (matches(w, "min_tx_rate")) {
      const r = getUnsigned(need(++i));
      if (r === undefined) invarg('Invalid "min tx rate" value\n', words[i]);
      min = r;
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
    } else if (matches(w, "node_guid") || matches(w, "port_guid")) {
      const g = need(++i);
      if (!isGuid(g)) invarg("Invalid GUID format\n", g);
      if (matches(w, "node_guid")) req.nodeGuid = true;
      else req.portGuid = true;
    } else break; // rewound: back in iplink_parse(), which reads it as its own word
  }
  if (i === at) throw new IpUsageError(`Command line is not complete. Try option "help"\n`, 255);
  if (newRateApi) {
    if (min === undefined || max === undefined) {
      // ipaddr_get_vf_rate(): the missing one is the VF's current rate, asked of the kernel.
      if (!lookup.exists(dev)) throw new IpUsageError(`Device ${dev} does not exist\n`, 1);
      const cur = lookup.vfRates(dev, req.vf);
      if (cur === undefined) throw new IpUsageError(`Cannot find VF ${vfIndex}\n`, 1);
      // No VF list: tivt keeps its -1 (0xffffffff as the __u32 it is).
      min ??= cur === null ? 0xffffffff : cur.minTxRate;
      max ??= cur === null ? 0xffffffff : cur.maxTxRate;
    }
    // __u32 fields compared, printed with %d; iplink_parse_vf returns -1: exit 1.
    if (max !== 0 && min > max)
      throw new IpUsageError(`Invalid min_tx_rate ${min | 0} - must be <= max_tx_rate ${max | 0}\n`, 1);
    req.minTxRate = min;
    req.maxTxRate = max;
  }
  return { req, next: i };
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
export interface LinkFacts {
  flags: string[];
  mtu: number;
  qdisc: string;
  operstate: string;
  /** link/<type> (ARPHRD_ETHER or ARPHRD_LOOPBACK) and the broadcast address beside it. */
  linkType: "ether" | "loopback";
  broadcast: string;
  /** IFLA_PARENT_DEV_BUS_NAME / IFLA_PARENT_DEV_NAME, printed by `-d`; lo has no parent. */
  parentbus?: string;
  parentdev?: string;
}

const ETHER = { linkType: "ether", broadcast: "ff:ff:ff:ff:ff:ff" } as const;

export function linkFacts(nd: Netdev): LinkFacts {
  return { ...ownerFacts(nd), mtu: nd.mtu.mtu };
}

function ownerFacts(nd: Netdev): Omit<LinkFacts, "mtu"> {
  // loopback_setup(): IFF_LOOPBACK, mtu 64 KiB, no queue (noqueue), no carrier state to report
  // (UNKNOWN), ARPHRD_LOOPBACK with an all-zero address and broadcast; up from boot.
  if (nd.owner.kind === "loopback")
    return {
      flags: ["LOOPBACK", "UP", "LOWER_UP"],
      qdisc: "noqueue",
      operstate: "UNKNOWN",
      linkType: "loopback",
      broadcast: "00:00:00:00:00:00",
    };
  // A VF's netdev is not brought up by anyone on the simulated host (ip link set up is not
  // simulated): down, no qdisc yet, as a fresh iavf/ixgbevf/igbvf interface.
  if (nd.owner.kind === "vf")
    return {
      ...ETHER,
      flags: ["BROADCAST", "MULTICAST"],
      qdisc: "noop",
      operstate: "DOWN",
      parentbus: "pci",
      parentdev: nd.owner.bdf,
    };
  return nd.owner.kind === "pci"
    ? {
        ...ETHER,
        flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        qdisc: "mq",
        operstate: "UP",
        parentbus: "pci",
        parentdev: nd.owner.pf.bdf,
      }
    : {
        ...ETHER,
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
  /** `ip link show ... novf`: no RTEXT_FILTER_VF asked, so no VF lines and no vfinfo_list. */
  novf?: boolean;
  /** `ip -s`: the link's and each VF's counters (all zero: see linkStatsLines). */
  stats?: boolean;
}

/*
 * `ip -s`: print_stats64() and print_vf_stats64() (ip/ipaddress.c). Nothing on the simulated
 * host counts packets (the control plane moves none, and `paths`/`ping --host` only read the
 * state), so every counter the kernel would report is 0; with zeros no column widens.
 * print_num() is "%*u " (a trailing space).
 */
const num = (width: number) => `${"0".padStart(width)} `;
const LINK_STATS_TEXT = [
  `    RX:  bytes packets errors dropped  missed   mcast ${" ".repeat(10)}`,
  `    ${num(10)}${num(7)}${num(6)}${num(7)}${num(7)}${num(7)}`,
  `    TX:  bytes packets errors dropped carrier collsns ${" ".repeat(10)}`,
  `    ${num(10)}${num(7)}${num(6)}${num(7)}${num(7)}${num(7)}`,
];
const VF_STATS_TEXT = [
  "    RX: bytes  packets  mcast   bcast   dropped ",
  `    ${num(10)}${num(8)}${num(7)}${num(7)}${num(8)}`,
  "    TX: bytes  packets   dropped ",
  `    ${num(10)}${num(8)}${num(8)}`,
];

/** IFF_UP, as `ip link show up|down` filters on it (print_linkinfo). */
export function isUp(nd: Netdev): boolean {
  return linkFacts(nd).flags.includes("UP");
}

/** `-d`'s fields, in print_linkinfo's order; the rest (addrgenmode, queue counts, GSO/TSO/GRO
 *  sizes, portname, switchid) are not modelled (docs/linux-mode.md). */
function detailFields(nd: Netdev): Array<[string, string | number, string]> {
  const f = linkFacts(nd);
  // promiscuity/allmulti: no user of the simulated host puts the PF in either mode.
  const fields: Array<[string, string | number, string]> = [
    ["promiscuity", 0, " promiscuity %s "],
    ["allmulti", 0, "allmulti %s "],
    // IFLA_MIN_MTU / IFLA_MAX_MTU: the kernel always sends them (lo: 0 and 0).
    ["min_mtu", nd.mtu.minMtu, "minmtu %s "],
    ["max_mtu", nd.mtu.maxMtu, "maxmtu %s "],
  ];
  // print_linkinfo prints the parent only when the kernel sends it (dev->dev.parent set).
  if (f.parentbus !== undefined) fields.push(["parentbus", f.parentbus, "parentbus %s "]);
  if (f.parentdev !== undefined) fields.push(["parentdev", f.parentdev, "parentdev %s "]);
  return fields;
}

/** `ip link show DEV`: the link line, link/ether, one line per VF, then altname (iproute2
 *  prints IFLA_PROP_LIST after IFLA_VFINFO_LIST). */
export function formatLinkShow(state: HostState, nd: Netdev, opts: LinkShowOptions = {}): string {
  const f = linkFacts(nd);
  let ether = `    link/${f.linkType} ${nd.mac} brd ${f.broadcast}`;
  if (opts.details) for (const [, v, fmt] of detailFields(nd)) ether += fmt.replace("%s", String(v));
  const lines = [
    `${nd.ifindex}: ${nd.name}: <${f.flags.join(",")}> mtu ${f.mtu} qdisc ${f.qdisc} state ${f.operstate} mode DEFAULT group default qlen 1000`,
    ether,
  ];
  if (opts.stats) lines.push(...LINK_STATS_TEXT);
  const n = opts.novf ? 0 : vfCount(state, nd);
  for (let i = 0; i < n; i++) {
    lines.push(formatVfLine(state, nd, i));
    if (opts.stats) lines.push(...VF_STATS_TEXT);
  }
  if (nd.altname !== undefined) lines.push(`    altname ${nd.altname}`);
  return `${lines.join("\n")}\n`;
}

/** One VF of `ip -j link show`: print_vfinfo's PRINT_JSON/PRINT_ANY keys, in its order. */
function vfJson(w: IpJsonWriter, state: HostState, nd: Netdev, i: number, stats: boolean): void {
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
  if (stats) {
    w.startObject("stats").startObject("rx");
    for (const k of ["bytes", "packets", "multicast", "broadcast", "dropped"]) w.value(0, k);
    w.endObject().startObject("tx");
    for (const k of ["tx_bytes", "tx_packets", "dropped"]) w.value(0, k);
    w.endObject().endObject();
  }
  w.endObject();
}

/** `ip -j [-p] [-d] link show [DEV]`: print_linkinfo's JSON for each link, in one array. */
export function linkShowJson(
  state: HostState,
  links: Netdev[],
  opts: LinkShowOptions & { pretty?: boolean } = {},
  skipped: (nd: Netdev) => boolean = () => false,
): string {
  const w = new IpJsonWriter(opts.pretty ?? false);
  w.startArray();
  for (const nd of links) {
    const f = linkFacts(nd);
    w.startObject();
    // ipaddr_list_flush_or_save() and iplink_get() open the link's object before
    // print_linkinfo() returns early for a link the filter rules out: an empty object is left.
    if (skipped(nd)) {
      w.endObject();
      continue;
    }
    w.value(nd.ifindex, "ifindex").value(nd.name, "ifname");
    w.startArray("flags");
    for (const flag of f.flags) w.value(flag);
    w.endArray();
    w.value(f.mtu, "mtu").value(f.qdisc, "qdisc").value(f.operstate, "operstate");
    w.value("DEFAULT", "linkmode").value("default", "group").value(1000, "txqlen");
    w.value(f.linkType, "link_type").value(nd.mac, "address").value(f.broadcast, "broadcast");
    if (opts.details) for (const [key, v] of detailFields(nd)) w.value(v, key);
    if (opts.stats) {
      // IFLA_STATS64 is there: print_stats64(..., "stats64").
      w.startObject("stats64").startObject("rx");
      for (const k of ["bytes", "packets", "errors", "dropped", "over_errors", "multicast"]) w.value(0, k);
      w.endObject().startObject("tx");
      for (const k of ["bytes", "packets", "errors", "dropped", "carrier_errors", "collisions"])
        w.value(0, k);
      w.endObject().endObject();
    }
    // ip prints vfinfo_list only when the kernel sent IFLA_NUM_VF (dev->dev.parent: PCI,
    // netdevsim), which it does only when asked (RTEXT_FILTER_VF; not with novf).
    if (!opts.novf && (nd.owner.kind === "pci" || nd.owner.kind === "nsim")) {
      const n = vfCount(state, nd);
      w.startArray("vfinfo_list");
      for (let i = 0; i < n; i++) vfJson(w, state, nd, i, opts.stats ?? false);
      w.endArray();
    }
    if (nd.altname !== undefined) w.startArray("altnames").value(nd.altname).endArray();
    w.endObject();
  }
  w.endArray();
  return w.done();
}
