// WasmSwitch: the NIC data plane on the Wasm kernels, with the same API shape as the reference
// (src/switch/reference/veb.ts): programmed from a SwitchConfig, frames in through the wire-in
// ring or a pool's Tx ring, bursts through the kernels, deliveries out of the Rx rings.
// One thread drives it (the kernels' single-writer rule); workers use the low-level pieces
// (layout, rings, kernels) directly.
import * as A from "../../assembly/abi.ts";
import {
  bitListToWords,
  type Delivery,
  type FrameDropReason,
  MAX_DESCRIPTOR_FRAME,
  macToBytes,
  RSS_TYPE_CODE,
  type RssType,
  type SwitchConfig,
  type SwitchCounters,
} from "./config.ts";
import { addCounter, readCounters, readResourceCounters } from "./counters-view.ts";
import { buildSwitchLayout, Layout, RETA_MAX, ringsFor, type SwitchLayout } from "./layout.ts";
import { FreeStack, RingView } from "./ring.ts";
import {
  createMemory,
  instantiateKernels,
  type KernelInstance,
  type Kernels,
  loadModule,
  loadModuleSync,
} from "./wasm.ts";

export const HEADROOM = 64;
export const DEFAULT_BURST = 256;

/** Names of the kernels' DR_* codes (index = code). */
export const DROP_REASONS: Array<FrameDropReason | "no-buffer" | "wire-full" | null> = [
  null,
  "runt",
  "vlan-tag-truncated",
  "oversize",
  "l2-filter",
  "vlan-filter",
  "no-pool",
  "all-copies-dropped",
  "tx-disabled",
  "mdd-short",
  "mdd-vlan",
  "tx-oversize",
  "mac-spoof",
  "vlan-spoof",
  "no-destination",
  "no-buffer",
  "wire-full",
];

const RSS_TYPE_BY_CODE = new Map<number, RssType>(
  Object.entries(RSS_TYPE_CODE).map(([name, code]) => [code, name as RssType]),
);

/** One switched frame as the kernel traced it (tests). */
export interface TraceRecord {
  source: number | "wire";
  dropped: string | null;
  toWire: boolean;
  padded: boolean;
  delivered: number[];
  oversizeDropped: number[];
  noDescDropped: number[];
}

export interface WasmSwitchOptions {
  /** Buffers in the pool (default: enough for every ring to be full, capped by memory). */
  bufCount?: number;
  /** Descriptors in each Tx ring and the wire rings (power of two). */
  txRingSize?: number;
  wireRingSize?: number;
  /** Keep a per-frame trace of this many records (0 = off). */
  traceCapacity?: number;
  /** UDP ports decoded as VXLAN in addition to 4789. */
  vxlanPorts?: number[];
  /** Copy every delivered frame into a fresh Rx buffer, as a NIC's DMA does (default: zero-copy hand-over of the last copy). */
  alwaysCopy?: boolean;
  module?: WebAssembly.Module;
  memory?: WebAssembly.Memory;
  /** An instance already on `memory` to program through (a thread's warm engine) instead of a
   *  new one. */
  kernels?: KernelInstance;
}

export interface TxOptions {
  /** Tx descriptor VLE: ask the NIC to insert this TCI (honoured under VMVIR "descriptor"). */
  vlanTci?: number;
  queue?: number;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The Toeplitz byte table for `key`: entry [pos*256 + b] = XOR of key windows of b's set bits. */
export function toeplitzTable(key: ArrayLike<number>): Uint32Array {
  const bit = (i: number) => (i >> 3 < key.length ? (key[i >> 3]! >> (7 - (i & 7))) & 1 : 0);
  const windowAt = (p: number) => {
    let w = 0;
    for (let i = 0; i < 32; i++) w = ((w << 1) | bit(p + i)) >>> 0;
    return w;
  };
  const t = new Uint32Array(A.TOEPLITZ_POSITIONS * 256);
  for (let pos = 0; pos < A.TOEPLITZ_POSITIONS; pos++) {
    const win: number[] = [];
    for (let j = 0; j < 8; j++) win.push(windowAt(pos * 8 + j)); // j = 0 is the byte's MSB
    for (let b = 0; b < 256; b++) {
      let h = 0;
      for (let j = 0; j < 8; j++) if ((b >> (7 - j)) & 1) h ^= win[j]!;
      t[pos * 256 + b] = h >>> 0;
    }
  }
  return t;
}

/** Toeplitz tables by key, computed once per thread (a pure function of the key; read only). */
const toeplitzTables = new Map<string, Uint32Array>();

function cachedToeplitzTable(key: ArrayLike<number>): Uint32Array {
  const k = Array.prototype.join.call(key, ",");
  let t = toeplitzTables.get(k);
  if (!t) {
    if (toeplitzTables.size >= 64) toeplitzTables.clear();
    t = toeplitzTable(key);
    toeplitzTables.set(k, t);
  }
  return t;
}

/** 48-bit MAC key as the kernel loads it (byte 0 in bits 7:0). */
export function macKey(mac: Uint8Array): bigint {
  let k = 0n;
  for (let i = 5; i >= 0; i--) k = (k << 8n) | BigInt(mac[i]!);
  return k;
}

function macSlot(key: bigint, mask: number): number {
  return Number(((key * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn) >> 40n) & mask;
}

const WORD = (1n << 64n) - 1n;

/** A pool set (assembly/abi.ts POOL_SET_BYTES) as one 128-bit value: pool p in bit p. */
const poolBits = (pools: readonly number[]) => pools.reduce((m, p) => m | (1n << BigInt(p)), 0n);

/** Writes a pool set at byte offset `at`: u64 lo (pools 0..63), u64 hi (pools 64..127). */
function writePoolSet(u64: BigUint64Array, at: number, set: bigint): void {
  u64[at >>> 3] = set & WORD;
  u64[(at >>> 3) + 1] = (set >> 64n) & WORD;
}

/** Reads a pool set at byte offset `at` as its pool numbers, ascending. */
function readPoolSet(dv: DataView, at: number): number[] {
  let v = dv.getBigUint64(at, true) | (dv.getBigUint64(at + 8, true) << 64n);
  const out: number[] = [];
  for (let p = 0; v !== 0n; p++, v >>= 1n) if (v & 1n) out.push(p);
  return out;
}

export class WasmSwitch {
  readonly sl: SwitchLayout;
  readonly layout: Layout;
  readonly kernels: Kernels;
  readonly memory: WebAssembly.Memory;
  config: SwitchConfig;
  readonly rx: RingView[][];
  readonly tx: RingView[][];
  readonly wireIn: RingView;
  readonly wireOutRing: RingView;
  readonly free: FreeStack;
  private readonly frameCap: number;
  private readonly pendingWire: Uint8Array[] = [];
  private readonly wireFrames: Uint8Array[] = [];
  private readonly pendingTx: Array<Array<{ frame: Uint8Array; opts: TxOptions }>>;
  private readonly trace: { offset: number; capacity: number } | null;
  /** Frames dropped before the kernels (too long for a descriptor), at their place in the trace. */
  private readonly earlyDrops: Array<{ at: number; record: TraceRecord }> = [];
  private readonly alwaysCopy: boolean;

  /** Compiles (building the wasm if needed) and creates a switch programmed from `config`. */
  static async create(config: SwitchConfig, opts: WasmSwitchOptions = {}): Promise<WasmSwitch> {
    return new WasmSwitch(config, { ...opts, module: opts.module ?? (await loadModule()) });
  }

  constructor(config: SwitchConfig, opts: WasmSwitchOptions = {}) {
    const module = opts.module ?? loadModuleSync();
    this.memory = opts.memory ?? createMemory(32);
    const inst =
      opts.kernels && opts.kernels.memory === this.memory
        ? opts.kernels
        : instantiateKernels(module, this.memory);
    this.kernels = inst.exports;
    const pools = config.pools.map((p) => ({ rxQueues: p.numRxQueues, txQueues: p.numRxQueues }));
    // The ring directory is sized from the configuration (every queue's Rx and Tx ring), never
    // a fixed cap: whatever the control plane accepts must lay out (issue 9 item 4).
    this.layout = new Layout(this.memory, inst.heapBase, { maxRings: Math.max(1024, ringsFor(pools)) });
    this.config = structuredClone(config);
    const port = config.port;
    const ringSize = port.ringSize;
    const rxCap = nextPow2(ringSize);
    const txRing = opts.txRingSize ?? 512;
    const wireRing = opts.wireRingSize ?? 1024;
    // The largest frame that is ever read past its header: a Tx frame within txMaxFrame, or a
    // delivered copy (within a pool's limit). Longer Rx frames are dropped on their header alone.
    const largest = Math.max(port.txMaxFrame, 1522, ...config.pools.map((p) => (p.flags.lpe ? p.rlpml : 0)));
    const bufSize = nextPow2(largest + HEADROOM + 16);
    const ringFrames =
      pools.reduce((n, p) => n + p.rxQueues * (ringSize - 1) + p.txQueues * txRing, 0) + 2 * wireRing + 256;
    const memCap = Math.floor((768 * 1024 * 1024) / bufSize);
    const bufCount = opts.bufCount ?? Math.min(ringFrames, memCap);
    this.sl = buildSwitchLayout(this.layout, {
      pools,
      ringSize: rxCap,
      wireRingSize: wireRing,
      bufCount,
      bufSize,
      headroom: HEADROOM,
    });
    // Rx rings hold at most N-1 descriptors (spec §5.1); Tx/wire rings use their capacity.
    const u32 = this.layout.u32();
    for (const qs of this.sl.rxRings)
      for (const r of qs) {
        r.limit = ringSize - 1;
        u32[(r.offset + A.R_LIMIT) >>> 2] = ringSize - 1;
      }
    // Tx rings were allocated with the Rx ring size; cap their limit at txRing.
    for (const qs of this.sl.txRings)
      for (const r of qs) {
        r.limit = Math.min(r.capacity, txRing);
        u32[(r.offset + A.R_LIMIT) >>> 2] = r.limit;
      }
    this.frameCap = bufSize - HEADROOM - 8;
    this.alwaysCopy = opts.alwaysCopy ?? false;
    this.rx = this.sl.rxRings.map((qs) => qs.map((r) => new RingView(this.layout, r)));
    this.tx = this.sl.txRings.map((qs) => qs.map((r) => new RingView(this.layout, r)));
    this.wireIn = new RingView(this.layout, this.sl.wireIn);
    this.wireOutRing = new RingView(this.layout, this.sl.wireOut);
    this.free = new FreeStack(this.layout, this.sl.freeStack);
    this.pendingTx = config.pools.map(() => []);
    const cap = opts.traceCapacity ?? 0;
    if (cap > 0) {
      const r = this.layout.addRegion("trace", cap * A.TRACE_BYTES);
      this.trace = { offset: r.offset, capacity: cap };
      const st = this.sl.switchState;
      u32[(st + A.SS_TRACE) >>> 2] = r.offset;
      u32[(st + A.SS_TRACE_CAP) >>> 2] = cap;
    } else {
      this.trace = null;
    }
    const rc = this.kernels.init(this.layout.header);
    if (rc !== 0) throw new Error(`wasm init failed (${rc})`);
    this.program(config, opts.vxlanPorts ?? []);
  }

  /** Writes the switch tables from `config` (same pool and queue shape as at creation). */
  program(config: SwitchConfig, vxlanPorts: number[] = []): void {
    if (config.pools.length !== this.sl.rxRings.length) throw new Error("program: pool count changed");
    const { port, pools } = config;
    const need = Math.max(port.txMaxFrame, 1522, ...pools.map((p) => (p.flags.lpe ? p.rlpml : 0)));
    if (this.frameCap !== undefined && need > this.frameCap) {
      throw new Error(
        `program: frames up to ${need} bytes need larger buffers than this switch has (${this.frameCap})`,
      );
    }
    this.config = structuredClone(config);
    const L = this.layout;
    const u8 = L.u8();
    const u32 = L.u32();
    const u64 = L.u64();
    const dv = L.dv();
    const sc = this.sl.switchCfg;
    let flags = 0;
    if (port.mode === "veb" && port.txLoopback) flags |= A.SF_LOOPBACK;
    if (port.replication) flags |= A.SF_REPLICATION;
    if (port.vlanFilter) flags |= A.SF_VLAN_FILTER;
    if (port.doubleVlan) flags |= A.SF_DOUBLE_VLAN;
    if (port.unicastPromisc) flags |= A.SF_PORT_UPE;
    if (port.multicastPromisc) flags |= A.SF_PORT_MPE;
    if (port.broadcastAccept) flags |= A.SF_PORT_BAM;
    if (port.disableDefaultPool) flags |= A.SF_DIS_DEF_POOL;
    if (port.qemuDefaultPool) flags |= A.SF_QEMU_DEF_POOL;
    if (port.rss.onLoopback) flags |= A.SF_RSS_ON_LB;
    if (port.longPacket) flags |= A.SF_PORT_LPE;
    if (port.txPadShort) flags |= A.SF_TX_PAD;
    flags |= A.SF_RX_ENABLE | A.SF_TX_ENABLE;
    if (this.alwaysCopy) flags |= A.SF_ALWAYS_COPY;
    const w = (off: number, v: number) => {
      u32[(sc + off) >>> 2] = v >>> 0;
    };
    w(A.SC_FLAGS, flags);
    w(A.SC_DEF_POOL, port.defaultPool);
    w(A.SC_MO, port.multicastOffset);
    w(A.SC_VET, port.vlanTpid);
    w(A.SC_VET_EXT, port.sTpid);
    w(A.SC_PORT_MAX, port.maxFrame);
    w(A.SC_TX_MAX, port.txMaxFrame);
    w(A.SC_RX_BUF, port.rxBufferSize);
    w(
      A.SC_PF_POOL,
      pools.findIndex((p) => p.kind === "pf"),
    );
    const masks = new Array<bigint>(A.M_COUNT).fill(0n);
    const set = (m: number, on: boolean, p: number) => {
      if (on) masks[m] |= 1n << BigInt(p);
    };
    pools.forEach((p, i) => {
      set(A.M_VFRE, p.rxEnable, i);
      set(A.M_VFTE, p.txEnable, i);
      set(A.M_BAM, p.flags.bam, i);
      set(A.M_AUPE, p.flags.aupe, i);
      set(A.M_ROMPE, p.flags.rompe, i);
      set(A.M_ROPE, p.flags.rope, i);
      set(A.M_MPE, p.flags.mpe, i);
      set(A.M_UPE, p.flags.upe, i);
      set(A.M_VPE, p.flags.vpe, i);
      set(A.M_LLE, p.flags.lle, i);
      set(A.M_FLP, p.flags.flp, i);
      set(A.M_MACAS, p.macAntiSpoof, i);
      set(A.M_VLANAS, p.macAntiSpoof && p.vlanAntiSpoof, i);
    });
    masks.forEach((m, i) => {
      writePoolSet(u64, sc + A.SC_MASKS + i * A.POOL_SET_BYTES, m);
    });

    // Per-pool config, RETA, Toeplitz tables.
    let types = 0;
    const ht = port.rss.hashTypes;
    if (ht.tcpIpv4) types |= A.RT_TCP4;
    if (ht.ipv4) types |= A.RT_IPV4;
    if (ht.tcpIpv6Ex) types |= A.RT_TCP6_EX;
    if (ht.ipv6Ex) types |= A.RT_IPV6_EX;
    if (ht.ipv6) types |= A.RT_IPV6;
    if (ht.tcpIpv6) types |= A.RT_TCP6;
    if (ht.udpIpv4) types |= A.RT_UDP4;
    if (ht.udpIpv6) types |= A.RT_UDP6;
    if (ht.udpIpv6Ex) types |= A.RT_UDP6_EX;
    pools.forEach((p, i) => {
      const base = this.sl.poolCfg + i * A.POOL_CFG_BYTES;
      const pw = (off: number, v: number) => {
        u32[(base + off) >>> 2] = v >>> 0;
      };
      let pf = 0;
      if (p.flags.lpe) pf |= A.PF_LPE;
      if (p.flags.strvlan) pf |= A.PF_STRIP;
      if (p.flags.hideVlan) pf |= A.PF_HIDE_VLAN;
      if ((p.rssLevel ?? port.rss.level) === "inner") pf |= A.PF_RSS_INNER;
      pw(A.PC_FLAGS, pf);
      pw(A.PC_RLPML, p.rlpml);
      pw(A.PC_VLAN_ACTION, p.portVlan.action === "descriptor" ? 0 : p.portVlan.action === "default" ? 1 : 2);
      pw(A.PC_DEFAULT_TCI, p.portVlan.tci & 0xffff);
      pw(A.PC_INSERT_TPID, p.portVlan.tpid);
      pw(A.PC_RSS_TYPES, types);
      const reta = p.reta;
      if (reta.length === 0 || reta.length > RETA_MAX || (reta.length & (reta.length - 1)) !== 0) {
        throw new Error(`pool ${i}: RETA size ${reta.length} is not a power of two in 1..${RETA_MAX}`);
      }
      pw(A.PC_RETA_MASK, reta.length - 1);
      const ro = this.sl.reta[i];
      reta.forEach((q, k) => {
        if (q < 0 || q >= p.numRxQueues) throw new Error(`pool ${i}: RETA entry ${q} is not a queue`);
        u8[ro + k] = q;
      });
      const key = p.rssKey ?? port.rss.key;
      u32.set(cachedToeplitzTable(key), (this.sl.toeplitz + i * A.TOEPLITZ_TABLE_BYTES) >>> 2);
    });

    // Exact MAC table: RARs with pools, merged per address.
    const macs = new Map<bigint, bigint>();
    for (const r of config.rar) {
      if (r.pools.length === 0) continue;
      const k = macKey(macToBytes(r.mac));
      macs.set(k, (macs.get(k) ?? 0n) | poolBits(r.pools));
    }
    const slots = this.sl.macSlots;
    if (macs.size > slots / 2) throw new Error(`too many MAC filters (${macs.size} > ${slots / 2})`);
    u8.fill(0, this.sl.macTable, this.sl.macTable + slots * A.MAC_SLOT_BYTES);
    const slotAt = (s: number) => this.sl.macTable + s * A.MAC_SLOT_BYTES;
    for (const [k, pools] of macs) {
      let s = macSlot(k, slots - 1);
      while (u64[slotAt(s) >>> 3] !== 0n) s = (s + 1) & (slots - 1);
      u64[slotAt(s) >>> 3] = k | (1n << 48n);
      writePoolSet(u64, slotAt(s) + A.MAC_SLOT_POOLS, pools);
    }
    u32.set(bitListToWords(port.vfta), this.sl.vfta >>> 2);
    u32.set(bitListToWords(config.mta), this.sl.mta >>> 2);
    u32.set(bitListToWords(config.uta), this.sl.uta >>> 2);
    u8.fill(0, this.sl.vlanPools, this.sl.vlanPools + 4096 * A.POOL_SET_BYTES);
    const vlans = new Map<number, bigint>();
    for (const e of config.vlvf) vlans.set(e.vid, (vlans.get(e.vid) ?? 0n) | poolBits(e.pools));
    for (const [vid, set] of vlans) writePoolSet(u64, this.sl.vlanPools + vid * A.POOL_SET_BYTES, set);
    if (vxlanPorts.length > 15) throw new Error("at most 15 extra VXLAN ports");
    for (let i = 0; i < 16; i++) dv.setUint16(this.sl.tunnelPorts + 2 * i, vxlanPorts[i] ?? 0, true);
  }

  // ---- frames in ----------------------------------------------------------------------------

  private loadFrame(frame: Uint8Array): { buf: number; len: number } | null {
    const buf = this.free.alloc();
    if (buf === null) return null;
    // A frame longer than a buffer keeps its true length (the kernels drop it as oversize
    // before reading past the header); only the bytes that fit are stored. Frames too long for
    // the 16-bit descriptor length never get here (dropUndescribable).
    const stored = Math.min(frame.length, this.frameCap);
    const at = this.sl.bufBase + buf * this.sl.bufStride + HEADROOM;
    this.layout.u8().set(frame.subarray(0, stored), at);
    return { buf, len: frame.length };
  }

  /**
   * A frame no descriptor can describe (over MAX_DESCRIPTOR_FRAME bytes) is dropped before the
   * switch, counted as the reference counts it. Called only when its ring is empty, so every
   * frame ahead of it from the same source has been switched and traced: the drop keeps its
   * place in the order.
   */
  private dropUndescribable(source: number | "wire"): void {
    if (source === "wire") addCounter(this.sl, { port: "roc" });
    else {
      addCounter(this.sl, { pool: source, name: "tx_errors" });
      addCounter(this.sl, { pool: source, name: "tx_dropped" });
    }
    if (!this.trace) return;
    const at = this.layout.u32()[(this.sl.switchState + A.SS_TRACE_COUNT) >>> 2]!;
    this.earlyDrops.push({
      at,
      record: {
        source,
        dropped: source === "wire" ? "oversize" : "tx-oversize",
        toWire: false,
        padded: false,
        delivered: [],
        oversizeDropped: [],
        noDescDropped: [],
      },
    });
  }

  /** Queues frames from the wire (they enter the wire-in ring as room allows; run() moves them). */
  injectWire(frames: Iterable<Uint8Array>): void {
    for (const f of frames) this.pendingWire.push(f);
    this.feed();
  }

  /** Queues frames a pool transmits (its Tx queue `opts.queue`, default 0). */
  injectTx(pool: number, frames: Iterable<Uint8Array>, opts: TxOptions = {}): void {
    if (!this.pendingTx[pool]) throw new RangeError(`no pool ${pool}`);
    const q = opts.queue ?? 0;
    if (!this.tx[pool][q]) throw new RangeError(`no Tx queue ${q} in pool ${pool}`);
    for (const f of frames) this.pendingTx[pool].push({ frame: f, opts });
    this.feed();
  }

  private feed(): void {
    while (this.pendingWire.length > 0 && this.wireIn.free() > 0) {
      const f = this.pendingWire[0];
      if (f.length > MAX_DESCRIPTOR_FRAME) {
        if (this.wireIn.count() > 0) break; // after the frames ahead of it (run() comes back)
        this.dropUndescribable("wire");
        this.pendingWire.shift();
        continue;
      }
      const b = this.loadFrame(f);
      if (!b) break;
      this.wireIn.enqueue([{ buf: b.buf, off: HEADROOM, len: b.len, hash: 0, tci: 0, flags: 0, info: 0 }]);
      this.pendingWire.shift();
    }
    this.pendingTx.forEach((pending, pool) => {
      while (pending.length > 0) {
        const { frame, opts } = pending[0];
        const ring = this.tx[pool][opts.queue ?? 0];
        if (ring.free() === 0) break;
        if (frame.length > MAX_DESCRIPTOR_FRAME) {
          // After the frames ahead of it; behind a disabled queue (VFTE off) it waits with them.
          if (ring.count() > 0) break;
          this.dropUndescribable(pool);
          pending.shift();
          continue;
        }
        const b = this.loadFrame(frame);
        if (!b) break;
        const vle = opts.vlanTci !== undefined;
        ring.enqueue([
          {
            buf: b.buf,
            off: HEADROOM,
            len: b.len,
            hash: 0,
            tci: vle ? opts.vlanTci! & 0xffff : 0,
            flags: vle ? A.DF_VLE : 0,
            info: 0,
          },
        ]);
        pending.shift();
      }
    });
  }

  /** Runs bursts (Tx rings in pool/queue order, then the wire) until nothing moves. Returns frames processed. */
  run(budget = DEFAULT_BURST): number {
    let total = 0;
    for (;;) {
      this.feed();
      const n = this.kernels.vebRunAll(budget);
      this.collectWire();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  /** Frames still waiting (in Tx/wire-in rings or queued in JS), e.g. behind a disabled VFTE. */
  inFlight(): number {
    const rings = this.tx.flat().reduce((n, r) => n + r.count(), 0) + this.wireIn.count();
    return rings + this.pendingWire.length + this.pendingTx.reduce((n, p) => n + p.length, 0);
  }

  // ---- frames out ---------------------------------------------------------------------------

  /** The driver takes every frame waiting in Rx queue `queue` of `pool` and re-posts the buffers. */
  drainRx(pool: number, queue: number): Delivery[] {
    const ring = this.rx[pool]?.[queue];
    if (!ring) throw new RangeError(`no Rx queue ${queue} in pool ${pool}`);
    const out: Delivery[] = [];
    let parts: number[] = [];
    let first: { buf: number; off: number } | null = null;
    let total = 0;
    for (const d of ring.dequeue()) {
      first ??= { buf: d.buf, off: d.off };
      parts.push(d.len);
      total += d.len;
      if ((d.flags & A.DF_EOP) === 0) continue;
      const at = this.sl.bufBase + first.buf * this.sl.bufStride + first.off;
      out.push({
        pool,
        queue,
        hash: d.hash >>> 0,
        rssType: RSS_TYPE_BY_CODE.get(d.info & 15) ?? "none",
        loopback: (d.flags & A.DF_LB) !== 0,
        vlanStripped: (d.flags & A.DF_VP) !== 0,
        vlanTci: (d.flags & A.DF_TCI) !== 0 ? d.tci : null,
        descriptors: parts.length,
        bytes: this.layout.u8().slice(at, at + total),
      });
      this.free.free(first.buf);
      first = null;
      parts = [];
      total = 0;
    }
    return out;
  }

  /** Drains every queue of every pool (pool order, queue order). */
  drainAll(): Delivery[] {
    const out: Delivery[] = [];
    this.rx.forEach((qs, p) => {
      qs.forEach((_, q) => {
        out.push(...this.drainRx(p, q));
      });
    });
    return out;
  }

  /** Frames the switch sent to the wire since the last call, in order. */
  wireOut(): Uint8Array[] {
    this.collectWire();
    return this.wireFrames.splice(0);
  }

  /** Moves frames out of the wire-out ring (run() does it after every pass so it never fills). */
  private collectWire(): void {
    for (const d of this.wireOutRing.dequeue()) {
      const at = this.sl.bufBase + d.buf * this.sl.bufStride + d.off;
      this.wireFrames.push(this.layout.u8().slice(at, at + d.len));
      this.free.free(d.buf);
    }
  }

  counters(): SwitchCounters {
    return readCounters(this.sl, this.config);
  }

  /** Simulator resource drops (no free buffer, wire-out ring full): zero in a well-sized run. */
  resourceDrops(): { noBuffer: number; wireOutFull: number; badDescriptor: number; rxMissed: number } {
    return readResourceCounters(this.sl);
  }

  /** Frames the Tx fast path switched since creation (u32, wraps): tests check it is exercised. */
  fastPathFrames(): number {
    return this.layout.u32()[(this.sl.switchState + A.SS_FAST_FRAMES) >>> 2]!;
  }

  /** Frames the Rx (wire) fast path switched since creation (u32, wraps). */
  rxFastPathFrames(): number {
    return this.layout.u32()[(this.sl.switchState + A.SS_RX_FAST_FRAMES) >>> 2]!;
  }

  /** Per-frame trace since the last call (needs traceCapacity). */
  takeTrace(): TraceRecord[] {
    if (!this.trace) throw new Error("tracing is off (traceCapacity: 0)");
    const u32 = this.layout.u32();
    const dv = this.layout.dv();
    const st = this.sl.switchState;
    const n = u32[(st + A.SS_TRACE_COUNT) >>> 2];
    const out: TraceRecord[] = [];
    const early = this.earlyDrops.splice(0);
    let e = 0;
    for (let i = 0; i < n; i++) {
      while (e < early.length && early[e]!.at <= i) out.push(early[e++]!.record);
      const r = this.trace.offset + i * A.TRACE_BYTES;
      const src = dv.getUint8(r + 4);
      out.push({
        source: src === 0xff ? "wire" : src,
        dropped: DROP_REASONS[dv.getUint8(r + 5)] ?? null,
        toWire: dv.getUint8(r + 6) === 1,
        padded: dv.getUint8(r + 7) === 1,
        delivered: readPoolSet(dv, r + A.TR_DELIVERED),
        oversizeDropped: readPoolSet(dv, r + A.TR_OVERSIZE),
        noDescDropped: readPoolSet(dv, r + A.TR_NO_DESC),
      });
    }
    while (e < early.length) out.push(early[e++]!.record);
    u32[(st + A.SS_TRACE_COUNT) >>> 2] = 0;
    return out;
  }
}
