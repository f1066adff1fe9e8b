import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, csvRow, parseCsv, toCsv } from "../../src/report/csv.ts";

describe("RFC 4180 CSV", () => {
  it("quotes only fields that need it, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(1.5)).toBe("1.5");
    expect(csvField(true)).toBe("true");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(() => csvField(Number.NaN)).toThrow(/finite/);
    expect(csvRow(["x", 2, "y,z"])).toBe('x,2,"y,z"');
  });

  it("ends every record with CRLF and rejects a row of the wrong width", () => {
    expect(toCsv(["a", "b"], [[1, "x"]])).toBe("a,b\r\n1,x\r\n");
    expect(() => toCsv(["a", "b"], [[1]])).toThrow(/row 1 has 1 fields, the header has 2/);
  });

  it("round-trips any text through toCsv and parseCsv", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 2 }), { maxLength: 5 }),
        (rows) => {
          const doc = toCsv(["h1", "h2"], rows);
          expect(parseCsv(doc)).toEqual([["h1", "h2"], ...rows]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("parseCsv is strict", () => {
  it("refuses what RFC 4180 does not allow, naming line and column", () => {
    expect(() => parseCsv("a,b\n1,2\n")).toThrow(/line 1, column 4: a bare LF/);
    expect(() => parseCsv("a,b\r\n1,2\r")).toThrow(/line 2, column 4: a bare CR/);
    expect(() => parseCsv('a,b\r\n1,x"y\r\n')).toThrow(/line 2, column 4: a quote inside an unquoted field/);
    expect(() => parseCsv('a,b\r\n"1"2,3\r\n')).toThrow(/line 2, column 4: "2" after a closing quote/);
    expect(() => parseCsv('a,b\r\n"1,2\r\n')).toThrow(/unterminated quoted field/);
    expect(() => parseCsv("a,b\r\n1\r\n")).toThrow(/line 2, column 1: record has 1 fields, the header has 2/);
    expect(() => parseCsv("# comment\r\na,b\r\n1,2\r\n")).toThrow(
      /line 2.*record has 2 fields, the header has 1/,
    );
  });

  it("accepts quoted commas, quotes, CR and LF, and a last record without CRLF", () => {
    expect(parseCsv('a,b\r\n"x,""y""","1\r\n2"\r\n')).toEqual([
      ["a", "b"],
      ['x,"y"', "1\r\n2"],
    ]);
    expect(parseCsv("a,b\r\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(parseCsv('a\r\n""\r\n')).toEqual([["a"], [""]]);
  });
});
