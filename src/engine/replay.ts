// The engine's side of capture replay (src/traffic/replay.ts): the generator's templates from a
// capture (destinations rewritten on request), the switch set up for it (--promisc), and the
// arrival times of the NIC's replication copies. Captured bytes are never stamped: the generator
// writes each frame's arrival into a side table per buffer (assembly/elements/gen.ts G_SIDE) and the sinks
// read it (S_SIDE). A broadcast or multicast frame the switch copies to several pools reaches the
// consumer either in its own buffer (the entry is there) or in a fresh copy: the switch's
// per-frame trace says which frames reached the consumer's pool, in order, so each copy gets the
// arrival time of the frame it was made from.
import * as A from "../../assembly/abi.ts";
import { UserError } from "../errors.ts";
import { ENGINE_PATHS, type EnginePath, enginePath, txReplayable } from "../paths/path-graphs.ts";
import { macToBytes, type SwitchConfig } from "../switch/config.ts";
import { applyPromisc, portMac, type VfSource } from "../switch/replay-ports.ts";
import type { TemplateSet } from "../traffic/profiles.ts";
import {
  captureGapsPs,
  loadReplayCapture,
  type ReplaySpec,
  replayTemplates,
  rewriteDestination,
  rewriteSource,
} from "../traffic/replay.ts";
import type { SimContext } from "./context.ts";

/** Trace records kept per switch burst (a burst takes at most the wire ring's 1024 frames). */
export const REPLAY_TRACE_CAPACITY = 4096;

/** What a path's NIC binding gives replay: the consumer (its pool) and the MAC frames go to. */
export interface ReplayBinding {
  nic: { pf: import("../nic/types.ts").PfRecord; consumer: number | "pf" };
  mac: string;
}

/** "consumer" names the path's own consumer port; other names are PF or VF-<n>. */
function portName(port: string, b: ReplayBinding): string {
  if (port !== "consumer") return port;
  return b.nic.consumer === "pf" ? "PF" : `VF-${b.nic.consumer}`;
}

/** The generator's templates: the capture's frames, destinations (rx) or sources (tx)
 *  rewritten as asked. */
export function replayTemplateSet(spec: ReplaySpec, b: ReplayBinding): TemplateSet {
  const cap = loadReplayCapture(spec.file);
  let frames = cap.frames;
  if (spec.rewriteSrc !== undefined) {
    // "consumer": the sender's own MAC (its pool's, or the one behind a bridge).
    const mac =
      spec.rewriteSrc === "consumer"
        ? macToBytes(b.mac.toLowerCase())
        : portMac(b.nic.pf, spec.rewriteSrc, "--rewrite-src");
    frames = frames.map((f) => rewriteSource(f, mac));
  }
  if (spec.rewriteDst !== undefined) {
    // "consumer": the MAC generated traffic is sent to (behind a bridge for virtio, jail-epair).
    const mac =
      spec.rewriteDst === "consumer"
        ? macToBytes(b.mac.toLowerCase())
        : portMac(b.nic.pf, spec.rewriteDst, "--rewrite-dst");
    frames = frames.map((f) => rewriteDestination(f, mac, spec.rewriteAll ?? false));
  }
  return replayTemplates(frames, spec.timing === "capture" ? captureGapsPs(cap.tsNs).gapsPs : undefined);
}

/** The switch set up for the replay: ports put in promiscuous mode, as their drivers would ask. */
export function replayNic(
  spec: ReplaySpec,
  b: ReplayBinding,
  source: VfSource,
): { configure?: (config: SwitchConfig) => void } {
  const ports = spec.promisc ?? [];
  if (ports.length === 0) return {};
  return {
    configure: (config) => {
      for (const p of ports) applyPromisc(config, b.nic.pf, portName(p, b), source, "--promisc", p);
    },
  };
}

/** The paths a capture replays on when their consumer sends it (EnginePath.txReplay says why). */
export const TX_REPLAY_PATHS: readonly string[] = ENGINE_PATHS.filter(txReplayable).map((p) => p.name);

/**
 * A capture replays in one direction: rx (from the wire to the path's consumer) or tx (the
 * consumer sends it to the wire). Options of the other direction are refused, naming them.
 */
export function checkReplayDirection(spec: ReplaySpec, direction: string, path?: string | EnginePath): void {
  if (direction === "both")
    throw new UserError(
      "E_USAGE",
      "--pcap replays a capture in one direction: --direction rx (from the wire to each path's consumer) or tx (each path's consumer sends it to the wire), not both",
    );
  if (direction === "rx") {
    if (spec.rewriteSrc !== undefined)
      throw new UserError(
        "E_USAGE",
        "--rewrite-src applies to a capture sent by the consumer: --direction tx",
      );
    return;
  }
  if (direction !== "tx") throw new UserError("E_USAGE", `--direction: '${direction}' is not rx, tx or both`);
  if (spec.rewriteDst !== undefined || spec.rewriteAll)
    throw new UserError(
      "E_USAGE",
      `${spec.rewriteDst !== undefined ? "--rewrite-dst" : "--rewrite-dst-all"} applies to a capture replayed toward a consumer (--direction rx); with --direction tx the frames leave with their captured destinations (--rewrite-src PORT sets their source)`,
    );
  if ((spec.promisc ?? []).length > 0)
    throw new UserError(
      "E_USAGE",
      "--promisc applies to receiving (--direction rx); with --direction tx the consumer sends the capture",
    );
  const graph = typeof path === "string" ? enginePath(path) : path;
  if (path !== undefined && !(graph && txReplayable(graph)))
    throw new UserError(
      "E_USAGE",
      `--pcap --direction tx: path '${typeof path === "string" ? path : path.name}' is not supported (the looped-back peer may receive the NIC's copies, and the replay's timing does not follow them); tx replay runs on ${TX_REPLAY_PATHS.join(", ")}`,
    );
}

/** Checks the replay options against a configuration before any simulation (CLI). */
export function checkReplayPorts(
  spec: ReplaySpec,
  b: ReplayBinding,
  config: SwitchConfig,
  source: VfSource,
): void {
  if (spec.rewriteDst !== undefined && spec.rewriteDst !== "consumer")
    portMac(b.nic.pf, spec.rewriteDst, "--rewrite-dst");
  if (spec.rewriteSrc !== undefined && spec.rewriteSrc !== "consumer")
    portMac(b.nic.pf, spec.rewriteSrc, "--rewrite-src");
  const { configure } = replayNic(spec, b, source);
  configure?.(config);
  if (spec.rewriteAll && spec.rewriteDst === undefined)
    throw new UserError("E_USAGE", "--rewrite-dst-all needs --rewrite-dst PORT");
}

/**
 * Gives the NIC's copies the arrival time of the frame they were made from. `before` records the
 * input frames of a switch burst; `after` reads the switch's trace and the consumer's rings.
 */
export class ReplayCopyTimes {
  private readonly side: number;
  private inputs: number[] = [];
  private times: number[] = [];
  private readonly pool: number;

  constructor(private readonly ctx: SimContext) {
    this.side = ctx.built.replaySide!;
    this.pool = ctx.built.nic?.pool ?? -1;
  }

  private readTime(buf: number): [number, number] {
    const i = (this.side + 8 * buf) >>> 2;
    return [this.ctx.u32[i], this.ctx.u32[i + 1]];
  }

  /** The `n` frames waiting on `ring` from its head: their buffers and arrival times. */
  before(ring: number, n: number): void {
    const u32 = this.ctx.u32;
    const head = u32[(ring + A.R_HEAD) >>> 2];
    const mask = u32[(ring + A.R_MASK) >>> 2];
    const desc = u32[(ring + A.R_DESC) >>> 2];
    this.inputs.length = 0;
    this.times.length = 0;
    for (let k = 0; k < n; k++) {
      const buf = u32[(desc + ((head + k) & mask) * A.DESC_BYTES + A.D_BUF) >>> 2];
      const [lo, hi] = this.readTime(buf);
      this.inputs.push(buf);
      this.times.push(lo, hi);
    }
  }

  /** After the burst: `taken` frames switched; the consumer's rings gained [from, tail). */
  after(taken: number, rings: Array<{ ring: number; from: number; to: number }>): void {
    const u32 = this.ctx.u32;
    const st = this.ctx.built.nic!.sw.sl.switchState;
    const trace = u32[(st + A.SS_TRACE) >>> 2];
    const count = u32[(st + A.SS_TRACE_COUNT) >>> 2];
    u32[(st + A.SS_TRACE_COUNT) >>> 2] = 0;
    // Input frames (by position) the switch delivered to the consumer's pool, in order.
    const reached: number[] = [];
    const traced = count === taken;
    if (traced && this.pool >= 0) {
      const word = (trace + A.TR_DELIVERED + 4 * (this.pool >>> 5)) >>> 2;
      const bit = 1 << (this.pool & 31);
      for (let i = 0; i < taken; i++) if (u32[word + (i * A.TRACE_BYTES) / 4] & bit) reached.push(i);
    }
    const position = new Map<number, number>();
    for (let i = 0; i < taken; i++) position.set(this.inputs[i], i);
    const used = new Set<number>();
    for (const r of rings) {
      const mask = u32[(r.ring + A.R_MASK) >>> 2];
      const desc = u32[(r.ring + A.R_DESC) >>> 2];
      let last = -1;
      let next = 0;
      for (let t = r.from; t !== r.to; t = (t + 1) >>> 0) {
        const buf = u32[(desc + (t & mask) * A.DESC_BYTES + A.D_BUF) >>> 2];
        const own = position.get(buf);
        if (own !== undefined) {
          // The frame's own buffer: its entry is the generator's.
          used.add(own);
          last = own;
          continue;
        }
        // A copy: the next frame, after this ring's last, that reached the pool and is unclaimed
        // (with several queues, frames of different queues interleave; one queue is exact).
        while (next < reached.length && (reached[next] <= last || used.has(reached[next]))) next++;
        const i = (this.side + 8 * buf) >>> 2;
        if (next < reached.length) {
          const src = reached[next++];
          used.add(src);
          last = src;
          u32[i] = this.times[2 * src];
          u32[i + 1] = this.times[2 * src + 1];
        } else {
          // Not traceable (should not happen): counted as delivered, its latency not measured.
          u32[i] = 0xffffffff;
          u32[i + 1] = 0xffffffff;
        }
      }
    }
  }
}
