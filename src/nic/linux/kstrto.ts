// The kernel's string-to-number parsers used by the sysfs stores (lib/kstrtox.c, lib/vsprintf.c):
// kstrtou16/kstrtouint (optional '+', base 0 = 0x hex / 0 octal / decimal, one trailing '\n'),
// kstrtobool, and the "%u" conversion of sscanf.
import type { LinuxErrno } from "./errno.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; errno: LinuxErrno };

function digitValue(c: string): number {
  const code = c.toLowerCase().charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return 99;
}

/** _kstrtoull then a range check; `max` is the type's maximum (0xffff for u16). */
export function kstrtoul(buf: string, base: 0 | 10 | 16, max: number): Parsed<number> {
  let s = buf;
  if (s.startsWith("+")) s = s.slice(1);
  let radix: number = base;
  if (base === 0) {
    if (s[0] === "0" && s[1]?.toLowerCase() === "x" && s.length > 2 && digitValue(s[2]) < 16) radix = 16;
    else if (s[0] === "0") radix = 8;
    else radix = 10;
  }
  if (radix === 16 && s[0] === "0" && s[1]?.toLowerCase() === "x") s = s.slice(2);
  let value = 0n;
  let n = 0;
  let overflow = false;
  while (n < s.length && digitValue(s[n]) < radix) {
    value = value * BigInt(radix) + BigInt(digitValue(s[n]));
    if (value > 0xffffffffffffffffn) overflow = true;
    n++;
  }
  if (overflow) return { ok: false, errno: "ERANGE" };
  if (n === 0) return { ok: false, errno: "EINVAL" };
  let rest = s.slice(n);
  if (rest.startsWith("\n")) rest = rest.slice(1);
  if (rest.length > 0) return { ok: false, errno: "EINVAL" };
  if (value > BigInt(max)) return { ok: false, errno: "ERANGE" };
  return { ok: true, value: Number(value) };
}

/** kstrtobool: y/Y/1/on → true, n/N/0/off → false, anything else EINVAL. */
export function kstrtobool(buf: string): Parsed<boolean> {
  const c0 = buf[0];
  if (c0 === "y" || c0 === "Y" || c0 === "1") return { ok: true, value: true };
  if (c0 === "n" || c0 === "N" || c0 === "0") return { ok: true, value: false };
  if (c0 === "o" || c0 === "O") {
    const c1 = buf[1];
    if (c1 === "n" || c1 === "N") return { ok: true, value: true };
    if (c1 === "f" || c1 === "F") return { ok: true, value: false };
  }
  return { ok: false, errno: "EINVAL" };
}

/**
 * The kernel's sscanf with a format of "%u" conversions separated by spaces: returns the values
 * converted before the first mismatch (leading whitespace skipped, no sign, values wrap to u32).
 */
export function sscanfUints(buf: string, count: number): number[] {
  const out: number[] = [];
  let s = buf;
  for (let i = 0; i < count; i++) {
    s = s.replace(/^\s+/, "");
    const m = /^[0-9]+/.exec(s);
    if (!m) break;
    out.push(Number(BigInt(m[0]) & 0xffffffffn));
    s = s.slice(m[0].length);
  }
  return out;
}

/**
 * The kernel's sscanf with "%x" conversions separated by spaces (new_id's "%x %x %x %x %x %x
 * %lx"): whitespace skipped before each, an optional 0x, hex digits; values wrap to `bits`.
 * Returns the values converted before the first mismatch.
 */
export function sscanfHex(buf: string, count: number, sep = " ", bits: number[] = []): number[] {
  const out: number[] = [];
  let s = buf;
  for (let i = 0; i < count; i++) {
    if (i > 0 && sep !== " ") {
      if (!s.startsWith(sep)) break;
      s = s.slice(sep.length);
    }
    s = s.replace(/^\s+/, "");
    const m = /^(0[xX])?([0-9a-fA-F]+)/.exec(s);
    if (!m) break;
    const mask = (1n << BigInt(bits[i] ?? 32)) - 1n;
    out.push(Number(BigInt(`0x${m[2]}`) & mask));
    s = s.slice(m[0].length);
  }
  return out;
}
