// `--inject-fault` on `paths` and `steering` (issue 9 item 11): the run completes, exits 3
// ("completed with an injected fault"), the table, --json, --csv and --html name the fault, and
// the counters conserve with the fault's drops named.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

const PATHS = ["paths", "--path", "native", "--size", "64", "--rate", "3Mpps", "--workers", "1"];

describe("paths --inject-fault", () => {
  it("--json: exit 3, the fault named at the top and at its load point, drops named, conserved", async () => {
    const r = await cli([
      ...PATHS,
      "--json",
      "--inject-fault",
      "sink-stall:at=20%,for=60%,generator-overrun:x=2,buffer=64",
      "--inject-fault",
      "worker-exit",
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/completed with injected fault\(s\): sink-stall:queue=0,at=20%,for=60%/);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.faults?.injected).toEqual([
      "sink-stall:queue=0,at=20%,for=60%",
      "generator-overrun:at=20%,for=10%,x=2,buffer=64",
      "worker-exit:at=50%",
    ]);
    expect(j.faults?.records.map((f) => f.kind).sort()).toEqual([
      "generator-overrun",
      "sink-stall",
      "worker-exit",
    ]);
    const lp = j.paths[0].load_points[0];
    const c = lp.conservation;
    expect(c.ok).toBe(true);
    const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    expect(c.sent + c.copies).toBe(c.delivered + dropped + c.in_flight);
    expect(c.dropped["generator-overrun"]).toBeGreaterThan(0);
    expect(c.dropped["NIC switch: no descriptor"]).toBeGreaterThan(0);
    expect(lp.faults?.map((f) => f.kind)).toContain("sink-stall");
  }, 120_000);

  it("table, --csv and --html name the fault; without a fault the exit status stays 0", async () => {
    const t = await cli([...PATHS, "--inject-fault", "sink-stall:for=60%"]);
    expect(t.code).toBe(3);
    expect(t.out).toMatch(/Injected faults \(simulated\): sink-stall:queue=0,at=20%,for=60%/);
    expect(t.out).toMatch(/sink-stall on native rx 64 B at 3\.000 Mpps: queue 0's consumer took nothing/);
    const csv = await cli([...PATHS, "--csv", "--inject-fault", "generator-overrun"]);
    expect(csv.code).toBe(3);
    // RFC 4180: no comment line; the load point's row says what the fault did.
    const [head, row] = parseCsv(csv.out);
    expect(row[head.indexOf("faults")]).toMatch(
      /^generator-overrun \(generator-overrun:at=20%,for=10%,x=1\.5,buffer=\d+\): .*\[dropped: \d+ generator-overrun\]/,
    );
    const html = join(mkdtempSync(join(tmpdir(), "iovsim-faults-html-")), "r.html");
    const h = await cli([...PATHS, "--html", html, "--inject-fault", "worker-exit"]);
    expect(h.code).toBe(3);
    const page = readFileSync(html, "utf8");
    expect(page).toContain('id="faults"');
    expect(page).toMatch(/worker-exit on native rx 64 B/);
    const clean = await cli(PATHS);
    expect(clean.code).toBe(0);
    expect(clean.out).not.toMatch(/Injected faults/);
  }, 180_000);

  it("refuses a fault a path cannot take, and an unknown fault, before running", async () => {
    const tx = await cli(["paths", "--path", "native", "--direction", "tx", "--inject-fault", "sink-stall"]);
    expect(tx.code).toBe(1);
    expect(tx.err).toMatch(
      /--inject-fault sink-stall:queue=0,at=20%,for=50%: path native has no receiving consumer/,
    );
    const bad = await cli(["paths", "--inject-fault", "power-cut"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /unknown fault 'power-cut' \(faults: worker-exit, sink-stall, generator-overrun\)/,
    );
  });
});

describe("steering --inject-fault", () => {
  const STEER = [
    "steering",
    "--strategy",
    "outer-rss",
    "--queues",
    "4",
    "--frames",
    "6000",
    "--rate",
    "60%",
    "--no-ndr",
  ];
  it("--json: exit 3, fault records per run, other cores as without the fault", async () => {
    const clean = await cli([...STEER, "--json"]);
    expect(clean.code).toBe(0);
    const r = await cli([...STEER, "--json", "--inject-fault", "sink-stall:queue=2,at=10%,for=60%"]);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.out);
    const c = JSON.parse(clean.out);
    expect(j.injected_faults).toEqual(["sink-stall:queue=2,at=10%,for=60%"]);
    expect(j.faults[0]).toMatchObject({ kind: "sink-stall", queue: 2, strategy: "outer-rss" });
    const pq = j.results[0].per_queue;
    for (const q of [0, 1, 3]) expect(pq[q]).toBe(c.results[0].per_queue[q]);
    expect(j.results[0].conservation_ok).toBe(true);
    expect(j.results[0].drops["nic: rx ring full (no descriptor)"]).toBe(c.results[0].per_queue[2] - pq[2]);
  }, 120_000);
  it("table and csv name the fault; a fault needing --rate without it is refused", async () => {
    const t = await cli([...STEER, "--inject-fault", "generator-overrun:x=3,buffer=32"]);
    expect(t.code).toBe(3);
    expect(t.out).toMatch(/injected faults \(simulated\): generator-overrun:at=20%,for=10%,x=3,buffer=32/);
    expect(t.out).toMatch(/frame\(s\) found its 32-frame buffer full/);
    const html = join(mkdtempSync(join(tmpdir(), "iovsim-faults-html-")), "s.html");
    const h = await cli([...STEER, "--html", html, "--inject-fault", "sink-stall:queue=3"]);
    expect(h.code).toBe(3);
    expect(readFileSync(html, "utf8")).toMatch(
      /id="faults"[\s\S]*sink-stall \(sink-stall:queue=3,at=20%,for=50%\)/,
    );
    const csv = await cli([...STEER, "--csv", "--inject-fault", "worker-exit"]);
    expect(csv.code).toBe(3);
    const [head, row] = parseCsv(csv.out);
    expect(row[head.indexOf("faults")]).toMatch(/^worker-exit \(worker-exit:at=50%\): /);
    const noRate = await cli(["steering", "--queues", "4", "--inject-fault", "sink-stall"]);
    expect(noRate.code).toBe(1);
    expect(noRate.err).toMatch(/needs --rate/);
  }, 120_000);
});
