// `iovsim ping --path NAME [-c N]`: real ICMP echo requests through a path's elements in virtual
// time (out through the transmit side, answered by an echo responder on the wire, back through
// the receive side), each reply checked. Round-trip times are simulated; the simulator's own
// speed is one separate line.
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { ensureKernels } from "../../engine/simulate.ts";
import { UserError } from "../../errors.ts";
import { summarizeRtts } from "../../experiment/ping-stats.ts";
import { loadCosts } from "../../model/costs.ts";
import { simulatorJson } from "../../report/paths-json.ts";
import { simulatorLine } from "../../report/paths-table.ts";
import type { Command } from "../context.ts";
import {
  checkHost,
  directionsOf,
  num,
  PATH_NAMES,
  parseCommandArgs,
  parsePathNames,
  readConfig,
} from "./paths-options.ts";
import { pingPart, runPing } from "./ping-run.ts";

const HELP = `usage: iovsim ping --path NAME [-c COUNT] [--interval-ms MS] [--profile NAME|FILE]
                   [-f iovctl.conf] [--seed N] [--json]

Sends COUNT (default 5) ICMP echo requests (56 data bytes) through a path in the simulator, in
virtual time: out through the consumer's driver, the NIC's Tx ring and the switch's transmit
side to the wire, where an echo responder answers; the reply comes back through the switch's
receive side to the consumer, which checks it (ICMP type, id, sequence, checksum, payload).
One echo every --interval-ms of virtual time (default 1000, as ping(8)): an idle pinger, so each
round trip pays the idle wake-up paths. Times are simulated; a last line reports how fast the
simulator ran (wall clock).
paths: ${PATH_NAMES.filter((n) => directionsOf(n).includes("rx")).join(", ")}
`;

export const command: Command = {
  name: "ping",
  summary: "ICMP echo through a path: simulated round-trip times",
  async run(args, ctx) {
    const v = parseCommandArgs("ping", args);
    if (v.help) {
      ctx.out(HELP);
      return 0;
    }
    const names = parsePathNames(v.path as string[] | undefined);
    if (names.length === 0) throw new UserError("E_USAGE", "ping: --path NAME is required (see --help)");
    if (names.length !== 1) throw new UserError("E_USAGE", "ping: give exactly one --path");
    const path = names[0];
    if (!directionsOf(path).includes("rx"))
      throw new UserError("E_USAGE", `ping: path '${path}' only transmits; no reply can come back`);
    const count = num(v.count as string | undefined, "-c/--count", 5, 1, 1_000_000, true);
    const intervalMs = num(v["interval-ms"] as string | undefined, "--interval-ms", 1000, 0.001, 3_600_000);
    const seed = num(v.seed as string | undefined, "--seed", 1, 0, 2 ** 31 - 1, true);
    const conf = readConfig(v.config as string | undefined);
    checkHost(conf, [path]);
    const profile = loadCosts((v.profile as string | undefined) ?? "bhyve");
    await ensureKernels();
    const started = performance.now();
    const r = runPing({
      path,
      count,
      intervalNs: Math.round(intervalMs * 1e6),
      seed,
      profile: profile.origin === "builtin" ? profile.name : resolve(profile.origin),
      config: conf,
    });
    const wallS = (performance.now() - started) / 1000;
    const s = summarizeRtts(r.rtt_us);
    const loss = r.sent > 0 ? (100 * (r.sent - r.received)) / r.sent : 0;
    const speed = simulatorJson([pingPart(r)], wallS, 1);
    // For `ping` alone, the echoes are the simulation: × real time includes the idle gaps.
    if (v.json) {
      ctx.out(
        `${JSON.stringify(
          {
            path,
            profile: { name: profile.name, origin: profile.origin },
            interval_ms: intervalMs,
            transmitted: r.sent,
            received: r.received,
            loss_percent: loss,
            rtt_us: s,
            rtts_us: r.rtt_us,
            events: r.events,
            conservation: r.conservation,
            simulator: speed,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const target = `${path} peer`;
      ctx.out(
        `PING ${target} (10.2.0.1) via ${path}, cost profile ${profile.name}, simulated: 56 data bytes\n`,
      );
      // The engine returns the answered requests' round trips in order; with every request
      // answered, the i-th is icmp_seq i (else which ones were lost is not known: no seq shown).
      const seqKnown = r.received === r.sent;
      for (const [i, rtt] of r.rtt_us.entries())
        ctx.out(
          `64 bytes from 10.2.0.1: ${seqKnown ? `icmp_seq=${i} ` : ""}ttl=64 time=${(rtt / 1000).toFixed(3)} ms (simulated)\n`,
        );
      ctx.out(`\n--- ${target} ping statistics ---\n`);
      ctx.out(
        `${r.sent} packets transmitted, ${r.received} packets received, ${loss.toFixed(1)}% packet loss\n`,
      );
      if (r.received > 0) {
        const ms = (x: number) => (x / 1000).toFixed(3);
        ctx.out(
          `round-trip min/avg/max/stddev = ${ms(s.min)}/${ms(s.avg)}/${ms(s.max)}/${ms(s.stddev)} ms (simulated)\n`,
        );
        ctx.out(`round-trip p50/p99 = ${ms(s.p50)}/${ms(s.p99)} ms (simulated)\n`);
      }
      ctx.err(simulatorLine(speed));
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
};
