// Builds assembly/ -> build/release.wasm (and debug) with the asc API, skipping when up to date.
// Called by npm start/test/bench and lazily by src/switch/wasm.ts, so a fresh clone just works.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Newest modification time of asconfig.json and every .ts under assembly/ (sub-folders too). */
function newestSource() {
  let newest = statSync(join(root, "asconfig.json")).mtimeMs;
  for (const e of readdirSync(join(root, "assembly"), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith(".ts"))
      newest = Math.max(newest, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return newest;
}

export async function buildWasm({ force = false, quiet = true } = {}) {
  const out = join(root, "build", "release.wasm");
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newestSource()) return out;
  const asc = (await import("assemblyscript/asc")).default;
  const { error, stderr } = await asc.main(
    [
      join(root, "assembly/index.ts"),
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "release",
      "--baseDir",
      root,
    ],
    { stdout: quiet ? { write() {} } : process.stdout, stderr: { write: (s) => process.stderr.write(s) } },
  );
  if (error) throw new Error(`AssemblyScript build failed: ${error.message}\n${stderr ?? ""}`);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWasm({ force: process.argv.includes("--force") }).catch((e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
