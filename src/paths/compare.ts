// Runs paths x frame sizes on the engine and pairs each measured run with the cost model.
import { type ModelResult, modelRun, pingRttUs } from "../model/cost.ts";
import type { CostProfile } from "../model/profile.ts";
import { averageSize, defaultProfile, type Encap, type L4, type TemplateSet } from "../traffic/profiles.ts";
import { PathEngine } from "./engine.ts";
import { type Direction, directionsOf, type PathGraph, pathByName } from "./graphs.ts";
import { type RunOptions, type RunResult, runPath } from "./run.ts";
import { type PathHost, PfAssignments } from "./setup.ts";

export interface CompareOptions {
  paths: PathGraph[];
  sizes: number[];
  seconds: number;
  workers: number;
  profile: CostProfile;
  pathHost: PathHost;
  flows?: number;
  l4?: L4;
  encap?: Encap;
  onProgress?: (done: number, total: number, label: string) => void;
  /** rx (default), tx or both; paths without that direction are skipped unless named. */
  direction?: Direction;
  /** Frames per run (0: run for `seconds`). */
  count?: number;
  seed?: number;
  /** pcap replay: these frames instead of generated ones (sizes then come from the capture). */
  replay?: TemplateSet;
}

export interface PathRow {
  name: string;
  direction: "rx" | "tx";
  size: number;
  run: RunResult;
  model: ModelResult;
}

export interface PingRow {
  path: string;
  modeledRttUs: number;
  ratioToNative: number;
}

/** The consumer's MAC on each path: the VF's, the PF's, or the VM's virtio / jail epair MAC. */
export function consumerMac(graph: PathGraph, ph: PathHost): string {
  if (graph.name === "jail-vf" || graph.name === "vf-loopback")
    return ph.jailVf?.effectiveMac ?? missing("a non-passthrough VF for the jail");
  if (graph.name === "vm-vf") return ph.vmVf?.effectiveMac ?? missing("a passthrough VF for the VM");
  if (graph.name === "virtio") return "58:9c:fc:00:00:01"; // bhyve's virtio-net OUI
  if (graph.name === "jail-epair") return "02:e0:00:00:00:0b"; // epair0b in the jail
  if (graph.name === "passthrough") return ph.host.pf(PASSTHROUGH_PF)?.mac ?? ph.pfMac;
  return ph.pfMac;
}

/** The whole-PF passthrough path uses a second NIC without SR-IOV. */
export const PASSTHROUGH_PF = "ix0";

/** Which PF's switch and which pool a path's frames go through. */
export function nicFor(graph: PathGraph, ph: PathHost): RunOptionsNic {
  if (graph.name === "passthrough") return { pf: ph.host.pf(PASSTHROUGH_PF)!, consumer: "pf" };
  const pf = ph.host.pf(ph.pf)!;
  if (graph.name === "jail-vf") return { pf, consumer: ph.jailVf!.index };
  if (graph.name === "vm-vf") return { pf, consumer: ph.vmVf!.index };
  if (graph.name === "vf-loopback") return { pf, consumer: ph.jailVf!.index, peer: ph.vmVf!.index };
  return {
    pf,
    consumer: "pf",
    promiscuous: [...(graph.elements ?? []), ...graph.tx].some((e) => e.kind === "bridge"),
  };
}

/** The far end of the transmit direction: a host on the wire, or the VM's VF (loopback). */
export const WIRE_PEER_MAC = "02:00:00:00:ff:01";

export function txPeerMac(graph: PathGraph, ph: PathHost): string {
  if (graph.name === "vf-loopback") return ph.vmVf?.effectiveMac ?? missing("a passthrough VF for the VM");
  return WIRE_PEER_MAC;
}

type RunOptionsNic = NonNullable<RunOptions["nic"]>;

function missing(what: string): never {
  throw new Error(`the iovctl.conf creates no ${what}`);
}

export async function comparePaths(o: CompareOptions): Promise<{ rows: PathRow[]; ping: PingRow[] }> {
  const engine = await PathEngine.create(Math.max(1, o.workers));
  const rows: PathRow[] = [];
  const total = o.paths.length * (o.replay ? 1 : o.sizes.length);
  let done = 0;
  const assignments = new PfAssignments();
  try {
    for (const graph of o.paths) {
      const want = o.direction ?? "rx";
      if (!directionsOf(graph).includes(want)) {
        throw new Error(`path ${graph.name} runs only ${directionsOf(graph).join(", ")} (not ${want})`);
      }
      if (graph.name === "passthrough") assignments.assign(o.pathHost.host, PASSTHROUGH_PF, "vm1");
      const sizes = o.replay ? [Math.round(averageSize(o.replay))] : o.sizes;
      for (const size of sizes) {
        o.onProgress?.(done++, total, `${graph.name} ${size} B`);
        const direction = o.direction ?? "rx";
        const common = {
          sizes: { kind: "fixed", size } as const,
          rateGbps: o.pathHost.linkGbps,
          flows: o.flows ?? 64,
          l4: o.l4 ?? "udp",
          encap: o.encap ?? "none",
          count: o.count ?? 0,
          seed: o.seed ?? 1,
        };
        const traffic = defaultProfile({ ...common, dstMac: consumerMac(graph, o.pathHost) });
        const txTraffic = defaultProfile({
          ...common,
          srcMac: consumerMac(graph, o.pathHost),
          dstMac: txPeerMac(graph, o.pathHost),
        });
        const run = await runPath(engine, graph, {
          traffic,
          txTraffic,
          direction,
          templates: o.replay,
          workers: o.workers,
          seconds: o.seconds,
          itrUs: o.profile.c.itr_us,
          nic: nicFor(graph, o.pathHost),
        });
        for (const dir of direction === "both" ? (["rx", "tx"] as const) : [direction]) {
          const model = modelRun(o.profile, {
            context: graph.context,
            counts: dir === "tx" ? run.txCounts : run.counts,
            frameBytes: size,
            linkGbps: o.pathHost.linkGbps,
            direction: dir,
          });
          rows.push({ name: graph.name, direction: dir, size, run, model });
        }
      }
    }
    o.onProgress?.(total, total, "done");
  } finally {
    await engine.close();
  }
  return { rows, ping: pingRows(o.profile, rows, o.pathHost.linkGbps) };
}

/** Modeled ping RTT per path, from each path's own event counts (its smallest-size run). */
export function pingRows(profile: CostProfile, rows: PathRow[], linkGbps: number): PingRow[] {
  const seen = new Map<string, PathRow>();
  for (const r of rows) {
    if (!pathByName(r.name)!.elements) continue; // transmit-only paths have no reply direction
    if (!seen.has(r.name) || r.size < seen.get(r.name)!.size) seen.set(r.name, r);
  }
  const out = [...seen.values()].map((r) => ({
    path: r.name,
    modeledRttUs: pingRttUs(
      profile,
      pathByName(r.name)!.context,
      r.run.counts,
      linkGbps,
      98,
      r.run.txCounts.packets > 0 ? r.run.txCounts : undefined,
    ),
    ratioToNative: 0,
  }));
  const native =
    out.find((p) => p.path === "native")?.modeledRttUs ??
    pingRttUs(profile, "host", rows[0]?.run.counts ?? ({ packets: 1 } as never), linkGbps);
  for (const p of out) p.ratioToNative = p.modeledRttUs / native;
  return out;
}
