// TypeScript owns the shared memory: this module assigns every region (header, buffers, rings,
// tables, counters) and writes the header block the kernels read. Kernels allocate nothing.
// Regions are added by name; addresses never move once assigned (the memory only grows).
import * as A from "../../assembly/abi.ts";

export * as abi from "../../assembly/abi.ts";

export const PAGE = 65536;

export interface Region {
  name: string;
  offset: number;
  bytes: number;
}

export interface RingInfo {
  id: number;
  offset: number;
  capacity: number;
  kind: number;
  owner: number;
  queue: number;
  limit: number;
}

/** A bump allocator over one WebAssembly.Memory, starting above the module's __heap_base. */
export class Layout {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  private next: number;
  private readonly regions = new Map<string, Region>();
  readonly rings: RingInfo[] = [];
  /** Header block (first region). */
  readonly header: number;
  private readonly ringDirCapacity: number;
  private ringDir = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number, opts: { maxRings?: number } = {}) {
    this.memory = memory;
    this.base = align(heapBase, 4096);
    this.next = this.base;
    this.header = this.addRegion("header", A.HEADER_BYTES, 64).offset;
    this.ringDirCapacity = opts.maxRings ?? 1024;
    this.ringDir = this.addRegion("ring-dir", this.ringDirCapacity * 4, 64).offset;
    const h = this.u32();
    h[(this.header >>> 2) + A.H_MAGIC] = A.ABI_MAGIC;
    h[(this.header >>> 2) + A.H_VERSION] = A.ABI_VERSION;
    h[(this.header >>> 2) + A.H_HEADER_BYTES] = A.HEADER_BYTES;
    this.setHeader(A.H_RING_DIR, this.ringDir);
  }

  /**
   * Reserves `bytes` aligned to `alignment`; grows the memory when needed. Zeroed unless `zero`
   * is false (the memory may be reused between runs; large buffer areas need no clearing).
   */
  addRegion(name: string, bytes: number, alignment = 64, zero = true): Region {
    if (this.regions.has(name)) throw new Error(`layout: region "${name}" already exists`);
    if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`layout: bad size for "${name}": ${bytes}`);
    const offset = align(this.next, alignment);
    const end = offset + bytes;
    this.ensure(end);
    if (zero) new Uint8Array(this.memory.buffer, offset, bytes).fill(0);
    this.next = end;
    const r = { name, offset, bytes };
    this.regions.set(name, r);
    if (this.header !== undefined) this.setHeader(A.H_END, this.next);
    return r;
  }

  region(name: string): Region {
    const r = this.regions.get(name);
    if (!r) throw new Error(`layout: no region "${name}"`);
    return r;
  }

  hasRegion(name: string): boolean {
    return this.regions.has(name);
  }

  allRegions(): Region[] {
    return [...this.regions.values()];
  }

  /** Capacity of the ring directory (rings this layout can hold). */
  get maxRings(): number {
    return this.ringDirCapacity;
  }

  get end(): number {
    return this.next;
  }

  /** Creates an SPSC descriptor ring and registers it in the ring directory. */
  addRing(name: string, capacity: number, kind: number, owner = 0, queue = 0, limit = capacity): RingInfo {
    if (capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new Error(`layout: ring "${name}" capacity ${capacity} is not a power of two >= 2`);
    }
    const id = this.rings.length;
    if (id >= this.ringDirCapacity) throw new Error(`layout: more than ${this.ringDirCapacity} rings`);
    const r = this.addRegion(`ring:${name}`, A.RING_HDR_BYTES + capacity * A.DESC_BYTES, 64);
    const h = this.u32();
    const w = r.offset >>> 2;
    h[w + (A.R_MASK >>> 2)] = capacity - 1;
    h[w + (A.R_DESC >>> 2)] = r.offset + A.RING_HDR_BYTES;
    h[w + (A.R_ID >>> 2)] = id;
    h[w + (A.R_KIND >>> 2)] = kind;
    h[w + (A.R_OWNER >>> 2)] = owner;
    h[w + (A.R_QUEUE >>> 2)] = queue;
    h[w + (A.R_LIMIT >>> 2)] = Math.min(limit, capacity);
    h[(this.ringDir >>> 2) + id] = r.offset;
    const info = { id, offset: r.offset, capacity, kind, owner, queue, limit: Math.min(limit, capacity) };
    this.rings.push(info);
    this.setHeader(A.H_RING_COUNT, this.rings.length);
    return info;
  }

  setHeader(slot: number, value: number): void {
    this.u32()[(this.header >>> 2) + slot] = value >>> 0;
  }

  getHeader(slot: number): number {
    return this.u32()[(this.header >>> 2) + slot];
  }

  /** Views are recreated on demand because memory.grow replaces the buffer. */
  u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }
  u16(): Uint16Array {
    return new Uint16Array(this.memory.buffer);
  }
  u32(): Uint32Array {
    return new Uint32Array(this.memory.buffer);
  }
  i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
  u64(): BigUint64Array {
    return new BigUint64Array(this.memory.buffer);
  }
  dv(): DataView {
    return new DataView(this.memory.buffer);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    this.memory.grow(Math.ceil((end - have) / PAGE));
  }
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

// ---- Standard switch layout ------------------------------------------------------------------

export interface PoolShape {
  rxQueues: number;
  txQueues: number;
}

export interface SwitchLayoutParams {
  pools: PoolShape[]; // index = pool number (PF included)
  ringSize: number; // descriptors per VF/PF queue ring (power of two)
  wireRingSize: number;
  bufCount: number;
  bufSize: number; // power of two, >= largest frame + headroom
  headroom?: number;
  macSlots?: number; // power of two
}

export interface SwitchLayout {
  layout: Layout;
  params: SwitchLayoutParams;
  switchCfg: number;
  poolCfg: number;
  macTable: number;
  macSlots: number;
  vfta: number;
  mta: number;
  uta: number;
  vlanPools: number;
  cntPool: number;
  cntQueue: number;
  cntPort: number;
  switchState: number;
  freeStack: number;
  scratch: number;
  bufBase: number;
  /** Bytes from buffer i to buffer i+1 (bufferStride(params.bufSize)). */
  bufStride: number;
  rxRings: RingInfo[][]; // [pool][queue]
  txRings: RingInfo[][];
  wireIn: RingInfo;
  wireOut: RingInfo;
  reta: number[]; // per pool absolute offset
  toeplitz: number; // first toeplitz table (pool tables follow, one per pool)
  tunnelPorts: number;
}

export const RETA_MAX = 2048;

/** Bytes from one buffer to the next for buffers of `bufSize` bytes of room (assembly/abi.ts
 *  BUF_COLOUR_BYTES: one cache line more, so frames do not all start in the same cache sets). */
export function bufferStride(bufSize: number): number {
  return bufSize + A.BUF_COLOUR_BYTES;
}

/** Rings the standard switch layout creates for these pools: Rx + Tx per queue, wire in and out. */
export function ringsFor(pools: readonly PoolShape[]): number {
  return pools.reduce((n, p) => n + p.rxQueues + p.txQueues, 0) + 2;
}

/** Allocates the regions the switch kernels need and fills the header. */
export function buildSwitchLayout(layout: Layout, params: SwitchLayoutParams): SwitchLayout {
  const n = params.pools.length;
  if (n < 1 || n > A.MAX_POOLS) throw new Error(`layout: pool count ${n} not in 1..${A.MAX_POOLS}`);
  const headroom = params.headroom ?? 64;
  const bufSize = params.bufSize;
  if ((bufSize & (bufSize - 1)) !== 0) throw new Error(`layout: buffer size ${bufSize} not a power of two`);
  const macSlots = params.macSlots ?? 512;
  const L = layout;
  // Every queue of every pool has an Rx and a Tx ring, plus wire-in and wire-out: the ring
  // directory must have been sized for them (Layout's maxRings; see ringsFor()).
  const ringCount = ringsFor(params.pools);
  if (ringCount > L.maxRings)
    throw new Error(`layout: ${ringCount} rings do not fit a ring directory of ${L.maxRings}`);
  const switchCfg = L.addRegion("switch-cfg", A.SWITCH_CFG_BYTES).offset;
  const poolCfg = L.addRegion("pool-cfg", n * A.POOL_CFG_BYTES).offset;
  const macTable = L.addRegion("mac-table", macSlots * A.MAC_SLOT_BYTES).offset;
  const vfta = L.addRegion("vfta", 512).offset;
  const mta = L.addRegion("mta", 512).offset;
  const uta = L.addRegion("uta", 512).offset;
  const vlanPools = L.addRegion("vlan-pools", 4096 * A.POOL_SET_BYTES).offset;
  const tunnelPorts = L.addRegion("tunnel-ports", 64).offset;
  const reta: number[] = [];
  for (let p = 0; p < n; p++) reta.push(L.addRegion(`reta:${p}`, RETA_MAX).offset);
  const toeplitz = L.addRegion("toeplitz", n * A.TOEPLITZ_TABLE_BYTES, 64).offset;
  const cntPool = L.addRegion("counters-pool", n * A.POOL_CNT_WORDS * 8).offset;
  const cntPort = L.addRegion("counters-port", A.PORT_CNT_WORDS * 8).offset;
  const switchState = L.addRegion("switch-state", A.SWITCH_STATE_BYTES).offset;
  // The scratch area ends with the burst's dirty-ring list: one u32 per ring at most.
  const scratch = L.addRegion("scratch", Math.max(A.SCRATCH_BYTES, A.SCR_DIRTY + 4 * ringCount)).offset;
  const rxRings: RingInfo[][] = [];
  const txRings: RingInfo[][] = [];
  for (let p = 0; p < n; p++) {
    const shape = params.pools[p];
    rxRings.push([]);
    txRings.push([]);
    for (let q = 0; q < shape.rxQueues; q++) {
      rxRings[p].push(L.addRing(`rx:${p}:${q}`, params.ringSize, A.RING_KIND_RX, p, q));
    }
    for (let q = 0; q < shape.txQueues; q++) {
      txRings[p].push(L.addRing(`tx:${p}:${q}`, params.ringSize, A.RING_KIND_TX, p, q));
    }
  }
  const wireIn = L.addRing("wire-in", params.wireRingSize, A.RING_KIND_WIRE_IN, 0xff, 0);
  const wireOut = L.addRing("wire-out", params.wireRingSize, A.RING_KIND_WIRE_OUT, 0xff, 0);
  // Counters per ring id (Rx rings only are used; simpler to index by id).
  const cntQueue = L.addRegion("counters-queue", L.rings.length * A.QUEUE_CNT_WORDS * 8 + 64).offset;
  const shadow = L.addRegion("ring-shadow", L.rings.length * A.SH_BYTES + 64).offset;
  const freeStack = L.addRegion("free-stack", A.FS_ENTRIES + params.bufCount * 4).offset;
  // Not zeroed: frames are always written before they are read, and untouched pages stay uncommitted.
  const bufStride = bufferStride(bufSize);
  const bufBase = L.addRegion("buffers", params.bufCount * bufStride, 4096, false).offset;

  const u32 = L.u32();
  u32[(freeStack + A.FS_CAP) >>> 2] = params.bufCount;
  // All buffers start free, lowest index on top.
  for (let i = 0; i < params.bufCount; i++)
    u32[((freeStack + A.FS_ENTRIES) >>> 2) + i] = params.bufCount - 1 - i;
  u32[(freeStack + A.FS_COUNT) >>> 2] = params.bufCount;
  u32[(switchState + A.SS_FREE_STACK) >>> 2] = freeStack;
  u32[(switchState + A.SS_RETURN_RING) >>> 2] = 0xffffffff;

  for (let p = 0; p < n; p++) {
    const w = (poolCfg + p * A.POOL_CFG_BYTES) >>> 2;
    u32[w + (A.PC_RXQ >>> 2)] = params.pools[p].rxQueues;
    u32[w + (A.PC_RXRING >>> 2)] = rxRings[p][0]?.id ?? 0;
    u32[w + (A.PC_TXQ >>> 2)] = params.pools[p].txQueues;
    u32[w + (A.PC_TXRING >>> 2)] = txRings[p][0]?.id ?? 0;
    u32[w + (A.PC_RETA >>> 2)] = reta[p];
    u32[w + (A.PC_TOEPLITZ >>> 2)] = toeplitz + p * A.TOEPLITZ_TABLE_BYTES;
  }
  u32[(switchCfg + A.SC_NUM_POOLS) >>> 2] = n;
  u32[(switchCfg + A.SC_WIRE_IN) >>> 2] = wireIn.id;
  u32[(switchCfg + A.SC_WIRE_OUT) >>> 2] = wireOut.id;

  L.setHeader(A.H_BUF_BASE, bufBase);
  L.setHeader(A.H_BUF_SIZE, bufSize);
  L.setHeader(A.H_BUF_STRIDE, bufStride);
  L.setHeader(A.H_BUF_COUNT, params.bufCount);
  L.setHeader(A.H_BUF_HEADROOM, headroom);
  L.setHeader(A.H_SWITCH_CFG, switchCfg);
  L.setHeader(A.H_POOL_CFG, poolCfg);
  L.setHeader(A.H_NUM_POOLS, n);
  L.setHeader(A.H_MAC_TABLE, macTable);
  L.setHeader(A.H_MAC_SLOTS, macSlots);
  L.setHeader(A.H_VFTA, vfta);
  L.setHeader(A.H_MTA, mta);
  L.setHeader(A.H_UTA, uta);
  L.setHeader(A.H_VLAN_POOLS, vlanPools);
  L.setHeader(A.H_CNT_POOL, cntPool);
  L.setHeader(A.H_CNT_QUEUE, cntQueue);
  L.setHeader(A.H_CNT_PORT, cntPort);
  L.setHeader(A.H_SWITCH_STATE, switchState);
  L.setHeader(A.H_SCRATCH, scratch);
  L.setHeader(A.H_TUNNEL_PORTS, tunnelPorts);
  L.setHeader(A.H_SHADOW, shadow);
  return {
    layout,
    params: { ...params, headroom, macSlots },
    switchCfg,
    poolCfg,
    macTable,
    macSlots,
    vfta,
    mta,
    uta,
    vlanPools,
    cntPool,
    cntQueue,
    cntPort,
    switchState,
    freeStack,
    scratch,
    bufBase,
    bufStride,
    rxRings,
    txRings,
    wireIn,
    wireOut,
    reta,
    toeplitz,
    tunnelPorts,
  };
}
