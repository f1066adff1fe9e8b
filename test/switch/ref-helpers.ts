// Shared helpers for the reference-switch tests.
import type { SwitchConfig, SwitchDecision } from "../../src/switch/config.ts";
import { T_MACS, testConfigT } from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { eth } from "../../src/traffic/frames.ts";

export { pfRecord, vfRecord } from "../../src/nic/records.ts";

export const VF0 = 0;
export const VF1 = 1;
export const VF2 = 2;
export const VF3 = 3;
export const PF = 4;
export const M = T_MACS;
export const EXT = "02:aa:bb:cc:dd:01";
export const BCAST = "ff:ff:ff:ff:ff:ff";

/** Configuration T, optionally edited, in a fresh reference switch. */
export function switchT(edit?: (c: SwitchConfig) => void): ReferenceSwitch {
  const c = testConfigT();
  edit?.(c);
  return new ReferenceSwitch(c);
}

/** [pool, queue] of every delivery, in order. */
export function where(d: SwitchDecision): Array<[number, number]> {
  return d.deliveries.map((x) => [x.pool, x.queue]);
}

export function pools(d: SwitchDecision): number[] {
  return d.deliveries.map((x) => x.pool);
}

export function arp(dst: string, src = EXT): Uint8Array {
  return eth({ dst, src }).arp({}).build();
}

export function tcp4(dst: string, src = EXT, o: { sport?: number; dport?: number } = {}): Uint8Array {
  return eth({ dst, src })
    .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
    .tcp({ sport: o.sport ?? 2794, dport: o.dport ?? 1766 })
    .build();
}

/** A frame of exactly `len` bytes (no FCS), untagged or with one 802.1Q tag. */
export function sized(dst: string, len: number, vid?: number, src = EXT): Uint8Array {
  let b = eth({ dst, src });
  if (vid !== undefined) b = b.vlan(vid);
  const header = vid === undefined ? 14 : 18;
  return b.payload(len - header).build();
}

/** Every pool counter of `sw` that is non-zero, as "pool.name" keys. */
export function nonZeroPoolCounters(sw: ReferenceSwitch): Record<string, number> {
  const out: Record<string, number> = {};
  sw.counters.pools.forEach((c, p) => {
    for (const [k, v] of Object.entries(c)) if (v !== 0) out[`${p}.${k}`] = v;
  });
  return out;
}
