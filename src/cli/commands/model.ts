// `iovsim model show [PROFILE|--profile FILE] [--json]`: every constant of a cost profile with
// its value, unit, range, tag and source (and how the engine uses it).
import { UserError } from "../../errors.ts";
import { COST_NAMES, type Costs, costProfileNames, loadCosts } from "../../model/costs.ts";
import { defineCommand, usageError } from "../registry.ts";

const HELP = `usage: iovsim model show [PROFILE] [--profile FILE] [--json]
       iovsim model list

show   every constant of a cost profile: value, unit, range [low, high], tag
       (verified | secondary | derived | assumption) and source; --json adds how each is used
list   the built-in profiles
-h, --help   this text

PROFILE is a built-in name (default bhyve); --profile FILE reads a user's profile (same
format as src/model/costs/*.json; errors name FILE:LINE:COLUMN of the entry at fault).
`;

function show(p: Costs): string {
  const rows = COST_NAMES.map((k) => {
    const c = p.constants[k];
    return [k, String(c.value), c.unit, `[${c.range[0]}, ${c.range[1]}]`, c.tag, c.source];
  });
  const head = ["constant", "value", "unit", "range", "tag", "source"];
  const w = head.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => [...r.slice(0, 5).map((x, i) => x.padEnd(w[i])), r[5]].join("  ");
  const tags = new Map<string, number>();
  for (const r of rows) tags.set(r[4], (tags.get(r[4]) ?? 0) + 1);
  return [
    `profile ${p.name} (${p.origin})`,
    p.description,
    "",
    line(head),
    ...rows.map(line),
    "",
    `${rows.length} constants: ${[...tags].map(([t, n]) => `${n} ${t}`).join(", ")}`,
    "",
  ].join("\n");
}

export const command = defineCommand({
  name: "model",
  summary: "model show [PROFILE]: cost-profile constants with range, tag and source",
  help: HELP,
  options: [
    { flags: "--profile <file>", description: "a cost profile of your own (JSON)" },
    { flags: "--json", description: "as JSON, with how each constant is used" },
  ],
  operands: "any",
  async run({ opts, operands }, ctx) {
    const [sub, ...rest] = operands;
    if (!sub) {
      ctx.err(HELP);
      return 1;
    }
    if (sub === "list") {
      if (rest.length > 0) throw new UserError("E_USAGE", `model list: unknown argument '${rest[0]}'`);
      const given = Object.keys(opts)[0];
      if (given) throw usageError("model", `option '--${given}' applies to model show only`);
      for (const n of costProfileNames()) ctx.out(`${n.padEnd(12)} ${loadCosts(n).description}\n`);
      return 0;
    }
    if (sub !== "show") throw new UserError("E_USAGE", `model: unknown subcommand '${sub}' (show, list)`);
    const json = opts.json === true;
    let name = opts.profile as string | undefined;
    if (name === "") throw new UserError("E_USAGE", "option '--profile' needs a file");
    for (const a of rest) {
      if (name === undefined) {
        if (!costProfileNames().includes(a))
          throw new UserError(
            "E_USAGE",
            `model show: unknown profile '${a}' (built-in: ${costProfileNames().join(", ")}; a file goes with --profile)`,
          );
        name = a;
      } else throw new UserError("E_USAGE", `model show: unexpected argument '${a}'`);
    }
    const p = loadCosts(name ?? "bhyve");
    if (json) {
      const constants = Object.fromEntries(COST_NAMES.map((k) => [k, p.constants[k]]));
      ctx.out(
        `${JSON.stringify({ name: p.name, description: p.description, origin: p.origin, constants }, null, 2)}\n`,
      );
    } else ctx.out(show(p));
    return 0;
  },
});
