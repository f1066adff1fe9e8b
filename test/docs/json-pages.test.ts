// Each `--json` page of docs/ (docs/*-json.md) documents a zod schema of src/report that real
// output is checked against (test/cli, test/steering). This keeps the page and the schema
// together: every key the schema allows is named on the page (or on the page it defers to),
// and every field a page's field table names is a key of the schema, so a field added,
// renamed or removed on one side fails here until the other follows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { demoJsonSchema } from "../../src/report/demo-json.ts";
import { fidelityJsonSchema } from "../../src/report/fidelity-json.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { pingJsonSchema } from "../../src/report/ping-json.ts";
import { steeringJsonSchema } from "../../src/report/steering-json.ts";
import { switchJsonSchema } from "../../src/report/switch-json.ts";

const root = join(import.meta.dirname, "..", "..");

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  catchall?: unknown;
  element?: unknown;
  innerType?: unknown;
  options?: unknown[];
  left?: unknown;
  right?: unknown;
  valueType?: unknown;
  in?: unknown;
  out?: unknown;
  items?: unknown[];
  getter?: () => unknown;
}

/** Every object key a zod schema allows, at any depth (record keys are data, not fields). */
export function schemaKeys(schema: unknown, out = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!schema || seen.has(schema)) return out;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Def } })._zod?.def;
  if (!def) return out;
  const walk = (s: unknown) => schemaKeys(s, out, seen);
  switch (def.type) {
    case "object":
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        out.add(k);
        walk(v);
      }
      walk(def.catchall);
      break;
    case "array":
      walk(def.element);
      break;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
    case "catch":
      walk(def.innerType);
      break;
    case "union":
      for (const o of def.options ?? []) walk(o);
      break;
    case "intersection":
      walk(def.left);
      walk(def.right);
      break;
    case "record":
      walk(def.valueType);
      break;
    case "pipe":
      walk(def.in);
      walk(def.out);
      break;
    case "lazy":
      walk(def.getter?.());
      break;
    case "tuple":
      for (const i of def.items ?? []) walk(i);
      break;
  }
  return out;
}

/** Identifiers written inside backticks anywhere on the page (`a`, `{a, b}`, `x.y`, `a[]`). */
export function namedOnPage(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\n]+)`/g))
    for (const w of m[1].matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) out.add(w[0]);
  return out;
}

/** The fields of the page's field tables: backticked names in the first column of tables
 * whose header starts with `| field |`. */
export function tableFields(markdown: string): Set<string> {
  const out = new Set<string>();
  let inFieldTable = false;
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) {
      inFieldTable = false;
      continue;
    }
    if (/^\|\s*field\s*\|/.test(line)) {
      inFieldTable = true;
      continue;
    }
    if (!inFieldTable || /^\|\s*-/.test(line)) continue;
    const first = line.split("|")[1] ?? "";
    for (const m of first.matchAll(/`([^`]+)`/g))
      for (const w of m[1].matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) out.add(w[0]);
  }
  return out;
}

const read = (page: string) => readFileSync(join(root, page), "utf8");

/** Page, schema, and the pages it defers to for nested documents. */
const CASES: { page: string; schema: z.ZodType; alsoOn: string[] }[] = [
  { page: "docs/paths-json.md", schema: pathsJsonSchema, alsoOn: [] },
  { page: "docs/ping-json.md", schema: pingJsonSchema, alsoOn: ["docs/paths-json.md"] },
  { page: "docs/switch-json.md", schema: switchJsonSchema, alsoOn: [] },
  { page: "docs/steering-json.md", schema: steeringJsonSchema, alsoOn: [] },
  { page: "docs/fidelity-json.md", schema: fidelityJsonSchema, alsoOn: [] },
  { page: "docs/demo-json.md", schema: demoJsonSchema, alsoOn: ["docs/paths-json.md"] },
];

describe("docs/*-json.md pages and their zod schemas", () => {
  for (const { page, schema, alsoOn } of CASES) {
    const keys = schemaKeys(schema);
    it(`${page}: every key of the schema is named on the page`, () => {
      expect(keys.size).toBeGreaterThan(5);
      const named = new Set([page, ...alsoOn].flatMap((p) => [...namedOnPage(read(p))]));
      expect([...keys].filter((k) => !named.has(k))).toEqual([]);
    });
    it(`${page}: every field its tables list is a key of the schema`, () => {
      const fields = tableFields(read(page));
      expect(fields.size).toBeGreaterThan(5);
      expect([...fields].filter((f) => !keys.has(f))).toEqual([]);
    });
  }

  it("the checks can fail: a key the page does not name, a field the schema lacks", () => {
    const md = "| field | type |\n|---|---|\n| `a`, `b.c` | x |\n\nprose `d`\n";
    expect([...tableFields(md)]).toEqual(["a", "b", "c"]);
    expect(namedOnPage(md).has("d")).toBe(true);
    expect(namedOnPage(md).has("e")).toBe(false);
    expect([...schemaKeys(pingJsonSchema)]).toContain("rtt_us");
  });
});
