// The tool's name and version as results record them (`iovsim 0.1.0`).
import { readFile } from "node:fs/promises";

export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `iovsim ${pkg.version}`;
}
