// The port of libucl's ucl_maybe_parse_number(): each case is traced through the C source
// (src/ucl_parser.c, vstakhov/libucl) by hand; the comment says which branch decides it.
import { describe, expect, it } from "vitest";
import { parseUcl, type UclObject, type UclValue } from "../../src/nic/ucl.ts";
import { lexUclNumber } from "../../src/nic/ucl-number.ts";

function value(text: string): UclValue {
  const r = parseUcl(`k = ${text};\n`);
  if (!r.ok) throw new Error(`unexpected syntax error ${JSON.stringify(r.error)}`);
  return (r.root as UclObject).entries[0].value;
}
const show = (v: UclValue) =>
  v.kind === "string"
    ? `string ${v.value}`
    : v.kind === "int" || v.kind === "float" || v.kind === "time"
      ? `${v.kind} ${v.value}`
      : v.kind;

describe("libucl's number lexer", () => {
  it("a trailing dot is a float: strtod takes '1.' whole", () => {
    expect(show(value("1."))).toBe("float 1");
    expect(show(value("1.e2"))).toBe("float 100");
  });

  it("bytes multipliers truncate a float first (lv = dv)", () => {
    expect(show(value("1.5kb"))).toBe("int 1024");
    expect(show(value("1.5k"))).toBe("float 1500");
  });

  it("a time suffix on a hex number leaves the integer (allow_double is off after 'x')", () => {
    expect(show(value("0x2ms"))).toBe("int 2");
    expect(show(value("0x2min"))).toBe("int 2");
    expect(show(value("0x2h"))).toBe("int 2");
    expect(show(value("0x2k"))).toBe("int 2000");
  });

  it("an 'x' after digits starts the hex digits over (c = p + 1)", () => {
    expect(show(value("1x5"))).toBe("int 5");
    expect(show(value("12x10"))).toBe("int 16");
  });

  it("a multiplier that overflows int64 wraps as the C multiplication does", () => {
    expect(show(value("9223372036854775807k"))).toBe(
      `int ${BigInt.asIntN(64, 9223372036854775807n * 1000n)}`,
    );
  });

  it("strtod's ERANGE, overflow and underflow, is libucl's 'numeric value out of range'", () => {
    for (const t of ["1e400", "1e-400", "-1e-320", "0x10000000000000000", "-9223372036854775809"]) {
      expect(lexUclNumber(t, 0), t).toBe("erange");
      const r = parseUcl(`k = ${t};\n`);
      expect(r.ok ? null : r.error, t).toMatchObject({
        errno: "ERANGE",
        message: `numeric value out of range: ${t}`,
      });
    }
    // An all-zero mantissa is 0 without ERANGE; the smallest normal double is in range.
    expect(show(value("0e-400"))).toBe("float 0");
    expect(show(value("2.3e-308"))).toBe("float 2.3e-308");
  });

  it("not numbers: the value is a string", () => {
    for (const t of ["0x", "1e", "1e+", "0x1.5", "1..2", "1ee2", "-x", "3kb2"]) {
      expect(show(value(t)), t).toBe(`string ${t}`);
    }
  });
});
