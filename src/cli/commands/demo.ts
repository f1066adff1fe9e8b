// `iovsim demo` (what `npm start` runs): the talk's setup end to end, on a fresh in-memory host.
import Table from "cli-table3";
import { formatPciconf } from "../../nic/index.ts";
import { TALK_IOVCTL_CONF } from "../../paths/setup.ts";
import { STRATEGIES, steeringComparison } from "../../paths/steering.ts";
import { problems } from "../../report/paths-report.ts";
import type { Command } from "../context.ts";
import { printHuman, runPathsReport } from "./paths.ts";
import { parsePathsArgs } from "./paths-options.ts";

const HELP = `usage: iovsim demo [--seconds S] [--workers N] [--profile NAME|FILE] [--size LIST]

The talk's setup end to end, on a fresh in-memory host (your saved state is not touched):
  1. the embedded iovctl.conf (ixl0: VF-0 stays in the host for a vnet jail, VF-1/VF-2 are
     passthrough VFs for bhyve VMs), 2. the VFs created through the control plane (pciconf
     view), 3. every packet path, measured (simulator) and modeled, 4. the modeled ping,
  5. a steering comparison on VXLAN and GTP-U traffic (per-queue counts, Jain's index).
`;

export const command: Command = {
  name: "demo",
  summary: "the talk's setup end to end",
  async run(args, ctx) {
    if (args.includes("--help") || args.includes("-h")) {
      ctx.out(HELP);
      return 0;
    }
    const o = parsePathsArgs(args, { sizes: "64,512,1518", seconds: 0.25 });
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
    ctx.out("\n== 3. packet paths ==\n");
    const rep = await runPathsReport(o, ctx);
    printHuman(rep, ctx);
    const vm = rep.ping.find((p) => p.path === "vm-vf");
    const jail = rep.ping.find((p) => p.path === "jail-vf");
    if (vm && jail) {
      ctx.out(
        `\nThe talk measured: native ≈ vnet jail, bhyve VM ≈ 3× slower. Modeled here: jail-vf ${jail.ratio_to_native.toFixed(2)}×, vm-vf ${vm.ratio_to_native.toFixed(2)}× native\n` +
          "(the VM pays a host interrupt, an injection and an idle-vCPU wake-up per received packet).\n",
      );
    }
    ctx.out(
      "\n== 4. steering tunnelled traffic over 4 queues (one VTEP pair, 256 inner flows, 4096 frames) ==\n",
    );
    ctx.out(
      "computed by the switch's RSS code (Toeplitz, Microsoft key, 128-entry RETA); counts are frames per queue\n",
    );
    const t = new Table({
      head: ["traffic", "strategy", "per-queue frames", "Jain's index"],
      style: { head: [], border: [], compact: true },
    });
    for (const r of steeringComparison())
      t.push([r.encap, r.strategy, r.perQueue.join(" / "), r.jain.toFixed(3)]);
    ctx.out(`${t.toString()}\n`);
    ctx.out(
      `(${STRATEGIES.length} strategies; software dispatch balances like inner RSS but runs on one dispatcher thread, a serial bottleneck.)\n`,
    );
    const bad = problems(rep);
    for (const b of bad) ctx.err(`iovsim: ${b}\n`);
    return bad.length > 0 ? 2 : 0;
  },
};
