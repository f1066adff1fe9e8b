// `iovsim fidelity [--json | --csv] [--html FILE] [--case LIST]... [--sensitivity]`: published
// results reproduced by full simulations on the engine (src/fidelity), published vs simulated,
// error, pass/fail.

import { ensureKernels } from "../../engine/simulate.ts";
import { UserError } from "../../errors.ts";
import { CASES } from "../../fidelity/cases.ts";
import { formatFidelity } from "../../fidelity/format.ts";
import { runFidelity, selectCases } from "../../fidelity/run.ts";
import { htmlOutputFile } from "../../output-file.ts";
import { buildFidelityJson, fidelityCsv, fidelityReportRows } from "../../report/fidelity-json.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine, outputFormat } from "../../report/output-format.ts";
import { refuseRepeatedItems } from "../list-option.ts";
import { defineCommand, type OptionDecl } from "../registry.ts";
import { toolVersion } from "../version.ts";
import { statusLine } from "./progress.ts";

const HELP = `usage: iovsim fidelity [--json | --csv] [--html FILE] [--case LIST]... [--sensitivity]

Runs, as full simulations on the virtual-time engine, the scenarios behind published results
and prints published vs simulated, the error and pass/fail against each result's tolerance,
with the profile, the scenario and why it matches the publication. docs/model.md explains the
cases and what the model does not capture.

options:
  --json          one JSON document instead of the table (schema iovsim.fidelity/2,
                  docs/fidelity-json.md)
  --csv           one row per case instead of the table (the sensitivity findings are in
                  --json and the table)
  --html FILE     also write one self-contained HTML report with the fidelity table and,
                  with --sensitivity, its findings (no network; docs/reports.md)
  --case LIST     run these cases only, comma-separated (repeatable; default: every case), of:
                  ${CASES.slice(0, 4)
                    .map((c) => c.name)
                    .join(", ")},
                  ${CASES.slice(4, 7)
                    .map((c) => c.name)
                    .join(", ")},
                  ${CASES.slice(7)
                    .map((c) => c.name)
                    .join(", ")}
  --sensitivity   re-run every case with each constant it depends on at both ends of its
                  range, one at a time (minutes), and say which verdicts hold; the
                  NIC profile's constants (model show --nic) are not moved, and it says why
                  (no case limits a VF's max_tx_rate, so none uses the VF limiter's)
  -h, --help      this text

There is no --profile: each case runs the profile of the host its publication measured (the
table's profile line). To run your own profile, give it to paths, ping or steering --profile.

Exit status 0 when every case passes, 1 when one fails (the table says which).
`;

const OPTIONS: OptionDecl[] = [
  { flags: "--json", description: "iovsim.fidelity/2 on stdout" },
  { flags: "--csv", description: "one row per case on stdout" },
  { flags: "--html <file>", description: "a self-contained HTML report" },
  { flags: "--case <list>", description: "run these cases only", repeatable: true },
  { flags: "--sensitivity", description: "each constant at both ends of its range" },
  // Declared only to refuse it with the reason (an unknown option would not say why).
  { flags: "--profile <p>", description: "refused: each case runs its publication's profile" },
];

/**
 * The options of a fidelity run, checked before anything runs (here and by `sweep plan` for each
 * point): a refused option throws the UserError the run would.
 */
export function parseFidelityOptions(opts: Record<string, unknown>) {
  const o = {
    json: opts.json === true,
    csv: opts.csv === true,
    sensitivity: opts.sensitivity === true,
    caseNames: parseCaseNames(opts.case as string[] | undefined),
    html: htmlOutputFile(opts.html as string | undefined),
  };
  if (opts.profile !== undefined)
    throw new UserError(
      "E_USAGE",
      "fidelity: --profile: each case runs the profile of the host its publication measured (the table's profile line), so a profile of yours would not reproduce it; give yours to paths, ping or steering --profile",
    );
  const format = outputFormat(o);
  if (format === "csv" && o.sensitivity)
    throw new UserError(
      "E_USAGE",
      "fidelity: --csv has one row per case; the --sensitivity findings are in --json or the table",
    );
  const cases = o.caseNames === undefined ? selectCases() : o.caseNames.flatMap((n) => selectCases(n));
  return { o, format, cases };
}

/**
 * `--case a,b` (repeatable, as paths --path): names checked in the order given, an empty or
 * unknown one refused naming it and listing the cases, one given twice refused. Absent: every
 * case (undefined).
 */
export function parseCaseNames(given: readonly string[] | undefined): string[] | undefined {
  if (given === undefined) return undefined;
  const listed = CASES.map((c) => c.name).join(", ");
  // 'a, b' is the list meant (paths --path and steering's lists read it so too).
  const names = given.flatMap((s) => s.split(",").map((n) => n.trim()));
  for (const n of names) {
    if (n === "") throw new UserError("E_USAGE", `--case: empty case name (cases: ${listed})`);
    if (selectCases(n).length === 0)
      throw new UserError("E_USAGE", `--case: unknown case '${n}' (cases: ${listed})`);
  }
  refuseRepeatedItems("--case", names);
  return names;
}

export const command = defineCommand({
  name: "fidelity",
  summary: "published results reproduced by simulation: published vs simulated, error, pass/fail",
  help: HELP,
  options: OPTIONS,
  async run({ opts, argv: args }, ctx) {
    const { o, format, cases } = parseFidelityOptions(opts);
    await ensureKernels();
    const status = statusLine(ctx, "fidelity");
    const report = await runFidelity({ cases, sensitivity: o.sensitivity, onProgress: status.update });
    status.done();
    const j = buildFidelityJson(report, await toolVersion());
    if (format === "json") ctx.out(`${JSON.stringify(j, null, 2)}\n`);
    else if (format === "csv") ctx.out(fidelityCsv(j));
    else ctx.out(formatFidelity(report));
    if (o.html) {
      await writeHtmlReport(o.html, {
        title: "iovsim fidelity",
        schema: j.schema,
        version: j.tool.version,
        command: commandLine("fidelity", args),
        fidelity: {
          rows: fidelityReportRows(j),
          ...(j.sensitivity ? { sensitivity: j.sensitivity } : {}),
          ...(j.sensitivity_not_moved ? { sensitivity_not_moved: j.sensitivity_not_moved } : {}),
        },
      });
      ctx.err(`iovsim: wrote ${o.html}\n`);
    }
    return j.passed === j.total ? 0 : 1;
  },
});
