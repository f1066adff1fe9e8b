// `iovsim fidelity [--json] [--case NAME] [--sensitivity]`: published results reproduced by full
// simulations on the engine (src/fidelity), published vs simulated, error, pass/fail.

import { ensureKernels } from "../../engine/simulate.ts";
import { UserError } from "../../errors.ts";
import { CASES } from "../../fidelity/cases.ts";
import { formatFidelity } from "../../fidelity/format.ts";
import { runFidelity, selectCases } from "../../fidelity/run.ts";
import type { Command, CommandContext } from "../context.ts";

const HELP = `usage: iovsim fidelity [--json] [--case NAME] [--sensitivity]

Runs, as full simulations on the virtual-time engine, the scenarios behind published results
and prints published vs simulated, the error and pass/fail against each result's tolerance,
with the profile, the scenario and why it matches the publication. docs/model.md explains the
cases and what the model does not capture.

options:
  --json          one JSON document instead of the table
  --case NAME     run one case (${CASES.map((c) => c.name).join(", ")})
  --sensitivity   re-run every case with each constant it depends on at both ends of its
                  range, one at a time (minutes), and say which verdicts hold
  --help          this text

Exit status 0 when every case passes, 1 when one fails (the table says which).
`;

function parseArgs(args: string[]) {
  const o = { json: false, sensitivity: false, help: false, caseName: undefined as string | undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--json") o.json = true;
    else if (a === "--sensitivity") o.sensitivity = true;
    else if (a === "--case") {
      if (i + 1 >= args.length) throw new UserError("E_USAGE", "option '--case' needs a case name");
      o.caseName = args[++i];
    } else if (a.startsWith("--case=")) o.caseName = a.slice("--case=".length);
    else throw new UserError("E_USAGE", `fidelity: unknown argument '${a}' (see iovsim fidelity --help)`);
  }
  return o;
}

export const command: Command = {
  name: "fidelity",
  summary: "published results reproduced by simulation: published vs simulated, error, pass/fail",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    const o = parseArgs(args);
    if (o.help) {
      ctx.out(HELP);
      return 0;
    }
    const cases = selectCases(o.caseName);
    if (cases.length === 0)
      throw new UserError(
        "E_USAGE",
        `--case: unknown case '${o.caseName}' (cases: ${CASES.map((c) => c.name).join(", ")})`,
      );
    await ensureKernels();
    const progress = ctx.isTTY && !o.json ? (l: string) => ctx.err(`\r\x1b[Kfidelity: ${l}`) : undefined;
    const report = await runFidelity({ cases, sensitivity: o.sensitivity, onProgress: progress });
    if (progress) ctx.err("\r\x1b[K");
    ctx.out(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatFidelity(report));
    return report.cases.every((c) => c.pass) ? 0 : 1;
  },
};
