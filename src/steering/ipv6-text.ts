// IPv6 addresses as testpmd reads and prints them. testpmd's flow parser reads an address with
// inet_pton(AF_INET6) (app/test-pmd/cmdline_flow.c parse_ipv6_addr); this is glibc's
// inet_pton6 (resolv/inet_pton.c) rule for rule, so what it refuses is refused here: at most
// one "::", 1-4 hex digits a group, a dotted IPv4 tail only as the last 32 bits (inet_pton4: four
// decimal parts 0..255, no leading zeros), no zone id ("%eth0"), no brackets, no prefix length.
// Printing is inet_ntop's (RFC 5952: lower case, the longest run of zero groups as "::", the
// IPv4-mapped and -compatible forms with a dotted quad), the reference parser's formatIpv6.
import { formatIpv6 } from "../switch/reference/reader.ts";

/** inet_pton4 on text that must be a whole dotted quad; the four bytes, or undefined. */
function pton4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** inet_pton(AF_INET6): the 16 bytes, or undefined where glibc returns 0. */
export function ptonIpv6(s: string): Uint8Array | undefined {
  if (s === "") return undefined;
  let src = 0;
  // A leading ':' must be the start of "::".
  if (s[0] === ":") {
    src = 1;
    if (s[1] !== ":") return undefined;
  }
  const out = new Uint8Array(16);
  let tp = 0;
  let colonp = -1;
  let curtok = src;
  let digits = 0;
  let val = 0;
  while (src < s.length) {
    const ch = s[src++]!;
    if (/^[0-9a-fA-F]$/.test(ch)) {
      if (digits === 4) return undefined;
      val = (val << 4) | Number.parseInt(ch, 16);
      digits++;
      continue;
    }
    if (ch === ":") {
      curtok = src;
      if (digits === 0) {
        if (colonp >= 0) return undefined; // a second "::" (or ":::")
        colonp = tp;
        continue;
      }
      if (src === s.length) return undefined; // a trailing single ':'
      if (tp + 2 > 16) return undefined;
      out[tp++] = val >> 8;
      out[tp++] = val & 0xff;
      digits = 0;
      val = 0;
      continue;
    }
    if (ch === "." && tp + 4 <= 16) {
      const v4 = pton4(s.slice(curtok));
      if (!v4) return undefined;
      out.set(v4, tp);
      tp += 4;
      digits = 0;
      src = s.length;
      break;
    }
    return undefined;
  }
  if (digits > 0) {
    if (tp + 2 > 16) return undefined;
    out[tp++] = val >> 8;
    out[tp++] = val & 0xff;
  }
  if (colonp >= 0) {
    if (tp === 16) return undefined; // "::" would stand for no group at all
    const n = tp - colonp;
    out.copyWithin(16 - n, colonp, tp);
    out.fill(0, colonp, 16 - n);
    tp = 16;
  }
  return tp === 16 ? out : undefined;
}

/** The address as inet_ntop prints it (RFC 5952), or undefined if inet_pton refuses the text. */
export function canonicalIpv6(s: string): string | undefined {
  const b = ptonIpv6(s);
  return b ? formatIpv6(b) : undefined;
}
