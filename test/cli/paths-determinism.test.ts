// The determinism promise of `paths --json`: the same document, minus the wall-clock
// `simulator` block, for --workers 1 (inline) and --workers 2 (a pool of worker threads).
import { describe, expect, it } from "vitest";
import { iovsimJson } from "../helpers/cli.ts";

const json = (argv: string[]) => iovsimJson(["paths", "--json", ...argv]);

const withoutSimulator = (j: Record<string, unknown>) => JSON.stringify({ ...j, simulator: undefined });

describe("paths --json determinism", () => {
  it("is identical (minus the simulator block) for --workers 1 and --workers 2", async () => {
    const args = [
      "--path",
      "native,jail-vf,virtio",
      "--size",
      "64,512",
      "--trial-ms",
      "0.2",
      "--precision",
      "10",
    ];
    const one = await json([...args, "--workers", "1"]);
    const two = await json([...args, "--workers", "2"]);
    expect(one.simulator.workers).toBe(1);
    expect(two.simulator.workers).toBe(2);
    expect(withoutSimulator(two)).toBe(withoutSimulator(one));
  });
});
