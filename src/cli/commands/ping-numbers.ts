// ping's numeric options read as FreeBSD's ping(8) reads them (sbin/ping/ping.c): what ping.c
// refuses is refused here with ping's message. -c goes through strtonum(3) (base 10, whole
// string, 1..LONG_MAX); -i through strtod(3) (whole string). iovsim keeps its exit status 1 for
// bad usage (ping.c exits 64, EX_USAGE) and its own, narrower ranges, named when exceeded.
import { UserError } from "../../errors.ts";

/** C's isspace() in the C locale: strtoll and strtod skip these before the number, not after. */
const C_SPACE = "[ \\t\\n\\v\\f\\r]*";
/** What strtonum accepts: strtoll base 10 consuming the whole string. */
const STRTONUM = new RegExp(`^${C_SPACE}[+-]?\\d+$`);
/** strtod's decimal form, whole string. */
const STRTOD_DECIMAL = new RegExp(`^${C_SPACE}[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$`);
/** strtod's hexadecimal form (C99), whole string; the binary exponent is optional. */
const STRTOD_HEX = new RegExp(
  `^${C_SPACE}([+-]?)0[xX]([0-9a-fA-F]*)(?:\\.([0-9a-fA-F]*))?(?:[pP]([+-]?\\d+))?$`,
);
/** strtod's inf, infinity and nan (nan(chars) too), any case. */
const STRTOD_SPECIAL = new RegExp(`^${C_SPACE}[+-]?(inf|infinity|nan(\\([0-9A-Za-z_]*\\))?)$`, "i");
const LONG_MAX = 2n ** 63n - 1n;

/** -c/--count: ping.c `strtonum(optarg, 1, LONG_MAX, &errstr)`, then iovsim's own upper bound. */
export function pingCount(v: string | undefined, def: number, max: number): number {
  if (v === undefined) return def;
  const refused = () => new UserError("E_USAGE", `ping: invalid count of packets to transmit: \`${v}'`);
  if (!STRTONUM.test(v)) throw refused();
  const n = BigInt(v.trim());
  if (n < 1n || n > LONG_MAX) throw refused();
  if (n > BigInt(max)) throw new UserError("E_USAGE", `-c/--count: '${v}' is not an integer in 1..${max}`);
  return Number(n);
}

/** strtod's value when it consumes the whole string, else undefined (ping.c's `*ep || ep == optarg`). */
export function strtod(v: string): number | undefined {
  if (STRTOD_DECIMAL.test(v)) return Number(v.trim());
  const hex = STRTOD_HEX.exec(v);
  if (hex) {
    const [, sign, whole, frac = "", exp = "0"] = hex;
    if (whole === "" && frac === "") return undefined; // "0x" alone: strtod reads the 0, leaves "x"
    const mantissa = Number.parseInt(`${whole}${frac}` || "0", 16);
    const value = mantissa * 2 ** (Number(exp) - 4 * frac.length);
    return sign === "-" ? -value : value;
  }
  if (STRTOD_SPECIAL.test(v)) {
    const s = v.trim().toLowerCase();
    if (s.includes("nan")) return Number.NaN;
    return s.startsWith("-") ? -Infinity : Infinity;
  }
  return undefined;
}

/**
 * --interval-ms: ping.c reads -i with strtod and refuses what strtod does not consume whole
 * (`invalid timing interval`); the range (milliseconds, not ping's seconds) is iovsim's.
 */
export function pingIntervalMs(v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = strtod(v);
  if (n === undefined) throw new UserError("E_USAGE", `ping: invalid timing interval: \`${v}'`);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UserError("E_USAGE", `--interval-ms: '${v}' is not a number in ${min}..${max}`);
  return n;
}

/**
 * -i/--interval WAIT: ping(8)'s own option, in seconds (fractional), read as ping.c reads it
 * (strtod whole; `invalid timing interval`); iovsim's range is --interval-ms's, in seconds.
 * Not below 1 s for root only, as ping.c has it: the simulated pinger may send faster.
 */
export function pingIntervalSeconds(v: string, minMs: number, maxMs: number): number {
  const n = strtod(v);
  if (n === undefined) throw new UserError("E_USAGE", `ping: invalid timing interval: \`${v}'`);
  const ms = n * 1000;
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs)
    throw new UserError(
      "E_USAGE",
      `-i/--interval: '${v}' is not a number of seconds in ${minMs / 1000}..${maxMs / 1000}`,
    );
  // Decimal seconds to milliseconds without binary noise (0.2 s is 200 ms, not 200.00000000000003).
  return Number(ms.toPrecision(12));
}
