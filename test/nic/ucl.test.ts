import { describe, expect, it } from "vitest";
import { lexNumber, libuclOrder, parseUcl, type UclObject, type UclValue } from "../../src/nic/ucl.ts";

function root(text: string): UclObject {
  const r = parseUcl(text);
  if (!r.ok) throw new Error(`unexpected syntax error ${JSON.stringify(r.error)}`);
  return r.root;
}

function value(text: string): UclValue {
  return root(`k = ${text}\n`).entries[0].value;
}

function syntaxError(text: string) {
  const r = parseUcl(text);
  if (r.ok) throw new Error("expected a syntax error");
  return r.error;
}

describe("UCL structure", () => {
  it("parses sections with {, : { and = {, keeping positions", () => {
    const r = root('PF { device: "ixl0"; num_vfs: 2; }\nDEFAULT : {\n  passthrough = true\n}\nVF-0 = { }\n');
    expect(r.entries.map((e) => e.key)).toEqual(["PF", "DEFAULT", "VF-0"]);
    expect(r.entries[0].keyPos).toEqual({ line: 1, column: 1 });
    const pf = r.entries[0].value as UclObject;
    expect(pf.entries.map((e) => [e.key, e.keyPos, e.value.pos])).toEqual([
      ["device", { line: 1, column: 6 }, { line: 1, column: 14 }],
      ["num_vfs", { line: 1, column: 22 }, { line: 1, column: 31 }],
    ]);
    const def = r.entries[1].value as UclObject;
    expect(def.entries[0].keyPos).toEqual({ line: 3, column: 3 });
    expect(def.entries[0].value).toMatchObject({ kind: "bool", value: true, pos: { line: 3, column: 17 } });
  });

  it("ends entries with ;, , or a newline, and accepts sections back to back", () => {
    const r = root("PF { a = 1, b = 2; c = 3\n d = 4 } VF-2 { }");
    const pf = r.entries[0].value as UclObject;
    expect(pf.entries.map((e) => e.key)).toEqual(["a", "b", "c", "d"]);
    expect(r.entries[1].key).toBe("VF-2");
  });

  it("accepts a whole-file object in braces and quoted keys", () => {
    const r = root('{ "PF": { "device": "ixl0" } }');
    expect(r.entries[0].key).toBe("PF");
  });

  it("after the whole-file braces takes separators and space only", () => {
    expect(root('{ "PF": { "device": "ixl0" } } ;, ;\n').entries[0].key).toBe("PF");
    expect(syntaxError('{ PF { device: "ixl0" } }\n; x')).toMatchObject({
      line: 2,
      column: 3,
      message: "unexpected 'x' after the closing '}' of the top-level object",
    });
  });

  it("accepts `key value` without separator, and a value on the next line once the key has ended", () => {
    const r = root("PF \n{\n device ixl0\n}\n");
    expect((r.entries[0].value as UclObject).entries[0].value).toMatchObject({
      kind: "string",
      value: "ixl0",
      quoted: false,
    });
  });

  it("an unquoted key ends only at a blank, ':' or '=' (libucl's KEY_SEP), as libucl checks", () => {
    // Each was run through libucl: "invalid character in a key" / "unexpected '=' character".
    for (const [text, line, column] of [
      ["PF{ device: ixl0 }", 1, 3],
      ["PF\n{ device: ixl0 }", 1, 3],
      ["PF\r\n{ device: ixl0 }", 1, 3],
      ["PF { dev@ice: 1 }", 1, 9],
      ["PF { device# c\n: 1 }", 1, 12],
    ] as const) {
      expect(syntaxError(text), JSON.stringify(text)).toMatchObject({
        line,
        column,
        message: expect.stringContaining("invalid character"),
      });
    }
    expect(syntaxError("PF { device")).toMatchObject({ message: expect.stringContaining("unfinished key") });
    for (const text of ["PF { device = = ixl0 }", "PF { device : : ixl0 }", "PF { device := ixl0 }"]) {
      expect(syntaxError(text).message, text).toMatch(/^unexpected '[:=]' character/);
    }
    // A blank ends the key; comments may sit between the key and its value.
    expect(root("PF\t{ }\nVF-0 /* c */ = { }\n").entries.map((e) => e.key)).toEqual(["PF", "VF-0"]);
  });

  it("keeps duplicate keys in file order and iterates them like libucl", () => {
    const r = root("A { }\nB { }\nA { x = 1 }\n");
    expect(r.entries.map((e) => e.key)).toEqual(["A", "B", "A"]);
    expect(libuclOrder(r.entries).map((e) => `${e.key}@${e.keyPos.line}`)).toEqual(["A@1", "A@3", "B@2"]);
  });

  it("skips # and nested /* */ comments", () => {
    const r = root("# top\nPF { # trailing\n  /* outer /* inner */ still comment */ device: ixl0 # c\n}\n");
    const pf = r.entries[0].value as UclObject;
    expect(pf.entries[0].value).toMatchObject({ kind: "string", value: "ixl0" });
  });

  it("'//' is not a comment, as in libucl: where a key starts it is a key, inside a bare value it is text", () => {
    const pf = root('PF { // the PF\n device: "ixl0" }').entries[0].value as UclObject;
    expect(pf.entries.map((e) => [e.key, e.value.kind === "string" ? e.value.value : e.value.kind])).toEqual([
      ["//", "the PF"],
      ["device", "ixl0"],
    ]);
    expect(value("true // note")).toMatchObject({ kind: "string", value: "true // note" });
    expect(value("/dev/iov/ixl0")).toMatchObject({ kind: "string", value: "/dev/iov/ixl0" });
  });

  it("a byte order mark and other non-ASCII characters are key characters, as in libucl", () => {
    expect(root("\uFEFFPF { device: ixl0 }\n").entries.map((e) => e.key)).toEqual(["\uFEFFPF"]);
    expect(root("VF-0 { clé = 1 }\n").entries[0].value).toMatchObject({ entries: [{ key: "clé" }] });
  });

  it("numbers as libucl's lexer takes them: else the value is a string, as iovctl then reports", () => {
    const kind = (t: string) => {
      const v = value(t);
      return v.kind === "string" ? `string ${v.value}` : v.kind;
    };
    // A plain number may be followed by blanks before the end of the value...
    expect(kind("3 # c")).toBe("int");
    expect(kind("3 ;")).toBe("int");
    expect(kind("1.5 ")).toBe("float");
    expect(kind("0x1f ")).toBe("int");
    // ... a suffixed one must end it at once (ucl_maybe_parse_number: EINVAL, then a string).
    expect(kind("3k")).toBe("int");
    expect(kind("3k # c")).toBe("string 3k");
    expect(kind("3kb ;")).toBe("string 3kb");
    expect(kind("10s ")).toBe("string 10s");
    expect(kind("2d")).toBe("time");
    // A /* comment is not a value end for the number lexer: the value is the string before it.
    expect(kind("2 /* c */")).toBe("string 2");
    // A CRLF line end is a value end.
    expect((parseUcl("k = 3k\r\n") as { ok: true; root: UclObject }).root.entries[0].value.kind).toBe("int");
    // null, nan and inf are case-sensitive words.
    expect(kind("null")).toBe("null");
    expect(kind("NULL")).toBe("string NULL");
    expect(kind("nan")).toBe("float");
    expect(kind("inf")).toBe("float");
  });

  it("parses arrays", () => {
    expect(value('[1, two, "3"]')).toMatchObject({
      kind: "array",
      items: [{ kind: "int" }, { kind: "string" }, { kind: "string", quoted: true }],
    });
  });
});

describe("UCL literals", () => {
  it("double-quoted strings with escapes, single-quoted strings", () => {
    expect(value('"a\\tb\\n\\"q\\" \\u0041 \\/"')).toMatchObject({
      kind: "string",
      value: 'a\tb\n"q" A /',
      quoted: true,
    });
    expect(value("'it\\'s \\n raw'")).toMatchObject({ kind: "string", value: "it's \\n raw", quoted: true });
  });

  it("bare words are strings with trailing blanks trimmed", () => {
    expect(value("ixl0   ")).toMatchObject({ kind: "string", value: "ixl0", quoted: false });
    expect(value("02:aa:00:00:00:02")).toMatchObject({ kind: "string", value: "02:aa:00:00:00:02" });
    expect(value("yes please")).toMatchObject({ kind: "string", value: "yes please" });
  });

  it("booleans in every spelling and case; quoted booleans stay strings", () => {
    for (const [t, v] of [
      ["true", true],
      ["YES", true],
      ["On", true],
      ["false", false],
      ["no", false],
      ["OFF", false],
    ] as const) {
      expect(value(t)).toMatchObject({ kind: "bool", value: v });
    }
    expect(value('"true"')).toMatchObject({ kind: "string", value: "true", quoted: true });
    expect(value("null")).toMatchObject({ kind: "null" });
  });

  it("integers: decimal, hex, negative, k/kb/m/mb/g/gb multipliers", () => {
    const int = (t: string) => (value(t) as { value: bigint }).value;
    expect(int("42")).toBe(42n);
    expect(int("0x1f")).toBe(31n);
    expect(int("0X4")).toBe(4n);
    expect(int("-1")).toBe(-1n);
    expect(int("2k")).toBe(2000n);
    expect(int("2kb")).toBe(2048n);
    expect(int("3M")).toBe(3000000n);
    expect(int("1mb")).toBe(1048576n);
    expect(int("1g")).toBe(1000000000n);
    expect(int("1GB")).toBe(1073741824n);
    expect(value('"4"')).toMatchObject({ kind: "string", value: "4" });
  });

  it("floats and times", () => {
    expect(value("2.9")).toMatchObject({ kind: "float", value: 2.9 });
    expect(value("1e3")).toMatchObject({ kind: "float", value: 1000 });
    expect(value("1min")).toMatchObject({ kind: "time", value: 60 });
    expect(value("2h")).toMatchObject({ kind: "time", value: 7200 });
    expect(value("500ms")).toMatchObject({ kind: "time", value: 0.5 });
    expect(value("10s")).toMatchObject({ kind: "time", value: 10 });
    expect(value("1.5k")).toMatchObject({ kind: "float", value: 1500 });
  });

  it("things that look numeric but are not are strings", () => {
    expect(value("12abc")).toMatchObject({ kind: "string" });
    expect(value("+5")).toMatchObject({ kind: "string" });
    expect(value("1.2.3")).toMatchObject({ kind: "string" });
    expect(lexNumber("0x")).toBeNull();
  });

  it("int64 overflow is a located syntax error, as in libucl", () => {
    expect(syntaxError("k = 9223372036854775808\n")).toMatchObject({
      line: 1,
      column: 5,
      message: expect.stringContaining("out of range"),
    });
    expect(value("9223372036854775807")).toMatchObject({ kind: "int", value: 9223372036854775807n });
  });
});

describe("UCL syntax errors are located", () => {
  it("unterminated object (E20)", () => {
    const e = syntaxError('PF { device: "ixl0"; num_vfs: 2 ');
    expect(e.message).toBe("expected '}' before end of file (to close '{' at line 1, column 4)");
    expect(e.line).toBe(1);
    expect(e.column).toBe(33);
  });

  it("unterminated string, bad escape, newline in string", () => {
    expect(syntaxError('PF { device: "ixl0 }')).toMatchObject({
      line: 1,
      column: 14,
      message: expect.stringContaining("unterminated string"),
    });
    // libucl drops the backslash of an unknown escape ("a\\qb" is "aqb"); a control character
    // in a string, even a tab, is an error (both checked by running libucl).
    expect(value('"a\\qb"')).toMatchObject({ kind: "string", value: "aqb" });
    expect(value('"a\\x41"')).toMatchObject({ kind: "string", value: "ax41" });
    expect(value("a\\;b")).toMatchObject({ kind: "string", value: "a;b" });
    expect(syntaxError('k = "a\tb"')).toMatchObject({
      line: 1,
      column: 7,
      message: expect.stringContaining("control character"),
    });
    expect(syntaxError('k = "a\nb"')).toMatchObject({
      line: 1,
      column: 7,
      message: expect.stringContaining("newline"),
    });
  });

  it("unterminated comment, stray brace, missing value, missing separator", () => {
    expect(syntaxError("PF { /* open\n")).toMatchObject({
      line: 1,
      column: 6,
      message: "unterminated '/*' comment",
    });
    expect(syntaxError("}\n")).toMatchObject({
      line: 1,
      column: 1,
      message: "unexpected '}' without a matching '{'",
    });
    expect(syntaxError("PF { device: ; }")).toMatchObject({
      line: 1,
      column: 14,
      message: "missing value for key 'device'",
    });
    expect(syntaxError('PF { a = "x" b = 2 }')).toMatchObject({
      line: 1,
      column: 14,
      message: expect.stringContaining("expected ';'"),
    });
  });

  it("macros and heredocs are rejected clearly", () => {
    // .include needs a file to read from (ucl-include.test.ts); the other macros are refused.
    expect(syntaxError('.include "x.conf"\n').message).toContain(
      ".include is only simulated in a configuration read from a file",
    );
    expect(syntaxError(".priority 5\n").message).toContain(
      "libucl's .priority macro is not simulated by iovsim (FreeBSD's iovctl would run it)",
    );
    expect(syntaxError("k = <<EOD\nx\nEOD\n").message).toContain("heredoc");
  });

  it("deep nesting is an error, not a stack overflow", () => {
    const e = syntaxError(`${"a { ".repeat(200)}${"} ".repeat(200)}`);
    expect(e.message).toContain("nested deeper");
  });
});
