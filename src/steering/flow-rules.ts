// Exact-match flow rules to queues or to drop (Flow Director perfect filters, rte_flow, ethtool ntuple):
// the command syntax (in the spirit of testpmd's `flow create`), capacity checks against the NIC
// profile, and matching on a frame's parsed headers. A range of values is that many exact-match
// entries (the hardware has no ranges): it counts that many against the rule table.
//
//   flow create PORT ingress pattern gtpu teid 100-199 / end actions queue index 3 / end
//   flow create PORT ingress pattern esp spi 7 / end actions drop / end
//   pattern items: eth | ipv4 [dst A.B.C.D] | ipv6 [src|dst ADDRESS] | udp [dst PORT]
//                  | gtpu teid N[-M] | vxlan vni N[-M] | esp spi N[-M]
//   exactly one keyed field (teid, vni, spi, ipv4 dst, ipv6 src/dst, udp dst); the items, in
//   i40e's order, are the rule's packet type: a frame is matched only against rules of its type.
import { UserError } from "../errors.ts";
import { getProfile } from "../nic/profile.ts";
import { defaultPfQueues } from "../switch/program.ts";
import type { ParsedFrame } from "../switch/reference/parsed.ts";
import { canonicalIpv6 } from "./ipv6-text.ts";
import { nicLimits } from "./strategies.ts";

/** Fields matched on a number or a range of numbers. */
export type NumericField = "gtpu-teid" | "vxlan-vni" | "esp-spi" | "ipv4-dst" | "udp-dport";
/** Fields matched on one IPv6 address (128 bits: kept as its RFC 5952 text, not a number). */
export type AddressField = "ipv6-src" | "ipv6-dst";
export type MatchField = NumericField | AddressField;

export const ADDRESS_FIELDS: readonly AddressField[] = ["ipv6-src", "ipv6-dst"];
export function isAddressField(f: string): f is AddressField {
  return f === "ipv6-src" || f === "ipv6-dst";
}

/**
 * The value(s) a rule matches: a range lo..hi of a numeric field, or one IPv6 address `addr`
 * (inet_ntop's text: one spelling per address, so text equality is address equality).
 */
export type FlowKey = (
  | { field: NumericField; lo: number; hi: number; addr?: undefined }
  | { field: AddressField; addr: string; lo?: undefined; hi?: undefined }
) & {
  /**
   * The pattern's items in order, the keyed one included (`["eth", "ipv4", "udp", "gtpu"]`):
   * they give the rule its packet type, and `flow list` prints them back. Absent (a derived
   * rule, a rule of an older state file once read): the keyed item alone.
   */
  items?: readonly PatternItem[];
};

/** Pattern items a rule can hold: the plain ones and the one keyed by the rule's field. */
export const PATTERN_ITEMS = ["eth", "ipv4", "ipv6", "udp", "gtpu", "vxlan", "esp"] as const;
export type PatternItem = (typeof PATTERN_ITEMS)[number];

/** The item that carries a field (`gtpu teid`, `ipv6 dst`, ...). */
export function keyItem(field: MatchField): PatternItem {
  switch (field) {
    case "gtpu-teid":
      return "gtpu";
    case "vxlan-vni":
      return "vxlan";
    case "esp-spi":
      return "esp";
    case "ipv4-dst":
      return "ipv4";
    case "udp-dport":
      return "udp";
    case "ipv6-src":
    case "ipv6-dst":
      return "ipv6";
  }
}

/** A rule's items: as written, or the keyed item alone. */
export function itemsOf(r: FlowKey): readonly PatternItem[] {
  return r.items ?? [keyItem(r.field)];
}

/**
 * The layer of each item in i40e's pattern order (i40e_flow.c i40e_supported_patterns:
 * ETH, IPV4|IPV6, UDP, GTPU|VXLAN|ESP): a chain climbs it, one item a layer.
 */
const ITEM_LAYER: Record<PatternItem, number> = {
  eth: 0,
  ipv4: 1,
  ipv6: 1,
  udp: 2,
  gtpu: 3,
  vxlan: 3,
  esp: 3,
};

/**
 * What is wrong with an item chain (the index of the item at fault and why), or undefined. The
 * chain must climb eth / ipv4|ipv6 / udp / gtpu|vxlan|esp, each layer at most once (a second IP
 * item would be an inner header, which the rules do not match), and hold the rule's keyed item.
 */
export function chainError(
  items: readonly PatternItem[],
  field?: MatchField,
): { index: number; message: string } | undefined {
  for (let i = 1; i < items.length; i++) {
    const [prev, item] = [items[i - 1]!, items[i]!];
    if (item === "esp" && prev === "udp")
      return {
        index: i,
        message:
          "ESP in UDP (NAT-T; i40e's ESP_IPV4_UDP packet type) is not modelled: write 'ipv4 / esp spi N' or 'ipv6 / esp spi N' (ESP as IP protocol 50)",
      };
    if (ITEM_LAYER[item] <= ITEM_LAYER[prev])
      return {
        index: i,
        message:
          ITEM_LAYER[prev] === 3
            ? `'${item}' after '${prev}': headers inside a tunnel are not matched (the items are the outer packet's: eth / ipv4|ipv6 / udp / gtpu|vxlan|esp)`
            : `'${item}' cannot follow '${prev}': the items go eth / ipv4|ipv6 / udp / gtpu|vxlan|esp, one of each at most (as i40e's patterns)`,
      };
  }
  if (field !== undefined && !items.includes(keyItem(field)))
    return { index: items.length, message: `the items have no '${keyItem(field)}' item for ${field}` };
  return undefined;
}

/**
 * The outer IP version a rule's packet type names: its ipv4/ipv6 item (plain or keyed), or
 * undefined when it names none (the rule then matches either: see docs/divergences.md).
 */
export function ruleIpVersion(r: FlowKey): "ipv4" | "ipv6" | undefined {
  return itemsOf(r).find((x): x is "ipv4" | "ipv6" => x === "ipv4" || x === "ipv6");
}

/**
 * Whether a frame is of the rule's packet type, as i40e matches a frame only against the
 * filters of its own packet classifier type (PCTYPE): the outer IP version the rule names and,
 * where it names a `udp` item, outer UDP. The keyed field checks the rest (a gtpu/vxlan key
 * needs that tunnel, an esp key IP protocol 50, a udp key UDP).
 */
function ofRuleType(p: ParsedFrame, r: FlowKey): boolean {
  const ip = ruleIpVersion(r);
  if (ip !== undefined && p.l3?.proto !== ip) return false;
  return !itemsOf(r).includes("udp") || p.l4?.proto === "udp";
}

/**
 * A rule without its id: a key and what the NIC does with a matching frame, send it to receive
 * queue `queue`, or discard it (`action: "drop"`). The drop action is rte_flow's
 * RTE_FLOW_ACTION_TYPE_DROP (testpmd cmdline_flow.c: `drop`, "drop packets (note: passthru has
 * priority)") and ethtool -N's `action -1` (RX_CLS_FLOW_DISC): i40e_add_fdir_ethtool programs
 * it as I40E_FILTER_PROGRAM_DESC_DEST_DROP_PACKET, ixgbe_add_ethtool_fdir_entry as
 * IXGBE_FDIR_DROP_QUEUE, igb's ethtool filters accept it too. The NIC discards the frame after
 * its parser: it takes the wire and the NIC pipeline, never a descriptor, PCIe or a core.
 */
export type FlowRuleSpec = FlowKey &
  ({ queue: number; action?: undefined } | { action: "drop"; queue?: undefined });

export type FlowRule = FlowRuleSpec & { id: number };

/** A rule's action in testpmd's syntax: `queue index 3` or `drop`. */
export function ruleAction(r: FlowRuleSpec): string {
  return r.action === "drop" ? "drop" : `queue index ${r.queue}`;
}

/**
 * Exact-match entries a rule takes in the NIC's table: one per value of a range; an IPv6 rule
 * takes the profile's `ipv6Entries` (flow.ipv6.entriesPerRule in src/nic/profiles/*.json).
 */
export function ruleEntries(r: FlowKey, ipv6Entries = 1): number {
  return r.addr !== undefined ? ipv6Entries : r.hi - r.lo + 1;
}

/** An error at token `i` of a `flow create` (its number, text and column, and a caret under it). */
export function located(tokens: readonly string[], i: number, msg: string): UserError {
  // Column of token i in the command as written (tokens joined by single spaces).
  const col = tokens.slice(0, i).reduce((n, t) => n + t.length + 1, 1);
  const shown = tokens.join(" ");
  return new UserError(
    "E_USAGE",
    `flow: token ${i + 1} ('${tokens[i] ?? "<end>"}', column ${col}): ${msg}\n  ${shown}\n  ${" ".repeat(col - 1)}^`,
  );
}

/**
 * An unsigned number as testpmd reads one (strtoumax with base 0, cmdline_flow.c parse_int):
 * 0x/0X hexadecimal, a leading 0 octal (010 is 8), else decimal; the whole token or nothing.
 */
export function cNumber(t: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^0[0-7]*$/.test(t)) return Number.parseInt(t, 8);
  if (/^[1-9]\d*$/.test(t)) return Number(t);
  return undefined;
}

/** testpmd's spec/last/mask/prefix words: an error that says how to write the value here. */
function refuseSpecWords(tokens: readonly string[], i: number): void {
  const t = tokens[i];
  if (t === "spec" || t === "last" || t === "mask" || t === "prefix")
    throw located(
      tokens,
      i,
      `testpmd's '${t}' is not supported: a rule matches exact values (write the value, or a range N-M; docs/divergences.md)`,
    );
}

function badNumber(tokens: readonly string[], i: number, what: string): UserError {
  const t = tokens[i] ?? "";
  // strtoumax would stop at the 8 or 9 of an octal-looking number: testpmd refuses it too.
  const octal = /^0\d+$/.test(t) ? " (a leading 0 makes it octal, as in testpmd: digits 0-7)" : "";
  return located(tokens, i, `expected ${what}${octal}`);
}

function num(tokens: readonly string[], i: number, what: string, max: number): number {
  refuseSpecWords(tokens, i);
  const v = cNumber(tokens[i] ?? "");
  if (v === undefined) throw badNumber(tokens, i, what);
  if (v > max) throw located(tokens, i, `${what} must be at most ${max}`);
  return v;
}

function range(tokens: readonly string[], i: number, what: string, max: number): [number, number] {
  refuseSpecWords(tokens, i);
  const t = tokens[i] ?? "";
  const dash = t.indexOf("-", 1);
  const lo = cNumber(dash < 0 ? t : t.slice(0, dash));
  const hi = dash < 0 ? lo : cNumber(t.slice(dash + 1));
  if (lo === undefined || hi === undefined) throw badNumber(tokens, i, `${what} N or N-M`);
  if (hi > max || lo > max) throw located(tokens, i, `${what} must be at most ${max}`);
  if (hi < lo) throw located(tokens, i, `range ${lo}-${hi} runs backwards`);
  return [lo, hi];
}

function ipv4(tokens: readonly string[], i: number): number {
  refuseSpecWords(tokens, i);
  const t = tokens[i] ?? "";
  // inet_pton(AF_INET), as testpmd parses an address: four decimal parts, no leading zeros.
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(t);
  if (!m || m.slice(1).some((x) => Number(x) > 255))
    throw located(tokens, i, "expected an IPv4 address (A.B.C.D, each 0..255 without leading zeros)");
  return m.slice(1).reduce((a, x) => a * 256 + Number(x), 0);
}

function ipv6(tokens: readonly string[], i: number): string {
  refuseSpecWords(tokens, i);
  const t = tokens[i] ?? "";
  const addr = canonicalIpv6(t);
  if (addr !== undefined) return addr;
  // What inet_pton(AF_INET6) refuses and people write: say which part is at fault.
  const why = t.includes("%")
    ? " (a zone id '%...' is not an address: inet_pton refuses it)"
    : t.startsWith("[")
      ? " (no brackets: they belong to URLs, inet_pton refuses them)"
      : t.includes("/")
        ? " (no prefix length: a rule matches one whole address)"
        : "";
  throw located(
    tokens,
    i,
    `expected an IPv6 address as inet_pton(AF_INET6) reads it (e.g. 2001:db8::1, ::ffff:192.0.2.1)${why}`,
  );
}

/** Pattern items rte_flow has that iovsim's flow tables do not match (refused by name). */
const UNSUPPORTED_ITEMS = new Set([
  "tcp",
  "sctp",
  "icmp",
  "icmp6",
  "vlan",
  "gre",
  "nvgre",
  "geneve",
  "mpls",
  "raw",
  "any",
  "void",
  "gtp",
  "gtpc",
  "l2tpv3oip",
  "pfcp",
  "ah",
]);

/** Actions rte_flow has that iovsim does not run (the data plane would have to). */
const UNSUPPORTED_ACTIONS = new Set([
  "vf",
  "pf",
  "rss",
  "mark",
  "passthru",
  "count",
  "flag",
  "port_id",
  "jump",
]);

/**
 * Parses `PORT ingress pattern ITEMS / end actions queue index Q / end` (or `actions drop /
 * end`; the words after `flow create`). Returns the port and the rule (without an id).
 */
export function parseFlowCreate(tokens: readonly string[]): {
  port: string;
  rule: FlowRuleSpec;
  /** Index of the queue's token (for an error located at it once the port is known; -1 for drop). */
  queueToken: number;
  /** Index of the matched value's token (an overlap with an existing rule is located there). */
  keyToken: number;
} {
  let i = 0;
  const expect = (word: string) => {
    if (tokens[i] !== word) throw located(tokens, i, `expected '${word}'`);
    i++;
  };
  const port = tokens[i];
  if (!port || !/^[a-z]+\d+$/.test(port)) throw located(tokens, 0, "expected a port name (e.g. ixl0)");
  i++;
  if (["egress", "transfer", "group", "priority"].includes(tokens[i] ?? ""))
    throw located(
      tokens,
      i,
      `only 'ingress' rules with no attributes: '${tokens[i]}' is not supported (a rule steers received frames to a queue)`,
    );
  expect("ingress");
  expect("pattern");
  let key: FlowKey | null = null;
  let keyToken = 0;
  const items: PatternItem[] = [];
  const setKey = (at: number, k: NonNullable<typeof key>) => {
    if (key)
      throw located(
        tokens,
        at,
        "a rule matches one keyed field (teid, vni, spi, ipv4 dst, ipv6 src or dst, or udp dst)",
      );
    key = k;
    keyToken = valueAt(at + 2);
  };
  // ipv4 and udp match their destination only: another field word is refused by name (it was
  // "expected '/' or 'end'", as if the item had ended).
  const refuseField = (at: number, item: string) => {
    const f = tokens[at + 1];
    if (f !== undefined && f !== "/" && f !== "end" && f !== "dst")
      throw located(
        tokens,
        at + 1,
        `${item} ${f}: not supported (an ${item} item matches 'dst' only, or nothing as a plain item)`,
      );
  };
  // testpmd writes `FIELD is VALUE` (the spec); `FIELD VALUE` is accepted as well.
  const valueAt = (j: number) => (tokens[j] === "is" ? j + 1 : j);
  const afterValue = (j: number) => valueAt(j) + 1;
  for (;;) {
    const item = tokens[i];
    if (item === "end") {
      i++;
      break;
    }
    const at = i;
    i++;
    if ((PATTERN_ITEMS as readonly string[]).includes(item ?? "")) {
      items.push(item as PatternItem);
      const bad = chainError(items);
      if (bad) throw located(tokens, at, bad.message);
    }
    switch (item) {
      case "eth":
        break;
      case "ipv4":
        refuseField(at, "ipv4");
        if (tokens[i] === "dst") {
          const v = ipv4(tokens, valueAt(i + 1));
          setKey(at, { field: "ipv4-dst", lo: v, hi: v });
          i = afterValue(i + 1);
        }
        break;
      case "ipv6": {
        const f = tokens[i];
        if (f === "src" || f === "dst") {
          const addr = ipv6(tokens, valueAt(i + 1));
          setKey(at, { field: f === "src" ? "ipv6-src" : "ipv6-dst", addr });
          i = afterValue(i + 1);
          // testpmd takes several fields in one item (`src is A dst is B`): one keyed field here.
          if (["src", "dst", "proto", "tc", "hop"].includes(tokens[i] ?? ""))
            throw located(
              tokens,
              i,
              `ipv6 ${tokens[i]}: a rule matches one keyed field, and this one has 'ipv6 ${f}' already (docs/divergences.md)`,
            );
        } else if (["proto", "tc", "hop"].includes(f ?? ""))
          throw located(
            tokens,
            i,
            `ipv6 ${f}: not supported: i40e's flow director can match it beside the addresses (I40E_INSET_IPV6_${f === "proto" ? "NEXT_HDR" : f === "tc" ? "TC" : "HOP_LIMIT"}), iovsim's rules match one keyed field (ipv6 src or dst; docs/divergences.md)`,
          );
        else if (f !== undefined && f !== "/" && f !== "end")
          throw located(
            tokens,
            i,
            `ipv6 ${f}: not supported (an ipv6 item matches 'src' or 'dst', or nothing as a plain item)`,
          );
        break;
      }
      case "udp":
        refuseField(at, "udp");
        if (tokens[i] === "dst") {
          const v = num(tokens, valueAt(i + 1), "a UDP port", 65535);
          setKey(at, { field: "udp-dport", lo: v, hi: v });
          i = afterValue(i + 1);
        }
        break;
      case "gtpu":
      case "vxlan":
      case "esp": {
        const word = item === "gtpu" ? "teid" : item === "vxlan" ? "vni" : "spi";
        if (tokens[i] !== word) throw located(tokens, i, `expected '${word}' after '${item}'`);
        const max = item === "vxlan" ? 0xffffff : 0xffffffff;
        const [lo, hi] = range(tokens, valueAt(i + 1), word.toUpperCase(), max);
        setKey(at, { field: `${item}-${word}` as NumericField, lo, hi });
        i = afterValue(i + 1);
        break;
      }
      default:
        if (UNSUPPORTED_ITEMS.has(item ?? ""))
          throw located(
            tokens,
            at,
            `pattern item '${item}' is not supported: iovsim's flow tables match ipv4 dst, ipv6 src/dst, udp dst, gtpu teid, vxlan vni and esp spi (eth, ipv4, ipv6, udp as plain items; docs/divergences.md)`,
          );
        throw located(tokens, at, "unknown pattern item (eth, ipv4, ipv6, udp, gtpu, vxlan, esp, end)");
    }
    if (tokens[i] === "/") i++;
    else if (tokens[i] !== "end") throw located(tokens, i, "expected '/' or 'end' after a pattern item");
  }
  if (!key)
    throw located(
      tokens,
      i - 1,
      "the pattern matches no keyed field (teid, vni, spi, ipv4 dst, ipv6 src or dst, or udp dst)",
    );
  expect("actions");
  if (UNSUPPORTED_ACTIONS.has(tokens[i] ?? ""))
    throw located(
      tokens,
      i,
      `action '${tokens[i]}' is not supported: the actions are 'queue index Q' and 'drop' (i40e and ixgbe flow directors can also steer to a VF; docs/divergences.md)`,
    );
  const k: FlowKey = { ...(key as FlowKey), items };
  let rule: FlowRuleSpec;
  let queueToken = -1;
  if (tokens[i] === "drop") {
    i++;
    rule = { ...k, action: "drop" };
  } else {
    if (tokens[i] !== "queue") throw located(tokens, i, "expected 'queue' or 'drop'");
    i++;
    expect("index");
    queueToken = i;
    const queue = num(tokens, i, "a queue index", 255);
    i++;
    rule = { ...k, queue };
  }
  if (tokens[i] === "/") i++;
  expect("end");
  if (i < tokens.length) throw located(tokens, i, "unexpected text after the rule");
  return { port, rule, queueToken, keyToken };
}

/**
 * The first rule that already matches a value of `rule`'s field: a perfect filter holds each
 * value once, so the driver refuses a second filter on it (i40e: "Conflict with existing flow
 * director rules!") rather than keep one that could never match.
 */
export function overlappingRule<R extends FlowKey>(rules: readonly R[], rule: FlowKey): R | undefined {
  return rules.find((r) => keysOverlap(r, rule));
}

function keysOverlap(a: FlowKey, b: FlowKey): boolean {
  if (a.field !== b.field) return false;
  // Filters of two packet types never see the same frame (i40e keeps them per PCTYPE): the
  // same TEID over IPv4 and over IPv6 is two filters. A rule naming no IP version meets both.
  const [va, vb] = [ruleIpVersion(a), ruleIpVersion(b)];
  if (va !== undefined && vb !== undefined && va !== vb) return false;
  if (a.addr !== undefined || b.addr !== undefined) return a.addr === b.addr;
  return a.lo <= b.hi && b.lo <= a.hi;
}

/**
 * A rule's pattern item as testpmd writes it: `gtpu teid is 5`, `ipv4 dst is 10.0.0.1` (testpmd's
 * fields take `is`, cmdline_flow.c item_param); a range is iovsim's `gtpu teid 100-199`.
 */
export function ruleItem(r: FlowKey): string {
  if (r.addr !== undefined) return `ipv6 ${r.field === "ipv6-src" ? "src" : "dst"} is ${r.addr}`;
  const v = r.lo === r.hi ? `is ${r.lo}` : `${r.lo}-${r.hi}`;
  return r.field === "gtpu-teid"
    ? `gtpu teid ${v}`
    : r.field === "vxlan-vni"
      ? `vxlan vni ${v}`
      : r.field === "esp-spi"
        ? `esp spi ${v}`
        : r.field === "udp-dport"
          ? `udp dst ${v}`
          : `ipv4 dst is ${[24, 16, 8, 0].map((s) => Math.floor(r.lo / 2 ** s) % 256).join(".")}`;
}

/**
 * A rule's whole pattern as `flow create` takes it again: its items in order, the keyed one
 * with its value (`eth / ipv4 / udp / gtpu teid 100-199`).
 */
export function rulePattern(r: FlowKey): string {
  const k = keyItem(r.field);
  return itemsOf(r)
    .map((x) => (x === k ? ruleItem(r) : x))
    .join(" / ");
}

/** A NIC's flow-rule table as its profile states it ("flow": rules, patterns, ipv6). */
export interface FlowTable {
  /** How errors name the table's owner: a port with its profile (`ix0 (ix)`), or the profile. */
  id: string;
  /** The NIC profile the figures come from (src/nic/profiles/PROFILE.json, "flow"). */
  profile: string;
  rules: number;
  patterns: readonly string[];
  ipv6Entries?: number;
}

/** A field as a pattern names it (`gtpu teid`, `udp dst`, `ipv6 src`), not its internal name. */
export function fieldWords(f: MatchField): string {
  return `${keyItem(f)} ${f === "udp-dport" || f === "ipv4-dst" || f === "ipv6-dst" ? "dst" : f === "ipv6-src" ? "src" : f.split("-")[1]}`;
}

/** Why the table cannot hold a rule keyed by `field` (undefined: it can match the field). */
export function unmatchableField(field: MatchField, nic: FlowTable): string | undefined {
  if (nic.patterns.includes(field)) return undefined;
  const can = nic.patterns.map((f) => fieldWords(f as MatchField));
  return can.length > 0
    ? `${nic.id} cannot match ${fieldWords(field)}: its flow director matches ${can.join(", ")} (NIC profile ${nic.profile}, flow.patterns)`
    : `${nic.id} cannot match ${fieldWords(field)}: it has no exact-match flow table (NIC profile ${nic.profile} has no flow.patterns)`;
}

/** Why `used` entries do not fit the table (undefined: they do); `rule`: the rule that is added. */
export function overCapacity(used: number, nic: FlowTable, rule?: FlowKey): string | undefined {
  if (used <= nic.rules) return undefined;
  const table = `${nic.id}'s flow-rule table holds ${nic.rules} exact-match entries (NIC profile ${nic.profile}, flow.rules)`;
  if (!rule) return `${used} exact-match entries needed: ${table}`;
  const n = ruleEntries(rule, nic.ipv6Entries);
  const left = nic.rules - (used - n);
  return `${rulePattern(rule)} needs ${n} ${n === 1 ? "entry" : "entries"} (a range takes one per value), ${left} left: ${table}`;
}

/** Checks a rule set against the NIC: patterns it can match, rule-table capacity, queue count. */
export function checkRules(rules: readonly FlowRuleSpec[], nic: FlowTable, queues?: number): void {
  let used = 0;
  for (const r of rules) {
    const unmatchable = unmatchableField(r.field, nic);
    if (unmatchable) throw new UserError("E_USAGE", `flow: ${unmatchable}`);
    if (queues !== undefined && r.queue !== undefined && r.queue >= queues)
      throw new UserError("E_USAGE", `flow: rule to queue ${r.queue}, but the port has ${queues} queue(s)`);
    used += ruleEntries(r, nic.ipv6Entries);
  }
  // A value in two rules (a state written before flow create refused overlaps): the second
  // rule could never match. Per outer IP version (a rule naming none is in both), sorted by
  // field and value, neighbours are enough to compare.
  for (const ip of ["ipv4", "ipv6"] as const) {
    const sorted = rules
      .filter((r) => (ruleIpVersion(r) ?? ip) === ip)
      .sort((a, b) =>
        a.field !== b.field
          ? a.field < b.field
            ? -1
            : 1
          : a.addr !== undefined || b.addr !== undefined
            ? (a.addr ?? "").localeCompare(b.addr ?? "")
            : a.lo - b.lo,
      );
    for (let i = 1; i < sorted.length; i++)
      if (overlappingRule([sorted[i - 1]!], sorted[i]!))
        throw new UserError(
          "E_USAGE",
          `flow: ${rulePattern(sorted[i - 1]!)} and ${rulePattern(sorted[i]!)} overlap: Conflict with existing flow director rules (destroy one with iovsim flow destroy)`,
        );
  }
  const full = overCapacity(used, nic);
  if (full) throw new UserError("E_USAGE", `flow: ${full}`);
}

/**
 * The IPv6 address `field` names in a parsed frame, as inet_ntop prints it (undefined: the
 * outermost IP header is not IPv6). Like `ipv4 dst`, the outermost IP header: a tunnel's inner
 * addresses are not matched.
 */
export function addressOf(p: ParsedFrame, field: AddressField): string | undefined {
  if (p.l3?.proto !== "ipv6") return undefined;
  return field === "ipv6-src" ? p.l3.src : p.l3.dst;
}

/** The value of `field` in a parsed frame (undefined: the frame has no such field). */
export function fieldOf(frame: Uint8Array, p: ParsedFrame, field: NumericField): number | undefined {
  switch (field) {
    case "gtpu-teid":
      return p.tunnel?.type === "gtpu" ? p.tunnel.id : undefined;
    case "vxlan-vni":
      return p.tunnel?.type === "vxlan" ? p.tunnel.id : undefined;
    case "esp-spi": {
      const l4 = p.l4;
      if (l4?.proto !== "esp" || frame.length < l4.offset + 4) return undefined;
      return new DataView(frame.buffer, frame.byteOffset + l4.offset, 4).getUint32(0);
    }
    case "ipv4-dst":
      return p.l3?.proto === "ipv4"
        ? p.l3.dst.split(".").reduce((a, x) => a * 256 + Number(x), 0)
        : undefined;
    case "udp-dport":
      return p.l4?.proto === "udp" ? p.l4.dport : undefined;
  }
}

/** The first rule that matches the frame, or undefined (no rule: RSS decides). */
export function matchRule<R extends FlowKey>(
  frame: Uint8Array,
  p: ParsedFrame,
  rules: readonly R[],
): R | undefined {
  for (const r of rules) {
    if (!ofRuleType(p, r)) continue;
    if (r.addr !== undefined) {
      if (addressOf(p, r.field) === r.addr) return r;
      continue;
    }
    const v = fieldOf(frame, p, r.field);
    if (v !== undefined && v >= r.lo && v <= r.hi) return r;
  }
  return undefined;
}

/**
 * The queue the first matching rule sends the frame to, MATCH_DROP when that rule drops it, or
 * -1 (no rule: RSS decides).
 */
export function matchRules(frame: Uint8Array, p: ParsedFrame, rules: readonly FlowRuleSpec[]): number {
  const r = matchRule(frame, p, rules);
  if (!r) return -1;
  return r.action === "drop" ? MATCH_DROP : r.queue;
}

/** matchRules' answer for a frame a drop rule matched. */
export const MATCH_DROP = -3;

export function formatRule(r: FlowRule, port: string): string {
  return `${r.id}\t${port}\tingress pattern ${rulePattern(r)} / end actions ${ruleAction(r)} / end`;
}

/**
 * A default rule set from the traffic, as an operator writes it from the TEID / VNI / SPI
 * allocation. Values that must share a queue are grouped: the values of one conversation (a
 * subscriber's uplink and downlink TEIDs) and the conversations behind one value (tenants of a
 * VNI). The groups are spread over `queues` in contiguous blocks, each block's values merged into
 * ranges. Only fields the NIC can match are used.
 */
export function deriveRules(
  flowFrames: readonly Uint8Array[],
  pairOf: Int32Array,
  queues: number,
  patterns: readonly string[],
  parse: (f: Uint8Array) => ParsedFrame,
): FlowRule[] {
  const fields: NumericField[] = (["gtpu-teid", "vxlan-vni", "esp-spi"] as const).filter((f) =>
    patterns.includes(f),
  );
  // Union-find over "field:value" keys.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(rb, ra);
  };
  const keyOfFlow: Array<string | undefined> = [];
  flowFrames.forEach((fr, f) => {
    const p = parse(fr);
    for (const field of fields) {
      const v = fieldOf(fr, p, field);
      if (v === undefined) continue;
      const k = `${field}:${v}`;
      if (!parent.has(k)) parent.set(k, k);
      keyOfFlow[f] = k;
      break;
    }
  });
  keyOfFlow.forEach((k, f) => {
    const o = pairOf[f]!;
    const ko = o >= 0 ? keyOfFlow[o] : undefined;
    if (k && ko) union(k, ko);
  });
  // Groups in order of first appearance, spread over the queues in contiguous blocks.
  const groupRank = new Map<string, number>();
  for (const k of keyOfFlow) if (k && !groupRank.has(find(k))) groupRank.set(find(k), groupRank.size);
  const nGroups = Math.max(1, groupRank.size);
  const rules: FlowRule[] = [];
  for (const field of fields) {
    const mine = [...parent.keys()]
      .filter((k) => k.startsWith(`${field}:`))
      .map((k) => ({
        v: Number(k.slice(field.length + 1)),
        queue: Math.floor((groupRank.get(find(k))! * queues) / nGroups),
      }))
      .sort((a, b) => a.v - b.v);
    for (const e of mine) {
      const last = rules[rules.length - 1];
      if (last && last.field === field && last.queue === e.queue && e.v === last.hi + 1) last.hi = e.v;
      else rules.push({ id: rules.length, field, lo: e.v, hi: e.v, queue: e.queue });
    }
  }
  return rules;
}

/**
 * The receive queues a port's rules can steer to: those of one function of the port, at most
 * the profile's queues per VF (what steering --strategy flow-rules can run on); on a NIC with
 * pool modes (82599), what the mode for `numVfs` VFs leaves the PF (ixgbe: 4 queues, 2 from 32
 * VFs on). `numVfs` undefined: the most any number of VFs leaves (what a rule can ever have).
 */
export function portRuleQueues(profile: string, numVfs?: number): number {
  const perVf = nicLimits(profile).queuesPerVf;
  if (!getProfile(profile)?.limits.poolModes || numVfs === undefined) return perVf;
  return Math.min(perVf, defaultPfQueues(profile, numVfs));
}

/**
 * A queue index past the port's receive queues per function, worded with the valid range: the
 * kernel (ethtool_set_rxnfc) and the drivers return EINVAL, which ethtool -N prints. One
 * wording for every place a rule's queue is checked (flow create, the state file's rules).
 */
export function queueOutOfRange(queue: number, port: string, profile: string, queues: number): string {
  const range = queues === 1 ? "0" : `0..${queues - 1}`;
  return `queue ${queue} out of range: ${port} (${profile}) has ${queues} receive queue${queues === 1 ? "" : "s"} per function (${range}); the driver refuses it with EINVAL (ethtool -N ... action ${queue}: "rmgr: Cannot insert RX class rule: Invalid argument")`;
}
