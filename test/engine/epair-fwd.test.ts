// D33731's two setups as engine paths (FreeBSD profile): setup A, bridge-epair-fwd (bridge0,
// epair0, bridge1), and setup B, jail-epair-fwd (the same with a routing vnet jail and a second
// epair between epair0 and bridge1). Both run the same receive thread; without RSS the one epair
// taskqueue thread runs everything after epair0a's enqueue, so B's taskqueue pays A's work plus
// the jail's forwarding and the second epair, and nothing else differs.
import { beforeAll, describe, expect, it } from "vitest";
import { simulatePing } from "../../src/engine/ping.ts";
import { workPerPacket } from "../../src/engine/resource.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { costVariant, loadCosts } from "../../src/model/costs.ts";
import { enginePath } from "../../src/paths/path-graphs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const run = (path: string, ratePps: number, profile = "freebsd"): SimResult =>
  simulate({
    path,
    direction: "rx",
    traffic: defaultProfile(),
    ratePps,
    arrival: "poisson",
    durationNs: 20e6,
    warmupNs: 4e6,
    seed: 7,
    profile,
  } satisfies ScenarioSpec);
/** Work per packet: without the idle thread's spin (polling) a lightly loaded FreeBSD core runs. */
const cpp = (r: SimResult, name: string) => workPerPacket(r.resources.find((y) => y.resource === name)!);

describe("D33731 setups A and B", () => {
  it("setup A's graph: bridge0 on the receive core; epair0, bridge1 and the transmit on the taskqueue's core", () => {
    const a = enginePath("bridge-epair-fwd")!;
    const on = Object.fromEntries((a.rx ?? []).map((e) => [e.name, e.on]));
    expect(on).toMatchObject({
      "pf-rx": "host-core0",
      bridge: "host-core0",
      epair: "host-core1",
      bridge1: "host-core1",
      "pf-tx": "host-core1",
    });
    expect(a.tx).toBeNull();
    expect((a.rx ?? []).some((e) => e.kind === "ipfwd")).toBe(false);
    // Setup B is setup A with the jail and a second epair inserted, nothing else.
    const b = enginePath("jail-epair-fwd")!;
    const names = (p: typeof a) => (p.rx ?? []).map((e) => e.name);
    expect(names(b).filter((n) => n !== "jail-fwd" && n !== "epair1")).toEqual(names(a));
    // Without RSS if_epair has one taskqueue thread for every epair (epair_mod_init at
    // 24f0bfbad57b): the jail's forwarding (direct netisr dispatch) and epair1b's task run on it.
    const onB = Object.fromEntries((b.rx ?? []).map((e) => [e.name, e.on]));
    expect(onB).toMatchObject({ epair: "host-core1", "jail-fwd": "host-core1", epair1: "host-core1" });
  });

  it("setup A only forwards: no transmit direction, no ping", () => {
    const base = {
      path: "bridge-epair-fwd",
      traffic: defaultProfile(),
      ratePps: 1e5,
      arrival: "poisson" as const,
      durationNs: 1e6,
      warmupNs: 1e5,
      seed: 7,
      profile: "freebsd",
    };
    expect(() => simulate({ ...base, direction: "tx" })).toThrow(/only forwards/);
    expect(() => simulatePing({ path: "bridge-epair-fwd", count: 1, seed: 1, profile: "freebsd" })).toThrow(
      /no consumer of its own/,
    );
  });

  it("setup A forwards every frame at light load; its taskqueue pays epair, the hand-off, bridge1 and the transmit", () => {
    const c = loadCosts("freebsd").c;
    const light = run("bridge-epair-fwd", 2e5);
    expect(light.conservation).toMatchObject({ delivered: light.conservation.sent, dropped: {}, ok: true });
    const queue =
      c.epair_cycles + c.xcore_transfer_cycles + c.bridge_cycles + c.drv_tx_pkt_cycles + c.tx_reap_pkt_cycles;
    expect(cpp(light, "host-core1")).toBeGreaterThan(queue);
    expect(cpp(light, "host-core1")).toBeLessThan(queue + 200);
  }, 60_000);

  it("at overload both are taskqueue-bound; B's taskqueue pays A's plus the forwarding and one epair, the receive core the same", () => {
    const c = loadCosts("freebsd").c;
    const a = run("bridge-epair-fwd", 3e6);
    const b = run("jail-epair-fwd", 3e6);
    for (const r of [a, b]) {
      expect(r.bottleneck).toBe("host-core1");
      expect(r.delivered_pps).toBeCloseTo((c.cpu_ghz * 1e9) / cpp(r, "host-core1"), -4);
    }
    const extra = cpp(b, "host-core1") - cpp(a, "host-core1");
    expect(extra).toBeGreaterThan(c.ip_forward_cycles + c.epair_cycles - 50);
    expect(extra).toBeLessThan(c.ip_forward_cycles + c.epair_cycles + 50);
    // The receive core does the same work in both (driver, bridge0, the hand-off).
    expect(cpp(b, "host-core0") / cpp(a, "host-core0")).toBeCloseTo(1, 1);
    // So one profile cannot make B's rate close to A's: the ratio is the work ratio.
    expect(a.delivered_pps / b.delivered_pps).toBeGreaterThan(1.5);
  }, 120_000);

  it("the jail's forwarding moves only B; if_bridge moves both", () => {
    const variant = (over: Record<string, number>) => costVariant("freebsd", over);
    const fast = variant({ ip_forward_cycles: 870 });
    const slow = variant({ ip_forward_cycles: 1184 });
    expect(run("bridge-epair-fwd", 3e6, fast).delivered_pps).toBeCloseTo(
      run("bridge-epair-fwd", 3e6, slow).delivered_pps,
      -3,
    );
    expect(run("jail-epair-fwd", 3e6, fast).delivered_pps).toBeGreaterThan(
      run("jail-epair-fwd", 3e6, slow).delivered_pps * 1.07,
    );
    const a = run("bridge-epair-fwd", 3e6);
    const bridgeCheap = run(
      "bridge-epair-fwd",
      3e6,
      variant({ bridge_cycles: loadCosts("freebsd").constants.bridge_cycles.range[0] }),
    );
    expect(bridgeCheap.delivered_pps).toBeGreaterThan(a.delivered_pps * 1.1);
  }, 120_000);
});
