// The folder rules (each src/<folder>/README.md says what it may import): dependencies between folders
// point one way, no folder imports a sibling that imports it back, and nothing imports the CLI
// but the fuzz campaign's config target (it drives the `validate` command's library path).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "..", "src");

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|mjs)$/.test(e)) yield p;
  }
}

/** Every relative import of a source file (static, re-export or dynamic), as a path under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g))
    out.push(relative(src, resolve(dirname(file), m[1])));
  return out;
}

/** The folder a path under src belongs to at `depth` folders (".": a file at src's top). */
const folderOf = (path: string, depth: number) => {
  const parts = path.split("/").slice(0, -1);
  return parts.length < depth ? null : parts.slice(0, depth).join("/") || ".";
};

const FILES = [...sources(src)].map((f) => ({ file: relative(src, f), imports: importsOf(f) }));

/** Folder -> folders it imports, at one depth, between folders of the same parent only. */
function folderGraph(depth: number): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const { file, imports } of FILES) {
    const a = folderOf(file, depth);
    if (a === null || a === ".") continue;
    for (const t of imports) {
      const b = folderOf(t, depth);
      if (b === null || b === "." || b === a) continue;
      if (dirname(a) !== dirname(b)) continue; // siblings only
      if (!g.has(a)) g.set(a, new Set());
      g.get(a)!.add(b);
    }
  }
  return g;
}

/** A cycle of the graph as a list of folders, or null. */
function findCycle(g: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "open");
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of g.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe("folder layering of src", () => {
  it("reads the sources and their imports", () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(FILES.some((f) => f.imports.length > 0)).toBe(true);
  });

  it("the top-level folders import each other without a cycle", () => {
    expect(findCycle(folderGraph(1))).toBeNull();
  });

  it("no subfolder imports a sibling that imports it back (any depth)", () => {
    for (const depth of [2, 3]) expect(findCycle(folderGraph(depth)), `depth ${depth}`).toBeNull();
  });

  it("nothing imports src/cli but src/cli itself and the fuzz campaign's config target", () => {
    const offenders = FILES.filter(
      (f) =>
        !f.file.startsWith("cli/") &&
        f.file !== "fuzz/target-config.ts" &&
        f.imports.some((t) => t.startsWith("cli/")),
    ).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it("the cycle finder finds a planted cycle (the checks above can fail)", () => {
    const g = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
    ]);
    expect(findCycle(g)).toEqual(["a", "b", "c", "a"]);
  });
});
