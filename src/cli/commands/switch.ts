// iovsim switch -f iov.conf --in wire=in.pcap [--in VF-1=tx.pcap ...] [--rss outer|inner]
//   [--per-queue] [--format pcap|pcap-ns|pcapng] --out DIR
// Runs capture files through the NIC's embedded switch as configured by an iovctl.conf, and
// writes what every function received, what left on the wire, and the counters.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import Table from "cli-table3";
import { UserError } from "../../errors.ts";
import { FileSetWriteError, type FileToReplace, replaceFilesSync } from "../../fs-atomic.ts";
import { sameFileKey } from "../../input-file.ts";
import { htmlOutputFile, refuseOutputOverInputs, writeErrorReason } from "../../output-file.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine } from "../../report/output-format.ts";
import {
  buildSwitchJson,
  mtuField,
  type SwitchJson,
  switchCsv,
  switchReportCounters,
} from "../../report/switch-json.ts";
import type { SwitchConfig } from "../../switch/config.ts";
import { MAX_JUMBO_FRAME, MAX_MTU, MIN_MTU } from "../../switch/program.ts";
import { canonicalPortName, refusedVfText } from "../../switch/replay-ports.ts";
import type { PacketRecord } from "../../traffic/capture.ts";
import { encodeCapture, type WriteFormat } from "../../traffic/capture-io.ts";
import type { CommandContext } from "../context.ts";
import { refuseRepeatedValues, vxlanPortValues } from "../list-option.ts";
import { defineCommand, type OptionDecl, type Opts } from "../registry.ts";
import {
  type EngineOptions,
  type PortMtu,
  type RunResult,
  referenceEngine,
  runSwitch,
  type SwitchEngine,
  type SwitchInput,
  wasmEngine,
} from "../switch-run.ts";
import { toolVersion } from "../version.ts";

const HELP = `usage: iovsim switch -f iov.conf --in PORT=FILE [--in PORT=FILE ...] [--out DIR]
                     [--rss outer|inner] [--per-queue] [--format pcap|pcap-ns|pcapng]
                     [--engine wasm|reference] [--vxlan-port N ...]
                     [--rewrite-dst PORT] [--promisc PORT ...] [--mtu PORT=N ...]
                     [--json | --csv] [--html FILE]

Creates the VFs of an iovctl.conf(5) on a private, in-memory copy of the simulated host (your
--state is read for the host's NICs but never changed), programs the NIC's embedded switch
from them (MAC filters, VLANs, anti-spoofing, queues, RSS), and replays capture files into it:

  -f, --file CONF     the iovctl.conf(5) to apply (required)
  --in wire=FILE      frames arriving from the wire (receive path)
  --in PF=FILE        frames the PF transmits
  --in VF-<n>=FILE    frames VF n transmits (anti-spoofing, loopback to other VFs, wire)
                      (vf<n>, vf-<n> and pf name the same ports; outputs use VF-<n>, PF)
                      (repeatable; each input in file order, the inputs merged by timestamp
                      as mergecap merges, ties in option order;
                      FILE - reads standard input, for one port: tcpdump -w - | iovsim ...)
  --out DIR           where to write (created if missing; captures of an earlier run there
                      that this run does not write are removed; an --in file among them
                      is refused):
                        wire.pcap          frames that left through the physical port
                        PF.pcap, VF-<n>.pcap   frames each function received (all queues)
                        VF-<n>.q<k>.pcap   with --per-queue, one file per receive queue
                        counters.json      port, pool and queue counters, drops by reason
                      required unless --json, --csv or --html is given
  --json              the summary and every counter as one JSON document on stdout
                      (schema iovsim.switch/1, docs/switch-json.md)
  --csv               one row per counter on stdout: scope,function,queue,counter,value
  --html FILE         also write one self-contained HTML report (counters per VF and queue,
                      drops by reason, the configuration; no network; docs/reports.md)
  --rss outer|inner   hash tunnelled traffic on the outer headers (default, a plain NIC) or
                      on the encapsulated packet (spec §4.7); inner only on a NIC with
                      tunnel-aware RSS (ixl's X710, ice's E810; refused on the 82599
                      and 82576)
  --per-queue         also write one file per receive queue
  --format F          capture format of the outputs: pcap (default, microsecond timestamps),
                      pcap-ns (nanosecond timestamps) or pcapng
  --vxlan-port N      also treat UDP destination port N as VXLAN, e.g. Linux's 8472, for
                      tunnel-aware RSS (--rss inner): one port per option, repeat it for
                      more (at most 15); 4789, the IANA port, always is (giving it changes
                      nothing); 4790 is VXLAN-GPE unless named here
  --engine E          wasm (the Wasm kernels, default) or reference (the TypeScript model);
                      the summary and counters.json name the engine that ran
  --rewrite-dst PORT  replaying a capture taken elsewhere: rewrite the destination MAC of
                      every unicast wire frame to PORT's MAC (PF or VF-<n>) so it reaches
                      PORT; broadcast and multicast frames are left as they are
  --promisc PORT      put PORT (PF or VF-<n>) in unicast promiscuous mode before the replay,
                      as its driver would ask; a VF needs 'allow-promisc: true;' in the
                      configuration (else an error), igb VFs have no such mode (repeatable)
  --mtu PORT=N        PORT's driver runs at MTU N (68..9710; default 1500), as 'ifconfig IF
                      mtu N' in its VM would set it: above 1500, PORT then receives frames up
                      to N + 14 bytes (+4 per VLAN tag) and drops longer ones as oversize; at
                      or below 1500 it keeps the standard 1514-byte limit (the long-packet
                      limit only applies above the standard frame; the drivers only ever raise
                      it) (repeatable, once per port). iovctl.conf has no MTU; without --mtu
                      every function runs at 1500, so a jumbo frame is delivered to none.
                      Frames a function sends are not held to its MTU (the NIC does not check
                      it on transmit)

Every receiving function's driver is assumed to keep up (rings are drained after every
frame), so no-descriptor drops do not occur in this replay. Frames are counted exactly once:
delivered (per copy), sent to the wire, or dropped with a reason (printed and in counters.json).
Records of another link type than Ethernet are skipped and counted (skippedNonEthernet); frames
a capture's snaplen cut short are replayed as captured, and counted (snaplenCut). A capture with
a corrupt tail (a killed tcpdump) is replayed up to its last whole record; a note and
counters.json (corruptTails) name the file, the byte offset and the bytes left out. Notes name
each input's skipped records and cut frames by record number (1-based, as decode numbers them).
One capture given twice for one port is refused (its frames would be replayed twice).

Divergences (docs/divergences.md): the receive size limit is per pool on every NIC (the
82576's VMOLR.RLPML, spec §2.1), with 4 more bytes per VLAN tag as the hardware allows (QEMU's
igb model does not). An 82599 (ix) has one port-wide limit instead (MAXFRS, raised to the
largest VF request by Linux ixgbe_set_vf_lpe), so there a 1500-MTU VF beside a 9000-MTU one
would also receive the jumbo frames; here it drops them. A pcap record longer than the file's
snaplen is replayed whole (libpcap cuts it to the snaplen).
`;

interface SwitchArgs {
  conf: string;
  inputs: SwitchInput[];
  out?: string;
  json: boolean;
  csv: boolean;
  html?: string;
  rss: "outer" | "inner";
  perQueue: boolean;
  format: WriteFormat;
  engine: "wasm" | "reference";
  vxlanPorts: number[];
  rewriteDst?: string;
  promisc: string[];
  mtu: PortMtu[];
}

/** The options `iovsim switch` declares; the registry parses them (src/cli/registry.ts). */
const OPTIONS: OptionDecl[] = [
  { flags: "-f, --file <conf>", description: "the iovctl.conf to apply" },
  { flags: "--in <port=file>", description: "a capture to replay into a port", repeatable: true },
  { flags: "--out <dir>", description: "where to write the captures and counters.json" },
  { flags: "--rss <level>", description: "outer or inner" },
  { flags: "--per-queue", description: "one capture per receive queue" },
  { flags: "--format <format>", description: "pcap, pcap-ns or pcapng" },
  { flags: "--engine <engine>", description: "wasm or reference" },
  { flags: "--vxlan-port <port>", description: "an extra VXLAN UDP port", repeatable: true },
  // Repeatable only so that giving it twice is an error rather than the last one winning.
  { flags: "--rewrite-dst <port>", description: "rewrite wire frames' destination MAC", repeatable: true },
  { flags: "--promisc <port>", description: "unicast promiscuous mode for a port", repeatable: true },
  { flags: "--mtu <port=mtu>", description: "the MTU a port's driver sets", repeatable: true },
  { flags: "--json", description: "iovsim.switch/1 on stdout" },
  { flags: "--csv", description: "one row per counter on stdout" },
  { flags: "--html <file>", description: "a self-contained HTML report" },
];

function oneOf<T extends string>(opt: string, v: string | undefined, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v))
    throw new UserError(
      "E_USAGE",
      `option '${opt}': '${v}' is not ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`,
    );
  return v as T;
}

/**
 * Refuses one capture given twice for one port (`--in wire=a.pcap --in wire=a.pcap`, also through
 * another path to the same file): every frame would be replayed twice, which no capture recorded.
 * Different files for one port are merged; one file for different ports is replayed on each.
 */
function refuseRepeatedInputs(inputs: SwitchInput[]): void {
  const seen = new Map<string, SwitchInput>();
  for (const i of inputs) {
    if (i.file === "-") continue; // standard input can feed one port only (checked below)
    const key = `${i.port}\0${sameFileKey(i.file)}`;
    const first = seen.get(key);
    if (first)
      throw new UserError(
        "E_USAGE",
        `option '--in ${i.port}=${i.file}': the same capture is already given for ${i.port} (--in ${first.port}=${first.file}); its frames would be replayed twice`,
      );
    seen.set(key, i);
  }
}

function switchArgs(opts: Opts): SwitchArgs {
  const list = (k: string) => (opts[k] as string[] | undefined) ?? [];
  const conf = opts.file as string | undefined;
  const out = opts.out as string | undefined;
  const html = opts.html as string | undefined;
  const json = opts.json === true;
  const csv = opts.csv === true;
  const inputs: SwitchInput[] = list("in").map((spec) => {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1)
      throw new UserError(
        "E_USAGE",
        `option '--in': expected PORT=FILE (e.g. wire=in.pcap, VF-1=tx.pcap), got '${spec}'`,
      );
    // vf0, vf-0 and pf are VF-0 and PF, as --promisc and --rewrite-dst take them.
    return { port: canonicalPortName(spec.slice(0, eq)), file: spec.slice(eq + 1) };
  });
  refuseRepeatedInputs(inputs);
  const fromStdin = inputs.filter((i) => i.file === "-");
  if (fromStdin.length > 1)
    throw new UserError(
      "E_USAGE",
      `option '--in': standard input (-) can feed one port, not ${fromStdin.map((i) => i.port).join(" and ")}`,
    );
  refuseRepeatedValues("--promisc", list("promisc"));
  const vxlanPorts = vxlanPortValues(list("vxlan-port"));
  // The NIC model's tunnel-port table has 16 entries, 4789's among them.
  if (vxlanPorts.length > 15)
    throw new UserError(
      "E_USAGE",
      "option '--vxlan-port': at most 15 extra VXLAN ports (4789 is always one)",
    );
  // The extra VXLAN ports only tell the parser where an inner packet is, for --rss inner.
  if (list("vxlan-port").length > 0 && opts.rss !== "inner")
    throw new UserError(
      "E_USAGE",
      `option '--vxlan-port ${list("vxlan-port")[0]}': it marks VXLAN for tunnel-aware RSS (--rss inner); with RSS on the outer headers it changes nothing`,
    );
  const rewrite = list("rewrite-dst");
  if (rewrite.length > 1) throw new UserError("E_USAGE", "option '--rewrite-dst' given twice");
  if (rewrite.length === 1 && inputs.length > 0 && !inputs.some((i) => i.port === "wire"))
    throw new UserError(
      "E_USAGE",
      `option '--rewrite-dst ${rewrite[0]}': it rewrites frames from the wire, and no --in wire=FILE is given (it would change nothing)`,
    );
  const promisc = list("promisc");
  const mtu = list("mtu").map(parseMtu);
  for (const [i, m] of mtu.entries())
    if (mtu.findIndex((x) => x.port === m.port) !== i)
      throw new UserError(
        "E_USAGE",
        `option '--mtu ${m.port}=${m.mtu}': ${m.port} already has an MTU (--mtu given twice for one port)`,
      );
  // Given but empty names nothing: not "the -f iov.conf option is required" as if left out.
  if (conf === "")
    throw new UserError("E_USAGE", "switch: option '-f, --file' needs a file name (an iovctl.conf)");
  if (out === "") throw new UserError("E_USAGE", "switch: option '--out' needs a directory name");
  // --out is a directory of captures and counters.json: "-" would become a directory named "-".
  if (out === "-")
    throw new UserError(
      "E_USAGE",
      "option '--out -': --out is a directory (captures and counters.json), not standard output; use --json or --csv for stdout, or ./- for a directory named '-'",
    );
  refuseHtmlOverOutputs(html, out);
  // A report inside an --out DIR this run creates is checked when it is written.
  if (!(html && out && resolve(dirname(html)) === resolve(out) && !existsSync(out))) htmlOutputFile(html);
  refuseOutputOverInputs(html, "--html", [
    { named: `-f ${conf}`, file: conf },
    ...inputs.map((i) => ({ named: `--in ${i.port}=${i.file}`, file: i.file })),
  ]);
  if (!conf)
    throw new UserError("E_USAGE", "switch: the -f iov.conf option is required (see iovsim switch --help)");
  if (inputs.length === 0) throw new UserError("E_USAGE", "switch: at least one --in PORT=FILE is required");
  if (!out && !json && !csv && !html)
    throw new UserError(
      "E_USAGE",
      "switch: the --out DIR option is required (unless --json, --csv or --html is given)",
    );
  if (json && csv) throw new UserError("E_USAGE", "--json and --csv are exclusive");
  if (opts["per-queue"] && !out)
    throw new UserError("E_USAGE", "switch: --per-queue writes files and needs --out DIR");
  if (opts.format !== undefined && !out)
    throw new UserError("E_USAGE", "switch: --format sets the captures' format and needs --out DIR");
  return {
    conf,
    inputs,
    out,
    json,
    csv,
    html,
    rss: oneOf("--rss", opts.rss as string | undefined, ["outer", "inner"] as const, "outer"),
    perQueue: opts["per-queue"] === true,
    format: oneOf(
      "--format",
      opts.format as string | undefined,
      ["pcap", "pcap-ns", "pcapng"] as const,
      "pcap",
    ),
    engine: oneOf("--engine", opts.engine as string | undefined, ["wasm", "reference"] as const, "wasm"),
    vxlanPorts,
    rewriteDst: rewrite[0],
    promisc,
    mtu,
  };
}

/** `--mtu PORT=N`: the port is checked against the configuration when the switch is programmed. */
function parseMtu(spec: string): PortMtu {
  const m = /^([^=]+)=(\d+)$/.exec(spec);
  if (!m) throw new UserError("E_USAGE", `option '--mtu': expected PORT=N (e.g. VF-0=9000), got '${spec}'`);
  const mtu = Number(m[2]);
  if (mtu < MIN_MTU || mtu > MAX_MTU)
    throw new UserError(
      "E_USAGE",
      `option '--mtu ${spec}': ${m[2]} is not an MTU the drivers accept (${MIN_MTU}..${MAX_MTU}: frames up to ${MAX_JUMBO_FRAME} bytes with header and FCS)`,
    );
  return { port: canonicalPortName(m[1]!), mtu };
}

type EngineFactory = (c: SwitchConfig, o: EngineOptions) => Promise<SwitchEngine> | SwitchEngine;

function chooseEngine(kind: SwitchArgs["engine"]): EngineFactory {
  return kind === "reference" ? referenceEngine : wasmEngine;
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync spins forever when mkdir says
 * ENOENT for a parent that exists (e.g. anything under /proc).
 */
function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  const created: string[] = [];
  for (const m of missing.reverse()) {
    mkdirSync(m);
    created.push(m);
  }
  return created;
}

/** True when `p` is a directory; false when it is not, is missing, or a file is on its way (ENOTDIR). */
function isDirectory(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/**
 * Creates the output directory up front, so a bad --out fails before any work; returns the
 * directories it created, for removeCreatedDirs when the run fails before writing anything.
 * A directory under an output's name there (wire.pcap/, counters.json/) would stop the writes
 * half way, after some files were replaced: refused now, before the run.
 */
function ensureOutDir(dir: string): string[] {
  let created: string[];
  try {
    created = makeDirs(dir);
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "permission denied"
          : code === "ENOENT"
            ? "the file system refused to create it"
            : (e as Error).message;
    throw new UserError("E_OUT", `option '--out': cannot use '${dir}' as a directory (${why})`);
  }
  for (const name of readdirSync(dir)) {
    if ((OUTPUT_CAPTURE.test(name) || name === "counters.json") && isDirectory(join(dir, name)))
      throw new UserError(
        "E_OUT",
        `option '--out': ${join(dir, name)} is a directory named like the outputs (captures, counters.json) that --out replaces or removes; remove or rename it`,
      );
  }
  return created;
}

/** Removes the (still empty) directories ensureOutDir created, deepest first: a failed run leaves nothing. */
function removeCreatedDirs(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty, or gone: leave it and its parents
    }
  }
}

/**
 * Writes the run's files as one set (replaceFilesSync): all replaced, or, when one write fails
 * (a full disk), none; a file-system refusal becomes a user error naming the file.
 */
function writeSetOrExplain(files: FileToReplace[]): void {
  try {
    replaceFilesSync(files);
  } catch (e) {
    if (!(e instanceof FileSetWriteError) || !e.code) throw e;
    // What the set left behind, as it is: none replaced, or (a device target written in place,
    // a rename failing half way) the ones that were.
    const left =
      e.replaced.length === 0
        ? "no file of --out was replaced"
        : `already replaced: ${e.replaced.join(", ")}; the others were not`;
    throw new UserError("E_OUT", `${e.file}: cannot write (${writeErrorReason(e.code)}); ${left}`);
  }
}

function writeOutputs(dir: string, r: RunResult, opts: SwitchArgs): string[] {
  const written: string[] = [];
  const files: FileToReplace[] = [];
  const ext = opts.format === "pcapng" ? "pcapng" : "pcap";
  const write = (name: string, recs: PacketRecord[]) => {
    const p = join(dir, `${name}.${ext}`);
    files.push({ path: p, data: encodeCapture(recs, { format: opts.format }) });
    written.push(p);
  };
  write("wire", r.wire);
  for (const [name, list] of r.received) {
    write(
      name,
      list.map((x) => x.rec),
    );
    if (opts.perQueue) {
      const pool = r.config.pools.find((p) => p.name === name || (name === "PF" && p.kind === "pf"));
      const queues = pool?.numRxQueues ?? 1;
      for (let q = 0; q < queues; q++)
        write(
          `${name}.q${q}`,
          list.filter((x) => x.queue === q).map((x) => x.rec),
        );
    }
  }
  const counters = {
    engine: r.engine,
    config: opts.conf,
    pf: r.pf.name,
    rss: opts.rss,
    inputs: opts.inputs,
    vxlanPorts: opts.vxlanPorts,
    rewriteDst: opts.rewriteDst ?? null,
    promisc: opts.promisc,
    ...mtuField(opts.mtu),
    functions: r.tallies,
    frameDrops: r.dropReasons,
    copyDrops: r.copyDropReasons,
    conservation: r.conservation.length === 0 ? "ok" : r.conservation,
    skippedNonEthernet: r.skippedNonEthernet,
    snaplenCut: r.snaplenCut,
    recordsDropped: r.recordsDropped,
    corruptTails: r.corruptTails.map(({ note: _, ...t }) => t),
    counters: {
      port: r.counters.port,
      pools: Object.fromEntries(
        r.counters.pools.map((c, i) => [r.config.pools[i].kind === "pf" ? "PF" : r.config.pools[i].name, c]),
      ),
      queues: Object.fromEntries(
        r.counters.queues.map((qs, i) => [
          r.config.pools[i].kind === "pf" ? "PF" : r.config.pools[i].name,
          qs,
        ]),
      ),
    },
  };
  const cpath = join(dir, "counters.json");
  files.push({ path: cpath, data: `${JSON.stringify(counters, null, 2)}\n` });
  written.push(cpath);
  writeSetOrExplain(files);
  removeStaleOutputs(dir, written);
  return written;
}

/** The capture files a switch run writes into --out DIR (and nothing else there). */
const OUTPUT_CAPTURE = /^(?:wire|PF|VF-(?:0|[1-9]\d*))(?:\.q\d+)?\.(?:pcap|pcapng)$/;

/**
 * Removes the captures an earlier run left in DIR that this run did not write (a VF the new
 * configuration lacks, per-queue files without --per-queue, the other format's files), so the
 * directory holds one run's results only. Files of other names are the user's: left alone.
 */
function removeStaleOutputs(dir: string, written: string[]): void {
  const keep = new Set(written.map((p) => basename(p)));
  for (const name of readdirSync(dir)) {
    if (OUTPUT_CAPTURE.test(name) && !keep.has(name)) rmSync(join(dir, name), { force: true });
  }
}

/** Refuses --html FILE in --out DIR under the name of one of the run's outputs (wire.pcap, counters.json, ...). */
function refuseHtmlOverOutputs(html: string | undefined, out: string | undefined): void {
  if (!html || !out) return;
  const name = basename(html);
  if (!OUTPUT_CAPTURE.test(name) && name !== "counters.json") return;
  if (resolve(dirname(html)) === resolve(out))
    throw new UserError(
      "E_USAGE",
      `--html ${html}: --out ${out} holds this run's captures and counters, and ${name} is one of their names; choose another file`,
    );
}

/**
 * Refuses an --in capture that this run would overwrite or remove in --out DIR (an earlier
 * run's VF-1.pcap replayed with the same --out, or a capture named like an output there, also
 * through a symbolic link): it is read first, but the user's file would be gone afterwards.
 */
function checkInputsSurvive(opts: SwitchArgs): void {
  if (!opts.out || !isDirectory(opts.out)) return; // ensureOutDir says why it cannot be used
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined; // missing or unreadable: the run reports it
    }
  };
  const outputs = new Map<string, string>();
  for (const name of readdirSync(opts.out)) {
    if (!OUTPUT_CAPTURE.test(name) && name !== "counters.json") continue;
    const r = real(join(opts.out, name));
    if (r) outputs.set(r, name);
  }
  for (const i of opts.inputs) {
    if (i.file === "-") continue; // standard input is no file there
    const hit = outputs.get(real(i.file) ?? "");
    if (hit)
      throw new UserError(
        "E_USAGE",
        `option '--in ${i.port}=${i.file}': this run writes its results into --out ${opts.out}, where it would replace or remove ${hit}, your input; copy the input elsewhere or choose another --out directory`,
      );
  }
}

/** What the summary adds in words: printed with the table, on stderr with --json / --csv. */
function switchNotes(j: SwitchJson, conf: string, refused: string[]): string[] {
  const notes: string[] = [];
  const wireIn = j.functions.find((t) => t.name === "wire");
  const filtered = j.frame_drops["l2-filter"] ?? 0;
  if (wireIn && wireIn.offered > 0 && filtered === wireIn.offered)
    notes.push(
      `${filtered === 1 ? "the one wire frame was" : `all ${filtered} wire frames were`} dropped by the MAC filter (l2-filter): ${filtered === 1 ? "its destination MAC matches" : "their destination MACs match"} no PF or VF of ${conf}. To replay a capture taken elsewhere, use --rewrite-dst PORT (send them to PF or VF-<n>) or --promisc PORT (see iovsim switch --help)`,
    );
  // A capture taken elsewhere given as a function's transmit: every frame's source MAC is
  // another's, so anti-spoofing drops them all. Said with the way out, as for the wire.
  for (const f of j.functions) {
    if (f.name === "wire" || f.offered === 0) continue;
    const spoofed = j.counters.pools[f.name]?.tx_spoofed ?? 0;
    if (spoofed === f.offered)
      notes.push(
        `${spoofed === 1 ? `the one frame ${f.name} sent was` : `all ${spoofed} frames ${f.name} sent were`} dropped by anti-spoofing (mac-spoof): ${spoofed === 1 ? "its source MAC is" : "their source MACs are"} not ${f.name}'s. A VF sends only from its own MAC unless its ${f.name} section of ${conf} sets 'mac-anti-spoof: false;'`,
      );
  }
  notes.push(...refused);
  return notes;
}

function summaryText(j: SwitchJson, opts: SwitchArgs, refused: string[], ctx: CommandContext): void {
  const table = new Table({
    head: ["function", "frames in", "received", "to wire", "dropped"],
    style: { head: [], border: [] },
  });
  // The wire's "received" is what left through the physical port (wire.pcap).
  for (const t of j.functions) table.push([t.name, t.offered, t.received, t.to_wire ?? "-", t.dropped]);
  const vfs = `${j.vfs} VF${j.vfs === 1 ? "" : "s"}`;
  ctx.out(`engine: ${j.engine}; ${j.pf} with ${vfs}; RSS ${j.rss}\n`);
  ctx.out(`${table.toString()}\n`);
  const reasons = Object.entries(j.frame_drops).map(([k, v]) => `${k} ${v}`);
  const copy = Object.entries(j.copy_drops).map(([k, v]) => `${k} ${v}`);
  if (reasons.length) ctx.out(`frame drops: ${reasons.join(", ")}\n`);
  if (copy.length) ctx.out(`copy drops: ${copy.join(", ")}\n`);
  const notes = switchNotes(j, opts.conf, refused);
  for (const n of notes) ctx.out(`note: ${n}\n`);
  if (opts.out)
    ctx.out(
      `wrote ${opts.out.replace(/(.)\/+$/, "$1")}/ (wire, PF, ${j.vfs} VF capture${j.vfs === 1 ? "" : "s"}${opts.perQueue ? " + per-queue" : ""}, counters.json)\n`,
    );
}

export const command = defineCommand({
  name: "switch",
  summary: "switch -f iov.conf --in wire=in.pcap --out DIR: run frames through the NIC's switch",
  help: HELP,
  options: OPTIONS,
  async run({ opts: given, argv: args }, ctx) {
    const opts = switchArgs(given);
    checkInputsSurvive(opts);
    const createdDirs = opts.out ? ensureOutDir(opts.out) : [];
    let result: RunResult;
    try {
      result = await runSwitch({
        confFile: opts.conf,
        stateDir: ctx.stateDir,
        inputs: opts.inputs,
        rssLevel: opts.rss,
        ...(ctx.readStdin ? { readStdin: ctx.readStdin } : {}),
        vxlanPorts: opts.vxlanPorts,
        makeEngine: chooseEngine(opts.engine),
        rewriteDst: opts.rewriteDst,
        promisc: opts.promisc,
        mtu: opts.mtu,
      });
    } catch (e) {
      removeCreatedDirs(createdDirs);
      throw e;
    }
    if (opts.out)
      try {
        writeOutputs(opts.out, result, opts);
      } catch (e) {
        // Nothing of the set was written into a directory this run made: it goes too (rmdir
        // keeps it if anything is in it).
        removeCreatedDirs(createdDirs);
        throw e;
      }
    const j = buildSwitchJson(result, {
      version: await toolVersion(),
      config: opts.conf,
      rss: opts.rss,
      inputs: opts.inputs,
      vxlanPorts: opts.vxlanPorts,
      rewriteDst: opts.rewriteDst,
      promisc: opts.promisc,
      mtu: opts.mtu,
      out: opts.out,
    });
    // Notes beside the table: inputs cut short or holding other than Ethernet frames, then VFs
    // the driver refused.
    const runNotes = [
      ...result.corruptTails.map((t) => t.note),
      ...result.inputNotes,
      ...result.refused.map((v) => refusedVfText(result.pf, v)),
    ];
    if (opts.json) ctx.out(`${JSON.stringify(j, null, 2)}\n`);
    else if (opts.csv) ctx.out(switchCsv(j));
    else summaryText(j, opts, runNotes, ctx);
    if (opts.json || opts.csv) {
      for (const n of switchNotes(j, opts.conf, runNotes)) ctx.err(`iovsim: note: ${n}\n`);
    }
    if (opts.html) {
      await writeHtmlReport(opts.html, {
        title: "iovsim switch",
        schema: j.schema,
        version: j.tool.version,
        command: commandLine("switch", args),
        counters: switchReportCounters(j),
        notes: switchNotes(j, opts.conf, runNotes),
        config: { file: opts.conf, text: readFileSync(opts.conf, "utf8") },
        prices_nothing: true,
      });
      ctx.err(`iovsim: wrote ${opts.html}\n`);
    }
    if (result.conservation.length) {
      ctx.err(`iovsim: CONSERVATION VIOLATION: ${result.conservation.join("; ")}\n`);
      return 70;
    }
    return 0;
  },
});
