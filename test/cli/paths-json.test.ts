// `paths --json` against its documented schema (docs/paths-json.md = pathsJsonSchema).
// The determinism promise (workers 1 vs 2) is in paths-determinism.test.ts.
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsimJson } from "../helpers/cli.ts";

const json = (argv: string[]) => iovsimJson(["paths", "--json", ...argv]);

describe("paths --json", () => {
  it("validates against the schema: search, three load points, ping, simulator block", async () => {
    const j = await json([
      "--path",
      "native,vm-vf",
      "--size",
      "64",
      "--trial-ms",
      "0.2",
      "--precision",
      "10",
    ]);
    const parsed = pathsJsonSchema.parse(j);
    expect(parsed.schema).toBe("iovsim.paths/2");
    expect(parsed.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(parsed.profile.name).toBe("bhyve");
    expect(parsed.paths.map((p) => p.name)).toEqual(["native", "vm-vf"]);
    for (const p of parsed.paths) {
      expect(p.ndr_mpps).not.toBeNull();
      expect(p.pdr_mpps as number).toBeGreaterThanOrEqual(p.ndr_mpps as number);
      expect(p.load_points.map((l) => l.fraction_of_ndr)).toEqual([0.1, 0.5, 0.9]);
      for (const lp of p.load_points) {
        expect(lp.loss_ratio).toBe(0);
        expect(lp.conservation.ok).toBe(true);
        expect(lp.cpu.length).toBeGreaterThan(0);
      }
    }
    expect(parsed.ping.map((p) => p.path)).toEqual(["native", "vm-vf"]);
    expect(parsed.simulator.frames).toBeGreaterThan(0);
    expect(parsed.simulator.workers).toBeGreaterThanOrEqual(1);
  });

  it("--rate gives exactly one load point at that rate and no search", async () => {
    const j = pathsJsonSchema.parse(
      await json(["--path", "native", "--size", "64", "--rate", "2Mpps", "--trial-ms", "0.5"]),
    );
    expect(j.paths[0].ndr_mpps).toBeNull();
    expect(j.search).toBeNull();
    expect(j.rate).toBe("2Mpps");
    expect(j.paths[0].load_points).toHaveLength(1);
    expect(j.paths[0].load_points[0].offered_mpps).toBeCloseTo(2, 1);
    // The exact minimum latency beside the percentiles, mean and maximum.
    const l = j.paths[0].load_points[0].latency_us!;
    expect(l.min).toBeGreaterThan(0);
    expect(l.min!).toBeLessThanOrEqual(l.p50);
    expect(l.min!).toBeLessThanOrEqual(l.mean);
    expect(l.p50).toBeLessThanOrEqual(l.max);
  });

  it("records --encap, --flows and --proto, so the run can be reproduced from its document", async () => {
    const argv = ["--path", "native", "--size", "128", "--rate", "1Mpps", "--trial-ms", "0.2"];
    const given = pathsJsonSchema.parse(
      await json([...argv, "--encap", "vxlan", "--flows", "7", "--proto", "tcp"]),
    );
    expect(given.traffic).toEqual({ encap: "vxlan", flows: 7, proto: "tcp" });
    // Not given: the defaults the run used, filled in.
    expect(pathsJsonSchema.parse(await json(argv)).traffic).toEqual({
      encap: "none",
      flows: 64,
      proto: "udp",
    });
  });

  it("--count offers exactly that many frames: no default duration cuts it short", async () => {
    // 5,000 frames at 1 Mpps take 5 ms of virtual time, five times the default trial.
    const j = pathsJsonSchema.parse(
      await json(["--path", "native", "--size", "64", "--rate", "1Mpps", "--count", "5000"]),
    );
    expect(j.trial).toEqual({ virtual_ms: null, count: 5000 });
    expect(j.paths[0].load_points[0].conservation.sent).toBe(5000);
    expect(j.paths[0].load_points[0].conservation.delivered).toBe(5000);
    // Rates are per second of the time offering them took (5 ms), not of a padded window: the
    // offered rate is the --rate asked for (it read 0.45 Mpps when the window was 2x + 1 ms).
    expect(j.paths[0].load_points[0].offered_mpps).toBeCloseTo(1, 6);
    expect(j.paths[0].load_points[0].delivered_mpps).toBeCloseTo(1, 6);
  });

  it("--direction both includes the transmit-only vf-loopback (as tx, with a note); rates sum both directions", async () => {
    const j = pathsJsonSchema.parse(
      await json([
        "--direction",
        "both",
        "--path",
        "native,vf-loopback",
        "--size",
        "64",
        // Below what native's one core does in both directions (its receive work comes first:
        // at 10 %, 1.49 Mpps each, the sender on that core falls short).
        "--rate",
        "5%",
        "--trial-ms",
        "0.2",
      ]),
    );
    expect(j.paths.map((p) => `${p.name}/${p.direction}`)).toEqual(["native/both", "vf-loopback/tx"]);
    expect(j.notes.join("\n")).toMatch(/vf-loopback only transmits/);
    const [both, tx] = j.paths;
    // vf-loopback never reaches the wire: no line rate, the port's kept as the search's ceiling.
    expect(tx.line_rate_mpps).toBeNull();
    expect(tx.no_wire).toMatch(/never over the wire/);
    expect(both.line_rate_mpps).toBeCloseTo(2 * tx.ceiling_mpps, 9);
    expect(both.load_points[0].offered_mpps).toBeCloseTo(2 * tx.load_points[0].offered_mpps, 2);
    // Each direction apart: --rate is per direction, so each is offered what tx alone is.
    const d = both.load_points[0].per_direction;
    expect(d?.rx.offered_mpps).toBeCloseTo(tx.load_points[0].offered_mpps, 2);
    expect(d?.tx.offered_mpps).toBeCloseTo(tx.load_points[0].offered_mpps, 2);
    expect(tx.load_points[0].per_direction).toBeUndefined();
  });
});
