// The memory-layout ABI shared by TypeScript (src/switch/layout.ts) and the kernels.
// Plain numeric constants only, so this one file compiles both as AssemblyScript
// (`import { X } from "./abi"`) and as TypeScript (`import { X } from "../../assembly/abi.ts"`).
// Every offset below is in bytes. Documented in src/switch/README.md "Memory layout and ring ABI".

export const ABI_MAGIC = 0x53564f49; // "IOVS" little-endian
export const ABI_VERSION = 3; // 3: buffers are H_BUF_STRIDE apart; 2: pool sets are 128-bit (lo, hi) pairs

// ---- Pool sets ---------------------------------------------------------------------------
// A set of pools is 16 bytes: u64 lo (pools 0..63, pool p in bit p) then u64 hi (pools 64..127,
// pool p in bit p - 64); the kernels load it as one v128 (lane 0 lo, lane 1 hi).
export const MAX_POOLS = 128;
export const POOL_SET_BYTES = 16;

// ---- Header block: u32 slots at hdr + 4*slot --------------------------------------------
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_HEADER_BYTES = 2;
export const H_END = 3; // first byte after the last region
export const H_BUF_BASE = 4;
export const H_BUF_SIZE = 5; // bytes of room per buffer (power of two)
export const H_BUF_COUNT = 6;
export const H_BUF_HEADROOM = 7; // default data offset inside a buffer
export const H_SWITCH_CFG = 8;
export const H_POOL_CFG = 9;
export const H_NUM_POOLS = 10;
export const H_MAC_TABLE = 11;
export const H_MAC_SLOTS = 12; // power of two
export const H_VFTA = 13;
export const H_MTA = 14;
export const H_UTA = 15;
export const H_VLAN_POOLS = 16; // 4096 x pool sets (POOL_SET_BYTES each; VLVF expanded)
export const H_CNT_POOL = 17;
export const H_CNT_QUEUE = 18;
export const H_CNT_PORT = 19;
export const H_RING_DIR = 20; // u32[ring id] -> ring offset
export const H_RING_COUNT = 21;
export const H_SWITCH_STATE = 22;
export const H_SCRATCH = 23; // parse summaries and per-burst scratch (owner: one thread)
export const H_TUNNEL_PORTS = 24; // u16[16] extra VXLAN UDP ports, 0-terminated
export const H_SHADOW = 25; // switch-private producer state per ring id (SH_* layout)
export const H_BUF_STRIDE = 26; // bytes from buffer i to buffer i+1: H_BUF_SIZE + BUF_COLOUR_BYTES
export const H_SLOTS = 64;
export const HEADER_BYTES = 256;

// Buffer i is at H_BUF_BASE + i * H_BUF_STRIDE. The stride is the room plus one cache line:
// with a power-of-two stride every frame would start in the same cache sets (16 KiB apart: one
// of the 64 L1 sets, 4 of 1024 L2 sets), so the frames one kernel writes would be evicted
// before the next one reads them; one line more per buffer spreads them over every set.
export const BUF_COLOUR_BYTES = 64;

// ---- Ring (single producer, single consumer) ---------------------------------------------
// Free-running u32 indices; count = tail - head; full when count == capacity.
export const R_HEAD = 0; // consumer index (written only by the consumer)   own cache line
export const R_TAIL = 64; // producer index (written only by the producer)  own cache line
export const R_MASK = 128; // capacity - 1 (capacity is a power of two)
export const R_DESC = 132; // absolute offset of the descriptor array
export const R_ID = 136; // ring id (index into the ring directory)
export const R_KIND = 140; // RING_KIND_*
export const R_OWNER = 144; // pool (or 0xff for wire), informational
export const R_QUEUE = 148; // queue number inside the pool, informational
export const R_DROPS = 152; // u32 drops by the producer because the ring was full (producer-owned)
export const R_LIMIT = 156; // most descriptors the producer may have outstanding (<= capacity)
export const RING_HDR_BYTES = 192;
export const RING_KIND_RX = 1;
export const RING_KIND_TX = 2;
export const RING_KIND_WIRE_IN = 3;
export const RING_KIND_WIRE_OUT = 4;
export const RING_KIND_FREE = 5;
export const RING_KIND_OTHER = 6;

// ---- Descriptor: 16 bytes ----------------------------------------------------------------
export const DESC_BYTES = 16;
export const D_BUF = 0; // u32 buffer index
export const D_OFF = 4; // u16 data offset inside the buffer
export const D_LEN = 6; // u16 bytes in this descriptor
export const D_HASH = 8; // u32 RSS hash (rx)
export const D_TCI = 12; // u16 VLAN TCI: stripped tag (rx, VP set) / tag to insert (tx, VLE set)
export const D_FLAGS = 14; // u8 DF_*
export const D_INFO = 15; // u8: RSS type in bits 3:0
export const DF_DD = 0x01;
export const DF_EOP = 0x02;
export const DF_VP = 0x04; // rx: a VLAN tag was stripped, TCI valid
export const DF_LB = 0x08; // rx: copy came from local loopback (VF to VF)
export const DF_VLE = 0x10; // tx: insert D_TCI (honoured only when the pool's VLAN action allows)
export const DF_BCAST = 0x20; // rx: DA was broadcast
export const DF_MCAST = 0x40; // rx: DA was multicast
export const DF_TCI = 0x80; // rx: D_TCI is reported (VP set and the pool does not hide the tag)

// ---- Switch config block (port-wide), u32 words --------------------------------------------
export const SC_FLAGS = 0;
export const SC_DEF_POOL = 4;
export const SC_NUM_POOLS = 8;
export const SC_MO = 12; // multicast offset 0..3
export const SC_VET = 16; // C-tag TPID (0x8100)
export const SC_VET_EXT = 20; // S-tag TPID in double-VLAN mode (0x88a8)
export const SC_PORT_MAX = 24; // port max frame incl. FCS when long-packet is on (RLPML)
export const SC_TX_MAX = 28; // largest frame a pool may transmit, incl. FCS
export const SC_WIRE_IN = 32; // ring id
export const SC_WIRE_OUT = 36; // ring id
export const SC_PF_POOL = 40;
export const SC_RX_BUF = 44; // Rx buffer size: a frame takes ceil(len / SC_RX_BUF) descriptors
export const SC_MASKS = 64; // pool sets, at SC_MASKS + M_* index * POOL_SET_BYTES
export const SWITCH_CFG_BYTES = SC_MASKS + 13 * POOL_SET_BYTES; // M_COUNT (13) pool sets

export const SF_LOOPBACK = 1 << 0; // VEB: Tx loopback enabled (off = VEPA)
export const SF_REPLICATION = 1 << 1;
export const SF_VLAN_FILTER = 1 << 2; // VFTA + VLAN membership
export const SF_DOUBLE_VLAN = 1 << 3;
export const SF_PORT_UPE = 1 << 4; // port unicast promiscuous
export const SF_PORT_MPE = 1 << 5; // port multicast promiscuous
export const SF_DIS_DEF_POOL = 1 << 6;
export const SF_QEMU_DEF_POOL = 1 << 7; // unknown unicast -> default pool without promiscuous
export const SF_RSS_ON_LB = 1 << 8; // loopback copies get RSS (else queue 0, hash 0)
export const SF_PORT_LPE = 1 << 9; // port long-packet enable (RLPML decides at port level)
export const SF_TX_PAD = 1 << 10; // pad short transmit frames to 60
export const SF_RX_ENABLE = 1 << 11; // port receiver on (link up)
export const SF_TX_ENABLE = 1 << 12; // port transmitter on
export const SF_PORT_BAM = 1 << 13; // port broadcast accept
export const SF_ALWAYS_COPY = 1 << 14; // DMA every copy into a fresh Rx buffer (no zero-copy hand-over)

// Pool sets in the switch config at SC_MASKS + POOL_SET_BYTES * M_*
export const M_VFRE = 0;
export const M_VFTE = 1;
export const M_BAM = 2;
export const M_AUPE = 3;
export const M_ROMPE = 4;
export const M_ROPE = 5;
export const M_MPE = 6;
export const M_UPE = 7;
export const M_VPE = 8;
export const M_LLE = 9;
export const M_FLP = 10; // filter local packets (source-address pruning on Rx)
export const M_MACAS = 11;
export const M_VLANAS = 12;
export const M_COUNT = 13;

// ---- Per-pool config, stride POOL_CFG_BYTES --------------------------------------------------
export const PC_FLAGS = 0; // PF_*
export const PC_RLPML = 4; // max frame incl. FCS when PF_LPE
export const PC_VLAN_ACTION = 8; // VA_*
export const PC_DEFAULT_TCI = 12; // u16 TCI to insert
export const PC_INSERT_TPID = 16; // TPID of the inserted tag (0x8100 or 0x88a8)
export const PC_RXQ = 20; // number of Rx queues
export const PC_RXRING = 24; // ring id of Rx queue 0 (queues are consecutive ids)
export const PC_TXQ = 28;
export const PC_TXRING = 32;
export const PC_RSS_TYPES = 36; // RT_* enable bits
export const PC_RETA_MASK = 40; // RETA size - 1
export const PC_RETA = 44; // absolute offset of u8 RETA
export const PC_TOEPLITZ = 48; // absolute offset of the byte table (TOEPLITZ_TABLE_BYTES)
export const POOL_CFG_BYTES = 64;

export const PF_LPE = 1 << 0;
export const PF_STRIP = 1 << 1; // strip the VLAN tag on receive
export const PF_RSS = 1 << 2; // RSS enabled for the pool
export const PF_RSS_INNER = 1 << 3; // tunnel-aware (inner) hashing
export const PF_HIDE_VLAN = 1 << 4; // stripped tag is not reported (VP clear, TCI 0)

export const VA_USE_DESC = 0;
export const VA_ALWAYS = 1;
export const VA_NEVER = 2;

// RSS hash-type enable bits (MRQC[31:16] order)
export const RT_TCP4 = 1 << 0;
export const RT_IPV4 = 1 << 1;
export const RT_TCP6_EX = 1 << 2;
export const RT_IPV6_EX = 1 << 3;
export const RT_IPV6 = 1 << 4;
export const RT_TCP6 = 1 << 5;
export const RT_UDP4 = 1 << 6;
export const RT_UDP6 = 1 << 7;
export const RT_UDP6_EX = 1 << 8;
/** Every hash type enabled. */
export const RT_ALL = (1 << 9) - 1;

// RSS type codes written to the descriptor (ixgbe)
export const RSS_NONE = 0;
export const RSS_TCP4 = 1;
export const RSS_IPV4 = 2;
export const RSS_TCP6 = 3;
export const RSS_IPV6_EX = 4;
export const RSS_IPV6 = 5;
export const RSS_TCP6_EX = 6;
export const RSS_UDP4 = 7;
export const RSS_UDP6 = 8;
export const RSS_UDP6_EX = 9;

// Toeplitz byte table: entry [pos][byte] = XOR of the key windows for the set bits of `byte`
// at input position `pos`; TOEPLITZ_POSITIONS * 256 u32.
export const TOEPLITZ_POSITIONS = 36;
export const TOEPLITZ_TABLE_BYTES = 36 * 256 * 4;

// ---- MAC table: open addressing, SLOT_BYTES per slot ---------------------------------------
// [0] key u64 = mac48 (byte 0 in bits 7:0 ... byte 5 in bits 47:40) | (1 << 48) when used;
// [8] the pool set (lo, hi); [24] pad.
export const MAC_SLOT_BYTES = 32;
export const MAC_SLOT_POOLS = 8;

// ---- Switch state (kernel-owned scratch, one writer) -----------------------------------------
export const SS_FREE_STACK = 0; // absolute offset of the free-buffer stack used by the switch
export const SS_RETURN_RING = 4; // ring id of a buffer-return ring drained before each burst (0xffffffff none)
export const SS_LAST_DROP = 8; // reason of the last drop (debug)
export const SWITCH_STATE_BYTES = 128;

// Shadow producer state (switch thread only), per ring id: tail u32, head u32 (cached at first
// touch in a burst), dirty u32; SH_BYTES per ring. Tails are published once per burst.
export const SH_TAIL = 0;
export const SH_HEAD = 4;
export const SH_DIRTY = 8;
export const SH_DESC = 12; // copy of the ring's descriptor base (set at first touch)
export const SH_MASK = 16; // copy of the ring's mask
export const SH_LIMIT = 20; // copy of the ring's limit
export const SH_FPKTS = 24; // u32 frames the fast path enqueued this burst (counted at publication)
export const SH_FBYTES = 32; // u64 their bytes incl. FCS
export const SH_RPKTS = 40; // u32 frames the Rx fast path (wire, not loopback) enqueued this burst
export const SH_RBYTES = 48; // u64 their bytes incl. FCS
export const SH_BYTES = 64;

// Scratch (switch thread): parse record at 0, copy plan at SCR_PLAN (one entry of PLAN_BYTES per
// pool a frame reaches: MAX_POOLS entries), then the dirty-ring list (sized by the layout).
export const SCR_PLAN = 512;
export const PLAN_BYTES = 32;
export const SCR_DIRTY = SCR_PLAN + MAX_POOLS * PLAN_BYTES; // u32 list of ring ids whose shadow tail awaits publication
export const SCRATCH_BYTES = SCR_DIRTY + 4096;

// Free-buffer stack: [count u32][capacity u32][pad to 64][u32 entries...]; single writer.
export const FS_COUNT = 0;
export const FS_CAP = 4;
export const FS_ENTRIES = 64;

// ---- Counters (u64 words; names and meaning: src/switch/config.ts PoolCounters etc.) ------
// Per pool: POOL_CNT_WORDS u64 per pool, in PoolCounters order.
export const CP_RX_PACKETS = 0;
export const CP_RX_BYTES = 1;
export const CP_RX_UNICAST = 2;
export const CP_RX_MULTICAST = 3;
export const CP_RX_BROADCAST = 4;
export const CP_RX_LB_PACKETS = 5;
export const CP_RX_LB_BYTES = 6;
export const CP_RX_DROPPED = 7;
export const CP_RX_OVERSIZE = 8;
export const CP_TX_PACKETS = 9;
export const CP_TX_BYTES = 10;
export const CP_TX_UNICAST = 11;
export const CP_TX_MULTICAST = 12;
export const CP_TX_BROADCAST = 13;
export const CP_TX_LB_PACKETS = 14;
export const CP_TX_LB_BYTES = 15;
export const CP_TX_DROPPED = 16;
export const CP_TX_ERRORS = 17;
export const CP_TX_SPOOFED = 18;
export const CP_MDD_EVENTS = 19;
export const POOL_CNT_WORDS = 24;

// Per ring (indexed by ring id; meaningful for Rx rings): QueueCounters order.
export const CQ_RX_PACKETS = 0;
export const CQ_RX_BYTES = 1;
export const CQ_RX_NO_DESC = 2;
export const CQ_RX_DESCRIPTORS = 3;
export const QUEUE_CNT_WORDS = 4;

// Port: PortCounters order; the size buckets are 6 words each (64, 65-127, 128-255, 256-511,
// 512-1023, 1024-max; length WITH FCS; < 64 not bucketed).
export const CT_RX_PACKETS = 0;
export const CT_RX_BYTES = 1;
export const CT_TX_PACKETS = 2;
export const CT_TX_BYTES = 3;
export const CT_RUC = 4;
export const CT_RX_RUNT_DROPPED = 5;
export const CT_ROC = 6;
export const CT_RX_L2_FILTERED = 7;
export const CT_RX_VLAN_FILTERED = 8;
export const CT_RX_NO_POOL = 9;
export const CT_RX_ERRORS = 10;
export const CT_TX_SPOOFED = 11;
export const CT_TX_NO_DESTINATION = 12;
export const CT_RX_SIZE = 16; // 6 words
export const CT_TX_SIZE = 24; // 6 words
export const CT_BAD_DESC = 32; // descriptor naming no buffer of the pool (skipped, never dereferenced)
export const CT_NO_BUFFER = 30; // replication found no free buffer (simulator resource, not a NIC counter)
export const CT_WIRE_OUT_FULL = 31; // wire-out ring full (simulator resource)
export const CT_RX_MISSED = 33; // frames the receive packet buffer had no room for (virtual-time engine; 82599 RXMPC)
export const PORT_CNT_WORDS = 40;

// ---- Parse summary: what parse() writes (mirrors reference/parsed.ts ParsedFrame) ----------
// A record of PARSE_BYTES: frame words PS_* at word 0, the outer layer set at word PS_OUTER,
// the inner layer set at word PS_INNER (layer-set words LS_*). All u32.
export const PS_LEN = 0;
export const PS_TRUNC = 1; // TR_* code of the first layer cut short (| TR_INNER inside a tunnel)
export const PS_INVALID = 2; // TR_* code of the first layer that failed a sanity check
export const PS_TUN = 3; // TUN_* code
export const PS_TUN_FLAGS = 4; // TF_*
export const PS_TUN_ID = 5;
export const PS_TUN_OFF = 6; // innerOffset
export const PS_NLABEL = 7; // MPLS labels (<= 8)
export const PS_LABELS = 8; // 8 words: 20-bit labels, outermost first
export const PS_RSS_OUTER = 16; // MS key, all types (only when parse is asked for it)
export const PS_RSS_INNER = 17;
export const PS_TUN_GPE = 18; // VXLAN-GPE: flags byte << 8 | Next Protocol (TF_GPE_NEXT: present)
export const PS_OUTER = 32;
export const PS_INNER = 64;
export const PARSE_WORDS = 96;
export const PARSE_BYTES = 512;

export const TF_ID = 1;
export const TF_INNER = 2; // inner layers were parsed
export const TF_GPE_NEXT = 4; // VXLAN-GPE P bit: the Next Protocol in PS_TUN_GPE is present

// Layer-set words (relative to PS_OUTER / PS_INNER)
export const LS_FLAGS = 0; // LF_*
export const LS_ETH_OFF = 1;
export const LS_ETH_TYPE = 2; // field at offset 12
export const LS_ETHERTYPE = 3; // after the tags
export const LS_NVLAN = 4;
export const LS_VLANS = 5; // 8 words: tpid << 16 | tci
export const LS_L3 = 13; // 4 or 6
export const LS_L3_OFF = 14;
export const LS_NEXT = 15; // nextProto
export const LS_FRAG_OFF = 16;
export const LS_HOME = 17;
export const LS_RT2 = 18;
export const LS_L4 = 19; // L4_* code
export const LS_L4_OFF = 20;
export const LS_PORTS = 21; // sport << 16 | dport
export const LS_WORDS = 32;

export const LF_ETH = 1 << 0;
export const LF_ETHERTYPE = 1 << 1;
export const LF_L3 = 1 << 2;
export const LF_FRAG = 1 << 3;
export const LF_L3_TRUNC = 1 << 4;
export const LF_HOME = 1 << 5;
export const LF_RT2 = 1 << 6;
export const LF_L4 = 1 << 7;
export const LF_PORTS = 1 << 8;
export const LF_COMPLETE = 1 << 9;
export const LF_HDR_TRUNC = 1 << 10; // IPv4 options cut short: addresses known, nothing behind them

export const L4_NONE = 0;
export const L4_TCP = 1;
export const L4_UDP = 2;
export const L4_SCTP = 3;
export const L4_ICMP = 4;
export const L4_ICMPV6 = 5;
export const L4_GRE = 6;
export const L4_ESP = 7;

export const TUN_NONE = 0;
export const TUN_VXLAN = 1;
export const TUN_GENEVE = 2;
export const TUN_GRE = 3;
export const TUN_NVGRE = 4;
export const TUN_GTPU = 5;
export const TUN_MPLS = 6;
export const TUN_IPIP = 7;
export const TUN_VXLAN_GPE = 8;

// Layer names for truncated / invalid (reference names; inner ones get "inner-" and TR_INNER)
export const TR_NONE = 0;
export const TR_ETH = 1;
export const TR_VLAN = 2;
export const TR_IPV4 = 3;
export const TR_IPV6 = 4;
export const TR_IPV6_EXT = 5;
export const TR_AH = 6;
export const TR_TCP = 7;
export const TR_UDP = 8;
export const TR_SCTP = 9;
export const TR_ICMP = 10;
export const TR_ICMPV6 = 11;
export const TR_VXLAN = 12;
export const TR_GENEVE = 13;
export const TR_GRE = 14;
export const TR_GTPU = 15;
export const TR_MPLS = 16;
export const TR_VXLAN_GPE = 17;
export const TR_INNER = 32;

// Whole-frame drop reasons (FrameDropReason in src/switch/config.ts, same order as DROP_REASONS
// in src/switch/nic.ts) and per-copy drop reasons.
export const DR_NONE = 0;
export const DR_RUNT = 1;
export const DR_TAG_TRUNCATED = 2;
export const DR_OVERSIZE = 3;
export const DR_L2_FILTER = 4;
export const DR_VLAN_FILTER = 5;
export const DR_NO_POOL = 6;
export const DR_ALL_COPIES = 7;
export const DR_TX_DISABLED = 8;
export const DR_MDD_SHORT = 9;
export const DR_MDD_VLAN = 10;
export const DR_TX_OVERSIZE = 11;
export const DR_MAC_SPOOF = 12;
export const DR_VLAN_SPOOF = 13;
export const DR_NO_DESTINATION = 14;
export const DR_NO_BUFFER = 15; // simulator resource: no free buffer for a copy
export const DR_WIRE_FULL = 16; // simulator resource: wire-out ring full

// ---- Trace (optional, for tests): one TRACE_BYTES record per switched frame ---------------
// [0] u32 seq  [4] u8 source (pool, 0xff wire)  [5] u8 DR_*  [6] u8 toWire  [7] u8 padded
// [8] delivered pools  [24] oversize-dropped pools  [40] no-desc-dropped pools (pool sets)
export const TRACE_BYTES = 64;
export const TR_DELIVERED = 8;
export const TR_OVERSIZE = 24;
export const TR_NO_DESC = 40;
export const SS_TRACE = 12; // absolute offset of the trace array (0 = tracing off)
export const SS_TRACE_CAP = 16; // records
export const SS_TRACE_COUNT = 20; // records written (kernel increments; JS resets)
export const SS_FAST_FRAMES = 24; // u32 frames switched by the Tx fast path (statistics, tests; wraps)
export const SS_RX_FAST_FRAMES = 28; // u32 frames switched by the Rx (wire) fast path (statistics, tests; wraps)
// Buffer owners: a buffer in [lo, hi) of owner k that the switch frees (a drop, a frame it
// consumes without delivering) goes back on that owner's return ring (absolute ring offset; the
// switch is its only producer) instead of onto the switch's free stack. 0 owners by default.
// When the owner runs on the switch's thread (a one-thread simulation), SO_STACK may name the
// owner's own free stack (FS_* layout): the buffer is pushed there directly, the return ring
// unused. The owner and the switch then take turns on that stack, never at once.
export const SS_NOWNERS = 32; // u32
export const SS_OWNERS = 36; // SS_MAX_OWNERS x SS_OWNER_BYTES: SO_* words
export const SS_OWNER_BYTES = 16;
export const SS_MAX_OWNERS = 2;
export const SO_LO = 0; // u32 first buffer index of the owner
export const SO_HI = 4; // u32 one past its last
export const SO_RING = 8; // u32 absolute offset of its return ring
export const SO_STACK = 12; // u32 absolute offset of its free stack on this thread (0: use the ring)

// ---- Software dispatcher context (assembly/dispatch.ts dispatchBurst), one per dispatcher ----
// u32 words; the per-worker entries start at DX_OUTS (DXW_BYTES each), the u8 RETA (worker
// index per entry, DX_RETA_MAX entries at most) at DX_RETA.
export const DX_IN = 0; // absolute offset of the input ring (this thread is its consumer)
export const DX_NOUT = 4; // worker rings (<= DX_MAX_OUT)
export const DX_TABLE = 8; // absolute offset of the Toeplitz byte table
export const DX_REC = 12; // absolute offset of a PARSE_BYTES parse record (scratch)
export const DX_RETA_MASK = 16; // RETA entries - 1 (power of two)
export const DX_TYPES = 20; // RT_* hash types enabled
export const DX_TAKEN = 24; // u32 frames taken from the input ring (kernel adds)
export const DX_SPRAY = 28; // u32: 0 = worker from the inner hash's RETA entry, 1 = round robin (no flow affinity)
export const DX_NEXT = 32; // u32 next worker of the round robin (kernel keeps it)
export const DX_OUTS = 64;
export const DXW_RING = 0; // absolute offset of worker ring w (this thread is its producer)
export const DXW_FRAMES = 4; // u32 frames enqueued to it (kernel adds)
export const DXW_PEND = 8; // u32 enqueued this burst, not yet published (kernel scratch, 0 between calls)
export const DXW_BYTES = 16;
export const DX_MAX_OUT = 64;
export const DX_RETA = 64 + 64 * 16;
export const DX_RETA_MAX = 512;
export const DISPATCH_CTX_BYTES = 64 + 64 * 16 + 512;
