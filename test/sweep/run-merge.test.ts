// Sharding, resuming and merging with a test double for the experiment (a deterministic
// function of the point's arguments plus a wall-clock block that must not reach the merge).
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import type { PointExecutor } from "../../src/sweep/execute.ts";
import { mergeSweep, sweepStatus } from "../../src/sweep/merge.ts";
import { planSweep } from "../../src/sweep/plan.ts";
import { runShard } from "../../src/sweep/run.ts";
import { parseSweep } from "../../src/sweep/spec.ts";
import { iovsim } from "../helpers/cli.ts";

const TEXT = `name: m
experiment: paths
axes: { path: [native, vm-vf, virtio], size: [64, 1518], rate: [10%, 50%] }
options: { trial-ms: 1 }
`;
const plan = planSweep({ file: "m.yaml", text: TEXT, spec: parseSweep(TEXT, "m.yaml") });

function fakeExperiment(fail?: (args: string[]) => boolean): PointExecutor & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = (async (args: string[]) => {
    calls.push(args);
    if (fail?.(args)) return { exitCode: 2, stdout: "", stderr: "iovsim: paths: something the user did\n" };
    const size = Number(args[args.indexOf("--size") + 1]);
    const result = {
      paths: [{ name: args[args.indexOf("--path") + 1], size, ndr_mpps: 1000 / size }],
      simulator: { wall_s: Math.random() },
    };
    return { exitCode: 0, stdout: JSON.stringify(result), stderr: "" };
  }) as PointExecutor & { calls: string[][] };
  fn.calls = calls;
  return fn;
}

const tmp = () => mkdtemp(join(tmpdir(), "iovsim-sweep-test-"));
const run = (dir: string, k: number, n: number, execute: PointExecutor, version = "iovsim 0.0.0-test") =>
  runShard({ plan, text: TEXT, version, dir, shard: { k, n }, execute });

describe("sweep run and merge", () => {
  it("three shards merge to the same bytes as the unsharded run", async () => {
    const one = await tmp();
    const many = await tmp();
    await run(one, 0, 1, fakeExperiment());
    for (const k of [2, 0, 1]) await run(many, k, 3, fakeExperiment());
    const a = JSON.stringify((await mergeSweep(one)).merged);
    const b = JSON.stringify((await mergeSweep(many)).merged);
    expect(b).toBe(a);
    expect(a).not.toMatch(/wall_s/);
    expect((await mergeSweep(one)).merged.points).toHaveLength(12);
  });

  it("a re-run skips the points already done and leaves their files untouched", async () => {
    const dir = await tmp();
    const first = fakeExperiment();
    await run(dir, 0, 2, first);
    const before = await readFile(join(dir, "points", "000000.json"), "utf8");
    const again = fakeExperiment();
    const sum = await run(dir, 0, 2, again);
    expect(again.calls).toHaveLength(0);
    expect(sum.skipped).toBe(first.calls.length);
    expect(await readFile(join(dir, "points", "000000.json"), "utf8")).toBe(before);
  });

  it("a failed point is recorded with its message, reported by status, and run again next time", async () => {
    const dir = await tmp();
    const failing = fakeExperiment((a) => a.includes("virtio"));
    const sum = await run(dir, 0, 1, failing);
    expect(sum.failed).toBe(4);
    const st = await sweepStatus(dir);
    expect(st.missing).toHaveLength(4);
    expect(st.failed[0].message).toMatch(/something the user did/);
    await expect(mergeSweep(dir)).rejects.toThrow(/4 of 12 points missing/);
    expect((await mergeSweep(dir, { partial: true })).missing).toHaveLength(4);
    const fixed = fakeExperiment();
    await run(dir, 0, 1, fixed);
    expect(fixed.calls).toHaveLength(4);
    expect((await sweepStatus(dir)).failed).toHaveLength(0);
  });

  it("refuses to mix sweeps or tool versions in one directory", async () => {
    const dir = await tmp();
    await run(dir, 0, 2, fakeExperiment());
    await expect(run(dir, 1, 2, fakeExperiment(), "iovsim 9.9.9")).rejects.toThrow(
      /iovsim 0\.0\.0-test, this is iovsim 9\.9\.9/,
    );
    const other = TEXT.replace("trial-ms: 1", "trial-ms: 2");
    const p2 = planSweep({ file: "o.yaml", text: other, spec: parseSweep(other, "o.yaml") });
    await expect(
      runShard({
        plan: p2,
        text: other,
        version: "iovsim 0.0.0-test",
        dir,
        shard: { k: 0, n: 1 },
        execute: fakeExperiment(),
      }),
    ).rejects.toBeInstanceOf(UserError);
  });

  it("an --out that cannot be a directory is the user's error, never an internal one", async () => {
    const file = join(await tmp(), "a-file");
    await writeFile(file, "x");
    await expect(run(file, 0, 1, fakeExperiment())).rejects.toThrow(
      new UserError("E_SWEEP_DIR", `${file}: not a directory (a file is in the way)`),
    );
    await expect(run(join(file, "sub"), 0, 1, fakeExperiment())).rejects.toThrow(
      /a-file\/sub: not a directory/,
    );
    // A directory the system refuses to create (it was an internal error, exit 70).
    if (existsSync("/proc/self"))
      await expect(run("/proc/iovsim-none", 0, 1, fakeExperiment())).rejects.toThrow(
        new UserError("E_OUT", "--out /proc/iovsim-none: cannot write (no such directory)"),
      );
  });

  it("sweep run --out below a regular file: only the error, naming the path (no header first), exit 1", async () => {
    const d = await tmp();
    const file = join(d, "a-file");
    await writeFile(file, "x");
    const spec = join(d, "m.yaml");
    await writeFile(spec, TEXT);
    const out = join(file, "sub");
    const r = await iovsim(["sweep", "run", spec, "--out", out, "--shard", "0/1"]);
    expect(r).toEqual({ code: 1, out: "", err: `iovsim: ${out}: not a directory (a file is in the way)\n` });
  });

  it("a foreign result file is refused by merge", async () => {
    const dir = await tmp();
    await run(dir, 0, 1, fakeExperiment());
    const f = join(dir, "points", "000003.json");
    const r = JSON.parse(await readFile(f, "utf8"));
    await writeFile(f, JSON.stringify({ ...r, version: "iovsim 1.2.3" }));
    await expect(mergeSweep(dir)).rejects.toThrow(/000003\.json: a result of another sweep or tool version/);
  });

  it("temp files left by a killed writer are removed and never count", async () => {
    const dir = await tmp();
    await run(dir, 0, 2, fakeExperiment());
    await writeFile(join(dir, "points", ".000011.json.4242.deadbeef.tmp"), "{ torn");
    await run(dir, 1, 2, fakeExperiment());
    expect((await readdir(join(dir, "points"))).filter((n) => n.endsWith(".tmp"))).toHaveLength(0);
    expect((await mergeSweep(dir)).merged.points).toHaveLength(12);
  });
});

describe("sweep merge --html", () => {
  it("refuses a report file among the results it merges (a point, the manifest): they were replaced", async () => {
    const dir = await tmp();
    await run(dir, 0, 1, fakeExperiment());
    for (const html of [
      join(dir, "points", "000000.json"),
      join(dir, "sweep.json"),
      join(dir, "points", "r.html"),
    ]) {
      const before = existsSync(html) ? await readFile(html, "utf8") : null;
      const { code, err } = await iovsim(["sweep", "merge", dir, "--html", html]);
      expect(code).toBe(1);
      expect(err).toMatch(
        /^iovsim: sweep merge: --html .*: that is (the manifest|among the point results) of .*; choose another file\n$/,
      );
      expect(existsSync(html) ? await readFile(html, "utf8") : null).toBe(before);
    }
  });
});

describe("a fidelity sweep", () => {
  const FID = `name: f
experiment: fidelity
axes: { case: [talk-ping-jail, eli-exits] }
`;
  const fplan = planSweep({ file: "f.yaml", text: FID, spec: parseSweep(FID, "f.yaml") });

  it("runs fidelity without --seed (it takes none: every point failed on 'unknown option')", () => {
    expect(fplan.points.map((p) => p.args)).toEqual([
      ["fidelity", "--case", "talk-ping-jail", "--json"],
      ["fidelity", "--case", "eli-exits", "--json"],
    ]);
  });

  it("keeps a failed case's verdict (exit 1 with its JSON) as a result; exit 1 without JSON fails", async () => {
    const dir = await tmp();
    const execute: PointExecutor = async (args) =>
      args.includes("eli-exits")
        ? { exitCode: 1, stdout: JSON.stringify({ schema: "iovsim.fidelity/2", passed: 0 }), stderr: "" }
        : { exitCode: 1, stdout: "", stderr: "iovsim: fidelity: something the user did\n" };
    const sum = await runShard({
      plan: fplan,
      text: FID,
      version: "iovsim 0.0.0-test",
      dir,
      shard: { k: 0, n: 1 },
      execute,
    });
    expect(sum).toMatchObject({ points: 2, ran: 1, failed: 1 });
    const st = await sweepStatus(dir);
    expect(st.done).toEqual([1]);
    expect(st.failed.map((f) => f.message)).toEqual(["iovsim: fidelity: something the user did"]);
  });
});
