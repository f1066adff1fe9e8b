// Random switch configurations and traffic for the frame campaign and the isolation
// properties. Configurations are built the way users get them: VF records (what iovctl.conf
// says, after the driver) -> programSwitch, then VF-driver mailbox requests (promiscuous modes,
// multicast groups, trunk VLANs, MAC changes) with the per-NIC answers. `perturb` then flips
// raw table bits for the frame campaign only (parser/switch robustness, not user semantics).

import { pfRecord, vfRecord } from "../nic/records.ts";
import type { PfRecord, VfRecord } from "../nic/types.ts";
import { VF_VLAN_TRUNK } from "../nic/types.ts";
import type { SwitchConfig } from "../switch/config.ts";
import {
  addVlanMember,
  joinMulticast,
  programSwitch,
  requestPromisc,
  requestSetMac,
  requestVlan,
  type XcastMode,
} from "../switch/program.ts";
import { eth, type FrameBuilder } from "../traffic/frames.ts";
import type { Rng } from "./prng.ts";

const hex2 = (n: number) => n.toString(16).padStart(2, "0");
export const PF_MAC = "02:00:00:00:00:01";
export const vfMac = (i: number) => `02:00:00:00:01:${hex2(i)}`;
/** VLAN IDs the generators use: untagged/priority, a few access VLANs, the top of the range. */
export const VIDS = [0, 5, 100, 200, 300, 4095] as const;
export const GROUPS = ["01:00:5e:00:00:fb", "01:00:5e:00:00:07", "33:33:00:00:00:01", "01:80:c2:00:00:0e"];

export interface VfIntent {
  /** allow-promisc (trusted). */
  trusted: boolean;
  macAntiSpoof: boolean;
  /** Access (port) VLAN, or null for a trunk VF. */
  portVlan: number | null;
}

function randomVf(r: Rng, index: number, profile: string): VfRecord {
  // Security default: untrusted, anti-spoof on, unless the draw says otherwise (as a user would).
  const vlan = r.pick([VF_VLAN_TRUNK, VF_VLAN_TRUNK, null, 100, 200, 5]);
  const mac = vfMac(index);
  return vfRecord(
    index,
    mac,
    {
      macAddr: r.bool(0.9) ? mac : null,
      macAntiSpoof: r.bool(0.85),
      allowSetMac: r.bool(0.3),
      allowPromisc: r.bool(0.3),
      numQueues: r.pick([1, 2, 4]),
      vlan,
      vlanQos: r.bool(0.2) ? r.int(0, 7) : undefined,
    },
    profile === "ixl" ? "iavf" : profile === "igb" ? "igbvf" : "ixv",
  );
}

export function randomPfRecord(r: Rng, maxVfs = 6): PfRecord {
  const profile = r.pick(["ix", "ixl", "igb"]);
  const nVfs = r.int(1, maxVfs);
  return pfRecord(
    profile,
    Array.from({ length: nVfs }, (_, i) => randomVf(r, i, profile)),
    { mac: PF_MAC },
  );
}

export interface UserSetup {
  pf: PfRecord;
  config: SwitchConfig;
  /** Multicast groups each VF pool joined through the mailbox. */
  groups: Map<number, string[]>;
  /** VLANs each trunk VF joined through the mailbox. */
  trunkVlans: Map<number, number[]>;
}

/** A configuration as a user gets it: records -> programSwitch -> mailbox requests. */
export function userSetup(r: Rng, maxVfs = 6, opts: { doubleVlan?: boolean } = {}): UserSetup {
  const pf = randomPfRecord(r, maxVfs);
  const config = programSwitch(pf, {
    mode: r.bool(0.8) ? "veb" : "vepa",
    pfQueues: r.pick([1, 2, 4]),
    ringSize: r.pick([8, 64, 512]),
    doubleVlan: (opts.doubleVlan ?? true) && r.bool(0.15),
    jumbo: r.bool(0.2),
  });
  const groups = new Map<number, string[]>();
  const trunkVlans = new Map<number, number[]>();
  for (const vf of pf.vfs) {
    const i = vf.index;
    if (r.bool(0.5))
      requestPromisc(config, i, r.pick(["none", "multi", "allmulti", "promisc"] as XcastMode[]));
    if (r.bool(0.4)) {
      const g = r.pick(GROUPS);
      joinMulticast(config, i, g);
      groups.set(i, [...(groups.get(i) ?? []), g]);
    }
    if (r.bool(0.4)) {
      const vid = r.pick([5, 100, 200, 300]);
      if (requestVlan(config, i, vid)) trunkVlans.set(i, [...(trunkVlans.get(i) ?? []), vid]);
    }
    if (r.bool(0.15)) requestSetMac(config, i, `02:00:00:00:03:${hex2(i)}`);
  }
  return { pf, config, groups, trunkVlans };
}

export interface PerturbOptions {
  /** Chance that a pool keeps Rx (and, drawn apart, Tx) enabled. Default 0.95. */
  enable?: number;
  /** Also draw per-pool RSS keys and levels and VLAN anti-spoof flips. Default false. */
  poolRss?: boolean;
  /** VLAN memberships to add: at most this many. Default 3. */
  vlanMembers?: number;
}

/** Flips raw pool/port bits: the kernels must stay safe (and agree with the reference) for any table. */
export function perturb(r: Rng, cfg: SwitchConfig, o: PerturbOptions = {}): void {
  const enable = o.enable ?? 0.95;
  const port = cfg.port;
  port.unicastPromisc = r.bool(0.2);
  port.multicastPromisc = r.bool(0.2);
  port.broadcastAccept = r.bool(0.9);
  port.disableDefaultPool = r.bool(0.2);
  port.multicastOffset = r.pick([0, 1, 2, 3] as const);
  port.longPacket = r.bool(0.7);
  port.maxFrame = r.pick([1518, 1522, 2000, 9728]);
  port.txMaxFrame = r.pick([1518, 1600, 9728]);
  port.txPadShort = r.bool(0.8);
  if (r.bool(0.2)) port.sTpid = 0x9100;
  if (r.bool(0.2)) port.rss.key = Array.from(r.bytes(r.pick([40, 52])));
  for (const p of cfg.pools) {
    const f = p.flags;
    for (const k of [
      "bam",
      "aupe",
      "rompe",
      "rope",
      "mpe",
      "upe",
      "vpe",
      "lle",
      "strvlan",
      "hideVlan",
      "lpe",
      "flp",
    ] as const)
      if (r.bool(0.15)) f[k] = !f[k];
    p.rxEnable = r.bool(enable);
    p.txEnable = r.bool(enable);
    if (r.bool(0.2)) p.rlpml = r.pick([1600, 4000, 9728]);
    if (o.poolRss) {
      if (r.bool(0.2)) p.rssKey = Array.from(r.bytes(40));
      if (r.bool(0.2)) p.rssLevel = r.pick(["outer", "inner"] as const);
    }
    if (r.bool(0.2)) p.reta = Array.from({ length: r.pick([1, 8, 64]) }, () => r.int(0, p.numRxQueues - 1));
    if (o.poolRss && r.bool(0.1)) p.vlanAntiSpoof = !p.vlanAntiSpoof;
    if (r.bool(0.1))
      p.portVlan = {
        action: r.pick(["descriptor", "default", "never"] as const),
        tci: r.int(0, 0xffff),
        tpid: r.pick([0x8100, 0x88a8]),
      };
  }
  // A multicast RAR shared by several pools.
  if (r.bool(0.3))
    cfg.rar.push({
      mac: "01:80:c2:00:00:0e",
      pools: cfg.pools.filter(() => r.bool(0.5)).map((p) => p.index),
    });
  for (let i = r.int(0, o.vlanMembers ?? 3); i > 0; i--)
    addVlanMember(cfg, r.int(0, cfg.pools.length - 1), r.pick(VIDS));
}

const IPS4 = ["10.0.0.1", "10.0.0.2", "66.9.149.187", "224.0.0.251", "192.168.1.1"];
const IPS6 = ["3ffe:2501:200:1fff::7", "fe80::1", "ff02::1", "2001:db8::5"];

function randomL3(r: Rng, b: FrameBuilder, depth: number): FrameBuilder {
  const sport = r.int(0, 65535);
  const dport = r.pick([80, 443, 4789, 4790, 6081, 2152, 53, r.int(0, 65535)]);
  const x = r.bool(0.65)
    ? b.ipv4({
        src: r.pick(IPS4),
        dst: r.pick(IPS4),
        mf: r.bool(0.08),
        fragOffset: r.bool(0.05) ? r.int(1, 100) : 0,
        options: r.bool(0.1) ? [1, 1, 1, 1] : undefined,
      })
    : b.ipv6({
        src: r.pick(IPS6),
        dst: r.pick(IPS6),
        ext: r.bool(0.2)
          ? [{ type: r.pick(["hbh", "dstopts"] as const) }]
          : r.bool(0.1)
            ? [{ type: "fragment", offset: r.int(0, 3) }]
            : [],
      });
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
    if (t === 3) return vxlanGpe(r, x, sport);
    return u.payload(r.int(0, 40));
  }
  if (k === 6 && depth === 0)
    return randomL3(r, x.gre({ key: r.bool(0.5) ? r.int(0, 0xffff) : undefined }), 1);
  if (k === 7) return x.icmp({});
  return x.payload(r.int(0, 30));
}

/** VXLAN-GPE on UDP 4790: valid (P set, IPv4/IPv6/Ethernet inside), NSH and unknown Next
 *  Protocols, P clear, version != 0, and a header cut short by the UDP length. */
function vxlanGpe(r: Rng, x: FrameBuilder, sport: number): FrameBuilder {
  const u = x.udp({ sport, dport: 4790 });
  if (r.bool(0.1)) return u.payload(r.int(0, 7));
  const inner = r.pick(["ipv4", "ipv6", "eth", "nsh", "unknown"] as const);
  const nextProtocol = { ipv4: 1, ipv6: 2, eth: 3, nsh: 4, unknown: r.int(5, 255) }[inner];
  // I and P (0x0c) mostly; P clear (0x08); version 1..3 (0x1c, 0x2c, 0x3c); any byte.
  const flags = r.pick([0x0c, 0x0c, 0x0c, 0x08, r.pick([0x1c, 0x2c, 0x3c]), r.int(0, 255)]);
  const g = u.vxlanGpe(r.int(0, 0xffffff), { flags, nextProtocol });
  if (inner === "eth") return randomL3(r, g.eth({ dst: "02:aa:00:00:00:01", src: "02:aa:00:00:00:02" }), 1);
  if (inner === "nsh" || inner === "unknown") return g.payload(r.int(0, 40));
  return randomL3(r, g, 1);
}

export interface FrameAim {
  dst: string;
  src: string;
  /** Tags to add, outermost first: [vid, tpid]. */
  tags?: Array<[number, number]>;
}

/** A well-formed builder frame with the given addresses and tags and a random L3/L4 body. */
export function builderFrame(r: Rng, aim: FrameAim): Uint8Array {
  let b = eth({ dst: aim.dst, src: aim.src });
  for (const [vid, tpid] of aim.tags ?? []) b = b.vlan(vid, { tpid, pcp: r.int(0, 7) });
  const kind = r.int(0, 9);
  if (kind === 0) return b.arp({}).build();
  if (kind === 1)
    return b
      .mpls([r.int(16, 999)])
      .ipv4({})
      .udp({})
      .build();
  if (kind === 2) return b.payload(r.int(0, 60)).build();
  return randomL3(r, b, 0).build();
}

/** Addresses a frame aimed at `cfg` may carry: its RAR entries, broadcast, groups, strangers. */
export function destinations(cfg: SwitchConfig): string[] {
  const macs = cfg.rar.map((x) => x.mac);
  return [...macs, ...macs, "ff:ff:ff:ff:ff:ff", ...GROUPS, "02:00:00:00:00:99", "02:00:00:00:01:3f"];
}

/** Random tags: none (most), one 802.1Q tag, or an S-tag + C-tag. */
export function randomTags(r: Rng): Array<[number, number]> {
  const t = r.int(0, 9);
  if (t <= 5) return [];
  if (t <= 8) return [[r.pick(VIDS), 0x8100]];
  return [
    [r.pick(VIDS), r.pick([0x88a8, 0x9100])],
    [r.pick(VIDS), 0x8100],
  ];
}
