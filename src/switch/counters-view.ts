// Reads the switch counter regions (u64 words written by the kernels) into the reference's
// SwitchCounters shape, wrapping each at its hardware width (config.ts counterWidth).
import * as A from "../../assembly/abi.ts";
import {
  counterWidth,
  emptySwitchCounters,
  type PoolCounters,
  type PortCounters,
  type QueueCounters,
  type SizeBuckets,
  type SwitchConfig,
  type SwitchCounters,
} from "./config.ts";
import type { SwitchLayout } from "./layout.ts";

const POOL_ORDER: Array<keyof PoolCounters> = [
  "rx_packets",
  "rx_bytes",
  "rx_unicast",
  "rx_multicast",
  "rx_broadcast",
  "rx_lb_packets",
  "rx_lb_bytes",
  "rx_dropped",
  "rx_oversize",
  "tx_packets",
  "tx_bytes",
  "tx_unicast",
  "tx_multicast",
  "tx_broadcast",
  "tx_lb_packets",
  "tx_lb_bytes",
  "tx_dropped",
  "tx_errors",
  "tx_spoofed",
  "mdd_events",
];
const QUEUE_ORDER: Array<keyof QueueCounters> = ["rx_packets", "rx_bytes", "rx_no_desc", "rx_descriptors"];
const PORT_ORDER: Array<Exclude<keyof PortCounters, "rx_size" | "tx_size">> = [
  "rx_packets",
  "rx_bytes",
  "tx_packets",
  "tx_bytes",
  "ruc",
  "rx_runt_dropped",
  "roc",
  "rx_l2_filtered",
  "rx_vlan_filtered",
  "rx_no_pool",
  "rx_errors",
  "tx_spoofed",
  "tx_no_destination",
];
const BUCKETS: Array<keyof SizeBuckets> = ["64", "65_127", "128_255", "256_511", "512_1023", "1024_max"];

function wrap(name: string, v: bigint): number {
  return Number(v % (1n << BigInt(counterWidth(name))));
}

export function readCounters(sl: SwitchLayout, config: SwitchConfig): SwitchCounters {
  const u64 = sl.layout.u64();
  const out = emptySwitchCounters(config);
  config.pools.forEach((_, p) => {
    const base = (sl.cntPool >>> 3) + p * A.POOL_CNT_WORDS;
    const c = out.pools[p] as unknown as Record<string, number>;
    POOL_ORDER.forEach((name, i) => {
      c[name] = wrap(name, u64[base + i]);
    });
    sl.rxRings[p].forEach((ring, q) => {
      const qb = (sl.cntQueue >>> 3) + ring.id * A.QUEUE_CNT_WORDS;
      const qc = out.queues[p][q] as unknown as Record<string, number>;
      QUEUE_ORDER.forEach((name, i) => {
        qc[name] = wrap(name, u64[qb + i]);
      });
    });
  });
  const pb = sl.cntPort >>> 3;
  const pc = out.port as unknown as Record<string, number>;
  PORT_ORDER.forEach((name, i) => {
    pc[name] = wrap(name, u64[pb + i]);
  });
  BUCKETS.forEach((b, i) => {
    out.port.rx_size[b] = wrap("size_bucket", u64[pb + A.CT_RX_SIZE + i]);
    out.port.tx_size[b] = wrap("size_bucket", u64[pb + A.CT_TX_SIZE + i]);
  });
  return out;
}

/**
 * Adds to one port or pool counter from TypeScript, between kernel runs (the single thread
 * driving the switch): for what is dropped before a frame reaches the kernels.
 */
export function addCounter(
  sl: SwitchLayout,
  at:
    | { port: Exclude<keyof PortCounters, "rx_size" | "tx_size"> }
    | { pool: number; name: keyof PoolCounters },
  n = 1,
): void {
  const u64 = sl.layout.u64();
  const word =
    "port" in at
      ? (sl.cntPort >>> 3) + PORT_ORDER.indexOf(at.port)
      : (sl.cntPool >>> 3) + at.pool * A.POOL_CNT_WORDS + POOL_ORDER.indexOf(at.name);
  u64[word] += BigInt(n);
}

/** Simulator-resource counters that have no NIC equivalent (kept apart from SwitchCounters). */
export function readResourceCounters(sl: SwitchLayout): {
  noBuffer: number;
  wireOutFull: number;
  badDescriptor: number;
  /** Frames the receive packet buffer had no room for (virtual-time engine; 82599 RXMPC). */
  rxMissed: number;
} {
  const u64 = sl.layout.u64();
  const pb = sl.cntPort >>> 3;
  return {
    noBuffer: Number(u64[pb + A.CT_NO_BUFFER]),
    wireOutFull: Number(u64[pb + A.CT_WIRE_OUT_FULL]),
    badDescriptor: Number(u64[pb + A.CT_BAD_DESC]),
    rxMissed: Number(u64[pb + A.CT_RX_MISSED]),
  };
}
