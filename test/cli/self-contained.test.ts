// The repository stands alone (issue 9 item 1): no code, help text, test or doc may point at
// the sibling folder the project was developed beside, or at its notes, which a user who
// cloned the repository does not have. CI (.ci/run) also runs the suite in a fresh clone where
// that folder does not exist.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
// Built from parts so this file does not match itself.
const FORBIDDEN = [`..${"/"}sha${"red"}`, ["performance", "anchors.md"].join("-")];
const SCAN = ["README.md", "src", "docs", "bench", "scripts", "test", "bin", "examples", ".ci"];
const TEXT = /\.(ts|mjs|js|json|md|conf|txt)$|^run$/;
function* files(path: string): Generator<string> {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const e of readdirSync(path)) if (e !== "node_modules" && e !== "build") yield* files(join(path, e));
  } else if (TEXT.test(path.split("/").pop()!)) yield path;
}

describe("self-contained repository", () => {
  it("no file refers to the development folder beside the repository or to its notes", () => {
    const offenders: string[] = [];
    let scanned = 0;
    for (const top of SCAN)
      for (const f of files(join(root, top))) {
        const rel = relative(root, f);
        scanned++;
        const lines = readFileSync(f, "utf8").split("\n");
        lines.forEach((l, i) => {
          for (const bad of FORBIDDEN) if (l.includes(bad)) offenders.push(`${rel}:${i + 1}: ${l.trim()}`);
        });
      }
    expect(scanned).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
