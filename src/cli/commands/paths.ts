// `iovsim paths`: per packet path and frame size, the RFC 2544 throughput (NDR, PDR) and the
// latency, loss, CPU and events at load points, all simulated in virtual time by the engine;
// the simulator's own speed (wall clock) on one separate line.

import { FAULT_EXIT_STATUS, faultHelp } from "../../engine/faults.ts";
import { UserError } from "../../errors.ts";
import { costProfileNames } from "../../model/costs.ts";
import { cachedPathHost } from "../../paths/setup.ts";
import { pathsConditions } from "../../report/html/conditions.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine } from "../../report/output-format.ts";
import { pathsCsv } from "../../report/paths-csv.ts";
import { faultsText, pathsHuman, simulatorLine } from "../../report/paths-table.ts";
import { pathsLatencyCharts } from "../../report/terminal-charts.ts";
import { CaptureFormatError } from "../../traffic/capture.ts";
import {
  isCaptureStream,
  readAllStdin,
  readCaptureBytes,
  STDIN_NAME,
  spoolStdinCapture,
} from "../../traffic/capture-io.ts";
import { ENCAPS } from "../../traffic/profiles.ts";
import { nameCaptureFile } from "../../traffic/replay.ts";
import type { CommandContext } from "../context.ts";
import { faultExit } from "../fault-exit.ts";
import { defineCommand } from "../registry.ts";
import { reportConfig } from "./paths-host.ts";
import {
  commandOptions,
  DEFAULTS,
  PATH_NAMES,
  parsePathsOptions,
  RENAMED,
  type Values,
} from "./paths-options.ts";
import { runPaths } from "./paths-run.ts";
import { runConfig } from "./paths-source.ts";

const ENCAP_LIST = ENCAPS.join(", ");

export const HELP = `usage: iovsim paths [--path LIST] [--size LIST|imix] [--mtu N] [--direction rx|tx|both]
                    [--rate R] [--arrival constant|poisson] [--trial-ms N | --count N]
                    [--pdr-loss PCT] [--precision PCT] [-f FILE | --host]
                    [--profile NAME|FILE] [--encap E] [--flows N] [--proto udp|tcp|icmp]
                    [--pcap FILE [--pcap-timing paced|capture] [--rewrite-dst PORT
                     [--rewrite-dst-all]] [--promisc PORT]... [--rewrite-src PORT]]
                    [--seed N] [--workers N | --partitions 2] [--json | --csv | --chart]
                    [--html FILE]
                    [--inject-fault F]... [--application [--window N]]

Simulates each packet path in virtual time (the engine: real frames through the NIC's switch,
every element on a modeled resource priced by the cost profile) and reports, per path and size:
  throughput   RFC 2544: NDR (highest load with no loss) and PDR (loss <= --pdr-loss), by binary
               search on the offered load between 0 and line rate, to --precision of line rate;
               the loads below each answer are checked (a failure there moves it down; a pass
               above a failure is flagged: pass/fail not monotonic, see the notes)
  load points  at 10 %, 50 % and 90 % of NDR (as FD.io CSIT): offered and delivered rate, loss,
               latency p50/p90/p99/p99.9, each resource's work utilization and work per packet
               (cycles on a CPU, ns on the wire, the NIC and PCIe, which have no clock), with
               polling (a paced sender's busy-wait, a guest's idle spin) shown apart as +polling,
               events per second (interrupts, VM exits, injections, wake-ups, kicks,
               notifications), the bottleneck
  ping         ICMP echo round trips through each path that has both directions (idle)
Line rate is that of the port each path crosses, from its NIC profile: the SR-IOV PF's for its
VFs, native and the bridged paths, ix0's for passthrough (an igb0 configuration: 1 GbE, and
passthrough 10 GbE); when they differ the header names each link (docs/paths.md).
Every figure is simulated; one separate line says how fast the simulator ran (wall clock).
How to read the output, question by question: docs/questions.md; the method: docs/experiments.md.

--path LIST  comma-separated, of:
             ${PATH_NAMES.slice(0, 5).join(", ")},
             ${PATH_NAMES.slice(5).join(", ")}
             (default: every path the direction has; those the configuration has no VF for
             are left out with a note, named ones refused; a run left with no path, by this
             or --partitions/--window, is refused)
--direction  rx (default): the wire sends to a consumer on this host; tx: the consumer sends to
             the wire (vf-loopback: jail -> VM inside the NIC); both: the two at once. A
             transmit-only path (vf-loopback) runs tx under 'both', a forwarding path
             (jail-epair-fwd, bridge-epair-fwd: no consumer, frames go back out) rx, with a note
--size       frame sizes with FCS (64..9728), comma-separated, or imix (7:4:1 of 64/594/1518);
             default ${"64,512,1518"}. A frame above MTU + 18 bytes is refused: jumbo frames
             (e.g. 9000) need --mtu
--mtu N      the MTU of every interface on the paths (the PF, the VF in the jail or VM, the
             bridge and its members, the epair, the tap, the guest's vtnet), as 'ifconfig IF
             mtu N' (or 'ip link set DEV mtu N') would set it; default 1500 (an iovctl.conf
             has no MTU, hence the option). With --host, the default is the MTU the paths'
             interfaces have on the simulated host (iovsim ip link set DEV mtu N: the PF's for
             the paths on the PF, the jail VF's own; paths whose interfaces disagree are
             refused), and --mtu overrides it, with a note. Above 1500 the NIC's pools take
             long packets (up to N + 18 bytes) and the drivers post larger receive buffers (the
             NIC profile's frames: FreeBSD iflib 4 KiB clusters, Linux 3 KiB buffers), so a
             9000-byte frame takes 3 receive descriptors and 3 transmit ones (4 KiB segments):
             ring slots and PCIe descriptor traffic count them. Refused above what a driver on
             the path takes (X710 ixl 9706, i40e 9702; 82599 9710; E810 9706/9702; 82576
             9216; virtio to a FreeBSD guest: vtnet without mergeable buffers 9186). docs/paths.md,
             Jumbo frames
--rate R     one load point at R (per direction) instead of the search: pps, kpps, Mpps,
             Mbps, Gbps (Layer 1; also Mbit/s, Gbit/s) or % of the path's line rate, or line
             (100 %), e.g. 5Mpps, 2.5Gbps, 40%; no NDR/PDR: the output gives what that load
             measured, and a note where the load is more than the path sustains (a resource
             busy all the trial, or its work for the frames offered longer than the trial)
--arrival    constant (default) or poisson inter-arrival times (seeded)
--trial-ms N virtual time each trial offers traffic for. Default: 1 ms search trials, then
             final trials of 1 ms + (frames the path's queues hold) / (the resolution step),
             which alone give NDR, PDR and the load points (a short trial passes a load its
             queues absorb; docs/experiments.md, Trial length). Given, every trial has that
             length (a note says when it is shorter than the path's queues need)
--count N    frames each trial offers instead: the trial lasts N / the load's rate of virtual
             time, the time offering them takes (Poisson arrivals: about N, never more);
             exclusive with --trial-ms; no final trials (a note says when N is too few for
             the path's queues to overflow above the NDR found)
--pdr-loss   PDR's loss limit in percent, 0 <= PCT < 100 (default 0.5)
--precision  search resolution in percent of line rate (default 1)
--profile P  cost profile: ${costProfileNames().join(", ")} (default bhyve), or a JSON
             file of your own (docs/formats/cost-profile.md); the first output line names it.
             A variant: P!SWITCH (switches: iovsim model list) or P{constant=value,...}
--encap E    encapsulation of the generated frames (default none):
             ${ENCAP_LIST};
             inner flows vary, outer headers are fixed; a size too small for the headers is
             raised, with a note
--flows N    flows (distinct 5-tuples) the generated frames are spread over, 1..65535 (default 64)
--proto P    udp (default), tcp or icmp
-f, --config FILE  iovctl.conf whose VFs the jail-vf / vm-vf paths use (default: the
             talk's, embedded); the VFs are created on a fresh in-memory copy of the host
             the state describes (the embedded default, or your iovsim reset --host FILE):
             its VFs are not read, and the state is not written
--host       instead, the VFs that exist on the simulated host now (its state in --state DIR,
             else $IOVSIM_STATE, else the default), made with sysfs / ip link / devlink or
             iovctl -C, of the first PF that has VFs (a note names other PFs with VFs):
             the jail gets the first VF not 'passthrough : true' with its driver
             (VF 0), the VM the first passthrough VF, else the first without a host driver
             (sriov_drivers_autoprobe 0), else the next one (VF 1); their MAC, port VLAN, spoof
             checking and trust program the switch; a VF's max_tx_rate (or rate) limits its
             transmit in the NIC (the header names it; the limiter vfN-max-tx-rate can be the
             bottleneck), and a path through a VF with 'state disable' carries nothing: left out
             with a note, refused when named; so is vf-loopback between VFs the NIC's switch
             cannot connect (its own forwarding decision: e.g. different port VLANs). Read only;
             exclusive with -f. Without --host, only the host file the state names is read
             (docs/linux-mode.md, Measuring what you configured)
--pcap F     replay a pcap/pcapng capture (F - : standard input; it and a FIFO or <(tcpdump ...)
             are copied to a private temporary file that the worker threads read, removed
             when the run ends) instead of generated frames: from the wire to each
             consumer (--direction rx: every path but vf-loopback), or sent by each consumer to
             the wire (--direction tx: every path but vf-loopback); frames
             as captured, looped; records that cannot be carried are counted and dropped with
             their reason, the NIC switch counts its own drops; broadcast copies to other pools
             count as deliveries; a corrupt tail (a killed tcpdump) is left out with a note
             naming the byte offset. Not with --size, --encap, --flows, --proto, --direction
             both (docs/experiments.md "Replaying captures")
--pcap-timing  paced (default): re-paced at the offered load (search, load points, --rate as
             usual); capture: at the capture's own timestamps, one load point at its mean rate
--rewrite-dst PORT  rewrite unicast destination MACs to PORT's: consumer (each path's own), PF
             or VF-<n>; --rewrite-dst-all also broadcast and multicast. A capture taken
             elsewhere otherwise matches no port and is all dropped by the MAC filter (a
             warning says so)
--promisc PORT  put PORT (consumer, PF or VF-<n>) in unicast promiscuous mode for the run; a VF
             only where its iovctl.conf section allows it (allow-promisc: true): refused otherwise
--rewrite-src PORT  --direction tx: rewrite source MACs to PORT's (consumer: the sender's own,
             PF or VF-<n>); an untrusted VF's anti-spoof check drops frames it did not source
             (a warning says so). --rewrite-dst and --promisc are receive options
--seed N     seed of the generators and of Poisson arrivals (default 1)
--workers N  simulations in parallel on N worker threads (default min(2, cores)); results do
             not depend on it
--partitions 1|2  2: each simulation itself on two threads, cut at the wire (the generator on
             a second thread, synchronized conservatively on virtual time; docs/engine.md);
             same results as 1, one simulation at a time; rx or both only, not with --pcap,
             --inject-fault or --workers N>1; a path whose frames never come from the wire
             (virtio-tap, vf-loopback) is refused when named, left out with a note otherwise
--application  an application on the consumer's CPU reads every frame it receives
             (app_rx_cycles each, below the interrupt and the stack; a vCPU whose socket holds
             frames does not halt); default: the consumer's stack is the end of the path.
             A forwarding path (jail-epair-fwd, bridge-epair-fwd) has no consumer: refused
             when named, run without an application (a note) otherwise
--window N   with --application: a closed loop (TCP-like) instead of an offered load: the sender
             on the wire keeps at most N frames sent and not yet read by the application, sending
             up to --rate (default 100 % of line rate); one load point per path (no search, so
             no --precision or --pdr-loss; --trial-ms, not --count), receive only; the delivered
             rate is what the receiver sustains, and nothing is lost by construction. Paths
             without a sender on the wire or a consumer on a CPU (virtio-tap, jail-epair-fwd,
             bridge-epair-fwd) are refused when named, left out with a note otherwise. The
             JSON says "load": {"loop": "closed", "window": N}
--json       machine-readable report (docs/paths-json.md); --csv one line per load point
--html FILE  also write one self-contained HTML report (charts as SVG, no network; docs/reports.md)
--chart      below the table, each path's latency (p50/p90/p99/p99.9, log scale) against the
             offered load of its load points, drawn in text (--direction both: both, rx and tx
             apart); colours on a terminal. Needs the NDR search: not with --rate, --window,
             --pcap-timing capture, --json or --csv
${faultHelp(0, 13)}
             (docs/reliability.md, Faults); NDR/PDR are searched fault-free
-h, --help   this text

exit status: 0 done, 1 bad usage, 2 conservation violated, ${FAULT_EXIT_STATUS} done with an injected fault
`;

export const command = defineCommand({
  name: "paths",
  summary: "compare packet paths: simulated NDR/PDR, latency at load points, CPU, events",
  help: HELP,
  // The rows of COMMAND_OPTIONS.paths (paths-options.ts): an option is added there, once.
  options: commandOptions("paths"),
  hints: RENAMED,
  async run({ opts, argv: args }, ctx) {
    const v = opts as Values;
    const pcap = typeof v.pcap === "string" ? v.pcap : undefined;
    const stream = pcap !== undefined && pcap !== "-" && isCaptureStream(pcap) ? pcap : undefined;
    if (pcap !== "-" && !stream) return pathsCommand(v, args, ctx);
    // --pcap - (or a FIFO, /dev/fd/N of `<(tcpdump ...)`): every worker thread reads the capture,
    // and a stream reads once, so it is first copied to a private file (removed when the run
    // ends); messages name it "standard input", or the path the user gave.
    let spool: ReturnType<typeof spoolStdinCapture>;
    try {
      spool = spoolStdinCapture(stream ? () => readCaptureBytes(stream) : (ctx.readStdin ?? readAllStdin));
    } catch (e) {
      // A read that fails (`--pcap - < DIR`) was an internal error: said as steering --mix
      // pcap:- says it, naming the option.
      if (!(e instanceof CaptureFormatError)) throw e;
      const own = e.file === pcap ? e.message.slice(e.file.length + 2) : e.message;
      throw new UserError("E_CAPTURE", `--pcap ${pcap}: ${own}`);
    }
    nameCaptureFile(spool.file, stream ?? STDIN_NAME);
    try {
      return await pathsCommand({ ...v, pcap: spool.file }, args, ctx);
    } finally {
      nameCaptureFile(spool.file, undefined);
      spool.remove();
    }
  },
});

/** The paths command on options whose --pcap (if any) names a file. */
async function pathsCommand(v: Values, args: string[], ctx: CommandContext): Promise<number> {
  const o = parsePathsOptions(v, DEFAULTS, await runConfig("paths", v, ctx));
  if (o.json && o.csv) {
    ctx.err("iovsim: --json and --csv are exclusive\n");
    return 1;
  }
  const { json, violations } = await runPaths(o, ctx);
  if (o.json) ctx.out(`${JSON.stringify(json, null, 2)}\n`);
  else if (o.csv) {
    ctx.out(pathsCsv(json));
    for (const n of json.notes) ctx.err(`iovsim: note: ${n}\n`);
    ctx.err(simulatorLine(json.simulator));
  } else ctx.out(pathsHuman(json, o.chart ? pathsLatencyCharts(json.paths, { color: ctx.isTTY }) : ""));
  if (o.json || o.csv) for (const w of json.warnings) ctx.err(`iovsim: warning: ${w}\n`);
  if (o.html) {
    await writeHtmlReport(o.html, {
      title: "iovsim paths",
      schema: json.schema,
      version: json.tool.version,
      command: commandLine("paths", args),
      profile: o.profile.name,
      // The PF the run's VFs live on (its driver names the NIC: ixl = Intel 700 series).
      conditions: { ...pathsConditions(json), nic: json.nic ?? cachedPathHost(o.config).pf },
      paths: json.paths,
      ping: json.ping,
      simulator: json.simulator,
      notes: json.notes,
      config: reportConfig(o.config),
      ...(json.faults
        ? {
            faults: faultsText(json)
              .split("\n")
              .map((l) => l.trim())
              .filter((l) => l !== ""),
          }
        : {}),
      cost_profile: {
        name: o.profile.name,
        description: o.profile.description,
        constants: o.profile.constants,
      },
    });
    ctx.err(`iovsim: wrote ${o.html}\n`);
  }
  for (const v of violations) ctx.err(`iovsim: ${v}\n`);
  if (violations.length > 0) return 2;
  return faultExit(o.faults, ctx);
}
