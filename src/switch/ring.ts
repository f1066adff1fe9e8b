// JavaScript side of the SPSC descriptor rings and the free-buffer stack (ABI in README.md).
// Producer: write descriptors, then publish tail once (Atomics.store = release). Consumer:
// Atomics.load tail (acquire), read, then publish head once.
import * as A from "../../assembly/abi.ts";
import type { Layout, RingInfo } from "./layout.ts";

export interface Descriptor {
  buf: number;
  off: number;
  len: number;
  hash: number;
  tci: number;
  flags: number;
  info: number;
}

export class RingView {
  readonly info: RingInfo;
  private readonly layout: Layout;
  private readonly w: number; // word index of the ring header

  constructor(layout: Layout, info: RingInfo) {
    this.layout = layout;
    this.info = info;
    this.w = info.offset >>> 2;
  }

  private get i32(): Int32Array {
    return new Int32Array(this.layout.memory.buffer);
  }

  head(): number {
    return Atomics.load(this.i32, this.w + (A.R_HEAD >>> 2)) >>> 0;
  }
  tail(): number {
    return Atomics.load(this.i32, this.w + (A.R_TAIL >>> 2)) >>> 0;
  }
  count(): number {
    return (this.tail() - this.head()) >>> 0;
  }
  /** Descriptors the producer may still write (limit - count). */
  free(): number {
    return Math.max(0, this.info.limit - this.count());
  }
  drops(): number {
    return this.layout.u32()[this.w + (A.R_DROPS >>> 2)];
  }

  private descAddr(index: number): number {
    return this.info.offset + A.RING_HDR_BYTES + (index & (this.info.capacity - 1)) * A.DESC_BYTES;
  }

  /** Producer: writes as many descriptors as fit and publishes them; returns how many. */
  enqueue(descs: readonly Descriptor[]): number {
    const n = Math.min(descs.length, this.free());
    if (n === 0) return 0;
    const dv = this.layout.dv();
    let t = this.tail();
    for (let i = 0; i < n; i++, t++) writeDescriptor(dv, this.descAddr(t), descs[i]);
    Atomics.store(this.i32, this.w + (A.R_TAIL >>> 2), t | 0);
    return n;
  }

  /** Consumer: takes up to `max` descriptors and publishes the new head. */
  dequeue(max = Number.POSITIVE_INFINITY): Descriptor[] {
    const h0 = this.head();
    const n = Math.min(max, (this.tail() - h0) >>> 0);
    const out: Descriptor[] = [];
    const dv = this.layout.dv();
    for (let i = 0; i < n; i++) out.push(readDescriptor(dv, this.descAddr(h0 + i)));
    if (n > 0) Atomics.store(this.i32, this.w + (A.R_HEAD >>> 2), (h0 + n) | 0);
    return out;
  }
}

export function writeDescriptor(dv: DataView, at: number, d: Descriptor): void {
  dv.setUint32(at + A.D_BUF, d.buf, true);
  dv.setUint16(at + A.D_OFF, d.off, true);
  dv.setUint16(at + A.D_LEN, d.len, true);
  dv.setUint32(at + A.D_HASH, d.hash >>> 0, true);
  dv.setUint16(at + A.D_TCI, d.tci, true);
  dv.setUint8(at + A.D_FLAGS, d.flags);
  dv.setUint8(at + A.D_INFO, d.info);
}

export function readDescriptor(dv: DataView, at: number): Descriptor {
  return {
    buf: dv.getUint32(at + A.D_BUF, true),
    off: dv.getUint16(at + A.D_OFF, true),
    len: dv.getUint16(at + A.D_LEN, true),
    hash: dv.getUint32(at + A.D_HASH, true),
    tci: dv.getUint16(at + A.D_TCI, true),
    flags: dv.getUint8(at + A.D_FLAGS),
    info: dv.getUint8(at + A.D_INFO),
  };
}

/** The single-writer free-buffer stack (`[count][cap][pad][u32 index...]`). */
export class FreeStack {
  private readonly layout: Layout;
  readonly offset: number;
  constructor(layout: Layout, offset: number) {
    this.layout = layout;
    this.offset = offset;
  }
  count(): number {
    return this.layout.u32()[(this.offset + A.FS_COUNT) >>> 2];
  }
  alloc(): number | null {
    const u32 = this.layout.u32();
    const c = u32[(this.offset + A.FS_COUNT) >>> 2];
    if (c === 0) return null;
    u32[(this.offset + A.FS_COUNT) >>> 2] = c - 1;
    return u32[((this.offset + A.FS_ENTRIES) >>> 2) + c - 1];
  }
  /** Pops `n` buffers (fewer when the stack holds fewer) into `out`, in alloc() order. */
  allocMany(n: number, out: number[]): void {
    const u32 = this.layout.u32();
    const c = u32[(this.offset + A.FS_COUNT) >>> 2];
    const take = Math.min(n, c);
    const top = ((this.offset + A.FS_ENTRIES) >>> 2) + c - 1;
    for (let i = 0; i < take; i++) out.push(u32[top - i]);
    u32[(this.offset + A.FS_COUNT) >>> 2] = c - take;
  }
  free(idx: number): void {
    const u32 = this.layout.u32();
    const c = u32[(this.offset + A.FS_COUNT) >>> 2];
    if (c >= u32[(this.offset + A.FS_CAP) >>> 2])
      throw new Error("free stack overflow (buffer freed twice?)");
    u32[((this.offset + A.FS_ENTRIES) >>> 2) + c] = idx;
    u32[(this.offset + A.FS_COUNT) >>> 2] = c + 1;
  }
}
