// The work behind `iovsim switch`: build a private host from the user's host description, apply
// an iovctl.conf to it in memory (the user's state is never written), program the embedded
// switch from the PF's VFs, replay capture files into it (the wire and/or VF/PF Tx rings) and
// collect what each function received and what left on the wire.
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { isSpecialFile, readFailure } from "../input-file.ts";
import { Host, KernelError, loadHost } from "../nic/index.ts";
import { loadIovConfig } from "../nic/iovctl-validate.ts";
import { getProfile, requireInnerRss } from "../nic/profile.ts";
import type { PfRecord } from "../nic/types.ts";
import { uclFileSource } from "../nic/ucl-include.ts";
import { kernelRefusal, noSuchPf } from "../paths/setup.ts";
import type {
  CopyDrop,
  FrameDropReason,
  SwitchConfig,
  SwitchCounters,
  SwitchDecision,
} from "../switch/config.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { programSwitch, setPoolMtu } from "../switch/program.ts";
import { ReferenceSwitch } from "../switch/reference/veb.ts";
import { applyPromisc, inputPool, poolOfPort, portMac, type RefusedVf } from "../switch/replay-ports.ts";
import {
  type CaptureDrop,
  CaptureFormatError,
  LINKTYPE_ETHERNET,
  linktypeLabel,
  type PacketRecord,
} from "../traffic/capture.ts";
import {
  corruptTailNote,
  droppedRecordsNote,
  irregularRecordsNote,
  readCaptureInput,
  recordOrdinal,
} from "../traffic/capture-io.ts";
import { rewriteDestination, stampedOutOfOrder } from "../traffic/replay.ts";

/** One switch implementation behind the runner (the Wasm kernels, or the TypeScript reference). */
export interface SwitchEngine {
  readonly name: string;
  receiveFromWire(frame: Uint8Array): SwitchDecision;
  transmitFromPool(pool: number, frame: Uint8Array): SwitchDecision;
  /** The functions' drivers take every received frame (rings never fill in this replay). */
  drainAll(): void;
  counters(): SwitchCounters;
  conservation(): string[];
}

/** Engine settings beyond the switch configuration. */
export interface EngineOptions {
  /** UDP destination ports decoded as VXLAN besides 4789 (tunnel-aware RSS). */
  vxlanPorts?: number[];
}

export function referenceEngine(config: SwitchConfig, opts: EngineOptions = {}): SwitchEngine {
  const sw = new ReferenceSwitch(config, { vxlanPorts: opts.vxlanPorts ?? [] });
  return {
    name: "reference (TypeScript, src/switch/reference)",
    receiveFromWire: (f) => sw.receiveFromWire(f),
    transmitFromPool: (p, f) => sw.transmitFromPool(p, f),
    drainAll: () => {
      sw.drainAll();
    },
    counters: () => structuredClone(sw.counters),
    conservation: () => sw.conservation(),
  };
}

/**
 * The Wasm switch (src/switch/nic.ts), stepped one frame at a time so every output keeps its
 * input's timestamp and every frame gets its own decision: inject, run the kernels, read the
 * kernel's trace record for that frame, drain the Rx rings and the wire-out ring.
 */
export async function wasmEngine(config: SwitchConfig, opts: EngineOptions = {}): Promise<SwitchEngine> {
  const sw = await WasmSwitch.create(config, { traceCapacity: 64, vxlanPorts: opts.vxlanPorts ?? [] });
  const violations: string[] = [];
  let offered = 0;
  let traced = 0;
  let copiesTraced = 0;
  let copiesDrained = 0;
  const step = (source: SwitchDecision["source"], inject: () => void): SwitchDecision => {
    offered++;
    inject();
    sw.run();
    const trace = sw.takeTrace();
    const deliveries = sw.drainAll();
    const wire = sw.wireOut();
    copiesDrained += deliveries.length;
    const d: SwitchDecision = {
      source,
      dropped: null,
      deliveries,
      copyDrops: [],
      toWire: false,
      wireBytes: null,
      padded: false,
    };
    if (trace.length === 0) {
      // Not processed: the frame waits in its Tx ring (transmit disabled) - in flight, not lost.
      d.dropped = "tx-disabled";
      return d;
    }
    if (trace.length !== 1) violations.push(`frame ${offered}: ${trace.length} trace records for one frame`);
    traced += trace.length;
    const t = trace[0];
    copiesTraced += t.delivered.length;
    d.dropped = t.dropped as FrameDropReason | null;
    d.toWire = t.toWire;
    d.wireBytes = wire[0] ?? null;
    d.padded = t.padded;
    const drops: CopyDrop[] = [
      ...t.oversizeDropped.map((pool) => ({ pool, queue: null, reason: "oversize" as const })),
      ...t.noDescDropped.map((pool) => ({ pool, queue: null, reason: "no-desc" as const })),
    ];
    d.copyDrops = drops.sort((a, b) => a.pool - b.pool);
    if (t.toWire !== (wire.length === 1))
      violations.push(`frame ${offered}: trace says toWire=${t.toWire}, wire got ${wire.length}`);
    return d;
  };
  return {
    name: "wasm (AssemblyScript kernels, src/switch/nic.ts)",
    receiveFromWire: (f) => step({ kind: "wire" }, () => sw.injectWire([f])),
    transmitFromPool: (p, f) => step({ kind: "pool", pool: p }, () => sw.injectTx(p, [f])),
    drainAll: () => {
      copiesDrained += sw.drainAll().length;
    },
    counters: () => sw.counters(),
    conservation: () => {
      const out = [...violations];
      const held = sw.inFlight();
      if (offered !== traced + held)
        out.push(`frames offered ${offered} != switched ${traced} + in flight ${held}`);
      if (copiesTraced !== copiesDrained)
        out.push(`copies delivered ${copiesTraced} != drained ${copiesDrained}`);
      const res = sw.resourceDrops();
      if (res.noBuffer || res.wireOutFull)
        out.push(`simulator resource drops: no-buffer ${res.noBuffer}, wire-full ${res.wireOutFull}`);
      return out;
    },
  };
}

export interface SwitchInput {
  /** "wire", "PF" or "VF-<n>". */
  port: string;
  file: string;
}

export interface RunOptions {
  confFile: string;
  stateDir: string;
  inputs: SwitchInput[];
  rssLevel?: "outer" | "inner";
  /** Standard input, for an input file `-` (default: fd 0). */
  readStdin?: () => Uint8Array;
  /** Extra VXLAN UDP ports (besides 4789) for the switch's parser. */
  vxlanPorts?: number[];
  makeEngine?: (config: SwitchConfig, opts: EngineOptions) => SwitchEngine | Promise<SwitchEngine>;
  /** Rewrite the destination MAC of unicast wire frames to this port's MAC ("PF" or "VF-<n>"). */
  rewriteDst?: string;
  /** Ports put in unicast promiscuous mode before the replay (a VF must be allowed to). */
  promisc?: string[];
  /** MTUs the functions' drivers set before the replay (their pools' receive size limits). */
  mtu?: PortMtu[];
}

/** `--mtu PORT=N`: a function's driver runs at MTU N. */
export interface PortMtu {
  port: string;
  mtu: number;
}

export interface FunctionTally {
  name: string;
  /** Frames replayed from this function's input file (Tx for PF/VF, Rx for the wire). */
  offered: number;
  /** Frames received into this function's queues (copies). */
  received: number;
  /** Frames this function sent that left through the wire port / frames the wire received. */
  toWire: number;
  dropped: number;
}

export interface RunResult {
  engine: string;
  pf: PfRecord;
  config: SwitchConfig;
  /** Received frames per function name ("PF", "VF-0", ...), per queue. */
  received: Map<string, Array<{ queue: number; rec: PacketRecord }>>;
  wire: PacketRecord[];
  tallies: FunctionTally[];
  dropReasons: Record<string, number>;
  copyDropReasons: Record<string, number>;
  counters: SwitchCounters;
  conservation: string[];
  skippedNonEthernet: number;
  /** Replayed frames the capture had cut (caplen < wire length): replayed as captured. */
  snaplenCut: number;
  /** Records the capture readers dropped (a pcapng interface no IDB declared), all inputs. */
  recordsDropped: number;
  /** Per input, in words: records skipped (link type), frames cut by a snaplen, no frames at all. */
  inputNotes: string[];
  /** VFs of the configuration the PF driver refused: they have no pool. */
  refused: RefusedVf[];
  /** Inputs whose tail was corrupt: what was read, and what was left out from where. */
  corruptTails: CorruptTail[];
}

/** An --in capture cut short: its whole records were replayed, the rest left out. */
export interface CorruptTail {
  port: string;
  file: string;
  /** Where the capture stops being whole, and how many bytes from there were not read. */
  offset: number;
  bytesLeftOut: number;
  wholeRecords: number;
  note: string;
}

/**
 * Applies the configuration on a private copy of the user's host; returns the PF and the VFs
 * its driver refused (as on FreeBSD, the others are created and iovctl -C succeeds).
 */
export async function configureHost(
  confFile: string,
  stateDir: string,
): Promise<{ pf: PfRecord; refused: RefusedVf[] }> {
  let text: string;
  if (isSpecialFile(confFile)) throw new UserError("E_READ", `${confFile}: not a regular file`);
  try {
    text = readFileSync(confFile, "utf8");
  } catch (e) {
    throw new UserError("E_READ", `${confFile}: ${readFailure(e)}`);
  }
  // The user's host description (PFs, NICs), but none of its VFs: a private, in-memory host.
  const userHost = await loadHost(stateDir);
  const host = Host.fresh(structuredClone(userHost.state.spec), userHost.state.hostSource);
  const loaded = loadIovConfig(
    text,
    (device) => {
      try {
        return host.schema(host.openIovDevice(`/dev/iov/${device}`));
      } catch {
        return undefined;
      }
    },
    uclFileSource(confFile),
  );
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const d = errors[0];
    throw new UserError("E_CONFIG", `${d.file ?? confFile}:${d.line}:${d.column}: ${d.message}`);
  }
  if (!loaded.device) throw new UserError("E_CONFIG", `${confFile}: no PF device`);
  let pfName: string;
  try {
    pfName = host.openIovDevice(`/dev/iov/${loaded.device}`);
  } catch {
    throw new UserError("E_CONFIG", noSuchPf(host, loaded.device, confFile, loaded.devicePos, false));
  }
  if (!loaded.config) throw new UserError("E_CONFIG", `${confFile}: the configuration is incomplete`);
  let refused: RefusedVf[];
  try {
    refused = host.iovConfig(pfName, loaded.config).dropped.map((d) => ({
      index: d.index,
      errno: d.errno,
      reason: d.reason,
    }));
  } catch (e) {
    if (e instanceof KernelError) throw new UserError("E_CONFIG", kernelRefusal(e, loaded, confFile));
    throw e;
  }
  const pf = host.pf(pfName);
  if (!pf) throw new Error(`internal: PF ${pfName} vanished`);
  return { pf, refused };
}

/** The PF's VFs in pool order (pool i is the i-th VF by index; a refused VF leaves no pool). */
function vfsInPoolOrder(pf: PfRecord) {
  return [...pf.vfs].sort((a, b) => a.index - b.index);
}

export function functionName(pool: number, pf: PfRecord): string {
  return pool === pf.vfs.length ? "PF" : `VF-${vfsInPoolOrder(pf)[pool].index}`;
}

/** The MAC address of a port given to --rewrite-dst ("PF" or "VF-<n>"). */
function rewriteMac(pf: PfRecord, port: string, refused: readonly RefusedVf[]): Uint8Array {
  if (port === "wire")
    throw new UserError("E_USAGE", "option '--rewrite-dst': 'wire' has no MAC; name PF or VF-<n>");
  return portMac(pf, port, "--rewrite-dst", refused);
}

/** Record numbers as a reader finds them again (1-based, as `decode` numbers frames): the first few. */
function recordList(seqs: number[], dropped: readonly CaptureDrop[]): string {
  const shown = seqs.slice(0, 3).map((s) => recordOrdinal(s, dropped));
  return `record${seqs.length === 1 ? "" : "s"} ${shown.join(", ")}${seqs.length > 3 ? ", ..." : ""}`;
}

/**
 * What an input held besides plain Ethernet frames, naming the input and where: records of
 * another link type (skipped), frames a snaplen cut (replayed as captured), or no frame at all.
 */
function captureNotes(
  input: string,
  records: PacketRecord[],
  skipped: number[],
  cut: number[],
  corrupt: boolean,
  dropped: readonly CaptureDrop[],
): string[] {
  const notes: string[] = [];
  if (records.length === 0 && !corrupt)
    notes.push(
      `${input}: the capture holds no frames${dropped.length > 0 ? ` it could carry (${dropped.length} record${dropped.length === 1 ? "" : "s"} dropped, below)` : ""}`,
    );
  if (skipped.length > 0) {
    const types = [...new Set(skipped.map((s) => records[s]!.linktype))].map(linktypeLabel);
    notes.push(
      `${input}: skipped ${skipped.length} record${skipped.length === 1 ? "" : "s"} of link type ${types.join(", ")}, not Ethernet (${recordList(skipped, dropped)})`,
    );
  }
  if (cut.length > 0) {
    const first = records[cut[0]!]!;
    notes.push(
      `${input}: ${cut.length} frame${cut.length === 1 ? " was" : "s were"} cut by the capture's snaplen (${recordList(cut, dropped)}; the first has ${first.data.length} of ${first.origLen} bytes); replayed as captured (shorter than on the wire)`,
    );
  }
  return notes;
}

/** One frame to replay: its input port, the pool or wire it enters from, its --in position. */
interface ReplayEvent {
  ts: bigint;
  src: number | "wire";
  port: string;
  rec: PacketRecord;
  order: number;
}

/**
 * The replay order: each input in its file order (as tcpreplay sends a capture and a NIC
 * receives it, even where the capture's timestamps go backwards), the inputs merged by the
 * timestamp of their next frame, as mergecap merges captures; equal timestamps keep the order
 * of the --in options. Inputs are few: picking the earliest head each time is enough.
 */
export function replayOrder<E extends { ts: bigint }>(inputs: readonly (readonly E[])[]): E[] {
  const next = inputs.map(() => 0);
  const out: E[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < inputs.length; i++) {
      const head = inputs[i]![next[i]!];
      if (head && (pick < 0 || head.ts < inputs[pick]![next[pick]!]!.ts)) pick = i;
    }
    if (pick < 0) return out;
    out.push(inputs[pick]![next[pick]++]!);
  }
}

export async function runSwitch(opts: RunOptions): Promise<RunResult> {
  const { pf, refused } = await configureHost(opts.confFile, opts.stateDir);
  const profile = getProfile(pf.profile);
  if (opts.rssLevel === "inner" && profile) {
    const extra = opts.vxlanPorts?.length ? ` (and '--vxlan-port ${opts.vxlanPorts[0]}' with it)` : "";
    requireInnerRss(profile, pf.name, `option '--rss inner'${extra}`);
  }
  const config = programSwitch(pf, { rssLevel: opts.rssLevel ?? "outer" });
  // --promisc PORT (src/switch/replay-ports.ts, shared with paths --pcap).
  for (const port of opts.promisc ?? []) applyPromisc(config, pf, port, { file: opts.confFile, refused });
  for (const m of opts.mtu ?? []) setPoolMtu(config, poolOfPort(pf, m.port, "--mtu", refused), m.mtu);
  const rewriteTo = opts.rewriteDst === undefined ? undefined : rewriteMac(pf, opts.rewriteDst, refused);
  const engine = await (opts.makeEngine ?? referenceEngine)(config, { vxlanPorts: opts.vxlanPorts ?? [] });

  // Read every input first (errors before any work), then replay them merged by timestamp
  // (replayOrder); ties keep the order of the --in options: deterministic.
  const perInput: ReplayEvent[][] = [];
  let skippedNonEthernet = 0;
  let snaplenCut = 0;
  let recordsDropped = 0;
  const inputNotes: string[] = [];
  const corruptTails: CorruptTail[] = [];
  opts.inputs.forEach((input, order) => {
    const src = inputPool(pf, input.port, "--in", refused);
    let contents: ReturnType<typeof readCaptureInput>;
    try {
      contents = readCaptureInput(input.file, opts.readStdin);
    } catch (e) {
      if (e instanceof CaptureFormatError) throw new UserError("E_CAPTURE", e.message);
      throw e;
    }
    const tail = corruptTailNote(contents);
    if (contents.error && tail)
      corruptTails.push({
        port: input.port,
        file: input.file,
        offset: contents.error.offset,
        bytesLeftOut: contents.size - contents.error.offset,
        wholeRecords: contents.records.length,
        note: `--in ${input.port}=${tail}`,
      });
    const skipped: number[] = [];
    const cut: number[] = [];
    const events: ReplayEvent[] = [];
    contents.records.forEach((rec, seq) => {
      if (rec.linktype !== LINKTYPE_ETHERNET) skipped.push(seq);
      else {
        if (rec.data.length < rec.origLen) cut.push(seq);
        events.push({ ts: rec.ts, src, port: input.port, rec, order });
      }
    });
    perInput.push(events);
    skippedNonEthernet += skipped.length;
    snaplenCut += cut.length;
    recordsDropped += contents.dropped.length;
    const name = `--in ${input.port}=${input.file}`;
    inputNotes.push(
      ...captureNotes(name, contents.records, skipped, cut, !!contents.error, contents.dropped),
    );
    const dropped = droppedRecordsNote(name, contents.dropped);
    if (dropped) inputNotes.push(dropped);
    const irregular = irregularRecordsNote(name, contents.irregular);
    if (irregular) inputNotes.push(irregular);
    const backwards = stampedOutOfOrder(events.map((e) => e.ts));
    if (backwards > 0)
      inputNotes.push(
        `${name}: stamps ${backwards} of its ${events.length} frames earlier than the frame before them (out of order); replayed in file order, as tcpreplay sends and a NIC receives them`,
      );
  });
  const events = replayOrder(perInput);

  const names = [...vfsInPoolOrder(pf).map((v) => `VF-${v.index}`), "PF"];
  const received = new Map<string, Array<{ queue: number; rec: PacketRecord }>>(names.map((n) => [n, []]));
  const tallies = new Map<string, FunctionTally>(
    ["wire", ...names].map((n) => [n, { name: n, offered: 0, received: 0, toWire: 0, dropped: 0 }]),
  );
  const wire: PacketRecord[] = [];
  const dropReasons: Record<string, number> = {};
  const copyDropReasons: Record<string, number> = {};

  for (const ev of events) {
    const d =
      ev.src === "wire"
        ? engine.receiveFromWire(rewriteTo ? rewriteDestination(ev.rec.data, rewriteTo) : ev.rec.data)
        : engine.transmitFromPool(ev.src, ev.rec.data);
    const t = tallies.get(ev.port)!;
    t.offered++;
    for (const del of d.deliveries) {
      const name = functionName(del.pool, pf);
      received.get(name)!.push({
        queue: del.queue,
        rec: { ts: ev.ts, data: del.bytes, origLen: del.bytes.length, iface: 0, linktype: 1 },
      });
      tallies.get(name)!.received++;
    }
    for (const cd of d.copyDrops) copyDropReasons[cd.reason] = (copyDropReasons[cd.reason] ?? 0) + 1;
    if (d.toWire && d.wireBytes) {
      wire.push({ ts: ev.ts, data: d.wireBytes, origLen: d.wireBytes.length, iface: 0, linktype: 1 });
      t.toWire++;
    }
    if (d.dropped) {
      t.dropped++;
      dropReasons[d.dropped] = (dropReasons[d.dropped] ?? 0) + 1;
    }
    engine.drainAll();
  }

  tallies.get("wire")!.received = wire.length;
  return {
    engine: engine.name,
    pf,
    config,
    received,
    wire,
    tallies: [...tallies.values()],
    dropReasons,
    copyDropReasons,
    counters: engine.counters(),
    conservation: engine.conservation(),
    skippedNonEthernet,
    snaplenCut,
    recordsDropped,
    inputNotes,
    refused,
    corruptTails,
  };
}
