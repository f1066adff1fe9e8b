// The launcher runs the CLI bundled ahead by esbuild (bin/cli-bundle.js) instead of the sources
// under tsx: the same program, only faster to start. These pin that it prints exactly what the
// sources print, that an edited source is rebuilt rather than run stale, that an unwritable
// build/ or a concurrent build costs nothing and breaks nothing, and that the bundle's entry
// still loads no command, zod, engine or Wasm before it knows the command.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript beside the launcher (no declarations)
import { bundledCli, sourceKey as bundleKey } from "../../bin/cli-bundle.js";
import { tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "iovsim.js");
const bundle = bundledCli as () => Promise<string | undefined>;
const sourceKey = bundleKey as (dir?: string) => string;

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

  it("starts its worker threads without tsx: each imports its bundled module (the module log of a real run)", async () => {
    const main = (await bundle())!;
    // Every module the process loads, its worker threads' too (they inherit the --import).
    const loadedBy = (status: number, ...argv: string[]) => {
      const dir = tempDir("iovsim-bundle-workers-");
      const log = join(dir, "modules.txt");
      const hooks = join(root, "test", "helpers", "module-log", "register.mjs");
      const r = spawnSync(process.execPath, ["--import", hooks, main, "--state", dir, ...argv], {
        env: { ...process.env, IOVSIM_MODULE_LOG: log },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(status);
      return readFileSync(log, "utf8").trim().split("\n");
    };
    const trial = [
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "1",
      "--json",
    ];
    for (const [argv, worker, status] of [
      [[...trial, "--partitions", "2"], "workers/partition.js", 0],
      // A short run never starts the pool (src/experiment/hybrid.ts); a worker-exit fault always
      // runs there, on a real thread (exit status 3: completed with an injected fault).
      [[...trial, "--workers", "2", "--inject-fault", "worker-exit"], "workers/simulate.js", 3],
    ] as const) {
      const loaded = loadedBy(status, ...argv);
      expect(loaded, argv.join(" ")).toContain(pathToFileURL(join(dirname(main), worker)).href);
      // A worker that missed its bundled module registers tsx and loads the sources instead.
      expect(
        loaded.filter((u) => u.includes("/node_modules/tsx/") || u.endsWith(".ts")),
        argv.join(" "),
      ).toEqual([]);
    }
  });

  it("is keyed by the sources' contents: an edit that keeps the size and the modification time is seen", () => {
    const dir = tempDir("iovsim-bundle-key-");
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "package.json"), "{}\n");
    writeFileSync(join(dir, "tsconfig.json"), "{}\n");
    for (const name of ["zod", "esbuild"]) {
      mkdirSync(join(dir, "node_modules", name), { recursive: true });
      writeFileSync(join(dir, "node_modules", name, "package.json"), `{"version":"1.0.0"}\n`);
    }
    const source = join(dir, "src", "costs.ts");
    // Whole seconds: the same time exactly, whatever the file system's precision.
    const when = 1_700_000_000;
    writeFileSync(source, "export const SPIN = 10000;\n");
    utimesSync(source, when, when);
    const first = sourceKey(dir);
    // A second edit within the file system's timestamp granularity (or a copy made with cp -p,
    // rsync -a, tar): same size, same modification time, other code.
    writeFileSync(source, "export const SPIN = 20000;\n");
    utimesSync(source, when, when);
    const edited = sourceKey(dir);
    expect(edited).not.toBe(first);
    // Only the contents count: touching a file (git checkout back and forth) rebuilds nothing.
    utimesSync(source, when + 5, when + 5);
    expect(sourceKey(dir)).toBe(edited);
    // A file added or removed is a new key.
    writeFileSync(join(dir, "src", "new.ts"), "");
    expect(sourceKey(dir)).not.toBe(edited);
    rmSync(join(dir, "src", "new.ts"));
    expect(sourceKey(dir)).toBe(edited);
    // An editor's files beside a source are no part of it: vim's swap file (rewritten as one
    // types: a rebuild on every run) and Emacs's lock (a link to nowhere, which cannot be read:
    // the launcher fell back to tsx while a buffer was modified); nor are the docs.
    writeFileSync(join(dir, "src", ".costs.ts.swp"), "swap");
    symlinkSync("user@host.1234:1700000000", join(dir, "src", ".#costs.ts"));
    writeFileSync(join(dir, "src", "README.md"), "# costs");
    expect(sourceKey(dir)).toBe(edited);
    // zod is bundled: another version installed (npm ci after a pull) is a new bundle, though
    // package.json, read before it was installed, is the same.
    writeFileSync(join(dir, "node_modules", "zod", "package.json"), `{"version":"1.0.1"}\n`);
    expect(sourceKey(dir)).not.toBe(edited);
  });

  it("where build/ cannot be written, gives up at once: esbuild is never started, the launcher runs the sources", () => {
    const dir = tempDir("iovsim-bundle-ro-");
    // A file where the cache's parent folder should be: mkdir fails for every user, root too
    // (a read-only checkout or a root-owned install fails the same way, with EACCES or EROFS).
    writeFileSync(join(dir, "build"), "");
    const cache = join(dir, "build", "cli");
    // esbuild's binary, as esbuild finds it: a stand-in that records that it was started.
    const started = join(dir, "esbuild-started");
    const fake = join(dir, "esbuild");
    writeFileSync(fake, `#!/bin/sh\necho "$@" >> '${started}'\nexit 1\n`);
    chmodSync(fake, 0o755);
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { bundledCli } = await import(${JSON.stringify(pathToFileURL(join(root, "bin", "cli-bundle.js")).href)});
         process.stdout.write(String(await bundledCli({ cache: ${JSON.stringify(cache)} })));`,
      ],
      { env: { ...process.env, ESBUILD_BINARY_PATH: fake }, encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("undefined");
    expect(existsSync(started)).toBe(false);
  });

  it("two processes building at once on a fresh clone publish one whole bundle, and both run it", () => {
    // Inside the checkout, as build/cli is: the bundle finds its packages in node_modules above it.
    mkdirSync(join(root, "build"), { recursive: true });
    const cache = mkdtempSync(join(root, "build", "cli-race-"));
    // What another process may leave there meanwhile (a folder it is removing): no reason to
    // give up the bundle just built.
    symlinkSync(join(cache, "gone"), join(cache, "0000000000000000"));
    const script = `const { bundledCli } = await import(${JSON.stringify(pathToFileURL(join(root, "bin", "cli-bundle.js")).href)});
      process.stdout.write(String(await bundledCli({ cache: ${JSON.stringify(cache)} })));`;
    const builders = [0, 1].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
          let out = "";
          child.stdout.on("data", (b) => (out += b));
          child.on("error", reject);
          child.on("exit", () => resolve(out));
        }),
    );
    return Promise.all(builders)
      .then(([a, b]) => {
        expect(a).toBe(join(cache, sourceKey(), "main.js"));
        expect(b).toBe(a);
        // One bundle, no temporary left behind.
        expect(readdirSync(cache).sort()).toEqual(["0000000000000000", sourceKey()]);
        const r = spawnSync(process.execPath, [a, "--version"], { encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.stdout).toMatch(/^iovsim \d+\.\d+\.\d+\n$/);
      })
      .finally(() => rmSync(cache, { recursive: true, force: true }));
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
