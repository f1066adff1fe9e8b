// The counts `sweep run` and `sweep merge` print agree with their nouns: "1 point", "2 points".
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const dir = tempDir("iovsim-sweep-wording-");

describe("sweep run / merge: one point is '1 point'", () => {
  it("a shard of one point, then a merge with one point missing", async () => {
    const file = join(dir, "two.yaml");
    writeFileSync(
      file,
      "name: two\nexperiment: paths\naxes:\n  size: [64, 128]\noptions: {path: native, rate: 10%, count: 100}\n",
    );
    const out = join(dir, "results");
    const run = await iovsim(["sweep", "run", file, "--out", out, "--shard", "0/2"]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^shard 0\/2: 1 point, 1 run, 0 already done, 0 failed\n$/m);
    const refused = await iovsim(["sweep", "merge", out]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/: 1 of 2 points missing \(\d\)/);
    const partial = await iovsim(["sweep", "merge", out, "--partial", "--csv"]);
    expect(partial.code, partial.err).toBe(0);
    expect(partial.err).toMatch(/^sweep merge: 1 point missing: \d\n$/);
  }, 120_000);
});
