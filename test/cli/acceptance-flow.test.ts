// Acceptance sweep of `iovsim flow create|list|destroy|flush`, as an outside tester runs it:
// cases checked against the real sources. testpmd (app/test-pmd/cmdline_flow.c parse_int:
// strtoumax base 0; config.c port_flow_list / port_flow_destroy: "Flow rule #N destroyed");
// the drivers' ethtool -N checks (i40e_add_fdir_ethtool and ixgbe_add_ethtool_fdir_entry:
// a queue past the function's rings is EINVAL; ixgbe's num_rx_queues_per_pool is 2 or 4 on an
// 82599 with SR-IOV); inet_pton for IPv4 addresses (no leading zeros).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliRun, iovsim, tempDir } from "../helpers/cli.ts";

const words = (s: string) => s.split(" ").filter((w) => w !== "");
const rule = (port: string, pattern: string, action = "queue index 1") =>
  words(`flow create ${port} ingress pattern ${pattern} / end actions ${action} / end`);

/** A fresh host state; `run` runs iovsim in it. */
function host() {
  const dir = tempDir("iovsim-flow-acc-");
  return (argv: string[]): Promise<CliRun> => iovsim(argv, { stateDir: dir });
}

/** A refusal: exit 1, nothing on stdout, one message naming `what`, no stack trace. */
function refused(r: CliRun, ...what: string[]) {
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toMatch(/^iovsim: flow/);
  expect(r.err).not.toMatch(/\n\s+at /);
  for (const w of what) expect(r.err).toContain(w);
}

// The whole pattern is listed, its plain items included (they are the rule's packet type:
// without them `eth / ipv6 / udp / gtpu teid 5` was listed as `gtpu teid 5`, a rule for both IP
// versions), so a listed rule entered again is the same rule.
describe("flow create: every field, listed back as written", () => {
  it.each([
    ["eth / ipv4 / udp / gtpu teid 100-199", "eth / ipv4 / udp / gtpu teid 100-199", 100],
    ["eth / ipv4 / udp / vxlan vni 7", "eth / ipv4 / udp / vxlan vni is 7", 1],
    ["eth / ipv4 / esp spi 0x1000-0x1003", "eth / ipv4 / esp spi 4096-4099", 4],
    ["eth / ipv4 dst 192.0.2.1", "eth / ipv4 dst is 192.0.2.1", 1],
    ["eth / ipv4 / udp dst 4789", "eth / ipv4 / udp dst is 4789", 1],
    ["eth / ipv4 / udp / gtpu teid is 5", "eth / ipv4 / udp / gtpu teid is 5", 1],
    ["ipv6 / udp / gtpu teid 0x10", "ipv6 / udp / gtpu teid is 16", 1],
    ["gtpu teid 5", "gtpu teid is 5", 1],
  ])("%s", async (pattern, listed, entries) => {
    const run = host();
    const c = await run(rule("ixl0", pattern));
    expect(c).toEqual({ code: 0, out: "Flow rule #0 created\n", err: "" });
    const l = await run(words("flow list ixl0"));
    expect(l.code).toBe(0);
    const line = `0\tixl0\tingress pattern ${listed} / end actions queue index 1 / end\n`;
    expect(l.out).toBe(`ID\tPORT\tRULE\n${line}1 rule(s), ${entries} of 8192 exact-match entries\n`);
    // Round trip: the listed rule, entered on another host, is listed the same (and on this
    // one it is the same filter: an overlap).
    const again = host();
    expect((await again(words(`flow create ixl0 ${line.split("\t")[2]!.trim()}`))).code).toBe(0);
    expect((await again(words("flow list ixl0"))).out).toBe(l.out);
    refused(await run(words(`flow create ixl0 ${line.split("\t")[2]!.trim()}`)), "overlaps rule #0");
  });
});

describe("flow create: masks and ranges (hardware matches exact values)", () => {
  it.each(["spec", "last", "mask", "prefix"])("testpmd's '%s' is refused at its token", async (w) => {
    const r = await host()(rule("ixl0", `udp dst ${w} 53`));
    refused(r, `token 6 ('${w}', column 30)`, `testpmd's '${w}' is not supported`);
  });

  it("a range running backwards is refused", async () => {
    refused(await host()(rule("ixl0", "gtpu teid 9-3")), "range 9-3 runs backwards");
  });

  it("the table filled to its last entry; one more value is refused and not stored", async () => {
    const run = host();
    expect((await run(rule("ixl0", "gtpu teid 0-8190"))).code).toBe(0);
    expect((await run(rule("ixl0", "vxlan vni 1"))).code).toBe(0);
    // At the rule's value, naming the limit and the NIC profile it comes from.
    refused(
      await run(rule("ixl0", "esp spi 1")),
      "flow: token 6 ('1', column 30): esp spi is 1 needs 1 entry (a range takes one per value), 0 left: ixl0 (ixl)'s flow-rule table holds 8192 exact-match entries (NIC profile ixl, flow.rules)\n  ixl0 ingress pattern esp spi 1 /",
    );
    expect((await run(words("flow list ixl0"))).out).toContain("2 rule(s), 8192 of 8192 exact-match entries");
  });

  it("a range needs one table entry per value: more than the table holds is refused", async () => {
    const r = await host()(rule("ixl0", "gtpu teid 0-8192"));
    refused(
      r,
      "token 6 ('0-8192', column 32): gtpu teid 0-8192 needs 8193 entries (a range takes one per value), 8192 left: ixl0 (ixl)'s flow-rule table holds 8192",
    );
  });
});

describe("flow create: values at their limits", () => {
  it.each([
    ["vxlan vni 0xffffff", 0],
    ["vxlan vni 0x1000000", 1],
    ["gtpu teid 0xffffffff", 0],
    ["gtpu teid 0x100000000", 1],
    ["udp dst 65535", 0],
    ["udp dst 65536", 1],
    ["ipv4 dst 255.255.255.255", 0],
    ["ipv4 dst 256.0.0.1", 1],
  ])("%s -> exit %i", async (pattern, code) => {
    const r = await host()(rule("ixl0", pattern));
    expect(r.code).toBe(code);
    if (code) expect(r.err).toMatch(/must be at most|expected an IPv4 address/);
  });
});

describe("flow create: numbers as testpmd reads them (strtoumax, base 0)", () => {
  it("0X is hexadecimal and a leading 0 octal: 010 is 8", async () => {
    const run = host();
    expect((await run(rule("ixl0", "gtpu teid 010", "queue index 0X0F"))).code).toBe(0);
    expect((await run(words("flow list ixl0"))).out).toContain(
      "ingress pattern gtpu teid is 8 / end actions queue index 15 / end",
    );
  });

  it.each([
    ["08", "a leading 0 makes it octal"],
    ["1e3", "expected TEID N or N-M"],
    ["0x", "expected TEID N or N-M"],
    ["12abc", "expected TEID N or N-M"],
    ["-1", "expected TEID N or N-M"],
  ])("teid %s is refused", async (v, msg) => {
    refused(await host()(rule("ixl0", `gtpu teid ${v}`)), `('${v}', column 32)`, msg);
  });

  it("an IPv4 address with a leading zero is refused (inet_pton)", async () => {
    refused(await host()(rule("ixl0", "ipv4 dst 010.0.0.1")), "without leading zeros");
  });
});

describe("flow create: the action's queue against the port's receive queues", () => {
  it.each([
    ["ixl0", "gtpu teid 1", 15, 0, ""],
    ["ixl0", "gtpu teid 1", 16, 1, "ixl0 (ixl) has 16 receive queues per function (0..15)"],
    ["ix0", "udp dst 53", 3, 0, ""],
    ["ix0", "udp dst 53", 4, 1, "ix0 (ix) has 4 receive queues per function (0..3)"],
    ["ixl0", "gtpu teid 1", 256, 1, "a queue index must be at most 255"],
  ])("%s %s queue %i -> exit %i", async (port, pattern, q, code, msg) => {
    const r = await host()(rule(port, pattern, `queue index ${q}`));
    expect(r.code).toBe(code);
    if (code) expect(r.err).toContain(msg);
  });

  it("ix0 with 32 VFs or more: the 64-pool mode leaves the PF 2 queues (ixgbe), so queue 2 is refused", async () => {
    const dir = tempDir("iovsim-flow-acc-");
    const conf = join(dir, "ix.conf");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    for (const [vfs, ok, bad] of [
      [31, 3, 4],
      [40, 1, 2],
    ] as const) {
      writeFileSync(conf, `PF { device : "ix0"; num_vfs : ${vfs}; }\n`);
      await run(["iovctl", "-D", "-d", "ix0"]);
      expect((await run(["iovctl", "-C", "-f", conf])).code).toBe(0);
      await run(words("flow flush ix0"));
      expect((await run(rule("ix0", "udp dst 53", `queue index ${ok}`))).code).toBe(0);
      const r = await run(rule("ix0", "udp dst 54", `queue index ${bad}`));
      refused(r, `queue ${bad} out of range: ix0 (ix) has ${ok + 1} receive queues per function (0..${ok})`);
    }
  });

  it("queue -1 (ethtool's drop) is not a queue index", async () => {
    refused(await host()(rule("ixl0", "gtpu teid 1", "queue index -1")), "expected a queue index");
  });

  it.each(["vf id 1", "rss", "mark id 3"])("action '%s' is refused by name", async (a) => {
    const r = await host()(rule("ixl0", "gtpu teid 1", a));
    refused(r, `action '${a.split(" ")[0]}' is not supported: the actions are 'queue index Q' and 'drop'`);
  });

  it("an unknown action names the two there are", async () => {
    refused(await host()(rule("ixl0", "gtpu teid 1", "discard")), "expected 'queue' or 'drop'");
    refused(await host()(rule("ixl0", "gtpu teid 1", "drop index 1")), "expected 'end'");
  });
});

// testpmd's `drop` (cmdline_flow.c ACTION_DROP, RTE_FLOW_ACTION_TYPE_DROP) and ethtool -N's
// `action -1` (RX_CLS_FLOW_DISC): i40e_add_fdir_ethtool programs the filter with
// I40E_FILTER_PROGRAM_DESC_DEST_DROP_PACKET, ixgbe_add_ethtool_fdir_entry with
// IXGBE_FDIR_DROP_QUEUE. A drop filter is a filter like any other: one table entry per value,
// one value per filter.
describe("flow create: the drop action", () => {
  it("is created, listed back as written, and takes its entries", async () => {
    const run = host();
    expect(await run(rule("ixl0", "eth / ipv4 / esp spi 0x10-0x13", "drop"))).toMatchObject({
      code: 0,
      out: "Flow rule #0 created\n",
    });
    expect((await run(rule("ixl0", "gtpu teid 5"))).code).toBe(0);
    const l = await run(words("flow list ixl0"));
    expect(l.out).toBe(
      "ID\tPORT\tRULE\n" +
        "0\tixl0\tingress pattern eth / ipv4 / esp spi 16-19 / end actions drop / end\n" +
        "1\tixl0\tingress pattern gtpu teid is 5 / end actions queue index 1 / end\n" +
        "2 rule(s), 5 of 8192 exact-match entries\n",
    );
  });

  it("overlaps with queue rules are refused both ways, naming what the other rule does", async () => {
    const run = host();
    await run(rule("ixl0", "gtpu teid 100-199", "drop"));
    refused(await run(rule("ixl0", "gtpu teid 150")), "overlaps rule #0 (gtpu teid 100-199 -> drop)");
    await run(rule("ixl0", "udp dst 53"));
    refused(await run(rule("ixl0", "udp dst 53", "drop")), "overlaps rule #1 (udp dst is 53 -> queue 1)");
  });

  it("counts against the rule table like a queue rule", async () => {
    const run = host();
    expect((await run(rule("ixl0", "gtpu teid 0-8190", "drop"))).code).toBe(0);
    expect((await run(rule("ixl0", "udp dst 1", "drop"))).code).toBe(0);
    refused(
      await run(rule("ixl0", "udp dst 2")),
      "udp dst is 2 needs 1 entry (a range takes one per value), 0 left",
    );
  });

  it("needs no queue: on an 82599 (ix) with 4 queues per function it is taken", async () => {
    const run = host();
    expect((await run(rule("ix0", "ipv4 dst 10.0.0.1", "drop"))).code).toBe(0);
    refused(await run(rule("ix0", "ipv4 dst 10.0.0.2", "queue index 4")), "queue 4 out of range");
  });

  it("steering --port runs it: the frames are dropped by the NIC, not counted as loss", async () => {
    const run = host();
    // The first subscriber block's TEIDs (the gtpu mix numbers them from 0x10000000).
    expect((await run(rule("ixl0", "gtpu teid 0x10000000-0x1000007f", "drop"))).code).toBe(0);
    const s = await run(
      words(
        "steering --strategy flow-rules --port ixl0 --queues 2 --flows 512 --tunnels 1 --rate 1Mpps --no-ndr --frames 2000 --json",
      ),
    );
    expect(s.code).toBe(0);
    const r = JSON.parse(s.out).results[0];
    const dropped = r.drops["flow-rule drop"];
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(2000);
    expect(r.per_queue[0] + r.per_queue[1] + dropped).toBe(2000);
    expect(r.conservation_ok).toBe(true);
    expect(r.loss_ratio).toBe(0);
    // The flows the rule dropped: counted among the matched ones, in JSON, CSV and the table.
    const flows = r.rules.dropped_flows;
    expect(flows).toBeGreaterThan(0);
    expect(flows).toBeLessThanOrEqual(r.rules.matched_flows);
    const argv =
      "steering --strategy flow-rules --port ixl0 --queues 2 --flows 512 --tunnels 1 --rate 1Mpps --no-ndr --frames 2000";
    const csv = await run(words(`${argv} --csv`));
    const [head, row] = csv.out
      .trimEnd()
      .split("\r\n")
      .map((l) => l.split(","));
    expect(row![head!.indexOf("dropped_flows_count")]).toBe(String(flows));
    const table = await run(words(argv));
    expect(table.out).toContain(`${dropped} flow-rule drop; ${flows} flows dropped`);
  });
});

describe("flow create: what a NIC can match", () => {
  it("ix (82599) matches no tunnel field", async () => {
    refused(
      await host()(rule("ix0", "gtpu teid 1", "queue index 0")),
      "flow: token 6 ('1', column 31): ix0 (ix) cannot match gtpu teid: its flow director matches ipv4 dst, udp dst (NIC profile ix, flow.patterns)",
    );
  });

  it("igb (82576) has no exact-match table for these fields", async () => {
    refused(
      await host()(rule("igb0", "udp dst 53", "queue index 0")),
      "igb0 (igb) cannot match udp dst: it has no exact-match flow table (NIC profile igb has no flow.patterns)",
    );
  });

  it("an IPv6 address is not an ipv4 dst, nor an IPv4 address an ipv6 dst", async () => {
    const run = host();
    refused(await run(rule("ixl0", "ipv4 dst 2001:db8::1")), "expected an IPv4 address");
    refused(await run(rule("ixl0", "ipv6 dst 192.0.2.1")), "expected an IPv6 address");
  });

  it("ix (82599) has no IPv6 exact match (ixgbe: IPv6 fdir in signature mode only)", async () => {
    refused(
      await host()(rule("ix0", "ipv6 dst 2001:db8::1", "queue index 0")),
      "ix0 (ix) cannot match ipv6 dst: its flow director matches ipv4 dst, udp dst",
    );
  });

  it("ipv4/udp fields other than dst are refused by name", async () => {
    const run = host();
    refused(await run(rule("ixl0", "ipv4 src 10.0.0.1")), "ipv4 src: not supported");
    refused(await run(rule("ixl0", "udp src 53")), "udp src: not supported");
  });

  it("egress and attributes are refused by name", async () => {
    const r = await host()(
      words("flow create ixl0 egress pattern udp dst 53 / end actions queue index 1 / end"),
    );
    refused(r, "'egress' is not supported");
  });
});

describe("flow create: one rule per value (duplicate locations)", () => {
  it("the same value twice is refused at the value; the first rule stays", async () => {
    const run = host();
    expect((await run(rule("ixl0", "udp dst 53"))).code).toBe(0);
    const r = await run(rule("ixl0", "udp dst 53", "queue index 2"));
    refused(
      r,
      "udp dst is 53 overlaps rule #0 (udp dst is 53 -> queue 1): Conflict with existing flow director rules",
    );
    expect((await run(words("flow list ixl0"))).out).toContain("1 rule(s), 1 of 8192");
  });

  it("an overlapping range is refused; the same number in another field is not", async () => {
    const run = host();
    expect((await run(rule("ixl0", "gtpu teid 10-20"))).code).toBe(0);
    refused(await run(rule("ixl0", "gtpu teid 20-30")), "overlaps rule #0");
    expect((await run(rule("ixl0", "vxlan vni 15"))).out).toBe("Flow rule #1 created\n");
  });

  it("a destroyed rule's id is not reused while a later one exists; ids count on from the highest", async () => {
    const run = host();
    for (const p of ["udp dst 1", "udp dst 2", "udp dst 3"]) await run(rule("ixl0", p));
    await run(words("flow destroy ixl0 rule 1"));
    expect((await run(rule("ixl0", "udp dst 4"))).out).toBe("Flow rule #3 created\n");
  });
});

describe("flow on a VF, on a missing port, after SR-IOV teardown", () => {
  it("a VF's netdev is named as a VF, with the PF to use", async () => {
    const run = host();
    const dir = tempDir("iovsim-flow-conf-");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/v.conf`, 'PF { device: "ixl0"; num_vfs: 2; }\n');
    expect((await run(["iovctl", "-C", "-f", `${dir}/v.conf`])).code).toBe(0);
    refused(
      await run(rule("iavf0", "udp dst 53")),
      "iavf0 is a VF (VF 0 of ixl0): its driver has no flow director",
      "iovsim flow create ixl0",
    );
    refused(await run(words("flow list iavf1")), "iavf1 is a VF (VF 1 of ixl0)");
  });

  it("an unknown port is refused by name", async () => {
    refused(await host()(words("flow list ixl7")), "no port 'ixl7' on this host");
  });

  it("the PF's rules outlive its VFs (iovctl -C then -D), and steering still runs them", async () => {
    const run = host();
    const dir = tempDir("iovsim-flow-conf-");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/v.conf`, 'PF { device: "ixl0"; num_vfs: 4; }\n');
    expect((await run(["iovctl", "-C", "-f", `${dir}/v.conf`])).code).toBe(0);
    expect((await run(rule("ixl0", "gtpu teid 0-99"))).code).toBe(0);
    expect((await run(["iovctl", "-D", "-d", "ixl0"])).code).toBe(0);
    expect((await run(words("flow list ixl0"))).out).toContain("1 rule(s), 100 of 8192");
    const s = await run(
      words(
        "steering --strategy flow-rules --port ixl0 --queues 2 --frames 500 --rate 1Mpps --no-ndr --json",
      ),
    );
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out).results[0].rules).toMatchObject({ source: "port", count: 1, entries: 100 });
  });
});

describe("flow list", () => {
  it("an empty port: the header and the table's size", async () => {
    expect(await host()(words("flow list ix0"))).toEqual({
      code: 0,
      out: "ID\tPORT\tRULE\n0 rule(s), 0 of 8190 exact-match entries\n",
      err: "",
    });
  });

  it("two rules, in id order, entries summed over ranges", async () => {
    const run = host();
    await run(rule("ixl0", "gtpu teid 1-4", "queue index 2"));
    await run(rule("ixl0", "ipv4 dst 10.0.0.9", "queue index 0"));
    expect((await run(words("flow list ixl0"))).out).toBe(
      "ID\tPORT\tRULE\n" +
        "0\tixl0\tingress pattern gtpu teid 1-4 / end actions queue index 2 / end\n" +
        "1\tixl0\tingress pattern ipv4 dst is 10.0.0.9 / end actions queue index 0 / end\n" +
        "2 rule(s), 5 of 8192 exact-match entries\n",
    );
  });

  it("takes exactly one PORT", async () => {
    refused(await host()(words("flow list ixl0 ix0")), "flow list takes one PORT");
  });
});

describe("flow destroy and flush", () => {
  it("testpmd's line per rule; several 'rule ID' at once", async () => {
    const run = host();
    for (const p of ["udp dst 1", "udp dst 2", "udp dst 3"]) await run(rule("ixl0", p));
    const d = await run(words("flow destroy ixl0 rule 2 rule 0"));
    expect(d).toEqual({ code: 0, out: "Flow rule #0 destroyed\nFlow rule #2 destroyed\n", err: "" });
    expect((await run(words("flow list ixl0"))).out).toContain("1 rule(s)");
  });

  it("a missing rule is refused and nothing is destroyed", async () => {
    const run = host();
    await run(rule("ixl0", "udp dst 1"));
    refused(
      await run(words("flow destroy ixl0 rule 0 rule 5")),
      "ixl0 has no rule 5 (its rules: 0",
      "nothing destroyed",
    );
    expect((await run(words("flow list ixl0"))).out).toContain("1 rule(s)");
  });

  it("a trailing word is refused, not ignored (it destroyed rule 0)", async () => {
    const run = host();
    await run(rule("ixl0", "udp dst 1"));
    refused(
      await run(words("flow destroy ixl0 rule 0 extra")),
      "word 3 ('extra'): expected 'rule ID' or 'all'",
    );
    expect((await run(words("flow list ixl0"))).out).toContain("1 rule(s)");
  });

  it.each([
    ["rule 0 rule 0", "rule 0 is given twice"],
    ["rule x", "word 2 ('x'): expected a rule ID"],
    ["rule", "word 2 ('<end>'): expected a rule ID"],
    ["", "expected 'rule ID' or 'all' after ixl0"],
  ])("destroy ixl0 %s is refused", async (rest, msg) => {
    refused(await host()(words(`flow destroy ixl0 ${rest}`)), msg);
  });

  it("flush (and destroy all) empties the port; on an empty port it says so", async () => {
    const run = host();
    await run(rule("ixl0", "udp dst 1"));
    expect((await run(words("flow flush ixl0"))).out).toBe("Flow rule #0 destroyed\n");
    expect((await run(words("flow destroy ixl0 all"))).out).toBe("no flow rules on ixl0\n");
    refused(await run(words("flow flush ixl0 now")), "flow flush takes one PORT (unexpected 'now')");
  });
});

describe("flow rules in a hand-edited state file", () => {
  it.each([
    [{ id: 0, field: "gtpu-teid", lo: 9, hi: 3, queue: 1 }, "$.flow.ixl0[0].hi", "range 9-3 runs backwards"],
    [
      { id: 0, field: "udp-dport", lo: 1, hi: 70000, queue: 1 },
      "$.flow.ixl0[0].hi",
      "udp-dport must be at most 65535",
    ],
    [{ id: 0, field: "ipv6-dst", lo: 1, hi: 1, queue: 1 }, "$.flow.ixl0[0].lo", "has 'addr', not 'lo'/'hi'"],
    [{ id: 0, field: "ipv6-dst", queue: 1 }, "$.flow.ixl0[0].addr", "needs 'addr'"],
    [{ id: 0, field: "ipv6-src", addr: "fe80::1%eth0", queue: 1 }, "$.flow.ixl0[0].addr", "inet_pton"],
    [{ id: 0, field: "udp-dport", addr: "::1", queue: 1 }, "$.flow.ixl0[0].addr", "not 'addr'"],
    [{ id: 0, field: "ipv4-src", lo: 1, hi: 1, queue: 1 }, "$.flow.ixl0[0].field", "invalid flow rules"],
    [
      { id: 0, field: "gtpu-teid", lo: 9, hi: 9, queue: 1, items: ["udp", "ipv4", "gtpu"] },
      "$.flow.ixl0[0].items[1]",
      "'ipv4' cannot follow 'udp'",
    ],
    [
      { id: 0, field: "gtpu-teid", lo: 9, hi: 9, queue: 1, items: ["eth", "ipv4"] },
      "$.flow.ixl0[0].items",
      "the items have no 'gtpu' item for gtpu-teid",
    ],
    [
      { id: 0, field: "gtpu-teid", lo: 9, hi: 9, queue: 1, items: ["eth", "tcp", "gtpu"] },
      "$.flow.ixl0[0].items[1]",
      "invalid flow rules",
    ],
  ])("%j is reported where it is, never listed or run", async (bad, where, msg) => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    expect((await run(rule("ixl0", "udp dst 5"))).code).toBe(0);
    const file = join(dir, "state.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    state.flow.ixl0.push({ ...bad, id: 1 });
    state.flow.ixl0[0] = { ...state.flow.ixl0[0], id: 2 };
    state.flow.ixl0.reverse();
    writeFileSync(file, JSON.stringify(state));
    const l = await run(words("flow list ixl0"));
    expect(l.code).toBe(1);
    // As the state loader names every fault: the file, the JSON path, and where it is.
    expect(l.err).toContain(`state file ${file} is corrupt: ${where}: `);
    expect(l.err).toMatch(new RegExp(`, at ${file}:\\d+:\\d+; run 'iovsim reset'`));
    expect(l.err).toContain(msg);
  });

  it("a state file written before drop rules (queue rules only) still reads", async () => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    await run(rule("ixl0", "udp dst 5"));
    const file = join(dir, "state.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    expect(state.flow.ixl0).toEqual([{ id: 0, field: "udp-dport", lo: 5, hi: 5, queue: 1, items: ["udp"] }]);
    await run(rule("ixl0", "udp dst 6", "drop"));
    expect(JSON.parse(readFileSync(file, "utf8")).flow.ixl0[1]).toEqual({
      id: 1,
      field: "udp-dport",
      lo: 6,
      hi: 6,
      action: "drop",
      items: ["udp"],
    });
  });

  it.each([
    [{ id: 1, field: "udp-dport", lo: 9, hi: 9, queue: 1, action: "drop" }],
    [{ id: 1, field: "udp-dport", lo: 9, hi: 9 }],
  ])("a rule with both a queue and a drop, or neither, is reported: %j", async (bad) => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    await run(rule("ixl0", "udp dst 5"));
    const file = join(dir, "state.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    state.flow.ixl0.push(bad);
    writeFileSync(file, JSON.stringify(state));
    const l = await run(words("flow list ixl0"));
    expect(l.code).toBe(1);
    expect(l.err).toContain(`${file} is corrupt: $.flow.ixl0[1]: invalid flow rules (a rule has 'queue'`);
  });

  it("two rules with one id are reported", async () => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    await run(rule("ixl0", "udp dst 5"));
    await run(rule("ixl0", "udp dst 6"));
    const file = join(dir, "state.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    state.flow.ixl0[1].id = 0;
    writeFileSync(file, JSON.stringify(state));
    const l = await run(words("flow list ixl0"));
    expect(l.code).toBe(1);
    // The state file by its path, as every other state error names it.
    expect(l.err).toContain(`${file} is corrupt: $.flow.ixl0[1].id: invalid flow rules (rule id 0 twice)`);
  });
});

describe("flow: options it does not take, and usage", () => {
  it.each([
    ["flow list ixl0 --json", "unknown option '--json'"],
    ["flow create ixl0 --csv", "unknown option '--csv'"],
    ["flow destroy ixl0 all --force", "unknown option '--force'"],
  ])("%s is an error naming the option", async (line, msg) => {
    refused(await host()(words(line)), msg);
  });

  it("an unknown subcommand and a missing PORT are usage errors", async () => {
    const run = host();
    refused(await run(words("flow show ixl0")), "unknown subcommand 'show'");
    refused(await run(words("flow list")), "flow list takes one PORT");
    refused(await run(words("flow destroy")), "flow destroy: missing PORT");
  });
});

describe("flow create: IPv6 (testpmd's ipv6 item, inet_pton addresses)", () => {
  it.each([
    ["eth / ipv6 dst is 2001:DB8:0:0::1", "eth / ipv6 dst is 2001:db8::1"],
    ["eth / ipv6 src 2001:0db8:0000:0000:0000:0000:0000:0001 / udp", "eth / ipv6 src is 2001:db8::1 / udp"],
    ["ipv6 dst ::ffff:192.0.2.1", "ipv6 dst is ::ffff:192.0.2.1"],
    ["ipv6 dst ::ffff:c000:201", "ipv6 dst is ::ffff:192.0.2.1"],
    ["ipv6 src 1:2:3:4:5:6:7::", "ipv6 src is 1:2:3:4:5:6:7:0"],
    ["eth / ipv6 / udp / gtpu teid 5", "eth / ipv6 / udp / gtpu teid is 5"],
  ])("%s is listed back as inet_ntop prints it: %s, one table entry", async (pattern, listed) => {
    const run = host();
    expect(await run(rule("ixl0", pattern))).toEqual({ code: 0, out: "Flow rule #0 created\n", err: "" });
    expect((await run(words("flow list ixl0"))).out).toBe(
      `ID\tPORT\tRULE\n0\tixl0\tingress pattern ${listed} / end actions queue index 1 / end\n1 rule(s), 1 of 8192 exact-match entries\n`,
    );
  });

  it.each([
    ["ipv6 dst fe80::1%eth0", 6, "a zone id"],
    ["ipv6 dst [2001:db8::1]", 6, "no brackets"],
    ["ipv6 dst 2001:db8::/32", 6, "no prefix length"],
    ["ipv6 dst 1::2::3", 6, "expected an IPv6 address"],
    ["ipv6 dst ::ffff:01.2.3.4", 6, "expected an IPv6 address"],
    ["ipv6 src is 12345::", 7, "expected an IPv6 address"],
    ["ipv6 dst", 6, "expected an IPv6 address"],
    ["ipv6 dst spec ::1", 6, "testpmd's 'spec' is not supported"],
    ["ipv6 proto is 17", 5, "ipv6 proto: not supported: i40e's flow director can match it"],
    ["ipv6 tc is 4", 5, "I40E_INSET_IPV6_TC"],
    ["ipv6 hop is 64", 5, "I40E_INSET_IPV6_HOP_LIMIT"],
    ["ipv6 flow is 5", 5, "ipv6 flow: not supported"],
    ["ipv6 src is ::1 dst is ::2", 8, "a rule matches one keyed field"],
    ["ipv6 dst ::1 / udp / gtpu teid 5", 10, "a rule matches one keyed field"],
  ])("%s is refused at token %i", async (pattern, token, what) => {
    const r = await host()(rule("ixl0", pattern));
    refused(r, `token ${token} (`, what);
  });

  it("the same address written two ways overlaps (one filter per address); src and dst do not", async () => {
    const run = host();
    await run(rule("ixl0", "ipv6 dst 2001:db8::1"));
    refused(
      await run(rule("ixl0", "ipv6 dst 2001:DB8:0::1", "drop")),
      "ipv6 dst is 2001:db8::1 overlaps rule #0 (ipv6 dst is 2001:db8::1 -> queue 1)",
    );
    expect((await run(rule("ixl0", "ipv6 src 2001:db8::1", "drop"))).code).toBe(0);
  });

  it("is kept in the state file with its address as inet_ntop prints it", async () => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    await run(rule("ixl0", "ipv6 dst 2001:DB8::0:1"));
    await run(rule("ixl0", "ipv6 src ::1", "drop"));
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    expect(state.flow.ixl0).toEqual([
      { id: 0, field: "ipv6-dst", addr: "2001:db8::1", queue: 1, items: ["ipv6"] },
      { id: 1, field: "ipv6-src", addr: "::1", action: "drop", items: ["ipv6"] },
    ]);
  });

  it("steering --port runs it on IPv6 traffic: uplink to the UPF on queue 2, downlink on 3", async () => {
    const run = host();
    // The gtpu mix's UPF, 203.0.113.1, is 2001:db8:203::113:1 with --ip 6.
    expect(
      (await run(rule("ixl0", "eth / ipv6 dst is 2001:db8:203::113:1 / udp", "queue index 2"))).code,
    ).toBe(0);
    expect((await run(rule("ixl0", "eth / ipv6 src is 2001:db8:203::113:1", "queue index 3"))).code).toBe(0);
    const s = await run(
      words(
        "steering --mix gtpu --ip 6 --strategy flow-rules --port ixl0 --queues 4 --flows 256 --tunnels 1 --rate 1Mpps --no-ndr --frames 1000 --json",
      ),
    );
    expect(s.code, s.err).toBe(0);
    const j = JSON.parse(s.out);
    const r = j.results[0];
    expect(r.per_queue[0] + r.per_queue[1]).toBe(0);
    expect(r.per_queue[2]).toBeGreaterThan(250);
    expect(r.per_queue[3]).toBeGreaterThan(250);
    expect(r.per_queue[2] + r.per_queue[3]).toBe(1000);
    expect(j.mixes[0].ip).toEqual({ inner: "ipv6", outer: "ipv6" });
  });
});

// i40e keeps its flow director filters per packet classifier type (PCTYPE), which
// i40e_flow.c i40e_flow_parse_fdir_pattern derives from the plain items (IPV4 then UDP:
// I40E_FILTER_PCTYPE_NONF_IPV4_UDP; IPV6: ..._IPV6_...; GTPU over either: the GTP profile's
// pctype), and a frame is looked up among the filters of its own type only.
describe("flow rules match their own packet type only", () => {
  // The gtpu mix's uplink TEIDs with 256 flows: 128 subscribers from 0x10000000.
  const UPLINK = "gtpu teid is 0x10000000-0x1000007f";
  const steer = async (run: ReturnType<typeof host>, ip: string) => {
    const s = await run(
      words(
        `steering --mix gtpu --ip ${ip} --strategy flow-rules --port ixl0 --queues 2 --flows 256 --tunnels 1 --rate 1Mpps --no-ndr --frames 1000 --json`,
      ),
    );
    expect(s.code, s.err).toBe(0);
    const r = JSON.parse(s.out).results[0];
    return {
      matched: r.rules.matched_flows as number,
      fallback: r.rules.fallback_flows as number,
      dropped: (r.drops["flow-rule drop"] ?? 0) as number,
    };
  };

  it("ipv4 / udp / gtpu steers GTP-U over IPv4, not GTP-U over IPv6 (--ip 4in6)", async () => {
    const run = host();
    expect((await run(rule("ixl0", `eth / ipv4 / udp / ${UPLINK}`, "drop"))).code).toBe(0);
    // Every uplink flow the run offered (about half of them), and no downlink one.
    const v4 = await steer(run, "4");
    expect(v4.matched).toBeGreaterThan(100);
    expect(v4.fallback).toBeGreaterThan(100);
    expect(v4.dropped).toBeGreaterThan(0);
    const v6 = await steer(run, "4in6");
    expect(v6).toMatchObject({ matched: 0, dropped: 0 });
    expect(v6.fallback).toBe(v4.matched + v4.fallback);
  });

  it("an IPv6 rule does not match IPv4 (--ip 4, nor IPv6 users over IPv4, --ip 6in4)", async () => {
    const run = host();
    expect((await run(rule("ixl0", `eth / ipv6 / udp / ${UPLINK}`, "drop"))).code).toBe(0);
    expect(await steer(run, "4")).toMatchObject({ matched: 0, dropped: 0 });
    expect(await steer(run, "6in4")).toMatchObject({ matched: 0, dropped: 0 });
    expect((await steer(run, "4in6")).matched).toBeGreaterThan(100);
  });

  it("the same TEID over IPv4 and over IPv6 is two filters; a rule naming no IP version meets both", async () => {
    const run = host();
    expect((await run(rule("ixl0", "eth / ipv4 / udp / gtpu teid 5"))).code).toBe(0);
    expect((await run(rule("ixl0", "eth / ipv6 / udp / gtpu teid 3-7", "drop"))).code).toBe(0);
    refused(
      await run(rule("ixl0", "eth / ipv4 / udp / gtpu teid 4-6")),
      "eth / ipv4 / udp / gtpu teid 4-6 overlaps rule #0 (eth / ipv4 / udp / gtpu teid is 5 -> queue 1)",
    );
    refused(
      await run(rule("ixl0", "gtpu teid 7")),
      "gtpu teid is 7 overlaps rule #1 (eth / ipv6 / udp / gtpu teid 3-7 -> drop)",
    );
    expect((await run(words("flow list ixl0"))).out).toContain("2 rule(s), 6 of 8192");
  });

  it("a state file written before items: the keyed item alone, either IP version, as it ran", async () => {
    const dir = tempDir("iovsim-flow-acc-");
    const run = (argv: string[]) => iovsim(argv, { stateDir: dir });
    expect((await run(rule("ixl0", "eth / ipv4 / udp / gtpu teid 0x20000000-0x2000007f", "drop"))).code).toBe(
      0,
    );
    const file = join(dir, "state.json");
    const state = JSON.parse(readFileSync(file, "utf8"));
    expect(state.flow.ixl0[0].items).toEqual(["eth", "ipv4", "udp", "gtpu"]);
    // Rules as a state file before items held them: no items.
    state.flow.ixl0.push(
      { id: 1, field: "gtpu-teid", lo: 0x10000000, hi: 0x1000007f, action: "drop" },
      { id: 2, field: "ipv4-dst", lo: 0xc0000201, hi: 0xc0000201, queue: 1 },
    );
    writeFileSync(file, JSON.stringify(state));
    expect((await run(words("flow list ixl0"))).out).toBe(
      "ID\tPORT\tRULE\n" +
        "0\tixl0\tingress pattern eth / ipv4 / udp / gtpu teid 536870912-536871039 / end actions drop / end\n" +
        "1\tixl0\tingress pattern gtpu teid 268435456-268435583 / end actions drop / end\n" +
        "2\tixl0\tingress pattern ipv4 dst is 192.0.2.1 / end actions queue index 1 / end\n" +
        "3 rule(s), 257 of 8192 exact-match entries\n",
    );
    // Over IPv6 only the old uplink rule matches (it names no IP version); over IPv4 both.
    const v6 = await steer(run, "4in6");
    expect(v6.matched).toBeGreaterThan(100);
    expect(v6.fallback).toBeGreaterThan(100);
    expect(await steer(run, "4")).toMatchObject({ fallback: 0, dropped: 1000 });
    // The old rule, once the state is written again, keeps the items its listing shows.
    expect((await run(words("flow destroy ixl0 rule 2"))).code).toBe(0);
    const after = JSON.parse(readFileSync(file, "utf8")).flow.ixl0;
    expect(after[1]).toEqual({
      id: 1,
      field: "gtpu-teid",
      lo: 0x10000000,
      hi: 0x1000007f,
      action: "drop",
      items: ["gtpu"],
    });
  });
});
