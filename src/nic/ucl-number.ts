// libucl's number lexer, ucl_maybe_parse_number() (src/ucl_parser.c, vstakhov/libucl), ported
// step by step: which bare values are numbers, their type (UCL_INT / UCL_FLOAT / UCL_TIME) and
// value, and which are out of range (a syntax error that leaves errno = ERANGE).
// Called as ucl_lex_number() calls it: allow_double = true, number_bytes = false,
// allow_time = true; the lexer sees the rest of the file, not just the value.

export type LexedNumber =
  | { kind: "int"; value: bigint; end: number }
  | { kind: "float" | "time"; value: number; end: number };

/** EINVAL: not a number (libucl reads the value as a string); ERANGE: strtod/strtoimax overflow. */
export type NumberLexResult = LexedNumber | "einval" | "erange";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** DBL_MIN: FreeBSD's strtod (gdtoa) sets ERANGE for a result below it (underflow). */
const DBL_MIN = 2.2250738585072014e-308;

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isXdigit = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
/** UCL_CHARACTER_VALUE_END in ucl_chartable.h. */
const isAtomEnd = (c: string | undefined) =>
  c === "\0" || c === "\n" || c === "\r" || c === "#" || c === "," || c === ";" || c === "]" || c === "}";
/** UCL_CHARACTER_WHITESPACE: space and tab only. */
const isBlank = (c: string | undefined) => c === " " || c === "\t";

/** ucl_lex_num_multiplier(). */
function numMultiplier(c: string, bytes: boolean): number {
  switch (c.toLowerCase()) {
    case "k":
      return bytes ? 1024 : 1000;
    case "m":
      return bytes ? 1024 * 1024 : 1000 * 1000;
    case "g":
      return bytes ? 1024 * 1024 * 1024 : 1000 * 1000 * 1000;
    default:
      return 1;
  }
}

/** ucl_lex_time_multiplier(). */
function timeMultiplier(c: string): number {
  const m: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  return m[c.toLowerCase()] ?? 1;
}

/** int64_t * long in C: two's complement wrap-around (what the compiled code does on overflow). */
const wrap64 = (v: bigint) => BigInt.asIntN(64, v);

/** (int64_t)double on amd64 (cvttsd2si): truncation; NaN or out of range gives INT64_MIN. */
export function doubleToInt64(d: number): bigint {
  if (!Number.isFinite(d) || d >= 2 ** 63 || d < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(d));
}

/** strtod() on the lexer's buffer: the value, how many characters it took, and ERANGE. */
function strtod(buf: string): { value: number; used: number; range: boolean } {
  const m = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(buf);
  if (!m) return { value: 0, used: 0, range: false };
  const value = Number(m[0]);
  const mantissa = m[0].replace(/[eE].*$/, "");
  const nonZero = /[1-9]/.test(mantissa);
  const range = !Number.isFinite(value) || (nonZero && Math.abs(value) < DBL_MIN);
  return { value, used: m[0].length, range };
}

/**
 * ucl_maybe_parse_number(obj, s + start, s + end, ...): lexes the number that starts at `start`.
 * On success `end` is where the lexer stopped (an atom end, after optional blanks, or the end).
 */
export function lexUclNumber(s: string, start: number, endIndex: number = s.length): NumberLexResult {
  const end = endIndex;
  let p = start;
  let c = start;
  let gotDot = false;
  let gotExp = false;
  let needDouble = false;
  let isTime = false;
  let validStart = false;
  let isHex = false;
  let allowDouble = true;
  const isNeg = s[p] === "-";
  if (isNeg) {
    c++;
    p++;
  }
  while (p < end) {
    const ch = s[p];
    if (isHex && isXdigit(ch)) p++;
    else if (isDigit(ch)) {
      validStart = true;
      p++;
    } else if (!isHex && (ch === "x" || ch === "X")) {
      isHex = true;
      allowDouble = false;
      c = p + 1;
      p++;
    } else if (allowDouble) {
      if (p === c) return "einval";
      if (ch === ".") {
        if (gotDot) return "einval";
        gotDot = true;
        needDouble = true;
        p++;
      } else if (ch === "e" || ch === "E") {
        if (gotExp) return "einval";
        gotExp = true;
        needDouble = true;
        p++;
        if (p >= end) return "einval";
        if (!isDigit(s[p]) && s[p] !== "+" && s[p] !== "-") return "einval";
        p++;
      } else break;
    } else if (ch === ".") return "einval";
    else break;
  }
  if (!validStart || p === c) return "einval";
  if (p - c + 1 >= 128) return "einval";

  const numbuf = (isNeg ? "-" : "") + s.slice(c, p);
  let dv = 0;
  let lv = 0n;
  let used: number;
  if (needDouble) {
    const r = strtod(numbuf);
    if (r.range) return "erange";
    dv = r.value;
    used = r.used;
  } else {
    // The buffer holds only (hex) digits after an optional '-': strtoimax takes all of it.
    const digits = numbuf.replace(/^-/, "");
    const magnitude = BigInt((isHex ? "0x" : "") + digits);
    lv = isNeg ? -magnitude : magnitude;
    if (lv > INT64_MAX || lv < INT64_MIN) return "erange";
    used = numbuf.length;
  }
  // Move endptr from the buffer back into the text.
  const endptr = c + used - (isNeg ? 1 : 0);

  const done = (q: number): LexedNumber => {
    if (allowDouble && (needDouble || isTime)) return { kind: isTime ? "time" : "float", value: dv, end: q };
    return { kind: "int", value: lv, end: q };
  };
  const endsHere = (q: number) => !(end - q > 0 && !isAtomEnd(s[q]));
  // A time suffix makes the number a double (seconds), as libucl's time suffixes do.
  const asTime = () => {
    if (!needDouble) {
      needDouble = true;
      dv = Number(lv);
    }
    isTime = true;
  };
  // A decimal multiplier (k, m, g) scales whichever of the two values the number is.
  const scale = (by: number) => {
    if (needDouble) dv *= by;
    else lv = wrap64(lv * BigInt(by));
  };

  if (endptr >= end) return done(end);
  if (isAtomEnd(s[endptr])) return done(endptr);
  if (endptr < end && endptr !== start) {
    p = endptr;
    const ch = s[p];
    switch (ch) {
      case "m":
      case "M":
      case "g":
      case "G":
      case "k":
      case "K":
        if (end - p >= 2) {
          const next = s[p + 1];
          if (next === "s" || next === "S") {
            asTime();
            if (ch === "m" || ch === "M") dv /= 1000;
            else dv *= numMultiplier(ch, false);
            p += 2;
            return endsHere(p) ? done(p) : "einval";
          }
          if (next === "b" || next === "B") {
            if (needDouble) {
              needDouble = false;
              lv = doubleToInt64(dv);
            }
            lv = wrap64(lv * BigInt(numMultiplier(ch, true)));
            p += 2;
            return endsHere(p) ? done(p) : "einval";
          }
          if (isAtomEnd(next)) {
            scale(numMultiplier(ch, false));
            return done(p + 1);
          }
          if (end - p >= 3 && s.slice(p, p + 3).toLowerCase() === "min") {
            asTime();
            dv *= 60;
            p += 3;
            return endsHere(p) ? done(p) : "einval";
          }
        } else {
          scale(numMultiplier(ch, false));
          p++;
          return endsHere(p) ? done(p) : "einval";
        }
        break;
      case "S":
      case "s":
        if (p === end - 1 || isAtomEnd(s[p + 1])) {
          asTime();
          return done(p + 1);
        }
        break;
      case "h":
      case "H":
      case "d":
      case "D":
      case "w":
      case "W":
      case "Y":
      case "y":
        if (p === end - 1 || isAtomEnd(s[p + 1])) {
          asTime();
          dv *= timeMultiplier(ch);
          return done(p + 1);
        }
        break;
      case "\t":
      case " ":
        while (p < end && isBlank(s[p])) p++;
        if (p === end || isAtomEnd(s[p])) return done(p);
        break;
    }
  }
  return "einval";
}
