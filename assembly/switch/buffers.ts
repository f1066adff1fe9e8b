// Frame buffers: the switch thread's free stack, buffers of other threads sent home on their
// return rings, and the fast paths' copy into a fresh buffer (copy mode).
import {
  R_HEAD, R_TAIL, R_MASK, R_DESC, D_BUF, SS_FREE_STACK, SS_RETURN_RING, FS_COUNT, FS_ENTRIES,
  SS_NOWNERS, SS_OWNERS, SS_OWNER_BYTES, SO_LO, SO_HI, SO_RING, SO_STACK,
} from "../abi";
import { gBufSize, gHeadroom, gSwitchState, bufAddr, ringAt } from "../mem";
import { NONE } from "./config";

@inline export function freeStack(): usize {
  return <usize>load<u32>(gSwitchState + SS_FREE_STACK);
}
export function bufAlloc(): u32 {
  const s = freeStack();
  const c = load<u32>(s + FS_COUNT);
  if (c == 0) return NONE;
  store<u32>(s + FS_COUNT, c - 1);
  return load<u32>(s + FS_ENTRIES + (<usize>(c - 1) << 2));
}
/** Pushes buffer `idx` onto the free stack at `s` (FS_* layout; sized for all its buffers). */
@inline function stackPush(s: usize, idx: u32): void {
  const c = load<u32>(s + FS_COUNT);
  store<u32>(s + FS_ENTRIES + (<usize>c << 2), idx);
  store<u32>(s + FS_COUNT, c + 1);
}

/** The owner entry whose buffer range holds `idx`, or 0 (a buffer of this switch's own pool). */
@inline function ownerOf(idx: u32): usize {
  const owners = load<u32>(gSwitchState + SS_NOWNERS);
  for (let k: u32 = 0; k < owners; k++) {
    const e = gSwitchState + SS_OWNERS + <usize>k * SS_OWNER_BYTES;
    if (idx >= load<u32>(e + SO_LO) && idx < load<u32>(e + SO_HI)) return e;
  }
  return 0;
}

/** Frees buffer `idx` on a stack of this thread when it can: its owner's (true), or the switch's
 *  own when no owner's range holds it (true); false: another thread owns it (the return ring). */
@inline function freeOnThisThread(e: usize, idx: u32): bool {
  if (e == 0) {
    stackPush(freeStack(), idx);
    return true;
  }
  const home = <usize>load<u32>(e + SO_STACK);
  if (home == 0) return false;
  stackPush(home, idx); // the owner runs on this thread: straight onto its stack
  return true;
}

export function bufFree(idx: u32): void {
  const e = ownerOf(idx);
  if (freeOnThisThread(e, idx)) return;
  // Another thread's buffer: home on its return ring (sized for all of them, never full).
  const r = <usize>load<u32>(e + SO_RING);
  const t = load<u32>(r + R_TAIL);
  store<u32>(<usize>load<u32>(r + R_DESC) + (<usize>(t & load<u32>(r + R_MASK)) << 4) + D_BUF, idx);
  atomic.store<u32>(r + R_TAIL, t + 1);
}

// bufFreeInBurst's return ring with its tail not yet published (0: none). Owned by the switch
// thread, like the return rings it produces on; bufFreeFlush publishes it.
let pendRing: usize = 0;
let pendTail: u32 = 0;

/**
 * bufFree for a fast path's loop: a buffer going home is written on its owner's return ring but
 * the ring's tail is published once, by bufFreeFlush (one atomic store per run of frees instead
 * of one per buffer). The caller must flush before anything else frees or returns (bufFree
 * reads the published tail).
 */
@inline export function bufFreeInBurst(idx: u32): void {
  const e = ownerOf(idx);
  if (freeOnThisThread(e, idx)) return;
  const r = <usize>load<u32>(e + SO_RING);
  if (r != pendRing) {
    bufFreeFlush();
    pendRing = r;
    pendTail = load<u32>(r + R_TAIL);
  }
  store<u32>(<usize>load<u32>(r + R_DESC) + (<usize>(pendTail & load<u32>(r + R_MASK)) << 4) + D_BUF, idx);
  pendTail++;
}

/** Publishes the return-ring tail bufFreeInBurst left pending (store-release). */
export function bufFreeFlush(): void {
  if (pendRing == 0) return;
  atomic.store<u32>(pendRing + R_TAIL, pendTail);
  pendRing = 0;
}

/** Moves every buffer index waiting in the return ring (if any) onto the free stack. */
export function drainReturns(): void {
  const id = load<u32>(gSwitchState + SS_RETURN_RING);
  if (id == NONE) return;
  const r = ringAt(id);
  const head = load<u32>(r + R_HEAD);
  const tail = atomic.load<u32>(r + R_TAIL);
  const m = load<u32>(r + R_MASK);
  const desc = <usize>load<u32>(r + R_DESC);
  for (let i = head; i != tail; i++) bufFree(load<u32>(desc + (<usize>(i & m) << 4)));
  atomic.store<u32>(r + R_HEAD, tail);
}

/** Fast paths, copy mode: copies the frame into a fresh buffer (data at gHeadroom) and frees the
 *  original; returns the new buffer, or NONE (nothing changed) when no buffer is free. */
@inline export function fastCopy(buf: u32, off: u32, f: usize, len: u32, owned: bool): u32 {
  const stack = freeStack();
  const c = load<u32>(stack + FS_COUNT);
  if (c == 0) return NONE;
  const b = load<u32>(stack + FS_ENTRIES + (<usize>(c - 1) << 2)); // bufAlloc
  copyFrame(bufAddr(b) + gHeadroom, gHeadroom, f, off, len);
  if (owned) {
    store<u32>(stack + FS_COUNT, c - 1);
    bufFree(buf); // (copy mode with buffer owners only)
  } else store<u32>(stack + FS_ENTRIES + (<usize>(c - 1) << 2), buf); // bufAlloc then bufFree(buf)
  return b;
}

/** Copies a frame of `len` bytes into a fresh buffer: 16-byte vectors when both buffers have room. */
@inline export function copyFrame(dst: usize, dstOff: u32, src: usize, srcOff: u32, len: u32): void {
  const rounded = (len + 15) & ~15;
  if (srcOff + rounded <= gBufSize && dstOff + rounded <= gBufSize) {
    if (rounded == 64) {
      // A minimum-size frame (60 bytes): four vectors, no loop (V8 checks for interrupts on
      // every loop back-edge).
      const a = v128.load(src);
      const b = v128.load(src, 16);
      const c = v128.load(src, 32);
      const d = v128.load(src, 48);
      v128.store(dst, a);
      v128.store(dst, b, 16);
      v128.store(dst, c, 32);
      v128.store(dst, d, 48);
    } else {
      for (let i: u32 = 0; i < rounded; i += 16) v128.store(dst + i, v128.load(src + i));
    }
  } else {
    memory.copy(dst, src, len);
  }
}
