// `iovsim demo --json / --csv / --html` (schema iovsim.demo/1, docs/demo-json.md): the real demo
// validated against the zod schema; the CSV has the rows the JSON's figures make (docs list them).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { DEMO_CSV_HEADER, demoJsonSchema } from "../../src/report/demo-json.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-demo-out-"));
const FAST = ["--trial-ms", "0.2", "--workers", "1"];

const cli = (argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });

describe("iovsim demo: machine-readable output", () => {
  it("--json validates against iovsim.demo/1, --csv has one row per figure of it, --html has every part", async () => {
    const html = join(tmp, "demo.html");
    const r = await cli(["demo", "--json", "--html", html, ...FAST]);
    expect(r.err).toBe(`iovsim: wrote ${html}\n`);
    expect(r.code).toBe(0);
    const j = demoJsonSchema.parse(JSON.parse(r.out));
    expect(j.schema).toBe("iovsim.demo/1");
    expect(j.paths.schema).toBe("iovsim.paths/2");
    expect(j.config.text).toMatch(/num_vfs : 3/);
    expect(j.vfs).toHaveLength(3);
    expect(j.vfs[0]).toMatchObject({ index: 0, use: "vnet-jail", vm: null });
    expect(j.vfs[1]).toMatchObject({ index: 1, use: "bhyve-vm", vm: "vm0" });
    expect(j.paths.paths.length).toBeGreaterThan(3);
    expect(j.paths.ping.map((p) => p.path)).toContain("vm-vf");
    // (a) one tunnel pair: five strategies per mix; (b) the fix: one; two mixes.
    expect(j.steering.runs.filter((x) => x.regime === "one-tunnel")).toHaveLength(10);
    expect(j.steering.runs.filter((x) => x.regime === "instances")).toHaveLength(2);
    const single = j.steering.runs.find((x) => x.strategy === "single" && x.traffic === "vxlan");
    expect(single?.jain).toBeCloseTo(0.25, 6);
    for (const x of j.steering.runs) expect(x.per_core_frames).toHaveLength(j.steering.cores);
    expect(j.problems).toEqual([]);

    const page = readFileSync(html, "utf8");
    for (const id of ["throughput", "latency", "ping", "steering", "configuration", "reproduce"])
      expect(page, id).toMatch(new RegExp(`<section id="${id}"`));
    expect(page).not.toMatch(/https?:\/\//);

    const c = await cli(["demo", "--csv", ...FAST]);
    expect(c.code).toBe(0);
    expect(c.err).toMatch(/^simulator speed \(wall clock/);
    const rows = parseCsv(c.out);
    expect(rows[0]).toEqual([...DEMO_CSV_HEADER]);
    // paths: NDR, PDR (when searched), line rate (when a wire carries the run), and five figures
    // per load point; ping: five RTT figures per path with a reply; steering: Jain, NDR (when
    // found) and one count per core.
    const expected =
      j.paths.paths.reduce(
        (a, p) =>
          a +
          (p.ndr_mpps !== null ? 1 : 0) +
          (p.pdr_mpps !== null ? 1 : 0) +
          (p.line_rate_mpps !== null ? 1 : 0) +
          5 * p.load_points.length,
        0,
      ) +
      5 * j.paths.ping.filter((p) => p.received > 0).length +
      j.steering.runs.reduce((a, x) => a + 1 + (x.ndr_mpps !== null ? 1 : 0) + x.per_core_frames.length, 0);
    expect(rows.length - 1).toBe(expected);
    const sections = new Set(rows.slice(1).map((x) => x[0]));
    expect([...sections]).toEqual(["paths", "ping", "steering"]);
    // Same options and seed: the simulated figures are the JSON's.
    const ndr = rows.find((x) => x[0] === "paths" && x[1] === "native rx 64" && x[2] === "ndr_mpps");
    expect(Number(ndr?.[3])).toBe(j.paths.paths.find((p) => p.name === "native")?.ndr_mpps);
    const jain = rows.find(
      (x) => x[0] === "steering" && x[1] === "one-tunnel vxlan single" && x[2] === "jain",
    );
    expect(Number(jain?.[3])).toBe(single?.jain);
  }, 400_000);
});
