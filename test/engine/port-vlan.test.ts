// A VF with a port (access) VLAN, configured through either control plane (iovctl.conf `vlan`,
// Linux `ip link set PF vf N vlan V qos Q`), runs on the data plane as on hardware: the NIC
// inserts the tag on the VF's transmit and strips it on receive, the wire carries it (4 bytes
// more per frame), the peer on the wire sends and answers in that VLAN, and a frame of another
// VLAN is dropped by the NIC's VLAN filter, counted with its reason.
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph, type GraphOptions } from "../../src/engine/graph.ts";
import { simulatePing } from "../../src/engine/ping.ts";
import { collect } from "../../src/engine/result.ts";
import { runGraph } from "../../src/engine/run.ts";
import { ensureKernels, pathElements, simulate } from "../../src/engine/simulate.ts";
import type { Direction, ScenarioSpec } from "../../src/engine/types.ts";
import { lineRatePps } from "../../src/experiment/rate.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { Host } from "../../src/nic/index.ts";
import { findNetdev, setVf, sysfsWrite } from "../../src/nic/linux/index.ts";
import { enginePath } from "../../src/paths/path-graphs.ts";
import { portVlanOf, wireVlanOf } from "../../src/paths/port-vlan.ts";
import { type PathHost, setupHost } from "../../src/paths/setup.ts";
import { readCounters } from "../../src/switch/counters-view.ts";
import { defaultProfile, type TrafficProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** VF-0 (the jail's) in VLAN 100, VF-1 (the VM's) in VLAN 200; the untagged twin of it. */
const TAGGED = {
  file: "vlan.conf",
  text: `PF { device: "ix0"; num_vfs: 2; }
DEFAULT { vlan: "TRUNK"; }
VF-0 { passthrough: false; mac-addr: "02:01:00:00:00:10"; vlan: 100; }
VF-1 { passthrough: true; mac-addr: "02:01:00:00:00:11"; vlan: 200; }
`,
};
const UNTAGGED = { file: "trunk.conf", text: TAGGED.text.replace(/ vlan: \d+;/g, "") };

function spec(over: Partial<ScenarioSpec>): ScenarioSpec {
  return {
    path: "jail-vf",
    direction: "rx",
    traffic: defaultProfile(),
    ratePps: 2e5,
    arrival: "constant",
    durationNs: 5e5,
    warmupNs: 0,
    seed: 3,
    profile: "bhyve",
    config: TAGGED,
    ...over,
  };
}

/** Runs a graph and returns its result, its generator's templates and the switch's counters. */
function run(over: Partial<GraphOptions> & { direction: Direction; pathName: string }) {
  const path = enginePath(over.pathName)!;
  const g = buildGraph({
    path,
    elements: pathElements(over.pathName, over.direction),
    traffic: defaultProfile(),
    costs: loadCosts("bhyve"),
    ratePps: 2e5,
    poisson: false,
    offerUntilNs: 2e5,
    warmupNs: 0,
    count: 0,
    seed: 1,
    config: TAGGED,
    ...over,
  });
  const st = runGraph(g);
  const r = collect(g.ctx, {
    path: path.name,
    direction: over.direction,
    endNs: st.endNs,
    wallMs: 0,
  });
  const sw = g.ctx.built.nic!.sw;
  return { r, templates: g.templates, counters: readCounters(sw.sl, sw.config) };
}

const tciOf = (t: Uint8Array) => ({ tpid: (t[12]! << 8) | t[13]!, tci: (t[14]! << 8) | t[15]! });

describe("iovctl.conf `vlan: N`: the VF's frames carry its tag on the wire", () => {
  it("the wire peer's frames toward the VF are tagged (VID 100, 4 bytes more) and all delivered", () => {
    const { r, templates } = run({ pathName: "jail-vf", direction: "rx" });
    expect(tciOf(templates.templates[0]!.bytes)).toEqual({ tpid: 0x8100, tci: 100 });
    expect(templates.templates[0]!.size).toBe(68);
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.sent).toBeGreaterThan(30);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    expect(r.conservation.dropped).toEqual({});
    expect(r.frameBytes).toBe(68);
  });

  it("the VF sends untagged; the NIC tags every frame on the wire (68 bytes each at 64 B)", () => {
    const tagged = run({ pathName: "vm-vf", direction: "tx" });
    const untagged = run({ pathName: "vm-vf", direction: "tx", config: UNTAGGED });
    for (const x of [tagged, untagged]) {
      expect(x.r.conservation.ok).toBe(true);
      expect(x.r.conservation.delivered).toBe(x.r.conservation.sent);
    }
    const port = (x: typeof tagged) => x.counters.port;
    expect(port(tagged).tx_packets).toBe(tagged.r.conservation.sent);
    expect(port(tagged).tx_bytes).toBe(68 * port(tagged).tx_packets);
    expect(port(untagged).tx_bytes).toBe(64 * port(untagged).tx_packets);
  });

  it("a frame for another VLAN never reaches the VF: dropped by the VLAN filter, with its reason", () => {
    const sent = (vlan: TrafficProfile["vlan"]) =>
      run({ pathName: "jail-vf", direction: "rx", traffic: defaultProfile({ vlan }) }).r.conservation;
    // VLAN 300: no function is a member; the NIC's VLAN filter (VFTA) drops every frame.
    const none = sent({ vid: 300, pcp: 0 });
    expect(none.ok).toBe(true);
    expect(none.sent).toBeGreaterThan(30);
    expect(none.delivered).toBe(0);
    expect(none.dropped).toEqual({ "NIC switch: VLAN filter": none.sent });
    // VLAN 200 (VF-1's) and untagged: the MAC is VF-0's but VF-0 is not in that VLAN; the
    // frames go to the PF's default pool (the switch's rule), never to VF-0.
    for (const vlan of [{ vid: 200, pcp: 0 }, null]) {
      const k = sent(vlan);
      expect(k.ok).toBe(true);
      expect(k.delivered).toBe(0);
      const elsewhere = Object.entries(k.deliveredElsewhere ?? {});
      expect(elsewhere.every(([pool]) => pool.startsWith("switch pool 2 "))).toBe(true); // the PF's
      expect(
        elsewhere.reduce((a, [, n]) => a + n, 0) + Object.values(k.dropped).reduce((a, n) => a + n, 0),
      ).toBe(k.sent);
    }
  });

  it("ping through a port-VLAN VF gets every reply, the RTT longer by the tag's wire time only", () => {
    for (const path of ["jail-vf", "vm-vf"]) {
      const tagged = simulatePing({ path, count: 3, seed: 1, profile: "bhyve", config: TAGGED });
      const plain = simulatePing({ path, count: 3, seed: 1, profile: "bhyve", config: UNTAGGED });
      expect(tagged.received).toBe(3);
      expect(tagged.conservation.ok).toBe(true);
      // The reply is 4 bytes longer on a 10 Gbit/s wire: 3.2 ns per crossing it is timed on.
      const extra = tagged.rtt_us[0]! - plain.rtt_us[0]!;
      expect(extra).toBeGreaterThan(0.002);
      expect(extra).toBeLessThan(0.01);
    }
  });

  it("on a wire-bound path the tag costs throughput: line rate of 1,522-byte frames, not 1,518", () => {
    // Offered at the untagged line rate of 1,518-byte frames: the tagged frames cannot all fit.
    const ratePps = lineRatePps(1518, 10);
    const at = (config: typeof TAGGED) =>
      simulate(
        spec({
          config,
          ratePps,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
          durationNs: 1e6,
        }),
      );
    const tagged = at(TAGGED);
    const plain = at(UNTAGGED);
    // 1 ms of a 10 Gbit/s wire: 1,542 bytes per tagged frame with preamble and gap (1,233.6 ns),
    // 1,538 untagged (1,230.4 ns): 810 and 812 frames fit.
    const fit = (wireBytes: number) => Math.floor(1e6 / ((wireBytes * 8) / 10));
    expect(fit(1542)).toBe(810);
    expect(tagged.conservation.sent).toBe(fit(1542));
    expect(plain.conservation.sent).toBe(fit(1538));
    expect(tagged.conservation.delivered).toBe(tagged.conservation.sent);
    expect(lineRatePps(1522, 10)).toBeLessThan(ratePps);
  });
});

describe("Linux `ip link set ix0 vf 0 vlan 100 qos 3`: the same on the data plane", () => {
  /** VFs created through sysfs, the port VLAN set through rtnetlink, as a Linux host would. */
  function linuxHost(vlan: { vlan: number; qos: number }): PathHost {
    const host = Host.fresh();
    const w = sysfsWrite(host.state, "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "2\n");
    expect(w.ok).toBe(true);
    const r = setVf(host.state, findNetdev(host.state, "ix0")!, { vf: 0, vlan: { ...vlan, proto: 0x8100 } });
    expect(r.ok).toBe(true);
    const vfs = host.listVfs("ix0");
    return { host, pf: "ix0", vfs, jailVf: vfs[0], pfMac: host.pf("ix0")!.mac, linkGbps: 10 };
  }

  it("the wire carries VID 100 with PCP 3; frames are delivered; another VLAN's are dropped", () => {
    const ph = linuxHost({ vlan: 100, qos: 3 });
    expect(portVlanOf(ph.jailVf)).toEqual({ vid: 100, pcp: 3 });
    expect(wireVlanOf(enginePath("jail-vf")!, ph)).toEqual({ vid: 100, pcp: 3 });
    const rx = run({ pathName: "jail-vf", direction: "rx", pathHost: ph });
    expect(tciOf(rx.templates.templates[0]!.bytes)).toEqual({ tpid: 0x8100, tci: (3 << 13) | 100 });
    expect(rx.r.conservation.delivered).toBe(rx.r.conservation.sent);
    const tx = run({ pathName: "jail-vf", direction: "tx", pathHost: ph });
    expect(tx.r.conservation.delivered).toBe(tx.r.conservation.sent);
    expect(tx.counters.port.tx_bytes).toBe(68 * tx.r.conservation.sent);
    const other = run({
      pathName: "jail-vf",
      direction: "rx",
      pathHost: ph,
      traffic: defaultProfile({ vlan: { vid: 101, pcp: 3 } }),
    });
    expect(other.r.conservation.dropped).toEqual({ "NIC switch: VLAN filter": other.r.conservation.sent });
  });

  it("ping through it gets every reply (the echo peer answers in VLAN 100, PCP 3)", () => {
    const r = simulatePing({
      path: "jail-vf",
      count: 3,
      seed: 1,
      profile: "bhyve",
      pathHost: linuxHost({ vlan: 100, qos: 3 }),
    });
    expect(r.received).toBe(3);
    expect(r.conservation.ok).toBe(true);
  });

  it("vlan 0 removes the port VLAN: untagged on the wire again", () => {
    expect(wireVlanOf(enginePath("jail-vf")!, linuxHost({ vlan: 0, qos: 0 }))).toBeNull();
    expect(wireVlanOf(enginePath("jail-vf")!, setupHost(UNTAGGED.text, UNTAGGED.file))).toBeNull();
  });
});
