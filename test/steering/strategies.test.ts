// Each strategy is a switch configuration built from VFs the control plane created.
import { describe, expect, it } from "vitest";
import { STRATEGY_IDS, strategySetup } from "../../src/steering/strategies.ts";
import { instanceMac } from "../../src/steering/traffic.ts";

describe("strategies as switch configurations", () => {
  it("every strategy is an iovctl.conf for ixl0 whose VFs the control plane created", () => {
    for (const id of STRATEGY_IDS) {
      const s = strategySetup(id, 4, [instanceMac(0)]);
      expect(s.conf).toMatch(/device : "ixl0";/);
      const vfs = id === "mac-vf" ? 4 : 1;
      expect(s.conf).toContain(`num_vfs : ${vfs};`);
      expect(s.pf.vfs).toHaveLength(vfs);
      expect(s.config.pools.filter((p) => p.kind === "vf")).toHaveLength(vfs);
      // VF k owns instance k's MAC in the exact-MAC table.
      s.pf.vfs.forEach((v, k) => {
        expect(v.effectiveMac).toBe(instanceMac(k));
        expect(s.config.rar.find((r) => r.mac === instanceMac(k))?.pools).toEqual([k]);
      });
    }
  });

  it("queues and RSS level follow the strategy", () => {
    const q = (id: (typeof STRATEGY_IDS)[number]) => strategySetup(id, 4, [instanceMac(0)]);
    expect(q("single").config.pools[0]!.numRxQueues).toBe(1);
    expect(q("outer-rss").config.pools[0]!.numRxQueues).toBe(4);
    expect(q("outer-rss").config.port.rss.level).toBe("outer");
    expect(q("inner-rss").config.port.rss.level).toBe("inner");
    expect(q("inner-rss").config.pools[0]!.reta).toHaveLength(64); // X710 VF LUT
    expect(
      q("mac-vf")
        .config.pools.slice(0, 4)
        .every((p) => p.numRxQueues === 1),
    ).toBe(true);
    expect(q("sw-dispatch").config.pools[0]!.numRxQueues).toBe(1);
    expect(q("sw-dispatch").dispatch).toBe(true);
    expect(q("sw-dispatch").cores).toBe(4);
  });

  it("the one receiving VF accepts every instance MAC as a secondary filter; MAC steering does not merge them", () => {
    const macs = [0, 1, 2, 3].map(instanceMac);
    const one = strategySetup("inner-rss", 4, macs);
    for (const m of macs) expect(one.config.rar.find((r) => r.mac === m)?.pools).toEqual([0]);
    const many = strategySetup("mac-vf", 4, macs);
    macs.forEach((m, k) => {
      expect(many.config.rar.find((r) => r.mac === m)?.pools).toEqual([k]);
    });
  });

  it("refuses more queues than an ixl VF has, naming --queues", () => {
    expect(() => strategySetup("inner-rss", 17, [])).toThrow(/--queues: an ixl VF has at most 16 queues/);
    expect(() => strategySetup("mac-vf", 64, [])).toThrow(/--queues: .*at most 63/);
    expect(() => strategySetup("single", 0, [])).toThrow(/--queues/);
  });
});
