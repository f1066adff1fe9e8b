// Outside-in acceptance of `iovsim sweep plan|run|merge|status`: sweep files, shards and results
// directories nobody wrote a test for, as a new user's parameter study would meet them. Every
// refusal names the file:line:column (or the option, the variable) at fault, exits non-zero and
// shows no stack trace; every success is consistent (sharded runs merge to the bytes of the
// unsharded one, each point once, CSV and JSON agree, no wall-clock block in the merge).
// Points run in-process (the CLI as the tests run it) with tiny experiments (--count 100).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FAULT_EXIT_STATUS } from "../../src/engine/faults.ts";
import { UserError } from "../../src/errors.ts";
import type { PointExecutor } from "../../src/sweep/execute.ts";
import { mergedRows, mergeSweep, sweepStatus } from "../../src/sweep/merge.ts";
import { chooseShard, planSweep, type SweepPlan } from "../../src/sweep/plan.ts";
import { runShard } from "../../src/sweep/run.ts";
import { RESULT_STATUSES, readSweepFile } from "../../src/sweep/spec.ts";
import { manifestFor } from "../../src/sweep/store.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const dir = tempDir("iovsim-sweep-acceptance-");
let files = 0;
/** Writes a sweep file (exact bytes) and returns its path. */
function sweepFile(text: string | Buffer, ext = "yaml"): string {
  const f = join(dir, `s${files++}.${ext}`);
  writeFileSync(f, text);
  return f;
}
const plan = (file: string) => planSweep(readSweepFile(file));

const STACK = /\n\s+at .*:\d+:\d+\)?$/m;
/** A refusal: exit 1, only `iovsim: <message>` lines, the message matching, no stack trace. */
async function refused(argv: string[], message: RegExp) {
  const r = await iovsim(argv);
  expect(r.code, r.err).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(STACK);
  expect(r.err).not.toMatch(/internal error/);
}

const HEAD = "name: a\nexperiment: paths\n";

// Each case: a sweep file's text and the refusal `sweep plan` must give, located. `F` stands for
// the file's path in the expected message.
const REFUSED_FILES: Array<[string, string | Buffer, RegExp]> = [
  ["an empty axis list", `${HEAD}axes:\n  size: []\n`, /F:4:9: .*>=1 items \(axes\.size\)/],
  [
    "an axis with no value",
    `${HEAD}axes:\n  size:\n`,
    /F:4:8: an axis is a list of values .* not nothing \(null\)/,
  ],
  ["no axes", `${HEAD}axes:\n`, /F:3:6: .*expected record/],
  [
    "a range without a step",
    `${HEAD}axes:\n  size: {from: 64, to: 128}\n`,
    /F:4:9: .*expected number, received undefined \(axes\.size\.step\)/,
  ],
  [
    "a range from a string",
    `${HEAD}axes:\n  size: {from: "64", to: 128, step: 64}\n`,
    /F:4:16: .*expected number, received string \(axes\.size\.from\)/,
  ],
  [
    "a negative step",
    `${HEAD}axes:\n  size: {from: 64, to: 128, step: -32}\n`,
    /F:4:35: .*>0 \(axes\.size\.step\)/,
  ],
  [
    "a zero step",
    `${HEAD}axes:\n  size: {from: 64, to: 128, step: 0}\n`,
    /F:4:35: .*>0 \(axes\.size\.step\)\n$/,
  ],
  [
    "a range going down",
    `${HEAD}axes:\n  size: {from: 128, to: 64, step: 32}\n`,
    /F:4:25: 'to' must not be below 'from'/,
  ],
  [
    "a range of 10,001 values",
    `${HEAD}axes:\n  flows: {from: 1, to: 10001, step: 1}\n`,
    /F:4:37: a range of more than 10,000 values/,
  ],
  [
    "a huge range",
    `${HEAD}axes:\n  size: {from: 0, to: 1e300, step: 1e-300}\n`,
    /F:4:36: a range of more than 10,000 values/,
  ],
  [
    "a product of more than 100,000 points",
    `${HEAD}axes:\n  size: {from: 64, to: 1064, step: 1}\n  pdr-loss: {from: 0, to: 100, step: 0.5}\n`,
    /F:4:3: the axes give 201201 points \(more than 100,000\) \(axes\)/,
  ],
  [
    "a list in a list",
    `${HEAD}axes:\n  size: [[64]]\n`,
    /F:4:10: a value is a string, a finite number or true\/false, not a list/,
  ],
  [
    "null in a list",
    `${HEAD}axes:\n  size: [64, null]\n`,
    /F:4:14: a value is .* not nothing \(null\) \(axes\.size\.1\)/,
  ],
  ["an infinite value", `${HEAD}axes:\n  flows: [.inf]\n`, /F:4:11: a value is .* not Infinity/],
  ["an empty string", `${HEAD}axes:\n  size: [""]\n`, /F:4:10: .*>=1 characters/],
  [
    "a range unit that is a number",
    `${HEAD}axes:\n  rate: {from: 10, to: 20, step: 10, unit: 5}\n`,
    /F:4:44: .*expected string/,
  ],
  [
    "a misspelt range key",
    `${HEAD}axes:\n  rate: {from: 10, to: 20, step: 10, units: "%"}\n`,
    /F:4:38: unknown key 'units' \(axes\.rate\.units\)/,
  ],
  ["a duplicate axis", `${HEAD}axes:\n  size: [64]\n  size: [128]\n`, /F:5:3: Map keys must be unique/],
  [
    "a value listed twice",
    `${HEAD}axes:\n  size: [64, 128, 64]\n`,
    /F:4:19: '64' is listed twice in axis 'size'/,
  ],
  [
    "an axis also fixed",
    `${HEAD}axes:\n  size: [64]\noptions:\n  size: 128\n`,
    /F:6:9: 'size' is both an axis and a fixed option/,
  ],
  ["seed as an axis", `${HEAD}axes:\n  seed: [1, 2]\n`, /F:4:9: 'seed' is set by the sweep itself/],
  [
    "workers as an option",
    `${HEAD}axes:\n  size: [64]\noptions:\n  workers: 2\n`,
    /F:6:12: 'workers' is set by the sweep itself/,
  ],
  [
    "an option written with --",
    `${HEAD}axes:\n  --size: [64]\n`,
    /F:4:3: '--size': an option name is lower-case letters/,
  ],
  ["an option in capitals", `${HEAD}axes:\n  Size: [64]\n`, /F:4:3: 'Size': an option name/],
  ["a YAML merge key", `${HEAD}axes:\n  <<: {size: [64]}\n  path: [native]\n`, /F:4:3: '<<': an option name/],
  ["an unknown key after an alias", `${HEAD}axes:\n  size: &s [64, 128]\nx: *s\n`, /F:5:1: unknown key 'x'/],
  [
    "two unknown keys, both named",
    `${HEAD}foo: 1\naxes:\n  size: [64]\nbar: 2\n`,
    /F:3:1: unknown key 'foo'.*\nF:6:1: unknown key 'bar'/,
  ],
  [
    "an unknown seed key",
    `${HEAD}axes:\n  size: [64]\nseed:\n  policy: fixed\n  value: 1\n  salt: 2\n`,
    /F:8:3: unknown key 'salt' \(seed\.salt\)/,
  ],
  [
    "a second YAML document",
    `${HEAD}axes:\n  size: [64]\n---\nname: b\n`,
    /F:5:1: a sweep file is one YAML document; a second one starts here/,
  ],
  ["a tab as indentation", `${HEAD}axes:\n\tsize: [64]\n`, /F:4:1: Tabs are not allowed as indentation/],
  [
    "a BOM, then a wrong experiment",
    Buffer.from(`\ufeffname: a\nexperiment: pathz\naxes:\n  size: [64]\n`),
    /F:2:13: Invalid option: expected one of "paths"\|"steering"\|"fidelity"/,
  ],
  [
    "CRLF line ends, then a wrong experiment",
    "name: a\r\nexperiment: pathz\r\naxes:\r\n  size: [64]\r\n",
    /F:2:13: Invalid option/,
  ],
  [
    "JSON with an axis that is a string",
    '{"name": "a",\n"experiment": "paths",\n"axes": {"size": "64"}}',
    /F:3:18: an axis is a list of values .* not the string "64"/,
  ],
  ["an empty file", "", /F:1:1: .*expected object, received null/],
  ["a list, not a map", "- a\n- b\n", /F:1:1: .*expected object, received array/],
  [
    "a name with a space",
    "name: a b\nexperiment: paths\naxes:\n  size: [64]\n",
    /F:1:7: a sweep name is letters/,
  ],
  [
    "a negative seed",
    `${HEAD}axes:\n  size: [64]\nseed: {policy: fixed, value: -1}\n`,
    /F:5:30: .*>=0 \(seed\.value\)/,
  ],
  [
    "a seed that is a number",
    `${HEAD}axes:\n  size: [64]\nseed: 5\n`,
    /F:5:7: .*expected object, received number \(seed\)/,
  ],
  [
    "an unknown seed policy",
    `${HEAD}axes:\n  size: [64]\nseed: {policy: random, value: 1}\n`,
    /F:5:16: Invalid option: expected one of "fixed"\|"per-point"/,
  ],
  // Refused by the experiment itself, at plan time, located at the option or value at fault.
  [
    "an option the experiment does not have",
    `${HEAD}axes:\n  size: [64]\noptions:\n  colour: red\n`,
    /F:6:3: point 0 \(size=64\) would fail: iovsim paths refuses it: paths: unknown option '--colour'/,
  ],
  [
    "a frame size out of range",
    `${HEAD}axes:\n  size: [64, 20000]\n`,
    /F:4:14: point 1 \(size=20000\) would fail: .*--size: '20000'/,
  ],
  [
    "a jumbo frame size without the MTU it needs",
    `${HEAD}axes:\n  size: [64, 9000]\n`,
    /F:4:14: point 1 \(size=9000\) would fail: .*--size 9000: a 9000-byte frame needs an MTU of at least 8982/,
  ],
  [
    "`host: yes` (YAML 1.2 reads a string, not true)",
    `${HEAD}axes:\n  size: [64]\noptions:\n  host: yes\n`,
    /F:6:3: point 0 .* unexpected argument 'yes'/,
  ],
  [
    "a flag given to an option that takes a value",
    `${HEAD}axes:\n  size: [64]\noptions:\n  rate: true\n`,
    /F:6:3: point 0 .*option '--rate' needs a value/,
  ],
  [
    "a steering strategy that does not exist",
    "name: a\nexperiment: steering\naxes:\n  strategy: [single, bogus]\noptions: {rate: 1Mpps, no-ndr: true}\n",
    /F:4:22: point 1 \(strategy=bogus\) would fail: .*unknown strategy 'bogus'/,
  ],
  [
    "a fidelity case that does not exist",
    "name: a\nexperiment: fidelity\naxes:\n  case: [nope]\n",
    /F:4:10: point 0 \(case=nope\) would fail: .*unknown case 'nope'/,
  ],
  [
    "fidelity given a profile option",
    "name: a\nexperiment: fidelity\naxes:\n  case: [eli-exits]\noptions: {profile: bhyve}\n",
    /F:5:11: point 0 .*iovsim fidelity refuses it: fidelity: --profile: each case runs the profile of the host its publication measured/,
  ],
];

describe("sweep plan: a sweep file it refuses names file:line:column, exit 1, no stack trace", () => {
  it.each(REFUSED_FILES)("%s", async (_what, text, message) => {
    const file = sweepFile(text);
    const located = new RegExp(`^iovsim: ${message.source.replaceAll("F:", `${file}:`)}`, "s");
    await refused(["sweep", "plan", file, "--no-calibrate"], located);
  });
});

// Each case: a sweep file's text and the points it plans (each point's coordinates).
const ACCEPTED_FILES: Array<[string, string | Buffer, unknown[]]> = [
  [
    "a range whose end is not on a step (the end left out)",
    `${HEAD}axes:\n  size: {from: 64, to: 130, step: 32}\n`,
    [64, 96, 128],
  ],
  ["a range of one value", `${HEAD}axes:\n  size: {from: 64, to: 64, step: 1}\n`, [64]],
  ["a step larger than the range", `${HEAD}axes:\n  size: {from: 64, to: 65, step: 1e308}\n`, [64]],
  [
    "a fractional step that does not drift",
    `${HEAD}axes:\n  pdr-loss: {from: 0, to: 1, step: 0.1}\n`,
    [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  ],
  [
    "a range with a unit",
    `${HEAD}axes:\n  rate: {from: 10, to: 90, step: 40, unit: "%"}\n`,
    ["10%", "50%", "90%"],
  ],
  ["a range from a negative number", `${HEAD}axes:\n  flows: {from: -1, to: 1, step: 1}\n`, [-1, 0, 1]],
  ["anchors and aliases", `${HEAD}axes:\n  size: &s [64, 128]\noptions: &o\n  trial-ms: 1\n`, [64, 128]],
  ["comments everywhere", `# a study\n${HEAD}axes: # the axes\n  size: [64, # small\n    128]\n`, [64, 128]],
  ["an explicit document start and end", `---\n${HEAD}axes:\n  size: [64]\n...\n`, [64]],
  ["a tab after a colon", "name:\ta\nexperiment: paths\naxes:\n  size:\t[64]\n", [64]],
  ["a BOM", Buffer.from(`\ufeff${HEAD}axes:\n  size: [64]\n`), [64]],
  ["CRLF line ends", `${HEAD}axes:\n  size: [64, 128]\n`.replaceAll("\n", "\r\n"), [64, 128]],
  ["JSON", '{"name": "a", "experiment": "paths", "axes": {"size": [64, 128]}}', [64, 128]],
  ["YAML 1.2 numbers (010 is ten, 0o10 eight)", `${HEAD}axes:\n  flows: [010, 0o10, 0x10]\n`, [10, 8, 16]],
];

describe("sweep plan: sweep files it reads, and the points they give", () => {
  it.each(ACCEPTED_FILES)("%s", async (_what, text, values) => {
    const file = sweepFile(text);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate", "--json"]);
    // A plan refused by the experiment (flows -1) is still a plan of those points.
    const p = plan(file);
    expect(p.points.map((x) => Object.values(x.coords)[0])).toEqual(values);
    if (r.code === 0) expect(JSON.parse(r.out).count).toBe(values.length);
    else expect(r.err).toMatch(/would fail/);
  });

  it("a YAML file and the same sweep written as JSON give the same points", () => {
    const y = plan(sweepFile(`${HEAD}axes:\n  size: [64, 128]\n  path: [native, vm-vf]\n`));
    const j = plan(
      sweepFile(
        JSON.stringify(
          readSweepFile(sweepFile(`${HEAD}axes:\n  size: [64, 128]\n  path: [native, vm-vf]\n`)).spec,
        ),
        "json",
      ),
    );
    expect(j.points.map((p) => p.args)).toEqual(y.points.map((p) => p.args));
  });

  it("a number is written out in decimal on the command line (1e-7 was refused as not a number)", async () => {
    const file = sweepFile(`${HEAD}axes:\n  pdr-loss: {from: 0.0000001, to: 0.0000002, step: 0.0000001}\n`);
    expect(plan(file).points.map((p) => p.args[p.args.indexOf("--pdr-loss") + 1])).toEqual([
      "0.0000001",
      "0.0000002",
    ]);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate"]);
    expect(r.code, r.err).toBe(0);
  });

  it("a range of exactly 10,000 values is the largest there is", () => {
    expect(plan(sweepFile(`${HEAD}axes:\n  flows: {from: 1, to: 10000, step: 1}\n`)).points).toHaveLength(
      10_000,
    );
  });

  it("seeds: fixed gives every point the value, per-point one per coordinate, the same in every plan", () => {
    const text = (policy: string) =>
      `${HEAD}axes:\n  size: [64, 128, 256]\nseed: {policy: ${policy}, value: 9}\n`;
    expect(plan(sweepFile(text("fixed"))).points.map((p) => p.seed)).toEqual([9, 9, 9]);
    const a = plan(sweepFile(text("per-point"))).points.map((p) => p.seed);
    expect(new Set(a).size).toBe(3);
    expect(plan(sweepFile(text("per-point"))).points.map((p) => p.seed)).toEqual(a);
  });

  it("plan with --count: each point's share follows its frames per trial, and the legend says so", async () => {
    const file = sweepFile(`${HEAD}axes:\n  count: [1000, 3000]\noptions: {path: native, size: 64}\n`);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/count=1000 .* cost 25\.0 %/);
    expect(r.out).toMatch(/count=3000 .* cost 75\.0 %/);
    expect(r.out).toContain("(paths x sizes x trials x frames per trial)");
  });

  it("plan --shards shows each shard's points and share of the cost; more shards than points are empty", async () => {
    const file = sweepFile(`${HEAD}axes:\n  size: [64, 128, 256]\noptions: {path: native}\n`);
    const two = await iovsim(["sweep", "plan", file, "--no-calibrate", "--shards", "2"]);
    expect(two.code, two.err).toBe(0);
    expect(two.out).toMatch(/^shard 0: 2 points, cost 66\.7 %\nshard 1: 1 point, cost 33\.3 %\n/m);
    const many = await iovsim(["sweep", "plan", file, "--no-calibrate", "--shards", "99999999999", "--json"]);
    expect(many.code, many.err).toBe(0);
    const doc = JSON.parse(many.out);
    expect(doc.points.map((p: { shard: number }) => p.shard).sort()).toEqual([0, 1, 2]);
    expect(doc.shards.map((s: { points: number }) => s.points)).toEqual([1, 1, 1]);
    for (const bad of ["0", "-1", "x", "1.5", "99999999999999999999"])
      await refused(
        ["sweep", "plan", file, "--no-calibrate", "--shards", bad],
        /option '--shards' takes a whole number >= 1/,
      );
  });
});

describe("sweep run: the shard, from --shard or the batch engine's environment", () => {
  const file = sweepFile(
    `${HEAD}axes:\n  size: [64, 128, 256]\noptions: {path: native, rate: 10%, count: 100}\n`,
  );
  const out = join(dir, "never-made");
  it.each([
    ["0/0", /--shard 0\/0: the shard count N must be a whole number >= 1/],
    ["1/1", /--shard 1\/1: shard 1 is not in 0\.\.0/],
    ["3/2", /--shard 3\/2: shard 3 is not in 0\.\.1/],
    ["-1/2", /option '--shard' takes K\/N \(e\.g\. 0\/4\), not '-1\/2'/],
    ["a/b", /takes K\/N .* not 'a\/b'/],
    ["0/1.0", /not '0\/1\.0'/],
    [" 0/1", /not ' 0\/1'/],
    ["0/2/3", /not '0\/2\/3'/],
    ["", /not ''/],
    ["0/99999999999999999999", /not '0\/99999999999999999999'/],
  ])("--shard '%s' is refused before anything is written", async (shard, message) => {
    await refused(["sweep", "run", file, "--out", out, "--shard", shard], message);
    expect(existsSync(out)).toBe(false);
  });

  it.each<[string, NodeJS.ProcessEnv, { k: number; n: number; source: string } | RegExp]>([
    ["nothing: the whole sweep", {}, { k: 0, n: 1, source: "default" }],
    [
      "Slurm",
      { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" },
      { k: 2, n: 4, source: "Slurm job array" },
    ],
    [
      "Slurm --array=1-4",
      { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1" },
      { k: 3, n: 4, source: "Slurm job array" },
    ],
    [
      "Slurm --array=0-6:2",
      {
        SLURM_ARRAY_TASK_ID: "6",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_STEP: "2",
      },
      { k: 3, n: 4, source: "Slurm job array" },
    ],
    [
      "Slurm, a task off the step",
      { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_STEP: "2" },
      /SLURM_ARRAY_TASK_ID=3.*SLURM_ARRAY_TASK_STEP=2\): the task is not MIN \+ a multiple of STEP/,
    ],
    [
      "Slurm, an id past the count",
      { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "4" },
      /^Slurm job array \(SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_COUNT=4\): shard 5 is not in 0\.\.3/,
    ],
    [
      "Slurm, an id below the min",
      { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1" },
      /SLURM_ARRAY_TASK_MIN=1\): shard -1 is not in 0\.\.3/,
    ],
    [
      "Slurm, a count of 0",
      { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "0" },
      /SLURM_ARRAY_TASK_COUNT=0\): the shard count N must be a whole number >= 1/,
    ],
    [
      "Slurm, the id alone",
      { SLURM_ARRAY_TASK_ID: "0" },
      /SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not/,
    ],
    [
      "Slurm, the count alone",
      { SLURM_ARRAY_TASK_COUNT: "4" },
      /SLURM_ARRAY_TASK_COUNT is set but SLURM_ARRAY_TASK_ID is not/,
    ],
    [
      "Slurm, an id that is no number",
      { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "4" },
      /SLURM_ARRAY_TASK_ID='x' is not a whole number/,
    ],
    [
      "Kubernetes",
      { JOB_COMPLETION_INDEX: "1", IOVSIM_SHARDS: "3" },
      { k: 1, n: 3, source: "Kubernetes Indexed Job" },
    ],
    [
      "Kubernetes, the index alone",
      { JOB_COMPLETION_INDEX: "1" },
      /JOB_COMPLETION_INDEX is set but IOVSIM_SHARDS is not/,
    ],
    // A Job that is not Indexed: every pod ran the whole sweep (0/1) at once.
    [
      "Kubernetes, IOVSIM_SHARDS alone (a Job that is not Indexed)",
      { IOVSIM_SHARDS: "3" },
      /IOVSIM_SHARDS is set but JOB_COMPLETION_INDEX is not \(.*completionMode: Indexed/,
    ],
    [
      "Kubernetes, an index past the count",
      { JOB_COMPLETION_INDEX: "3", IOVSIM_SHARDS: "3" },
      /JOB_COMPLETION_INDEX=3, IOVSIM_SHARDS=3\): shard 3 is not in 0\.\.2/,
    ],
    [
      "Kubernetes, a padded index",
      { JOB_COMPLETION_INDEX: " 1", IOVSIM_SHARDS: "3" },
      /JOB_COMPLETION_INDEX=' 1' is not a whole number/,
    ],
    [
      "both engines, agreeing",
      {
        SLURM_ARRAY_TASK_ID: "1",
        SLURM_ARRAY_TASK_COUNT: "3",
        JOB_COMPLETION_INDEX: "1",
        IOVSIM_SHARDS: "3",
      },
      { k: 1, n: 3, source: "Slurm job array" },
    ],
    [
      "both engines, disagreeing",
      {
        SLURM_ARRAY_TASK_ID: "1",
        SLURM_ARRAY_TASK_COUNT: "2",
        JOB_COMPLETION_INDEX: "0",
        IOVSIM_SHARDS: "3",
      },
      /two batch engines' shards disagree: .* is 1\/2, .* is 0\/3; give --shard K\/N/,
    ],
  ])("environment: %s", (_what, env, want) => {
    if (want instanceof RegExp) expect(() => chooseShard(undefined, env)).toThrow(want);
    else expect(chooseShard(undefined, env)).toMatchObject(want);
  });

  it("--shard wins over the environment, which is then not read at all", () => {
    const env = { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "4", IOVSIM_SHARDS: "3" };
    expect(chooseShard("1/2", env)).toMatchObject({ k: 1, n: 2, source: "--shard" });
  });

  it("an out-of-range shard from the environment names its variables, before DIR is made", async () => {
    const saved = process.env.IOVSIM_SHARDS;
    process.env.IOVSIM_SHARDS = "2";
    try {
      await refused(
        ["sweep", "run", file, "--out", out],
        /IOVSIM_SHARDS is set but JOB_COMPLETION_INDEX is not/,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.IOVSIM_SHARDS;
      else process.env.IOVSIM_SHARDS = saved;
    }
  });
});

/** Each point as the CLI runs it, in-process (fast, and the same bytes as a child process). */
const inProcess: PointExecutor = async (args) => {
  const r = await iovsim([...args, "--workers", "1"]);
  return { exitCode: r.code, stdout: r.out, stderr: r.err };
};
const VERSION = "iovsim 0.0.0-acceptance";
function shard(
  p: SweepPlan,
  text: string,
  out: string,
  k: number,
  n: number,
  execute = inProcess,
  stop?: AbortSignal,
) {
  return runShard({ plan: p, text, version: VERSION, dir: out, shard: { k, n }, execute, stop });
}
const SMALL = `name: small
experiment: paths
axes:
  size: [64, 512]
  rate: [10%, 50%]
seed: { policy: per-point, value: 3 }
options: { path: native, count: 100 }
`;

describe("sweep run and merge: sharded runs, resumed runs, the merged figures", () => {
  const file = sweepFile(SMALL);
  const p = plan(file);
  const whole = join(dir, "whole");

  it("shards 0..2 of 3, run in any order, merge to the bytes of the unsharded run; each point once", async () => {
    await shard(p, SMALL, whole, 0, 1);
    const sharded = join(dir, "sharded");
    for (const k of [2, 0, 1]) await shard(p, SMALL, sharded, k, 3);
    const a = await iovsim(["sweep", "merge", whole]);
    const b = await iovsim(["sweep", "merge", sharded]);
    expect(a.code, a.err).toBe(0);
    expect(b.out).toBe(a.out);
    const merged = JSON.parse(a.out);
    expect(merged.points.map((x: { index: number }) => x.index)).toEqual([0, 1, 2, 3]);
    expect(a.out).not.toMatch(/"simulator"/);
    const csvA = await iovsim(["sweep", "merge", whole, "--csv"]);
    expect((await iovsim(["sweep", "merge", sharded, "--csv"])).out).toBe(csvA.out);
  });

  it("the CSV's figures are the JSON's, row by row", async () => {
    const { merged } = await mergeSweep(whole);
    const csv = (await iovsim(["sweep", "merge", whole, "--csv"])).out.trimEnd().split("\r\n");
    const header = csv[0].split(",");
    const rows = mergedRows(merged);
    expect(csv).toHaveLength(rows.length + 1);
    rows.forEach((row, i) => {
      const cells = csv[i + 1].split(",");
      for (const [k, v] of Object.entries(row))
        expect(cells[header.indexOf(k)], `${k} of row ${i}`).toBe(String(v ?? ""));
    });
    // The p99 in the CSV is the JSON's middle load point.
    const p99 = (
      merged.points[0].result as { paths: Array<{ load_points: Array<{ latency_us: { p99: number } }> }> }
    ).paths[0].load_points;
    expect(Number(csv[1].split(",")[header.indexOf("p99_us_mid_load")])).toBe(
      p99[Math.floor(p99.length / 2)].latency_us.p99,
    );
  });

  it("a second run is a resume: it runs nothing and rewrites no finished point", async () => {
    const before = readdirSync(join(whole, "points")).map((n) => [
      n,
      statSync(join(whole, "points", n)).mtimeMs,
    ]);
    const calls: string[][] = [];
    const sum = await shard(p, SMALL, whole, 0, 1, async (a) => {
      calls.push(a);
      return inProcess(a);
    });
    expect(calls).toEqual([]);
    expect(sum).toMatchObject({ points: 4, ran: 0, skipped: 4, failed: 0 });
    expect(
      readdirSync(join(whole, "points")).map((n) => [n, statSync(join(whole, "points", n)).mtimeMs]),
    ).toEqual(before);
  });

  it("extra files in the results directory are left alone and never count", async () => {
    const extra = join(dir, "extra");
    await shard(p, SMALL, extra, 0, 1);
    writeFileSync(join(extra, "points", "README"), "notes");
    writeFileSync(join(extra, "points", "000001.json.bak"), "{");
    writeFileSync(join(extra, "notes.txt"), "x");
    mkdirSync(join(extra, "points", "sub"));
    expect((await iovsim(["sweep", "merge", extra])).out).toBe((await iovsim(["sweep", "merge", whole])).out);
    expect((await iovsim(["sweep", "status", extra])).out).toMatch(/4 of 4 done, 0 missing, 0 failed/);
  });

  // A file that is no point result: torn by a copy, emptied by a full disk, edited by hand.
  it.each([
    ["truncated", '{"sweep":"small","ha'],
    ["empty", ""],
    ["null", "null"],
    ["a list", "[]"],
    ["an object without a hash", '{"index": 1}'],
  ])(
    "a point file that is %s: status names it, merge refuses it, run runs that point again",
    async (_what, bytes) => {
      const d = join(dir, `torn-${files++}`);
      await shard(p, SMALL, d, 0, 1);
      const f = join(d, "points", "000001.json");
      writeFileSync(f, bytes);
      const st = await iovsim(["sweep", "status", d]);
      expect(st.code).toBe(3);
      expect(st.out).toMatch(/3 of 4 done, 1 missing, 1 failed/);
      expect(st.out).toContain(`failed 1 (size=64 rate=50%): ${f}: not a point result`);
      expect(st.err).toBe("");
      const m = await iovsim(["sweep", "merge", d]);
      expect(m.code).toBe(1);
      expect(m.err).toMatch(/1 of 4 points missing \(1\)/);
      const calls: string[][] = [];
      await shard(p, SMALL, d, 0, 1, async (a) => {
        calls.push(a);
        return inProcess(a);
      });
      expect(calls).toHaveLength(1);
      expect((await iovsim(["sweep", "merge", d])).out).toBe((await iovsim(["sweep", "merge", whole])).out);
    },
  );

  it.each([
    ["null", "null", /not a sweep manifest \(not a JSON object\)/],
    ["{}", "{}", /not a sweep manifest \(no valid name, experiment, hash, version, count, axes, text\)/],
    ["a hash that is a number", '{"hash": 1}', /not a sweep manifest \(no valid name, /],
    ["torn", '{"name": "sm', /not a sweep manifest \(invalid JSON\)/],
  ])(
    "a sweep.json that is %s: status, merge and run refuse it by name, and run leaves it",
    async (_what, bytes, message) => {
      const d = join(dir, `manifest-${files++}`);
      await shard(p, SMALL, d, 0, 1);
      const m = join(d, "sweep.json");
      writeFileSync(m, bytes);
      const located = new RegExp(`^iovsim: ${m}: ${message.source}`);
      await refused(["sweep", "status", d], located);
      await refused(["sweep", "merge", d], located);
      await refused(["sweep", "run", file, "--out", d], located);
      expect(readFileSync(m, "utf8")).toBe(bytes);
    },
  );

  it("a point file the system will not write (a file named points in the way) is the user's error, by path", async () => {
    const blocked = join(dir, "blocked");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "sweep.json"), JSON.stringify(manifestFor(p, VERSION, SMALL)));
    writeFileSync(join(blocked, "points"), "x");
    const err = await shard(p, SMALL, blocked, 0, 1).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${join(blocked, "points", "000000.json")}: cannot write (a file is in the way of its directory)`,
    );
  });

  it("status and merge of an empty, a missing, a foreign directory and a file", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const aFile = join(dir, "a-file");
    writeFileSync(aFile, "x");
    for (const cmd of ["status", "merge"]) {
      await refused(
        ["sweep", cmd, empty],
        new RegExp(`^iovsim: ${empty}: no sweep results here \\(no sweep\\.json\\)\\n$`),
      );
      await refused(["sweep", cmd, join(dir, "nope")], /nope: no such directory \(no sweep results\)\n$/);
      await refused(["sweep", cmd, dir], /no sweep results here/);
      await refused(["sweep", cmd, aFile], /a-file: not a directory \(a file is in the way\)/);
    }
  });

  it("a result of another sweep in the directory is refused by merge and by run", async () => {
    const d = join(dir, "mixed");
    await shard(p, SMALL, d, 0, 1);
    const other = SMALL.replace("count: 100", "count: 101");
    const o = join(dir, "other");
    await shard(plan(sweepFile(other)), other, o, 0, 1);
    writeFileSync(join(d, "points", "000002.json"), readFileSync(join(o, "points", "000002.json")));
    await refused(["sweep", "merge", d], /000002\.json: a result of another sweep or tool version/);
    await refused(["sweep", "run", sweepFile(other), "--out", d], /holds results of another sweep \('small'/);
  });

  it("merge with points missing: refused, or --partial with the missing listed; --json/--csv/--html", async () => {
    const d = join(dir, "partial");
    await shard(p, SMALL, d, 0, 2);
    const st = await sweepStatus(d);
    expect(st.missing.length).toBeGreaterThan(0);
    await refused(
      ["sweep", "merge", d],
      new RegExp(
        `points missing \\(${st.missing.join(", ")}\\); run the missing shards, or merge with --partial`,
      ),
    );
    const part = await iovsim(["sweep", "merge", d, "--partial", "--csv"]);
    expect(part.code, part.err).toBe(0);
    expect(part.err).toBe(`sweep merge: ${st.missing.length} points missing: ${st.missing.join(", ")}\n`);
    expect(part.out.trimEnd().split("\r\n")).toHaveLength(1 + st.done.length);
    await refused(["sweep", "merge", whole, "--json", "--csv"], /--json and --csv exclude each other/);
    await refused(["sweep", "merge", whole, "--html", "-"], /--html -: the report goes to a file/);
    await refused(
      ["sweep", "merge", whole, "--html", join(dir, "no-dir", "r.html")],
      /cannot write \(no such directory\)/,
    );
    await refused(["sweep", "merge", whole, "--html", ""], /--html needs a file name/);
    await refused(["sweep", "merge", whole, "--bogus"], /unknown option '--bogus'/);
    const html = join(dir, "r.html");
    const both = await iovsim(["sweep", "merge", whole, "--html", html, "--csv"]);
    expect(both.code, both.err).toBe(0);
    expect(both.out).toBe((await iovsim(["sweep", "merge", whole, "--csv"])).out);
    expect(readFileSync(html, "utf8")).toMatch(/Simulator speed \(wall clock\)/);
  });
});

describe("sweep run: points that end in a result, and points that fail", () => {
  it("every exit status an experiment ends a completed run with is a result (a fault run exits 3)", () => {
    expect(RESULT_STATUSES.paths).toContain(FAULT_EXIT_STATUS);
    expect(RESULT_STATUSES.steering).toContain(FAULT_EXIT_STATUS);
    expect(RESULT_STATUSES.paths).not.toContain(2); // conservation violated: a failure
  });

  it("a sweep over --inject-fault: each point is a result (every one failed with 'exit 3'), merged", async () => {
    const text = `name: faults
experiment: paths
axes:
  inject-fault: [sink-stall, generator-overrun]
options: { path: native, size: 64, rate: 10%, count: 100 }
`;
    const d = join(dir, "faults");
    const sum = await shard(plan(sweepFile(text)), text, d, 0, 1);
    expect(sum).toMatchObject({ points: 2, ran: 2, failed: 0 });
    const m = await iovsim(["sweep", "merge", d]);
    expect(m.code, m.err).toBe(0);
    const points = JSON.parse(m.out).points as Array<{
      result: { faults: { records: Array<{ kind: string }> } };
    }>;
    expect(points.map((x) => x.result.faults.records[0].kind)).toEqual(["sink-stall", "generator-overrun"]);
  });

  it("a point that fails is recorded, named by status (exit 3), refused by merge, and run again next time", async () => {
    const text = `${HEAD}axes:\n  size: [64, 128]\noptions: { path: native, rate: 10%, count: 100 }\n`;
    const d = join(dir, "fails");
    const p = plan(sweepFile(text));
    const sum = await shard(p, text, d, 0, 1, async (a) =>
      a.includes("128")
        ? { exitCode: 2, stdout: "", stderr: "iovsim: conservation violated\n" }
        : inProcess(a),
    );
    expect(sum).toMatchObject({ ran: 1, failed: 1 });
    const st = await iovsim(["sweep", "status", d]);
    expect(st.code).toBe(3);
    expect(st.out).toContain("failed 1 (size=128): iovsim: conservation violated");
    await shard(p, text, d, 0, 1);
    expect((await iovsim(["sweep", "status", d])).out).toMatch(/2 of 2 done, 0 missing, 0 failed/);
  });
});

describe("sweep run stopped by a signal (a batch engine's SIGTERM, Ctrl-C)", () => {
  const text = `${HEAD}axes:\n  size: [64, 128, 256]\noptions: { path: native, rate: 10%, count: 100 }\n`;

  it("the running point ends without a failure record, no other point starts, a re-run finishes", async () => {
    const p = plan(sweepFile(text));
    const d = join(dir, "stopped");
    const stop = new AbortController();
    const started: string[][] = [];
    // The second point is stopped while it runs (it ends as a killed process would: no status).
    const sum = await shard(
      p,
      text,
      d,
      0,
      1,
      async (a, signal) => {
        started.push(a);
        if (started.length < 2) return inProcess(a);
        stop.abort("SIGTERM");
        expect(signal?.aborted).toBe(true);
        return { exitCode: null, stdout: "", stderr: "" };
      },
      stop.signal,
    );
    expect(sum).toMatchObject({ ran: 1, failed: 0, interrupted: true });
    expect(started).toHaveLength(2);
    expect(readdirSync(join(d, "points")).sort()).toEqual(["000000.json"]);
    const again = await shard(p, text, d, 0, 1);
    expect(again).toMatchObject({ ran: 2, skipped: 1, failed: 0 });
  });

  it("SIGTERM to `iovsim sweep run`: exit 143, no failed point, no orphan state directory; the same command resumes", async () => {
    const d = join(dir, "sigterm");
    const tmp = tempDir("iovsim-sweep-tmp-");
    const file = sweepFile(text);
    const bin = fileURLToPath(new URL("../../bin/iovsim.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "sweep", "run", file, "--out", d], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (c, s) => resolve([c, s])),
    );
    // The header is said just before the first point starts; the point then takes seconds.
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        if (err.includes("-> ")) resolve();
      }),
    );
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code, err).toBe(143);
    expect(err).toMatch(/stopped by SIGTERM: .*; the same command runs the rest/);
    expect(err).not.toMatch(/failed:/);
    const written = existsSync(join(d, "points")) ? readdirSync(join(d, "points")) : [];
    expect(written.filter((n) => n.includes("failed"))).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith("iovsim-sweep-"))).toEqual([]);
    const st = await iovsim(["sweep", "status", d]);
    expect(st.code).toBe(3);
    expect(st.out).toMatch(/0 failed/);
  }, 120_000);
});

describe("sweep plan: every point the experiment would refuse, listed at once", () => {
  it("lists each bad axis value, located, in file order, then exits 1", async () => {
    // Two bad sizes and a bad rate: the points (size=20000 rate=bogus) would hide one of them
    // behind the other; each is still reached through a point without the other.
    const file = sweepFile(`${HEAD}axes:\n  size: [64, 20000, 128, 10]\n  rate: [1Mpps, bogus, 2Mpps]\n`);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).not.toMatch(STACK);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(
        `^iovsim: ${file}:4:14: point \\d+ \\(size=20000 rate=1Mpps\\) would fail: .*--size: '20000'`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${file}:4:26: point \\d+ \\(size=10 rate=1Mpps\\) would fail: .*--size: '10'`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${file}:5:17: point \\d+ \\(size=64 rate=bogus\\) would fail: .*--rate: 'bogus'`),
    );
  });

  it("a huge list is capped: the first 20 and '... and N more'", async () => {
    // 101 sizes above the largest frame, each refused for its own value.
    const file = sweepFile(`${HEAD}axes:\n  size: {from: 2000, to: 3000, step: 10}\n`);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate"]);
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(21);
    expect(lines.slice(0, 20).every((l) => l.includes("would fail"))).toBe(true);
    expect(lines[20]).toBe("... and 81 more points it would refuse");
  });

  it("a fixed option every point fails on is said once", async () => {
    const file = sweepFile(`${HEAD}axes:\n  size: [64, 128]\noptions:\n  colour: red\n`);
    const r = await iovsim(["sweep", "plan", file, "--no-calibrate"]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("sweep run: checked as sweep plan checks it, and each option given once", () => {
  it("refuses a point its experiment would refuse before DIR exists or any point runs", async () => {
    const file = sweepFile(`${HEAD}axes:\n  path: [native, nosuch]\n  size: [64]\n`);
    const out = join(dir, "run-refused");
    await refused(
      ["sweep", "run", file, "--out", out, "--shard", "0/1"],
      new RegExp(
        `^iovsim: ${file}:4:18: point 1 \\(path=nosuch size=64\\) would fail: .*unknown path 'nosuch'`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it("an option given twice, or with an empty value, and an empty operand are usage errors", async () => {
    const file = sweepFile(`${HEAD}axes:\n  size: [64]\n`);
    const out = join(dir, "run-twice");
    await refused(
      ["sweep", "run", file, "--out", out, "--shard", "0/1", "--shard", "0/2"],
      /^iovsim: sweep run: option '--shard' given twice \('0\/1' and '0\/2'\); it takes one value/,
    );
    await refused(
      ["sweep", "run", file, "--out", ""],
      /^iovsim: sweep run: option '--out' needs a directory, not an empty string/,
    );
    await refused(["sweep", "plan", file, "--shards", "2", "--shards", "3"], /option '--shards' given twice/);
    await refused(["sweep", "plan", ""], /^iovsim: sweep plan: the sweep file is an empty string/);
    await refused(["sweep", "merge", ""], /^iovsim: sweep merge: the results directory is an empty string/);
    await refused(["sweep", "status", ""], /^iovsim: sweep status: the results directory is an empty string/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("sweep plan: the seed shown only where the experiment takes one", () => {
  it("fidelity points show no seed (its cases fix their own); paths points do", async () => {
    const fid = await iovsim([
      "sweep",
      "plan",
      sweepFile("name: f\nexperiment: fidelity\naxes:\n  case: [talk-ping-jail]\n"),
      "--no-calibrate",
    ]);
    expect(fid.code, fid.err).toBe(0);
    expect(fid.out).toMatch(/^ {5}0 {2}case=talk-ping-jail {2}cost 100\.0 %$/m);
    const paths = await iovsim([
      "sweep",
      "plan",
      sweepFile(`${HEAD}axes:\n  size: [64]\n`),
      "--no-calibrate",
    ]);
    expect(paths.out).toMatch(/^ {5}0 {2}size=64 {2}seed \d+ {2}cost 100\.0 %$/m);
  });
});
