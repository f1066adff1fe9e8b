// Context-block layouts of the packet-path elements (gen, sink, hop, bridge, virtio).
// Plain constants, compiled both as AssemblyScript and TypeScript (src/paths/elements.ts).
// Every element context is a region TypeScript allocates; the first 64 bytes hold u32
// configuration words, counters are u64 words written only by the element's thread.

// ---- common ------------------------------------------------------------------------------
export const X_HDR = 0; // u32: layout header address (for H_BUF_BASE / H_BUF_SIZE)

// ---- generator ---------------------------------------------------------------------------
export const G_OUT = 4; // out ring address
export const G_FREE = 8; // free stack address [count u32][cap u32][pad..64][u32 idx...]
export const G_RET0 = 12; // return rings 0-3 (0 = none); 4-5 at G_RET4
export const G_NRET = 28;
export const G_TPL = 32; // template table address (TPL_BYTES per entry)
export const G_NTPL = 36;
export const G_SEQ = 40; // u16 template-index sequence (size list / IMIX / a replayed capture)
export const G_NSEQ = 44;
export const G_FLOWS = 48; // u16 flow-id table (popularity), power-of-two length
export const G_FLOW_MASK = 52;
export const G_PS_PER_BYTE = 56; // wire picoseconds per byte at the target rate (0 = no clock)
export const G_FLAGS = 60; // GF_*
export const G_LIMIT = 64; // u64: frames to send (0 = unlimited)
export const G_RNG = 72; // u32 xorshift state
// Timed mode (GF_TIMED, the virtual-time engine): frames leave at the offered rate (constant or
// Poisson gaps), serialized on the wire at G_PS_PER_BYTE (0: no wire, e.g. a host stack), and only
// while their arrival is <= G_UNTIL_NS. The stamp is the frame's arrival (last bit in) in ns.
export const G_GAP_PS = 80; // u64 mean gap between frame starts at the offered rate (ps)
export const G_UNTIL_NS = 88; // u64 generate only frames that have arrived by this time
export const G_NEXT_PS = 96; // u64 offered start time of the next frame (ps)
export const G_WIRE_PS = 104; // u64 time the wire is free again (ps)
export const G_RNG2 = 112; // u32 xorshift state of the arrival process
export const G_LAST_NS = 120; // u64 arrival time of the last frame generated (ns)
export const G_SENT = 128; // u64 frames sent (= next sequence number)
export const G_BYTES = 136; // u64: bytes on the wire before the FCS (a short frame padded to 60)
export const G_CLOCK_PS = 144; // u64 simulator clock (ps)
export const G_NOBUF = 152; // u64 bursts cut short for lack of buffers
export const G_RINGFULL = 160; // u64 bursts cut short by a full ring
// Replay (src/traffic/replay.ts): captured bytes are never stamped; the generator writes each
// frame's arrival time (ns) into a side table indexed by buffer, which the sinks read.
export const G_SIDE = 168; // u32 address of the u64 side table (0 = none)
export const G_GAPS = 172; // u32 address of u64 gaps (ps) per sequence position (0 = G_GAP_PS)
export const G_OVERRUN = 176; // u64 frames dropped by an injected generator overrun (TypeScript writes it)
export const G_RET4 = 184; // return rings 4-5 (a path with two bridges, a forwarder and the switch's drops)
export const G_MAX_RET = 6; // slot i: G_RET0 + 4i below 4, else G_RET4 + 4(i - 4)
export const G_CLOCK_NS = 192; // u64 published simulator clock in ns (own cache line; atomic)
export const G_TAILDROP = 256; // u64 frames the device behind the out ring dropped: its queue was full (tun_net_xmit; TypeScript writes it)
export const G_FIRST_NS = 264; // u64 genWindow: arrival of the window's first frame (ns)
export const GEN_CTX_BYTES = 320;
export const GF_PATCH = 1; // patch flow id / stamp / checksum (else replay templates as they are)
export const GF_TIMED = 2; // virtual-time engine: G_GAP_PS / G_UNTIL_NS pacing (no run-ahead limit)
export const GF_POISSON = 4; // timed: exponential gaps of mean G_GAP_PS (else constant)

// Template entry: addr u32, len u16, payOff u16 (stamp offset), flowOff u16 (u16 BE field
// to carry the flow id, 0xffff none), csumOff u16 (L4 checksum, 0xffff none), csumKind u8
// (0 none, 1 UDP (0 means absent), 2 TCP/ICMP), pad
export const T_ADDR = 0;
export const T_LEN = 4;
export const T_PAY = 6;
export const T_FLOW = 8;
export const T_CSUM = 10;
export const T_CSUM_KIND = 12;
export const TPL_BYTES = 16;
export const STAMP_BYTES = 16; // [magic u16 | template u16][seq u32][timestamp ns u64], little-endian
export const STAMP_MAGIC = 0x5053;

// ---- sink ----------------------------------------------------------------------------------
export const S_IN = 4; // in ring
export const S_RET = 8; // ring the buffers go back on (0 = keep)
export const S_TPL = 12;
export const S_NTPL = 16;
export const S_CLOCK = 20; // address of the generator's published clock (u64 ns)
export const S_ITR_NS = 24; // interrupt moderation interval in simulator ns (0: one per burst)
export const S_IOTLB = 28; // IOTLB look-ups per frame (assigned devices: descriptor + buffer)
export const S_FLOWS = 32; // number of flows (for the flow-id check)
export const S_FLAGS = 36; // SF_*
export const SF_NO_SEQ = 1; // one queue of several (RSS splits the stream): no sequence check
export const S_OWN_LO = 40; // buffers in [S_OWN_LO, S_OWN_HI) belong to a bridge (flood copies):
export const S_OWN_HI = 44; //   they go home on S_RET2 instead of S_RET
export const S_RET2 = 48;
export const S_HINT = 52; // u32 template index of the last good frame (where the sink looks first)
// 56: unused (S_PKT_PS was a u32 there: a frame's work past 4.29 ms of virtual time wrapped)
export const S_WARMUP_US = 60; // u32 frames stamped before this (us) are counted but not measured
export const S_PACKETS = 64; // u64 counters from here
export const S_BYTES = 72;
export const S_BAD = 80; // integrity failures (stamp or payload pattern)
export const S_REORDER = 88;
export const S_GAP = 96; // sequence numbers skipped (frames lost upstream)
export const S_DOORBELLS = 104;
export const S_INTERRUPTS = 112;
export const S_IOTLB_LOOKUPS = 120;
export const S_LAST_IRQ = 128; // simulator ns of the last interrupt
export const S_EXPECT = 136; // next expected sequence number
export const S_LAT_SUM = 144; // sum of latencies (ns)
export const S_LAT_MAX = 152;
export const S_MEASURED = 160; // u64 frames whose latency was recorded (stamped after the warm-up)
export const S_SIDE = 168; // u32 address of the replay side table (u64 arrival ns per buffer; 0 = none)
export const S_LAT_MIN = 176; // u64 smallest latency (ns); TypeScript sets it to u64 max (none yet) when it lays the sink out
export const S_PKT_PS = 184; // u64 ps of consumer work per frame: frame k of a burst finishes at clock + (k+1) x this
export const S_HIST = 256; // HIST_BUCKETS u64
// Log-linear: exact below 16 ns, then 16 sub-buckets per power of two (bucket width <= 6.25 %).
export const HIST_SUB = 16;
export const HIST_BUCKETS = 640;
export const SINK_CTX_BYTES = 256 + HIST_BUCKETS * 8;

// ---- hop (tap, epair, queue hand-off) -------------------------------------------------------
export const H_IN = 4;
export const H_OUT = 8;
export const H_IRQ = 12; // sink-shaped context counting the driver's interrupts and doorbells (0 none)
export const H_IOTLB = 16; // txdrv: IOTLB look-ups per frame (assigned devices: descriptor + buffer)
export const H_FRAMES = 64; // u64 frames moved (= hops)
export const H_DONE = 72; // txdrv: u64 Tx completions reaped (descriptors the NIC consumed)
export const H_LAST_HEAD = 80; // txdrv: u32 NIC Tx ring head seen at the last reap
export const HOP_CTX_BYTES = 128;

// ---- echo responder (the ping peer on the wire) -------------------------------------------------
export const E_IN = 4; // frames from the wire (the switch's wire-out ring)
export const E_OUT = 8; // replies toward us (the switch's wire-in ring)
export const E_RET = 12; // return ring for frames that are not echo requests
export const E_ECHOED = 64; // u64 echo replies sent
export const E_DROPPED = 72; // u64 frames that were not ICMP echo requests (dropped)
export const ECHO_CTX_BYTES = 128;

// ---- IPv4 forwarding (a router's forwarding step: a vnet jail that routes) ---------------------
export const F_IN = 4;
export const F_OUT = 8;
export const F_RET = 12; // return ring for frames it cannot forward
export const F_NH_LO = 16; // next hop's MAC, bytes 0-3 (little-endian word)
export const F_NH_HI = 20; // next hop's MAC, bytes 4-5
export const F_SRC_LO = 24; // egress interface's MAC, bytes 0-3
export const F_SRC_HI = 28; // egress interface's MAC, bytes 4-5
export const F_FORWARDED = 64; // u64 frames forwarded
export const F_DROPPED = 72; // u64 frames not forwarded (group address, not IPv4, bad header or checksum, TTL expiring)
export const IPFWD_CTX_BYTES = 128;

// ---- learning bridge ---------------------------------------------------------------------
export const B_TABLE = 4; // entries of 16 bytes: [mac lo u32][mac hi u16][port u16][valid u32][pad]
export const B_MASK = 8; // slots - 1
export const B_NPORTS = 12;
export const B_RET = 16; // return ring for filtered frames
export const B_OUT0 = 20; // (unused since N-port bridges: see B_OUTS)
export const B_OUTS = 36; // address of u32[B_NPORTS]: out ring per port
export const B_FREE = 40; // free stack for flood copies [count u32][cap u32][pad..64][u32 idx...] (0: none)
export const B_COUNTS = 44; // address of u32[B_NPORTS] scratch (per-port enqueue counts of a burst)
export const B_AGE_NS = 48; // entries older than this (simulator ns) are forgotten (0: never)
export const B_CLOCK = 52; // address of the generator's published clock (u64 ns), 0: none
export const B_FRET = 56; // address of u32[B_NFRET]: rings on which consumers return flood copies
export const B_NFRET = 60;
export const B_LOOKUPS = 64; // u64
export const B_LEARNED = 72;
export const B_FLOODED = 80;
export const B_FILTERED = 88; // dst on the ingress port: dropped
export const B_FORWARDED = 96;
export const B_COPIES = 104; // flood copies made (one frame to several ports)
export const B_NOBUF = 112; // flood copies not made: no free buffer (dropped, counted)
export const B_AGED = 120; // entries expired by ageing
export const BRIDGE_CTX_BYTES = 128;
// entry: [mac lo u32][mac hi u16][port u16][valid u32][last seen, simulator ns / 1024, u32]
export const BRIDGE_ENTRY_BYTES = 16;

// ---- virtqueue (split ring) + vhost-copy backend -----------------------------------------
export const V_SIZE = 4; // queue size N (power of two <= 32768)
export const V_DESC = 8; // desc table: N x 16 [addr u64][len u32][flags u16][next u16]
export const V_AVAIL = 12; // [flags u16][idx u16][ring u16 x N][used_event u16]
export const V_USED = 16; // [flags u16][idx u16][ring {id u32, len u32} x N][avail_event u16]
export const V_GBUF = 20; // guest buffers: N x V_GBUF_BYTES
export const V_IN = 24; // backend's input ring (from the tap)
export const V_RET = 28; // backend returns host buffers here
export const V_SINK = 32; // sink context the guest driver checks frames with
export const V_EVENT_IDX = 36; // 1: VIRTIO_RING_F_EVENT_IDX negotiated
export const V_OUT = 40; // tx virtqueue: the backend's output ring (toward the tap)
export const V_SIDE = 44; // tx virtqueue: u32[N] backend (tap) buffer paired with each descriptor
// Replay (rx virtqueue): the backend carries each frame's arrival time from the host buffer's
// side table into the guest descriptor's, where the guest driver reads it.
export const V_RSIDE = 48; // u32 address of the host side table (u64 ns per buffer; 0 = none)
export const V_GSIDE = 52; // u32 address of the guest side table (u64 ns per descriptor id)
// Receive: used entries the backend wrote whose used index it has not published yet (it
// publishes, and decides whether to notify, when its batch is done: vhost_net_signal_used), and
// buffers the guest re-posted whose avail index it has not published yet (at the end of its poll).
export const V_PEND_USED = 56; // u32, backend-owned
export const V_PEND_REFILL = 60; // u32, guest-owned
// backend-owned
export const V_LAST_AVAIL = 64; // u32
export const V_COPIES = 72; // u64
export const V_BYTES_COPIED = 80;
export const V_USED_NOTIFY = 88;
export const V_USED_SUPPRESSED = 96;
export const V_NO_AVAIL = 104; // bursts that found no guest buffer (backpressure)
// guest-owned (own cache lines)
export const V_LAST_USED = 128; // u32
export const V_KICKS = 136; // u64
export const V_KICKS_SUPPRESSED = 144;
export const V_REFILLED = 152;
export const V_GBUF_LEN = 160; // u32 bytes per guest buffer (set at layout: V_GBUF_BYTES, or larger at a jumbo MTU)
export const VIRTIO_CTX_BYTES = 192;
export const V_GBUF_BYTES = 2048;
export const VNET_HDR_BYTES = 12; // struct virtio_net_hdr_mrg_rxbuf
