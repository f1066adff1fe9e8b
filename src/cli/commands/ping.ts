// `iovsim ping --path NAME [-c N]`: real ICMP echo requests through a path's elements in virtual
// time (out through the transmit side, answered by an echo responder on the wire, back through
// the receive side), each reply checked. Round-trip times are simulated; the simulator's own
// speed is one separate line.
import { performance } from "node:perf_hooks";
import { ensureKernels } from "../../engine/simulate.ts";
import { UserError } from "../../errors.ts";
import { loadCosts } from "../../model/costs.ts";
import { pingable } from "../../paths/path-graphs.ts";
import { cachedPathHost } from "../../paths/setup.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine, outputFormat } from "../../report/output-format.ts";
import { simulatorJson } from "../../report/paths-json.ts";
import { configurationText, simulatorLine } from "../../report/paths-table.ts";
import { buildPingJson, type PingCommandJson, pingCsv, pingReportPart } from "../../report/ping-json.ts";
import type { CommandContext } from "../context.ts";
import { defineCommand } from "../registry.ts";
import { toolVersion } from "../version.ts";
import { configurationJson, hostFileOf } from "./paths-configuration.ts";
import { reportConfig } from "./paths-host.ts";
import {
  checkHost,
  commandOptions,
  directionsOf,
  htmlFile,
  num,
  PATH_NAMES,
  parsePathNames,
  RENAMED,
  type Values,
} from "./paths-options.ts";
import { runConfig } from "./paths-source.ts";
import { pingCount, pingIntervalMs, pingIntervalSeconds } from "./ping-numbers.ts";
import { pingPart, runPing } from "./ping-run.ts";

/** The paths ping can send through: a consumer that sends and a wire that answers. */
const PING_PATHS = PATH_NAMES.filter((n) => pingable(n) && directionsOf(n).includes("both"));

/** Options of ping(8) a user may type that iovsim's ping does not take: said why. */
const PING_HINTS: Record<string, string> = {
  ...RENAMED,
  s: "the echo carries ping(8)'s default 56 data bytes; other sizes are not simulated by ping: iovsim paths --proto icmp --size N measures a frame size's path",
};

const HELP = `usage: iovsim ping --path NAME [-c COUNT] [-i WAIT | --interval-ms MS]
                   [--profile NAME|FILE] [-f iovctl.conf | --host] [--seed N]
                   [--json | --csv] [--html FILE]

Sends COUNT (-c, --count; default 5) ICMP echo requests (56 data bytes) through a path in the
simulator, in virtual time: out through the consumer's driver, the NIC's Tx ring and the
switch's transmit side to the wire, where an echo responder answers; the reply comes back
through the switch's receive side to the consumer, which checks it (ICMP type, id, sequence,
checksum, payload). One echo every -i, --interval WAIT seconds (as ping(8); fractional:
-i 0.2) or --interval-ms MS of virtual time (default 1 s, as ping(8); not both): an idle
pinger, so each round trip pays the idle wake-up paths. After the last request it waits, as
ping(8) does, up to 10 s (virtual) for the replies still in flight; with an interval shorter
than the round trip, replies one poll hands over together each get their group's mean RTT (a
note says so). Times are simulated; then the Configuration lines name the PF or VF the echoes
crossed (as paths prints them), and a last line reports how fast the simulator ran (wall clock).

-f, --config FILE  iovctl.conf whose VFs the path uses (default: the talk's, embedded), created
             on a fresh in-memory copy of the host the state describes (the embedded default,
             or your iovsim reset --host FILE); the state is not written
--host       instead, the VFs on the simulated host now (its state in --state DIR, else
             $IOVSIM_STATE, else the default), made with sysfs / ip link / devlink or iovctl -C:
             the jail's is the first VF not 'passthrough : true' with its driver (VF 0), the
             VM's the first passthrough VF, else the first without a host driver, else the next
             (VF 1); a VF with 'state disable' carries nothing (refused, with the command that
             restores it). Read only; exclusive with -f (docs/linux-mode.md)
--profile P  cost profile: a built-in name (default bhyve; iovsim model list) or a JSON file
             (docs/formats/cost-profile.md); the PING line names it. A variant: P!SWITCH
             (switches: iovsim model list) or P{constant=value,...}
--seed N     seed of the run's generators (default 1); a run is deterministic for a given seed
--json       one JSON document (schema iovsim.ping/1, docs/ping-json.md)
--csv        one row per echo reply: path,seq,rtt_us (simulated),profile,seed
--html FILE  also write one self-contained HTML report (RTT per echo, summary, configuration
             and cost profile; charts as SVG, no network; docs/reports.md)
exit status: 0 every echo answered, 1 bad usage, 2 an echo unanswered (ping(8) exits 0 when
any reply came) or conservation violated; echoes without a reply: a note names where the
simulation dropped the frames (--json: conservation.dropped)
paths: ${PING_PATHS.join(", ")}
`;

/** ping(8)'s lines, every time labelled simulated. */
function pingText(j: PingCommandJson, ctx: CommandContext): void {
  const target = `${j.path} peer`;
  ctx.out(
    `PING ${target} (10.2.0.1) via ${j.path}, cost profile ${j.profile.name}${j.profile.origin === "builtin" ? "" : ` (${j.profile.origin})`}, simulated: 56 data bytes\n`,
  );
  for (const e of j.echoes)
    ctx.out(
      `64 bytes from 10.2.0.1: ${e.seq !== null ? `icmp_seq=${e.seq} ` : ""}ttl=64 time=${(e.rtt_us / 1000).toFixed(3)} ms (simulated)\n`,
    );
  ctx.out(`\n--- ${target} ping statistics ---\n`);
  ctx.out(
    `${j.transmitted} packets transmitted, ${j.received} packets received, ${j.loss_percent.toFixed(1)}% packet loss\n`,
  );
  const s = j.rtt_us;
  if (s.p50 !== null) {
    const ms = (x: number) => (x / 1000).toFixed(3);
    ctx.out(
      `round-trip min/avg/max/stddev = ${ms(s.min)}/${ms(s.avg)}/${ms(s.max)}/${ms(s.stddev)} ms (simulated)\n`,
    );
    ctx.out(`round-trip p50/p99 = ${ms(s.p50)}/${ms(s.p99)} ms (simulated)\n`);
  }
}

export const command = defineCommand({
  name: "ping",
  summary: "ICMP echo through a path: simulated round-trip times",
  help: HELP,
  // The rows of COMMAND_OPTIONS.ping (paths-options.ts), as paths and demo declare theirs.
  options: commandOptions("ping"),
  hints: PING_HINTS,
  async run({ opts, argv: args }, ctx) {
    const v = opts as Values;
    const names = parsePathNames(v.path as string[] | undefined, PING_PATHS);
    if (names.length === 0) throw new UserError("E_USAGE", "ping: --path NAME is required (see --help)");
    if (names.length !== 1) throw new UserError("E_USAGE", "ping: give exactly one --path");
    const path = names[0];
    if (!directionsOf(path).includes("rx"))
      throw new UserError("E_USAGE", `ping: path '${path}' only transmits; no reply can come back`);
    if (!directionsOf(path).includes("tx"))
      throw new UserError(
        "E_USAGE",
        `ping: path '${path}' forwards what it receives and has no consumer of its own; nothing on it sends a ping`,
      );
    if (!pingable(path))
      throw new UserError(
        "E_USAGE",
        `ping: path '${path}' does not receive from the wire (its source is pktgen on the host); nothing on the wire can answer`,
      );
    const count = pingCount(v.count as string | undefined, 5, 1_000_000);
    if (v.interval !== undefined && v["interval-ms"] !== undefined)
      throw new UserError(
        "E_USAGE",
        "ping: -i/--interval and --interval-ms are exclusive: one interval, in seconds (as ping(8)) or in milliseconds",
      );
    const intervalMs =
      v.interval !== undefined
        ? pingIntervalSeconds(v.interval as string, 0.001, 3_600_000)
        : pingIntervalMs(v["interval-ms"] as string | undefined, 1000, 0.001, 3_600_000);
    const seed = num(v.seed as string | undefined, "--seed", 1, 0, 2 ** 31 - 1, true);
    const conf = await runConfig("ping", v, ctx);
    checkHost(conf, [{ path, direction: "both" }]);
    const profile = loadCosts((v.profile as string | undefined) ?? "bhyve");
    const format = outputFormat(v);
    const html = htmlFile(v.html as string | undefined, [
      { named: `-f ${v.config}`, file: v.config as string | undefined },
      { named: `--profile ${v.profile}`, file: profile.origin === "builtin" ? undefined : profile.origin },
      { named: "the simulated host's state, which the run reads", file: conf.stateFile },
    ]);
    await ensureKernels();
    const started = performance.now();
    const r = runPing({
      path,
      count,
      intervalNs: Math.round(intervalMs * 1e6),
      seed,
      profile: profile.ref,
      config: conf,
    });
    const wallS = (performance.now() - started) / 1000;
    // For `ping` alone, the echoes are the simulation: × real time includes the idle gaps.
    const j = buildPingJson(
      r,
      {
        version: await toolVersion(),
        profile: { name: profile.name, origin: profile.origin },
        config: conf.file,
        hostFile: hostFileOf(conf),
        count,
        intervalMs,
        seed,
      },
      simulatorJson([pingPart(r)], wallS, 1),
    );
    if (format === "json") ctx.out(`${JSON.stringify(j, null, 2)}\n`);
    else if (format === "csv") ctx.out(pingCsv(j));
    else {
      pingText(j, ctx);
      // As paths prints it: which PF or VF the echoes crossed (with --host, the one you made).
      ctx.out(`\n${configurationText(configurationJson(conf, cachedPathHost(conf), [path]))}`);
    }
    if (r.grouped) {
      // Named as the user gave it (-i in seconds, or --interval-ms), and as many polls as there
      // were: "5 replies ... in one poll" was said of two polls of 2 and 3 (two RTTs printed).
      const given = v.interval !== undefined ? `-i ${v.interval as string}` : `--interval-ms ${intervalMs}`;
      const groups = r.groups ?? 1;
      const how =
        groups === 1
          ? `${r.grouped} replies reached the consumer together, in one poll`
          : `${r.grouped} replies reached the consumer in ${groups} polls of several replies each`;
      const note = `${how} (${given} is shorter than the round trip): each reply of a poll is given the poll's mean RTT`;
      if (format === "text") ctx.out(`note: ${note}\n`);
      else ctx.err(`iovsim: note: ${note}\n`);
    }
    // Echoes without a reply: say where the simulation dropped them (a VF's MAC filter, its
    // link state...), not only the loss, so an odd configuration that runs is not a mystery.
    const drops = Object.entries(j.conservation.dropped);
    if (j.received < j.transmitted && drops.length > 0 && format !== "json") {
      const where = drops.map(([why, n]) => `${why} ${n}`).join(", ");
      const note = `${j.transmitted - j.received} of ${j.transmitted} ${j.transmitted === 1 ? "echo" : "echoes"} got no reply; frames dropped on the path (simulated): ${where}`;
      if (format === "text") ctx.out(`note: ${note}\n`);
      else ctx.err(`iovsim: note: ${note}\n`);
    }
    if (format !== "json") ctx.err(simulatorLine(j.simulator));
    if (html) {
      await writeHtmlReport(html, {
        title: `iovsim ping ${path}`,
        version: j.tool.version,
        command: commandLine("ping", args),
        profile: profile.name,
        ...pingReportPart(j),
        config: reportConfig(conf),
        cost_profile: { name: profile.name, description: profile.description, constants: profile.constants },
      });
      ctx.err(`iovsim: wrote ${html}\n`);
    }
    const c = r.conservation;
    if (!c.ok) {
      ctx.err(
        `iovsim: CONSERVATION VIOLATED: sent ${c.sent} != delivered ${c.delivered} + dropped ${JSON.stringify(c.dropped)} + in flight ${c.inFlight}\n`,
      );
      return 2;
    }
    return r.received === r.sent ? 0 : 2;
  },
});
