// Byte-array helpers shared by the frame builders, the capture readers and the reference model.

/** The parts (byte arrays or arrays of byte values) one after another in one new array. */
export function concatBytes(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
