// `iovsim demo` (what `npm start` runs): the talk's setup end to end, on a fresh in-memory host.
import Table from "cli-table3";
import { formatPciconf } from "../../nic/index.ts";
import { TALK_IOVCTL_CONF } from "../../paths/setup.ts";
import { loadPointTable, pingTable, simulatorLine, throughputTable } from "../../report/paths-table.ts";
import { DEFAULT_STEERING, runSteeringMatrix, type SteeringRow } from "../../steering/compare.ts";
import type { Command } from "../context.ts";
import { runPaths } from "./paths.ts";
import { DEFAULTS, parseCommandArgs, parsePathsOptions } from "./paths-options.ts";

/** The demo's defaults: every path, 64-byte frames, short trials (within a minute on 2 cores). */
export const DEMO_DEFAULTS = { ...DEFAULTS, sizes: "64" };

const HELP = `usage: iovsim demo [--size LIST|imix] [--trial-ms N] [--profile NAME|FILE] [--seed N]
                  [--workers N]

The talk's setup end to end, on a fresh in-memory host (your saved state is not touched). Its
output has these sections, in this order:
  1. iovctl.conf   the embedded configuration (ixl0: VF-0 stays in the host for a vnet jail,
                   VF-1/VF-2 are passthrough VFs for bhyve VMs)
  2. VFs           the VFs created through the control plane (pciconf view)
  3. paths         every packet path (receive direction), simulated in virtual time: RFC 2544
                   NDR/PDR, then latency, loss, CPU per resource and events at 10/50/90 % of NDR
                   (default size ${DEMO_DEFAULTS.sizes}; see iovsim paths --help)
  4. ping          ICMP echoes through each path at an idle operating point (simulated RTT)
  5. steering      tunnelled traffic over 4 cores: per-core frame counts from the NIC switch's
                   queue counters, Jain's index, and each strategy's NDR simulated on the engine
                   (cores and dispatcher priced by the same cost profile as the paths)
and a last line, apart, with the simulator's own speed (wall clock).
`;

function steeringRows(rows: SteeringRow[]): string {
  const t = new Table({
    head: ["traffic", "strategy", "frames per core (switch counters)", "Jain", "NDR Mpps (simulated)"],
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows)
    t.push([
      r.encap,
      r.strategyName,
      r.perQueue.join(" / "),
      r.jain.toFixed(3),
      `${r.ndrMpps.toFixed(2)} (${r.bottleneck})`,
    ]);
  return `${t.toString()}\n`;
}

export const command: Command = {
  name: "demo",
  summary: "the talk's setup end to end",
  async run(args, ctx) {
    const values = parseCommandArgs("demo", args);
    if (values.help) {
      ctx.out(HELP);
      return 0;
    }
    const o = parsePathsOptions(values, DEMO_DEFAULTS);
    ctx.out("== 1. iovctl.conf (embedded, as in the talk) ==\n");
    ctx.out(TALK_IOVCTL_CONF.replace(/^/gm, "    ").replace(/ +$/, ""));
    ctx.out(`\n== 2. iovctl -C -f iovctl.conf: VFs created on ${o.pathHost.pf} ==\n`);
    const names = new Set([o.pathHost.pf, ...o.pathHost.vfs.map((v) => v.name)]);
    for (const line of formatPciconf(o.pathHost.host).split("\n")) {
      if ([...names].some((n) => line.startsWith(`${n}@`))) ctx.out(`    ${line}\n`);
    }
    for (const v of o.pathHost.vfs) {
      ctx.out(
        `    VF-${v.index} ${v.name} ${v.effectiveMac} ${v.attachedVm ? `-> bhyve VM '${v.attachedVm}'` : v.driver === "ppt" ? "(passthrough, unattached)" : "-> vnet jail"}\n`,
      );
    }
    const { json, violations } = await runPaths(o, ctx);
    ctx.out("\n== 3. packet paths, simulated (RFC 2544 throughput, then the load points) ==\n");
    ctx.out(
      `cost profile '${json.profile.name}', ${json.link_gbps} Gbit/s link, ${json.trial.virtual_ms} ms virtual trials; ` +
        `NDR = no loss, PDR = loss ≤ ${(100 * (json.search?.pdr_loss ?? 0)).toFixed(1)} %, Gbps with preamble and IFG\n`,
    );
    ctx.out(throughputTable(json));
    ctx.out(loadPointTable(json));
    ctx.out("\n== 4. ping, simulated: ICMP echoes through each path (out via Tx, back via Rx), idle ==\n");
    ctx.out(pingTable(json.ping));
    const rtt = (p: string) => json.ping.find((x) => x.path === p)?.rtt_us.p50;
    const native = rtt("native");
    const vm = rtt("vm-vf");
    const jail = rtt("jail-vf");
    if (native && vm && jail)
      ctx.out(
        `The talk measured: native ≈ vnet jail, bhyve VM ≈ 3× slower. Simulated here (median RTT): jail-vf ${(jail / native).toFixed(2)}×, vm-vf ${(vm / native).toFixed(2)}× native\n`,
      );
    ctx.out("\n== 5. steering tunnelled traffic over 4 cores (256 inner flows, 4096 frames per run) ==\n");
    ctx.out(
      "every frame goes through the NIC's switch (Wasm data plane) programmed from VFs created on ixl0; counts are the switch's queue counters\n",
    );
    const steering = await runSteeringMatrix({
      ...DEFAULT_STEERING,
      encaps: ["vxlan", "gtpu"],
      regimes: ["one-tunnel", "instances"],
    });
    const titles: Record<string, string> = {
      "one-tunnel": "(a) one tunnel endpoint pair, fixed outer headers (the published failure mode)",
      instances:
        "(c) the talk's fix: 4 generator instances, one VF MAC each (the MAC precedes the encapsulation)",
    };
    for (const regime of ["one-tunnel", "instances"] as const) {
      ctx.out(`${titles[regime]}\n`);
      ctx.out(steeringRows(steering.rows.filter((r) => r.regime === regime)));
    }
    ctx.out(
      "Jain's index 0.250 = everything on one of 4 cores; NDR is simulated in virtual time, with the resource that limits it. More: iovsim steering --help\n",
    );
    ctx.out(`\n${simulatorLine(json.simulator)}`);
    for (const p of steering.problems) ctx.err(`iovsim: ${p}\n`);
    for (const v of violations) ctx.err(`iovsim: ${v}\n`);
    return violations.length > 0 || steering.problems.length > 0 ? 2 : 0;
  },
};
