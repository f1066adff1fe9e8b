// Seeded generators for the differential tests: random switch configurations (built through
// programSwitch like a real setup, then perturbed) and random frames (builder frames aimed at
// the configuration's addresses, plus random bytes and mutations).

// The same seeded generator as the fuzz campaigns (mulberry32): one implementation.
import { type Rng, rng } from "../../src/fuzz/prng.ts";
import { perturb, VIDS } from "../../src/fuzz/switch-gen.ts";
import { pfRecord, vfRecord } from "../../src/nic/records.ts";
import type { VfRecord } from "../../src/nic/types.ts";
import { VF_VLAN_TRUNK } from "../../src/nic/types.ts";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { hashTableIndex, macToBytes } from "../../src/switch/config.ts";
import { joinMulticast, programSwitch } from "../../src/switch/program.ts";
import { eth, type FrameBuilder } from "../../src/traffic/frames.ts";
import type { SwitchEvent } from "./diff-harness.ts";

export { type Rng, rng };

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

function randomVf(r: Rng, index: number): VfRecord {
  return vfRecord(
    index,
    `02:00:00:00:01:${hex2(index)}`,
    {
      vlan: r.pick([null, VF_VLAN_TRUNK, VF_VLAN_TRUNK, 100, 200]),
      macAntiSpoof: r.bool(0.7),
      allowSetMac: r.bool(0.3),
      allowPromisc: r.bool(0.3),
      numQueues: r.pick([1, 2, 4]),
    },
    "ixv",
  );
}

/** `opts.vfs`: that many VFs (pools = VFs + the PF), else 0..5 drawn. */
export function randomConfig(r: Rng, opts: { vfs?: number } = {}): SwitchConfig {
  const nVfs = opts.vfs ?? r.int(0, 5);
  const profile = r.pick(["ix", "ixl", "igb"]);
  const pf = pfRecord(
    profile,
    Array.from({ length: nVfs }, (_, i) => randomVf(r, i)),
    { name: "ix0" },
  );
  const cfg = programSwitch(pf, {
    mode: r.bool(0.8) ? "veb" : "vepa",
    pfQueues: r.pick([1, 2, 4]),
    ringSize: r.pick([2, 8, 32, 64, 512]),
    rxBufferSize: r.pick([64, 256, 1024, 2048]),
    rssLevel: r.pick(["outer", "inner"] as const),
    rssOnLoopback: r.bool(0.3),
    qemuDefaultPool: r.bool(0.15),
    doubleVlan: r.bool(0.2),
    jumbo: r.bool(0.2),
    vlanFilter: r.bool(0.8),
    hashTypes: {
      tcpIpv4: r.bool(0.8),
      ipv4: r.bool(0.8),
      udpIpv4: r.bool(0.5),
      tcpIpv6: r.bool(0.8),
      ipv6: r.bool(0.8),
      udpIpv6: r.bool(0.5),
      tcpIpv6Ex: r.bool(0.5),
      ipv6Ex: r.bool(0.5),
      udpIpv6Ex: r.bool(0.5),
    },
  });
  perturb(r, cfg, { enable: 0.9, poolRss: true, vlanMembers: 4 });
  // Extra filters (after the raw perturbation): multicast groups, a unicast RAR, UTA bits, a thinned VFTA.
  for (let i = 0; i < r.int(0, 3); i++) {
    const pool = r.int(0, cfg.pools.length - 1);
    joinMulticast(cfg, pool, `01:00:5e:00:00:${hex2(r.int(0, 255))}`);
  }
  if (r.bool(0.3))
    cfg.rar.push({ mac: `02:00:00:00:02:${hex2(r.int(0, 3))}`, pools: [r.int(0, cfg.pools.length - 1)] });
  for (let i = 0; i < r.int(0, 4); i++) {
    const mac = r.pick(knownMacs(cfg).concat(["02:00:00:00:00:99"]));
    cfg.uta.push(hashTableIndex(macToBytes(mac), cfg.port.multicastOffset));
  }
  cfg.uta = [...new Set(cfg.uta)].sort((a, b) => a - b);
  if (r.bool(0.2)) cfg.port.vfta = cfg.port.vfta.filter(() => r.bool(0.7));
  return cfg;
}

function knownMacs(cfg: SwitchConfig): string[] {
  return cfg.rar.map((x) => x.mac);
}

const IPS4 = ["10.0.0.1", "10.0.0.2", "66.9.149.187", "161.142.100.80", "224.0.0.251", "192.168.1.1"];
const IPS6 = ["3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", "fe80::1", "ff02::1", "2001:db8::5"];

function randomL3(r: Rng, b: FrameBuilder, depth: number): FrameBuilder {
  const sport = r.int(0, 65535);
  const dport = r.pick([80, 443, 4789, 4790, 6081, 2152, 6635, 53, r.int(0, 65535)]);
  let x: FrameBuilder;
  if (r.bool(0.65)) {
    x = b.ipv4({
      src: r.pick(IPS4),
      dst: r.pick(IPS4),
      mf: r.bool(0.08),
      fragOffset: r.bool(0.05) ? r.int(1, 100) : 0,
      options: r.bool(0.1) ? [1, 1, 1, 1] : undefined,
      proto: r.bool(0.05) ? r.pick([50, 51, 132, 89]) : undefined,
    });
  } else {
    const ext = [] as Array<
      | { type: "hbh" | "dstopts" }
      | { type: "fragment"; offset?: number }
      | { type: "ah" }
      | { type: "routing"; routingType?: number; segmentsLeft?: number; addresses?: string[] }
    >;
    if (r.bool(0.2)) ext.push({ type: "hbh" });
    if (r.bool(0.1))
      ext.push({ type: "routing", routingType: 2, segmentsLeft: 1, addresses: ["2001:db8::9"] });
    if (r.bool(0.1)) ext.push({ type: "dstopts" });
    if (r.bool(0.1)) ext.push({ type: "ah" });
    if (r.bool(0.08)) ext.push({ type: "fragment", offset: r.bool(0.5) ? 0 : 3 });
    x = b.ipv6({ src: r.pick(IPS6), dst: r.pick(IPS6), ext });
  }
  const k = r.int(0, 9);
  if (k <= 3) return x.tcp({ sport, dport }).payload(r.int(0, 64));
  if (k <= 5) {
    const u = x.udp({ sport, dport });
    if (depth > 0) return u.payload(r.int(0, 40));
    const t = r.int(0, 5);
    if (t === 0)
      return randomL3(
        r,
        u.vxlan(r.int(0, 0xffffff)).eth({ dst: "02:aa:00:00:00:01", src: "02:aa:00:00:00:02" }),
        1,
      );
    if (t === 1) return randomL3(r, u.geneve(r.int(0, 0xffffff)).eth({}), 1);
    if (t === 2) return randomL3(r, u.gtpu(r.int(0, 0xffffffff)), 1);
    if (t === 3) return randomL3(r, u.mpls([r.int(16, 1000)]), 1);
    if (t === 4) {
      // VXLAN-GPE with any flags (version, P clear) and Next Protocol (NSH and unknown ones too),
      // mostly on 4790 (the random port above rarely is), sometimes a header cut short.
      const gu = r.bool(0.75) ? x.udp({ sport, dport: 4790 }) : u;
      if (r.bool(0.1)) return gu.payload(r.int(0, 7));
      const nextProtocol = r.pick([1, 2, 3, 4, r.int(0, 255)]);
      const flags = r.pick([0x0c, 0x08, 0x04, 0x1c, 0x0d, r.int(0, 255)]);
      const g = gu.vxlanGpe(r.int(0, 0xffffff), { flags, nextProtocol });
      return randomL3(r, nextProtocol === 3 ? g.eth({}) : g, 1);
    }
    return u.payload(r.int(0, 40));
  }
  if (k === 6 && depth === 0)
    return randomL3(r, x.gre({ key: r.bool(0.5) ? r.int(0, 0xffff) : undefined }), 1);
  if (k === 7 && depth === 0) return randomL3(r, x.nvgre(r.int(0, 0xffffff)).eth({}), 1);
  if (k === 8) return x.icmp({});
  return x.payload(r.int(0, 30));
}

/** One random frame aimed at `cfg` (or `src` when it is a transmit). */
export function randomFrame(r: Rng, cfg: SwitchConfig, src?: string): Uint8Array {
  if (r.bool(0.04)) return r.bytes(r.int(0, 80));
  const macs = knownMacs(cfg);
  const dst = r.pick([
    ...macs,
    ...macs,
    "ff:ff:ff:ff:ff:ff",
    "01:00:5e:00:00:fb",
    "01:00:5e:00:00:07",
    "33:33:00:00:00:01",
    "02:00:00:00:00:99",
  ]);
  const sa = src ?? r.pick([...macs, "00:11:22:33:44:55"]);
  let b = eth({ dst, src: r.bool(0.1) ? r.pick(macs) : sa });
  const tags = r.int(0, 10);
  if (tags >= 7) b = b.vlan(r.pick(VIDS), { pcp: r.int(0, 7) });
  if (tags === 9) b = b.vlan(r.pick(VIDS));
  if (tags === 6) b = b.qinq(r.pick(VIDS), r.pick(VIDS), r.pick([0x88a8, 0x9100]));
  let f: Uint8Array;
  const kind = r.int(0, 9);
  if (kind === 0) f = b.arp({}).build();
  else if (kind === 1)
    f = b
      .mpls([r.int(16, 999), r.int(16, 999)])
      .ipv4({})
      .udp({})
      .build();
  else if (kind === 2) f = b.payload(r.int(0, 60)).build();
  else f = randomL3(r, b, 0).build();
  if (r.bool(0.05)) {
    const big = new Uint8Array(r.pick([1515, 1519, 1600, 2100, 9000, 9800]));
    big.set(f.subarray(0, Math.min(f.length, big.length)));
    f = big;
  }
  // Mutations: truncation and byte flips (malformed frames must be handled like the reference).
  if (r.bool(0.1)) f = f.subarray(0, r.int(0, f.length));
  if (r.bool(0.1)) {
    f = f.slice();
    for (let i = 0; i < r.int(1, 4) && f.length > 0; i++) f[r.int(0, f.length - 1)] = r.int(0, 255);
  }
  return f;
}

export function randomEvents(r: Rng, cfg: SwitchConfig, count: number): SwitchEvent[] {
  const events: SwitchEvent[] = [];
  for (let i = 0; i < count; i++) {
    const k = r.next();
    if (k < 0.08) events.push({ kind: "drain" });
    else if (k < 0.5) events.push({ kind: "wire", frame: randomFrame(r, cfg) });
    else {
      const pool = r.int(0, cfg.pools.length - 1);
      const own = cfg.rar.find((x) => x.pools.includes(pool))?.mac;
      const ev: SwitchEvent = {
        kind: "tx",
        pool,
        frame: randomFrame(r, cfg, r.bool(0.85) ? own : undefined),
      };
      if (r.bool(0.1)) ev.vlanTci = r.int(0, 0xffff);
      events.push(ev);
    }
  }
  return events;
}

/** A pool in the fast paths' case: untagged frames accepted, no unicast promiscuity, both
 *  directions enabled, no port VLAN inserted. */
export function fastPathPool(p: SwitchConfig["pools"][number]): void {
  p.flags.aupe = true;
  p.flags.upe = false;
  p.rxEnable = true;
  p.txEnable = true;
  p.portVlan = { ...p.portVlan, action: "descriptor" };
}

const UNICAST_IPS = ["10.0.0.1", "10.0.0.2", "66.9.149.187", "161.142.100.80", "192.168.1.1"];

/** An IPv4 TCP/UDP frame on `b` (Ethernet and tags done), a fast path's common case, sometimes
 *  bent: fragments, options, long payloads, truncation, a flipped header byte. */
export function unicastIpv4(r: Rng, b: FrameBuilder): Uint8Array {
  const ip = b.ipv4({
    src: r.pick(UNICAST_IPS),
    dst: r.pick(UNICAST_IPS),
    mf: r.bool(0.03),
    options: r.bool(0.03) ? [1, 1, 1, 1] : undefined,
  });
  const ports = { sport: r.int(0, 65535), dport: r.pick([80, 443, 4789, 4790, r.int(0, 65535)]) };
  let f = (r.bool(0.6) ? ip.tcp(ports) : ip.udp(ports))
    .payload(r.int(0, r.bool(0.1) ? 1600 : r.bool(0.5) ? 200 : 40))
    .build();
  if (r.bool(0.05)) f = f.subarray(0, r.int(0, f.length));
  if (r.bool(0.05)) {
    f = f.slice();
    f[r.int(0, Math.min(f.length, 60) - 1)] = r.int(0, 255);
  }
  return f;
}
