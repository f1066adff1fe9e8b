// Determinism (issue 9 item 12): the same configuration and inputs give byte-identical
// `switch` output captures and counters.json, run after run, through the CLI.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const ex = (f: string) => join(root, "examples", f);
const tmp = tempDir("iovsim-determinism-");

async function runTo(out: string, engine: string): Promise<Map<string, Buffer>> {
  const { code: rc } = await iovsim([
    "--state",
    join(tmp, "state"),
    "switch",
    "-f",
    ex("ixl0.conf"),
    "--in",
    `wire=${ex("in.pcap")}`,
    "--in",
    `VF-0=${ex("tx.pcap")}`,
    "--in",
    `wire=${ex("capture.pcap")}`,
    "--per-queue",
    "--format",
    "pcapng",
    "--engine",
    engine,
    "--out",
    out,
  ]);
  expect(rc).toBe(0);
  return new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
}

describe("switch determinism", () => {
  for (const engine of ["wasm", "reference"]) {
    it(`two runs (${engine}) write the same bytes in every output`, async () => {
      const a = await runTo(join(tmp, `${engine}-a`), engine);
      const b = await runTo(join(tmp, `${engine}-b`), engine);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      expect(a.size).toBeGreaterThan(10);
      for (const [name, bytes] of a) expect(Buffer.compare(bytes, b.get(name)!), name).toBe(0);
      // Something was actually switched: VF-0 received frames, the wire got VF-0's.
      expect(a.get("VF-0.pcapng")!.length).toBeGreaterThan(200);
      expect(JSON.parse(a.get("counters.json")!.toString()).conservation).toBe("ok");
    });
  }
});
