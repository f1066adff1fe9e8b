// `iovsim paths`: every packet path measured in the simulator and modeled with a cost profile.

import { builtinProfileNames } from "../../model/profile.ts";
import { comparePaths } from "../../paths/compare.ts";
import { PATH_NAMES } from "../../paths/graphs.ts";
import {
  buildReport,
  type PathsReport,
  pathsCsv,
  pathsTable,
  pingTable,
  problems,
} from "../../report/paths-report.ts";
import type { Command, CommandContext } from "../context.ts";
import { version } from "../main.ts";
import { type PathsOptions, parsePathsArgs } from "./paths-options.ts";
import { withProgress } from "./progress.ts";

export const HELP = `usage: iovsim paths [--path NAME[,NAME]] [--direction rx|tx|both] [--size 64,512,1518]
                    [--seconds S | --count N] [--seed N] [--workers N]
                    [--profile NAME|FILE] [-f iovctl.conf] [--flows N] [--proto udp|tcp|icmp]
                    [--encap none|vxlan|geneve|gre|nvgre|gtpu|mpls|qinq] [--pcap FILE] [--json | --csv]

Runs each packet path in the simulator (--direction rx, the default: the wire sends to a
consumer on this host; tx: the consumer sends through its driver, the NIC's Tx ring and the
switch's transmit side to the wire, or looped back inside the NIC (vf-loopback: jail -> VM);
both: the two at once, one row each) and prints two kinds of numbers, always labelled:
  measured (simulator)  frames per wall-clock second the simulator itself moved (Wasm kernels
                        on worker threads); says how fast iovsim is, not how fast a NIC is
  modeled               throughput, cycles per packet, bottleneck CPU, latency and ping RTT from
                        the run's event counts and a cost profile whose every constant cites
                        performance-anchors.md (docs/paths.md)

paths:     ${PATH_NAMES.join(", ")}
profiles:  ${builtinProfileNames().join(", ")} (default bhyve), or a JSON file of your own
--seconds  wall-clock seconds per run (default 0.25)
--count N  send N frames per direction and stop when all are accounted for (deterministic: the
           same --seed gives the same counters with 1 or N workers; see docs/paths.md)
--seed N   generator seed (flow choice), default 1
num-queues from the iovctl.conf: where the switch feeds the consumer directly (native, jail-vf,
           vm-vf, passthrough) RSS spreads frames over the pool's queues, one sink per queue;
           bridged paths (virtio, jail-epair) and the transmit side use queue 0
--workers  1 = run-to-completion on one thread (default); N = pipeline over N worker threads
-f FILE    iovctl.conf whose VFs the jail-vf / vm-vf paths use (default: the talk's, embedded);
           the VFs are created on a fresh in-memory host: your saved state is not touched
--pcap F   replay the frames of a pcap/pcapng (first 256, in order, unpatched; sinks count them,
           frames for MACs the path does not own are steered away and counted as drops)
--json     machine-readable report (docs/paths-json.md); --csv one line per run
`;

export async function runPathsReport(o: PathsOptions, ctx: CommandContext): Promise<PathsReport> {
  const { rows, ping } = await withProgress(
    ctx,
    o.paths.length * (o.replay ? 1 : o.sizes.length),
    (onProgress) => comparePaths({ ...o, onProgress, count: o.countGiven ?? 0 }),
  );
  return buildReport(rows, ping, {
    version: (await version()).replace(/^iovsim /, ""),
    profile: { name: o.profile.name, origin: o.profile.origin },
    linkGbps: o.pathHost.linkGbps,
    workers: o.workers,
    seconds: o.seconds,
    direction: o.direction,
    replay: o.replay !== undefined,
  });
}

export function printHuman(rep: PathsReport, ctx: CommandContext): void {
  ctx.out(
    `Packet paths, ${rep.link_gbps} GbE link, cost profile '${rep.profile.name}'; ` +
      `${rep.workers === 1 ? "run-to-completion on 1 worker" : `pipeline over ${rep.workers} workers`}, ${rep.seconds_per_run} s per run\n`,
  );
  ctx.out(
    "measured (simulator) = frames/s the simulator moved on this machine; modeled = cost model (docs/paths.md)\n",
  );
  ctx.out(pathsTable(rep));
  for (const w of rep.warnings) ctx.out(`warning: ${w}\n`);
  ctx.out("\nPing (modeled RTT, idle receiver, native peer):\n");
  ctx.out(pingTable(rep));
}

export const command: Command = {
  name: "paths",
  summary: "compare packet paths: measured (simulator) and modeled",
  async run(args, ctx) {
    if (args.includes("--help") || args.includes("-h")) {
      ctx.out(HELP);
      return 0;
    }
    const o = parsePathsArgs(args, { sizes: "64,512,1518", seconds: 0.25 });
    if (o.json && o.csv) {
      ctx.err("iovsim: --json and --csv are exclusive\n");
      return 1;
    }
    const rep = await runPathsReport(o, ctx);
    if (o.json || o.csv) for (const w of rep.warnings) ctx.err(`iovsim: warning: ${w}\n`);
    if (o.json) ctx.out(`${JSON.stringify(rep, null, 2)}\n`);
    else if (o.csv) ctx.out(pathsCsv(rep));
    else printHuman(rep, ctx);
    const bad = problems(rep);
    for (const b of bad) ctx.err(`iovsim: ${b}\n`);
    return bad.length > 0 ? 2 : 0;
  },
};
