// `iovsim sweep plan|run|merge|status`: a sweep crosses an experiment's options; any batch
// engine that hands out an index (Slurm job arrays, Kubernetes Indexed Jobs) runs its shards.

import { constants as osConstants } from "node:os";
import { join } from "node:path";
import { Command as Commander, CommanderError, Option } from "commander";
import { UserError } from "../../errors.ts";
import { replaceFileSync } from "../../fs-atomic.ts";
import { asWriteError, htmlOutputFile, samePathKey } from "../../output-file.ts";
import { commandLine } from "../../report/output-format.ts";
import { cliPointExecutor } from "../../sweep/execute.ts";
import { mergedRows, mergeSweep, rowsToCsv, sweepStatus } from "../../sweep/merge.ts";
import { chooseShard, parseShardCount, planSweep, type SweepPlan, shardOwners } from "../../sweep/plan.ts";
import { runShard } from "../../sweep/run.ts";
import { readSweepFile, TAKES_SEED } from "../../sweep/spec.ts";
import { pointsDir } from "../../sweep/store.ts";
import { toolVersion as version } from "../../version.ts";
import type { CommandContext } from "../context.ts";
import { defineRawCommand, unknownOption, usageError } from "../registry.ts";
import { checkPlan, checkWorkers, stateHostNote } from "./sweep-check.ts";

const HELP_FOOTER = `
A sweep file (YAML or JSON) names an experiment, the axes it crosses (lists, or ranges
{from, to, step, unit}; the sweep is their product), the seed policy and fixed options:

  name: paths-small
  experiment: paths
  axes: { path: [native, vm-vf], size: [64, 1518], profile: [bhyve, kvm-posted] }
  seed: { policy: fixed, value: 1 }
  options: { trial-ms: 2 }
  host: examples/hosts/two-x710.json   # optional: each point's host (as reset --host FILE)

Each point runs \`iovsim <experiment> [options] --seed S --json\` on a private host (the
embedded default, or the sweep's host file; never your state's); its result goes to
DIR/points/NNNNNN.json (atomically). Shards: --shard K/N (0 <= K < N; the environment is then
not read), or from the batch engine: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (less
SLURM_ARRAY_TASK_MIN, divided by SLURM_ARRAY_TASK_STEP: --array=0-(N-1)), or
JOB_COMPLETION_INDEX with IOVSIM_SHARDS=N (Kubernetes Indexed Job); half of a pair is an error.
SIGTERM, SIGINT or SIGHUP ends the running point unrecorded and exits 128 + the signal; the
same command resumes. See docs/sweeps.md.
`;

/**
 * Wall seconds per unit of cost on this machine: runs the sweep's cheapest point once (a real
 * run, its result discarded). An estimate of simulator speed, never a simulated figure.
 */
async function calibrate(plan: SweepPlan, ctx: CommandContext): Promise<number | undefined> {
  const cheapest = plan.points.reduce((a, b) => (b.cost < a.cost ? b : a));
  const t0 = performance.now();
  const r = await cliPointExecutor(plan.host)(cheapest.args);
  const wall = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) {
    ctx.err(
      `sweep plan: the calibration point ${cheapest.index} failed, no time estimate: ${r.stderr.trim().split("\n").pop()}\n`,
    );
    return undefined;
  }
  return wall / cheapest.cost;
}

/** Signals that stop a shard between points (the launcher bin/iovsim.js forwards them). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Every subcommand's help ends with where the sweep file and its results are explained. */
const SUBCOMMAND_FOOTER = "\nThe sweep file, shards, batch launchers and results: docs/sweeps.md.";

/** Help is laid out for 100 columns whatever the terminal: `help sweep` and the docs agree. */
const HELP_WIDTH = 100;

/**
 * An option that takes one value: given twice, commander would keep the last in silence (a
 * batch script that appends `--shard` to a line that has one runs the wrong shard): refused,
 * naming the option.
 */
function oneValue(where: string, flags: string, description: string): Option {
  const name = flags.split(" ")[0]!;
  return new Option(flags, description).argParser((v: string, prev: unknown) => {
    if (prev !== undefined)
      throw usageError(where, `option '${name}' given twice ('${prev}' and '${v}'); it takes one value`);
    return v;
  });
}

/** A file or directory operand given as '' names nothing (it would read the working directory). */
function operand(where: string, what: string, v: string): string {
  if (v === "") throw usageError(where, `the ${what} is an empty string`);
  return v;
}

/**
 * The sweep program (commander subcommands). `status.code` is the exit status the actions set;
 * `status.where` the (sub)command being parsed, for error messages.
 */
function sweepProgram(ctx: CommandContext, status: { code: number; where: string }): Commander {
  const program = new Commander("iovsim sweep")
    .description("Run an experiment over the product of axes, sharded for batch engines.")
    .exitOverride()
    .configureOutput({
      writeOut: ctx.out,
      writeErr: () => {},
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
    })
    .showHelpAfterError(false)
    .showSuggestionAfterError(false)
    .addHelpText("after", HELP_FOOTER)
    .hook("preSubcommand", (_p, sub) => {
      status.where = `sweep ${sub.name()}`;
    });
  program
    .command("plan")
    .argument("<file>", "sweep file")
    .option(
      "--json",
      "print {sweep, experiment, hash, host, count, points} as JSON (and shards with --shards)",
    )
    .addOption(
      oneValue(
        "sweep plan",
        "--shards <n>",
        "also show how N shards would split the points (default: no split shown)",
      ),
    )
    .option("--no-calibrate", "skip the calibration run (no wall-time estimate)")
    .description("list the points, their count, their relative cost and a wall-time estimate")
    .addHelpText("after", SUBCOMMAND_FOOTER)
    .action(async (file: string, o: { json?: boolean; shards?: string; calibrate: boolean }) => {
      const f = readSweepFile(operand("sweep plan", "sweep file", file));
      const plan = planSweep(f);
      await checkPlan(plan, f);
      const note = await stateHostNote(plan, ctx.stateDir);
      if (note) ctx.err(note);
      const perCost = o.calibrate ? await calibrate(plan, ctx) : undefined;
      const estimate = (cost: number) =>
        perCost === undefined ? undefined : Number((perCost * cost).toFixed(1));
      const n = o.shards === undefined ? 1 : parseShardCount(o.shards);
      const owners = shardOwners(plan.points, n);
      const shardOf = new Map(plan.points.map((p) => [p.index, owners[p.index]]));
      const total = plan.points.reduce((s, p) => s + p.cost, 0);
      // Each shard's points and share of the cost: how balanced the split is (the longest shard
      // is the sweep's wall time on a cluster). Shards past the points' count stay empty.
      const shards =
        o.shards === undefined
          ? undefined
          : Array.from({ length: Math.min(n, plan.points.length) }, (_, k) => {
              const mine = plan.points.filter((p) => owners[p.index] === k);
              const cost = mine.reduce((sum, p) => sum + p.cost, 0);
              return {
                shard: k,
                points: mine.length,
                cost_share: Number((cost / total).toFixed(4)),
                estimate_s: estimate(cost),
              };
            });
      if (o.json) {
        const points = plan.points.map((p) => ({
          ...p,
          estimate_s: estimate(p.cost),
          shard: o.shards === undefined ? undefined : shardOf.get(p.index),
        }));
        ctx.out(
          `${JSON.stringify({ sweep: plan.name, experiment: plan.experiment, hash: plan.hash, host: plan.host ?? null, count: plan.points.length, points, shards }, null, 1)}\n`,
        );
        return;
      }
      ctx.out(
        `sweep ${plan.name}: ${plan.points.length} point${plan.points.length === 1 ? "" : "s"} of \`iovsim ${plan.experiment}\` over ${plan.axes.join(" x ")}${plan.host !== undefined ? `, each on the host of ${plan.host}` : ""}\n`,
      );
      for (const p of plan.points) {
        const coords = Object.entries(p.coords)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ");
        const shard = o.shards === undefined ? "" : `  shard ${shardOf.get(p.index)}`;
        const est = estimate(p.cost);
        const time = est === undefined ? "" : `  ~${est} s`;
        // fidelity takes no --seed (its cases fix their own): no seed shown that nothing uses.
        const seed = TAKES_SEED[plan.experiment] ? `  seed ${p.seed}` : "";
        ctx.out(
          `  ${String(p.index).padStart(4)}  ${coords}${seed}  cost ${((p.cost / total) * 100).toFixed(1)} %${time}${shard}\n`,
        );
      }
      for (const sh of shards ?? [])
        ctx.out(
          `shard ${sh.shard}: ${sh.points} point${sh.points === 1 ? "" : "s"}, cost ${(sh.cost_share * 100).toFixed(1)} %${sh.estimate_s === undefined ? "" : `, ~${sh.estimate_s} s`}\n`,
        );
      if (n > plan.points.length)
        ctx.out(
          `shard${n - plan.points.length === 1 ? "" : "s"} ${plan.points.length}${n - plan.points.length === 1 ? "" : `..${n - 1}`}: no points (more shards than points; harmless)\n`,
        );
      if (perCost !== undefined)
        ctx.out(
          `estimated wall time on this machine: ~${estimate(total)} s in one shard (from one calibration run)\n`,
        );
      ctx.out(
        plan.experiment === "paths"
          ? `cost: each point's share of the sweep's simulated work (paths x sizes x trials x ${plan.points[0]?.args.includes("--count") ? "frames per trial" : "virtual ms"}), the same on every machine\n`
          : `cost: every point of \`iovsim ${plan.experiment}\` counts the same (its work is not estimated from its options)\n`,
      );
    });
  program
    .command("run")
    .argument("<file>", "sweep file")
    .addOption(
      oneValue(
        "sweep run",
        "--out <dir>",
        "results directory (shared by every shard; required)",
      ).makeOptionMandatory(),
    )
    .addOption(
      oneValue(
        "sweep run",
        "--shard <k/n>",
        "run the K-th of N shards (default: from the batch engine's environment, else 0/1)",
      ),
    )
    .addOption(
      oneValue(
        "sweep run",
        "--workers <n>",
        "paths sweeps only: worker threads each point uses, 1..64 (default: min(2, cores)); steering and fidelity take none",
      ),
    )
    .summary("run one shard; points already done in DIR are skipped, failed ones run again")
    .description(
      "run one shard; points already done in DIR are skipped, failed ones run again (the same command resumes or retries). The sweep is first checked as sweep plan checks it (a point its experiment would refuse: exit 1, nothing run). Each option takes one value, given once",
    )
    .addHelpText("after", SUBCOMMAND_FOOTER)
    .action(async (file: string, o: { out: string; shard?: string; workers?: string }) => {
      const f = readSweepFile(operand("sweep run", "sweep file", file));
      const plan = planSweep(f);
      // As sweep plan: a point its experiment would refuse is refused now, located, before
      // DIR is created or any point runs (not a failed point per refusal, hours later).
      await checkPlan(plan, f);
      const note = await stateHostNote(plan, ctx.stateDir);
      if (note) ctx.err(note);
      // '' names no directory: the results would land in the working directory.
      if (o.out === "")
        throw usageError("sweep run", "option '--out' needs a directory, not an empty string");
      // Checked before anything is written or said: a shard from the batch engine's
      // environment out of range created DIR/sweep.json and announced 'shard 5/2' first.
      const shard = chooseShard(o.shard, process.env);
      const from = shard.source;
      if (o.workers !== undefined) await checkWorkers(plan, o.workers, f);
      const extraArgs = o.workers !== undefined ? ["--workers", o.workers] : [];
      // A batch engine stops a shard with SIGTERM (pre-emption, scancel, a pod deleted), a user
      // with Ctrl-C: the running point ends, is not recorded as failed, no other starts, and
      // the exit status says which signal (128 + its number); the same command resumes.
      const stopper = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => stopper.abort(sig);
      for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
      const sum = await runShard({
        // Said once --out is known to be usable: a bad one is the only line printed.
        onStart: () => ctx.err(`sweep ${plan.name}: shard ${shard.k}/${shard.n} (${from}) -> ${o.out}\n`),
        plan,
        text: f.text,
        version: await version(),
        dir: o.out,
        shard,
        execute: cliPointExecutor(plan.host),
        extraArgs,
        stop: stopper.signal,
        onPoint: (p, st, msg) =>
          ctx.err(`  point ${p.index}: ${st}${msg ? `: ${msg.split("\n").pop()}` : ""}\n`),
      }).finally(() => {
        for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
      });
      if (sum.interrupted) {
        const sig = String(stopper.signal.reason) as NodeJS.Signals;
        ctx.err(
          `sweep ${plan.name}: shard ${shard.k}/${shard.n} stopped by ${sig}: ${sum.ran} run, ${sum.skipped} already done, ${sum.failed} failed; the same command runs the rest\n`,
        );
        status.code = 128 + (osConstants.signals[sig] ?? 15);
        return;
      }
      ctx.out(
        `shard ${shard.k}/${shard.n}: ${sum.points} point${sum.points === 1 ? "" : "s"}, ${sum.ran} run, ${sum.skipped} already done, ${sum.failed} failed\n`,
      );
      if (sum.failed > 0) status.code = 1;
    });
  program
    .command("merge")
    .argument("<dir>", "results directory")
    .option("--json", "the merged results as JSON (default)")
    .option("--csv", "one row per point (and path) as CSV")
    .addOption(oneValue("sweep merge", "--html <file>", "write an HTML report"))
    .option("--partial", "merge even with points missing (they are listed)")
    .description("gather every point into one table; refuses mixed sweeps or tool versions")
    .addHelpText("after", SUBCOMMAND_FOOTER)
    .action(async (dir: string, o: { json?: boolean; csv?: boolean; html?: string; partial?: boolean }) => {
      if (o.json && o.csv) throw new UserError("E_USAGE", "sweep merge: --json and --csv exclude each other");
      // Checked before the merge as every --html is ("", "-", a missing directory), then kept off
      // the results the merge reads.
      const html = htmlOutputFile(o.html);
      if (html !== undefined) refuseHtmlInResults(html, dir);
      operand("sweep merge", "results directory", dir);
      const { merged, missing, plan, text, speeds } = await mergeSweep(dir, { partial: o.partial });
      if (missing.length > 0)
        ctx.err(
          `sweep merge: ${missing.length} point${missing.length === 1 ? "" : "s"} missing: ${missing.join(", ")}\n`,
        );
      if (o.html) {
        const { renderSweepHtml, renderSweepSvg, smallMultiplesSpec } = await import("../../sweep/html.ts");
        const spec = smallMultiplesSpec(merged);
        const svg = spec ? await renderSweepSvg(spec) : undefined;
        const page = renderSweepHtml(
          merged,
          {
            sweepText: text,
            dir,
            merge: commandLine("sweep", [
              "merge",
              dir,
              "--html",
              o.html,
              ...(o.partial ? ["--partial"] : []),
            ]),
            pointArgs: new Map(plan.points.map((p) => [p.index, p.args])),
          },
          svg,
          speeds,
        );
        // As every other --html: atomic, a link followed, a FIFO or device written in place.
        try {
          replaceFileSync(o.html, page);
        } catch (e) {
          throw asWriteError(e, o.html, "--html");
        }
        ctx.err(`sweep merge: wrote ${o.html}\n`);
      }
      if (o.csv) ctx.out(rowsToCsv(mergedRows(merged)));
      else if (o.json || !o.html) ctx.out(`${JSON.stringify(merged, null, 1)}\n`);
    });
  program
    .command("status")
    .argument("<dir>", "results directory")
    .option("--json", "as JSON")
    .description("done, missing and failed points, with each failure's message")
    .addHelpText("after", SUBCOMMAND_FOOTER)
    .action(async (dir: string, o: { json?: boolean }) => {
      const st = await sweepStatus(operand("sweep status", "results directory", dir));
      if (o.json) {
        const { text: _t, ...manifest } = st.manifest;
        ctx.out(
          `${JSON.stringify({ ...manifest, done: st.done.length, missing: st.missing, failed: st.failed }, null, 1)}\n`,
        );
        return;
      }
      const m = st.manifest;
      ctx.out(
        `sweep ${m.name} (${m.experiment}, ${m.version}): ${st.done.length} of ${m.count} done, ${st.missing.length} missing, ${st.failed.length} failed\n`,
      );
      if (st.missing.length > 0) ctx.out(`missing: ${st.missing.join(", ")}\n`);
      for (const f of st.failed)
        ctx.out(
          `failed ${f.index} (${Object.entries(f.coords)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}): ${f.message}\n`,
        );
      if (st.missing.length > 0) status.code = 3;
    });
  return program;
}

/** The top-level help with its footer (commander prints the footer only in outputHelp). */
/**
 * Refuses `merge DIR --html FILE` where FILE is DIR's manifest or lies among its point results:
 * the report would replace a result the merge has just read (and `status` would call it failed).
 */
function refuseHtmlInResults(html: string, dir: string): void {
  const key = samePathKey(html);
  const manifest = join(dir, "sweep.json");
  if (key === samePathKey(manifest) || samePathKey(join(key, "..")) === samePathKey(pointsDir(dir)))
    throw new UserError(
      "E_USAGE",
      `sweep merge: --html ${html}: that is ${key === samePathKey(manifest) ? "the manifest" : "among the point results"} of ${dir}, which the merge reads; choose another file`,
    );
}

/** The sweep program with its output captured: `text()` is what it printed since the last `clear()`. */
function capturedProgram(): {
  program: ReturnType<typeof sweepProgram>;
  text: () => string;
  clear: () => void;
} {
  let text = "";
  const capture: CommandContext = {
    stateDir: "",
    debug: false,
    out: (t) => (text += t),
    err: () => {},
    isTTY: false,
  };
  return {
    program: sweepProgram(capture, { code: 0, where: "sweep" }),
    text: () => text,
    clear: () => {
      text = "";
    },
  };
}

function sweepHelp(): string {
  const c = capturedProgram();
  c.program.outputHelp();
  return c.text();
}

/** Each subcommand's own --help (plan's --shards, run's --out, merge's --partial, ...). */
function subcommandHelps(): { name: string; help: string }[] {
  const c = capturedProgram();
  return c.program.commands.map((sub) => {
    c.clear();
    sub.outputHelp();
    return { name: sub.name(), help: c.text() };
  });
}

export const command = defineRawCommand({
  name: "sweep",
  summary: "sweep plan|run|merge|status: an experiment over axes, sharded by index",
  help: sweepHelp,
  subcommandHelps,
  rawArgv:
    "commander subcommands of its own (plan, run, merge, status), each with -h/--help; unknown options get the registry's wording.",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    const status = { code: 0, where: "sweep" };
    const program = sweepProgram(ctx, status);
    try {
      if (args.length === 0) {
        ctx.err(sweepHelp());
        return 1;
      }
      await program.parseAsync(args, { from: "user" });
      return status.code;
    } catch (e) {
      if (e instanceof CommanderError) {
        if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
        const msg = e.message.replace(/^error: /, "");
        const flag = /'(-[^' ,]*)/.exec(msg)?.[1] ?? "";
        if (e.code === "commander.unknownOption") throw unknownOption(status.where, flag);
        if (e.code === "commander.optionMissingArgument")
          throw usageError(status.where, `option '${flag}' needs a value`);
        throw usageError(status.where, msg.replace(/\.$/, ""));
      }
      throw e;
    }
  },
});
