// libucl's `.include` in iovctl.conf, as checked by running libucl (vstakhov/libucl e4b95c6):
// paths are relative to the working directory, $CURDIR/$FILENAME are the including file's, the
// included entries join the object the macro is in, a missing file fails the whole file, and the
// chain is 16 files deep at most (UCL_MAX_RECURSION).
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandFileVars, parseUcl, type UclObject } from "../../src/nic/ucl.ts";
import { uclFileSource } from "../../src/nic/ucl-include.ts";

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "iovsim-ucl-include-")));
  mkdirSync(join(dir, "sub"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
function parseFile(name: string) {
  const file = join(dir, name);
  return parseUcl(readFileSync(file, "utf8"), uclFileSource(file));
}
const keys = (o: UclObject) => o.entries.map((e) => e.key);

describe(".include", () => {
  it("joins the included entries to the object it is in, at the top level and in a section", () => {
    write("sub/pf.inc", 'device: "ixl0"\nnum_vfs: 2\n');
    write("sub/vf.inc", "VF-0 { passthrough: true }\n");
    write("a.conf", `PF {\n  .include "${dir}/sub/pf.inc"\n}\n.include "${dir}/sub/vf.inc"\n`);
    const r = parseFile("a.conf");
    if (!r.ok) throw new Error(r.error.message);
    expect(keys(r.root)).toEqual(["PF", "VF-0"]);
    const pf = r.root.entries[0].value as UclObject;
    expect(keys(pf)).toEqual(["device", "num_vfs"]);
    // Positions inside an included file name it, as its .include wrote it.
    expect(pf.entries[1].keyPos).toEqual({ line: 2, column: 1, file: `${dir}/sub/pf.inc` });
    expect(r.root.entries[0].keyPos).toEqual({ line: 1, column: 1 });
  });

  it("a relative path is against the working directory, not the including file's directory", () => {
    write("sub/pf.inc", 'device: "ixl0"\n');
    write("sub/rel.inc", '.include "pf.inc"\n'); // libucl: 'cannot open file pf.inc'
    const fromCwd = relative(process.cwd(), join(dir, "sub/rel.inc"));
    write("a.conf", `PF { .include "${fromCwd}" }\n`);
    const r = parseFile("a.conf");
    expect(r).toMatchObject({
      ok: false,
      error: {
        file: fromCwd,
        line: 1,
        column: 10,
        message: "cannot open included file 'pf.inc': No such file or directory",
        strerror: "No such file or directory",
      },
    });
    write("sub/rel.inc", `.include "${relative(process.cwd(), join(dir, "sub/pf.inc"))}"\n`);
    expect(parseFile("a.conf").ok).toBe(true);
  });

  // `${NAME}` is libucl's braced variable, not a template: written through braced().
  const braced = (name: string) => `$\{${name}}`;
  it("$CURDIR and {FILENAME} (braced) are the including file's; $$ is '$' only beside a variable", () => {
    write("sub/pf.inc", 'device: "ixl0"\n');
    write("sub/b.inc", 'PF { .include "$CURDIR/pf.inc" }\n');
    write("a.conf", `.include "${braced("CURDIR")}/sub/b.inc"\n`);
    expect(parseFile("a.conf").ok).toBe(true);
    expect(expandFileVars("$CURDIR/x", "/d/e/f.conf")).toBe("/d/e/x");
    expect(expandFileVars(braced("FILENAME"), "/d/f.conf")).toBe("/d/f.conf");
    expect(expandFileVars("$CURDIRx", "/d/f.conf")).toBe("/dx");
    expect(expandFileVars("a$$b", "/d/f.conf")).toBe("a$$b");
    expect(expandFileVars("$CURDIR/a$$b", "/d/f.conf")).toBe("/d/a$b");
    expect(expandFileVars(`${braced("NOPE")}/$CURDIR`, "/d/f.conf")).toBe(`${braced("NOPE")}//d`);
  });

  it("an included file in braces takes separators after them, and nothing else", () => {
    write("sub/pf.inc", '{ device: "ixl0" } ;\n');
    write("a.conf", `PF { .include "${dir}/sub/pf.inc" }\n`);
    const r = parseFile("a.conf");
    if (!r.ok) throw new Error(r.error.message);
    expect(keys(r.root.entries[0].value as UclObject)).toEqual(["device"]);
    write("sub/pf.inc", '{ device: "ixl0" }\nnum_vfs: 2\n');
    expect(parseFile("a.conf")).toMatchObject({
      ok: false,
      error: {
        file: `${dir}/sub/pf.inc`,
        line: 2,
        column: 1,
        message: "unexpected 'n' after the closing '}' of the top-level object",
      },
    });
  });

  it("an error in an included file names that file, line and column", () => {
    write("sub/bad.inc", "PF {\n  device: \n}\n");
    write("a.conf", `# x\n.include "${dir}/sub/bad.inc"\n`);
    expect(parseFile("a.conf")).toMatchObject({
      ok: false,
      error: { file: `${dir}/sub/bad.inc`, line: 3, column: 1, message: "missing value for key 'device'" },
    });
  });

  it("a missing or non-regular file fails the whole file, unless (try=true)", () => {
    write("a.conf", `PF {\n  .include "${dir}/none.inc"\n  device: x\n}\n`);
    expect(parseFile("a.conf")).toMatchObject({
      ok: false,
      error: { line: 2, column: 12, strerror: "No such file or directory" },
    });
    expect(parseFile("a.conf")).not.toHaveProperty("error.file");
    write("b.conf", '.include "/dev/zero"\n');
    expect(parseFile("b.conf")).toMatchObject({
      ok: false,
      error: { message: "cannot open included file '/dev/zero': not a regular file" },
    });
    write(
      "c.conf",
      `.include(try=true) "${dir}/none.inc"\n.include(try = true, priority = 3) "/dev/zero"\nPF { device: x }\n`,
    );
    const r = parseFile("c.conf");
    if (!r.ok) throw new Error(r.error.message);
    expect(keys(r.root)).toEqual(["PF"]);
  });

  it("a file including itself, an include cycle and more than 16 files deep are errors", () => {
    write("self.conf", '.include "$FILENAME"\n');
    expect(parseFile("self.conf")).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("includes itself") },
    });
    write("x.conf", `.include "${dir}/y.conf"\n`);
    write("y.conf", `.include "${dir}/x.conf"\n`);
    expect(parseFile("x.conf")).toMatchObject({
      ok: false,
      error: {
        message: expect.stringMatching(/^maximum include nesting limit is reached: 17 .*include cycle/),
      },
    });
    // libucl: the file plus 15 nested includes is fine, 16 nested fail (checked by running it).
    for (let i = 0; i < 16; i++) write(`n${i}.inc`, `.include "${dir}/n${i + 1}.inc"\n`);
    write("n16.inc", "PF { device: x }\n");
    write("ok.conf", `.include "${dir}/n2.inc"\n`);
    expect(parseFile("ok.conf").ok).toBe(true);
    write("deep.conf", `.include "${dir}/n1.inc"\n`);
    expect(parseFile("deep.conf")).toMatchObject({
      ok: false,
      error: {
        file: `${dir}/n15.inc`,
        message: expect.stringMatching(/^maximum include nesting limit is reached: 17/),
      },
    });
  });

  it("refuses what it does not simulate, saying so", () => {
    const refused: [string, string][] = [
      ['.include(glob=true) "x"', "the .include parameter 'glob' is not simulated by iovsim"],
      ['.include(bogus=1) "x"', "unknown .include parameter 'bogus' (libucl ignores it"],
      ['.include(try=1) "x"', ".include parameter try must be true or false"],
      ['.include(priority=high) "x"', ".include parameter priority must be an integer"],
      ['.try_include "x"', "use .include(try=true)"],
      [".load x", "libucl's .load macro is not simulated"],
      ['.nope "x"', "unknown macro '.nope'"],
      [".include { x }", "a { } body after .include is not simulated"],
      [".include ;", "missing file name after .include"],
    ];
    for (const [text, message] of refused) {
      write("r.conf", `${text}\nPF { device: x }\n`);
      const r = parseFile("r.conf");
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.error.message, text).toContain(message);
    }
  });
});
