// `sweep merge --csv` of a steering sweep, end to end: each merged row is the point's columns
// followed by exactly the row `iovsim steering --csv` prints for that point's own command.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const SWEEP = `name: steer-merge
experiment: steering
axes:
  strategy: [single, inner-rss]
options:
  queues: "1,2"
  frames: 500
  rate: 10%
  no-ndr: true
`;

describe("sweep merge --csv, steering", () => {
  it("point columns, then steering --csv's header and each point's own rows", async () => {
    const dir = tempDir("iovsim-sweep-steer-");
    writeFileSync(join(dir, "s.yaml"), SWEEP);
    const out = join(dir, "out");
    const run = await iovsim(["sweep", "run", join(dir, "s.yaml"), "--out", out]);
    expect(run.code, run.err).toBe(0);
    const merged = await iovsim(["sweep", "merge", out, "--csv"]);
    expect(merged.code, merged.err).toBe(0);
    const lines = merged.out.trimEnd().split("\r\n");
    for (const [index, strategy] of [
      [0, "single"],
      [1, "inner-rss"],
    ] as const) {
      const own = await iovsim([
        "steering",
        "--queues",
        "1,2",
        "--frames",
        "500",
        "--rate",
        "10%",
        "--no-ndr",
        "--strategy",
        strategy,
        "--seed",
        "1",
        "--csv",
      ]);
      expect(own.code, own.err).toBe(0);
      const [head, ...rows] = own.out.trimEnd().split("\r\n");
      expect(lines[0]).toBe(`index,point_strategy,point_seed,${head}`);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(lines).toContain(`${index},${strategy},1,${row}`);
    }
    expect(lines).toHaveLength(5);
  }, 180_000);
});
