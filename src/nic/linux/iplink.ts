// iproute2's `ip link set DEV vf N ...` argument parser (ip/iplink.c iplink_parse_vf, with its
// own error texts and exit statuses) and `ip link show` output (ip/ipaddress.c print_vfinfo,
// the newer per-VF line format of control-plane.md §6.4).
import type { HostState } from "../host-model.ts";
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

/** get_unsigned(): strtoul base 0, the whole word, at most UINT_MAX. */
function getUnsigned(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const v = Number(
    word.startsWith("0") && word.length > 1 && !/^0[xX]/.test(word) ? Number.parseInt(word, 8) : word,
  );
  return Number.isSafeInteger(v) && v <= 0xffffffff ? v : undefined;
}

/** ll_addr_a2n(): up to 6 colon-separated hex bytes (1-2 digits each). */
function parseLladdr(word: string): string {
  const parts = word.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new IpUsageError(`"${word}" is invalid lladdr.\n`, 1);
  return parts.map((p) => p.toLowerCase().padStart(2, "0")).join(":");
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
  const vf = getUnsigned(vfWord);
  if (vf === undefined) invarg('Invalid "vf" value\n', vfWord);
  const req: VfRequest = { vf };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (matches(w, "mac")) req.mac = parseLladdr(need(++i));
    else if (matches(w, "vlan")) {
      const v = getUnsigned(need(++i));
      if (v === undefined) invarg('Invalid "vlan" value\n', words[i]);
      const vlan = { vlan: v, qos: 0, proto: ETH_P_8021Q };
      if (words[i + 1] !== undefined && matches(words[i + 1], "qos")) {
        i += 2;
        const q = getUnsigned(need(i));
        if (q === undefined) invarg('Invalid "qos" value\n', words[i]);
        vlan.qos = q;
      }
      if (words[i + 1] !== undefined && matches(words[i + 1], "proto")) {
        i += 2;
        const p = need(i).toLowerCase();
        if (p === "802.1q") vlan.proto = ETH_P_8021Q;
        else if (p === "802.1ad") vlan.proto = ETH_P_8021AD;
        else invarg("protocol is invalid\n", words[i]);
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

/** `ip link show DEV`: the link line, link/ether, altname, then one line per VF. */
export function formatLinkShow(state: HostState, nd: Netdev): string {
  const pci = nd.owner.kind === "pci";
  const lines = [
    pci
      ? `${nd.ifindex}: ${nd.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000`
      : `${nd.ifindex}: ${nd.name}: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000`,
    `    link/ether ${nd.mac} brd ff:ff:ff:ff:ff:ff`,
    `    altname ${nd.altname}`,
  ];
  const n = vfCount(state, nd);
  for (let i = 0; i < n; i++) lines.push(formatVfLine(state, nd, i));
  return `${lines.join("\n")}\n`;
}
