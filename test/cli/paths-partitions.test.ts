// `paths --partitions 2` (issue 8 item 6): each simulation runs on two threads, synchronized
// conservatively on virtual time; the simulated report equals the one-thread report, and what
// the partitioned run cannot cut is refused with the option named.
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

/** The report without the simulator-speed block (wall clock, threads). */
function simulated(out: string) {
  const { simulator: _s, ...rest } = JSON.parse(out);
  return rest;
}

describe("paths --partitions", () => {
  it("2 threads per simulation give the one-thread report (search, load points, ping)", async () => {
    const args = ["paths", "--path", "native,vm-vf", "--size", "64", "--precision", "5", "--json"];
    const one = await cli([...args, "--workers", "1"]);
    const two = await cli([...args, "--partitions", "2"]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(simulated(two.out)).toEqual(simulated(one.out));
    const doc = pathsJsonSchema.parse(JSON.parse(two.out));
    expect(doc.paths[0].load_points.length).toBeGreaterThan(0);
    expect(doc.simulator.partitions).toBe(2);
    expect(JSON.parse(one.out).simulator.partitions).toBeUndefined();
    // The threads' synchronization, in the simulator-speed block only: every link record the
    // source threads sent was taken in an exchange.
    const sync = doc.simulator.sync!;
    expect(sync.records).toBeGreaterThan(0);
    expect(sync.exchanges).toBeGreaterThan(0);
    expect(sync.exchanges).toBeLessThanOrEqual(sync.records);
    // Naps, counted apart from sleeps: only the source's wait for room naps.
    expect(sync.naps).toHaveLength(2);
    expect(sync.naps![0]).toBe(0);
    // A document written before `naps` was reported still validates.
    const older = JSON.parse(two.out);
    delete older.simulator.sync.naps;
    expect(pathsJsonSchema.parse(older).simulator.sync!.naps).toBeUndefined();
    expect(JSON.parse(one.out).simulator.sync).toBeUndefined();
  }, 120_000);

  it("a sender's receive-first waits and push-back are the one-thread ones, whichever partition runs it", async () => {
    // native and vm-vf both: gen-tx waits for receive work on the consumer's CPU (the consumer
    // partition; the CLI cuts only at a wire generator, so every CPU sender runs there:
    // test/engine/parallel-senders.test.ts covers pktgen in the source partition).
    const args = ["paths", "--path", "native,vm-vf", "--direction", "both", "--size", "64"];
    const one = await cli([...args, "--rate", "100%", "--workers", "1", "--json"]);
    const two = await cli([...args, "--rate", "100%", "--partitions", "2", "--json"]);
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    expect(simulated(two.out)).toEqual(simulated(one.out));
    for (const p of pathsJsonSchema.parse(JSON.parse(two.out)).paths)
      expect(p.load_points[0].receive_first?.[0]?.waited_ratio).toBeGreaterThan(0.5);
  }, 120_000);

  it("prints the threads' synchronization on the simulator-speed line", async () => {
    const r = await cli([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "1mpps",
      "--partitions",
      "2",
    ]);
    expect(r.code).toBe(0);
    const line = r.out.split("\n").find((l) => l.startsWith("simulator speed"));
    expect(line).toMatch(
      /--partitions 2\); the threads waited for each other \d+ \+ \d+ times? \(consumer \+ source\), [\d.]+ \+ [\d.]+ s wall, \d+ wake-ups?, [1-9]\d* link records? in [1-9]\d* exchanges?/,
    );
  }, 60_000);

  it("refuses what it cannot cut or does not carry, naming --partitions", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--direction", "tx"], /--partitions 2: native tx has no wire generator/],
      [["--workers", "2"], /--partitions 2: runs one simulation at a time/],
      [["--inject-fault", "worker-exit"], /--partitions 2: --inject-fault is not supported/],
      [["--partitions", "3"], /--partitions/],
    ];
    for (const [extra, message] of cases) {
      const r = await cli(["paths", "--path", "native", "--size", "64", "--partitions", "2", ...extra]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it("refuses a run whose every path it leaves out (not empty tables and exit 0), with each reason", async () => {
    // tx: no default path's frames come from the wire, so each is left out.
    const r = await cli(["paths", "--partitions", "2", "--direction", "tx", "--size", "64"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^iovsim: --partitions 2: no path left to run: every path was left out/);
    expect(r.err).toContain("  native tx has no wire generator to cut at (use --direction rx or both)\n");
    expect(r.err).toContain(
      "  virtio-tap tx has no wire generator to cut at (its frames never come from the wire",
    );
  });
});
