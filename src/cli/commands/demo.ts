// `iovsim demo` (what `npm start` runs): the talk's setup end to end, on a fresh in-memory host.
// It calls the library functions the commands use (paths-run, steering matrix), never
// another command.
import Table from "cli-table3";
import { formatPciconf } from "../../nic/index.ts";
import { linkGbpsOf } from "../../paths/setup.ts";
import {
  DEMO_SCHEMA,
  type DemoJson,
  type DemoSteeringRun,
  demoCsv,
  demoReportInput,
} from "../../report/demo-json.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine, outputFormat } from "../../report/output-format.ts";
import {
  linkText,
  loadPointTable,
  mixedLinks,
  pingTable,
  simulatorLine,
  throughputTable,
  trialText,
} from "../../report/paths-table.ts";
import { DEFAULT_STEERING, runMatrix } from "../../steering/compare.ts";
import type { StrategyId } from "../../steering/strategies.ts";
import { buildMix, type MixName } from "../../steering/traffic.ts";
import type { CommandContext } from "../context.ts";
import { defineCommand } from "../registry.ts";
import { toolVersion } from "../version.ts";
import {
  commandOptions,
  DEFAULTS,
  type PathsOptions,
  parsePathsOptions,
  RENAMED,
  type Values,
} from "./paths-options.ts";
import { runPaths } from "./paths-run.ts";

/** The demo's defaults: every path, 64-byte frames, short trials (within a minute on 2 cores). */
export const DEMO_DEFAULTS = { ...DEFAULTS, sizes: "64" };

/** Steering part: two tunnel mixes, 4 cores, 256 inner flows, 4096 frames per run. */
const STEERING = { ...DEFAULT_STEERING, encaps: ["vxlan", "gtpu"] as MixName[] };

/** (a) one tunnel endpoint pair against the usual strategies; (b) the talk's fix. */
const REGIMES = [
  {
    regime: "one-tunnel",
    title: "(a) one tunnel endpoint pair, fixed outer headers (the published failure mode)",
    strategies: ["single", "outer-rss", "inner-rss", "mac-vf", "sw-dispatch"],
  },
  {
    regime: "instances",
    title: `(b) the talk's fix: ${DEFAULT_STEERING.queues} generator instances, one VF MAC each (the MAC precedes the encapsulation)`,
    strategies: ["mac-vf-instance"],
  },
] as const satisfies ReadonlyArray<{
  regime: DemoSteeringRun["regime"];
  title: string;
  strategies: StrategyId[];
}>;

/** The names the demo prints (the talk's words). */
const STRATEGY_NAMES: Record<StrategyId, string> = {
  single: "single queue",
  "outer-rss": "outer RSS",
  "inner-rss": "inner RSS",
  "mac-vf": "MAC-based VF steering",
  "mac-vf-instance": "MAC-based VF steering",
  "sw-dispatch": "software dispatch",
  "sw-spray": "software spray",
  "flow-rules": "flow rules",
};

const HELP = `usage: iovsim demo [--size LIST|imix] [--mtu N] [--trial-ms N] [--profile NAME|FILE]
                  [--seed N] [--workers N] [--json | --csv] [--html FILE]

The talk's setup end to end, on a fresh in-memory host (your saved state is not touched). Its
output has these sections, in this order:
  1. iovctl.conf   the embedded configuration (ixl0: VF-0 stays in the host for a vnet jail,
                   VF-1/VF-2 are passthrough VFs for bhyve VMs)
  2. VFs           the VFs created through the control plane (pciconf view)
  3. paths         every packet path (receive direction), simulated in virtual time: RFC 2544
                   NDR/PDR, then latency, loss, CPU per resource and events at 10/50/90 % of NDR
                   (default size ${DEMO_DEFAULTS.sizes}; see iovsim paths --help)
  4. ping          ICMP echoes through each path at an idle operating point (simulated RTT)
  5. steering      tunnelled traffic (vxlan, gtpu) over ${STEERING.queues} cores: per-core frame counts from
                   the NIC switch's queue counters, Jain's index, and each strategy's NDR
                   simulated on the engine (cores and dispatcher priced by --profile, as the paths)
                     ${REGIMES[0].title}
                     ${REGIMES[1].title}
and a last line, apart, with the simulator's own speed (wall clock). Next: the README's
"Three commands to your own HTML report", then docs/questions.md and docs/README.md.

--size, --mtu, --trial-ms, --profile, --seed, --workers  as in iovsim paths --help (here:
             default size ${DEMO_DEFAULTS.sizes}, MTU 1500, profile bhyve, seed 1, workers
             min(2, cores); your own cost profile: docs/formats/cost-profile.md)
--json       one JSON document instead (schema iovsim.demo/1, docs/demo-json.md)
--csv        one row per simulated figure instead: section,item,metric,value
--html FILE  also write one self-contained HTML report (paths, ping, steering, configuration
             and cost profile; charts as SVG, no network; docs/reports.md)
`;

function steeringRows(runs: DemoSteeringRun[]): string {
  const t = new Table({
    head: ["traffic", "strategy", "frames per core (switch counters)", "Jain", "NDR Mpps (simulated)"],
    style: { head: [], border: [], compact: true },
  });
  for (const r of runs)
    t.push([
      r.traffic,
      r.strategy_name,
      r.per_core_frames.join(" / "),
      r.jain.toFixed(3),
      r.ndr_mpps === null ? `- (${r.bottleneck})` : `${r.ndr_mpps.toFixed(2)} (${r.bottleneck})`,
    ]);
  return `${t.toString()}\n`;
}

/** Section 5: every run through the NIC's switch (Wasm), NDR on the engine, priced by the profile. */
function runSteeringPart(o: PathsOptions): { runs: DemoSteeringRun[]; problems: string[] } {
  const runs: DemoSteeringRun[] = [];
  const problems: string[] = [];
  for (const { regime, strategies } of REGIMES)
    for (const encap of STEERING.encaps) {
      const traffic = buildMix({
        mix: encap,
        flows: STEERING.flows,
        tunnels: 1,
        zipfS: 0,
        seed: o.trial.seed,
      });
      const m = runMatrix({
        traffics: [traffic],
        strategies: [...strategies],
        queues: [STEERING.queues],
        ratePps: null,
        frames: STEERING.frames,
        seed: o.trial.seed,
        profile: o.trial.profile,
        nic: "ixl",
        symmetric: null,
        portRules: null,
        precision: 0.05,
        ndr: true,
        // The X710 model's own link (its NIC profile), as `iovsim steering` takes it.
        linkGbps: linkGbpsOf("ixl"),
      });
      problems.push(...m.problems);
      for (const r of m.results)
        runs.push({
          regime,
          traffic: encap,
          strategy: r.strategy,
          strategy_name: STRATEGY_NAMES[r.strategy],
          per_core_frames: r.per_queue,
          jain: r.jain,
          max_over_mean: r.max_over_mean,
          ndr_mpps: r.ndr_mpps,
          bottleneck: r.bottleneck,
          latency_us: r.latency_us,
        });
    }
  return { runs, problems };
}

function demoText(j: DemoJson, o: PathsOptions, ctx: CommandContext): void {
  const paths = j.paths;
  ctx.out("== 1. iovctl.conf (embedded, as in the talk) ==\n");
  ctx.out(j.config.text.replace(/^/gm, "    ").replace(/ +$/, ""));
  ctx.out(`\n== 2. iovctl -C -f iovctl.conf: VFs created on ${j.pf} ==\n`);
  const names = new Set([j.pf, ...j.vfs.map((v) => v.name)]);
  for (const line of formatPciconf(o.pathHost.host).split("\n")) {
    if ([...names].some((n) => line.startsWith(`${n}@`))) ctx.out(`    ${line}\n`);
  }
  for (const v of j.vfs) {
    const use =
      v.use === "bhyve-vm"
        ? `-> bhyve VM '${v.vm}'`
        : v.use === "vnet-jail"
          ? "-> vnet jail"
          : "(passthrough, unattached)";
    ctx.out(`    VF-${v.index} ${v.name} ${v.mac} ${use}\n`);
  }
  ctx.out("\n== 3. packet paths, simulated (RFC 2544 throughput, then the load points) ==\n");
  ctx.out(
    `cost profile '${paths.profile.name}'${paths.profile.origin === "builtin" ? "" : ` (${paths.profile.origin})`}, ${mixedLinks(paths) ? linkText(paths) : `${paths.link_gbps} Gbit/s link`}${paths.mtu_bytes !== undefined && paths.mtu_bytes !== 1500 ? `, MTU ${paths.mtu_bytes}` : ""}, ${trialText(paths)}; ` +
      `NDR = no loss, PDR = loss ≤ ${(100 * (paths.search?.pdr_loss ?? 0)).toFixed(1)} %, Gbps with preamble and IFG\n`,
  );
  ctx.out(throughputTable(paths));
  ctx.out(loadPointTable(paths));
  ctx.out("\n== 4. ping, simulated: ICMP echoes through each path (out via Tx, back via Rx), idle ==\n");
  ctx.out(pingTable(paths.ping));
  const rtt = (p: string) => paths.ping.find((x) => x.path === p)?.rtt_us.p50;
  const native = rtt("native");
  const vm = rtt("vm-vf");
  const jail = rtt("jail-vf");
  if (native && vm && jail)
    ctx.out(
      `The talk measured: native ≈ vnet jail, bhyve VM ≈ 3× slower. Simulated here (median RTT): jail-vf ${(jail / native).toFixed(2)}×, vm-vf ${(vm / native).toFixed(2)}× native\n`,
    );
  const s = j.steering;
  ctx.out(
    `\n== 5. steering tunnelled traffic over ${s.cores} cores (${s.flows} inner flows, ${s.frames_per_run} frames per run) ==\n`,
  );
  ctx.out(
    `every frame goes through the NIC's switch (Wasm data plane) programmed from VFs created on ${j.pf}; counts are the switch's queue counters; NDR priced by cost profile '${s.profile}'\n`,
  );
  for (const { regime, title } of REGIMES) {
    ctx.out(`${title}\n`);
    ctx.out(steeringRows(s.runs.filter((r) => r.regime === regime)));
  }
  ctx.out(
    `Jain's index ${(1 / s.cores).toFixed(3)} = everything on one of ${s.cores} cores; NDR is simulated in virtual time, with the resource that limits it. More: iovsim steering --help\n`,
  );
  ctx.out(
    "\nNext: your own iovctl.conf to an HTML report in three commands (README.md); the usual questions as commands, and how to read these tables (docs/questions.md); every tutorial (docs/README.md)\n",
  );
  ctx.out(`\n${simulatorLine(paths.simulator)}`);
}

export const command = defineCommand({
  name: "demo",
  summary: "the talk's setup end to end",
  help: HELP,
  // The rows of COMMAND_OPTIONS.demo (paths-options.ts).
  options: commandOptions("demo"),
  hints: RENAMED,
  async run({ opts, argv: args }, ctx) {
    const values = opts as Values;
    const o = parsePathsOptions(values, DEMO_DEFAULTS);
    const format = outputFormat(values);
    const version = await toolVersion();
    const { json: paths, violations } = await runPaths(o, ctx);
    const steering = runSteeringPart(o);
    const j: DemoJson = {
      schema: DEMO_SCHEMA,
      tool: { name: "iovsim", version },
      config: o.config,
      pf: o.pathHost.pf,
      vfs: o.pathHost.vfs.map((v) => ({
        index: v.index,
        name: v.name,
        mac: v.effectiveMac,
        use: v.attachedVm ? "bhyve-vm" : v.driver === "ppt" ? "passthrough-unattached" : "vnet-jail",
        vm: v.attachedVm ?? null,
      })),
      paths,
      steering: {
        cores: STEERING.queues,
        flows: STEERING.flows,
        frames_per_run: STEERING.frames,
        profile: o.profile.name,
        runs: steering.runs,
      },
      problems: [...steering.problems, ...violations],
    };
    if (format === "json") ctx.out(`${JSON.stringify(j, null, 2)}\n`);
    else if (format === "csv") {
      ctx.out(demoCsv(j));
      ctx.err(simulatorLine(paths.simulator));
    } else demoText(j, o, ctx);
    if (o.html) {
      await writeHtmlReport(
        o.html,
        demoReportInput(j, {
          command: commandLine("demo", args),
          costProfile: {
            name: o.profile.name,
            description: o.profile.description,
            constants: o.profile.constants,
          },
        }),
      );
      ctx.err(`iovsim: wrote ${o.html}\n`);
    }
    for (const p of j.problems) ctx.err(`iovsim: ${p}\n`);
    return j.problems.length > 0 ? 2 : 0;
  },
});
