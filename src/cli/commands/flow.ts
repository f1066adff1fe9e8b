// `iovsim flow create|list|destroy`: exact-match flow rules on a port (testpmd's `flow` syntax),
// kept in the simulated host's state and checked against the NIC profile's rule table.
// `iovsim steering --strategy flow-rules --port P` runs the port's rules.
import { UserError } from "../../errors.ts";
import { loadHost, statePath, withHost } from "../../nic/index.ts";
import {
  checkRules,
  cNumber,
  formatRule,
  located,
  overCapacity,
  overlappingRule,
  parseFlowCreate,
  portRuleQueues,
  queueOutOfRange,
  ruleEntries,
  rulePattern,
  unmatchableField,
} from "../../steering/flow-rules.ts";
import { FLOW_RULE_ID_MAX, portRules, setPortRules, unboundPortReason } from "../../steering/flow-state.ts";
import { nicLimits } from "../../steering/strategies.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim flow create PORT ingress pattern ITEM [/ ITEM]... / end actions ACTION / end
       iovsim flow list PORT
       iovsim flow destroy PORT rule ID [rule ID]... | all
       iovsim flow flush PORT

Exact-match rules that send matching frames to a receive queue or drop them (Flow Director
perfect filters, rte_flow, ethtool -N), in the syntax of DPDK testpmd's flow command. Pattern items:
  eth | ipv4 [dst A.B.C.D] | ipv6 [src ADDR | dst ADDR] | udp [dst PORT] | gtpu teid N[-M]
  | vxlan vni N[-M] | esp spi N[-M]
ADDR: an IPv6 address as inet_pton(AF_INET6) reads it (2001:db8::1, ::ffff:192.0.2.1; no zone
id, brackets or prefix length), listed as inet_ntop prints it (RFC 5952: 2001:DB8:0:0::1 is
2001:db8::1). ipv4/ipv6 keys match the outermost IP header; an IPv6 rule takes one table entry
on ixl (X710); ix (82599) matches IPv6 in signature mode only, so it has no IPv6 exact match.
Items go in the order eth / ipv4|ipv6 / udp / gtpu|vxlan|esp, one of each at most, and give the
rule its packet type, as i40e keeps its filters per packet type: 'ipv4 / udp / gtpu teid 5'
matches GTP-U over IPv4 only, 'ipv6 / udp / gtpu teid 5' over IPv6 only (the same TEID on both is
two rules), 'ipv6 dst ADDR / udp' UDP only. A rule naming no ipv4/ipv6 item ('gtpu teid 5')
matches either IP version (i40e refuses such a pattern; docs/divergences.md). flow list prints
the whole pattern, a single value after 'is' as testpmd writes it; flow create takes it again.
ACTION: 'queue index Q' (to receive queue Q), or 'drop' (the NIC discards matching frames:
ethtool -N's action -1; steering counts them as 'flow-rule drop', not as loss).
(testpmd's 'FIELD is VALUE' is accepted too; PORT is a name, e.g. ixl0, not a port id;
no 'spec', 'last' or 'mask': a range is N-M; numbers as testpmd reads them: 0x1F hexadecimal,
a leading 0 octal). Not supported, refused by name: items tcp, sctp, vlan, gre, ...; ipv4/udp
fields but dst; ipv6 fields but src/dst (proto, tc, hop); actions vf/rss/mark;
egress/transfer/group/priority.
PORT is a PF (a VF such as iavf0 is refused: its driver offers no flow director).
One keyed field per rule; Q is a receive queue of the port, 0 up to its NIC profile's queues per
function minus one (ixl: 0..15). A range N-M takes M-N+1 entries of the NIC's table (hardware matches
exact values); the table size and the fields a NIC can match come from its profile
(src/nic/profiles/*.json, "flow"). A value another rule of the port already matches is refused
(i40e: "Conflict with existing flow director rules"). Frames that match no rule fall back to RSS.
The rules are the PF driver's: unbinding it (Linux view) frees them, and the port is refused
until it is bound again (no netdev: ethtool's "No such device").
Divergences from testpmd and i40e (docs/divergences.md): an ipv4/ipv6 rule without udp matches
any L4 (i40e: NONF_IPV4_OTHER only), and a udp rule also matches GTP-U and VXLAN (i40e's GTP
profile gives GTP-U its own packet type); inner headers and ESP in UDP are refused; no VF target
(ethtool's vf N), no TCP fields, no masks; flow destroy of a rule that does not exist is an
error (testpmd skips it), flow flush prints 'Flow rule #N destroyed' per rule (testpmd prints
nothing), flow list prints rules in flow create's syntax, not testpmd's item table.
-h, --help prints this text. More, and where it differs from testpmd: docs/steering.md.
Example: iovsim flow create ixl0 ingress pattern eth / ipv4 / udp / gtpu teid 100-199 / end actions queue index 3 / end
         iovsim flow create ixl0 ingress pattern eth / ipv4 / esp spi 7 / end actions drop / end
         iovsim flow create ixl0 ingress pattern eth / ipv6 dst is 2001:db8::1 / end actions queue index 2 / end
`;

type FlowSub = "create" | "list" | "destroy" | "flush";

/** What ethtool prints when the interface is gone (ENODEV), per subcommand (ethtool.c, rxclass.c). */
const ETHTOOL_ENODEV: Record<FlowSub, string> = {
  create: `ethtool -N ... prints "rxclass: Cannot get RX class rule count: No such device" and "Cannot insert classification rule"`,
  list: `ethtool -n prints "Cannot get RX rings: No such device"`,
  destroy: `ethtool -N ... delete N prints "rmgr: Cannot delete RX class rule: No such device" and "Cannot delete classification rule"`,
  flush: `ethtool -N ... delete N prints "rmgr: Cannot delete RX class rule: No such device" and "Cannot delete classification rule"`,
};

/**
 * `destroy PORT`'s words after the port: testpmd's `rule ID [rule ID]...` (each ID once), or
 * `all`. Anything else, a trailing word included, is refused at its word (a trailing word was
 * ignored: `destroy ixl0 rule 0 extra` destroyed rule 0).
 */
function destroyIds(port: string, words: readonly string[]): number[] | "all" {
  if (words.length === 1 && words[0] === "all") return "all";
  const ids: number[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const [kw, id] = [words[i], words[i + 1]];
    const at = `flow destroy ${port}: word ${i + 1} ('${kw}')`;
    if (kw !== "rule") throw new UserError("E_USAGE", `${at}: expected 'rule ID' or 'all'`);
    const v = id === undefined ? undefined : cNumber(id);
    if (v === undefined)
      throw new UserError(
        "E_USAGE",
        `flow destroy ${port}: word ${i + 2} ('${id ?? "<end>"}'): expected a rule ID`,
      );
    // A rule ID is a location, a u32 (ethtool_rx_flow_spec.location): past it no rule can have
    // it, and ethtool -N ... delete refuses the number before asking the driver.
    if (v > FLOW_RULE_ID_MAX)
      throw new UserError(
        "E_USAGE",
        `flow destroy ${port}: word ${i + 2} ('${id}'): a rule ID is at most ${FLOW_RULE_ID_MAX} (a u32; ethtool -N ${port} delete ${id} prints "ethtool: bad command line argument(s)")`,
      );
    if (ids.includes(v)) throw new UserError("E_USAGE", `flow destroy ${port}: rule ${v} is given twice`);
    ids.push(v);
  }
  if (ids.length === 0)
    throw new UserError("E_USAGE", `flow destroy: expected 'rule ID' or 'all' after ${port}`);
  return ids;
}

export const command = defineCommand({
  name: "flow",
  summary: "flow create|list|destroy: exact-match rules to queues (or drop) on a port",
  help: HELP,
  options: [],
  operands: "any",
  async run({ operands: args }, ctx) {
    // Like every other command's usage error: on stderr, status 1 (it printed the help on
    // stdout with status 64, sysexits' EX_USAGE, which only iovctl uses, as FreeBSD's does).
    if (args.length === 0)
      throw new UserError("E_USAGE", `flow: missing subcommand (create, list, destroy or flush)\n${HELP}`);
    const [sub, ...rest] = args;
    const stateFile = statePath(ctx.stateDir);
    const pfOf = async (port: string | undefined) => {
      if (!port) throw new UserError("E_USAGE", `flow ${sub}: missing PORT\n${HELP}`);
      const host = await loadHost(ctx.stateDir);
      const pf = host.pf(port);
      if (!pf) {
        // A VF's netdev: iavf on an X710 VF and ixgbevf offer no flow director (iavf's needs the
        // PF to grant VIRTCHNL_VF_OFFLOAD_FDIR_PF, which i40e does not; ixgbevf has no rxnfc).
        const vf = host.findVf(port);
        if (vf)
          throw new UserError(
            "E_USAGE",
            `flow ${sub}: ${port} is a VF (VF ${vf.vf.index} of ${vf.pf}): its driver has no flow director (ethtool -N ${port} prints "Cannot insert classification rule: Operation not supported"); rules are programmed on the PF: iovsim flow ${sub} ${vf.pf} ...`,
          );
        throw new UserError("E_USAGE", `flow ${sub}: no port '${port}' on this host`);
      }
      // The rules live in the PF driver (its flow director filters): with that driver unbound
      // in the Linux view there is no netdev, and ethtool fails as for a missing interface.
      const unbound = unboundPortReason(host.state, pf.name);
      if (unbound)
        throw new UserError("E_CONFIG", `flow ${sub}: ${unbound} (${ETHTOOL_ENODEV[sub as FlowSub]})`);
      return pf;
    };
    switch (sub) {
      case "create": {
        const { port, rule, queueToken, keyToken } = parseFlowCreate(rest);
        const pf = await pfOf(port);
        const lim = nicLimits(pf.profile);
        const queues = portRuleQueues(pf.profile, pf.sriovEnabled ? pf.vfs.length : 0);
        // A drop rule names no queue (ethtool's action -1, RX_CLS_FLOW_DISC, passes the drivers'
        // queue check: i40e_add_fdir_ethtool tests ring_cookie != RX_CLS_FLOW_DISC first).
        if (rule.queue !== undefined && rule.queue >= queues)
          throw located(rest, queueToken, queueOutOfRange(rule.queue, port, pf.profile, queues));
        const id = await withHost(ctx.stateDir, (h) => {
          const rules = portRules(h.state, port, stateFile);
          const clash = overlappingRule(rules, rule);
          if (clash)
            throw located(
              rest,
              keyToken,
              `${rulePattern(rule)} overlaps rule #${clash.id} (${rulePattern(clash)} -> ${clash.action === "drop" ? "drop" : `queue ${clash.queue}`}): Conflict with existing flow director rules (a perfect filter holds each value once; destroy rule #${clash.id} first)`,
            );
          const table = {
            id: `${port} (${pf.profile})`,
            profile: pf.profile,
            rules: lim.flowRules,
            patterns: lim.patterns,
            ipv6Entries: lim.ipv6Entries,
          };
          // The new rule's own refusals point at its keyed value, like flow create's others.
          const unmatchable = unmatchableField(rule.field, table);
          if (unmatchable) throw located(rest, keyToken, unmatchable);
          const used = [...rules, rule].reduce((n, r) => n + ruleEntries(r, lim.ipv6Entries), 0);
          const full = overCapacity(used, table, rule);
          if (full) throw located(rest, keyToken, full);
          checkRules([...rules, rule], table);
          const next = rules.reduce((m, r) => Math.max(m, r.id + 1), 0);
          // testpmd numbers a rule after the highest one; past a u32 there is none to give.
          if (next > FLOW_RULE_ID_MAX)
            throw new UserError(
              "E_CONFIG",
              `flow create: ${port}: Highest rule ID is already assigned, delete it first (rule #${FLOW_RULE_ID_MAX}: iovsim flow destroy ${port} rule ${FLOW_RULE_ID_MAX})`,
            );
          setPortRules(h.state, port, [...rules, { ...rule, id: next }], stateFile);
          return next;
        });
        ctx.out(`Flow rule #${id} created\n`);
        return 0;
      }
      case "list": {
        if (rest.length !== 1) throw new UserError("E_USAGE", `flow list takes one PORT\n${HELP}`);
        const pf = await pfOf(rest[0]);
        const host = await loadHost(ctx.stateDir);
        const rules = portRules(host.state, pf.name, stateFile);
        const lim = nicLimits(pf.profile);
        const used = rules.reduce((a, r) => a + ruleEntries(r, lim.ipv6Entries), 0);
        ctx.out(`ID\tPORT\tRULE\n`);
        for (const r of rules) ctx.out(`${formatRule(r, pf.name)}\n`);
        ctx.out(`${rules.length} rule(s), ${used} of ${lim.flowRules} exact-match entries\n`);
        return 0;
      }
      case "destroy":
      case "flush": {
        const [port, ...words] = rest;
        const pf = await pfOf(port);
        if (sub === "flush" && words.length > 0)
          throw new UserError("E_USAGE", `flow flush takes one PORT (unexpected '${words[0]}')`);
        const ids = sub === "flush" ? "all" : destroyIds(pf.name, words);
        const removed = await withHost(ctx.stateDir, (h) => {
          const rules = portRules(h.state, pf.name, stateFile);
          if (ids !== "all") {
            const missing = ids.filter((id) => !rules.some((r) => r.id === id));
            if (missing.length > 0)
              throw new UserError(
                "E_USAGE",
                `flow destroy: ${pf.name} has no rule ${missing.join(", ")} (its rules: ${rules.map((r) => r.id).join(", ") || "none"}; iovsim flow list ${pf.name}); nothing destroyed`,
              );
          }
          const gone = rules.filter((r) => ids === "all" || ids.includes(r.id));
          setPortRules(
            h.state,
            pf.name,
            rules.filter((r) => !gone.includes(r)),
            stateFile,
          );
          return gone;
        });
        // testpmd's line per rule (port_flow_destroy); flush prints none there, one each here.
        for (const r of removed) ctx.out(`Flow rule #${r.id} destroyed\n`);
        if (removed.length === 0) ctx.out(`no flow rules on ${pf.name}\n`);
        return 0;
      }
      default:
        throw new UserError("E_USAGE", `flow: unknown subcommand '${sub}'\n${HELP}`);
    }
  },
});
