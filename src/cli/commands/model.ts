// `iovsim model show [PROFILE|--profile FILE] [--json]`: every constant of a cost profile with
// its value, unit, range, tag and source (and how the engine uses it).
import { UserError } from "../../errors.ts";
import { COST_NAMES, type Costs, costProfileNames, loadCosts } from "../../model/costs.ts";
import type { Command, CommandContext } from "../context.ts";

const HELP = `usage: iovsim model show [PROFILE] [--profile FILE] [--json]
       iovsim model list

show   every constant of a cost profile: value, unit, range [low, high], tag
       (verified | secondary | derived | assumption) and source; --json adds how each is used
list   the built-in profiles

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

export const command: Command = {
  name: "model",
  summary: "model show [PROFILE]: cost-profile constants with range, tag and source",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    const [sub, ...rest] = args;
    if (!sub || sub === "--help" || sub === "-h") {
      (sub ? ctx.out : ctx.err)(HELP);
      return sub ? 0 : 1;
    }
    if (sub === "list") {
      if (rest.length > 0) throw new UserError("E_USAGE", `model list: unknown argument '${rest[0]}'`);
      for (const n of costProfileNames()) ctx.out(`${n.padEnd(12)} ${loadCosts(n).description}\n`);
      return 0;
    }
    if (sub !== "show") throw new UserError("E_USAGE", `model: unknown subcommand '${sub}' (show, list)`);
    let json = false;
    let name: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      if (a === "--json") json = true;
      else if (a === "--profile") {
        if (i + 1 >= rest.length) throw new UserError("E_USAGE", "option '--profile' needs a file");
        name = rest[++i];
      } else if (a.startsWith("--profile=")) name = a.slice("--profile=".length);
      else if (a.startsWith("-")) throw new UserError("E_USAGE", `model show: unknown option '${a}'`);
      else if (name === undefined) {
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
};
