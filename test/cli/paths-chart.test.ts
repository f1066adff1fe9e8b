// `paths --chart`: each path's latency against the offered load of its load points, drawn in
// text below the tables and above the simulator-speed line; refused where there is nothing to
// draw (one load point) or no terminal table (--json, --csv).
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

describe("paths --chart", () => {
  it("draws each path's latency against load below the tables, before the simulator's speed", async () => {
    const r = await iovsim(["paths", "--path", "native,vm-vf", "--size", "64", "--chart"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const chartsAt = r.out.indexOf("Latency against offered load (simulated):");
    const speedAt = r.out.indexOf("simulator speed (wall clock");
    expect(chartsAt).toBeGreaterThan(r.out.indexOf("At the load points:"));
    expect(speedAt).toBeGreaterThan(chartsAt);
    const charts = r.out.slice(chartsAt, speedAt);
    expect(charts).toContain("native rx 64 B: one-way latency, µs (simulated) (log scale)");
    expect(charts).toContain("vm-vf rx 64 B: one-way latency, µs (simulated) (log scale)");
    expect(charts.match(/lines ending top to bottom: /g)).toHaveLength(2);
    // Not a terminal: no colour.
    expect(r.out).not.toContain(`${String.fromCharCode(27)}[`);
  });

  it("is not drawn unless asked", async () => {
    const r = await iovsim(["paths", "--path", "native", "--size", "64"]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("Latency against offered load");
  });

  it.each([
    [["--json"], "--chart draws on the terminal table, not with --json"],
    [["--csv"], "--chart draws on the terminal table, not with --csv"],
    [["--rate", "1Mpps"], "--rate measures one load point"],
    [["--application", "--window", "8"], "--window measures one load point"],
  ])("is refused with %j: %s", async (extra, message) => {
    const r = await iovsim(["paths", "--path", "native", "--size", "64", "--chart", ...extra]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(message);
  });

  it("is a paths option only (ping and demo refuse it)", async () => {
    for (const cmd of ["ping", "demo"]) {
      const r = await iovsim([cmd, "--chart"]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/--chart/);
    }
  });
});
