// Replaying a capture through the virtual-time engine (`iovsim paths --pcap FILE`): the frames
// of a pcap or pcapng file become the generator's templates, sent as captured (never patched or
// stamped) and looped to fill the trial. Frames the engine cannot carry are counted and dropped
// here with their reason; everything else goes to the NIC's switch, which counts its own drops
// (runts, oversize, filters). Pacing: re-paced at the offered rate (the RFC 2544 search and the
// load points work on replayed traffic as on generated traffic) or at the capture's own
// timestamps. Latency: the generator writes each frame's arrival into a side table per buffer
// (assembly/elements/gen.ts G_SIDE), never into the captured bytes.
import { readFileSync, statSync } from "node:fs";
import { UserError } from "../errors.ts";
import { type CaptureFormat, CaptureFormatError, LINKTYPE_ETHERNET } from "./capture.ts";
import {
  corruptTailNote,
  droppedRecordsNote,
  irregularRecordsNote,
  readCapture,
  readCaptureFile,
} from "./capture-io.ts";
import { MAX_FRAME_BYTES, type Template, type TemplateSet } from "./profiles.ts";

export type ReplayTiming = "paced" | "capture";

/** What a simulation replays (plain data: it crosses to worker threads). */
export interface ReplaySpec {
  /** The capture file (absolute path: workers read it themselves). */
  file: string;
  /** paced (default): at the offered rate; capture: at the capture's own timestamps. */
  timing: ReplayTiming;
  /** Rewrite destination MACs to this port's: "consumer" (each path's), "PF" or "VF-<n>". */
  rewriteDst?: string;
  /** With rewriteDst: group (broadcast/multicast) destinations too. */
  rewriteAll?: boolean;
  /** Ports put in unicast promiscuous mode for the run (refused where the config forbids it). */
  promisc?: string[];
  /** Transmit direction: rewrite source MACs to this port's ("consumer": the sender's own). */
  rewriteSrc?: string;
}

/** The longest captured frame replayed: the largest any modelled NIC takes (MAX_FRAME_BYTES,
 *  9728 with FCS; a capture's frames have none). The generators' buffers are the NIC switch's,
 *  which hold it; a path whose MTU is below it drops it as oversize (paths --mtu). */
export const REPLAY_MAX_FRAME = MAX_FRAME_BYTES - 4;
/** Frames replayed at most (one template each; looped). */
export const REPLAY_MAX_FRAMES = 4096;

export interface ReplayCapture {
  file: string;
  format: CaptureFormat;
  /** Records read from the file (before anything was dropped). */
  records: number;
  /** Frames replayed, in file order, and their timestamps relative to the first (ns). */
  frames: Uint8Array[];
  tsNs: number[];
  /** Records not replayed, by reason (counted and dropped before the engine). */
  dropped: Record<string, number>;
  /** Replayed frames the capture's snaplen had cut (sent as captured). */
  snaplenCut: number;
  notes: string[];
}

const cache = new Map<string, { mtimeMs: number; size: number; capture: ReplayCapture }>();
/** Files that stand for something else in messages (standard input spooled to a file). */
const shownNames = new Map<string, string>();

/** Messages about `file` name it `shown` (undefined: by its path again). */
export function nameCaptureFile(file: string, shown: string | undefined): void {
  if (shown === undefined) shownNames.delete(file);
  else shownNames.set(file, shown);
  cache.delete(file);
}

/** How messages name a capture file (its own path unless nameCaptureFile said otherwise). */
export function shownCaptureName(file: string): string {
  return shownNames.get(file) ?? file;
}

/** Reads a capture for replay; a file that is not a capture is a located user error. */
export function loadReplayCapture(file: string): ReplayCapture {
  let st: { mtimeMs: number; size: number } | undefined;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  const hit = cache.get(file);
  if (st && hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.capture;
  const capture = readReplay(file);
  if (st) cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, capture });
  return capture;
}

function readReplay(path: string): ReplayCapture {
  const file = shownCaptureName(path);
  let contents: ReturnType<typeof readCaptureFile>;
  try {
    contents = file === path ? readCaptureFile(path) : readCapture(readFileSync(path), file);
  } catch (e) {
    if (e instanceof CaptureFormatError) throw new UserError("E_CAPTURE", `--pcap ${e.message}`);
    throw e;
  }
  const dropped: Record<string, number> = {};
  const drop = (why: string) => {
    dropped[why] = (dropped[why] ?? 0) + 1;
  };
  const notes: string[] = [];
  const tail = corruptTailNote(contents);
  const droppedNote = droppedRecordsNote(file, contents.dropped);
  if (droppedNote) notes.push(droppedNote);
  const irregularNote = irregularRecordsNote(file, contents.irregular);
  if (irregularNote) notes.push(irregularNote);
  if (tail) notes.push(tail);
  for (const d of contents.dropped) drop(d.reason);
  const frames: Uint8Array[] = [];
  const ts: bigint[] = [];
  let snaplenCut = 0;
  for (const r of contents.records) {
    if (r.linktype !== LINKTYPE_ETHERNET) drop(`not Ethernet (linktype ${r.linktype})`);
    else if (r.data.length === 0) drop("empty record");
    else if (r.data.length > REPLAY_MAX_FRAME)
      drop(`longer than ${REPLAY_MAX_FRAME} bytes (the largest frame any modelled NIC takes)`);
    else if (frames.length >= REPLAY_MAX_FRAMES) drop(`beyond the first ${REPLAY_MAX_FRAMES} frames`);
    else {
      if (r.data.length < r.origLen) snaplenCut++;
      frames.push(Uint8Array.from(r.data)); // a copy: a Buffer's slice() would be a view
      ts.push(r.ts);
    }
  }
  if (contents.error) dropped["unreadable (corrupt record)"] = 1;
  if (frames.length === 0)
    throw new UserError(
      "E_CAPTURE",
      `--pcap ${file}: no frame to replay (${contents.records.length + contents.dropped.length} record${contents.records.length + contents.dropped.length === 1 ? "" : "s"} read${Object.keys(dropped).length ? `; dropped: ${describeDrops(dropped)}` : ""})`,
    );
  const t0 = ts[0];
  return {
    file,
    format: contents.format,
    records: contents.records.length + contents.dropped.length + (contents.error ? 1 : 0),
    frames,
    tsNs: ts.map((t) => Number(t - t0)),
    dropped,
    snaplenCut,
    notes,
  };
}

export function describeDrops(d: Record<string, number>): string {
  return Object.entries(d)
    .map(([why, n]) => `${n} ${why}`)
    .join(", ");
}

/** A group (broadcast or multicast) destination: the I/G bit of the first octet. */
export function isGroupFrame(frame: Uint8Array): boolean {
  return frame.length >= 1 && (frame[0] & 1) === 1;
}

/**
 * The frame sent to `mac` instead. Unicast only unless `all` (broadcast and multicast frames
 * already reach every port that accepts them; rewriting them changes what they are). A frame too
 * short to hold a destination is left for the switch to count as a runt.
 */
export function rewriteDestination(frame: Uint8Array, mac: Uint8Array, all = false): Uint8Array {
  if (frame.length < 6 || (!all && isGroupFrame(frame))) return frame;
  const copy = Uint8Array.from(frame); // never a view (a Buffer's slice() is one)
  copy.set(mac, 0);
  return copy;
}

/** The frame sent from `mac` instead (transmit replay: what the sender's anti-spoof check sees). */
export function rewriteSource(frame: Uint8Array, mac: Uint8Array): Uint8Array {
  if (frame.length < 12) return frame; // too short for a source: the switch counts it (MDD)
  const copy = Uint8Array.from(frame);
  copy.set(mac, 6);
  return copy;
}

/**
 * The capture's spacing as gaps (ps) after each frame, looped: after the last frame comes the
 * mean gap of the others. Frames the capture stamps out of order get a zero gap.
 */
export function captureGapsPs(tsNs: readonly number[]): { gapsPs: number[]; ratePps: number } {
  const n = tsNs.length;
  const gaps: number[] = [];
  for (let i = 0; i + 1 < n; i++) gaps.push(Math.max(0, tsNs[i + 1] - tsNs[i]) * 1000);
  const span = gaps.reduce((a, b) => a + b, 0);
  gaps.push(n > 1 ? span / (n - 1) : 0);
  const period = span + gaps[n - 1];
  return { gapsPs: gaps, ratePps: period > 0 ? (n * 1e12) / period : 0 };
}

/** How many frames the capture stamps earlier than the frame before them (out of order). */
export function stampedOutOfOrder<T extends number | bigint>(ts: readonly T[]): number {
  let n = 0;
  for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) n++;
  return n;
}

/** The note for a capture whose timestamps go backwards: those frames follow with no gap. */
export function outOfOrderNote(c: ReplayCapture): string | undefined {
  const n = stampedOutOfOrder(c.tsNs);
  if (n === 0) return undefined;
  return `--pcap-timing capture: ${c.file} stamps ${n} of its ${c.frames.length} frames earlier than the frame before them (out of order); each is sent right after that frame (no gap), in file order`;
}

/** The capture's own offered rate (frames/s), or a user error when its timestamps give none. */
export function captureRatePps(c: ReplayCapture): number {
  const { ratePps } = captureGapsPs(c.tsNs);
  if (!(ratePps > 0)) {
    const back = stampedOutOfOrder(c.tsNs);
    const why =
      c.frames.length === 1
        ? "one frame"
        : back > 0
          ? `timestamps that never advance (${back} of its ${c.frames.length} frames are stamped earlier than the frame before them)`
          : "no time between its frames";
    throw new UserError(
      "E_USAGE",
      `--pcap-timing capture: ${c.file} has ${why}, so it gives no rate; replay it re-paced (the default) with --rate R or the NDR search`,
    );
  }
  return ratePps;
}

/** The generator's templates: one per frame, in capture order, looped. */
export function replayTemplates(frames: readonly Uint8Array[], gapsPs?: number[]): TemplateSet {
  const templates: Template[] = frames.map((bytes) => ({
    bytes,
    stampOff: 0,
    flowOff: 0xffff,
    csumOff: 0xffff,
    csumKind: 0,
    requested: bytes.length + 4,
    size: Math.max(64, bytes.length + 4),
  }));
  return {
    templates,
    sequence: frames.map((_, i) => i),
    flowTable: new Uint16Array(1),
    notes: [],
    replay: true,
    ...(gapsPs ? { gapsPs } : {}),
  };
}

/** Mean frame size on the wire (with FCS, at least 64 bytes): line rate is computed from it. */
export function replayFrameBytes(c: ReplayCapture): number {
  return c.frames.reduce((a, f) => a + Math.max(64, f.length + 4), 0) / c.frames.length;
}
