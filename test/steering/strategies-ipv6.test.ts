// The steering strategies on IPv6 traffic: what each one does comes out of the Wasm switch's
// parser and Toeplitz hash on the IPv6 headers (outer-rss, inner-rss), the dispatcher's deep
// parse, symmetric hashing over 16-byte addresses, and IPv6 flow rules matched per frame by the
// same lookup as the IPv4 ones.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import {
  checkRules,
  type FlowRule,
  type FlowRuleSpec,
  parseFlowCreate,
  ruleEntries,
} from "../../src/steering/flow-rules.ts";
import { RULE_DROP, simulateSteering } from "../../src/steering/simulate.ts";
import { nicLimits, type StrategyId, type Symmetric, strategyGraph } from "../../src/steering/strategies.ts";
import { buildMix, flowSequence, IP_CHOICES, type MixName } from "../../src/steering/traffic.ts";
import { parseFrame } from "../../src/switch/reference/parse.ts";

beforeAll(async () => {
  await ensureKernels();
});

const FRAMES = 3000;

function traffic(ip: string, o: { mix?: MixName; tunnels?: number; flows?: number } = {}) {
  return buildMix({
    mix: o.mix ?? "gtpu",
    flows: o.flows ?? 256,
    tunnels: o.tunnels ?? 1,
    zipfS: 0,
    seed: 1,
    ip: IP_CHOICES[ip],
  });
}

function run(
  strategy: StrategyId,
  n: number,
  t: ReturnType<typeof traffic>,
  o: { symmetric?: Symmetric; rules?: FlowRule[] } = {},
) {
  const graph = strategyGraph(strategy, n, {
    symmetric: o.symmetric ?? null,
    rules: o.rules ?? [],
    nic: "ixl",
  });
  return simulateSteering({ graph, traffic: t, ratePps: 1e6, frames: FRAMES, seed: 1, profile: "bhyve" });
}

const nonZero = (x: number[]) => x.filter((v) => v > 0).length;

/** A rule as `flow create` makes it, with an id. */
function rule(id: number, text: string): FlowRule {
  const spec: FlowRuleSpec = parseFlowCreate(`ixl0 ingress pattern ${text} / end`.split(" ")).rule;
  return { ...spec, id };
}

describe("RSS strategies on IPv6 traffic (GTP-U, one gNB/UPF pair, --ip 6)", () => {
  const t6 = traffic("6");

  it("outer RSS sees two outer IPv6 tuples (uplink, downlink): at most 2 of 4 cores busy", () => {
    const r = run("outer-rss", 4, t6);
    expect(r.conservation.ok).toBe(true);
    expect(nonZero(r.perQueue)).toBeLessThanOrEqual(2);
  });

  it("inner RSS hashes the UEs' IPv6 tuples inside the tunnel: every core busy, balanced", () => {
    const r = run("inner-rss", 4, t6);
    expect(r.conservation.ok).toBe(true);
    expect(nonZero(r.perQueue)).toBe(4);
    expect(r.jain).toBeGreaterThan(0.9);
  });

  it("inner RSS with IPv6 inside an IPv4 underlay (6in4) spreads as well", () => {
    const r = run("inner-rss", 4, traffic("6in4"));
    expect(nonZero(r.perQueue)).toBe(4);
    expect(r.jain).toBeGreaterThan(0.9);
  });

  it("the dispatcher's deep parse finds the inner IPv6 tuple: workers balanced, no reordering", () => {
    const r = run("sw-dispatch", 4, t6);
    expect(r.conservation.ok).toBe(true);
    expect(nonZero(r.perQueue)).toBe(4);
    expect(r.jain).toBeGreaterThan(0.9);
    expect(r.reordered).toBe(0);
  });

  it("symmetric Toeplitz over 16-byte addresses keeps both directions of a UE on one core", () => {
    const plain = run("inner-rss", 4, t6);
    const sym = run("inner-rss", 4, t6, { symmetric: "toeplitz" });
    expect(plain.splitPairs).toBeGreaterThan(0);
    expect(sym.splitPairs).toBe(0);
    expect(nonZero(sym.perQueue)).toBe(4);
    const sorted = run("inner-rss", 4, t6, { symmetric: "sorted" });
    expect(sorted.splitPairs).toBe(0);
    expect(nonZero(sorted.perQueue)).toBe(4);
  });
});

describe("IPv6 flow rules run by the data plane (--strategy flow-rules)", () => {
  // The UPF's address for the mix's 203.0.113.1: uplink frames go to it, downlink come from it.
  const UPF = "2001:db8:203::113:1";
  const rules = [
    rule(0, `ipv6 dst ${UPF} / udp / end actions queue index 2`),
    rule(1, `ipv6 src ${UPF} / end actions queue index 3`),
  ];

  it("uplink (dst UPF) to queue 2, downlink (src UPF) to queue 3: exactly, nothing left to RSS", () => {
    const t = traffic("6");
    const seq = flowSequence(t, FRAMES, 1);
    const uplink = Array.from(seq).filter((f) => parseFrame(t.flowFrames[f]!).l3?.dst === UPF).length;
    const r = run("flow-rules", 4, t, { rules });
    expect(r.conservation.ok).toBe(true);
    expect(r.ruleFlows.fallback).toBe(0);
    expect(uplink).toBeGreaterThan(FRAMES / 4);
    expect(r.perQueue).toEqual([0, 0, uplink, FRAMES - uplink]);
  });

  it("a drop rule on an IPv6 source drops exactly that source's frames, not as loss", () => {
    const t = traffic("6");
    const seq = flowSequence(t, FRAMES, 1);
    const downlink = Array.from(seq).filter((f) => parseFrame(t.flowFrames[f]!).l3?.src === UPF).length;
    const r = run("flow-rules", 4, t, { rules: [rule(0, `ipv6 src ${UPF} / end actions drop`)] });
    expect(r.drops[RULE_DROP]).toBe(downlink);
    expect(r.perQueue.reduce((a, b) => a + b, 0)).toBe(FRAMES - downlink);
    expect(r.lossRatio).toBe(0);
  });

  it("an IPv6 rule matches no IPv4 frame, and IPv4 inside an IPv6 underlay by its outer address", () => {
    const v4 = run("flow-rules", 4, traffic("4"), { rules });
    expect(v4.ruleFlows.matched).toBe(0);
    const r = run("flow-rules", 4, traffic("4in6"), { rules });
    expect(r.ruleFlows.fallback).toBe(0);
    expect(nonZero(r.perQueue)).toBe(2);
  });

  it("the outermost header only: a UE's inner IPv6 address (6in4) is not matched", () => {
    const ue = parseFrame(traffic("6in4").flowFrames[0]!).inner!.l3!.src;
    const r = run("flow-rules", 4, traffic("6in4"), {
      rules: [rule(0, `ipv6 src ${ue} / end actions drop`)],
    });
    expect(r.ruleFlows.matched).toBe(0);
    expect(r.drops[RULE_DROP] ?? 0).toBe(0);
  });
});

describe("IPv6 rules in the NIC's table (the profile's flow.ipv6)", () => {
  it("ixl matches IPv6 addresses, one entry a rule; ix has no IPv6 exact match", () => {
    const ixl = nicLimits("ixl");
    expect(ixl.patterns).toEqual(expect.arrayContaining(["ipv6-src", "ipv6-dst"]));
    expect(ixl.ipv6Entries).toBe(1);
    expect(nicLimits("ix").patterns).not.toContain("ipv6-dst");
  });

  it("an IPv6 rule counts the profile's entries per rule against the table", () => {
    const r = rule(0, "ipv6 dst ::1 / end actions drop");
    expect(ruleEntries(r, 1)).toBe(1);
    expect(ruleEntries(r, 2)).toBe(2);
    const full = [rule(0, "gtpu teid 0-8190 / end actions drop"), r];
    const ixl = { id: "ixl0", profile: "ixl", rules: 8192, patterns: nicLimits("ixl").patterns };
    expect(() => checkRules(full, { ...ixl, ipv6Entries: 1 })).not.toThrow();
    expect(() => checkRules(full, { ...ixl, ipv6Entries: 2 })).toThrow(
      /8193 exact-match entries needed: ixl0.s flow-rule table holds 8192/,
    );
  });
});
