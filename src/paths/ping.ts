// A simulated ping: real ICMP echo request frames go out through the path's transmit elements
// (driver, NIC Tx ring, the switch's transmit side, the wire), an echo responder on the peer
// answers them, and the replies come back in through the receive elements to the consumer.
// Runs on the calling thread, one exchange at a time (an idle pinger: 1 s between echoes in
// simulator time), checks every reply (ICMP type, id, sequence, checksum, payload), and keeps
// each exchange's event counts for the cost model and its wall-clock time ("measured (simulator)").
import * as P from "../../assembly/pathabi.ts";
import { pingRttUs } from "../model/cost.ts";
import { type EventCounts, zeroCounts } from "../model/events.ts";
import type { CostProfile } from "../model/profile.ts";
import { buildTemplates, defaultProfile, type Template } from "../traffic/profiles.ts";
import type { BuiltPath, Dir, PlanStep } from "./build.ts";
import type { PathEngine } from "./engine.ts";
import type { ElementSpec, PathGraph } from "./graphs.ts";
import { elementCall, instantiatePathKernels } from "./kernels.ts";
import { type Conservation, conservation, preparePath, type RunOptions, readEvents } from "./run.ts";

/** ping(8)'s default: 56 data bytes -> 64-byte ICMP message, 98-byte frame (102 with FCS). */
export const PING_FRAME_SIZE = 102;
const ICMP_ID = 1024; // the template's identifier (one flow: the generator adds 0)
const INTERVAL_PS = 1_000_000_000_000n; // 1 s between echoes (simulator time)

export interface EchoResult {
  seq: number;
  ok: boolean;
  problem?: string;
  bytes: number;
  ttl: number;
  /** Wall-clock time the simulator took for this exchange (µs). */
  measuredUs: number;
  /** Cost model applied to this exchange's own event counts (µs). */
  modeledRttUs: number;
  rx: EventCounts;
  tx: EventCounts;
}

export interface PingSimulation {
  echoes: EchoResult[];
  conservation: Conservation;
}

/** Requests out through `tx`, the echo peer on the wire, replies in through `elements`. */
export function pingElements(g: PathGraph): Array<{ dir: Dir; el: ElementSpec }> {
  if (!g.elements) throw new Error(`path ${g.name} has no receive direction: no reply could come back`);
  const veb = g.elements.find((e) => e.kind === "veb");
  const vebTx = g.tx.find((e) => e.kind === "veb-tx");
  if (!veb || veb.kind !== "veb" || !vebTx || vebTx.kind !== "veb-tx" || vebTx.out !== "wire.out")
    throw new Error(`path ${g.name}: ping needs a path that reaches the wire both ways`);
  const echo: ElementSpec = { kind: "echo", name: "echo-peer", in: "wire.out", out: veb.in };
  return [
    ...g.tx
      .filter((e) => !(e.kind === "sink" && e.in === "wire.out"))
      .map((el) => ({ dir: "tx" as const, el })),
    { dir: "tx", el: echo },
    ...g.elements.filter((e) => e.kind !== "gen").map((el) => ({ dir: "rx" as const, el })),
  ];
}

function diff(a: EventCounts, b: EventCounts): EventCounts {
  const r = zeroCounts();
  for (const k of Object.keys(r) as (keyof EventCounts)[]) r[k] = b[k] - a[k];
  return r;
}

/** Where the reply waits just before the consumer takes it (a ring, or the virtqueue's used ring). */
function peekReply(built: BuiltPath, step: PlanStep): { addr: number; len: number } | undefined {
  const dv = built.layout.dv();
  const u32 = (a: number) => dv.getUint32(a, true);
  const hdr = built.layout.header;
  const bufBase = u32(hdr + 4 * 4);
  const bufSize = u32(hdr + 5 * 4);
  if (step.kind === "sink") {
    const ring = u32(step.ctx + P.S_IN);
    if (u32(ring + 64) === u32(ring)) return undefined;
    const d = u32(ring + 132) + (u32(ring) & u32(ring + 128)) * 16;
    return { addr: bufBase + u32(d) * bufSize + dv.getUint16(d + 4, true), len: dv.getUint16(d + 6, true) };
  }
  const vq = step.ctx;
  const used = u32(vq + P.V_USED);
  const lastUsed = u32(vq + P.V_LAST_USED) & 0xffff;
  if (dv.getUint16(used + 2, true) === lastUsed) return undefined;
  const mask = u32(vq + P.V_SIZE) - 1;
  const ue = used + 4 + (lastUsed & mask) * 8;
  const id = u32(ue) & mask;
  const gaddr = Number(dv.getBigUint64(u32(vq + P.V_DESC) + id * 16, true));
  return { addr: gaddr + P.VNET_HDR_BYTES, len: u32(ue + 4) - P.VNET_HDR_BYTES };
}

function ones(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Checks an echo reply against the request template: returns the problem, or undefined. */
export function checkReply(f: Uint8Array, tpl: Template, seq: number, myMac: string): string | undefined {
  if (f.length !== tpl.bytes.length) return `length ${f.length}, expected ${tpl.bytes.length}`;
  const mac = [...f.subarray(0, 6)].map((x) => x.toString(16).padStart(2, "0")).join(":");
  if (mac !== myMac) return `destination ${mac} is not ours (${myMac})`;
  if (f[12] !== 0x08 || f[13] !== 0x00) return "not IPv4";
  const ihl = (f[14] & 15) * 4;
  const icmp = 14 + ihl;
  if (f[23] !== 1) return "not ICMP";
  if (f[icmp] !== 0 || f[icmp + 1] !== 0)
    return `ICMP type ${f[icmp]} code ${f[icmp + 1]}, not an echo reply`;
  const id = (f[icmp + 4] << 8) | f[icmp + 5];
  if (id !== ICMP_ID) return `ICMP id ${id}, expected ${ICMP_ID}`;
  if (ones(f.subarray(icmp)) !== 0xffff) return "bad ICMP checksum";
  const st = tpl.stampOff;
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  if (dv.getUint32(st + 4, true) !== seq) return `sequence ${dv.getUint32(st + 4, true)}, expected ${seq}`;
  for (let i = st + 16; i < f.length; i++) if (f[i] !== tpl.bytes[i]) return `payload differs at byte ${i}`;
  return undefined;
}

export function simulatePing(
  engine: PathEngine,
  graph: PathGraph,
  o: {
    count: number;
    profile: CostProfile;
    linkGbps: number;
    consumerMac: string;
    peerMac: string;
    nic: RunOptions["nic"];
  },
): PingSimulation {
  const req = defaultProfile({
    l4: "icmp",
    flows: 1,
    sizes: { kind: "fixed", size: PING_FRAME_SIZE },
    srcMac: o.consumerMac,
    dstMac: o.peerMac,
    rateGbps: o.linkGbps,
  });
  const templates = buildTemplates(req);
  const { built } = preparePath(engine, graph, {
    traffic: req,
    templates,
    txTraffic: req,
    elements: pingElements(graph),
    itrUs: o.profile.c.itr_us,
    nic: o.nic,
    singleQueue: true, // one flow: one queue anyway; the reply is peeked on queue 0
  });
  const { k } = instantiatePathKernels(engine.module, engine.memory);
  const consumer = built.steps.find(
    (s) => (s.kind === "sink" || s.kind === "guest-rx") && built.dirOf.get(s.name) === "rx",
  );
  if (!consumer) throw new Error(`path ${graph.name}: no consumer to receive the replies`);
  const upstream = built.steps.filter((s) => s !== consumer).map((s) => elementCall(k, s, 64));
  const take = elementCall(k, consumer, 64);
  const gen = built.ctx.get("gen-tx")!;
  const dv = () => built.layout.dv();
  const tpl = templates.templates[0];
  const echoes: EchoResult[] = [];
  for (let seq = 0; seq < o.count; seq++) {
    // The pinger sleeps 1 s between echoes: every element sees an idle path again.
    dv().setBigUint64(gen + P.G_CLOCK_PS, dv().getBigUint64(gen + P.G_CLOCK_PS, true) + INTERVAL_PS, true);
    dv().setBigUint64(gen + P.G_LIMIT, BigInt(seq + 1), true);
    const before = readEvents(built);
    const t0 = process.hrtime.bigint();
    let reply: { addr: number; len: number } | undefined;
    for (let idle = 0; idle < 64 && !reply; ) {
      let moved = 0;
      for (const c of upstream) moved += c();
      reply = peekReply(built, consumer);
      idle = moved === 0 ? idle + 1 : 0;
    }
    const t1 = process.hrtime.bigint();
    // Checked outside the timed part: the check is the test harness, not the path.
    const problem = reply
      ? checkReply(
          new Uint8Array(engine.memory.buffer, reply.addr, reply.len).slice(),
          tpl,
          seq,
          o.consumerMac,
        )
      : "no reply (request or reply dropped: see the conservation drops)";
    const t2 = process.hrtime.bigint();
    if (reply) while (take() === 0) {}
    const t3 = process.hrtime.bigint();
    const after = readEvents(built);
    const rx = diff(before.rx, after.rx);
    const tx = diff(before.tx, after.tx);
    rx.packets = Math.max(rx.packets, 1);
    tx.packets = Math.max(tx.packets, 1);
    echoes.push({
      seq,
      ok: problem === undefined,
      problem,
      bytes: tpl.bytes.length - 14 - 20,
      ttl: tpl.bytes[22],
      measuredUs: Number(t1 - t0 + (t3 - t2)) / 1e3,
      modeledRttUs: pingRttUs(o.profile, graph.context, rx, o.linkGbps, 98, tx),
      rx,
      tx,
    });
  }
  return { echoes, conservation: conservation(built) };
}
