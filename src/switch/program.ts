// Programming the embedded switch from the control plane's records (what the PF driver does
// when VFs are created): one pool per VF plus the PF's pool, RAR entries, VLAN membership,
// port VLANs, anti-spoofing, queues and RSS. Also the run-time requests a VF driver makes
// through the mailbox (promiscuous modes, multicast groups, MAC change, trunk VLANs), with
// the per-NIC answers of spec §2.7, and configuration "T" of spec §10.2.
import { ZERO_MAC } from "../nic/host-model.ts";
import { getProfile } from "../nic/profile.ts";
import { pfRecord, vfRecord } from "../nic/records.ts";
import type { PfRecord, VfRecord } from "../nic/types.ts";
import { VF_VLAN_TRUNK } from "../nic/types.ts";
import {
  allHashTypes,
  hashTableIndex,
  MS_RSS_KEY,
  macToBytes,
  type PoolConfig,
  type PoolFlags,
  type RssHashTypes,
  type RssLevel,
  type SwitchConfig,
  type SwitchMode,
} from "./config.ts";

/** Jumbo ceiling used by Intel drivers, bytes including FCS (§2.1). */
export const MAX_JUMBO_FRAME = 9728;
export const DEFAULT_RING_SIZE = 512;
export const DEFAULT_RX_BUFFER_SIZE = 2048;

/** Without a NIC profile (a bare switch configuration): the common 128-entry RETA, 4 PF queues. */
const FALLBACK_RETA_SIZE = 128;
const FALLBACK_PF_QUEUES = 4;

/** Redirection-table size of a VF pool or the PF pool, from the NIC profile's `rss` (§4.6). */
export function retaSizeFor(profile: string, kind: "pf" | "vf"): number {
  const rss = getProfile(profile)?.rss;
  if (!rss) return FALLBACK_RETA_SIZE;
  return kind === "vf" ? rss.vfRetaSize : rss.pfRetaSize;
}

/** Queues of the PF's pool when not given: the pool mode's queues for this many VFs (ix: 4, or 2
 *  with >= 32 VFs), else the profile's `switch.defaultPfQueues`. */
export function defaultPfQueues(profile: string, numVfs: number): number {
  const p = getProfile(profile);
  if (!p) return FALLBACK_PF_QUEUES;
  const mode = p.limits.poolModes?.find((m) => numVfs >= m.minVfs);
  return mode ? mode.queuesPerVf : p.switch.defaultPfQueues;
}

export interface ProgramOptions {
  /** VEB (default) or VEPA. */
  mode?: SwitchMode;
  /** Queues of the PF pool (default per profile). */
  pfQueues?: number;
  ringSize?: number;
  rxBufferSize?: number;
  rssLevel?: RssLevel;
  /** Port RSS key (default Microsoft key). */
  rssKey?: number[];
  /** Hash types; default all on (spec configuration T). */
  hashTypes?: Partial<RssHashTypes>;
  rssOnLoopback?: boolean;
  qemuDefaultPool?: boolean;
  doubleVlan?: boolean;
  /** Per-pool long packets (LPE + RLPML 9728) for every pool; default off (1514 + tags). */
  jumbo?: boolean;
  /** VLAN filtering (default on, as the PF driver programs VLVF/VFTA). */
  vlanFilter?: boolean;
}

/** RETA filled the way Linux does by default: entry[i] = i mod nqueues. */
export function defaultReta(size: number, numQueues: number): number[] {
  const n = Math.max(1, numQueues);
  return Array.from({ length: size }, (_, i) => i % n);
}

function baseFlags(): PoolFlags {
  return {
    bam: true,
    aupe: true,
    rompe: false,
    rope: false,
    mpe: false,
    upe: false,
    vpe: false,
    lle: false,
    strvlan: false,
    hideVlan: false,
    lpe: false,
    flp: false,
  };
}

function addToSet(list: number[], value: number): void {
  if (!list.includes(value)) {
    list.push(value);
    list.sort((a, b) => a - b);
  }
}

/** Make `pool` a member of VLAN `vid` (VLVF) and let the VID through the VFTA. */
export function addVlanMember(config: SwitchConfig, pool: number, vid: number): void {
  if (!Number.isInteger(vid) || vid < 0 || vid > 4095) throw new Error(`VLAN ID ${vid} out of range 0..4095`);
  let entry = config.vlvf.find((e) => e.vid === vid);
  if (!entry) {
    entry = { vid, pools: [] };
    config.vlvf.push(entry);
    config.vlvf.sort((a, b) => a.vid - b.vid);
  }
  addToSet(entry.pools, pool);
  addToSet(config.port.vfta, vid);
}

/** Remove `pool` from VLAN `vid`; drops the VLVF entry (and the VFTA bit) when it empties. */
export function removeVlanMember(config: SwitchConfig, pool: number, vid: number): void {
  const entry = config.vlvf.find((e) => e.vid === vid);
  if (!entry) return;
  entry.pools = entry.pools.filter((p) => p !== pool);
  if (entry.pools.length === 0) {
    config.vlvf = config.vlvf.filter((e) => e !== entry);
    config.port.vfta = config.port.vfta.filter((v) => v !== vid);
  }
}

function vfPool(vf: VfRecord, pool: number, profile: string, jumbo: boolean): PoolConfig {
  const c = vf.config;
  const flags = baseFlags();
  if (jumbo) flags.lpe = true;
  return {
    kind: "vf",
    index: pool,
    vf: vf.index,
    name: `VF-${vf.index}`,
    rxEnable: true,
    txEnable: true,
    flags,
    rlpml: MAX_JUMBO_FRAME,
    macAntiSpoof: c.macAntiSpoof,
    // Hardware requires MAC anti-spoof for VLAN anti-spoof (§3.3); the driver sets both.
    vlanAntiSpoof: c.macAntiSpoof,
    portVlan: { action: "descriptor", tci: 0, tpid: 0x8100 },
    numRxQueues: Math.max(1, c.numQueues),
    reta: defaultReta(retaSizeFor(profile, "vf"), c.numQueues),
    rssKey: null,
    rssLevel: null,
    trusted: c.allowPromisc,
    // No configured MAC: the VF picks its own and may always change it (ixl(4), §5.1).
    allowSetMac: c.macAddr === null || c.allowSetMac,
  };
}

/** MTUs a function's driver may ask for: IPv4's minimum up to the jumbo ceiling less header and FCS. */
export const MIN_MTU = 68;
export const MAX_MTU = MAX_JUMBO_FRAME - 18;

/**
 * A function's driver sets its MTU: ixgbevf, igbvf and iavf ask the PF for a maximum frame of
 * MTU + 14 + 4 (FCS), which becomes the pool's long-packet limit (LPE, RLPML; spec §2.1). The
 * hardware allows 4 more bytes per VLAN tag (isOversized). An MTU up to 1500 keeps the standard
 * limit (1514 + 4 per tag): ixgbe only ever raises the frame size (ixgbe_set_vf_lpe).
 */
export function setPoolMtu(config: SwitchConfig, pool: number, mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU)
    throw new Error(`MTU ${mtu} out of range ${MIN_MTU}..${MAX_MTU}`);
  const p = config.pools[pool];
  if (!p) throw new Error(`no pool ${pool}`);
  p.flags.lpe = mtu > 1500;
  p.rlpml = mtu > 1500 ? mtu + 18 : MAX_JUMBO_FRAME;
}

/** Turn an access VLAN on for `pool`: VLVF membership, insert-default, AUPE off, strip + hide on Rx. */
export function setPortVlan(config: SwitchConfig, pool: number, vid: number, qos = 0): void {
  if (!Number.isInteger(qos) || qos < 0 || qos > 7) throw new Error(`VLAN QoS ${qos} out of range 0..7`);
  const p = config.pools[pool]!;
  removeVlanMember(config, pool, 0);
  addVlanMember(config, pool, vid);
  p.portVlan = { action: "default", tci: (vid & 0xfff) | (qos << 13), tpid: config.port.vlanTpid };
  p.flags.aupe = false;
  p.flags.strvlan = true;
  p.flags.hideVlan = true;
}

/**
 * Build the switch configuration from a PF record: pools 0..n-1 for the VFs in index order, pool
 * n for the PF (the default pool). A VF the driver refused at ADD_VF leaves a gap in the VF
 * numbers, not in the pools: pool i is the i-th VF (its PoolConfig names the VF). Untrusted by
 * default: anti-spoof per mac-anti-spoof, BAM + AUPE only.
 */
export function programSwitch(pf: PfRecord, options: ProgramOptions = {}): SwitchConfig {
  const vfs = [...pf.vfs].sort((a, b) => a.index - b.index);
  const numVfs = vfs.length;
  const mode = options.mode ?? "veb";
  const jumbo = options.jumbo ?? false;
  const pfQueues = options.pfQueues ?? defaultPfQueues(pf.profile, numVfs);
  const pfPool = numVfs;
  const config: SwitchConfig = {
    version: 1,
    profile: pf.profile,
    port: {
      mode,
      replication: true,
      txLoopback: mode === "veb",
      vlanFilter: options.vlanFilter ?? true,
      vfta: [],
      defaultPool: pfPool,
      disableDefaultPool: false,
      unicastPromisc: false,
      multicastPromisc: false,
      broadcastAccept: true,
      doubleVlan: options.doubleVlan ?? false,
      sTpid: 0x88a8,
      vlanTpid: 0x8100,
      longPacket: true,
      maxFrame: MAX_JUMBO_FRAME,
      txMaxFrame: MAX_JUMBO_FRAME,
      txPadShort: true,
      rss: {
        key: [...(options.rssKey ?? MS_RSS_KEY)],
        hashTypes: { ...allHashTypes(), ...options.hashTypes },
        level: options.rssLevel ?? "outer",
        onLoopback: options.rssOnLoopback ?? false,
      },
      multicastOffset: 0,
      qemuDefaultPool: options.qemuDefaultPool ?? false,
      ringSize: options.ringSize ?? DEFAULT_RING_SIZE,
      rxBufferSize: options.rxBufferSize ?? DEFAULT_RX_BUFFER_SIZE,
    },
    rar: [],
    uta: [],
    mta: [],
    vlvf: [],
    pools: [],
  };

  vfs.forEach((vf, pool) => {
    config.pools.push(vfPool(vf, pool, pf.profile, jumbo));
  });
  const pfFlags = baseFlags();
  if (jumbo) pfFlags.lpe = true;
  config.pools.push({
    kind: "pf",
    index: pfPool,
    vf: null,
    name: "PF",
    rxEnable: true,
    txEnable: true,
    flags: pfFlags,
    rlpml: MAX_JUMBO_FRAME,
    macAntiSpoof: false,
    vlanAntiSpoof: false,
    portVlan: { action: "descriptor", tci: 0, tpid: 0x8100 },
    numRxQueues: Math.max(1, pfQueues),
    reta: defaultReta(retaSizeFor(pf.profile, "pf"), pfQueues),
    rssKey: null,
    rssLevel: null,
    trusted: true,
    allowSetMac: true,
  });

  // RAR 0 is the PF's own address, then one per VF (classic ixgbe uses RAR vf+1).
  config.rar.push({ mac: pf.mac.toLowerCase(), pools: [pfPool] });
  vfs.forEach((vf, pool) => {
    macToBytes(vf.effectiveMac); // validates
    // ixl's mac-addr 00:00:00:00:00:00: the VF makes up an address, but without allow-set-mac
    // ixl_vf_mac_valid refuses (EPERM) a filter for anything but the assigned (zero) address, so
    // the made-up one gets no filter: no unicast reaches the VF (broadcast and multicast do).
    if (vf.config.macAddr === ZERO_MAC && !vf.config.allowSetMac) return;
    config.rar.push({ mac: vf.effectiveMac.toLowerCase(), pools: [pool] });
  });

  // VLAN 0 for everyone (untagged + priority tagged); access VLANs replace it (§2.8).
  addVlanMember(config, pfPool, 0);
  vfs.forEach((vf, pool) => {
    const vlan = vf.config.vlan;
    addVlanMember(config, pool, 0);
    if (!(vlan === null || vlan === VF_VLAN_TRUNK || vlan > 4095))
      setPortVlan(config, pool, vlan, vf.config.vlanQos ?? 0);
  });

  if (mode === "vepa") {
    // Linux ixgbe VEPA: Tx loopback off, Rx source-address pruning for every pool (§3.6).
    for (const p of config.pools) p.flags.flp = true;
  }
  return config;
}

// ---------------------------------------------------------------------------------------
// Mailbox requests from a VF driver.

export type XcastMode = "none" | "multi" | "allmulti" | "promisc";
const XCAST_ORDER: XcastMode[] = ["none", "multi", "allmulti", "promisc"];

export interface PromiscReply {
  requested: XcastMode;
  /** What the pool flags now implement. */
  applied: XcastMode;
  /** What the VF is told (i40e/ice lie: they report the request as done). */
  reported: XcastMode;
  /** True when the request was applied as asked. */
  honoured: boolean;
  /** PF log line, when the driver logs one. */
  log: string | null;
}

function vfPoolOf(config: SwitchConfig, vf: number): PoolConfig {
  const p = config.pools[vf];
  if (p === undefined || p.kind !== "vf") throw new Error(`no VF pool ${vf}`);
  return p;
}

function currentXcast(p: PoolConfig): XcastMode {
  if (p.flags.upe) return "promisc";
  if (p.flags.mpe) return "allmulti";
  if (p.flags.rompe) return "multi";
  return "none";
}

function applyXcast(config: SwitchConfig, p: PoolConfig, mode: XcastMode): void {
  const level = XCAST_ORDER.indexOf(mode);
  p.flags.bam = true;
  p.flags.rompe = level >= 1;
  p.flags.mpe = level >= 2;
  p.flags.upe = level >= 3;
  // The port itself must pass what the pools want (stage 0 of §2.3); these port bits follow
  // the pools so lowering the last promiscuous pool turns them back off.
  config.port.unicastPromisc = config.pools.some((q) => q.flags.upe);
  config.port.multicastPromisc = config.pools.some((q) => q.flags.mpe);
}

/**
 * A VF asks for a receive mode (Linux "xcast" / iavf promiscuous message). Per-NIC answer (§2.7):
 * - ix (ixgbe): untrusted VFs are capped to MULTI and told the capped mode;
 * - ixl / ice (i40e/ice): an untrusted request beyond MULTI is logged and not applied, yet the
 *   VF is told it succeeded;
 * - igb (82576): capped like ixgbe; no unicast promiscuous in hardware (PROMISC -> ALLMULTI).
 * Trusted = allow-promisc. The PF pool is always trusted.
 */
export function requestPromisc(config: SwitchConfig, vf: number, mode: XcastMode): PromiscReply {
  const p = vfPoolOf(config, vf);
  const facts = getProfile(config.profile)?.switch;
  let target = mode;
  if (facts && !facts.unicastPromisc && target === "promisc") target = "allmulti";
  const wantsMore = XCAST_ORDER.indexOf(target) > XCAST_ORDER.indexOf("multi");
  if (!p.trusted && wantsMore) {
    if (facts?.untrustedPromisc === "log-and-ignore") {
      const applied = currentXcast(p);
      return {
        requested: mode,
        applied,
        reported: mode,
        honoured: false,
        log: `${p.name}: attempted to configure promiscuous mode`,
      };
    }
    target = "multi";
  }
  applyXcast(config, p, target);
  return { requested: mode, applied: target, reported: target, honoured: target === mode, log: null };
}

/** A VF joins a multicast group: its hash bit goes into the shared MTA and ROMPE is set. */
export function joinMulticast(config: SwitchConfig, pool: number, mac: string): void {
  const b = macToBytes(mac);
  if ((b[0]! & 1) === 0) throw new Error(`${mac} is not a multicast address`);
  const p = config.pools[pool];
  if (!p) throw new Error(`no pool ${pool}`);
  addToSet(config.mta, hashTableIndex(b, config.port.multicastOffset));
  p.flags.rompe = true;
}

/** A VF asks to change its MAC: honoured when allowed (allow-set-mac or no mac-addr configured). */
export function requestSetMac(config: SwitchConfig, vf: number, mac: string): boolean {
  const p = vfPoolOf(config, vf);
  const b = macToBytes(mac);
  if ((b[0]! & 1) !== 0 || b.every((x) => x === 0)) return false;
  if (!p.allowSetMac) return false;
  const lower = mac.toLowerCase();
  if (config.rar.some((r) => r.mac === lower && !r.pools.includes(vf))) return false; // in use
  const own = config.rar.find((r) => r.pools.length === 1 && r.pools[0] === vf);
  if (own) own.mac = lower;
  else config.rar.push({ mac: lower, pools: [vf] });
  return true;
}

/** A trunk VF joins a VLAN; refused for a VF with a port (access) VLAN. */
export function requestVlan(config: SwitchConfig, vf: number, vid: number): boolean {
  const p = vfPoolOf(config, vf);
  if (p.portVlan.action !== "descriptor") return false;
  addVlanMember(config, vf, vid);
  return true;
}

// ---------------------------------------------------------------------------------------
// Configuration "T" (spec §10.2).

export const T_MACS = {
  vf0: "02:00:00:00:00:10",
  vf1: "02:00:00:00:00:11",
  vf2: "02:00:00:00:00:12",
  vf3: "02:00:00:00:00:13",
  pf: "02:00:00:00:00:01",
} as const;

/** A VF of configuration T: ixgbe's VF driver, untrusted unless `trusted`, trunk unless `vlan`. */
const tVf = (index: number, mac: string, opts: { vlan?: number; trusted?: boolean }): VfRecord =>
  vfRecord(
    index,
    mac,
    { allowPromisc: opts.trusted ?? false, vlan: opts.vlan ?? VF_VLAN_TRUNK },
    "ixv",
    `ixv${index}`,
  );

/** The PF record behind configuration T (an ix PF with four VFs). */
export function testPfRecordT(): PfRecord {
  return pfRecord(
    "ix",
    [
      tVf(0, T_MACS.vf0, {}),
      tVf(1, T_MACS.vf1, {}),
      tVf(2, T_MACS.vf2, { vlan: 100 }),
      tVf(3, T_MACS.vf3, { trusted: true }),
    ],
    { name: "ix0", mac: T_MACS.pf },
  );
}

/** Configuration T of spec §10.2, built through programSwitch like a real setup. */
export function testConfigT(): SwitchConfig {
  const config = programSwitch(testPfRecordT(), { pfQueues: 4 });
  joinMulticast(config, 0, "01:00:5e:00:00:fb");
  return config;
}
