// Property: on any input, the UCL parser and iovctl's parse/validate phases return either a
// config or located diagnostics; they never throw and every position lies inside the input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadIovConfig } from "../../src/nic/iovctl-validate.ts";
import { VF_CONFIG_KEYS } from "../../src/nic/kernel.ts";
import { parseUcl } from "../../src/nic/ucl.ts";
import { schemaFor } from "./schemas.ts";

const RUNS = 10_000;

function positionInside(text: string, line: number, column: number): boolean {
  const lines = text.split("\n");
  if (!Number.isInteger(line) || line < 1 || line > lines.length) return false;
  return Number.isInteger(column) && column >= 1 && column <= lines[line - 1].length + 1;
}

/** The whole pipeline's contract on one input. */
function checkInput(text: string): void {
  const ucl = parseUcl(text);
  if (!ucl.ok) {
    expect(
      positionInside(text, ucl.error.line, ucl.error.column),
      `syntax error position ${JSON.stringify(ucl.error)}`,
    ).toBe(true);
    expect(ucl.error.message.length).toBeGreaterThan(0);
  }
  const r = loadIovConfig(text, schemaFor);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  for (const d of r.diagnostics) {
    expect(positionInside(text, d.line, d.column), `diagnostic position ${JSON.stringify(d)}`).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
  }
  if (r.config) {
    expect(errors).toEqual([]);
    const numVfs = r.config.pf.iov.find(([k]) => k.toLowerCase() === "num_vfs")?.[1];
    expect(r.config.vfs.length).toBe(Number(numVfs));
  } else if (r.device === undefined || schemaFor(r.device)) {
    // no config: there must be a reason (unknown devices are the caller's business)
    expect(errors.length).toBeGreaterThan(0);
  }
}

// --- a grammar for iovctl.conf-like text, then mutations of it ---
const sectionName = fc.constantFrom(
  "PF",
  "DEFAULT",
  "default",
  "VF-0",
  "vf-1",
  "VF-2",
  "VF-3",
  "VF-01",
  "VF-",
  "VF-70000",
  "GLOBAL",
  '"PF"',
);
const keyName = fc.constantFrom(
  "passthrough",
  "mac-addr",
  "num-queues",
  "vlan",
  "device",
  "Device",
  "num_vfs",
  "NUM_VFS",
  ...VF_CONFIG_KEYS,
  "mtu",
  "u8",
  '"quoted key"',
);
const scalar = fc.oneof(
  fc.constantFrom('"ixl0"', "ixl0", '"ix0"', "ix0", '"wide0"', "nope0"),
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.constantFrom(
    "0x4",
    "0X10",
    "2k",
    "2kb",
    "1m",
    "3mb",
    "1g",
    "2.9",
    "1e3",
    "1min",
    "500ms",
    "9223372036854775808",
    "-1",
    "+5",
  ),
  fc.constantFrom("true", "FALSE", "yes", "No", "on", "OFF", '"true"', "'yes'", "null", "trunk", '"TRUNK"'),
  fc.constantFrom(
    '"02:aa:00:00:00:02"',
    '"01:00:5e:00:00:01"',
    "02:00:00:00:00:09",
    '"02::00:00:00:01:02"',
    '"+a:0:0:0:0:1"',
    '"ff:ff:ff:ff:ff:ff"',
  ),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom("[1, 2]", "{ }", "{ a = 1 }", "'it\\'s'"),
);
const sep = fc.constantFrom(": ", " = ", " ", ":", "=");
const term = fc.constantFrom(";", ",", "\n", "; ", ";\n", " # c\n", " /* c */;");
const entry = fc.tuple(keyName, sep, scalar, term).map(([k, s, v, t]) => `${k}${s}${v}${t}`);
const section = fc
  .tuple(
    sectionName,
    fc.constantFrom(" ", " : ", " = ", "\n"),
    fc.array(entry, { maxLength: 5 }),
    fc.constantFrom("\n", " ", ";\n", ""),
  )
  .map(([n, s, es, after]) => `${n}${s}{ ${es.join("")}}${after}`);
/** A PF section that names a known device, so most documents reach the parse/validate phases. */
const pfSection = fc
  .tuple(
    fc.constantFrom("PF", "pf", "Pf"),
    fc.constantFrom('"ixl0"', "ixl0", '"ix0"', '"wide0"'),
    fc.constantFrom("1", "2", "3", "0", "0x4", "4", "70000", '"2"', "2.5"),
    fc.array(entry, { maxLength: 2 }),
  )
  .map(([n, dev, nv, extra]) => `${n} { device: ${dev}; num_vfs: ${nv}; ${extra.join("")}}\n`);
const document = fc
  .tuple(fc.array(section, { maxLength: 5 }), pfSection, fc.nat(), fc.integer({ min: 0, max: 9 }))
  .map(([ss, pf, at, dice]) => {
    const all = [...ss];
    if (dice > 0) all.splice(at % (all.length + 1), 0, pf);
    return all.join("");
  });

/** Mostly valid ixl0 files: right keys with right-typed values, sometimes one wrong. */
const vfEntry = fc.oneof(
  fc
    .constantFrom("passthrough", "allow-set-mac", "allow-promisc", "mac-anti-spoof")
    .chain((k) => fc.constantFrom("true", "no", "ON").map((v) => `${k} = ${v}`)),
  fc.integer({ min: 0, max: 20 }).map((n) => `num-queues: ${n}`),
  fc.constantFrom(
    'mac-addr: "02:00:00:00:00:01"',
    'mac-addr: "03:00:00:00:00:01"',
    'mac-addr = "2:a:b:c:d:e"',
  ),
);
const validish = fc
  .tuple(
    fc.integer({ min: 1, max: 6 }),
    fc.option(fc.array(vfEntry, { maxLength: 3 })),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.array(vfEntry, { maxLength: 3 })), { maxLength: 3 }),
    term,
  )
  .map(([n, def, vfs, t]) => {
    let s = `PF { device: "ixl0"; num_vfs: ${n}; }\n`;
    if (def) s += `DEFAULT { ${def.map((e) => e + t).join("")}}\n`;
    for (const [i, es] of vfs) s += `VF-${i} { ${es.map((e) => e + t).join("")}}\n`;
    return s;
  });

const specials = fc.constantFrom(
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  ";",
  ",",
  ":",
  "=",
  "#",
  "/",
  "*",
  "\\",
  "\n",
  "\r",
  "\t",
  " ",
  "<<",
  ".",
  "\u0000",
  "é",
  "\uFEFF",
);
type Mutation = { kind: "delete" | "insert" | "duplicate" | "swap"; at: number; len: number; text: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("delete", "insert", "duplicate", "swap"),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  text: specials,
});

function mutate(text: string, muts: Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    if (m.kind === "delete") s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.kind === "insert") s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === "duplicate")
      s = s.slice(0, at + m.len) + s.slice(at, at + m.len) + s.slice(at + m.len);
    else s = s.slice(at, at + m.len) + s.slice(0, at) + s.slice(at + m.len);
  }
  return s;
}

describe("property: config or located diagnostic, never an exception", () => {
  it(`arbitrary strings (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 100 }),
          fc.string({ unit: specials, maxLength: 60 }),
        ),
        (text) => {
          checkInput(text);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`grammar-generated configs (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(document, validish), (text) => checkInput(text)),
      { numRuns: RUNS },
    );
  });

  it(`grammar-aware mutations of valid configs (${RUNS} runs)`, () => {
    const valid = fc.constantFrom(
      'PF { device : "ixl0"; num_vfs : 2; }\n',
      'PF { device: "ixl0"; num_vfs: 3; }\nDEFAULT { passthrough: true; }\nVF-2 { passthrough: false; mac-addr: "02:aa:00:00:00:02"; }\n',
      'pf { Device = "ixl0"; NUM_VFS = 0x4; }\ndefault { Allow-Set-Mac = yes; }\nvf-3 { mac-anti-spoof = off; }\n',
      'PF { device: "ix0"; num_vfs: 2; }\nDEFAULT { vlan: "TRUNK"; }\nVF-0 { vlan: 100; }\n',
      "# comment\nPF {\n  device = ixl0 # c\n  /* n /* m */ */ num_vfs = 2\n}\nVF-1 { num-queues = 2k; }\n",
    );
    fc.assert(
      fc.property(
        fc.oneof(valid, document, validish),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (text, muts) => {
          checkInput(mutate(text, muts));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("the unmutated examples are valid (the generator starts from real configs)", () => {
    for (const t of [
      'PF { device : "ixl0"; num_vfs : 2; }\n',
      "# comment\nPF {\n  device = ixl0 # c\n  /* n /* m */ */ num_vfs = 2\n}\nVF-1 { num-queues = 2k; }\n",
    ]) {
      expect(loadIovConfig(t, schemaFor).config).toBeDefined();
    }
  });
});
