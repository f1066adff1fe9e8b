// An NDR no further from 0 than one step of the RFC 2544 search: on a 100 GbE port at 64 B the
// default --precision 1 is a 1.488 Mpps step, and `paths` printed NDR 1.163 Mpps with no word
// that the search could place it only somewhere in [1.163, 2.651] (1.92 at --precision 0.02).
// The note says so, with the precision that resolves it, and that precision's NDR lies inside.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PathsJson, pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const state = tempDir("iovsim-resolution-note-");
const cli = (argv: string[]) => iovsim(argv, { stateDir: state });

async function paths(...extra: string[]): Promise<PathsJson> {
  const r = await cli([
    "paths",
    "-f",
    join(root, "examples", "ice0.conf"),
    "--path",
    "native",
    "--size",
    "64",
    "--workers",
    "1",
    ...extra,
    "--json",
  ]);
  expect(r.code, r.err).toBe(0);
  return pathsJsonSchema.parse(JSON.parse(r.out));
}

describe("paths: an NDR within one search step of 0", () => {
  it("is said, with the range the search leaves and a --precision that resolves it", async () => {
    expect((await cli(["reset", "--host", join(root, "examples", "hosts", "e810.json")])).code).toBe(0);
    const coarse = await paths();
    const p = coarse.paths[0];
    const step = 0.01 * p.line_rate_mpps!;
    expect(p.ndr_mpps).toBeGreaterThan(0);
    expect(p.ndr_mpps).toBeLessThanOrEqual(step);
    const note = coarse.notes.find((n) => n.startsWith("native rx 64: NDR "));
    expect(note).toBeDefined();
    const m =
      /^native rx 64: NDR ([\d.]+) Mpps is within one search resolution step of 0 \(1\.488 Mpps, --precision 1 % of the 148\.810 Mpps line rate\): the search places it only between ([\d.]+) and ([\d.]+) Mpps; a finer --precision resolves it \(e\.g\. --precision ([\d.]+)\)$/.exec(
        note!,
      );
    expect(m, note).not.toBeNull();
    const [, ndr, lo, hi, finer] = m!;
    expect(Number(ndr)).toBeCloseTo(p.ndr_mpps!, 3);
    expect(Number(lo)).toBeCloseTo(p.ndr_mpps!, 3);
    expect(Number(hi)).toBeCloseTo(p.ndr_mpps! + step, 3);
    const fine = await paths("--precision", finer);
    const q = fine.paths[0];
    expect(q.ndr_mpps!).toBeGreaterThanOrEqual(p.ndr_mpps!);
    expect(q.ndr_mpps!).toBeLessThanOrEqual(Number(hi));
    // Resolved: no such note at the finer precision.
    expect(fine.notes.some((n) => n.includes("within one search resolution step"))).toBe(false);
  }, 120_000);
});
