// npm run fuzz -- --seed S --count N [--target frames|config|pcap|state] [--case I]
// Each campaign runs in a child process; this process is the watchdog. The child writes the
// index of the case it is running into a heartbeat file before each case; when that index stops
// moving for --hang-ms, the case is reported as a hang (seed, case index, reproducer, replay
// command) and the child is killed. Every failure prints its seed, case index and reproducer
// file (build/fuzz/). Exit status: 0 clean, 1 failures, 2 usage, 3 hang.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { type CampaignOptions, type CampaignResult, replayCommand, TARGETS, type TargetName } from "../src/fuzz/campaign.ts";
import { DEFAULT_COUNTS, runTarget } from "../src/fuzz/run-target.ts";
import { HangWatch } from "../src/fuzz/watchdog.ts";

/** Loading and seeding (before case 0) may take this long on a loaded machine. */
const STARTUP_MS = 300_000;

interface Job {
  target: TargetName;
  opts: Omit<CampaignOptions, "heartbeat" | "progress">;
  heartbeatFile: string;
  resultFile: string;
}

const int = (name: string, min: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > Number.MAX_SAFE_INTEGER)
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return Number(v);
};

async function child(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, "utf8")) as Job;
  const fd = openSync(job.heartbeatFile, "w");
  const buf = Buffer.alloc(16, 0x20);
  const beat = (i: number) => {
    buf.fill(0x20);
    buf.write(String(i));
    writeSync(fd, buf, 0, 16, 0);
  };
  const result = await runTarget(job.target, {
    ...job.opts,
    heartbeat: beat,
    progress: process.stderr.isTTY ? (done) => process.stderr.write(`\r${job.target}: ${done} done`) : undefined,
  });
  beat(-2); // finished: writing the result is not a case
  writeFileSync(job.resultFile, JSON.stringify(result));
}

function runChild(job: Job, jobFile: string, hangMs: number): Promise<CampaignResult | { hang: number }> {
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader (npm run fuzz is `node --import tsx`).
    const c = fork(fileURLToPath(import.meta.url), ["--child", jobFile], { stdio: "inherit" });
    const beat = () => {
      try {
        return Number(readFileSync(job.heartbeatFile, "utf8").trim() || -1);
      } catch {
        return -1;
      }
    };
    const watch = new HangWatch(hangMs, STARTUP_MS);
    let hung = false;
    const timer = setInterval(() => {
      const now = beat();
      if (watch.observe(now, Date.now())) {
        hung = true;
        clearInterval(timer);
        c.kill("SIGKILL");
        resolve({ hang: now });
      }
    }, 250);
    c.on("exit", (code, signal) => {
      clearInterval(timer);
      if (hung) return;
      try {
        resolve(JSON.parse(readFileSync(job.resultFile, "utf8")) as CampaignResult);
      } catch {
        reject(new Error(`campaign process ended (exit ${code}, signal ${signal}) at case ${beat()} without a result`));
      }
    });
  });
}

function report(r: CampaignResult, seconds: number): void {
  const failures = Object.values(r.failureCounts).reduce((a, b) => a + b, 0);
  console.log(
    `${r.target}: seed ${r.seed}: ${r.units} ${r.unit} in ${r.cases} cases, ${failures} failures (fuzzer wall clock ${seconds.toFixed(1)} s on this machine)`,
  );
  console.log(`  outcomes: ${Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const f of r.failures.slice(0, 20))
    console.log(
      `  FAIL ${f.kind}: seed ${r.seed} case ${f.caseIndex}: ${f.message.slice(0, 400)}\n    reproducer: ${f.reproducer ?? "(not written: only the first few per kind)"}\n    replay: ${replayCommand(r.target, r.seed, f.caseIndex)}`,
    );
  for (const [k, f] of Object.entries(r.findings))
    console.log(`  finding ${k}: ${f.count} inputs, e.g. case ${f.caseIndex}: ${f.example.slice(0, 300)}`);
}

async function main(): Promise<number> {
  const program = new Command("fuzz")
    .description("seeded fuzz campaigns over the frame path, iovctl.conf, captures and the state file")
    .option("--seed <S>", "campaign seed (uint32)", int("--seed", 0), 1)
    .option("--count <N>", "frames (frames target) or inputs (other targets); default per target", int("--count", 1))
    .option("--target <T>", `one of ${TARGETS.join(", ")} (default: all, in that order)`)
    .option("--case <I>", "replay only this case index (as a failure names it)", int("--case", 0))
    .option("--hang-ms <MS>", "a case still running after this long is reported as a hang", int("--hang-ms", 100), 60_000)
    .option("--repro-dir <DIR>", "where reproducers are written", join("build", "fuzz"))
    .option("--json <FILE>", "also write the results as JSON to FILE")
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const o = program.opts<{ seed: number; count?: number; target?: string; case?: number; hangMs: number; reproDir: string; json?: string }>();
  if (o.seed > 0xffffffff) return usage("--seed must be at most 4294967295");
  if (o.target !== undefined && !TARGETS.includes(o.target as TargetName))
    return usage(`--target must be one of ${TARGETS.join(", ")} (got '${o.target}')`);
  const targets = o.target ? [o.target as TargetName] : [...TARGETS];
  const results: CampaignResult[] = [];
  const work = mkdtempSync(join(tmpdir(), "iovsim-fuzz-"));
  let status = 0;
  try {
    for (const target of targets) {
      const job: Job = {
        target,
        opts: { seed: o.seed, count: o.count ?? DEFAULT_COUNTS[target], onlyCase: o.case, reproDir: o.reproDir },
        heartbeatFile: join(work, `${target}.beat`),
        resultFile: join(work, `${target}.json`),
      };
      const jobFile = join(work, `${target}.job.json`);
      writeFileSync(jobFile, JSON.stringify(job));
      const t0 = performance.now();
      const r = await runChild(job, jobFile, o.hangMs);
      if (process.stderr.isTTY) process.stderr.write("\n");
      if ("hang" in r) {
        mkdirSync(o.reproDir, { recursive: true });
        const path = join(o.reproDir, `${target}-seed${o.seed}-case${r.hang}-hang.json`);
        const replay = replayCommand(target, o.seed, r.hang);
        writeFileSync(path, `${JSON.stringify({ target, seed: o.seed, case: r.hang, kind: "hang", hangMs: o.hangMs, replay }, null, 1)}\n`);
        console.log(
          `${target}: HANG: seed ${o.seed} case ${r.hang} still running after ${o.hangMs} ms\n    reproducer: ${path}\n    replay: ${replay}`,
        );
        return 3;
      }
      report(r, (performance.now() - t0) / 1000);
      results.push(r);
      if (r.failures.length > 0) status = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (o.json) writeFileSync(o.json, `${JSON.stringify(results, null, 1)}\n`);
  return status;
}

function usage(msg: string): number {
  console.error(`fuzz: ${msg}`);
  return 2;
}

const childAt = process.argv.indexOf("--child");
const run = childAt >= 0 ? child(process.argv[childAt + 1]!).then(() => 0) : main();
run.then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`fuzz: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 70;
  },
);
