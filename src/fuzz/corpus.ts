// Seed inputs the campaigns mutate: the vendored captures (test/fixtures/captures, tcpdump's
// malformed-packet files included) and the iovctl.conf fixtures, read from the repository.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCapture } from "../traffic/capture-io.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CAPTURE_DIR = join(ROOT, "test", "fixtures", "captures");
export const IOVCTL_DIR = join(ROOT, "test", "fixtures", "iovctl");

function walk(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...walk(join(dir, e.name), re));
    else if (re.test(e.name)) out.push(join(dir, e.name));
  }
  return out;
}

export interface SeedFile {
  name: string;
  bytes: Uint8Array;
}

/** Every vendored capture file, sorted by path (deterministic). */
export function captureFiles(): SeedFile[] {
  return walk(CAPTURE_DIR, /\.(pcap|pcapng)$/).map((p) => ({
    name: p.slice(ROOT.length),
    bytes: new Uint8Array(readFileSync(p)),
  }));
}

/** Frames of the vendored captures (at most `perFile` from each), in file order. */
export function captureFrames(perFile = 64): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of captureFiles()) {
    const c = readCapture(f.bytes, f.name);
    for (const r of c.records.slice(0, perFile)) out.push(r.data.slice());
  }
  return out;
}

/** The iovctl.conf fixtures (valid and invalid ones) as text, sorted by name. */
export function iovctlSeeds(): SeedFile[] {
  return walk(IOVCTL_DIR, /\.conf$/).map((p) => ({
    name: p.slice(ROOT.length),
    bytes: new Uint8Array(readFileSync(p)),
  }));
}
