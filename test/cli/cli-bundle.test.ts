// The launcher runs the CLI bundled ahead by esbuild (bin/cli-bundle.js) instead of the sources
// under tsx: the same program, only faster to start. These pin that it prints exactly what the
// sources print, that an edited source is rebuilt rather than run stale, and that the bundle's
// entry still loads no command, zod, engine or Wasm before it knows the command.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript beside the launcher (no declarations)
import { bundledCli } from "../../bin/cli-bundle.js";
import { tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "iovsim.js");
const bundle = bundledCli as () => Promise<string | undefined>;

function run(argv: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the bundled CLI", () => {
  it("is built under build/cli/ from the sources", async () => {
    const main = await bundle();
    expect(main).toBeDefined();
    expect(main!.startsWith(join(root, "build", "cli"))).toBe(true);
    expect(statSync(main!).isFile()).toBe(true);
  });

  it("prints byte for byte what the sources under tsx print (help, figures, errors, exit status)", () => {
    const state = tempDir("iovsim-bundle-");
    for (const argv of [
      ["--help"],
      ["help", "paths"],
      ["model", "show"],
      ["model", "show", "no-such-profile"],
      ["pciconf", "-l"],
    ]) {
      const args = ["--state", state, ...argv];
      expect(run(args), argv.join(" ")).toEqual(run(args, { IOVSIM_TSX: "1" }));
    }
  });

  it("runs its worker threads from the bundle too, with the same simulated results", async () => {
    const dir = dirname((await bundle())!);
    const main = readFileSync(join(dir, "main.js"), "utf8");
    // Each bundled worker is listed under its source, which src/engine/worker-thread.ts looks up.
    for (const [src, js] of [
      ["src/workers/simulate-worker.ts", "workers/simulate.js"],
      ["src/engine/parallel/worker.ts", "workers/partition.js"],
    ]) {
      expect(main).toContain(`${JSON.stringify(join(root, src))}: new URL("./${js}", import.meta.url).href`);
      expect(statSync(join(dir, js)).isFile()).toBe(true);
    }
    // The partition worker always starts: its run prints what the sources print, bar the
    // simulator block (wall clock and the threads' synchronisation counts vary run to run).
    const args = ["--state", tempDir("iovsim-bundle-"), "paths", "--path", "native", "--size", "64"];
    const simulated = (r: ReturnType<typeof run>) => {
      expect(r.code, r.err).toBe(0);
      const { simulator, ...rest } = JSON.parse(r.out);
      expect(simulator.partitions).toBe(2);
      return rest;
    };
    const argv = [...args, "--partitions", "2", "--json"];
    expect(simulated(run(argv))).toEqual(simulated(run(argv, { IOVSIM_TSX: "1" })));
  });

  it("is rebuilt when a source changes: a new bundle, never the stale one", async () => {
    const source = join(root, "src", "errors.ts");
    const before = statSync(source);
    const first = await bundle();
    try {
      utimesSync(source, before.atime, new Date(before.mtimeMs + 2000));
      const second = await bundle();
      expect(second).toBeDefined();
      expect(dirname(second!)).not.toBe(dirname(first!));
    } finally {
      // In seconds, not Dates: a Date rounds a fresh clone's sub-millisecond mtime to the
      // nearest millisecond, which can change the bundle's key (it floors mtimeMs).
      utimesSync(source, before.atimeMs / 1000, before.mtimeMs / 1000);
    }
    expect(await bundle()).toBe(first);
  });

  it("loads nothing heavy before the command is known: the entry's static imports hold no zod, engine or Wasm", async () => {
    const main = (await bundle())!;
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      // Static imports only (`import ... from "x"`, `import "x"`); `import("x")` is lazy.
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)";|^import\s*"([^"]+)";/gms)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith(".")) visit(join(dirname(file), spec));
        else packages.add(spec);
      }
    };
    visit(main);
    expect(seen.size).toBeGreaterThan(1);
    expect([...packages].filter((p) => /zod|piscina|vega|yaml|cli-table3|cli-progress/.test(p))).toEqual([]);
    const sources = [...seen].map((f) => readFileSync(f, "utf8")).join("\n");
    expect(sources).toContain("// src/cli/main.ts");
    expect(sources).not.toMatch(/^\/\/ src\/(engine|experiment|nic|model)\//m);
    expect(sources).not.toContain("release.wasm");
  });
});
