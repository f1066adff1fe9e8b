// Every example command of the user documentation runs as written and exits as the page says.
// Pages: README.md and docs/**/*.md (not docs/spec). Convention (docs/README.md, "Example
// commands"): in a ```sh block, `$ iovsim ...` (or `$ npx iovsim ...`, `$ cp FROM TO`) is run;
// `# ... exit N` in its comment means it must exit N, otherwise 0; the lines after it in its
// block, what the page shows it printing, must be in its output. The commands of one page run
// in order, in a fresh temporary folder whose `examples` is the repository's examples/ (so
// `examples/...` resolves as from the repository root and whatever a command writes stays out of
// the tree), on a fresh --state directory.
import { copyFileSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { type DocCommand, docCommands, shellWords } from "./doc-commands.ts";

const root = join(import.meta.dirname, "..", "..");

function markdownPages(): string[] {
  const pages = ["README.md"];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory() && rel !== "docs/spec") walk(rel);
      else if (e.isFile() && e.name.endsWith(".md")) pages.push(rel);
    }
  };
  walk("docs");
  return pages.sort();
}

const pages = markdownPages().map((page) => ({
  page,
  commands: docCommands(readFileSync(join(root, page), "utf8"), page),
}));

const collapse = (t: string) => t.replace(/\s+/g, " ").trim();

/** The fragments of a command's shown output that must occur in what it prints: each line less
 *  a `# comment` line, split at `...`/`…` (the page's shortening), whitespace collapsed. */
export function shownFragments(shown: string[]): string[] {
  return shown
    .filter((l) => !l.trimStart().startsWith("#"))
    .flatMap((l) => l.split(/\.\.\.|…/))
    .map(collapse)
    .filter((f) => f !== "");
}

const cwd = process.cwd();
const temps: string[] = [];
afterAll(() => {
  process.chdir(cwd);
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

async function run(c: DocCommand, state: string): Promise<{ rc: number; out: string; err: string }> {
  if (c.program === "cp") {
    copyFileSync(c.argv[0], c.argv[1]);
    return { rc: 0, out: "", err: "" };
  }
  const { code: rc, out, err } = await iovsim(["--state", state, ...c.argv]);
  return { rc, out, err };
}

describe("the convention's parser", () => {
  it("takes $ lines of sh blocks only, with comments, exit statuses, quotes and continuations", () => {
    const md = [
      "```sh",
      "$ iovsim validate -f examples/broken.conf   # exit 1: every problem",
      "examples/broken.conf: 3 errors",
      "$ npx iovsim paths --path native \\",
      "    --rate '40%'   # one load point",
      "iovsim paths # not a command: no $",
      "```",
      "```",
      "$ iovsim never-run",
      "```",
      "```sh",
      "$ cp examples/ixl0.conf my.conf",
      "```",
    ].join("\n");
    const cmds = docCommands(md, "x.md");
    expect(cmds.map((c) => [c.line, c.program, c.argv, c.expectedExit])).toEqual([
      [2, "iovsim", ["validate", "-f", "examples/broken.conf"], 1],
      [4, "iovsim", ["paths", "--path", "native", "--rate", "40%"], 0],
      [12, "cp", ["examples/ixl0.conf", "my.conf"], 0],
    ]);
    expect(shellWords(`a "b c" 'd#e' f`)).toEqual(["a", "b c", "d#e", "f"]);
    expect(cmds.map((c) => c.shown)).toEqual([
      ["examples/broken.conf: 3 errors"],
      ["iovsim paths # not a command: no $"],
      [],
    ]);
  });

  it("reads what a page shows as fragments of the output", () => {
    expect(
      shownFragments(["  64 bytes from 10.2.0.1: icmp_seq=0   ... 3 received", "# a comment", "", "..."]),
    ).toEqual(["64 bytes from 10.2.0.1: icmp_seq=0", "3 received"]);
    expect(shownFragments(["note: a long line the page", "wraps in two"])).toEqual([
      "note: a long line the page",
      "wraps in two",
    ]);
  });

  it("refuses a $ line it would not run (other programs, shell syntax)", () => {
    expect(() => docCommands("```sh\n$ rm -rf out\n```", "x.md")).toThrow(/x\.md:2: .*only iovsim/);
    expect(() => docCommands("```sh\n$ iovsim paths --json > f\n```", "x.md")).toThrow(/no shell syntax/);
  });
});

describe("documentation examples", () => {
  it("the guide's pages and the README's three commands are covered", () => {
    const count = (p: string) => pages.find((x) => x.page === p)?.commands.length ?? 0;
    for (const p of [
      "docs/guide/vnet-jail.md",
      "docs/guide/bhyve-passthrough.md",
      "docs/guide/traffic-generator.md",
    ])
      expect(count(p), p).toBeGreaterThanOrEqual(5);
    for (const p of [
      "docs/formats/iovctl-conf.md",
      "docs/formats/host-file.md",
      "docs/formats/cost-profile.md",
    ])
      expect(count(p), p).toBeGreaterThanOrEqual(2);
    const readme = pages.find((x) => x.page === "README.md")?.commands ?? [];
    expect(readme.map((c) => (c.program === "cp" ? "cp" : c.argv[0]))).toEqual(["cp", "validate", "paths"]);
    expect(readme[2].argv).toContain("--html");
  });

  for (const { page, commands } of pages.filter((p) => p.commands.length > 0)) {
    it(`${page}: every example command exits as the page says`, async () => {
      const tmp = tempDir("iovsim-docs-");
      temps.push(tmp);
      symlinkSync(join(root, "examples"), join(tmp, "examples"), "dir");
      process.chdir(tmp);
      try {
        for (const c of commands) {
          const r = await run(c, join(tmp, "state"));
          const what = `${page}:${c.line}: $ ${c.text}\n  rc ${r.rc}\n  stdout: ${r.out.slice(0, 600)}\n  stderr: ${r.err.slice(0, 600)}`;
          expect(r.rc, what).toBe(c.expectedExit);
          expect(r.err, what).not.toMatch(/internal error|\n\s+at /);
          // What the page shows the command printing is printed: each shown line, or each part
          // of it around a `...` that shortens it, occurs in the output (whitespace collapsed,
          // so a line the page wraps or aligns differently still matches).
          const printed = collapse(`${r.out}\n${r.err}`);
          for (const f of shownFragments(c.shown))
            expect(printed, `${what}\n  the page shows: ${f}`).toContain(f);
        }
      } finally {
        process.chdir(cwd);
      }
    }, 120_000);
  }
});
