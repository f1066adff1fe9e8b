// The CLI compiled ahead of its run, so that a command starts without tsx's loader.
//
// Why: under `node --import tsx` every process first starts tsx's module-hooks thread and then
// sends each module it loads (zod alone is 95 files) across to that thread to be resolved and
// compiled; for `iovsim --version` that was ~0.4 s of CPU out of ~0.55 s, and every command paid
// it. Here src/cli/main.ts and everything it imports (node_modules excepted) is bundled by
// esbuild, the transpiler tsx itself uses, with the same tsconfig, into build/cli/<key>/: one
// file for the entry and one chunk per lazily imported command, so a command still loads only
// its own modules. <key> is a hash of every source's path and contents under src/ (and of the
// things that change the output: package.json, tsconfig.json, the installed zod and esbuild,
// this file, Node's version), so an edited
// source is rebuilt on its next run, never run stale: contents, not modification times, which
// a second edit within the file system's timestamp granularity, or a copy that keeps them
// (cp -p, rsync -a, tar), leaves unchanged.
//
// Paths stay the sources' own: each `import.meta.url` in src/ is replaced by its file's URL, so
// the cost profiles, package.json, the Wasm module and the worker entry points are found where
// they always were (worker threads start from src/engine/esm-entry.mjs, which imports their
// bundled module: WORKERS below).
// Anything that fails here (no esbuild, a syntax error, a build/ that cannot be written: a
// read-only checkout, an install owned by another user) returns undefined: the launcher then
// runs the sources through tsx exactly as before, which also reports the error as before.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(root, "src");
/** Where bundles are kept, one folder per key. */
const CACHE = join(root, "build", "cli");
/** Bundles kept besides the current one (a process started from an older one may still load
 *  a command's chunk from it). */
const KEEP = 3;

/** node_modules packages bundled (pure ESM); every other dependency is left out (external). */
const BUNDLED_PACKAGES = ["zod"];
const EXTERNAL = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies)
  .filter((name) => !BUNDLED_PACKAGES.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

/** Worker threads' modules, bundled beside the entry (name in the bundle -> source). */
const WORKERS = {
  "workers/simulate": join(SRC, "workers", "simulate-worker.ts"),
  "workers/partition": join(SRC, "engine", "parallel", "worker.ts"),
};

/**
 * The bundle's entry: lists the bundled workers for src/engine/worker-thread.ts (so that the
 * pool's threads skip tsx too), then does what src/cli/main.ts does when run as the program.
 */
const ENTRY = [
  `globalThis[Symbol.for("iovsim.bundled-workers")] = {`,
  ...Object.entries(WORKERS).map(
    ([name, src]) => `  ${JSON.stringify(src)}: new URL(${JSON.stringify(`./${name}.js`)}, import.meta.url).href,`,
  ),
  "};",
  `import { runAsProgram } from ${JSON.stringify(join(SRC, "cli", "main.ts"))};`,
  "runAsProgram();",
  "",
].join("\n");

/** Names a bundle can be made of: sources and JSON, not an editor's hidden files (vim's
 *  .x.ts.swp, rewritten as one types; Emacs's .#x.ts lock, a link to nowhere) or docs. */
const BUNDLED_NAME = /^[^.].*\.(?:[cm]?ts|[cm]?js|json)$/;

function filesUnder(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else if (BUNDLED_NAME.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * What the bundle depends on, as one hash: the path and contents of every source and JSON
 * file under `dir`/src/ and of its package.json and tsconfig.json, the installed versions of
 * the bundled packages and of esbuild, this file and Node's version. Paths
 * count because the bundle holds the sources' absolute URLs (a moved checkout is rebuilt).
 * Reading ~300 files costs a few ms more than stat'ing them, and no edit can go unseen.
 */
export function sourceKey(dir = root) {
  const files = [
    ...filesUnder(join(dir, "src"), []).sort(),
    join(dir, "package.json"),
    join(dir, "tsconfig.json"),
    fileURLToPath(import.meta.url),
    // What is installed, not only what package.json asks for: `git pull` then a run (bundling
    // the old zod) then `npm ci` changes node_modules alone. esbuild's version shapes the output.
    ...[...BUNDLED_PACKAGES, "esbuild"].map((name) => installedManifest(dir, name)),
  ];
  const h = createHash("sha256").update(`${process.version}\n`);
  for (const f of files) {
    const text = readFileSync(f);
    h.update(`${f}\0${text.length}\0`).update(text);
  }
  return h.digest("hex").slice(0, 16);
}

/** A package's package.json as Node finds it from `dir`: the nearest node_modules above (an
 *  install as another project's dependency may hoist it). */
function installedManifest(dir, name) {
  for (let d = dir; ; d = dirname(d)) {
    const manifest = join(d, "node_modules", name, "package.json");
    if (existsSync(manifest) || dirname(d) === d) return manifest;
  }
}

/** Replaces `import.meta.url` in every source under src/ by that source's own URL. */
const sourceUrls = {
  name: "iovsim-source-urls",
  setup(build) {
    build.onResolve({ filter: /^iovsim-entry$/ }, () => ({ path: "iovsim-entry", namespace: "iovsim" }));
    build.onLoad({ filter: /.*/, namespace: "iovsim" }, () => ({
      contents: ENTRY,
      resolveDir: join(SRC, "cli"),
      loader: "js",
    }));
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      if (!args.path.startsWith(SRC)) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const text = readFileSync(args.path, "utf8").replace(/\bimport\.meta\.url\b/g, url);
      return { contents: text, loader: "ts" };
    });
  },
};

/** Bundles the sources into `tmp` (an empty folder), then publishes it as `dir` in one rename:
 *  a process never sees a half-written bundle. */
async function build(tmp, dir) {
  const esbuild = await import("esbuild");
  try {
    await esbuild.build({
      entryPoints: { main: "iovsim-entry", ...WORKERS },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: `node${process.versions.node}`,
      // Packages load from node_modules as under tsx, except zod: every schema module imports
      // it, and as one chunk it is ~100 files fewer to resolve and compile on each start.
      external: EXTERNAL,
      // Class and function names as in the sources (esbuild may rename to avoid clashes).
      keepNames: true,
      // For --debug's stack traces (node --enable-source-maps): src/ file and line.
      sourcemap: "linked",
      sourcesContent: false,
      chunkNames: "chunks/[name]-[hash]",
      outdir: tmp,
      absWorkingDir: root,
      logLevel: "silent",
      plugins: [sourceUrls],
    });
  } finally {
    // esbuild's service process would otherwise idle beside the launcher for the whole run.
    await esbuild.stop();
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process published the same bundle first (a rename onto a folder that is not
    // empty fails): use that one.
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes all but the newest KEEP bundles besides `current` (and any abandoned temporary).
 *  Best effort: another process may be pruning, or publishing, the same folder meanwhile. */
function prune(cache, current) {
  const old = [];
  for (const name of readdirSync(cache)) {
    if (name === current) continue;
    const p = join(cache, name);
    try {
      const mtime = statSync(p).mtimeMs;
      if (name.includes(".tmp-")) {
        if (Date.now() - mtime > 10 * 60_000) rmSync(p, { recursive: true, force: true });
      } else old.push({ p, mtime });
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  old.sort((a, b) => b.mtime - a.mtime);
  for (const { p } of old.slice(KEEP)) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      /* as above */
    }
  }
}

/**
 * The bundled entry point (a file path), built first when the sources changed; undefined if it
 * cannot be had (the caller then runs the sources through tsx). `cache`: where bundles are kept
 * (tests give their own).
 */
export async function bundledCli({ cache = CACHE } = {}) {
  let tmp;
  try {
    const key = sourceKey();
    const dir = join(cache, key);
    const main = join(dir, "main.js");
    if (existsSync(main)) return main;
    // The temporary folder first: where build/ cannot be written (a read-only checkout, an
    // install owned by another user) this fails at once, instead of after esbuild has spent a
    // second bundling what it cannot write, on every run. Unique even across hosts sharing
    // the checkout (mkdtemp creates it exclusively).
    mkdirSync(cache, { recursive: true });
    tmp = mkdtempSync(join(cache, `${key}.tmp-`));
    await build(tmp, dir);
    tmp = undefined;
    prune(cache, key);
    statSync(main);
    return main;
  } catch {
    try {
      if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* left for a later prune */
    }
    return undefined;
  }
}
