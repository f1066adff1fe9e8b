// Frame-size facts of a NIC profile (`frames`): the largest frame the NIC takes, and for each OS
// that can drive it (Linux, FreeBSD) and each function (PF, VF) the driver's largest MTU and the
// receive buffers it posts at a given MTU (a frame longer than one buffer takes several receive
// descriptors, chained by the NIC). Each with its source. What a path may carry (paths --mtu) and
// how many descriptors a frame costs (src/model/hw-limits.ts) are read from here, never from code
// keyed by a NIC's name. The transmit side's segments are the OS's (its stack's buffers), not the
// NIC's: `TX_SEGMENT` below.
import { z } from "zod";
import { TX_QUEUE_OSES, type TxQueueFn, type TxQueueOs } from "./tx-queue.ts";

const Tag = z.enum(["verified", "secondary", "derived", "assumption"]);
const Source = z.string().min(10, "a source names the publication (at least 10 characters)");

/** Ethernet header and FCS around an MTU's payload: a frame with its FCS is MTU + 18 bytes. */
export const FRAME_OVERHEAD = 18;
/** The standard MTU (RFC 894): every driver's default. */
export const STANDARD_MTU = 1500;

const RxBufferStep = z
  .object({
    /** This buffer size while the MTU is at most this (absent on the last step: above the others). */
    upToMtu: z.number().int().min(68).optional(),
    bytes: z.number().int().min(256).max(65536),
  })
  .strict();

export const FramesDriverSchema = z
  .object({
    /** The driver of this OS on this function (must be the profile's own name for it). */
    driver: z.string().regex(/^[a-z0-9_]+$/),
    /** The largest MTU the driver accepts (SIOCSIFMTU / ndo_change_mtu refuse more). */
    maxMtu: z.number().int().min(1500).max(16110),
    /** Receive buffer bytes by MTU, in ascending steps; a frame of L bytes (no FCS: the NIC
     *  strips it) takes ceil(L / bytes) receive descriptors. */
    rxBuffers: z.array(RxBufferStep).min(1),
    tag: Tag,
    source: Source,
    /** A VF driver's MTU above 1500 needs its PF's above 1500 too (the PF driver refuses the VF's
     *  larger frames otherwise: ip link set's EINVAL). Absent: the VF's MTU is its own. */
    jumboNeedsPfJumbo: z.object({ tag: Tag, source: Source }).strict().optional(),
  })
  .strict();
export type FramesDriver = z.output<typeof FramesDriverSchema>;

const perFunction = z.object({ pf: FramesDriverSchema, vf: FramesDriverSchema }).strict();
export const FramesSchema = z
  .object({
    /** The largest frame (header + payload + FCS) the NIC receives and sends. */
    maxFrameBytes: z
      .object({ value: z.number().int().min(1518).max(16384), tag: Tag, source: Source })
      .strict(),
    linux: perFunction,
    freebsd: perFunction,
  })
  .strict();
export type FramesFacts = z.output<typeof FramesSchema>;

/** Problems of a profile's `frames` as (JSON path, message) pairs: each entry's driver against the
 *  profile's own name for it, its MTU against the NIC's largest frame, its buffer steps in order. */
export function framesProblems(
  f: FramesFacts,
  drivers: Record<TxQueueOs, Record<TxQueueFn, string>>,
): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  for (const os of TX_QUEUE_OSES)
    for (const fn of ["pf", "vf"] as const) {
      const d = f[os][fn];
      const at = ["frames", os, fn];
      if (d.driver !== drivers[os][fn])
        out.push({
          path: [...at, "driver"],
          message: `must be '${drivers[os][fn]}', the ${os === "linux" ? "Linux" : "FreeBSD"} ${fn.toUpperCase()} driver this profile names`,
        });
      if (d.maxMtu + FRAME_OVERHEAD > f.maxFrameBytes.value)
        out.push({
          path: [...at, "maxMtu"],
          message: `must be at most ${f.maxFrameBytes.value - FRAME_OVERHEAD}: MTU + ${FRAME_OVERHEAD} bytes of header and FCS may not exceed frames.maxFrameBytes (${f.maxFrameBytes.value})`,
        });
      d.rxBuffers.forEach((s, i) => {
        const last = i === d.rxBuffers.length - 1;
        if (last !== (s.upToMtu === undefined))
          out.push({
            path: [...at, "rxBuffers", i],
            message: last
              ? "the last step has no upToMtu (it covers every MTU above the others)"
              : "every step but the last needs upToMtu",
          });
        const prev = d.rxBuffers[i - 1]?.upToMtu;
        if (s.upToMtu !== undefined && prev !== undefined && s.upToMtu <= prev)
          out.push({
            path: [...at, "rxBuffers", i, "upToMtu"],
            message: "steps go up: each upToMtu above the last",
          });
      });
    }
  return out;
}

/** The receive buffer size a driver posts at `mtu`. */
export function rxBufferBytes(d: FramesDriver, mtu: number): number {
  for (const s of d.rxBuffers) if (s.upToMtu === undefined || mtu <= s.upToMtu) return s.bytes;
  return d.rxBuffers[d.rxBuffers.length - 1].bytes;
}

/** Descriptors a frame of `len` bytes as DMA'd (no FCS) takes in buffers of `buffer` bytes. */
export function descriptorsFor(len: number, buffer: number): number {
  return Math.max(1, Math.ceil(len / buffer));
}

/**
 * The bytes per transmit data descriptor a sender's stack hands its driver: a frame of L bytes
 * goes out as ceil(L / this) segments, one data descriptor each. Frames up to a standard one fit
 * one buffer on both OSes (one descriptor, as before); longer ones are chained.
 */
export const TX_SEGMENT: Record<
  TxQueueOs,
  { bytes: number; range: [number, number]; tag: "derived" | "assumption"; source: string }
> = {
  freebsd: {
    bytes: 4096,
    range: [4096, 9216],
    tag: "derived",
    source:
      "FreeBSD sys/kern/uipc_mbuf.c m_getm2 (called by m_uiotombuf for a socket's send): a chain longer than MCLBYTES is built of MJUMPAGESIZE (4 KiB) clusters, so a 9000-byte datagram leaves the stack as 3 mbufs and iflib_encap maps each to one data descriptor (bus_dmamap_load_mbuf_sg segments). A driver that copies into 9 KiB clusters would take one (the range)",
  },
  linux: {
    bytes: 4096,
    range: [4096, 16384],
    tag: "assumption",
    source:
      "Linux: a scatter-gather skb carries its payload in page fragments (skb_shinfo(skb)->frags), and ixgbe_tx_map/i40e_tx_map write one data descriptor per fragment (split further only above IXGBE_MAX_DATA_PER_TXD, 16 KiB): one 4 KiB page per fragment assumed; sk_page_frag's 32 KiB compound pages can give larger fragments (down to one descriptor for a 9000-byte frame: the range)",
  },
};

/** Transmit data descriptors a frame of `len` bytes takes on this OS. */
export function txDescriptorsFor(len: number, os: TxQueueOs): number {
  return descriptorsFor(len, TX_SEGMENT[os].bytes);
}
