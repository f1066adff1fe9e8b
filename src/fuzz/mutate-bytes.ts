// Byte-level mutations shared by the frame and capture campaigns: bit flips, interesting
// values, truncation, extension, insertion/deletion, splices of a range from another input and
// overwrites of length-like fields with boundary values (the "lying length" case).
import { concatBytes as concat } from "../bytes.ts";
import type { Rng } from "./prng.ts";

const INTERESTING8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x81, 0x88, 0x86, 0x08, 0x06, 0xdd, 0xa8];
const INTERESTING32 = [
  0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 0x10000, 0xffff, 65535, 65536, 12, 16, 28,
];

export interface ByteMutationOptions {
  /** Byte offsets where a u16/u32 length-like field may sit (overwritten with boundary values). */
  fieldOffsets?: number[];
  /** Largest output (extension stops there). */
  maxLength?: number;
}

/** Applies 1..4 random mutations to a copy of `input`; `donors` supply splice material. */
export function mutateBytes(
  r: Rng,
  input: Uint8Array,
  donors: readonly Uint8Array[],
  opts: ByteMutationOptions = {},
): Uint8Array {
  let b: Uint8Array = input.slice();
  const maxLength = opts.maxLength ?? 16384;
  const rounds = r.int(1, 4);
  for (let k = 0; k < rounds; k++) {
    const op = r.int(0, 10);
    if (b.length === 0 && op !== 3 && op !== 6) {
      b = r.bytes(r.int(1, 64));
      continue;
    }
    switch (op) {
      case 0: // bit flips
        for (let i = r.int(1, 8); i > 0; i--) b[r.int(0, b.length - 1)]! ^= 1 << r.int(0, 7);
        break;
      case 1: // interesting byte
        b[r.int(0, b.length - 1)] = r.pick(INTERESTING8);
        break;
      case 2: // truncation
        b = b.slice(0, r.int(0, b.length - 1));
        break;
      case 3: {
        // extension: zeros, random bytes or a repeat of the tail
        const n = Math.min(r.pick([1, 2, 4, 8, 64, 1500, 9000]), Math.max(0, maxLength - b.length));
        const ext = r.bool() ? new Uint8Array(n) : r.bytes(n);
        const out = new Uint8Array(b.length + n);
        out.set(b);
        out.set(ext, b.length);
        b = out;
        break;
      }
      case 4: {
        // insert a few bytes in the middle (shifts every later field)
        const at = r.int(0, b.length);
        const ins = r.bool() ? Uint8Array.of(0x81, 0x00, r.int(0, 255), r.int(0, 255)) : r.bytes(r.int(1, 8));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 5: {
        // delete a range
        const at = r.int(0, b.length - 1);
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + r.int(1, 16))));
        break;
      }
      case 6: {
        // splice: a header-sized range of a donor, at the same offset (a field from another frame)
        if (donors.length === 0) break;
        const d = r.pick(donors);
        if (d.length === 0) break;
        const at = r.int(0, Math.min(d.length, 96) - 1);
        const n = r.int(1, Math.min(40, d.length - at));
        if (b.length < at + n) {
          const out = new Uint8Array(Math.min(maxLength, at + n));
          out.set(b.subarray(0, out.length));
          b = out;
        }
        b.set(d.subarray(at, at + Math.min(n, b.length - at)), at);
        break;
      }
      case 7: {
        // splice a donor's tail after our head (a header from one input, payload of another)
        if (donors.length === 0) break;
        const d = r.pick(donors);
        b = concat(b.subarray(0, r.int(0, b.length)), d.subarray(r.int(0, d.length))).slice(0, maxLength);
        break;
      }
      case 8:
      case 9: {
        // overwrite a length-like field with a boundary value (u16 or u32, either byte order)
        const offs = opts.fieldOffsets ?? [];
        const at = offs.length > 0 && r.bool(0.8) ? r.pick(offs) : r.int(0, b.length - 1);
        const v = r.pick(INTERESTING32) + (r.bool(0.2) ? r.int(-4, 4) : 0);
        const width = r.bool() ? 2 : 4;
        const le = r.bool();
        for (let i = 0; i < width && at + i < b.length; i++) {
          const shift = 8 * (le ? i : width - 1 - i);
          b[at + i] = (v >>> shift) & 0xff;
        }
        break;
      }
      default: {
        // duplicate a chunk in place (repeated headers, repeated options)
        const at = r.int(0, b.length - 1);
        const chunk = b.slice(at, at + r.int(1, 32));
        b = concat(b.subarray(0, at), chunk, b.subarray(at)).slice(0, maxLength);
      }
    }
  }
  return b;
}
