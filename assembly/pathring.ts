// Ring and buffer helpers shared by the path elements (inlined; no exports to JS).
import { R_HEAD, R_TAIL, R_MASK, R_DESC, R_LIMIT, DESC_BYTES, D_BUF, D_OFF, D_LEN, H_BUF_BASE, H_BUF_SIZE, H_BUF_STRIDE } from "./abi";
import { X_HDR } from "./pathabi";

@inline export function rHead(r: usize): u32 { return atomic.load<u32>(r + R_HEAD); }
@inline export function rTail(r: usize): u32 { return atomic.load<u32>(r + R_TAIL); }
@inline export function rMask(r: usize): u32 { return load<u32>(r + R_MASK); }
@inline export function rDesc(r: usize, idx: u32): usize {
  return <usize>load<u32>(r + R_DESC) + <usize>((idx & rMask(r)) * DESC_BYTES);
}
/** Free slots a producer may fill: up to the ring's limit R_LIMIT (<= capacity; a NIC ring's
 *  limit is what the NIC may have outstanding), the same rule as the switch's ringFree. */
@inline export function rSpace(r: usize): u32 {
  const used = load<u32>(r + R_TAIL) - rHead(r);
  const limit = load<u32>(r + R_LIMIT);
  return used >= limit ? 0 : limit - used;
}
/** Descriptors a consumer may take. */
@inline export function rAvail(r: usize): u32 { return rTail(r) - load<u32>(r + R_HEAD); }
@inline export function rPublishTail(r: usize, n: u32): void { atomic.store<u32>(r + R_TAIL, load<u32>(r + R_TAIL) + n); }
@inline export function rPublishHead(r: usize, n: u32): void { atomic.store<u32>(r + R_HEAD, load<u32>(r + R_HEAD) + n); }

@inline export function bufBase(ctx: usize): usize { return load<u32>(<usize>load<u32>(ctx + X_HDR) + (H_BUF_BASE << 2)); }
/** Bytes of room in a buffer (what a frame and its headroom may use). */
@inline export function bufSize(ctx: usize): u32 { return load<u32>(<usize>load<u32>(ctx + X_HDR) + (H_BUF_SIZE << 2)); }
/** Bytes from one buffer to the next (buffer i is at bufBase + i * bufStride). */
@inline export function bufStride(ctx: usize): u32 { return load<u32>(<usize>load<u32>(ctx + X_HDR) + (H_BUF_STRIDE << 2)); }
@inline export function frameAddr(base: usize, stride: u32, d: usize): usize {
  return base + <usize>(load<u32>(d + D_BUF) * stride) + <usize>load<u16>(d + D_OFF);
}
@inline export function descLen(d: usize): u32 { return load<u16>(d + D_LEN); }

/**
 * Pushes up to `n` buffers of `from`'s descriptors [start, start+n) onto return ring `ret`
 * (descriptor copies). Returns how many fit; a return ring sized like the pool never fills.
 */
export function returnBuffers(ret: usize, buf: u32): bool {
  if (ret == 0) return true;
  if (rSpace(ret) == 0) return false;
  const tail = load<u32>(ret + R_TAIL);
  store<u32>(rDesc(ret, tail) + D_BUF, buf);
  atomic.store<u32>(ret + R_TAIL, tail + 1);
  return true;
}
