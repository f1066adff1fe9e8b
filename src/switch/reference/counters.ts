// Counter updates for the reference switch (spec §6): every add wraps at the counter's width.
import {
  addWrapped,
  type PoolCounters,
  type PortCounters,
  type QueueCounters,
  type SizeBuckets,
  sizeBucket,
} from "../config.ts";
import type { AddressClass } from "./l2.ts";

/** Hardware byte counters include the 4-byte FCS. */
export const FCS_BYTES = 4;

type NumericKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

export function bump<T extends PoolCounters | QueueCounters | PortCounters>(
  counters: T,
  name: NumericKeys<T> & string,
  delta = 1,
): void {
  const c = counters as unknown as Record<string, number>;
  c[name] = addWrapped(name, c[name]!, delta);
}

export function bumpBucket(buckets: SizeBuckets, lenNoFcs: number): void {
  const key = sizeBucket(lenNoFcs + FCS_BYTES);
  if (key) buckets[key] = addWrapped("size_bucket", buckets[key], 1);
}

/** A good copy received by a pool (rx_packets/bytes, class split, loopback share). */
export function countPoolRx(c: PoolCounters, len: number, cls: AddressClass, loopback: boolean): void {
  bump(c, "rx_packets");
  bump(c, "rx_bytes", len + FCS_BYTES);
  bump(c, cls === "unicast" ? "rx_unicast" : cls === "multicast" ? "rx_multicast" : "rx_broadcast");
  if (loopback) {
    bump(c, "rx_lb_packets");
    bump(c, "rx_lb_bytes", len + FCS_BYTES);
  }
}

/** A frame transmitted by a pool (counted even when only looped back or switched nowhere). */
export function countPoolTx(c: PoolCounters, len: number, cls: AddressClass): void {
  bump(c, "tx_packets");
  bump(c, "tx_bytes", len + FCS_BYTES);
  bump(c, cls === "unicast" ? "tx_unicast" : cls === "multicast" ? "tx_multicast" : "tx_broadcast");
}
