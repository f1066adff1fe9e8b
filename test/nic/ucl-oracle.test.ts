// Differential test against real libucl: test/fixtures/ucl/libucl-oracle.json holds, for each
// case, what libucl (vstakhov/libucl e4b95c6, run by scripts/ucl-oracle.c) made of it, as
// FreeBSD's iovctl iterates it. Our parser must agree except where a documented divergence
// (docs/iovctl.md, "The UCL subset") is named in the case.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cString } from "../../src/nic/iovctl-parse.ts";
import { libuclIterate, parseUcl, type UclEntry, type UclSource, type UclValue } from "../../src/nic/ucl.ts";

interface OracleCase {
  text: string;
  libucl: string[];
  divergence?: string;
}
const cases: OracleCase[] = JSON.parse(
  readFileSync(new URL("../fixtures/ucl/libucl-oracle.json", import.meta.url), "utf8"),
);

const esc = (s: string) =>
  [...s]
    .map((c) => {
      const n = c.charCodeAt(0);
      return n < 32 || n === 127 ? `\\x${n.toString(16).padStart(2, "0")}` : c;
    })
    .join("");

function show(v: UclValue): string {
  switch (v.kind) {
    case "int":
      return `int ${v.value}`;
    case "float":
    case "time":
      return `${v.kind} ${Number.isNaN(v.value) ? "nan" : v.value === Number.POSITIVE_INFINITY ? "inf" : v.value}`;
    case "string":
      // The harness prints the C string, as iovctl reads it: up to a NUL ("\u0000").
      return `string [${esc(cString(v.value))}]`;
    case "bool":
      return `bool ${v.value ? 1 : 0}`;
    default:
      return v.kind;
  }
}

/**
 * The harness runs each case as a file in an empty directory: our parser gets a file of its own
 * (`$FILENAME`) in a directory holding only it, where "." is that directory and nothing else exists.
 */
const CASE_FILE = "/oracle/case.conf";
const caseSource: UclSource = {
  realpath: CASE_FILE,
  read: (path) =>
    path === CASE_FILE
      ? { ok: true, realpath: CASE_FILE, text: "" }
      : path === "." || path === "/oracle"
        ? { ok: false, missing: false, why: "not a regular file" }
        : {
            ok: false,
            missing: true,
            why: "No such file or directory",
            strerror: "No such file or directory",
          },
};

/** What the harness prints, for our parser. */
function ours(text: string): string[] {
  const r = parseUcl(text, caseSource);
  if (!r.ok) return [r.error.errno === "ERANGE" ? "ERANGE" : "ERR"];
  const lines: string[] = [];
  const walk = (entries: UclEntry[], depth: number) => {
    for (const e of libuclIterate(entries)) {
      lines.push(`${"  ".repeat(depth)}<${cString(e.key)}> ${show(e.value)}`);
      if (e.value.kind === "object" && depth === 0) walk(e.value.entries, 1);
    }
  };
  walk(r.root.entries, 0);
  return lines;
}

/** %.17g and JavaScript print the same double differently: compare the numbers. */
const normal = (lines: string[]) =>
  lines.map((l) => l.replace(/(float|time) (-?[0-9.e+-]+)$/, (_m, k, n) => `${k} ${Number(n)}`));

describe("UCL parsing agrees with real libucl", () => {
  const agreed = cases.filter((c) => !c.divergence);
  it(`${agreed.length} cases parse as libucl parses them`, () => {
    const differ = agreed
      .map((c) => ({ text: c.text, libucl: normal(c.libucl), ours: normal(ours(c.text)) }))
      .filter((d) => JSON.stringify(d.libucl) !== JSON.stringify(d.ours));
    expect(differ).toEqual([]);
  });

  it("every divergence is named, and still differs (else it should be removed)", () => {
    for (const c of cases.filter((x) => x.divergence)) {
      expect(JSON.stringify(normal(ours(c.text))), c.text).not.toBe(JSON.stringify(normal(c.libucl)));
    }
  });
});
