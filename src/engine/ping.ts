// A simulated ping: real ICMP echo requests leave through the path's transmit elements (stack,
// driver, NIC Tx, the wire), an echo responder on the wire answers them, the replies come back
// through the receive elements to the consumer's stack. One request per interval (default 1 s of
// virtual time, so every request finds the system idle: halted vCPUs, sleeping threads). Each
// reply's round-trip time is its one-way latency from the request's stamp (the responder keeps
// the payload): it emerges from the simulated events, nothing is added up by formula.
import * as P from "../../assembly/pathabi.ts";
import { UserError } from "../errors.ts";
import { loadCosts } from "../model/costs.ts";
import type { EngineElement, EnginePath } from "../paths/path-graphs.ts";
import { ENGINE_PATH_NAMES, enginePath } from "../paths/path-graphs.ts";
import type { PathHost } from "../paths/setup.ts";
import { defaultProfile } from "../traffic/profiles.ts";
import { u64 } from "./context.ts";
import { buildGraph } from "./graph.ts";
import { collect } from "./result.ts";
import { type RunState, runUntil } from "./run.ts";
import type { Conservation, EventTotals } from "./types.ts";

/** ping(8)'s default: 56 data bytes -> 64-byte ICMP message, 98-byte frame (102 with FCS). */
export const PING_FRAME_SIZE = 102;

/** How long ping(8) waits for replies after its last request (FreeBSD ping's MAXWAIT, 10 s). */
export const PING_LINGER_NS = 10e9;

export interface PingSpec {
  path: string;
  count: number;
  seed: number;
  profile: string;
  config?: { text: string; file: string };
  /** VFs already created on a host (Linux sysfs and `ip link`) instead of `config`. */
  pathHost?: PathHost;
  /** Virtual time between requests (ns), default 1 s. */
  intervalNs?: number;
}

export interface PingResult {
  path: string;
  /** Round-trip time of each answered request (us, virtual time), in order. */
  rtt_us: number[];
  /** Replies delivered together by one event (one poll): each was given their mean RTT. */
  grouped?: number;
  /** How many such polls (groups of two or more replies) `grouped` counts the replies of. */
  groups?: number;
  sent: number;
  received: number;
  events: EventTotals;
  conservation: Conservation;
  virtual_ns: number;
  simulator: { frames: number; events: number; wall_ms: number };
}

/** The path named `name` (a user error naming the known ones when there is none). */
function knownPath(name: string): EnginePath {
  const path = enginePath(name);
  if (!path)
    throw new UserError("E_USAGE", `unknown path '${name}' (paths: ${ENGINE_PATH_NAMES.join(", ")})`);
  return path;
}

/** Requests out through the transmit elements, the echo peer on the wire, replies back in: a
 *  path of ENGINE_PATHS by name, or any EnginePath. */
export function pingElements(named: string | EnginePath): Array<{ dir: "rx" | "tx"; el: EngineElement }> {
  const path = typeof named === "string" ? knownPath(named) : named;
  const name = path.name;
  const rx = path.rx;
  const tx = path.tx;
  if (!tx)
    throw new UserError(
      "E_USAGE",
      `path ${name} forwards what it receives and has no consumer of its own: nothing on it sends a ping`,
    );
  const wireIn = rx?.find((e) => e.kind === "gen" && e.on === "wire-rx");
  const toWire = tx.find((e) => e.kind === "sink" && e.in === "wire.out");
  if (!rx || !wireIn || !toWire)
    throw new UserError("E_USAGE", `path ${name} does not reach the wire both ways: it cannot ping a host`);
  const echo: EngineElement = {
    kind: "echo",
    name: "echo-peer",
    in: "wire.out",
    out: (wireIn as { out: string }).out,
    on: "wire-tx",
  };
  return [
    ...tx.filter((e) => e !== toWire).map((el) => ({ dir: "tx" as const, el })),
    { dir: "tx", el: echo },
    ...rx.filter((e) => e !== wireIn).map((el) => ({ dir: "rx" as const, el })),
  ];
}

/** Pings over `spec.path`; `graph`: the EnginePath to run instead of spec.path's of
 *  ENGINE_PATHS (named spec.path), so a path defined as data elsewhere pings the same way. */
export function simulatePing(spec: PingSpec, graph?: EnginePath): PingResult {
  const t0 = performance.now();
  if (graph && graph.name !== spec.path)
    throw new Error(`simulatePing: spec.path '${spec.path}' is not the graph's '${graph.name}'`);
  const path = graph ?? knownPath(spec.path);
  if (!Number.isInteger(spec.count) || spec.count < 1)
    throw new UserError("E_USAGE", "ping count must be >= 1");
  const interval = spec.intervalNs ?? 1e9;
  const g = buildGraph({
    path,
    elements: pingElements(path),
    traffic: defaultProfile({ l4: "icmp", flows: 1, sizes: { kind: "fixed", size: PING_FRAME_SIZE } }),
    costs: loadCosts(spec.profile),
    ratePps: 1e9 / interval,
    poisson: false,
    offerUntilNs: spec.count * interval,
    warmupNs: 0,
    count: spec.count,
    seed: spec.seed,
    config: spec.config,
    ...(spec.pathHost ? { pathHost: spec.pathHost } : {}),
    singleQueue: true, // one flow: one queue
    senderSleeps: true, // ping(8) waits for its next request in select(), asleep
  });
  const { ctx } = g;
  const consumer = ctx.built.sinks
    .filter((s) => ctx.built.dirOf.get(s) === "rx")
    .map((s) => ctx.built.ctx.get(s)!);
  if (consumer.length !== 1) throw new Error(`path ${spec.path}: expected one receiving consumer for ping`);
  const sink = consumer[0];
  const state: RunState = { sentAtWarmupByGen: {}, endNs: 0 };
  for (const r of g.runtimes) r.start?.();
  const rtt: number[] = [];
  let packets = 0;
  let latSum = 0;
  let grouped = 0;
  let groups = 0;
  // Event by event, so that each reply is seen alone even when the next request leaves before
  // it arrives (an interval shorter than the round trip): its RTT is the growth of the sink's
  // latency sum. Replies one event hands over together (one poll) get their mean, counted in
  // `grouped`.
  const runTo = (t: number) => {
    const q = ctx.q;
    while (q.size > 0 && q.peekTime() <= t) {
      runUntil(g, q.peekTime(), state);
      const p = u64(ctx, sink + P.S_PACKETS);
      if (p === packets) continue;
      const l = u64(ctx, sink + P.S_LAT_SUM);
      for (let k = packets; k < p; k++) rtt.push((l - latSum) / (p - packets) / 1000);
      if (p > packets + 1) {
        grouped += p - packets;
        groups++;
      }
      packets = p;
      latSum = l;
    }
  };
  for (let i = 0; i < spec.count; i++) runTo((i + 1) * interval);
  // As ping(8) does after its last request, wait for the replies still in flight.
  if (packets < spec.count) runTo(spec.count * interval + PING_LINGER_NS);
  const r = collect(ctx, {
    path: spec.path,
    direction: "both",
    endNs: state.endNs,
    wallMs: performance.now() - t0,
  });
  return {
    path: spec.path,
    rtt_us: rtt,
    ...(grouped > 0 ? { grouped, groups } : {}),
    sent: r.simulator.frames,
    received: packets,
    events: r.events,
    conservation: r.conservation,
    virtual_ns: r.virtual_ns,
    simulator: r.simulator,
  };
}
