// Every command's --help sends the reader to the documentation: it names at least one page of
// docs/ and every page it names exists; a command whose help states a divergence from the real
// tool is also listed in docs/divergences.md (the brief asks for both places).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../src/cli/commands/index.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const state = tempDir("iovsim-help-pages-");
const divergences = readFileSync(join(root, "docs", "divergences.md"), "utf8");

async function help(name: string): Promise<string> {
  const { code, out } = await iovsim(["--state", state, "help", name]);
  expect(code, name).toBe(0);
  return out;
}

/** The docs/*.md paths a text names (a trailing period or comma is punctuation). */
export function docPages(text: string): string[] {
  return [...text.matchAll(/\bdocs\/[\w./-]*?\.md\b/g)].map((m) => m[0]);
}

describe("--help names the documentation", () => {
  it("finds page names in a text", () => {
    expect(docPages("(docs/linux-mode.md, Measuring) docs/formats/cost-profile.md.")).toEqual([
      "docs/linux-mode.md",
      "docs/formats/cost-profile.md",
    ]);
    expect(docPages("no page here, docs/ alone")).toEqual([]);
  });

  for (const name of COMMAND_NAMES) {
    it(`${name}: names a docs page, and every page it names exists`, async () => {
      const pages = docPages(await help(name));
      expect(pages, `iovsim help ${name} names no docs/*.md page`).not.toEqual([]);
      for (const p of pages) expect(existsSync(join(root, p)), `${name}: ${p}`).toBe(true);
    });
  }

  it("iovsim --help sends a new user to the demo and the pages to read, and they exist", async () => {
    const { out } = await iovsim(["--state", state, "--help"]);
    expect(out).toMatch(/iovsim demo/);
    const pages = docPages(out);
    expect(pages).toEqual(expect.arrayContaining(["docs/commands.md", "docs/questions.md"]));
    for (const p of pages) expect(existsSync(join(root, p)), p).toBe(true);
  });

  it("a command whose help states a divergence is in docs/divergences.md", async () => {
    const missing: string[] = [];
    for (const name of COMMAND_NAMES) {
      const text = await help(name);
      if (/^Divergences?\b/m.test(text) && !new RegExp(`\\b${name}\\b`).test(divergences)) missing.push(name);
    }
    expect(missing).toEqual([]);
  });
});

// docs/commands.md is "every command and option": sweep's options live on its subcommands
// (plan --shards/--no-calibrate, run --out/--shard/--workers, merge --partial), which the
// reference left out while it printed only `sweep --help`.
describe("docs/commands.md: the subcommands' own options", () => {
  const reference = readFileSync(join(root, "docs", "commands.md"), "utf8");
  for (const sub of ["plan", "run", "merge", "status"])
    it(`holds iovsim sweep ${sub} --help as printed`, async () => {
      const { code, out } = await iovsim(["--state", state, "sweep", sub, "--help"]);
      expect(code).toBe(0);
      expect(out).toMatch(/--/);
      expect(reference).toContain(`### sweep ${sub}\n\n\`\`\`text\n${out.trimEnd()}\n\`\`\``);
    });
});
