// The CLI as a user runs it: `paths --json` shape, labelled tables, ping, demo, bad input.
// Short virtual trials and coarse searches keep each run small.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { PATHS_CSV_HEADER, pathsCsv } from "../../src/report/paths-csv.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

const FAST = ["--trial-ms", "0.2", "--precision", "10", "--workers", "1"];
const ONE_POINT = ["--trial-ms", "0.2", "--workers", "1"];

describe("iovsim paths", () => {
  it("the table labels every figure simulated and reports the simulator's speed apart", async () => {
    const t = await cli(["paths", "--path", "vm-vf", "--size", "64", ...FAST]);
    expect(t.err).toBe("");
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/NDR Mpps\s*│[\s\S]*\(simulated\)/);
    expect(t.out).toMatch(/latency µs \(simulated\)/);
    expect(t.out).toMatch(/10% NDR[\s\S]*50% NDR[\s\S]*90% NDR/);
    expect(t.out).toMatch(/RTT µs \(simulated\)/);
    // The only wall-clock figures: one footer line, labelled.
    const speed = t.out.split("\n").filter((l) => /wall/.test(l));
    expect(speed).toHaveLength(1);
    expect(speed[0]).toMatch(
      /^simulator speed \(wall clock on this machine, not a simulated figure\): .*× real time/,
    );
    expect(t.out).not.toMatch(/measured|modeled/);
  });

  it("--csv is RFC 4180, one row per load point equal to --json; the simulator line goes to stderr", async () => {
    const args = ["paths", "--path", "native", "--size", "64", "--rate", "10%", ...ONE_POINT];
    const c = await cli([...args, "--csv"]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^path,direction,size,/); // a header first, no comment line
    expect(c.out.endsWith("\r\n")).toBe(true);
    const [head, ...rows] = parseCsv(c.out); // strict: a bare LF or a # line would throw
    expect(head).toEqual([...PATHS_CSV_HEADER]);
    // Same figures as --json, through the one CSV writer (its column by column mapping is pinned
    // with literal values in test/report/paths-csv.test.ts).
    const j = pathsJsonSchema.parse(JSON.parse((await cli([...args, "--json"])).out));
    expect(c.out).toBe(pathsCsv(j));
    expect(rows).toHaveLength(j.paths.reduce((n, p) => n + p.load_points.length, 0));
    expect(rows[0].slice(0, 8)).toEqual(["native", "rx", "64", "", "", "", "", rows[0][7]]);
    expect(c.err).toMatch(/^simulator speed \(wall clock/);
  });

  it("a user's profile is used by name in the report, and a slower stack lowers NDR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prof-"));
    const slow = {
      name: "slow-stack",
      extends: "bhyve",
      description: "bhyve with a receive stack ten times as expensive (test)",
      constants: {
        stack_rx_cycles: {
          value: 20_000,
          unit: "cycles/packet",
          range: [1, 100_000],
          tag: "assumption",
          source: "test: a deliberately slow stack",
          use: "per received packet in the consumer's stack",
        },
      },
    };
    writeFileSync(join(dir, "p.json"), JSON.stringify(slow));
    const base = ["paths", "--path", "native", "--size", "64", "--json", ...FAST];
    const a = JSON.parse((await cli(base)).out);
    const b = JSON.parse((await cli([...base, "--profile", join(dir, "p.json")])).out);
    expect(b.profile.name).toBe("slow-stack");
    expect(b.paths[0].ndr_mpps).toBeLessThan(a.paths[0].ndr_mpps);
    // A user's copy of a built-in keeps its name: the text says which file it came from (it
    // read "cost profile 'bhyve'" as if the built-in had run); ping says so too.
    const copy = join(dir, "mine.json");
    writeFileSync(copy, readFileSync(new URL("../../src/model/costs/bhyve.json", import.meta.url)));
    const t = await cli([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "10%",
      ...ONE_POINT,
      "--profile",
      copy,
    ]);
    expect(t.out).toContain(`cost profile 'bhyve' (${copy}),`);
    expect(
      (await cli(["paths", "--path", "native", "--size", "64", "--rate", "10%", ...ONE_POINT])).out,
    ).toContain("cost profile 'bhyve', ");
    expect((await cli(["ping", "--path", "native", "-c", "1", "--profile", copy])).out).toContain(
      `cost profile bhyve (${copy}), simulated`,
    );
  });

  // The search counts whole frames per second: line rate passing at 1518 B came back as
  // 812,744 pps, above the 812,743.8 of the line (10.000002 Gbit/s on a 10 Gbit/s link).
  it("an NDR at line rate is the line rate, never above it (Mpps and Gbit/s)", async () => {
    const r = await cli(["paths", "--path", "native", "--size", "1518", "--json", ...FAST]);
    const p = JSON.parse(r.out).paths[0];
    expect(p.ndr_mpps).toBe(p.line_rate_mpps);
    for (const k of ["ndr_mpps", "pdr_mpps", "search_ndr_mpps", "search_pdr_mpps"])
      expect(p[k], k).toBeLessThanOrEqual(p.line_rate_mpps);
    for (const k of ["ndr_gbps", "pdr_gbps"]) expect(p[k], k).toBeLessThanOrEqual(10);
  });

  it("bad options are named, exit 1, no stack trace", async () => {
    for (const [argv, re] of [
      [["paths", "--path", "nope"], /--path: unknown path 'nope'/],
      [["paths", "--path", ""], /--path: empty path name/],
      [["paths", "--size", "12"], /--size: '12'/],
      [["paths", "--size", "-1"], /--size: '-1' is not a valid frame size/],
      // An item given twice ran (and printed) the same case twice.
      [["paths", "--size", "64,512,64"], /--size: '64' is given twice/],
      [["paths", "--path", "native,jail-vf", "--path", "native"], /--path: 'native' is given twice/],
      [["paths", "--trial-ms", "x"], /--trial-ms: 'x'/],
      [["paths", "--rate", "fast"], /--rate: 'fast' is not a rate/],
      [
        ["paths", "--rate", "5Mpps", "--size", "1518"],
        /--rate 5Mpps: above the line rate of 1518-byte frames/,
      ],
      [["paths", "--arrival", "bursty"], /--arrival: 'bursty'/],
      [["paths", "--workers", "0"], /--workers: '0'/],
      [["paths", "--profile", "/nonexistent.json"], /--profile \/nonexistent\.json: no such file/],
      [["paths", "-f", "/nonexistent.conf"], /-f \/nonexistent\.conf: no such file/],
      [["paths", "--bogus"], /bogus/],
      [["paths", "--seconds", "1"], /--seconds is gone/],
      [["ping"], /--path NAME is required/],
      [
        ["ping", "--path", "native", "--size", "64"],
        /^iovsim: ping: unknown option '--size' \(see iovsim ping --help\)\n$/,
      ],
      [
        ["ping", "--path", "native", "--rate", "1Mpps"],
        /^iovsim: ping: unknown option '--rate' \(see iovsim ping --help\)\n$/,
      ],
      [["demo", "--path", "native"], /^iovsim: demo: unknown option '--path' \(see iovsim demo --help\)\n$/],
      [["demo", "--pcap", "x.pcap"], /^iovsim: demo: unknown option '--pcap' \(see iovsim demo --help\)\n$/],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
      expect(r.err).not.toMatch(/internal error/);
    }
  });

  it("kernel refusals from -f are located user errors, not internal errors (exit 1)", async () => {
    const { TALK_IOVCTL_CONF } = await import("../../src/paths/setup.ts");
    const dir = mkdtempSync(join(tmpdir(), "conf-"));
    writeFileSync(join(dir, "big.conf"), TALK_IOVCTL_CONF.replace("num_vfs : 3", "num_vfs : 65"));
    writeFileSync(join(dir, "nojail.conf"), TALK_IOVCTL_CONF.replace(/VF-0 \{[^}]*\}/, ""));
    const big = await cli(["paths", "-f", join(dir, "big.conf"), "--path", "native"]);
    expect(big.code).toBe(1);
    expect(big.err).toMatch(
      /big\.conf:\d+:\d+: the simulated kernel refused the configuration: Invalid argument/,
    );
    const nojail = await cli(["paths", "-f", join(dir, "nojail.conf"), "--path", "jail-vf"]);
    expect(nojail.code).toBe(1);
    expect(nojail.err).toMatch(/nojail\.conf: path 'jail-vf' needs a VF with 'passthrough : false'/);
  });
});

describe("iovsim ping", () => {
  it("ping(8)-style lines with simulated times, statistics with p50/p99", async () => {
    const r = await cli(["ping", "--path", "vm-vf", "-c", "3"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING vm-vf peer \(10\.2\.0\.1\) via vm-vf/);
    expect(
      r.out.match(/64 bytes from 10\.2\.0\.1: icmp_seq=\d+ ttl=64 time=[\d.]+ ms \(simulated\)/g),
    ).toHaveLength(3);
    expect(r.out).toMatch(/3 packets transmitted, 3 packets received, 0\.0% packet loss/);
    expect(r.out).toMatch(
      /round-trip min\/avg\/max\/stddev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms \(simulated\)/,
    );
    expect(r.out).toMatch(/round-trip p50\/p99 = [\d.]+\/[\d.]+ ms \(simulated\)/);
    expect(r.out).not.toMatch(/wall|measured|modeled/);
    expect(r.err).toMatch(/^simulator speed \(wall clock/);
  });

  it("--json gives the RTT summary; a transmit-only path is refused", async () => {
    const j = JSON.parse((await cli(["ping", "--path", "native", "-c", "2", "--json"])).out);
    expect(j.received).toBe(2);
    expect(j.rtt_us.p99).toBeGreaterThanOrEqual(j.rtt_us.p50);
    const r = await cli(["ping", "--path", "vf-loopback"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/only transmits/);
  });
});
