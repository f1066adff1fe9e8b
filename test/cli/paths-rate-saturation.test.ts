// `paths --rate R`: a load point that keeps a resource busy for its whole trial, or whose work
// for the frames offered takes longer than the trial offered them for, is said to be beyond
// what the path sustains (a note, and `above_capacity` in the JSON), even when its queues
// absorbed the excess (0 % loss shown).
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

/** `paths ...argv --json`, which must succeed: its document. */
async function paths(...argv: string[]) {
  const r = await iovsim(["paths", ...argv, "--json"]);
  expect(r.code, r.err).toBe(0);
  return pathsJsonSchema.parse(JSON.parse(r.out));
}

describe("paths --rate: a saturated load point", () => {
  it("above what vhost sustains: a note names the busy resource", async () => {
    const j = await paths("--path", "virtio-tap", "--size", "64", "--rate", "1.3Mpps");
    const note = j.notes.find((n) => n.includes("busy for the whole trial"));
    expect(note).toMatch(/^virtio-tap rx 64: at --rate 1\.3Mpps vhost0 was busy for the whole trial/);
    expect(j.paths[0]!.load_points[0]!.above_capacity).toMatchObject({ resource: "vhost0", basis: "busy" });
  });

  it("a short trial whose queues absorb the excess (0 % loss): the work share says so, and the JSON flags it", async () => {
    // jail-epair at 64 B: host-core0 pays about 3,020 cycles per frame at 2.93 GHz (at most
    // about 0.97 Mpps), so 1 Mpps is beyond it, though a 1 ms trial delivers every frame and
    // the core is busy less than the whole trial (95 %).
    const j = await paths(
      "-f",
      "examples/jail.conf",
      "--path",
      "jail-epair",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--workers",
      "1",
    );
    const lp = j.paths[0]!.load_points[0]!;
    expect(lp.loss_ratio).toBe(0);
    expect(lp.above_capacity).toMatchObject({ resource: "host-core0", basis: "work" });
    expect(lp.above_capacity!.work_share).toBeGreaterThan(1);
    expect(lp.above_capacity!.capacity_mpps).toBeLessThan(1);
    const note = j.notes.find((n) => n.startsWith("jail-epair rx 64: at --rate 1Mpps"));
    expect(note).toMatch(
      /host-core0's work for the frames offered \(\d+ cycles at 2\.93 GHz per delivered frame: at most 0\.9\d\d Mpps\) takes 10\d\.\d % of the time they were offered in: the path does not sustain this load/,
    );
  });

  it("the same path well within it: no note, no flag", async () => {
    const j = await paths(
      "-f",
      "examples/jail.conf",
      "--path",
      "jail-epair",
      "--size",
      "64",
      "--rate",
      "0.5Mpps",
      "--workers",
      "1",
    );
    expect(j.notes.some((n) => n.includes("does not sustain"))).toBe(false);
    expect(j.paths[0]!.load_points[0]!.above_capacity).toBeUndefined();
  });

  it("well below it: no such note", async () => {
    const j = await paths("--path", "virtio-tap", "--size", "64", "--rate", "0.3Mpps");
    expect(j.notes.some((n) => n.includes("busy for the whole trial"))).toBe(false);
  });
});
