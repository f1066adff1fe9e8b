// `sweep plan` parses the points' command lines as the experiment would, before anything runs:
// a sweep its experiment refuses is a usage error naming the point (it was exit 0 with a
// calibration warning, and then every such point failed on the batch engine).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkPointArgs, checkWorkers, pointsToCheck } from "../../src/cli/commands/sweep-check.ts";
import { planSweep } from "../../src/sweep/plan.ts";
import { parseSweep } from "../../src/sweep/spec.ts";
import { iovsim } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-sweep-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function plan(text: string) {
  const file = join(dir, "s.yaml");
  writeFileSync(file, text);
  return {
    ...(await iovsim(["--state", join(dir, "state"), "sweep", "plan", "--no-calibrate", file])),
    file,
  };
}

describe("sweep plan refuses points the experiment would refuse", () => {
  it.each([
    [
      "paths",
      "axes: { size: [64, 9000] }",
      "point 1 (size=9000)",
      "--size 9000: a 9000-byte frame needs an MTU of at least 8982",
    ],
    ["paths", "axes: { bogus: [1] }", "point 0 (bogus=1)", "paths: unknown option '--bogus'"],
    [
      "steering",
      "axes: { strategy: [single, bogus] }\noptions: { rate: 1Mpps, no-ndr: true }",
      "point 1 (strategy=bogus)",
      "--strategy: unknown strategy 'bogus'",
    ],
    // A point is a child process with no standard input: '-' would be empty there.
    [
      "paths",
      'axes: { path: [native] }\noptions: { pcap: "-", rate: 1Mpps }',
      "point 0 (path=native)",
      "--pcap -: a sweep's points run with no standard input",
    ],
    [
      "steering",
      'axes: { queues: [1] }\noptions: { mix: "pcap:-", rate: 1Mpps, no-ndr: true }',
      "point 0 (queues=1)",
      "--mix pcap:-: a sweep's points run with no standard input",
    ],
    // The captures are read as the run reads them: a missing one is refused at plan time.
    [
      "steering",
      'axes: { queues: [1] }\noptions: { mix: "pcap:/nonexistent.pcap", rate: 1Mpps, no-ndr: true }',
      "point 0 (queues=1)",
      "--mix pcap:/nonexistent.pcap: cannot read (no such file)",
    ],
    [
      "fidelity",
      "axes: { case: [talk-ping-jail, nope] }",
      "point 1 (case=nope)",
      "--case: unknown case 'nope'",
    ],
  ])("%s: %s", async (experiment, body, point, why) => {
    const r = await plan(`name: s\nexperiment: ${experiment}\n${body}\n`);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    // Located at the option or axis value at fault (file:line:column) where the message names it.
    expect(r.err).toMatch(/^iovsim: [^:]+:\d+:\d+: /);
    expect(r.err).toContain(`: ${point} would fail: iovsim ${experiment} refuses it: ${why}`);
  });

  it("a refusal is located at the option it starts with, though it names others (--path, --mtu)", async () => {
    // '--size 9728: ... no --mtu carries it on these paths ... (or leave path 'native' out with
    // --path)': the size axis value, not the path one the advice names.
    const body = "axes: { path: [native], size: [9728] }\noptions: { mtu: 9000 }";
    const r = await plan(`name: s\nexperiment: paths\n${body}\n`);
    expect(r.code).toBe(1);
    const at = `${r.file}:3:`;
    expect(r.err).toContain(`iovsim: ${at}32: point 0 (path=native size=9728) would fail`);
  });

  it("a valid sweep plans as before", async () => {
    const r = await plan("name: s\nexperiment: paths\naxes: { path: [native, vm-vf], size: [64, 1518] }\n");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^sweep s: 4 points of `iovsim paths` over path x size/);
  });

  it("checks the first point and the first point of every axis value, not the whole product", () => {
    const text =
      "name: s\nexperiment: paths\naxes: { path: [native, vm-vf, virtio], size: [64, 512, 1518] }\n";
    const p = planSweep({ file: "s.yaml", text, spec: parseSweep(text, "s.yaml") });
    expect(pointsToCheck(p).map((x) => x.index)).toEqual([0, 1, 2, 3, 6]);
  });

  it("parses without simulating (a bad option of a valid experiment throws its own message)", async () => {
    await expect(checkPointArgs(["paths", "--rate", "fast", "--json"])).rejects.toThrow(/--rate: 'fast'/);
    await expect(checkPointArgs(["fidelity", "--case", "eli-exits", "--json"])).resolves.toBeUndefined();
  });
});

describe("sweep plan: points on a private host, files refused inside", () => {
  it("--host is refused: each point's simulated host is private and empty", async () => {
    const r = await plan("name: s\nexperiment: paths\naxes: { host: [true], path: [jail-vf] }\n");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${r.file}:3:16: point 0 (host=true path=jail-vf) would fail: iovsim paths refuses it: --host: a sweep's points run each on a private, empty simulated host`,
    );
  });

  it("a profile file refused at a place inside it is located at the axis value that names it", async () => {
    const profile = join(dir, "bad-profile.json");
    writeFileSync(
      profile,
      '{\n  "name": "x",\n  "extends": "nosuch",\n  "description": "d",\n  "constants": {}\n}\n',
    );
    const r = await plan(`name: s\nexperiment: paths\naxes:\n  profile: [bhyve, ${profile}]\n`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${r.file}:4:20: point 1 (profile=${profile}) would fail`);
    expect(r.err).toContain(`${profile}:3:14: $.extends: 'nosuch' is neither a built-in profile`);
  });
});

async function sweep(args: string[], text: string) {
  const file = join(dir, "w.yaml");
  writeFileSync(file, text);
  return iovsim(["--state", join(dir, "state"), "sweep", ...args, file]);
}

describe("sweep options are checked before anything runs", () => {
  const paths = "name: w\nexperiment: paths\naxes: { path: [native, vm-vf] }\noptions: { trial-ms: 1 }\n";
  const planOf = (text: string) => planSweep({ file: "w.yaml", text, spec: parseSweep(text, "w.yaml") });

  // --shards 0 was accepted and printed "shard undefined" on every point.
  it.each(["0", "abc", "1e1", "-2", ""])("plan --shards '%s' is a usage error naming --shards", async (n) => {
    const r = await sweep(["plan", "--no-calibrate", "--shards", n], paths);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      `iovsim: sweep plan: option '--shards' takes a whole number >= 1 (e.g. 4), not '${n}'\n`,
    );
  });

  it("plan --shards 2 places every point in a shard", async () => {
    const r = await sweep(["plan", "--no-calibrate", "--shards", "2"], paths);
    expect(r.code).toBe(0);
    expect(r.out.match(/ shard [01]\n/g)).toHaveLength(2);
  });

  // A bad --workers failed every point at run time, each with the same message.
  it("run --workers is parsed as the experiment parses it before any point runs", async () => {
    const out = join(dir, "out-workers");
    const r = await sweep(["run", "--out", out, "--workers", "0"], paths);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "iovsim: sweep run: --workers 0: iovsim paths refuses it: --workers: '0' is not an integer in 1..64\n",
    );
    await expect(checkWorkers(planOf(paths), "2")).resolves.toBeUndefined();
    const steering =
      "name: w\nexperiment: steering\naxes: { queues: [1, 2] }\noptions: { rate: 1Mpps, no-ndr: true }\n";
    await expect(checkWorkers(planOf(steering), "2")).rejects.toThrow(
      "sweep run: --workers 2: iovsim steering refuses it: steering: unknown option '--workers'",
    );
  });
});
