// A bounds-checked view of one frame. The parser asks `has(off, n)` before every read; a read
// outside the frame is a parser bug, so it throws (the robustness tests prove it never does).
export class FrameReader {
  readonly bytes: Uint8Array;
  readonly len: number;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.len = bytes.length;
  }
  /** True when bytes [off, off+n) lie inside the frame and before `end` (default: frame end). */
  has(off: number, n: number, end: number = this.len): boolean {
    return off >= 0 && n >= 0 && off + n <= Math.min(end, this.len);
  }
  private check(off: number, n: number): void {
    if (!this.has(off, n))
      throw new RangeError(`parser read [${off}, ${off + n}) outside a ${this.len}-byte frame`);
  }
  u8(off: number): number {
    this.check(off, 1);
    return this.bytes[off];
  }
  u16(off: number): number {
    this.check(off, 2);
    return (this.bytes[off] << 8) | this.bytes[off + 1];
  }
  u24(off: number): number {
    this.check(off, 3);
    return (this.bytes[off] << 16) | (this.bytes[off + 1] << 8) | this.bytes[off + 2];
  }
  u32(off: number): number {
    this.check(off, 4);
    return (
      ((this.bytes[off] << 24) |
        (this.bytes[off + 1] << 16) |
        (this.bytes[off + 2] << 8) |
        this.bytes[off + 3]) >>>
      0
    );
  }
  mac(off: number): string {
    this.check(off, 6);
    return Array.from(this.bytes.subarray(off, off + 6), (b) => b.toString(16).padStart(2, "0")).join(":");
  }
  ipv4(off: number): string {
    this.check(off, 4);
    return Array.from(this.bytes.subarray(off, off + 4)).join(".");
  }
  ipv6(off: number): string {
    this.check(off, 16);
    return formatIpv6(this.bytes.subarray(off, off + 16));
  }
}

/** RFC 5952 text form: lower case, no leading zeros, the longest (first) run of ≥ 2 zero groups as "::". */
export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) keep the dotted quad, as
  // RFC 5952 §5 and inet_ntop (so tshark) write them.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? "ffff:" : ""}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
