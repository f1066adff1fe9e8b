// Pool selection, written as the spec's ordered steps: receive (§2.3 stages 0, 0b, steps
// 1–12) and transmit switching (§3.5 steps 1–12). Pool sets are plain Set<number>.
import { bytesToMac, hashTableIndex, type PoolConfig, type SwitchConfig } from "../config.ts";
import type { SwitchL2 } from "./l2.ts";

/** Pools of every RAR whose address equals `mac`. */
export function exactMatch(config: SwitchConfig, mac: Uint8Array): Set<number> {
  const text = bytesToMac(mac);
  const out = new Set<number>();
  for (const r of config.rar) if (r.mac === text) for (const p of r.pools) out.add(p);
  return out;
}

function hashHit(table: readonly number[], mac: Uint8Array, mo: number): boolean {
  return table.includes(hashTableIndex(mac, mo));
}

function addPools(set: Set<number>, pools: readonly PoolConfig[], pick: (p: PoolConfig) => boolean): void {
  for (const p of pools) if (pick(p)) set.add(p.index);
}

function receiveEnableMask(config: SwitchConfig, set: Set<number>): void {
  for (const i of [...set]) if (!config.pools[i]?.rxEnable) set.delete(i);
}

function vlanMembers(config: SwitchConfig, vid: number): Set<number> {
  const e = config.vlvf.find((v) => v.vid === vid);
  return new Set(e ? e.pools : []);
}

/** Step 8 (Rx) / step 10 (Tx): keep VLAN members (or VPE) for tagged, AUPE pools for untagged. */
function vlanMembershipStep(config: SwitchConfig, set: Set<number>, vid: number | null): void {
  if (!config.port.vlanFilter) return;
  const members = vid === null ? null : vlanMembers(config, vid);
  for (const i of [...set]) {
    const p = config.pools[i]!;
    const keep = members === null ? p.flags.aupe : members.has(i) || p.flags.vpe;
    if (!keep) set.delete(i);
  }
}

/** Stage 0: the port L2 address filter. Skipped in qemuDefaultPool mode (caller's job). */
export function passesPortL2Filter(config: SwitchConfig, l2: SwitchL2): boolean {
  const port = config.port;
  if (config.rar.some((r) => r.pools.length > 0 && bytesToMac(l2.da) === r.mac)) return true;
  if (l2.daClass === "broadcast") return port.broadcastAccept;
  if (l2.daClass === "multicast")
    return port.multicastPromisc || hashHit(config.mta, l2.da, port.multicastOffset);
  return port.unicastPromisc || hashHit(config.uta, l2.da, port.multicastOffset);
}

/** Stage 0b: the global VLAN filter. True when the frame may continue. */
export function passesVfta(config: SwitchConfig, l2: SwitchL2): boolean {
  if (!config.port.vlanFilter || l2.vid === null) return true;
  return config.port.vfta.includes(l2.vid);
}

/** Receive pool list (§2.3 steps 1–12), ascending pool order. */
export function selectRxPools(config: SwitchConfig, l2: SwitchL2): number[] {
  const { port, pools } = config;
  const mo = port.multicastOffset;
  const P = exactMatch(config, l2.da); // 1
  receiveEnableMask(config, P); // 2
  if (l2.daClass === "broadcast") addPools(P, pools, (p) => p.flags.bam); // 3
  if (l2.daClass === "unicast" && P.size === 0 && hashHit(config.uta, l2.da, mo)) {
    addPools(P, pools, (p) => p.flags.rope); // 4
  }
  if (l2.daClass === "multicast" && P.size === 0 && hashHit(config.mta, l2.da, mo)) {
    addPools(P, pools, (p) => p.flags.rompe); // 5
  }
  if (l2.daClass === "multicast") addPools(P, pools, (p) => p.flags.mpe); // 6
  if (l2.daClass === "unicast") addPools(P, pools, (p) => p.flags.upe); // 7
  vlanMembershipStep(config, P, l2.vid); // 8
  // 9: default pool, after the VLAN step. QEMU mode: unicast only (§2.6).
  const defaultApplies = !port.qemuDefaultPool || l2.daClass === "unicast";
  if (P.size === 0 && !port.disableDefaultPool && defaultApplies) P.add(port.defaultPool);
  // 10: EtherType filters are not modelled.
  // 11: source-address pruning for pools flagged "filter local packets".
  for (const r of config.rar) {
    if (r.mac !== bytesToMac(l2.sa)) continue;
    for (const p of r.pools) if (pools[p]?.flags.flp) P.delete(p);
  }
  receiveEnableMask(config, P); // 12
  return [...P].sort((a, b) => a - b);
}

export interface TxSelection {
  /** Pools that get a loopback copy, ascending. */
  pools: number[];
  /** The frame also goes to the wire. */
  toWire: boolean;
}

/** Transmit switching (§3.5 steps 1–12) for a frame sent by pool `source` in VEB mode. */
export function selectTxPools(config: SwitchConfig, l2: SwitchL2, source: number): TxSelection {
  const { port, pools } = config;
  const mo = port.multicastOffset;
  const P = exactMatch(config, l2.da); // 1
  // 2: EtherType Tx filters are not modelled.
  receiveEnableMask(config, P); // 3
  // An exact match that only points at VFRE-disabled pools does not count (step 11).
  const exactHit = P.size > 0;
  if (l2.daClass === "broadcast") addPools(P, pools, (p) => p.flags.bam); // 4
  if (l2.daClass === "unicast" && P.size === 0 && hashHit(config.uta, l2.da, mo)) {
    addPools(P, pools, (p) => p.flags.rope); // 5
  }
  if (l2.daClass === "multicast" && P.size === 0 && hashHit(config.mta, l2.da, mo)) {
    addPools(P, pools, (p) => p.flags.rompe); // 6
  }
  if (l2.daClass === "unicast") addPools(P, pools, (p) => p.flags.upe); // 7
  if (l2.daClass === "multicast") addPools(P, pools, (p) => p.flags.mpe); // 8
  const lle = pools[source]?.flags.lle ?? false;
  if (!lle) P.delete(source); // 9
  vlanMembershipStep(config, P, l2.vid); // 10
  // Default pool on Tx: only broadcast/multicast that found no pool (§2.6; never in QEMU mode).
  if (P.size === 0 && l2.daClass !== "unicast" && !port.disableDefaultPool && !port.qemuDefaultPool) {
    if (port.defaultPool !== source || lle) P.add(port.defaultPool);
  }
  const toWire = l2.daClass !== "unicast" || !exactHit; // 11
  receiveEnableMask(config, P); // 12
  return { pools: [...P].sort((a, b) => a - b), toWire };
}
