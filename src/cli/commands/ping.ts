// `iovsim ping --path NAME [-c N]`: real ICMP echo request frames through a path's elements
// (out through the transmit side, answered by an echo responder on the wire, back in through the
// receive side), each reply checked. Two times per echo, always labelled: the cost model applied
// to the events this exchange produced ("modeled"), and the wall-clock time the simulator took
// for it ("measured (simulator)").

import { UserError } from "../../errors.ts";
import { consumerMac, nicFor, PASSTHROUGH_PF, WIRE_PEER_MAC } from "../../paths/compare.ts";
import { PathEngine } from "../../paths/engine.ts";
import { PATH_NAMES, pathByName } from "../../paths/graphs.ts";
import { simulatePing } from "../../paths/ping.ts";
import { PfAssignments } from "../../paths/setup.ts";
import type { Command } from "../context.ts";
import { parsePathsArgs } from "./paths-options.ts";

const HELP = `usage: iovsim ping --path NAME [-c COUNT] [--profile NAME|FILE] [-f iovctl.conf]

Sends COUNT (default 5) ICMP echo requests (56 data bytes) through a path in the simulator: out
through the consumer's driver, the NIC's Tx ring and the switch's transmit side to the wire,
where an echo responder answers; the reply comes back through the switch's receive side to the
consumer, which checks it (ICMP type, id, sequence, checksum, payload). One echo per simulated
second (an idle pinger). For each reply two times, labelled:
  time=... ms (modeled)           the cost model (docs/paths.md) on this exchange's own events
  measured (simulator) ... µs     wall-clock time the simulator took for the exchange
The modeled time is what a FreeBSD host would see; the measured one is how fast iovsim is.
paths: ${PATH_NAMES.filter((n) => n !== "vf-loopback").join(", ")}
`;

export const command: Command = {
  name: "ping",
  summary: "ICMP echo through a path: simulated, modeled RTT",
  async run(args, ctx) {
    if (args.includes("--help") || args.includes("-h")) {
      ctx.out(HELP);
      return 0;
    }
    const named = args.flatMap((a, i) =>
      a === "--path" ? [args[i + 1] ?? ""] : a.startsWith("--path=") ? [a.slice(7)] : [],
    );
    for (const n of named.flatMap((x) => x.split(","))) {
      if (pathByName(n) && !pathByName(n)!.elements)
        throw new UserError("E_USAGE", `ping: path '${n}' only transmits; no reply can come back`);
    }
    const o = parsePathsArgs(args, { sizes: "98", seconds: 0.05 });
    if (!args.some((a) => a === "--path" || a.startsWith("--path=")))
      throw new UserError("E_USAGE", "ping: --path NAME is required (see --help)");
    if (o.paths.length !== 1) throw new UserError("E_USAGE", "ping: give exactly one --path");
    const graph = o.paths[0];
    if (!graph.elements)
      throw new UserError("E_USAGE", `ping: path '${graph.name}' only transmits; no reply can come back`);
    if (graph.name === "passthrough") new PfAssignments().assign(o.pathHost.host, PASSTHROUGH_PF, "vm1");
    const engine = await PathEngine.create(1);
    let sim: ReturnType<typeof simulatePing>;
    try {
      sim = simulatePing(engine, graph, {
        count: o.count,
        profile: o.profile,
        linkGbps: o.pathHost.linkGbps,
        consumerMac: consumerMac(graph, o.pathHost),
        peerMac: WIRE_PEER_MAC,
        nic: nicFor(graph, o.pathHost),
      });
    } finally {
      await engine.close();
    }
    const target = `${graph.name} peer`;
    ctx.out(`PING ${target} (10.2.0.1) via ${graph.name}, profile ${o.profile.name}: 56 data bytes\n`);
    const got = sim.echoes.filter((e) => e.ok);
    for (const e of sim.echoes) {
      if (!e.ok) {
        ctx.out(`icmp_seq=${e.seq}: ${e.problem}\n`);
        continue;
      }
      ctx.out(
        `${e.bytes} bytes from 10.2.0.1: icmp_seq=${e.seq} ttl=${e.ttl} time=${(e.modeledRttUs / 1000).toFixed(3)} ms (modeled); measured (simulator) ${e.measuredUs.toFixed(1)} µs\n`,
      );
    }
    const times = got.map((e) => e.modeledRttUs / 1000);
    const n = sim.echoes.length;
    const loss = n > 0 ? (100 * (n - got.length)) / n : 0;
    ctx.out(`\n--- ${target} ping statistics ---\n`);
    ctx.out(`${n} packets transmitted, ${got.length} packets received, ${loss.toFixed(1)}% packet loss\n`);
    if (times.length > 0) {
      const min = Math.min(...times);
      const max = Math.max(...times);
      const avg = times.reduce((a, b) => a + b, 0) / times.length;
      const sd = Math.sqrt(times.reduce((a, b) => a + (b - avg) ** 2, 0) / times.length);
      ctx.out(
        `round-trip min/avg/max/stddev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${sd.toFixed(3)} ms (modeled)\n`,
      );
      const m = got.map((e) => e.measuredUs);
      ctx.out(
        `measured (simulator) per exchange min/avg/max = ${Math.min(...m).toFixed(1)}/${(m.reduce((a, b) => a + b, 0) / m.length).toFixed(1)}/${Math.max(...m).toFixed(1)} µs\n`,
      );
    }
    const c = sim.conservation;
    if (!c.ok) {
      ctx.err(
        `iovsim: CONSERVATION VIOLATED: sent ${c.sent} != delivered ${c.delivered} + dropped ${JSON.stringify(c.dropped)} + in flight ${c.inFlight}\n`,
      );
      return 2;
    }
    return got.length === n ? 0 : 2;
  },
};
