// Sweeps against a real batch engine: the example sweep as a Slurm job array on the
// single-node cluster of scripts/slurm-local.sh (CI starts it), merged and compared byte for
// byte with the same sweep run unsharded; and a shard killed mid-run, then resumed.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "iovsim.js");
const SWEEP = join(ROOT, "examples", "sweeps", "paths-small.yaml");

const iovsim = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

function clusterUp(): boolean {
  const r = spawnSync("sinfo", ["-h", "-o", "%t"], { encoding: "utf8" });
  return r.status === 0 && /idle|mix|alloc/.test(r.stdout);
}

// In CI the cluster must be there (.ci/run starts it): a missing cluster fails the test.
const inCi = Boolean(process.env.CI);
const haveSlurm = clusterUp();

describe.skipIf(!inCi && !haveSlurm)("sweep on a real Slurm cluster", () => {
  it("a 24-point sweep as a job array merges to the same bytes as the unsharded run", async () => {
    expect(haveSlurm, "Slurm is not running: start it with `sudo scripts/slurm-local.sh start`").toBe(true);
    const sharded = await mkdtemp(join(tmpdir(), "iovsim-slurm-"));
    const single = await mkdtemp(join(tmpdir(), "iovsim-single-"));
    const logs = await mkdtemp(join(tmpdir(), "iovsim-slurm-logs-"));
    const job = execFileSync(
      "sbatch",
      [
        "--array=0-3",
        "--wait",
        "--parsable",
        "--cpus-per-task=1",
        "-o",
        join(logs, "%A_%a.log"),
        join(ROOT, "examples", "slurm", "sweep.sbatch"),
        SWEEP,
        sharded,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 900_000 },
    ).trim();
    expect(job).toMatch(/^\d+/);
    const logText = (
      await Promise.all((await readdir(logs)).map((f) => readFile(join(logs, f), "utf8")))
    ).join("\n");
    expect(logText).toMatch(/shard 0\/4 \(Slurm job array\)/);
    const status = iovsim("sweep", "status", sharded);
    expect(status.stdout, logText).toMatch(/24 of 24 done, 0 missing, 0 failed/);

    const r = iovsim("sweep", "run", SWEEP, "--out", single);
    expect(r.status, r.stderr).toBe(0);
    const a = iovsim("sweep", "merge", sharded);
    const b = iovsim("sweep", "merge", single);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const merged = JSON.parse(a.stdout);
    expect(merged.points).toHaveLength(24);
    expect(merged.points[0].result.paths[0].load_points).toHaveLength(1);
  }, 900_000);
});

describe("a shard killed mid-run", () => {
  it("resumes without repeating the points it had finished", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iovsim-kill-"));
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "sweep", "run", SWEEP, "--out", dir, "--shard", "1/4"],
      {
        cwd: ROOT,
        detached: true,
        stdio: "ignore",
      },
    );
    const points = join(dir, "points");
    const done = async () =>
      existsSync(points) ? (await readdir(points)).filter((n) => /^\d{6}\.json$/.test(n)) : [];
    const deadline = Date.now() + 300_000;
    while ((await done()).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, "SIGKILL"); // the whole group: launcher, CLI and the running point
    const first = await done();
    expect(first.length).toBeGreaterThanOrEqual(1);
    const before = await Promise.all(
      first.map(
        async (n) =>
          [n, (await stat(join(points, n))).mtimeMs, await readFile(join(points, n), "utf8")] as const,
      ),
    );
    const r = iovsim("sweep", "run", SWEEP, "--out", dir, "--shard", "1/4");
    expect(r.status, r.stderr).toBe(0);
    const already = Number(/(\d+) already done/.exec(r.stdout)?.[1]);
    expect(already).toBeGreaterThanOrEqual(first.length);
    for (const [n, mtime, text] of before) {
      expect((await stat(join(points, n))).mtimeMs).toBe(mtime);
      expect(await readFile(join(points, n), "utf8")).toBe(text);
    }
    expect(iovsim("sweep", "status", dir).stdout).toMatch(/6 of 24 done/);
  }, 600_000);
});
