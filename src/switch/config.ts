// The embedded switch's configuration, counters and per-frame result, as plain data.
//
// Everything here is JSON-serialisable (no classes, no Maps, no typed arrays in the
// configuration): the control plane produces a SwitchConfig (src/switch/program.ts), the
// TypeScript reference (src/switch/reference/) interprets it, and the Wasm side copies it
// into its tables. Spec: docs/spec/data-plane.md (section numbers below refer to it).
//
// Conventions used throughout:
// * MAC addresses are lower-case "xx:xx:xx:xx:xx:xx" strings.
// * Pool sets ("bitmaps" in hardware) are sorted arrays of pool indices.
// * The 4096-bit tables (UTA, MTA, VFTA) are sorted arrays of the SET bit indices
//   (hash index 0..4095 for UTA/MTA, VID 0..4095 for VFTA). Wasm expands them to
//   128 x u32 words: word = idx >> 5, bit = idx & 31.
// * Frame lengths are WITHOUT FCS unless a name says otherwise (rlpml / maxFrame count the
//   FCS, as the hardware registers do).
// * Pool index p: VF i owns pool i (0..numVfs-1); the PF owns pool numVfs (the default
//   pool, as DPDK programs it). pools[p].index === p always.

/** Switch mode (§3.6). */
export type SwitchMode = "veb" | "vepa";

/** RSS input level for tunnelled traffic (§4.7). */
export type RssLevel = "outer" | "inner";

/** Which RSS hash types are enabled (82599 MRQC bits 16..24, §4.4). */
export interface RssHashTypes {
  tcpIpv4: boolean; // MRQC bit 16
  ipv4: boolean; // bit 17
  tcpIpv6Ex: boolean; // bit 18
  ipv6Ex: boolean; // bit 19
  ipv6: boolean; // bit 20
  tcpIpv6: boolean; // bit 21
  udpIpv4: boolean; // bit 22
  udpIpv6: boolean; // bit 23
  udpIpv6Ex: boolean; // bit 24
}

/** MRQC bit number of each hash type, for table programming. */
export const RSS_HASH_TYPE_BIT: Readonly<Record<keyof RssHashTypes, number>> = {
  tcpIpv4: 16,
  ipv4: 17,
  tcpIpv6Ex: 18,
  ipv6Ex: 19,
  ipv6: 20,
  tcpIpv6: 21,
  udpIpv4: 22,
  udpIpv6: 23,
  udpIpv6Ex: 24,
};

/** RSS type reported in the Rx descriptor (§4.4). "none" = not hashed (hash 0, queue 0). */
export type RssType =
  | "none"
  | "tcp-ipv4"
  | "ipv4"
  | "tcp-ipv6"
  | "ipv6-ex"
  | "ipv6"
  | "tcp-ipv6-ex"
  | "udp-ipv4"
  | "udp-ipv6"
  | "udp-ipv6-ex";

/** ixgbe Rx-descriptor RSS-type codes (§4.4): the numeric form Wasm uses. */
export const RSS_TYPE_CODE: Readonly<Record<RssType, number>> = {
  none: 0,
  "tcp-ipv4": 1,
  ipv4: 2,
  "tcp-ipv6": 3,
  "ipv6-ex": 4,
  ipv6: 5,
  "tcp-ipv6-ex": 6,
  "udp-ipv4": 7,
  "udp-ipv6": 8,
  "udp-ipv6-ex": 9,
};

/** Port-wide RSS settings. The key is the default for pools whose own key is null. */
export interface PortRssConfig {
  /** Key bytes (0..255 each); 40 bytes normally (Microsoft key by default, §4.2). */
  key: number[];
  hashTypes: RssHashTypes;
  /** Default level; a pool may override it (PoolConfig.rssLevel). */
  level: RssLevel;
  /** Hash loopback copies too (X550 "check context"); default false: queue 0, hash 0 (§3.5). */
  onLoopback: boolean;
}

/** Port (uplink / PF-global) settings. */
export interface PortConfig {
  mode: SwitchMode;
  /** Replication (PFVTCTL.RPL_EN). Only `true` is supported; the reference rejects false (§2.4). */
  replication: boolean;
  /** Tx loopback enable (PFDTXGSWC.LBE). Loopback happens only when mode is "veb" AND this is on. */
  txLoopback: boolean;
  /** Global VLAN filtering (VLNCTRL.VFE). Also gates the VLAN-membership step (§2.3 step 8). */
  vlanFilter: boolean;
  /** VFTA: VIDs (0..4095) allowed through the global VLAN filter, sorted, unique. */
  vfta: number[];
  /** DEF_PL: the default pool index (normally the PF's pool). */
  defaultPool: number;
  /** DIS_DEF_POOL: frames with an empty pool list are dropped instead of going to defaultPool. */
  disableDefaultPool: boolean;
  /** Port-level L2 filter (stage 0, §2.3): FCTRL.UPE / FCTRL.MPE / FCTRL.BAM. */
  unicastPromisc: boolean;
  multicastPromisc: boolean;
  broadcastAccept: boolean;
  /** Double-VLAN (QinQ) mode: two tags recognised iff outer TPID == sTpid and inner == vlanTpid. */
  doubleVlan: boolean;
  /** S-TPID for double-VLAN mode (VET_EXT), 0x88a8 by default. */
  sTpid: number;
  /** C-TPID (VET), 0x8100. Also the TPID of tags the switch inserts unless a pool overrides. */
  vlanTpid: number;
  /** Port-level long-packet enable. Off: limit 1514 + 4 x tags (no FCS). On: len + 4 <= maxFrame. */
  longPacket: boolean;
  /** Port RLPML in bytes INCLUDING FCS (9728 default) — receive limit when longPacket is on. */
  maxFrame: number;
  /** Transmit ceiling in bytes INCLUDING FCS (§3.8; 9728 default). Larger Tx frames: drop + tx_errors. */
  txMaxFrame: number;
  /** Pad short Tx frames to 60 bytes (TCTL.PSP, on by default). */
  txPadShort: boolean;
  rss: PortRssConfig;
  /** Multicast offset MO (0..3) for the UTA/MTA hash index (§2.5). */
  multicastOffset: 0 | 1 | 2 | 3;
  /** Mimic QEMU igb: skip the port L2 filter, default pool for unicast only (§2.6, §8). */
  qemuDefaultPool: boolean;
  /** Rx descriptors per ring (N; at most N-1 usable, §5.1). 64..4096, multiple of 32 when from the CLI. */
  ringSize: number;
  /** Rx buffer size in bytes (SRRCTL.BSIZEPKT); a frame uses ceil(len / rxBufferSize) descriptors (§5.4). */
  rxBufferSize: number;
}

/** One exact MAC filter (RAR + MPSAR pool bitmap). */
export interface RarEntry {
  mac: string;
  /** Pools this address steers to (one pool for a unicast address). */
  pools: number[];
}

/** One VLVF entry: the pools that are members of VLAN `vid`. */
export interface VlvfEntry {
  vid: number;
  pools: number[];
}

/** VMVIR action (§3.2). */
export type VlanInsertAction =
  /** 00: insert what the Tx descriptor asks for (VLE), if it asks. */
  | "descriptor"
  /** 01: always insert the default TCI; a pre-tagged frame is an MDD event (drop). */
  | "default"
  /** 10: never insert; a pre-tagged frame is an MDD event (drop). */
  | "never";

export interface PortVlanConfig {
  action: VlanInsertAction;
  /** Default TCI (VID | DEI<<12 | PCP<<13) inserted under action "default". */
  tci: number;
  /** TPID of the inserted tag (0x8100; 0x88a8 for an 802.1ad port VLAN, §3.7). */
  tpid: number;
}

/** Per-pool L2 policy (PFVML2FLT / VMOLR) and related per-pool bits. */
export interface PoolFlags {
  /** Broadcast accept. */
  bam: boolean;
  /** Accept untagged frames. */
  aupe: boolean;
  /** Accept MTA (multicast hash) hits. */
  rompe: boolean;
  /** Accept UTA (unicast hash) hits. */
  rope: boolean;
  /** Multicast promiscuous. */
  mpe: boolean;
  /** Unicast promiscuous (X540/X550 and later). */
  upe: boolean;
  /** VLAN promiscuous: skip the VLAN-membership step. */
  vpe: boolean;
  /** Local loopback enable: the pool may receive its own Tx frames (no source pruning). */
  lle: boolean;
  /** Strip the VLAN tag on receive (VMOLR.STRVLAN); the TCI goes to the descriptor. */
  strvlan: boolean;
  /** Hide the stripped TCI from the descriptor (X550 port-VLAN "hide VLAN"). */
  hideVlan: boolean;
  /** Long-packet enable for this pool; the limit is then rlpml. */
  lpe: boolean;
  /** PFFLP "filter local packets": Rx source-address pruning for this pool (VEPA, §2.3 step 11). */
  flp: boolean;
}

export type PoolKind = "pf" | "vf";

export interface PoolConfig {
  kind: PoolKind;
  /** Pool index (== position in SwitchConfig.pools). */
  index: number;
  /** VF index for kind "vf", null for the PF. */
  vf: number | null;
  /** Display name: "VF-0" ... or "PF". */
  name: string;
  /** VFRE: receive enable. */
  rxEnable: boolean;
  /** VFTE: transmit enable. */
  txEnable: boolean;
  flags: PoolFlags;
  /** Pool RLPML in bytes INCLUDING FCS; used when flags.lpe (9728 typical). */
  rlpml: number;
  macAntiSpoof: boolean;
  /** VLAN anti-spoof; only effective together with macAntiSpoof (§3.3). */
  vlanAntiSpoof: boolean;
  portVlan: PortVlanConfig;
  /** Rx queues of the pool (queue numbers 0..numRxQueues-1 inside the pool). */
  numRxQueues: number;
  /** Redirection table: queue per entry; length a power of two (NIC profile: ixl VF 64, ix 128, igb 128). */
  reta: number[];
  /** Pool RSS key bytes, or null to use port.rss.key. */
  rssKey: number[] | null;
  /** Pool RSS level, or null to use port.rss.level. */
  rssLevel: RssLevel | null;
  /** Trusted VF (allow-promisc): may get ALLMULTI/PROMISC and change MAC freely. */
  trusted: boolean;
  /** May the VF change its MAC (allow-set-mac, or no mac-addr configured)? */
  allowSetMac: boolean;
}

export interface SwitchConfig {
  /** Format version of this structure. */
  version: 1;
  /** NIC profile id ("ixl" | "ix" | "igb" | other): decides promiscuous-request semantics. */
  profile: string;
  port: PortConfig;
  /** Exact filters in RAR order. */
  rar: RarEntry[];
  /** Unicast hash table: set hash indices (0..4095), sorted. */
  uta: number[];
  /** Multicast table: set hash indices (0..4095), sorted. */
  mta: number[];
  /** VLAN -> pool membership (at most one entry per VID). */
  vlvf: VlvfEntry[];
  pools: PoolConfig[];
}

// ---------------------------------------------------------------------------------------
// Counters (§6). Names follow the spec / Linux / X710 spelling. Every counter wraps at its
// width (COUNTER_WIDTH_BITS), never saturates. Byte counters include 4 FCS bytes per frame.

/** Counter width in bits; unlisted counters are 32 bits. 82599 VFGORC/VFGOTC are 36-bit. */
export const COUNTER_WIDTH_BITS: Readonly<Record<string, number>> = {
  rx_bytes: 36,
  tx_bytes: 36,
  rx_lb_bytes: 36,
  tx_lb_bytes: 36,
};
export const DEFAULT_COUNTER_WIDTH_BITS = 32;

/** Width of counter `name` in bits. */
export function counterWidth(name: string): number {
  return COUNTER_WIDTH_BITS[name] ?? DEFAULT_COUNTER_WIDTH_BITS;
}

/** `value + delta` wrapped to the counter's width (exact for widths up to 52 bits). */
export function addWrapped(name: string, value: number, delta: number): number {
  const mod = 2 ** counterWidth(name);
  return (value + delta) % mod;
}

export interface PoolCounters {
  /** Copies DMA'd into a queue of this pool (incl. loopback copies). */
  rx_packets: number;
  rx_bytes: number;
  rx_unicast: number;
  rx_multicast: number; // multicast, not broadcast
  rx_broadcast: number;
  /** Loopback-only share of rx_packets / rx_bytes. */
  rx_lb_packets: number;
  rx_lb_bytes: number;
  /** Copies selected for this pool but dropped (no descriptors, per-pool oversize). */
  rx_dropped: number;
  /** Of rx_dropped: copies too long for this pool. */
  rx_oversize: number;
  /** Frames this pool transmitted (wire and/or loopback, or switched nowhere). */
  tx_packets: number;
  tx_bytes: number;
  tx_unicast: number;
  tx_multicast: number;
  tx_broadcast: number;
  /** Frames that were looped back to at least one pool (and their bytes). */
  tx_lb_packets: number;
  tx_lb_bytes: number;
  /** Every Tx frame discarded by the switch (tx_errors + tx_spoofed causes). */
  tx_dropped: number;
  /** Tx frames discarded for MDD / size / VLAN-policy reasons. */
  tx_errors: number;
  /** Tx frames discarded by MAC or VLAN anti-spoofing. */
  tx_spoofed: number;
  /** Malicious-driver events (pre-tagged frame under a port VLAN, ...). */
  mdd_events: number;
}

export interface QueueCounters {
  rx_packets: number;
  rx_bytes: number;
  /** Copies dropped because the ring had too few free descriptors (§5.5). */
  rx_no_desc: number;
  /** Descriptors consumed (a frame takes ceil(len / rxBufferSize)). */
  rx_descriptors: number;
}

/** Port-wide receive size buckets (frame length WITH FCS; < 64 is never bucketed). */
export interface SizeBuckets {
  "64": number;
  "65_127": number;
  "128_255": number;
  "256_511": number;
  "512_1023": number;
  "1024_max": number;
}

export interface PortCounters {
  /** Frames from the wire admitted (>= 14 bytes) and their bytes (+4 FCS each). */
  rx_packets: number;
  rx_bytes: number;
  /** Frames sent to the wire and their bytes (+4 FCS each). */
  tx_packets: number;
  tx_bytes: number;
  /** Undersize: 14..59-byte frames padded to 60 (RUC). */
  ruc: number;
  /** Frames < 14 bytes dropped at admission. */
  rx_runt_dropped: number;
  /** Oversize (ROC): too long at port level or for every selected pool. */
  roc: number;
  /** Dropped by the port L2 filter (stage 0). */
  rx_l2_filtered: number;
  /** Dropped by the global VLAN filter (VFTA). */
  rx_vlan_filtered: number;
  /** Empty pool list and default pool disabled (or not applicable). */
  rx_no_pool: number;
  /** Malformed L2 (truncated VLAN tag). */
  rx_errors: number;
  /** Port total of anti-spoof drops (SSVPC). */
  tx_spoofed: number;
  /** Tx frames (counted in the sender's tx_packets) that reached no pool and not the wire. */
  tx_no_destination: number;
  rx_size: SizeBuckets;
  tx_size: SizeBuckets;
}

/** All counters of one switch instance. pools[p] / queues[p][q] follow SwitchConfig.pools. */
export interface SwitchCounters {
  port: PortCounters;
  pools: PoolCounters[];
  queues: QueueCounters[][];
}

// ---------------------------------------------------------------------------------------
// Result of switching one frame.

/** Why a whole frame was dropped (before any copy was made). */
export type FrameDropReason =
  | "runt" // Rx < 14 bytes
  | "vlan-tag-truncated" // tag announced, < 4 bytes follow
  | "oversize" // port-level size limit (Rx) — counted in ROC
  | "l2-filter" // port L2 filter, stage 0
  | "vlan-filter" // VFTA
  | "no-pool" // empty pool list, default pool disabled/not applicable
  | "all-copies-dropped" // every selected pool dropped its copy (see copyDrops)
  | "tx-disabled" // VFTE off: not a drop — the frame waits in the Tx ring (in flight, uncounted)
  | "mdd-short" // Tx < 14 bytes
  | "mdd-vlan" // Tx pre-tagged under VMVIR "default"/"never"
  | "tx-oversize" // Tx > port.txMaxFrame
  | "mac-spoof"
  | "vlan-spoof"
  | "no-destination"; // Tx: counted as transmitted, reached no pool and not the wire

/** Why one pool's copy was dropped. */
export type CopyDropReason = "oversize" | "no-desc";

export interface Delivery {
  pool: number;
  /** Queue inside the pool. */
  queue: number;
  /** RSS hash reported (0 when not hashed). */
  hash: number;
  rssType: RssType;
  /** Arrived through Tx loopback (descriptor LB bit). */
  loopback: boolean;
  /** A VLAN tag was stripped on receive. */
  vlanStripped: boolean;
  /** TCI reported in the descriptor, or null (nothing stripped, or hidden by flags.hideVlan). */
  vlanTci: number | null;
  /** Descriptors consumed: ceil(bytes.length / rxBufferSize). */
  descriptors: number;
  /** The frame as written to the buffer(s), after VLAN strip (no FCS). */
  bytes: Uint8Array;
}

export interface CopyDrop {
  pool: number;
  /** Queue for "no-desc"; null for "oversize" (dropped before queue selection). */
  queue: number | null;
  reason: CopyDropReason;
}

export interface SwitchDecision {
  /** Where it came from: the wire (Rx) or a pool's Tx ring. */
  source: { kind: "wire" } | { kind: "pool"; pool: number };
  /** Whole-frame drop reason; null when at least one copy was delivered or it went to the wire. */
  dropped: FrameDropReason | null;
  /** Copies written to Rx rings, in ascending pool order. */
  deliveries: Delivery[];
  /** Copies selected but dropped per pool, in ascending pool order. */
  copyDrops: CopyDrop[];
  /** Sent to the wire (Tx only). */
  toWire: boolean;
  /** The bytes sent to the wire (after Tx VLAN insertion and padding), or null. */
  wireBytes: Uint8Array | null;
  /** Rx: the frame was 14..59 bytes and was padded to 60 (RUC). Tx: padded by TCTL.PSP. */
  padded: boolean;
}

// ---------------------------------------------------------------------------------------
// Small pure helpers shared by the programmer, the reference and the Wasm table writer.

/** The Microsoft / Intel default RSS key (§4.2). */
export const MS_RSS_KEY: readonly number[] = [
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca,
  0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b,
  0xbe, 0xac, 0x01, 0xfa,
];

export const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

/**
 * The longest frame a NIC can receive or send: descriptor length fields are 16 bits (82599 and
 * X710 Rx/Tx descriptors). A longer frame (a capture's, snaplen 262144) is dropped before the
 * switch as oversize ("oversize" on Rx, counted in ROC; "tx-oversize" on Tx, in the pool's
 * tx_errors and tx_dropped) in both switches; no other counter sees it.
 */
export const MAX_DESCRIPTOR_FRAME = 0xffff;

/** "xx:xx:xx:xx:xx:xx" -> 6 bytes. Throws on a malformed address. */
export function macToBytes(mac: string): Uint8Array {
  const parts = mac.split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`invalid MAC address "${mac}"`);
  }
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}

/** 6 bytes at `offset` -> lower-case "xx:xx:xx:xx:xx:xx". */
export function bytesToMac(bytes: Uint8Array, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push((bytes[offset + i] ?? 0).toString(16).padStart(2, "0"));
  return out.join(":");
}

/** UTA/MTA hash index (§2.5): 12 bits of the last two address bytes, shifted by MO. */
export function hashTableIndex(mac: Uint8Array | string, multicastOffset: number): number {
  const b = typeof mac === "string" ? macToBytes(mac) : mac;
  const w = (b[5]! << 8) | b[4]!;
  const shift = [4, 3, 2, 0][multicastOffset & 3]!;
  return (w >> shift) & 0xfff;
}

/** Expand a set-index list (UTA/MTA/VFTA) into 128 x u32 words. */
export function bitListToWords(indices: readonly number[]): Uint32Array {
  const words = new Uint32Array(128);
  for (const i of indices) words[(i >> 5) & 127]! |= 1 << (i & 31);
  return words;
}

/** All hash types on (configuration T). */
export function allHashTypes(): RssHashTypes {
  return {
    tcpIpv4: true,
    ipv4: true,
    tcpIpv6Ex: true,
    ipv6Ex: true,
    ipv6: true,
    tcpIpv6: true,
    udpIpv4: true,
    udpIpv6: true,
    udpIpv6Ex: true,
  };
}

/** Zeroed counters for a configuration. */
export function emptyPoolCounters(): PoolCounters {
  return {
    rx_packets: 0,
    rx_bytes: 0,
    rx_unicast: 0,
    rx_multicast: 0,
    rx_broadcast: 0,
    rx_lb_packets: 0,
    rx_lb_bytes: 0,
    rx_dropped: 0,
    rx_oversize: 0,
    tx_packets: 0,
    tx_bytes: 0,
    tx_unicast: 0,
    tx_multicast: 0,
    tx_broadcast: 0,
    tx_lb_packets: 0,
    tx_lb_bytes: 0,
    tx_dropped: 0,
    tx_errors: 0,
    tx_spoofed: 0,
    mdd_events: 0,
  };
}

export function emptyQueueCounters(): QueueCounters {
  return { rx_packets: 0, rx_bytes: 0, rx_no_desc: 0, rx_descriptors: 0 };
}

function emptyBuckets(): SizeBuckets {
  return { "64": 0, "65_127": 0, "128_255": 0, "256_511": 0, "512_1023": 0, "1024_max": 0 };
}

export function emptyPortCounters(): PortCounters {
  return {
    rx_packets: 0,
    rx_bytes: 0,
    tx_packets: 0,
    tx_bytes: 0,
    ruc: 0,
    rx_runt_dropped: 0,
    roc: 0,
    rx_l2_filtered: 0,
    rx_vlan_filtered: 0,
    rx_no_pool: 0,
    rx_errors: 0,
    tx_spoofed: 0,
    tx_no_destination: 0,
    rx_size: emptyBuckets(),
    tx_size: emptyBuckets(),
  };
}

export function emptySwitchCounters(config: SwitchConfig): SwitchCounters {
  return {
    port: emptyPortCounters(),
    pools: config.pools.map(() => emptyPoolCounters()),
    queues: config.pools.map((p) => Array.from({ length: p.numRxQueues }, () => emptyQueueCounters())),
  };
}

/** Size bucket key for a frame length WITH FCS, or null below 64. */
export function sizeBucket(lenWithFcs: number): keyof SizeBuckets | null {
  if (lenWithFcs < 64) return null;
  if (lenWithFcs === 64) return "64";
  if (lenWithFcs <= 127) return "65_127";
  if (lenWithFcs <= 255) return "128_255";
  if (lenWithFcs <= 511) return "256_511";
  if (lenWithFcs <= 1023) return "512_1023";
  return "1024_max";
}
