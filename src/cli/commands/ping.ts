// `iovsim ping --path NAME [-c N]`: ping-style output with the modeled round trip of a path.
// The RTT comes from the cost model (an idle receiver: interrupt, injection, vCPU wake-up...),
// fed with the event counts of a short simulator run of that path; it is labelled modeled.

import { UserError } from "../../errors.ts";
import { comparePaths } from "../../paths/compare.ts";
import { PATH_NAMES } from "../../paths/graphs.ts";
import type { Command } from "../context.ts";
import { parsePathsArgs } from "./paths-options.ts";

const HELP = `usage: iovsim ping --path NAME [-c COUNT] [--profile NAME|FILE] [-f iovctl.conf]

Prints ping(8)-style lines for an ICMP echo through a path. Every time is MODELED: the cost
model's round trip (docs/paths.md) for an idle receiver, using the event counts of a short
phase, not noise from a network. paths: ${PATH_NAMES.join(", ")}
`;

export const command: Command = {
  name: "ping",
  summary: "modeled ping round trip through a path",
  async run(args, ctx) {
    if (args.includes("--help") || args.includes("-h")) {
      ctx.out(HELP);
      return 0;
    }
    const o = parsePathsArgs(args, { sizes: "98", seconds: 0.05 });
    if (!args.some((a) => a === "--path" || a.startsWith("--path=")))
      throw new UserError("E_USAGE", "ping: --path NAME is required (see --help)");
    if (o.paths.length !== 1) throw new UserError("E_USAGE", "ping: give exactly one --path");
    const { ping, rows } = await comparePaths({ ...o, paths: [...new Set([o.paths[0]])] });
    const p = ping[0];
    const run = rows[0].run;
    const target = o.paths[0].name;
    ctx.out(`PING ${target} (modeled, profile ${o.profile.name}): 56 data bytes\n`);
    const times: number[] = [];
    for (let i = 0; i < o.count; i++) {
      // Same modeled RTT for each echo: the model is deterministic for an idle receiver.
      const t = p.modeledRttUs / 1000;
      times.push(t);
      ctx.out(`64 bytes from ${target}: icmp_seq=${i} ttl=64 time=${t.toFixed(3)} ms (modeled)\n`);
    }
    const min = Math.min(...times);
    const max = Math.max(...times);
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    ctx.out(`\n--- ${target} ping statistics (modeled) ---\n`);
    ctx.out(`${o.count} packets transmitted, ${o.count} packets received, 0.0% packet loss\n`);
    ctx.out(
      `round-trip min/avg/max/stddev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/0.000 ms (modeled, ${p.ratioToNative.toFixed(2)}× native)\n`,
    );
    ctx.out(
      `simulator run behind it: ${run.counts.packets} frames, conservation ${run.conservation.ok ? "ok" : "VIOLATED"}, measured (simulator) ${run.measuredMpps.toFixed(2)} Mpps\n`,
    );
    return run.conservation.ok ? 0 : 2;
  },
};
