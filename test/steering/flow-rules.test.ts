import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import {
  checkRules,
  deriveRules,
  type FlowRule,
  fieldOf,
  MATCH_DROP,
  matchRules,
  parseFlowCreate,
} from "../../src/steering/flow-rules.ts";
import { searchNdr } from "../../src/steering/ndr.ts";
import { RULE_DROP, simulateSteering } from "../../src/steering/simulate.ts";
import { strategyGraph } from "../../src/steering/strategies.ts";
import { buildMix, flowSequence, IP_CHOICES } from "../../src/steering/traffic.ts";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { iovsim } from "../helpers/cli.ts";

const words = (s: string) => s.split(" ");

describe("flow rule syntax (testpmd style)", () => {
  const spec = (s: string) =>
    parseFlowCreate(words(`ixl0 ingress pattern ${s} / end actions queue index 3 / end`)).rule;

  // i40e_supported_patterns: ETH, IPV4|IPV6, UDP, GTPU|VXLAN|ESP in that order; a second IP
  // item is an inner header (iovsim matches the outer one); ESP in UDP is another packet type.
  it.each([
    ["udp / ipv4 dst 192.0.2.1", 6, "'ipv4' cannot follow 'udp'"],
    ["eth / ipv4 / ipv6 / udp / gtpu teid 5", 8, "'ipv6' cannot follow 'ipv4'"],
    ["eth / eth / ipv4 dst 192.0.2.1", 6, "'eth' cannot follow 'eth'"],
    ["ipv4 / udp / gtpu teid 5 / ipv4", 12, "headers inside a tunnel are not matched"],
    ["ipv4 / udp / esp spi 5", 8, "ESP in UDP"],
  ])("the item chain '%s' is refused at token %i", (pattern, token, msg) => {
    expect(() => spec(pattern)).toThrow(new RegExp(`token ${token} .*${msg.replace(/[()]/g, "\\$&")}`));
  });

  it("an address rule with a udp item matches UDP frames only (ESP is another packet type)", () => {
    const t = buildMix({ mix: "esp", flows: 2, tunnels: 1, zipfS: 0, seed: 1, ip: IP_CHOICES["6"] });
    const frame = t.flowFrames[0]!;
    const p = parseFrame(frame);
    expect(p.l4?.proto).toBe("esp");
    const src = p.l3?.proto === "ipv6" ? p.l3.src : "";
    const rules = (s: string) => [{ ...spec(s), id: 0 }];
    expect(matchRules(frame, p, rules(`eth / ipv6 src ${src}`))).toBe(3);
    expect(matchRules(frame, p, rules(`eth / ipv6 src ${src} / udp`))).toBe(-1);
  });

  it("a rule keeps its items: its packet type", () => {
    expect(spec("eth / ipv6 / udp / gtpu teid 5").items).toEqual(["eth", "ipv6", "udp", "gtpu"]);
    expect(spec("ipv6 dst ::1 / udp").items).toEqual(["ipv6", "udp"]);
    expect(spec("esp spi 7").items).toEqual(["esp"]);
  });

  it("the same TEID on IPv4 and IPv6 rules is two filters; on one IP version an overlap", () => {
    const nic = { id: "ixl", profile: "ixl", rules: 8192, patterns: ["gtpu-teid"] };
    const r = (id: number, s: string): FlowRule => ({ ...spec(s), id });
    expect(() =>
      checkRules([r(0, "eth / ipv4 / udp / gtpu teid 5"), r(1, "eth / ipv6 / udp / gtpu teid 5")], nic),
    ).not.toThrow();
    // Two IPv4 rules on one value with an IPv6 rule sorted between them (a hand-edited state).
    expect(() =>
      checkRules(
        [
          r(0, "eth / ipv4 / udp / gtpu teid 4-6"),
          r(1, "eth / ipv6 / udp / gtpu teid 5"),
          r(2, "eth / ipv4 / udp / gtpu teid 6"),
        ],
        nic,
      ),
    ).toThrow("eth / ipv4 / udp / gtpu teid 4-6 and eth / ipv4 / udp / gtpu teid is 6 overlap");
    // A rule naming no IP version is in both sets.
    expect(() => checkRules([r(0, "eth / ipv6 / udp / gtpu teid 5"), r(1, "gtpu teid 5")], nic)).toThrow(
      "overlap",
    );
  });

  it("parses a GTP-U TEID range to a queue", () => {
    const { port, rule } = parseFlowCreate(
      words("ixl0 ingress pattern eth / ipv4 / udp / gtpu teid 100-199 / end actions queue index 3 / end"),
    );
    expect(port).toBe("ixl0");
    expect(rule).toEqual({
      field: "gtpu-teid",
      lo: 100,
      hi: 199,
      queue: 3,
      items: ["eth", "ipv4", "udp", "gtpu"],
    });
  });

  // testpmd writes the value after `is` (`gtpu teid is 100`): a testpmd user's rule was refused
  // at `is` ("expected TEID N or N-M").
  it("accepts testpmd's FIELD is VALUE as well as FIELD VALUE", () => {
    const rule = (s: string) =>
      parseFlowCreate(words(`ixl0 ingress pattern ${s} / end actions queue index 3 / end`));
    expect(rule("eth / ipv4 / udp / gtpu teid is 100").rule).toEqual({
      field: "gtpu-teid",
      lo: 100,
      hi: 100,
      queue: 3,
      items: ["eth", "ipv4", "udp", "gtpu"],
    });
    expect(rule("eth / ipv4 dst is 10.0.0.1").rule).toMatchObject({ field: "ipv4-dst", lo: 0x0a000001 });
    expect(rule("udp dst is 53").rule).toMatchObject({ field: "udp-dport", lo: 53 });
    expect(rule("vxlan vni is 42").rule).toMatchObject({ field: "vxlan-vni", lo: 42 });
    expect(rule("esp spi is 7").keyToken).toBe(6);
    expect(() => rule("gtpu teid is")).toThrow(/token 7 \('\/', column \d+\): expected TEID N or N-M/);
  });

  it("names the token at fault", () => {
    const bad = (s: string) => () => parseFlowCreate(words(s));
    expect(bad("ixl0 ingress pattern gtpu tid 5 / end actions queue index 1 / end")).toThrow(
      /token 5 \('tid', column 27\): expected 'teid'/,
    );
    expect(bad("ixl0 ingress pattern vxlan vni 9-3 / end actions queue index 1 / end")).toThrow(
      /token 6.*backwards/,
    );
    expect(bad("ixl0 ingress pattern gtpu teid 5 / end actions queue index x / end")).toThrow(
      /token 12.*queue index/,
    );
    expect(bad("ixl0 ingress pattern eth / end actions queue index 1 / end")).toThrow(
      /matches no keyed field/,
    );
    expect(bad("ixl0 egress pattern gtpu teid 5 / end actions queue index 1 / end")).toThrow(
      /token 2.*'ingress'/,
    );
  });

  it("checks capacity (a range is one entry per value) and the fields a NIC can match", () => {
    const r = { field: "gtpu-teid" as const, lo: 0, hi: 8191, queue: 0 };
    expect(() =>
      checkRules([r], { id: "ixl", profile: "ixl", rules: 8192, patterns: ["gtpu-teid"] }),
    ).not.toThrow();
    expect(() =>
      checkRules([r, { ...r, lo: 9000, hi: 9000 }], {
        id: "ixl",
        profile: "ixl",
        rules: 8192,
        patterns: ["gtpu-teid"],
      }),
    ).toThrow(
      "8193 exact-match entries needed: ixl's flow-rule table holds 8192 exact-match entries (NIC profile ixl, flow.rules)",
    );
    // The fields in the pattern's words (gtpu teid, udp dst), not the internal names.
    expect(() => checkRules([r], { id: "ix", profile: "ix", rules: 8190, patterns: ["udp-dport"] })).toThrow(
      "ix cannot match gtpu teid: its flow director matches udp dst (NIC profile ix, flow.patterns)",
    );
  });

  it("refuses rules that share a value (the later one could never match)", () => {
    const r = { field: "gtpu-teid" as const, lo: 100, hi: 199, queue: 3 };
    const nic = { id: "ixl", profile: "ixl", rules: 8192, patterns: ["gtpu-teid", "vxlan-vni"] };
    expect(() => checkRules([r, { ...r, lo: 150, hi: 150, queue: 4 }], nic)).toThrow(
      /gtpu teid 100-199 and gtpu teid is 150 overlap: Conflict with existing flow director rules/,
    );
    expect(() =>
      checkRules([{ ...r, lo: 200, hi: 300 }, r, { ...r, field: "vxlan-vni" }], nic),
    ).not.toThrow();
  });

  it("derived rules send both directions of a subscriber to one queue", () => {
    const t = buildMix({ mix: "gtpu", flows: 64, tunnels: 2, zipfS: 0, seed: 1 });
    const rules = deriveRules(t.flowFrames, t.pairOf, 4, ["gtpu-teid"], parseFrame);
    const q = (f: number) => matchRules(t.flowFrames[f]!, parseFrame(t.flowFrames[f]!), rules);
    for (let f = 0; f < 64; f += 2) expect(q(f)).toBe(q(f + 1));
    expect(new Set(Array.from({ length: 64 }, (_, f) => q(f)))).toEqual(new Set([0, 1, 2, 3]));
    expect(rules.length).toBe(8); // a block per queue, uplink and downlink TEIDs
  });
});

describe("a drop rule in the data plane (steering --strategy flow-rules)", () => {
  beforeAll(async () => {
    await ensureKernels();
  });
  const traffic = buildMix({ mix: "gtpu", flows: 256, tunnels: 1, zipfS: 0, seed: 1 });
  const teids = traffic.flowFrames.map((f) => fieldOf(f, parseFrame(f), "gtpu-teid")!).sort((a, b) => a - b);
  // The lowest quarter of the TEIDs is dropped, the next quarter goes to queue 1, the rest to RSS.
  const q1 = teids[64]!;
  const rules: FlowRule[] = [
    { id: 0, field: "gtpu-teid", lo: teids[0]!, hi: teids[63]!, action: "drop" },
    { id: 1, field: "gtpu-teid", lo: q1, hi: teids[127]!, queue: 1 },
  ];
  const frames = 3000;
  const scenario = {
    graph: strategyGraph("flow-rules", 2, { symmetric: null, rules, nic: "ixl" }),
    traffic,
    frames,
    seed: 1,
    profile: "bhyve",
  };

  it("matchRules answers MATCH_DROP for a flow a drop rule covers", () => {
    const at = (teid: number) =>
      traffic.flowFrames.findIndex((f) => fieldOf(f, parseFrame(f), "gtpu-teid") === teid);
    const m = (f: number) => matchRules(traffic.flowFrames[f]!, parseFrame(traffic.flowFrames[f]!), rules);
    expect(m(at(teids[0]!))).toBe(MATCH_DROP);
    expect(m(at(q1))).toBe(1);
    expect(m(at(teids[200]!))).toBe(-1);
  });

  it("drops exactly the frames of the dropped flows; the others reach their queues; conservation holds", () => {
    const r = simulateSteering({ ...scenario, ratePps: 1e6 });
    // What the rules say, frame by frame, over the frames this run offers (same draw).
    const seq = flowSequence(traffic, frames, 1);
    let toDrop = 0;
    let toQ1 = 0;
    for (const f of seq) {
      const q = matchRules(traffic.flowFrames[f]!, parseFrame(traffic.flowFrames[f]!), rules);
      if (q === MATCH_DROP) toDrop++;
      else if (q === 1) toQ1++;
    }
    expect(toDrop).toBeGreaterThan(frames / 8); // about a quarter of the frames
    expect(r.drops).toEqual({ [RULE_DROP]: toDrop });
    expect(r.delivered).toBe(frames - toDrop);
    expect(r.offered).toBe(r.delivered + toDrop);
    expect(r.conservation).toMatchObject({ ok: true, inFlight: 0 });
    // Queue 1 gets its rule's frames and whatever RSS sends there of the rest; queue 0 only RSS.
    expect(r.perQueue[1]!).toBeGreaterThanOrEqual(toQ1);
    expect(r.perQueue[0]! + r.perQueue[1]!).toBe(frames - toDrop);
    // Configured drops are not loss (RFC 1242 3.6): the loss ratio counts the frames let through.
    expect(r.lossRatio).toBe(0);
    // The flows the drop rule matched: the lowest quarter of the TEIDs, every one offered.
    const droppedFlows = new Set(
      [...seq].filter(
        (f) => matchRules(traffic.flowFrames[f]!, parseFrame(traffic.flowFrames[f]!), rules) === MATCH_DROP,
      ),
    );
    expect(droppedFlows.size).toBe(64);
    expect(r.ruleFlows.dropped).toBe(droppedFlows.size);
  });

  it("without rules no flow is counted dropped (the key is absent, as in the golden scenarios)", () => {
    const graph = strategyGraph("flow-rules", 2, { symmetric: null, rules: [], nic: "ixl" });
    const r = simulateSteering({ ...scenario, graph, ratePps: 1e6 });
    expect(r.ruleFlows).toEqual({ matched: 0, fallback: 0 });
  });

  it("with symmetric hashing too: a drop rule's frames are dropped, not hashed to a queue; its flows count as matched", () => {
    for (const symmetric of ["toeplitz", "sorted"] as const) {
      const graph = strategyGraph("flow-rules", 2, { symmetric, rules, nic: "ixl" });
      const r = simulateSteering({ ...scenario, graph, ratePps: 1e6 });
      const plain = simulateSteering({ ...scenario, ratePps: 1e6 });
      expect(r.drops).toEqual(plain.drops);
      expect(r.delivered).toBe(plain.delivered);
      expect(r.ruleFlows.matched).toBe(128); // 64 dropped flows and 64 to queue 1
      expect(r.ruleFlows.fallback).toBe(128);
      expect(r.ruleFlows.dropped).toBe(64);
    }
  });

  it("NDR is searched over the frames the rules let through (a drop rule alone does not make every load fail)", () => {
    const s = searchNdr(scenario, 10, 0.1);
    expect(s.ndrPps).toBeGreaterThan(0);
    expect(s.atNdr?.drops[RULE_DROP]).toBeGreaterThan(0);
    expect(s.atNdr?.lossRatio).toBe(0);
  });
});

const cli = (stateDir: string, argv: string[]) => iovsim(argv, { stateDir });

describe("iovsim flow and steering --port", () => {
  it("create, list, use, destroy; errors are located and exit non-zero", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-flow-"));
    const c1 = await cli(
      dir,
      words(
        "flow create ixl0 ingress pattern gtpu teid 0x10000000-0x1000007f / end actions queue index 1 / end",
      ),
    );
    expect(c1).toMatchObject({ code: 0, out: "Flow rule #0 created\n" });
    const c2 = await cli(
      dir,
      words(
        "flow create ixl0 ingress pattern gtpu teid 0x20000000-0x2000007f / end actions queue index 1 / end",
      ),
    );
    expect(c2.code).toBe(0);
    const l = await cli(dir, words("flow list ixl0"));
    expect(l.out).toContain(
      "0\tixl0\tingress pattern gtpu teid 268435456-268435583 / end actions queue index 1 / end",
    );
    expect(l.out).toContain("2 rule(s), 256 of 8192 exact-match entries");
    const bad = await cli(
      dir,
      words("flow create ixl0 ingress pattern gtpu teid 1 / end actions queue index / end"),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/token 12 \('\/'.*queue index/);
    const nope = await cli(
      dir,
      words("flow create ix9 ingress pattern gtpu teid 1 / end actions queue index 1 / end"),
    );
    expect(nope.err).toMatch(/no port 'ix9'/);
    // A queue the port does not have (ixl: 16 per function) is refused at its token, and the
    // rule is not stored; the last queue is taken.
    const beyond = await cli(
      dir,
      words("flow create ixl0 ingress pattern gtpu teid 7 / end actions queue index 16 / end"),
    );
    expect(beyond.code).toBe(1);
    expect(beyond.err).toMatch(
      /^iovsim: flow: token 12 \('16', column \d+\): queue 16 out of range: ixl0 \(ixl\) has 16 receive queues per function \(0\.\.15\); the driver refuses it with EINVAL \(ethtool -N \.\.\. action 16: "rmgr: Cannot insert RX class rule: Invalid argument"\)\n/,
    );
    expect(beyond.err).toMatch(/\n {2} +\^\n$/);
    expect((await cli(dir, words("flow list ixl0"))).out).toContain("2 rule(s)");
    // No subcommand: a usage error on stderr, status 1, as other commands (was help on stdout, 64).
    const none = await cli(dir, ["flow"]);
    expect(none.code).toBe(1);
    expect(none.out).toBe("");
    expect(none.err).toMatch(
      /^iovsim: flow: missing subcommand \(create, list, destroy or flush\)\nusage: iovsim flow create/,
    );
    // A value an existing rule matches already (i40e refuses the second perfect filter; it was
    // stored and never matched), located at the value, not stored; other fields are free.
    const clash = await cli(
      dir,
      words("flow create ixl0 ingress pattern gtpu teid 0x10000005 / end actions queue index 2 / end"),
    );
    expect(clash.code).toBe(1);
    expect(clash.err).toMatch(
      /^iovsim: flow: token 6 \('0x10000005', column 32\): gtpu teid is 268435461 overlaps rule #0 \(gtpu teid 268435456-268435583 -> queue 1\): Conflict with existing flow director rules/,
    );
    expect((await cli(dir, words("flow list ixl0"))).out).toContain("2 rule(s)");
    // steering uses the port's rules: half the subscribers to queue 1, the rest by outer RSS.
    const s = await cli(dir, [
      "steering",
      "--strategy",
      "flow-rules",
      "--port",
      "ixl0",
      "--queues",
      "2",
      "--flows",
      "512",
      "--tunnels",
      "1",
      "--rate",
      "1Mpps",
      "--no-ndr",
      "--frames",
      "2000",
      "--json",
    ]);
    expect(s.code).toBe(0);
    const j = JSON.parse(s.out);
    // 512 flows = 256 subscribers; the rules cover the first 128 subscribers' two TEIDs.
    expect(j.results[0].rules).toMatchObject({ source: "port", count: 2, entries: 256 });
    // (counted over the flows the 2000 frames drew: nearly all of them)
    const { matched_flows, fallback_flows } = j.results[0].rules;
    expect(matched_flows).toBeGreaterThan(240);
    expect(matched_flows).toBeLessThanOrEqual(256);
    expect(fallback_flows).toBeGreaterThan(240);
    expect(fallback_flows).toBeLessThanOrEqual(256);
    expect(j.results[0].per_queue[1]).toBeGreaterThan(0);
    // ix (82599): the most queues a pool mode gives a function (32 pools of 4; ixgbe's
    // num_rx_queues_per_pool), not 1 as it read before.
    const four = await cli(
      dir,
      words("flow create ix0 ingress pattern eth / ipv4 dst 10.0.0.1 / end actions queue index 4 / end"),
    );
    expect(four.code).toBe(1);
    expect(four.err).toContain(": queue 4 out of range: ix0 (ix) has 4 receive queues per function (0..3); ");
    // testpmd's line per destroyed rule (port_flow_destroy).
    const d = await cli(dir, words("flow destroy ixl0 rule 0"));
    expect(d.out).toBe("Flow rule #0 destroyed\n");
    expect((await cli(dir, words("flow destroy ixl0 rule 7"))).err).toMatch(/has no rule 7/);
    expect((await cli(dir, words("flow destroy ixl0 all"))).out).toBe("Flow rule #1 destroyed\n");
  });

  it("a PF whose driver the Linux view unbound has no netdev: flow and steering --port refuse, its rules are freed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-flow-unbound-"));
    const create = "flow create ixl0 ingress pattern gtpu teid 100-199 / end actions queue index 1 / end";
    expect((await cli(dir, words(create))).code).toBe(0);
    const unbind = await cli(dir, ["sysfs", "write", "/sys/bus/pci/drivers/i40e/unbind", "0000:01:00.0"]);
    expect(unbind.code).toBe(0);
    const dmesg = await cli(dir, ["dmesg"]);
    expect(dmesg.out).toContain("i40e unbound: unregistered ixl0 (its 1 flow rule freed)");
    const bound = "bind it again with iovsim sysfs write /sys/bus/pci/drivers/i40e/bind 0000:01:00.0";
    const c = await cli(dir, words(create));
    expect(c.code).toBe(1);
    expect(c.err).toBe(
      `iovsim: flow create: ixl0 has no netdev: its PF driver (i40e) is unbound on the simulated host, so ethtool gets "No such device"; ${bound} (ethtool -N ... prints "rxclass: Cannot get RX class rule count: No such device" and "Cannot insert classification rule")\n`,
    );
    const l = await cli(dir, words("flow list ixl0"));
    expect(l.code).toBe(1);
    expect(l.err).toContain('(ethtool -n prints "Cannot get RX rings: No such device")');
    expect((await cli(dir, words("flow destroy ixl0 all"))).err).toContain(
      "Cannot delete classification rule",
    );
    const steer = [
      "steering",
      "--strategy",
      "flow-rules",
      "--port",
      "ixl0",
      "--frames",
      "500",
      "--rate",
      "1Mpps",
      "--no-ndr",
    ];
    const s = await cli(dir, steer);
    expect(s.code).toBe(1);
    expect(s.err).toContain(`--port ixl0: ixl0 has no netdev: its PF driver (i40e) is unbound`);
    // Bound again: a new netdev with no rules (the driver's remove freed them).
    expect((await cli(dir, ["sysfs", "write", "/sys/bus/pci/drivers/i40e/bind", "0000:01:00.0"])).code).toBe(
      0,
    );
    expect((await cli(dir, words("flow list ixl0"))).out).toContain("0 rule(s)");
    expect((await cli(dir, steer)).err).toMatch(/--port ixl0: no flow rules/);
  });
});

describe("steering --port: rules that match no frame of a mix", () => {
  // A 'vxlan vni' rule (UDP 4789 VXLAN, as i40e's item) and the vxlan-gpe mix: the rule steers
  // nothing there and every flow goes by the outer-RSS fallback. The run showed that spread and
  // said only '1 rule(s) configured on ixl0'.
  it("says which mix no rule matched, once per mix, and not for a mix a rule matched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-flow-nomatch-"));
    const made = await cli(
      dir,
      words(
        "flow create ixl0 ingress pattern eth / ipv4 / udp / vxlan vni is 100 / end actions queue index 1 / end",
      ),
    );
    expect(made.code, made.err).toBe(0);
    const s = await cli(dir, [
      ...words("steering --mix vxlan,vxlan-gpe --strategy flow-rules --port ixl0 --queues 2,4"),
      ...words("--frames 1000 --no-ndr --rate 1Mpps --json"),
    ]);
    expect(s.code, s.err).toBe(0);
    const j = JSON.parse(s.out);
    const notes = (j.notes as string[]).filter((n) => n.startsWith("flow-rules on "));
    expect(notes).toEqual([
      "flow-rules on vxlan-gpe: none of the 1 rule(s) on ixl0 matched a frame; every flow went by outer RSS",
    ]);
    const gpe = j.results.filter((r: { traffic: string }) => r.traffic === "vxlan-gpe");
    expect(gpe.map((r: { rules: { matched_flows: number } }) => r.rules.matched_flows)).toEqual([0, 0]);
  });
});
