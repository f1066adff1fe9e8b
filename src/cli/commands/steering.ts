// `iovsim steering`: steering strategies as graphs on the virtual-time engine (docs/steering.md).
// Every figure is simulated; the simulator's own speed is printed apart.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { FAULT_EXIT_STATUS, type FaultSpec, faultHelp, faultText, parseFaults } from "../../engine/faults.ts";
import { UserError } from "../../errors.ts";
import { parseRate as parseOfferedRate } from "../../experiment/rate.ts";
import { sameFileKey } from "../../input-file.ts";
import { costProfileNames, loadCosts, variantBase } from "../../model/costs.ts";
import { loadHost, statePath } from "../../nic/index.ts";
import { htmlOutputFile, refuseOutputOverInputs } from "../../output-file.ts";
import { writeHtmlReport } from "../../report/html/index.ts";
import { commandLine } from "../../report/output-format.ts";
import {
  faultLines,
  ndrChart,
  perQueueBars,
  simulatorLine,
  steeringCsv,
  steeringJson,
  steeringTable,
} from "../../report/steering-table.ts";
import {
  allFilteredText,
  type MatrixOptions,
  parseStrategies,
  runMatrix,
  type SteeringResult,
} from "../../steering/compare.ts";
import type { FlowRule } from "../../steering/flow-rules.ts";
import { portRules, unboundPortReason } from "../../steering/flow-state.ts";
import { mixFrameSize, mixFrameSizeNote } from "../../steering/frame-size.ts";
import { lineRatePps, meanFrameBytes } from "../../steering/ndr.ts";
import {
  NIC_REFUSED_EXIT,
  type SteeringNic,
  steeringNic,
  strategyRefusal,
  vectorNote,
} from "../../steering/nic.ts";
import {
  coreLimit,
  nicLimits,
  STRATEGY_IDS,
  STRATEGY_SUMMARY,
  type Symmetric,
} from "../../steering/strategies.ts";
import {
  buildMix,
  IP_CHOICES,
  MIX_NAMES,
  type MixName,
  mixFromCapture,
  type SteeringTraffic,
} from "../../steering/traffic.ts";
import { type CaptureDrop, CaptureFormatError, LINKTYPE_ETHERNET } from "../../traffic/capture.ts";
import {
  corruptTailNote,
  droppedRecordsNote,
  irregularRecordsNote,
  readAllStdin,
  readCaptureInput,
} from "../../traffic/capture-io.ts";
import { faultExit } from "../fault-exit.ts";
import { refuseRepeatedItems } from "../list-option.ts";
import { defineCommand, type OptionDecl, type Opts } from "../registry.ts";
import { withProgress } from "./progress.ts";

/** The queues a VF gives an interrupt on the built-in NICs, from their profiles (X710 4, ...). */
const QUEUE_IRQS = (
  [
    ["ixl", "X710"],
    ["ix", "82599"],
    ["igb", "82576"],
    ["ice", "E810"],
  ] as const
)
  .map(([id, name]) => `${name} ${nicLimits(id).vfVectors?.queues ?? "-"}`)
  .join(", ");

const HELP = `usage: iovsim steering [options]

Steering strategies as graphs on the virtual-time engine (docs/steering.md). For each traffic
mix, strategy and core count, the VFs are created through the control plane on the NIC's port
(--nic; ixl0 by default), the NIC's switch (Wasm) decides pool and queue on the real frames,
and the wire (the NIC's line rate), the NIC pipeline and receive packet buffer, the PCIe link,
every core and the dispatcher are timed by the cost profile, as the packet paths are. Results
at --rate and at NDR (RFC 2544 binary search, zero loss).

Strategies (--strategy, default: all the NIC supports):
${STRATEGY_IDS.map((s) => `  ${s.padEnd(16)} ${STRATEGY_SUMMARY[s]}`).join("\n")}
Traffic (--mix, alias --encap; default gtpu):
  ${MIX_NAMES.join(", ")}, or pcap:FILE
(pcap:- reads standard input: tcpdump -w - | iovsim steering --mix pcap:-; a capture with a
corrupt tail, e.g. from a killed tcpdump, is used up to its last whole record; a note names
the file and the byte offset where it stops)

Options:
  --mix LIST          traffic mixes, comma-separated (default gtpu)
  --strategy LIST     strategies, comma-separated (default: all the NIC supports; one it
                      lacks, e.g. flow-rules on igb, is refused with exit 2)
  --nic ID            NIC profile to run on: ixl (X710, default), ix (82599), igb (82576),
                      ice (E810), any src/nic/profiles/ID.json; its limits, line rate,
                      flow-rule table and packet buffer apply (default: --port's NIC)
  --queues LIST       core counts, e.g. 1,2,4,8,16,64 (default 1,2,4,8,16); limited per strategy
                      by the NIC profile (queues per VF, VFs) and, for outer-rss,
                      inner-rss and flow-rules, by the VF's queue interrupts (its MSI-X
                      vectors less the admin one: ${QUEUE_IRQS})
  --rate R            also simulate this offered load: pps, kpps, Mpps, Mbps, Gbps (Gbit/s)
                      or % of line rate, or line
  --no-ndr            skip the NDR search (needs --rate)
  --symmetric MODE    symmetric hashing for the RSS strategies: toeplitz (DPDK
                      SYMMETRIC_TOEPLITZ: src and dst replaced by src^dst) or sorted
                      (SYMMETRIC_TOEPLITZ_SORT: src and dst in ascending order); default off
  --flows N           flows (directional; pairs are conversations), an even number in
                      2..65536 (default 1024)
  --tunnels N         tunnel endpoint pairs (gNBs, VTEPs, gateways), 1..250 (default 4);
                      not with plain traffic only (no tunnel)
  --zipf S            Zipf flow popularity with exponent S (elephant flows); default uniform
  --ip V              IP version of the generated frames: 4 (default), 6 (IPv6 inside and
                      underlay), 6in4 (IPv6 user packets over an IPv4 underlay: GTP-U with
                      IPv6 UEs), 4in6 (IPv4 user packets over an IPv6 underlay). The user
                      packets are the inner headers of vxlan, vxlan-gpe, gtpu, gre, and the
                      only IP header of plain, mpls, qinq; the underlay is the outer header of
                      vxlan, vxlan-gpe, gtpu, gre, esp. IPv6 addresses are 2001:db8:a:b::c:d
                      for a.b.c.d; each IPv6 header makes a frame 20 B longer (the line rate
                      follows)
                      (--flows, --tunnels, --zipf, --ip: generated mixes only, not with pcap:
                      alone)
  --frames N          frames per simulation, 500..1000000 (default 8000)
  --precision P       NDR resolution, % of the NIC's line rate (default 2; on 100 GbE, 0.2
                      gives the resolution 2 gives on 10 GbE)
  --port PORT         flow-rules uses this port's rules (iovsim flow; the runs are on the
                      port's NIC); default: a rule set derived from the traffic
                      (TEID / VNI / SPI blocks per core). A rule to a queue past every
                      --queues leaves nothing to simulate: an error. A drop rule's frames
                      are dropped by the NIC ('flow-rule drop'), not counted as loss
  --profile P         cost profile (${costProfileNames().join(", ")}) or a JSON file (default bhyve;
                      the format: docs/formats/cost-profile.md); a variant: P!SWITCH
                      (iovsim model list) or P{constant=value,...}
  --seed N            seed of the flow draws (default 1)
  --json | --csv      machine-readable output (--json: docs/steering-json.md)
  --html FILE         also write a self-contained HTML report (per-queue load, fairness, NDR
                      against cores; charts as SVG, no network; docs/reports.md)
${faultHelp(2, 22)}
                      steering: sink-stall's queue is a core; sink-stall and generator-overrun
                      need --rate (the NDR search stays fault-free); docs/reliability.md
  -h, --help          this text

Exit status: 0 done, 1 bad usage, 2 conservation violated or a strategy (or a fact of its
profile) the NIC lacks, ${FAULT_EXIT_STATUS} done with an injected fault

Divergences (docs/divergences.md): --ip 6 generates IPv6 without extension headers or flow
labels, one IP version per run (no dual-stack mix); at --rate a short trial is reported as it
ran, so a core busy the whole trial whose rings held the backlog shows loss 0 (a note says so;
the NDR search counts it as a loss); flow-rule matching and symmetric hashing are computed on
the reference parser, then the switch delivers to the chosen queue (the switch has no flow
director or symmetric mode).
`;

function int(opt: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UserError("E_USAGE", `${opt}: '${text}' is not an integer in ${min}..${max}`);
  return Number(text);
}

/** --rate, with the text as given (what the report's test conditions and errors name). */
type Rate = ({ kind: "pps"; v: number } | { kind: "gbps"; v: number } | { kind: "pct"; v: number }) & {
  text: string;
};

/** --rate as paths reads it (src/experiment/rate.ts: the same units, 'line' included). */
function parseRate(text: string): Rate {
  const r = parseOfferedRate(text);
  return r.kind === "percent"
    ? { kind: "pct", v: r.percent, text }
    : r.kind === "gbps"
      ? { kind: "gbps", v: r.gbps, text }
      : { kind: "pps", v: r.pps, text };
}

export interface SteeringArgs {
  mixes: string[];
  strategies: MatrixOptions["strategies"];
  queues: number[];
  rate: Rate | null;
  ndr: boolean;
  symmetric: Symmetric | null;
  flows: number;
  tunnels: number;
  zipf: number;
  /** --ip: address families of generated traffic (a key of IP_CHOICES). */
  ip: string;
  frames: number;
  precision: number;
  port: string | null;
  /** --nic: the NIC profile (null: --port's, else ixl). */
  nic: string | null;
  /** --strategy was given (a strategy the NIC lacks is then refused, not left out). */
  strategiesGiven: boolean;
  profile: string;
  seed: number;
  format: "table" | "json" | "csv";
  /** Also write a self-contained HTML report to this file. */
  html?: string;
  /** --inject-fault (src/engine/faults.ts). */
  faults: FaultSpec[];
}

/** The strategies whose queue comes from an RSS hash, which --symmetric changes. */
const SYMMETRIC_STRATEGIES: readonly string[] = ["outer-rss", "inner-rss", "flow-rules"];

export function parseSteeringArgs(opts: Opts): SteeringArgs {
  const o: SteeringArgs = {
    mixes: ["gtpu"],
    strategies: [...STRATEGY_IDS],
    queues: [1, 2, 4, 8, 16],
    rate: null,
    ndr: true,
    symmetric: null,
    flows: 1024,
    tunnels: 4,
    zipf: 0,
    ip: "4",
    frames: 8000,
    precision: 2,
    port: null,
    nic: null,
    strategiesGiven: false,
    profile: "bhyve",
    seed: 1,
    format: "table",
    faults: [],
  };
  const str = (k: string) => opts[k] as string | undefined;
  if (str("mix") !== undefined && str("encap") !== undefined)
    throw new UserError("E_USAGE", "--mix and --encap are one option (an alias): give one");
  const mixOpt = str("mix") !== undefined ? "--mix" : "--encap";
  const mix = str("mix") ?? str("encap");
  if (mix !== undefined) {
    o.mixes = splitMixes(mix);
    refuseRepeatedItems(mixOpt, o.mixes);
    refuseSameCapture(mixOpt, o.mixes);
    for (const m of o.mixes) {
      if (m === "pcap:") throw new UserError("E_USAGE", `${mixOpt}: 'pcap:' needs a file name (pcap:FILE)`);
      if (!m.startsWith("pcap:") && !(MIX_NAMES as readonly string[]).includes(m))
        throw new UserError(
          "E_USAGE",
          `${mixOpt}: unknown mix '${m}' (mixes: ${MIX_NAMES.join(", ")}, pcap:FILE)`,
        );
    }
  }
  if (str("strategy") !== undefined) {
    o.strategies = parseStrategies(str("strategy")!);
    o.strategiesGiven = true;
  }
  if (str("nic") !== undefined) o.nic = str("nic")!;
  refuseRepeatedItems("--strategy", o.strategies);
  if (str("queues") !== undefined)
    o.queues = str("queues")!
      .split(",")
      .map((s) => int("--queues", s.trim(), 1, 64));
  refuseRepeatedItems("--queues", o.queues);
  if (str("rate") !== undefined) o.rate = parseRate(str("rate")!);
  if (opts["no-ndr"]) o.ndr = false;
  const symmetric = str("symmetric");
  if (symmetric !== undefined) {
    if (symmetric !== "toeplitz" && symmetric !== "sorted")
      throw new UserError("E_USAGE", `--symmetric: '${symmetric}' is not toeplitz or sorted`);
    o.symmetric = symmetric;
  }
  if (str("flows") !== undefined) o.flows = int("--flows", str("flows")!, 2, 65536);
  // Flows come in pairs (a conversation's two directions): an odd count ran one flow fewer
  // than asked, said only in the note's "N flows".
  if (o.flows % 2 !== 0)
    throw new UserError(
      "E_USAGE",
      `--flows: '${o.flows}' is odd: flows come in pairs (each conversation's two directions); give ${o.flows - 1} or ${o.flows + 1}`,
    );
  if (str("tunnels") !== undefined) o.tunnels = int("--tunnels", str("tunnels")!, 1, 250);
  const ipOpt = str("ip");
  if (ipOpt !== undefined) {
    if (!Object.hasOwn(IP_CHOICES, ipOpt))
      throw new UserError(
        "E_USAGE",
        `--ip: '${ipOpt}' is not an IP version (4, 6, 6in4: IPv6 inside an IPv4 underlay, 4in6: IPv4 inside an IPv6 underlay)`,
      );
    o.ip = ipOpt;
  }
  const zipf = str("zipf");
  if (zipf !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(zipf) || Number(zipf) > 10)
      throw new UserError("E_USAGE", `--zipf: '${zipf}' is not in 0..10`);
    o.zipf = Number(zipf);
  }
  if (str("frames") !== undefined) o.frames = int("--frames", str("frames")!, 500, 1_000_000);
  const precision = str("precision");
  if (precision !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(precision) || !(Number(precision) > 0 && Number(precision) <= 50))
      throw new UserError("E_USAGE", `--precision: '${precision}' is not a percentage in (0, 50]`);
    o.precision = Number(precision);
  }
  if (str("port") !== undefined) o.port = str("port")!;
  if (str("profile") !== undefined) o.profile = str("profile")!;
  if (str("seed") !== undefined) o.seed = int("--seed", str("seed")!, 0, 2 ** 31 - 1);
  if (opts.json && opts.csv) throw new UserError("E_USAGE", "--json and --csv are exclusive");
  if (opts.json) o.format = "json";
  if (opts.csv) o.format = "csv";
  if (str("html") !== undefined) o.html = htmlOutputFile(str("html"));
  refuseOutputOverInputs(o.html, "--html", [
    ...o.mixes.filter((m) => m.startsWith("pcap:")).map((m) => ({ named: `--mix ${m}`, file: m.slice(5) })),
    {
      named: `--profile ${o.profile}`,
      file: costProfileNames().includes(variantBase(o.profile)) ? undefined : variantBase(o.profile),
    },
  ]);
  if (!o.ndr && !o.rate) throw new UserError("E_USAGE", "--no-ndr needs --rate (nothing would be simulated)");
  refuseTrafficOptionsNotUsed(o.mixes, str);
  if (o.port && !o.strategies.includes("flow-rules"))
    throw new UserError("E_USAGE", "--port only applies to --strategy flow-rules");
  // Options that would change nothing are refused, never ignored.
  if (!o.ndr && precision !== undefined)
    throw new UserError("E_USAGE", "--precision tunes the NDR search, and --no-ndr skips it (leave out one)");
  if (o.symmetric && !o.strategies.some((s) => SYMMETRIC_STRATEGIES.includes(s)))
    throw new UserError(
      "E_USAGE",
      `--symmetric applies to the RSS strategies (${SYMMETRIC_STRATEGIES.join(", ")}), and --strategy ${o.strategies.join(",")} has none`,
    );
  o.faults = parseFaults((opts["inject-fault"] as string[] | undefined) ?? []);
  for (const f of o.faults) {
    if (f.kind !== "worker-exit" && !o.rate)
      throw new UserError(
        "E_USAGE",
        `--inject-fault ${faultText(f)}: needs --rate (the load the fault is injected at; the NDR search stays fault-free)`,
      );
    if (f.kind === "sink-stall" && f.queue >= Math.min(...o.queues))
      throw new UserError(
        "E_USAGE",
        `--inject-fault ${faultText(f)}: --queues ${o.queues.join(",")} has a run with no core ${f.queue} (cores 0..${Math.min(...o.queues) - 1})`,
      );
  }
  return o;
}

/**
 * The Ethernet frames of `--mix pcap:FILE`. A file that cannot be read or is not a capture is
 * the user's error (named as the option), never an internal one; a corrupt tail is left out
 * with a note; records of another link type are not Ethernet frames: they are left out and
 * counted (the note says how many).
 */
function captureFrames(
  file: string,
  readStdin: () => Uint8Array,
): { frames: Uint8Array[]; nonEthernet: number; dropped: readonly CaptureDrop[]; tail?: string } {
  // `pcap:-` is standard input, as `decode -`, `switch --in PORT=-` and `paths --pcap -` read it.
  const bad = (message: string) =>
    new UserError("E_CAPTURE", file === "-" ? `--mix pcap:-: ${message}` : `--mix pcap:${message}`);
  let contents: ReturnType<typeof readCaptureInput>;
  try {
    contents = readCaptureInput(file, readStdin);
  } catch (e) {
    if (e instanceof CaptureFormatError) throw bad(e.message);
    throw e;
  }
  // A corrupt tail (a capture cut short) keeps the whole records before it, as paths --pcap
  // and switch --in do; the note says where the file stops being whole.
  const ethernet = contents.records.filter((r) => r.linktype === LINKTYPE_ETHERNET);
  return {
    frames: ethernet.map((r) => r.data),
    nonEthernet: contents.records.length - ethernet.length,
    dropped: contents.dropped,
    // Records dropped on the way (an undeclared pcapng interface), frames a snaplen cut, then
    // where the file breaks.
    tail:
      [
        droppedRecordsNote(`--mix pcap:${file}`, contents.dropped),
        irregularRecordsNote(`--mix pcap:${file}`, contents.irregular),
        snaplenNote(ethernet),
        corruptTailNote(contents),
      ]
        .filter((n) => n !== undefined)
        .join("; ") || undefined,
  };
}

/**
 * Frames a capture's snaplen cut are replayed as captured, so their sizes, the line rate and
 * the Gbps figures count the captured bytes, not the wire's: said, as switch --in says it.
 */
function snaplenNote(records: readonly { data: Uint8Array; origLen: number }[]): string | undefined {
  // Only frames the mix replays (14..1514 B); shorter and longer ones are left out and counted.
  const cut = records.filter(
    (r) => r.data.length < r.origLen && r.data.length >= 14 && r.data.length <= 1514,
  );
  if (cut.length === 0) return undefined;
  const first = cut[0]!;
  return `${cut.length} frame${cut.length === 1 ? " was" : "s were"} cut by the capture's snaplen (the first has ${first.data.length} of ${first.origLen} bytes): replayed as captured, so frame sizes and line rate count the captured bytes, not the wire's`;
}

function captureMix(file: string, readStdin: () => Uint8Array): SteeringTraffic {
  const { frames, nonEthernet, dropped, tail } = captureFrames(file, readStdin);
  let mix: SteeringTraffic;
  try {
    mix = mixFromCapture(frames, file, nonEthernet);
  } catch (e) {
    // No frame to replay: where the file stops being a capture may be why (a bad block at byte 48).
    if (e instanceof UserError && tail) throw new UserError(e.code, `${e.message}; ${tail}`, e.exitCode);
    throw e;
  }
  // The records the reader dropped, by reason, before the frames the mix left out.
  const droppedBeforeEngine: Record<string, number> = {};
  for (const d of dropped) droppedBeforeEngine[d.reason] = (droppedBeforeEngine[d.reason] ?? 0) + 1;
  Object.assign(droppedBeforeEngine, mix.droppedBeforeEngine);
  return { ...mix, ...(tail ? { note: `${mix.note}; ${tail}` } : {}), droppedBeforeEngine };
}

/** The traffic mixes of a run: generated, or read from the captures (`pcap:-`: from `readStdin`). */
export async function traffics(o: SteeringArgs, readStdin: () => Uint8Array): Promise<SteeringTraffic[]> {
  return o.mixes.map((m) =>
    m.startsWith("pcap:")
      ? captureMix(m.slice(5), readStdin)
      : buildMix({
          mix: m as MixName,
          flows: o.flows,
          tunnels: o.tunnels,
          zipfS: o.zipf,
          seed: o.seed,
          ip: IP_CHOICES[o.ip],
        }),
  );
}

/**
 * --flows, --zipf and --tunnels shape generated traffic: with only captures (pcap:FILE, whose
 * flows and popularity are as captured) they would change nothing, and --tunnels changes nothing
 * for plain traffic (no tunnel): refused, never ignored.
 */
function refuseTrafficOptionsNotUsed(mixes: string[], str: (k: string) => string | undefined): void {
  const generated = mixes.filter((m) => !m.startsWith("pcap:"));
  for (const k of ["flows", "zipf", "tunnels", "ip"])
    if (str(k) !== undefined && generated.length === 0)
      throw new UserError(
        "E_USAGE",
        `--${k} shapes generated traffic, and --mix ${mixes.join(",")} replays captures (their flows and popularity are as captured): leave out --${k}`,
      );
  const ip = str("ip") !== undefined ? IP_CHOICES[str("ip")!] : undefined;
  if (ip && ip !== IP_CHOICES["4"] && generated.length > 0) {
    // An underlay family changes no plain/mpls/qinq frame, a user-packet family no esp frame.
    const changes = (m: string) =>
      (ip.inner === 6 && m !== "esp") || (ip.outer === 6 && !["plain", "mpls", "qinq"].includes(m));
    if (!generated.some(changes))
      throw new UserError(
        "E_USAGE",
        `--ip ${str("ip")}: changes no frame of --mix ${mixes.join(",")} (plain, mpls and qinq have no underlay; esp shows no user packet): leave out --ip or pick another version`,
      );
  }
  if (str("tunnels") !== undefined && generated.every((m) => m === "plain"))
    throw new UserError(
      "E_USAGE",
      `--tunnels applies to tunnelled traffic (every mix but plain), and --mix ${mixes.join(",")} has none: leave out --tunnels`,
    );
}

/** The options, as the help text lists them. */
const OPTIONS: OptionDecl[] = [
  { flags: "--mix <list>", description: "traffic mixes, comma-separated" },
  { flags: "--encap <list>", description: "alias of --mix" },
  { flags: "--strategy <list>", description: "strategies, comma-separated" },
  { flags: "--queues <list>", description: "core counts" },
  { flags: "--rate <r>", description: "also simulate this offered load" },
  { flags: "--no-ndr", description: "skip the NDR search (needs --rate)" },
  { flags: "--symmetric <mode>", description: "symmetric hashing: toeplitz or sorted" },
  { flags: "--flows <n>", description: "flows, 2..65536" },
  { flags: "--tunnels <n>", description: "tunnel endpoint pairs, 1..250" },
  { flags: "--zipf <s>", description: "Zipf flow popularity exponent" },
  { flags: "--ip <v>", description: "IP version of generated frames: 4, 6, 6in4, 4in6" },
  { flags: "--frames <n>", description: "frames per simulation" },
  { flags: "--precision <p>", description: "NDR resolution, % of line rate" },
  { flags: "--port <port>", description: "flow-rules uses this port's rules" },
  { flags: "--nic <id>", description: "NIC profile to run on (default ixl)" },
  { flags: "--profile <p>", description: "cost profile name or JSON file" },
  { flags: "--seed <n>", description: "seed of the flow draws" },
  { flags: "--json", description: "machine-readable output (JSON)" },
  { flags: "--csv", description: "machine-readable output (CSV)" },
  { flags: "--html <file>", description: "also write a self-contained HTML report" },
  {
    flags: "--inject-fault <spec>",
    description: "inject a fault (worker-exit, sink-stall, generator-overrun); repeatable",
    repeatable: true,
  },
];

export const command = defineCommand({
  name: "steering",
  summary: "steering strategies as graphs on the engine: per-core load, reordering, NDR vs cores",
  help: HELP,
  options: OPTIONS,
  async run({ opts, argv: args }, ctx) {
    const o = parseSteeringArgs(opts);
    const mixes = await traffics(o, ctx.readStdin ?? readAllStdin);
    let rules: FlowRule[] | null = null;
    if (o.port) {
      const host = await loadHost(ctx.stateDir);
      const pf = host.pf(o.port);
      if (!pf) throw new UserError("E_USAGE", `--port: no port '${o.port}' on this host`);
      // The run is on the port's NIC: its rules were checked against that NIC's flow director.
      if (o.nic !== null && o.nic !== pf.profile)
        throw new UserError(
          "E_USAGE",
          `--port ${o.port}: ${o.port} is an ${pf.profile} port and --nic is ${o.nic}: its rules are for the ${pf.profile} flow director; leave out --nic, or give --nic ${pf.profile}`,
        );
      o.nic = pf.profile;
      // Rules of a PF whose driver the Linux view unbound are not in any hardware (the
      // driver's remove freed them): refused, not run as if programmed.
      const unbound = unboundPortReason(host.state, o.port);
      if (unbound) throw new UserError("E_CONFIG", `--port ${o.port}: ${unbound}`);
      rules = portRules(host.state, o.port, statePath(ctx.stateDir));
      if (rules.length === 0)
        throw new UserError("E_USAGE", `--port ${o.port}: no flow rules (iovsim flow create ...)`);
    }
    // The NIC: its profile's facts, port and link speed (as the paths take theirs); a strategy
    // it lacks is refused when asked for, left out (with a note) when --strategy was not given.
    const nic = steeringNic(o.nic ?? "ixl", o.strategies);
    const lacks = o.strategies.flatMap((st) => {
      const why = strategyRefusal(nic, st);
      return why ? [{ st, why }] : [];
    });
    if (o.strategiesGiven && lacks.length > 0)
      throw new UserError(
        "E_NIC_STRATEGY",
        `--strategy ${lacks.map((l) => l.st).join(",")}: ${lacks.map((l) => l.why).join("; ")}`,
        NIC_REFUSED_EXIT,
      );
    o.strategies = o.strategies.filter((st) => !lacks.some((l) => l.st === st));
    const linkGbps = nic.linkGbps;
    // --rate in Gbit/s or % of line rate is a frame rate of each mix's own mean frame size.
    const rateByMix = new Map<SteeringTraffic, number>();
    if (o.rate)
      for (const mix of mixes) {
        const mean = meanFrameBytes(mix, o.frames, o.seed);
        const line = lineRatePps(mean, linkGbps);
        const pps =
          o.rate.kind === "pps"
            ? o.rate.v
            : o.rate.kind === "pct"
              ? (line * o.rate.v) / 100
              : (o.rate.v * 1e9) / ((mean + 20) * 8);
        if (pps > line * (1 + 1e-9))
          throw new UserError(
            "E_USAGE",
            `--rate ${o.rate.text}: above the ${linkGbps} Gbit/s line rate of ${mixes.length > 1 ? `mix ${mix.name}` : "this mix"} (${(line / 1e6).toFixed(3)} Mpps)`,
          );
        rateByMix.set(mix, pps);
      }
    const ratePps = o.rate ? (t: SteeringTraffic) => rateByMix.get(t) as number : null;
    // Every asked (strategy, cores) beyond the NIC: the run would print an empty table and exit 0.
    const lim = nic.limits;
    const fits = o.strategies.flatMap((st) => o.queues.filter((n) => n <= coreLimit(st, lim).max));
    if (fits.length === 0)
      throw new UserError(
        "E_USAGE",
        `--queues ${o.queues.join(",")}: beyond ${nic.port} for every strategy asked (${o.strategies
          .map((st) => `${st}: at most ${coreLimit(st, lim).max} cores, ${coreLimit(st, lim).why}`)
          .join("; ")}): nothing to simulate`,
      );
    const total = mixes.length * o.strategies.length * o.queues.length;
    const m = await withProgress(ctx, total, async (progress) =>
      runMatrix({
        traffics: mixes,
        strategies: o.strategies,
        queues: o.queues,
        ratePps,
        frames: o.frames,
        seed: o.seed,
        profile: o.profile,
        nic: nic.id,
        symmetric: o.symmetric,
        portRules: rules,
        precision: o.precision / 100,
        ndr: o.ndr,
        linkGbps,
        progress: (d, t) => progress(d, t, ""),
        ...(o.faults.length > 0 ? { faults: o.faults } : {}),
      }),
    );
    // Every row skipped before anything ran (e.g. a port rule to a queue beyond every --queues):
    // an empty table with exit 0 would read as a result.
    if (m.simulator.simulations === 0)
      throw new UserError(
        "E_USAGE",
        `nothing to simulate: ${[...new Set(m.results.map((r) => `${r.strategy} on ${r.queues} core(s): ${r.skipped}`))].join("; ")}`,
      );
    const sizes = mixes.map((t) => mixFrameSize(t, o.frames, o.seed));
    // A --rate trial whose busiest core or dispatcher was busy the whole window lost nothing only
    // because its rings held the backlog to the end of a short trial: its loss 0 and delivered
    // rate (frames over the offered window) do not hold for a longer run. Said, not hidden.
    // "The whole window" is the NDR search's own test (src/steering/ndr.ts: busy within half
    // the search's resolution), so the note and the search call the same trials saturated.
    const busyAll = 1 - o.precision / 100 / 2;
    const saturated = m.results.filter(
      (r) =>
        r.skipped === null &&
        r.at === "rate" &&
        r.loss_ratio === 0 &&
        Math.max(r.utilization.busiest_core, r.utilization.dispatcher ?? 0, r.utilization.nic) >= busyAll,
    );
    const notes = [
      ...(nic.id !== "ixl" || lacks.length > 0 ? [nicNote(nic, lacks)] : []),
      ...mixes.flatMap((t, i) => [`${t.name}: ${t.note}`, mixFrameSizeNote(sizes[i]!)]),
      o.strategies.includes("flow-rules")
        ? rules
          ? `flow-rules: ${rules.length} rule(s) configured on ${o.port}`
          : (["gtpu-teid", "vxlan-vni", "esp-spi"] as const).some((f) => lim.patterns.includes(f))
            ? "flow-rules: no port given, rules derived from the traffic (TEID/VNI/SPI blocks per core)"
            : `flow-rules: no port given, and ${nic.port}'s flow director matches no TEID, VNI or SPI (NIC profile ${nic.id}, flow.patterns: ${lim.patterns.join(", ")}): no rule derived, every flow goes by outer RSS (create rules with iovsim flow and give --port)`
        : "",
      // Rules on the port that no frame of a mix matched steer nothing there: every flow of it
      // went by the outer-RSS fallback (a 'vxlan vni' rule and --mix vxlan-gpe showed the
      // fallback's spread with no word of why).
      ...[
        ...new Set(
          m.results
            .filter((r) => r.skipped === null && r.rules?.source === "port" && r.rules.matched_flows === 0)
            .map((r) => r.traffic),
        ),
      ].map(
        (t) =>
          `flow-rules on ${t}: none of the ${rules?.length ?? 0} rule(s) on ${o.port} matched a frame; every flow went by outer RSS`,
      ),
      ...saturated.map(
        (r) =>
          `at --rate, ${r.strategy}/${r.traffic}/${r.queues} core${r.queues === 1 ? "" : "s"}: ${r.bottleneck} was busy the whole trial and its rings held the backlog (loss 0 over ${o.frames} frames only; a longer trial would drop: the NDR search counts such a trial as a loss)`,
      ),
      o.symmetric
        ? `symmetric hashing (${o.symmetric}) on outer-rss, inner-rss and flow-rules' fallback`
        : "",
      ...allFilteredNotes(m.results),
      vectorNote(nic, m.results) ?? "",
    ].filter((s) => s !== "");
    if (o.html) {
      const pkg = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8"));
      // Runs that were skipped (NIC limits) or found no lossless load have nothing to chart: the
      // page lists them with the reason, as the terminal's table does.
      // A row that delivered nothing (every frame filtered or dropped at --rate) has no share or
      // fairness to chart either: the terminal shows '-' there; the page lists it with why.
      const charted = (r: SteeringResult) =>
        r.skipped === null && r.per_queue.length > 0 && r.delivered_mpps > 0;
      const results = m.results.filter(charted).map((r) => ({ ...r, traffic: r.traffic }));
      const notSimulated = m.results
        .filter((r) => !charted(r))
        .map((r) => ({
          strategy: r.strategy,
          traffic: r.traffic,
          queues: r.queues,
          // At --rate, an all-filtered mix's note says why (once): the row gives its drops.
          reason:
            r.skipped ??
            `no frame delivered at --rate (drops: ${
              Object.entries(r.drops)
                .map(([k, n]) => `${k} ${n}`)
                .join(", ") || "none"
            })`,
        }));
      await writeHtmlReport(o.html, {
        title: "iovsim steering",
        version: pkg.version,
        command: commandLine("steering", args),
        profile: o.profile,
        conditions: {
          link_gbps: linkGbps,
          nic: nic.port,
          seed: o.seed,
          trial_frames: o.frames,
          // NDR: zero loss; steering searches no PDR.
          ...(o.ndr ? { precision_of_line_rate: o.precision / 100 } : {}),
          // The load the rows 'at --rate' ran at: with --no-ndr the only method the run had,
          // and the conditions said nothing of it (paths --html names its --rate there).
          ...(o.rate ? { rate: o.rate.text } : {}),
        },
        steering: { results, not_simulated: notSimulated },
        notes,
        simulator: {
          frames: m.simulator.frames,
          simulations: m.simulator.simulations,
          wall_s: m.simulator.wall_s,
        },
        ...(m.faults ? { faults: faultLines(m) } : {}),
        cost_profile: (({ name, description, constants }) => ({ name, description, constants }))(
          loadCosts(o.profile),
        ),
      });
      ctx.err(`iovsim: wrote ${o.html}\n`);
    }
    if (o.format === "json") {
      const pkg = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8"));
      ctx.out(
        steeringJson(m, {
          profile: o.profile,
          nic: nic.id,
          version: pkg.version,
          link_gbps: linkGbps,
          frames: o.frames,
          seed: o.seed,
          notes,
          // A capture's records and frames left out before the engine, by reason, beside its size.
          mixes: sizes.map((size, i) => {
            const dropped = mixes[i]!.droppedBeforeEngine;
            return dropped ? { ...size, dropped_before_engine: dropped } : size;
          }),
          ...(o.faults.length > 0 ? { faults: o.faults.map(faultText) } : {}),
        }),
      );
    } else if (o.format === "csv") {
      // Rows only on stdout; the notes and the simulator's speed (wall clock) go to stderr.
      ctx.out(
        steeringCsv(m, { profile: o.profile, seed: o.seed, mixes: sizes, nic: nic.id, link_gbps: linkGbps }),
      );
      for (const n of notes) ctx.err(`iovsim: note: ${n}\n`);
      ctx.err(simulatorLine(m));
    } else {
      ctx.out(
        `steering (simulated, virtual time; cost profile ${o.profile}, ${nic.port} at ${linkGbps} Gbit/s)\n`,
      );
      for (const n of notes) ctx.out(`  ${n}\n`);
      ctx.out(steeringTable(m.results));
      const bars = perQueueBars(
        m.results.filter(
          (r) =>
            r.queues ===
            Math.max(...o.queues.filter((q) => m.results.some((x) => x.queues === q && !x.skipped))),
        ),
      );
      // Where no NDR was found, no row has a load to draw: the sections are left out.
      if (bars) ctx.out(`\nper-queue load (${ratePps !== null ? "at --rate" : "at NDR"}):\n${bars}`);
      const chart = o.ndr ? ndrChart(m.results) : "";
      if (chart) ctx.out(`\n${chart}`);
      if (o.faults.length > 0) {
        ctx.out(`\ninjected faults (simulated): ${o.faults.map(faultText).join(", ")}\n`);
        ctx.out("  sink-stall and generator-overrun at --rate; NDR searched fault-free\n");
        for (const l of faultLines(m)) ctx.out(`  ${l}\n`);
      }
      ctx.out(`\n${simulatorLine(m)}`);
    }
    for (const p of m.problems) ctx.err(`iovsim: ${p}\n`);
    if (m.problems.length > 0) return 2;
    return faultExit(o.faults, ctx);
  },
});

/** What the run's NIC is and gives each strategy, and the strategies it cannot run (left out). */
function nicNote(nic: SteeringNic, lacks: ReadonlyArray<{ st: string; why: string }>): string {
  const l = nic.limits;
  const pb = nic.profile.packetBuffer;
  const v = l.vfVectors;
  const head = `NIC ${nic.port} (profile ${nic.id}, ${nic.profile.pf.deviceName}): ${nic.linkGbps} Gbit/s, ${l.queuesPerVf} queues per VF${v ? ` (${v.queues} with an interrupt of their own)` : ""}, ${l.vfs} VFs, ${l.flowRules > 0 ? `${l.flowRules} flow-rule entries` : "no flow-rule table"}${pb ? `, ${pb.rxBytes} B receive packet buffer${pb.tag === "assumption" ? " (an assumption)" : ""}` : ""}`;
  return lacks.length === 0
    ? head
    : `${head}; left out (the NIC lacks them): ${lacks.map((x) => `${x.st}: ${x.why}`).join("; ")}`;
}

/**
 * One capture named twice in --mix (`pcap:a.pcap,pcap:./a.pcap`, a link, a hard link): the same
 * case simulated twice, as a mix given twice is; refused, naming both items.
 */
function refuseSameCapture(option: string, mixes: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const m of mixes) {
    if (!m.startsWith("pcap:") || m === "pcap:-") continue;
    const key = sameFileKey(m.slice("pcap:".length).trim());
    const first = seen.get(key);
    if (first)
      throw new UserError(
        "E_USAGE",
        `${option}: '${m}' is the same capture as '${first}' (each item is one case of the run)`,
      );
    seen.set(key, m);
  }
}

/**
 * A --rate row whose every frame the NIC's filters dropped has figures (all 0 delivered) but no
 * NDR: one note per mix says why (a row without --rate is skipped with the same reason in its
 * row, so it gets no note: said once).
 */
export function allFilteredNotes(results: readonly SteeringResult[]): string[] {
  const byMix = new Map<string, string>();
  for (const r of results)
    if (r.all_filtered && r.skipped === null && !byMix.has(r.traffic))
      byMix.set(r.traffic, `${r.traffic}: ${allFilteredText(r.drops)}`);
  return [...byMix.values()];
}

/**
 * The --mix list, split at its commas, except a comma inside a capture's file name: a piece
 * after `pcap:FILE` that is not a mix and makes `FILE,piece` a file that exists belongs to
 * that file name (`pcap:run,2.pcap`), which a plain split once refused as an unknown mix.
 */
export function splitMixes(value: string): string[] {
  const out: string[] = [];
  for (const piece of value.split(",")) {
    const last = out[out.length - 1];
    // The list's items are trimmed ("imix, pcap:FILE"): a capture after a space is one too.
    const joined = `${last?.trimStart()},${piece}`;
    if (
      last?.trimStart().startsWith("pcap:") &&
      !piece.trim().startsWith("pcap:") &&
      !(MIX_NAMES as readonly string[]).includes(piece.trim()) &&
      existsSync(joined.slice("pcap:".length).trimEnd())
    )
      out[out.length - 1] = joined;
    else out.push(piece);
  }
  return out.map((m) => m.trim());
}
