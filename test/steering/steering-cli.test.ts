// `iovsim steering` as a user runs it: table, --json, --csv, bad input.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const stateDir = mkdtempSync(join(tmpdir(), "iovsim-steering-"));
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

describe("iovsim steering", () => {
  it("prints a labelled table with one row per traffic set and strategy", async () => {
    const r = await cli([
      "steering",
      "--encap",
      "gtpu",
      "--regime",
      "one-tunnel,instances",
      "--frames",
      "512",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/measured Mpps \(sim\)/);
    expect(r.out).toMatch(/modeled Mpps/);
    expect(r.out).toMatch(/gtpu\s*│ one-tunnel\s*│ outer RSS\s*│ [^│]*│ 0\.250/);
    expect(r.out).toMatch(
      /gtpu\s*│ instances\s*│ MAC-based VF steering\s*│ 128 \/ 128 \/ 128 \/ 128\s*│ 1\.000/,
    );
    expect(r.out.match(/^│ gtpu/gm)).toHaveLength(10);
  });

  it("--json: per-queue counts, Jain, measured and modeled figures, conservation", async () => {
    const r = await cli([
      "steering",
      "--json",
      "--encap",
      "vxlan,mpls",
      "--regime",
      "one-tunnel",
      "--queues",
      "2",
      "--frames",
      "256",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.kind).toBe("iovsim-steering");
    expect(j.model.label).toBe("modeled");
    expect(Object.keys(j.model.sources)).toEqual(["core_mpps", "dispatcher_mpps"]);
    expect(j.rows).toHaveLength(10);
    for (const row of j.rows) {
      expect(row.per_queue).toHaveLength(2);
      expect(row.per_queue.reduce((a: number, b: number) => a + b, 0)).toBe(256);
      expect(row.conservation.ok).toBe(true);
      expect(row.measured_simulator_mpps).toBeGreaterThan(0);
      expect(row.modeled_mpps).toBeGreaterThan(0);
    }
    const mplsOuter = j.rows.find(
      (x: { encap: string; strategy: string }) => x.encap === "mpls" && x.strategy === "outer-rss",
    );
    expect(mplsOuter.per_queue).toEqual([256, 0]);
    expect(mplsOuter.jain).toBe(0.5);
  });

  it("--csv has one column per queue", async () => {
    const r = await cli([
      "steering",
      "--csv",
      "--encap",
      "qinq",
      "--regime",
      "entropy",
      "--strategy",
      "single,inner-rss",
      "--queues",
      "3",
      "--frames",
      "300",
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toBe(
      "encap,regime,strategy,q0,q1,q2,jain,measured_simulator_mpps,modeled_mpps,modeled_bottleneck,conservation_ok",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^qinq,entropy,single,300,0,0,0\.333333,/);
  });

  it("--zipf and --seed give reproducible per-queue counts", async () => {
    const args = [
      "steering",
      "--json",
      "--encap",
      "vxlan",
      "--regime",
      "one-tunnel",
      "--strategy",
      "inner-rss",
      "--zipf",
      "1.1",
      "--seed",
      "9",
      "--frames",
      "1000",
    ];
    const a = JSON.parse((await cli(args)).out);
    const b = JSON.parse((await cli(args)).out);
    expect(a.rows[0].per_queue).toEqual(b.rows[0].per_queue);
    expect(a.options.popularity).toBe("zipf");
    expect(a.options.zipfS).toBe(1.1);
  });

  it("bad options name the option and exit 1", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--encap", "ipsec"], /--encap: unknown value 'ipsec'/],
      [["--queues", "17"], /--queues: 17 is outside 1\.\.16/],
      [["--queues", "x"], /--queues: 'x' is not an integer/],
      [["--flows", "0"], /--flows: 0 is outside 1\.\.65535/],
      [["--frames"], /option '--frames' needs a value/],
      [["--strategy", "magic"], /--strategy: unknown value 'magic'/],
      [["--zipf", "-1"], /unknown option '-1'|--zipf/],
      [["--json", "--csv"], /cannot be combined/],
      [["--dispatch", "fast"], /--dispatch: unknown mode 'fast'/],
      [["--engine", "fpga"], /--engine: unknown engine 'fpga'/],
      [["--regime", ""], /--regime: empty list/],
      [["--bogus"], /unknown option '--bogus'/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(["steering", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it("--dispatch inline and threads give the same counts; the JSON says how many threads moved frames", async () => {
    const base = [
      "steering",
      "--json",
      "--encap",
      "gtpu",
      "--regime",
      "one-tunnel",
      "--strategy",
      "sw-dispatch",
      "--frames",
      "1500",
      "--zipf",
    ];
    const threaded = JSON.parse((await cli([...base, "--dispatch", "threads"])).out);
    const inline = JSON.parse((await cli([...base, "--dispatch", "inline"])).out);
    expect(threaded.rows[0].threads).toBe(5);
    expect(inline.rows[0].threads).toBe(1);
    expect(threaded.rows[0].per_queue).toEqual(inline.rows[0].per_queue);
    expect(threaded.rows[0].conservation.ok).toBe(true);
  });

  it("--help describes the strategies, regimes and labels", async () => {
    const r = await cli(["steering", "--help"]);
    expect(r.code).toBe(0);
    for (const s of [
      "single",
      "outer-rss",
      "inner-rss",
      "mac-vf",
      "sw-dispatch",
      "one-tunnel",
      "entropy",
      "instances",
      "modeled",
      "measured",
    ])
      expect(r.out).toContain(s);
  });

  it("runs end to end from bin/iovsim.js", () => {
    const root = join(import.meta.dirname, "..", "..");
    const p = spawnSync(
      process.execPath,
      [
        join(root, "bin", "iovsim.js"),
        "steering",
        "--encap",
        "gre",
        "--regime",
        "one-tunnel",
        "--strategy",
        "outer-rss,inner-rss",
        "--frames",
        "256",
      ],
      {
        encoding: "utf8",
        env: { ...process.env, IOVSIM_STATE: mkdtempSync(join(tmpdir(), "iovsim-steering-e2e-")) },
      },
    );
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/gre\s*│ one-tunnel\s*│ outer RSS\s*│ 256 \/ 0 \/ 0 \/ 0/);
    expect(p.stdout).toMatch(/gre\s*│ one-tunnel\s*│ inner RSS\s*│ 64 \/ 64 \/ 64 \/ 64/);
  });
});
