// Issue 9 item 10: SR-IOV's security promise as properties over random configurations and
// traffic, on the Wasm switch and the reference model alike. Configurations are what users
// program: VF records (trusted or not, anti-spoof, access or trunk VLAN) -> programSwitch ->
// VF-driver mailbox requests (promiscuous modes, multicast groups, trunk VLANs, MAC changes)
// with the per-NIC answers. Every frame runs alone so each copy it makes is attributed to it.
//   P1 an untrusted VF receives only frames addressed to it: its unicast MAC(s), broadcast in
//      its VLANs, or multicast passing its group filter (the MTA is a shared hash, as on the
//      82599/X710, so "its groups" means groups whose hash some pool joined, and only if it
//      asked for multicast);
//   P2 a VF with anti-spoof (the default) never puts a foreign source MAC or a VLAN outside its
//      own on the wire or into another VF;
//   P3 a port-VLAN VF never sees another VLAN;
//   P4 promiscuous (unicast or all-multicast) reception happens only on a trusted VF that asked.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { rng } from "../../src/fuzz/prng.ts";
import { builderFrame, GROUPS, PF_MAC, userSetup, vfMac } from "../../src/fuzz/switch-gen.ts";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { addVlanMember, T_MACS, testConfigT } from "../../src/switch/program.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import {
  accessVid,
  dstOf,
  type Event,
  inGroupFilter,
  isPortVlan,
  type Outcome,
  ownMacs,
  referenceUnderTest,
  type SwitchUnderTest,
  srcOf,
  switchVid,
  vidOf,
  vlansOf,
  wasmUnderTest,
} from "./isolation-oracle.ts";

/** Cases (configuration + 10..40 frames) per property; each case runs on both switches. */
const RUNS = 300;
const SEED = 9010;

let module: WebAssembly.Module;
let memory: WebAssembly.Memory;
beforeAll(async () => {
  module = await loadModule();
  memory = createMemory(64);
});

type Property = "P1" | "P2" | "P3" | "P4";

const frameSpec = fc.record({
  from: fc.nat(9), // 0..2: the wire, else a pool
  dst: fc.constantFrom("vf", "vf", "pf", "bcast", "group", "foreign-group", "stranger"),
  src: fc.constantFrom("own", "own", "own", "other-vf", "stranger"),
  vid: fc.constantFrom(null, null, 0, 5, 100, 200, 300, 4095),
  vle: fc.option(fc.integer({ min: 0, max: 0xffff }), { freq: 6 }),
  pick: fc.nat(),
  body: fc.nat(),
});
const scenario = fc.record({
  cfgSeed: fc.integer({ min: 0, max: 0x7fffffff }),
  frames: fc.array(frameSpec, { minLength: 10, maxLength: 40 }),
});
type FrameSpec = typeof frameSpec extends fc.Arbitrary<infer T> ? T : never;
type Scenario = { cfgSeed: number; frames: FrameSpec[] };

function setup(s: Scenario): SwitchConfig {
  return userSetup(rng(s.cfgSeed), 6, { doubleVlan: false }).config;
}

function events(cfg: SwitchConfig, s: Scenario): Event[] {
  const nVfs = cfg.pools.length - 1;
  return s.frames.map((f) => {
    const r = rng(f.body);
    const fromWire = f.from < 3;
    const pool = (f.from - 3) % cfg.pools.length;
    const someVf = vfMac(f.pick % nVfs);
    const own = fromWire ? "00:11:22:33:44:55" : ([...ownMacs(cfg, pool)][0] ?? PF_MAC);
    const dst = {
      vf: someVf,
      pf: PF_MAC,
      bcast: "ff:ff:ff:ff:ff:ff",
      group: GROUPS[f.pick % GROUPS.length]!,
      "foreign-group": "01:00:5e:7f:00:01",
      stranger: "02:00:00:00:00:99",
    }[f.dst];
    const src = { own, "other-vf": someVf, stranger: "00:11:22:33:44:55" }[f.src];
    const frame = builderFrame(r, { dst, src, tags: f.vid === null ? [] : [[f.vid, 0x8100]] });
    if (fromWire) return { kind: "wire", frame };
    return f.vle !== null && f.vid === null
      ? { kind: "tx", pool, frame, vlanTci: f.vle }
      : { kind: "tx", pool, frame };
  });
}

interface Stats {
  untrustedDeliveries: number;
  spoofAttempts: number;
  foreignVlanAttempts: number;
  portVlanDeliveries: number;
  promiscDeliveries: number;
}
const newStats = (): Stats => ({
  untrustedDeliveries: 0,
  spoofAttempts: 0,
  foreignVlanAttempts: 0,
  portVlanDeliveries: 0,
  promiscDeliveries: 0,
});

/** Every violation one frame's outcome shows, tagged with its property. */
export function violations(cfg: SwitchConfig, e: Event, out: Outcome, st: Stats): Array<[Property, string]> {
  const bad: Array<[Property, string]> = [];
  const dst = dstOf(e.frame);
  const vid = switchVid(cfg, e);
  const unicast = (Number.parseInt(dst.slice(0, 2), 16) & 1) === 0;
  const broadcast = dst === "ff:ff:ff:ff:ff:ff";
  for (const d of out.deliveries) {
    const q = cfg.pools[d.pool]!;
    if (q.kind !== "vf") continue;
    const what = `${e.kind === "wire" ? "wire" : `pool ${e.pool}`} -> VF-${d.pool}: dst ${dst} vid ${vid}`;
    const foreignUnicast = unicast && !ownMacs(cfg, d.pool).has(dst);
    const unjoinedMulticast = !unicast && !broadcast && !inGroupFilter(cfg, q, dst);
    if (!q.trusted) {
      st.untrustedDeliveries++;
      if (foreignUnicast) bad.push(["P1", `${what}: unicast not addressed to it`]);
      if (unjoinedMulticast) bad.push(["P1", `${what}: multicast outside its groups`]);
      if (!isPortVlan(q) && !vlansOf(cfg, d.pool).has(vid))
        bad.push(["P1", `${what}: outside its VLANs ${[...vlansOf(cfg, d.pool)]}`]);
    }
    if (foreignUnicast && !(q.trusted && q.flags.upe))
      bad.push(["P4", `${what}: unicast promiscuous reception not allowed`]);
    if (unjoinedMulticast && !(q.trusted && (q.flags.mpe || q.flags.upe)))
      bad.push(["P4", `${what}: all-multicast reception not allowed`]);
    if ((foreignUnicast || unjoinedMulticast) && q.trusted) st.promiscDeliveries++;
    if (isPortVlan(q)) {
      st.portVlanDeliveries++;
      if (vid !== accessVid(q)) bad.push(["P3", `${what}: port VLAN ${accessVid(q)} sees VLAN ${vid}`]);
    }
  }
  if (e.kind === "tx") {
    const p = cfg.pools[e.pool]!;
    if (p.kind === "vf" && p.macAntiSpoof) {
      const mine = ownMacs(cfg, e.pool);
      const vlans = isPortVlan(p) ? new Set([accessVid(p)]) : vlansOf(cfg, e.pool);
      if (!mine.has(srcOf(e.frame))) st.spoofAttempts++;
      if (!vlans.has(vid)) st.foreignVlanAttempts++;
      for (const w of out.wire) {
        if (!mine.has(srcOf(w)))
          bad.push(["P2", `VF-${e.pool} put source ${srcOf(w)} on the wire (own ${[...mine]})`]);
        const wv = vidOf(w, cfg.port.vlanTpid);
        if (!vlans.has(wv)) bad.push(["P2", `VF-${e.pool} put VLAN ${wv} on the wire (own ${[...vlans]})`]);
      }
      for (const d of out.deliveries) {
        if (d.pool === e.pool) continue;
        if (!mine.has(srcOf(d.bytes)))
          bad.push(["P2", `VF-${e.pool} sent source ${srcOf(d.bytes)} into pool ${d.pool}`]);
        if (!vlans.has(vid))
          bad.push(["P2", `VF-${e.pool} sent VLAN ${vid} into pool ${d.pool} (own ${[...vlans]})`]);
      }
    }
  }
  return bad;
}

function runOn(
  sut: SwitchUnderTest,
  cfg: SwitchConfig,
  evs: Event[],
  property: Property,
  st: Stats,
): string[] {
  const out: string[] = [];
  for (const e of evs)
    for (const [p, msg] of violations(cfg, e, sut.send(e), st))
      if (p === property) out.push(`${sut.name}: ${msg}`);
  return out;
}

function holds(property: Property, st: Stats) {
  return (s: Scenario) => {
    const cfg = setup(s);
    const evs = events(cfg, s);
    const bad = [
      ...runOn(wasmUnderTest(cfg, module, memory), cfg, evs, property, st),
      ...runOn(referenceUnderTest(cfg), cfg, evs, property, st),
    ];
    if (bad.length > 0)
      throw new Error(`${property} violated (${bad.length}):\n${bad.slice(0, 5).join("\n")}`);
  };
}

describe(`isolation properties (${RUNS} cases each, Wasm switch and reference)`, () => {
  it("P1: an untrusted VF receives only frames addressed to it, its broadcast domain or its groups", () => {
    const st = newStats();
    fc.assert(fc.property(scenario, holds("P1", st)), { numRuns: RUNS, seed: SEED });
    expect(st.untrustedDeliveries).toBeGreaterThan(100);
  });

  it("P2: a VF with anti-spoof never sends a foreign source MAC or VLAN to the wire or another VF", () => {
    const st = newStats();
    fc.assert(fc.property(scenario, holds("P2", st)), { numRuns: RUNS, seed: SEED + 1 });
    expect(st.spoofAttempts).toBeGreaterThan(50);
    expect(st.foreignVlanAttempts).toBeGreaterThan(50);
  });

  it("P3: a port-VLAN VF never sees another VLAN", () => {
    const st = newStats();
    fc.assert(fc.property(scenario, holds("P3", st)), { numRuns: RUNS, seed: SEED + 2 });
    expect(st.portVlanDeliveries).toBeGreaterThan(20);
  });

  it("P4: promiscuous reception only on a trusted VF that asked for it (or the PF)", () => {
    const st = newStats();
    fc.assert(fc.property(scenario, holds("P4", st)), { numRuns: RUNS, seed: SEED + 3 });
    expect(st.promiscDeliveries).toBeGreaterThan(0);
  });

  // The oracle judges against the configuration the user programmed; the switches run a copy
  // tampered with behind the control plane's back. Each property must notice its tampering.
  const tampered: Array<[Property, (c: SwitchConfig) => void, Event]> = [
    [
      "P4",
      (c) => {
        c.pools[0]!.flags.upe = true;
        c.port.unicastPromisc = true;
      },
      { kind: "wire", frame: builderFrame(rng(2), { dst: "02:00:00:00:00:99", src: "00:11:22:33:44:55" }) },
    ],
    [
      "P1",
      (c) => {
        c.pools[0]!.flags.upe = true;
        c.port.unicastPromisc = true;
      },
      { kind: "wire", frame: builderFrame(rng(2), { dst: T_MACS.vf1, src: "00:11:22:33:44:55" }) },
    ],
    [
      "P2",
      (c) => {
        c.pools[0]!.macAntiSpoof = false;
        c.pools[0]!.vlanAntiSpoof = false;
      },
      {
        kind: "tx",
        pool: 0,
        frame: builderFrame(rng(3), { dst: "ff:ff:ff:ff:ff:ff", src: "02:00:00:00:00:66" }),
      },
    ],
    [
      "P3",
      (c) => addVlanMember(c, 2, 300),
      {
        kind: "wire",
        frame: builderFrame(rng(4), { dst: T_MACS.vf2, src: "00:11:22:33:44:55", tags: [[300, 0x8100]] }),
      },
    ],
  ];
  for (const [property, tamper, e] of tampered) {
    it(`${property} can fail: tampering behind the control plane's back is caught on both switches`, () => {
      const programmed = testConfigT();
      const running = structuredClone(programmed);
      tamper(running);
      for (const sut of [wasmUnderTest(running, module, memory), referenceUnderTest(running)]) {
        const found = violations(programmed, e, sut.send(e), newStats()).map(([p]) => p);
        expect(found, sut.name).toContain(property);
      }
    });
  }
});
