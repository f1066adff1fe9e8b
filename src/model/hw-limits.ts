// The limits a NIC's hardware puts on a path, as data with provenance (value, unit, range, tag,
// source, use), read from the NIC's profile (src/nic/profiles/*.json: `switch`, `pcie`, the PCIe
// capability line pciconf prints, `packetBuffer`) rather than from a cost profile. A figure the NIC profile lacks
// is an assumption with a range. The engine prices with `HwLimits` (switch pipeline per packet
// and per byte, PCIe per direction with TLP overhead, descriptor fetch and write-back, doorbells,
// the receive packet buffer whose overflow drops); the descriptors' sizes are the driver's, from
// the profile's `writeBack` (a WriteBackPolicy), not a limit of the NIC;
// `iovsim model show --nic ID` prints the entries.
import type { NicProfile } from "../nic/profile.ts";
import type { TxQueueFn, TxQueueOs } from "../nic/tx-queue.ts";
import { policyOf, type WriteBackPolicy } from "../nic/write-back.ts";
import type { CostConstant } from "./costs.ts";

export const HW_NAMES = [
  "switch_pkt_ns",
  "switch_byte_ns",
  "pcie_gbps",
  "pcie_mps",
  "pcie_mrrs",
  "pcie_rcb",
  "pcie_tlp_bytes",
  "pcie_doorbell_bytes",
  "rx_buffer_bytes",
] as const;
export type HwName = (typeof HW_NAMES)[number];

export interface HwLimits {
  nic: string;
  /** Every limit with its provenance (what `model show --nic` prints). */
  entries: Record<HwName, CostConstant>;
  /** The values the engine prices with. */
  v: Record<HwName, number>;
}

const PCIE_BENCH =
  "Neugebauer, Antichi, Zazo, Audzevich, López-Buedo, Moore, 'Understanding PCIe performance for end host networking', SIGCOMM 2018";

/** Payload bits per transfer on the lane: 8b/10b up to PCIe 2.0, 128b/130b from 3.0 (PCIe base spec). */
function encoding(generation: number): { factor: number; name: string } {
  return generation <= 2 ? { factor: 8 / 10, name: "8b/10b" } : { factor: 128 / 130, name: "128b/130b" };
}

/** "max data 256(2048)" and "max read 512" from the PCIe capability line pciconf -c prints. */
function capFigures(p: NicProfile): { mps?: number; mpsMax?: number; mrrs?: number } {
  const line = p.pf.caps.find((c) => c.includes("PCI-Express"));
  if (!line) return {};
  const data = /max data (\d+)\((\d+)\)/.exec(line);
  const read = /max read (\d+)/.exec(line);
  return {
    ...(data ? { mps: Number(data[1]), mpsMax: Number(data[2]) } : {}),
    ...(read ? { mrrs: Number(read[1]) } : {}),
  };
}

function entry(
  value: number,
  unit: string,
  range: [number, number],
  tag: CostConstant["tag"],
  source: string,
  use: string,
): CostConstant {
  const lo = Math.min(range[0], value);
  const hi = Math.max(range[1], value);
  return { value, unit, range: [lo, hi], tag, source, use };
}

const round = (x: number, d = 4) => Number(x.toFixed(d));

/** Directions a port's line rate counts in (receive and transmit at once): the pipeline's
 *  capacity is the datasheet's per-direction figure times this. */
export const FULL_DUPLEX = 2;

const RX_BUFFER_USE =
  "Frames from the wire wait in the NIC's receive packet buffer until the switch pipeline has taken them and their DMA to host memory is done; a frame that finds it full is dropped (\"rx packet buffer full\", the 82599's RXMPC missed packets). Frame bytes, checked per burst the pipeline takes.";

/** The hardware limits of a NIC, from its profile. */
export function hwLimits(p: NicProfile): HwLimits {
  const sw = p.switch;
  const swSource = sw.sources[0] ?? `${p.id} profile`;
  // The datasheet promises line rate on every port at every frame size: capacityGbps (and
  // capacityMpps at 64 B) is every port's line rate in one direction. An Ethernet port's line
  // rate is full duplex, and the engine's one pipeline carries both directions (and VF-to-VF
  // loopback), so it forwards (frame + 20 B of preamble and gap) x 8 bits at twice capacityGbps:
  // one port at line rate both ways leaves the other ports their line rate. (Charged at
  // capacityGbps alone, one 82599 port both ways at line rate filled the whole pipeline.) It may
  // have headroom beyond what the datasheet promises (not published): the range goes down to half.
  const pipelineGbps = FULL_DUPLEX * sw.capacityGbps;
  const byteNs = 8 / pipelineGbps;
  const pktNs = (20 * 8) / pipelineGbps;
  const pcie = p.pcie;
  const enc = encoding(pcie.generation);
  const raw = pcie.gts * pcie.lanes * enc.factor;
  const cap = capFigures(p);
  const pb = p.packetBuffer;
  const e: Record<HwName, CostConstant> = {
    switch_pkt_ns: entry(
      round(pktNs),
      "ns/packet",
      [round(pktNs / 2), round(pktNs)],
      "derived",
      `${swSource} (${sw.capacityMpps} Mpps at 64 B, ${sw.capacityGbps} Gbit/s: line rate on all ports, each direction; full duplex, so ${FULL_DUPLEX * sw.capacityGbps} Gbit/s through the pipeline; the time per frame that is not per byte, i.e. the preamble and inter-frame gap at that rate). The range sits on that doubled, full-duplex figure: headroom beyond it is not published, so down to half (a pipeline twice as fast) is assumed`,
      "Per frame the embedded switch is busy (parse, pool look-up, RSS, Tx gates), one pipeline shared by wire receive, wire transmit and VF-to-VF loopback.",
    ),
    switch_byte_ns: entry(
      round(byteNs),
      "ns/byte",
      [round(byteNs / 2), round(byteNs)],
      "derived",
      `${swSource} (${sw.capacityGbps} Gbit/s: all ports, each direction; ${FULL_DUPLEX * sw.capacityGbps} Gbit/s through the pipeline, receive and transmit together)`,
      "Per byte of a frame the embedded switch is busy (same shared pipeline).",
    ),
    pcie_gbps: entry(
      round(raw, 3),
      "Gbit/s per direction",
      [round(raw * 0.9, 3), round(raw, 3)],
      "derived",
      `${pcie.source}: ${pcie.gts} GT/s x ${pcie.lanes} lanes x ${enc.name} encoding (PCI Express base specification). Data-link-layer packets (ACKs, flow-control updates) take a few per cent more (${PCIE_BENCH}, §2): down to 90 % assumed`,
      "Each direction of the link is its own resource: upstream carries the NIC's writes (frames received, write-backs) and its read requests; downstream carries read completions (descriptors and frames to transmit) and the host's doorbells. Bits / this = busy time.",
    ),
    pcie_mps: cap.mps
      ? entry(
          cap.mps,
          "bytes",
          [128, cap.mpsMax ?? cap.mps],
          "derived",
          `the profile's PCIe capability as pciconf -c prints it ('max data ${cap.mps}(${cap.mpsMax})': ${cap.mps} configured, ${cap.mpsMax} supported)`,
          "Maximum payload per TLP: a DMA write of a frame is split into TLPs of at most this many bytes, each with its own header.",
        )
      : entry(
          256,
          "bytes",
          [128, 512],
          "assumption",
          `the profile has no PCIe capability line; 256 B is what Xeon root complexes commonly configure (${PCIE_BENCH})`,
          "Maximum payload per TLP.",
        ),
    pcie_mrrs: cap.mrrs
      ? entry(
          cap.mrrs,
          "bytes",
          [128, 4096],
          "derived",
          `the profile's PCIe capability as pciconf -c prints it ('max read ${cap.mrrs}')`,
          "Maximum read request: the NIC fetches a frame to transmit with one read request (a header-only TLP upstream) per this many bytes.",
        )
      : entry(
          512,
          "bytes",
          [128, 4096],
          "assumption",
          "the profile has no PCIe capability line; 512 B is the common default",
          "Maximum read request size.",
        ),
    pcie_rcb: entry(
      64,
      "bytes",
      [64, 128],
      "assumption",
      `PCI Express base specification: completions may be split at the read completion boundary (64 or 128 B); ${PCIE_BENCH} observe Intel root complexes completing reads in cache-line (64 B) chunks; not in the NIC profile`,
      "A read (descriptor fetch, frame fetch for transmit) is answered with one completion TLP per this many bytes, each with a header.",
    ),
    pcie_tlp_bytes: entry(
      24,
      "bytes/TLP",
      [20, 30],
      "secondary",
      `${PCIE_BENCH}, §2: 20-30 B of TLP header, sequence number, LCRC and framing per TLP on PCIe 3.0 (the 4-byte-longer header of 64-bit addresses at the top)`,
      "Added to every TLP: payload writes, read requests, completions, write-backs, doorbells.",
    ),
    pcie_doorbell_bytes: entry(
      4,
      "bytes",
      [4, 8],
      "derived",
      "a tail-register write is one 32-bit MMIO write (ixl/iavf/ixgbe/igb drivers write RDT/TDT with a 4-byte store): one posted TLP of 4 B payload",
      "Each doorbell the host writes (refill, transmit) is one TLP on the downstream direction.",
    ),
    rx_buffer_bytes: pb
      ? entry(pb.rxBytes, "bytes", pb.rxBytesRange, pb.tag ?? "secondary", pb.source, RX_BUFFER_USE)
      : entry(
          262144,
          "bytes",
          [32768, 1048576],
          "assumption",
          "the profile has no packetBuffer entry; Intel NICs of these generations have 32 KB (I210) to about 1 MB (X710, the whole device) of receive packet buffer: 256 KB assumed",
          RX_BUFFER_USE,
        ),
  };
  const v = Object.fromEntries(HW_NAMES.map((k) => [k, e[k].value])) as Record<HwName, number>;
  return { nic: p.id, entries: e, v };
}

/** PCIe traffic of `n` frames of `bytes` in total, in bits per direction. */
export interface PcieBits {
  up: number;
  down: number;
}

const LINE = 64;

/** Bytes of the transmit head index a NIC writes on head write-back: one 32-bit word (FreeBSD
 *  ixl_get_tx_head reads a __le32 after the ring; 82598EB datasheet §3.5.3.7, TDWBAL/TDWBAH). */
export const HEAD_WB_BYTES = 4;

function tlpCount(len: number, size: number): number {
  return Math.max(1, Math.ceil(len / size));
}

/** The write-back policy of the NIC's driver on this OS and function (its profile's writeBack). */
export function writeBackOf(p: NicProfile, os: TxQueueOs, fn: TxQueueFn): WriteBackPolicy {
  return policyOf(p.writeBack[os][fn]);
}

/** One write-back event of `bytes` (descriptors or a head index): a posted write, in TLPs of at
 *  most MPS, each with its header; in bits. */
function eventBits(h: HwLimits, bytes: number): number {
  return (bytes + tlpCount(bytes, h.v.pcie_mps) * h.v.pcie_tlp_bytes) * 8;
}

/** Whether the policy's write-back threshold counts descriptors (TXDCTL.WTHRESH > 0: a jumbo
 *  frame's every data descriptor counts) rather than packets (RS every rsEvery packets, the RS bit
 *  on a packet's last descriptor; head write-back, likewise per RS). */
export function txWriteBackPerDescriptor(wb: WriteBackPolicy): boolean {
  return wb.tx.report === "descriptor" && wb.tx.wthresh > 0;
}

/**
 * A transmit write-back event as the policy says, and how many of the policy's units (`packets`:
 * descriptors where txWriteBackPerDescriptor, else packets; one and the same for a frame of one
 * descriptor) share it. Descriptor write-back with TXDCTL.WTHRESH w > 0: the NIC accumulates w processed
 * descriptors and writes the w back in one burst (82598EB datasheet §3.5.3.3.4); with w = 0: each
 * RS descriptor (one every `rsEvery` packets) is written back alone at once. Head write-back: the
 * NIC writes the 4 B head index once per RS descriptor.
 */
export function txWriteBackEvent(h: HwLimits, wb: WriteBackPolicy): { bits: number; packets: number } {
  const t = wb.tx;
  if (t.report === "head") return { bits: eventBits(h, HEAD_WB_BYTES), packets: t.rsEvery };
  if (t.wthresh > 0) return { bits: eventBits(h, t.wthresh * t.descBytes), packets: t.wthresh };
  return { bits: eventBits(h, t.descBytes), packets: t.rsEvery };
}

/**
 * The extra bits of writing back the `k` completed transmit units that wait below the policy's
 * threshold when the interrupt throttle timer expires (`itrFlush`; 82598EB datasheet §3.5.3.3.4,
 * I210 datasheet p. 301: the timer's expiry flushes what accumulated; X710/E810 WB_ON_ITR: 'all leftover
 * completed descriptors are posted'). Units as the threshold counts them (txWriteBackPerDescriptor):
 * under WTHRESH the k waiting descriptors, a jumbo frame's each; otherwise k packets, each by its
 * last descriptor (the one the RS bit and the driver's done check are on). The flush is one event
 * of the k descriptors (the head index with head write-back), of which the k units already paid
 * their share of a full event (k / packets of txWriteBackEvent) as they went; the rest, in bits.
 * 0 when nothing waits.
 */
export function txFlushExtraBits(h: HwLimits, wb: WriteBackPolicy, k: number): number {
  if (k <= 0) return 0;
  const t = wb.tx;
  const flush = eventBits(h, t.report === "head" ? HEAD_WB_BYTES : k * t.descBytes);
  const full = txWriteBackEvent(h, wb);
  return Math.max(0, flush - (k * full.bits) / full.packets);
}

/** A receive write-back event: RXDCTL.WTHRESH w > 1 writes w descriptors back at once, 0 or 1
 *  each descriptor as its packet is done. */
export function rxWriteBackEvent(h: HwLimits, wb: WriteBackPolicy): { bits: number; packets: number } {
  const w = Math.max(1, wb.rx.wthresh);
  return { bits: eventBits(h, w * wb.rx.descBytes), packets: w };
}

/** Descriptor fetch of `n` descriptors of `size` bytes: read requests (up) and completions (down),
 *  one request per 64 B line, its completion in RCB-sized TLPs; in bits. */
function descFetchBits(h: HwLimits, n: number, size: number): { up: number; down: number } {
  const v = h.v;
  const lines = Math.ceil((n * size) / LINE);
  return {
    up: lines * v.pcie_tlp_bytes * 8,
    down: (n * size + lines * Math.ceil(LINE / v.pcie_rcb) * v.pcie_tlp_bytes) * 8,
  };
}

/** Bits of the write-back events `n` packets bring about: each event is charged to the packets it
 *  reports, 1/packets of it each (a burst of n packets is n/packets events on average). */
function writeBackBits(e: { bits: number; packets: number }, n: number): number {
  return (n * e.bits) / e.packets;
}

/**
 * Receive (NIC -> host), upstream in the order it is sent, in bits: the descriptor read requests
 * (`desc`, per 64 B line), then each frame (its bytes written in TLPs of at most MPS: `frame` bits
 * of TLP headers per frame, counted at the burst's mean frame size) and the descriptors'
 * write-back (`writeBack`: the burst's share of the write-back events `wb` says). `descs`: the
 * receive descriptors the n frames took (a frame longer than the driver's buffer takes several,
 * src/nic/frames.ts; n when each fits one). PcieLink.rx and rxFrames both price from this.
 */
export function pcieRxUp(
  h: HwLimits,
  wb: WriteBackPolicy,
  n: number,
  bytes: number,
  descs = n,
): { desc: number; frame: number; writeBack: number } {
  const v = h.v;
  return {
    desc: descFetchBits(h, descs, wb.rx.descBytes).up,
    // Each receive buffer is written on its own: a frame over d buffers is d writes (d / n of
    // them per frame on average), each in TLPs of at most MPS.
    frame: (descs / n) * tlpCount(bytes / descs, v.pcie_mps) * v.pcie_tlp_bytes * 8,
    writeBack: writeBackBits(rxWriteBackEvent(h, wb), descs),
  };
}

/**
 * Receive (NIC -> host): the frames are written upstream in TLPs of at most MPS; the descriptors
 * are fetched (read requests up, completions down, per 64 B line) and written back (up, per
 * write-back event of the policy `wb`). The model of pcie-bench (Neugebauer et al., SIGCOMM 2018,
 * §3).
 */
export function pcieRxBits(h: HwLimits, wb: WriteBackPolicy, n: number, bytes: number, descs = n): PcieBits {
  if (n === 0) return { up: 0, down: 0 };
  const u = pcieRxUp(h, wb, n, bytes, descs);
  return {
    up: bytes * 8 + n * u.frame + u.writeBack + u.desc,
    down: descFetchBits(h, descs, wb.rx.descBytes).down,
  };
}

/**
 * pcieRxBits for one write-back policy, what does not change from burst to burst worked out once
 * (the write-back event, the completions per line): the same arithmetic, the same figures bit for
 * bit, and no objects per call (the NIC's receive side prices every write-back window: the
 * objects pcieRxBits and the functions it calls return were a measurable share of the engine's
 * event loop, simulator speed). After price(), `up` and `down` hold pcieRxBits' two fields.
 */
export class RxBits {
  up = 0;
  down = 0;
  private readonly wbBits: number;
  private readonly wbPackets: number;
  private readonly descBytes: number;
  private readonly tlpBytes: number;
  private readonly mps: number;
  /** Completion TLPs per 64 B line of descriptors. */
  private readonly perLine: number;

  constructor(h: HwLimits, wb: WriteBackPolicy) {
    const e = rxWriteBackEvent(h, wb);
    this.wbBits = e.bits;
    this.wbPackets = e.packets;
    this.descBytes = wb.rx.descBytes;
    this.tlpBytes = h.v.pcie_tlp_bytes;
    this.mps = h.v.pcie_mps;
    this.perLine = Math.ceil(LINE / h.v.pcie_rcb);
  }

  /** pcieRxBits(h, wb, n, bytes, descs). */
  price(n: number, bytes: number, descs: number): void {
    if (n === 0) {
      this.up = 0;
      this.down = 0;
      return;
    }
    const tlp = this.tlpBytes;
    // descFetchBits(h, descs, descBytes)
    const lines = Math.ceil((descs * this.descBytes) / LINE);
    const desc = lines * tlp * 8;
    // pcieRxUp's frame and writeBack (tlpCount: at least one TLP)
    const frame = (descs / n) * Math.max(1, Math.ceil(bytes / descs / this.mps)) * tlp * 8;
    const writeBack = (descs * this.wbBits) / this.wbPackets;
    this.up = bytes * 8 + n * frame + writeBack + desc;
    this.down = (descs * this.descBytes + lines * this.perLine * tlp) * 8;
  }
}

/**
 * Transmit's downstream traffic, in the order the NIC receives it, in bits: the descriptors'
 * completions (`desc`), then each frame's (its bytes in RCB-sized completions: `frame` bits of
 * TLP headers per frame, counted at the burst's mean frame size). PcieLink.txFrames prices the
 * transfer and dates each frame's arrival from this.
 */
export function pcieTxDown(
  h: HwLimits,
  wb: WriteBackPolicy,
  n: number,
  bytes: number,
  descs = n,
): { desc: number; frame: number } {
  const v = h.v;
  return {
    desc: descFetchBits(h, descs, wb.tx.descBytes).down,
    // Each data descriptor's buffer is read on its own (d / n reads per frame on average).
    frame: (descs / n) * tlpCount(bytes / descs, v.pcie_rcb) * v.pcie_tlp_bytes * 8,
  };
}

/**
 * Transmit (host -> NIC): the NIC fetches the descriptors and then each frame (read requests up,
 * per MRRS; completions down, per RCB: pcieTxDown), and reports completion (up) with the
 * write-back events of the policy `wb` (descriptors or a head index). `descs`: the data
 * descriptors the n frames took (one per segment of the sender's buffer chain, src/nic/frames.ts
 * TX_SEGMENT; n when each is one segment).
 */
export function pcieTxBits(h: HwLimits, wb: WriteBackPolicy, n: number, bytes: number, descs = n): PcieBits {
  if (n === 0) return { up: 0, down: 0 };
  const v = h.v;
  const per = bytes / descs;
  const e = txWriteBackEvent(h, wb);
  // WTHRESH counts descriptors; RS and head write-back, packets (the RS bit is on a packet's last).
  const perDescriptor = txWriteBackPerDescriptor(wb);
  const up =
    descFetchBits(h, descs, wb.tx.descBytes).up + // descriptor read requests
    descs * tlpCount(per, v.pcie_mrrs) * v.pcie_tlp_bytes * 8 + // frame read requests
    writeBackBits(e, perDescriptor ? descs : n);
  const d = pcieTxDown(h, wb, n, bytes, descs);
  return { up, down: d.desc + bytes * 8 + n * d.frame };
}

/** One doorbell (a tail-register write) on the downstream direction, in bits. */
export function doorbellBits(h: HwLimits): number {
  return (h.v.pcie_doorbell_bytes + h.v.pcie_tlp_bytes) * 8;
}

/** ns the switch pipeline is busy for `n` frames of `bytes` in total. */
export function switchNs(h: HwLimits, n: number, bytes: number): number {
  return n * h.v.switch_pkt_ns + bytes * h.v.switch_byte_ns;
}
