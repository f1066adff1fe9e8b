// Burst injection from the wire for the steering runs: copies up to a burst of frames straight
// into free buffers and the wire-in ring, publishing the ring's tail once (WasmSwitch.injectWire
// queues each frame in JavaScript and enqueues it alone). The switch's thread only: it is the
// free stack's single writer and the wire-in ring's producer.
import * as A from "../../assembly/abi.ts";
import { HEADROOM, type WasmSwitch } from "../switch/nic.ts";

/**
 * Puts frames[from..to) into the wire-in ring as far as the ring and the buffer pool allow.
 * Returns how many went in (the caller runs the switch and offers the rest again).
 */
export function injectWireBurst(
  sw: WasmSwitch,
  frames: readonly Uint8Array[],
  from: number,
  to: number,
): number {
  const ring = sw.sl.wireIn;
  const room = Math.min(sw.wireIn.free(), sw.free.count(), to - from);
  if (room <= 0) return 0;
  const mem = sw.memory.buffer;
  const u8 = new Uint8Array(mem);
  const dv = new DataView(mem);
  const i32 = new Int32Array(mem);
  const { bufBase, params } = sw.sl;
  const cap = params.bufSize - HEADROOM - 8;
  const tailWord = (ring.offset + A.R_TAIL) >>> 2;
  let t = Atomics.load(i32, tailWord) >>> 0;
  const mask = ring.capacity - 1;
  const descBase = ring.offset + A.RING_HDR_BYTES;
  for (let i = 0; i < room; i++, t++) {
    const f = frames[from + i]!;
    const buf = sw.free.alloc()!;
    // A frame longer than a buffer keeps its true length (the switch drops it as oversize on
    // its header alone); only the bytes that fit are stored.
    u8.set(f.length > cap ? f.subarray(0, cap) : f, bufBase + buf * params.bufSize + HEADROOM);
    const d = descBase + (t & mask) * A.DESC_BYTES;
    dv.setUint32(d + A.D_BUF, buf, true);
    dv.setUint16(d + A.D_OFF, HEADROOM, true);
    dv.setUint16(d + A.D_LEN, Math.min(f.length, 0xffff), true);
    dv.setUint32(d + A.D_HASH, 0, true);
    dv.setUint32(d + A.D_TCI, 0, true); // TCI, flags, info
  }
  Atomics.store(i32, tailWord, t | 0);
  return room;
}
