// The frame sizes a path is set up for: its MTU (paths --mtu; 1500 by default), the receive
// buffers the drivers of its NIC pools post at that MTU, the transmit segments of the consumer's
// stack, and the guest's virtio receive buffers, all from the NIC profile's `frames`
// (src/nic/frames.ts) and the OS the cost profile says drives each side. The engine's rings carry
// one entry per frame; the descriptors a frame takes on the NIC are counted from these
// (ring slots, PCIe descriptor fetch and write-back).

import { type FramesDriver, rxBufferBytes, STANDARD_MTU, TX_SEGMENT } from "../nic/frames.ts";
import type { NicProfile } from "../nic/profile.ts";
import type { TxQueueFn, TxQueueOs } from "../nic/tx-queue.ts";

/** Receive buffers where a profile has no `frames` entry: the standard 2 KiB cluster (FreeBSD
 *  MCLBYTES, Linux IXGBE_RXBUFFER_2K), which holds any standard frame. */
export const STANDARD_RX_BUFFER = 2048;

export interface PathFrames {
  mtu: number;
  /** Receive buffer bytes of the driver whose ring the NIC writes (the path's pool; a looped-back
   *  peer's for `peerRxBuffer`). */
  rxBuffer: number;
  peerRxBuffer: number;
  /** Bytes per transmit data descriptor of the consumer's stack. */
  txSegment: number;
  /** A virtio guest's receive buffer (virtio-net without mergeable buffers: one per frame). */
  guestBuffer: number;
}

/** The driver entry of `frames` for this OS and function, if the profile has one. */
export function framesDriver(p: NicProfile, os: TxQueueOs, fn: TxQueueFn): FramesDriver | undefined {
  return p.frames?.[os][fn];
}

/**
 * The receive cluster FreeBSD's vtnet(4) posts per buffer without mergeable buffers: the
 * cluster that holds the virtio-net header (12 B), an Ethernet header with a VLAN tag (18 B) and
 * the MTU (sys/dev/virtio/network/if_vtnet.c vtnet_rx_cluster_size: MCLBYTES, MJUMPAGESIZE or
 * MJUM9BYTES; above 9216 bytes it falls back to MCLBYTES, "avoid 16KB clusters", and the frame
 * no longer fits one buffer). Undefined above MJUM9BYTES.
 */
export function vtnetRxCluster(mtu: number): number | undefined {
  const framesz = 12 + 18 + mtu;
  for (const c of [2048, 4096, 9216]) if (framesz <= c) return c;
  return undefined;
}

/** The largest MTU vtnet(4) can receive without mergeable buffers (9216 - 12 - 18). */
export const VTNET_MAX_MTU_NOMRG = 9216 - 12 - 18;

/**
 * A Linux guest's virtio_net receive buffer without mergeable buffers: above a 1500-byte MTU it
 * posts "big packets", a chain of DIV_ROUND_UP(mtu, PAGE_SIZE) page fragments behind a first
 * page that holds the header (drivers/net/virtio_net.c virtnet_set_big_packets, add_recvbuf_big:
 * big_packets_num_skbfrags + 2 scatter entries), one avail entry per frame; at 1500 the model's
 * 2 KiB buffer as before (small buffers of GOOD_PACKET_LEN).
 */
export function linuxBigPacketBuffer(mtu: number): number {
  return mtu <= STANDARD_MTU ? 2048 : (Math.ceil(mtu / 4096) + 1) * 4096;
}

/** The guest's virtio receive buffer at `mtu`, by the guest's OS. */
export function guestBufferOf(os: TxQueueOs, mtu: number): number {
  return os === "linux" ? linuxBigPacketBuffer(mtu) : (vtnetRxCluster(mtu) ?? vtnetRxCluster(STANDARD_MTU)!);
}

export function pathFrames(
  p: NicProfile,
  mtu: number,
  rx: { os: TxQueueOs; fn: TxQueueFn },
  peer: { os: TxQueueOs; fn: TxQueueFn } | undefined,
  txOs: TxQueueOs,
  guestOs: TxQueueOs = "freebsd",
): PathFrames {
  const buf = (s: { os: TxQueueOs; fn: TxQueueFn }) => {
    const d = framesDriver(p, s.os, s.fn);
    return d ? rxBufferBytes(d, mtu) : STANDARD_RX_BUFFER;
  };
  return {
    mtu,
    rxBuffer: buf(rx),
    peerRxBuffer: buf(peer ?? rx),
    txSegment: TX_SEGMENT[txOs].bytes,
    guestBuffer: guestBufferOf(guestOs, mtu),
  };
}
