// The tool's version, from package.json (commands import it from here, not from main.ts, so
// that no command module imports the entry point that imports it back).
import { readFile } from "node:fs/promises";

export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}
