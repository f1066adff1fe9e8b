// Region pointers cached from the header by init(). Wasm globals are per instance, so every
// worker calls init() on its own instance; the memory they point into is shared.
import {
  ABI_MAGIC, ABI_VERSION, H_MAGIC, H_VERSION, H_BUF_BASE, H_BUF_SIZE, H_BUF_STRIDE, H_BUF_COUNT, H_BUF_HEADROOM,
  H_SWITCH_CFG, H_POOL_CFG, H_NUM_POOLS, H_MAC_TABLE, H_MAC_SLOTS, H_VFTA, H_MTA, H_UTA, H_VLAN_POOLS,
  H_CNT_POOL, H_CNT_QUEUE, H_CNT_PORT, H_RING_DIR, H_RING_COUNT, H_SWITCH_STATE, H_SCRATCH, H_TUNNEL_PORTS, H_SHADOW,
} from "./abi";

export let gHdr: usize = 0;
export let gBufBase: usize = 0;
export let gBufSize: u32 = 0;
export let gBufStride: u32 = 0;
export let gBufCount: u32 = 0;
export let gHeadroom: u32 = 0;
export let gSwitchCfg: usize = 0;
export let gPoolCfg: usize = 0;
export let gNumPools: u32 = 0;
export let gMacTable: usize = 0;
export let gMacMask: u32 = 0;
export let gVfta: usize = 0;
export let gMta: usize = 0;
export let gUta: usize = 0;
export let gVlanPools: usize = 0;
export let gCntPool: usize = 0;
export let gCntQueue: usize = 0;
export let gCntPort: usize = 0;
export let gRingDir: usize = 0;
export let gRingCount: u32 = 0;
export let gSwitchState: usize = 0;
export let gScratch: usize = 0;
export let gTunnelPorts: usize = 0;
export let gShadow: usize = 0;

@inline function slot(i: i32): u32 {
  return load<u32>(gHdr + (<usize>i << 2));
}

/** Caches the header's region pointers. Returns 0, or 1 for a bad magic, 2 for a bad version. */
export function init(header: usize): i32 {
  gHdr = header;
  if (slot(H_MAGIC) != <u32>ABI_MAGIC) return 1;
  if (slot(H_VERSION) != <u32>ABI_VERSION) return 2;
  gBufBase = slot(H_BUF_BASE);
  gBufSize = slot(H_BUF_SIZE);
  gBufStride = slot(H_BUF_STRIDE);
  gBufCount = slot(H_BUF_COUNT);
  gHeadroom = slot(H_BUF_HEADROOM);
  gSwitchCfg = slot(H_SWITCH_CFG);
  gPoolCfg = slot(H_POOL_CFG);
  gNumPools = slot(H_NUM_POOLS);
  gMacTable = slot(H_MAC_TABLE);
  gMacMask = slot(H_MAC_SLOTS) - 1;
  gVfta = slot(H_VFTA);
  gMta = slot(H_MTA);
  gUta = slot(H_UTA);
  gVlanPools = slot(H_VLAN_POOLS);
  gCntPool = slot(H_CNT_POOL);
  gCntQueue = slot(H_CNT_QUEUE);
  gCntPort = slot(H_CNT_PORT);
  gRingDir = slot(H_RING_DIR);
  gRingCount = slot(H_RING_COUNT);
  gSwitchState = slot(H_SWITCH_STATE);
  gScratch = slot(H_SCRATCH);
  gTunnelPorts = slot(H_TUNNEL_PORTS);
  gShadow = slot(H_SHADOW);
  return 0;
}

export function abiVersion(): u32 {
  return <u32>ABI_VERSION;
}

export function heapBase(): usize {
  return __heap_base;
}

/** Address of buffer `idx`. */
@inline export function bufAddr(idx: u32): usize {
  return gBufBase + <usize>idx * <usize>gBufStride;
}

/** Ring offset of ring `id`. */
@inline export function ringAt(id: u32): usize {
  return load<u32>(gRingDir + (<usize>id << 2));
}

/** Address of the 16-byte descriptor of frame `i` of a burst from `head` (ring of mask `m`). */
@inline export function descAt(desc: usize, m: u32, head: u32, i: u32): usize {
  return desc + (<usize>((head + i) & m) << 4);
}

/** Whether a descriptor names a buffer of the pool with room for a minimum frame at `off`. */
@inline export function bufOk(buf: u32, off: u32): bool {
  return buf < gBufCount && off + 64 <= gBufSize;
}

/** Big-endian u16 at p. */
@inline export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

/** Big-endian u32 at p. */
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
