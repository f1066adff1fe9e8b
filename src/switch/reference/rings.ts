// Receive ring occupancy model (spec §5.1, §5.4, §5.5). The NIC owns descriptors from head up
// to (not including) tail: free = (tail - head) mod N; head == tail means no buffers, so at
// most N-1 are usable. The driver gives descriptors back by advancing tail.
import type { Delivery } from "../config.ts";

export interface RxRingState {
  /** N, descriptors in the ring. */
  size: number;
  /** Next descriptor the NIC writes (advanced by the NIC). */
  head: number;
  /** Software's tail (advanced by the driver when it posts buffers). */
  tail: number;
  /** Frames written and not yet taken by the driver, oldest first. */
  pending: Delivery[];
}

/** A ring with every buffer posted: tail = N-1 (one slot stays empty). */
export function newRxRing(size: number): RxRingState {
  return { size, head: 0, tail: size - 1, pending: [] };
}

export function freeDescriptors(r: Pick<RxRingState, "size" | "head" | "tail">): number {
  return (((r.tail - r.head) % r.size) + r.size) % r.size;
}

/** Descriptors a frame of `len` bytes takes: ceil(len / bufferSize), at least 1. */
export function descriptorsFor(len: number, bufferSize: number): number {
  return Math.max(1, Math.ceil(len / bufferSize));
}

/** Descriptor write-back for one frame: DD on each descriptor, EOP only on the last (§5.2). */
export function writeBackFlags(descriptors: number): Array<{ dd: boolean; eop: boolean }> {
  return Array.from({ length: descriptors }, (_, i) => ({ dd: true, eop: i === descriptors - 1 }));
}

/** Take `n` descriptors for a frame; false (and no change) when fewer are free. */
export function takeDescriptors(r: RxRingState, n: number): boolean {
  if (freeDescriptors(r) < n) return false;
  r.head = (r.head + n) % r.size;
  return true;
}

/** The driver processes every pending frame and re-posts their buffers (tail advances). */
export function drainRing(r: RxRingState): Delivery[] {
  const frames = r.pending;
  r.pending = [];
  const used = frames.reduce((n, d) => n + d.descriptors, 0);
  r.tail = (r.tail + used) % r.size;
  return frames;
}
