// `iovsim steering`: steering strategies on encapsulated traffic, every decision made by the
// switch (Wasm data plane, or the TypeScript reference with --engine reference).
import { UserError } from "../../errors.ts";
import { DEFAULT_STEERING, runSteeringMatrix, type SteeringOptions } from "../../steering/compare.ts";
import { steeringCsv, steeringJson, steeringNotes, steeringTable } from "../../steering/format.ts";
import { STEERING_MODEL } from "../../steering/model.ts";
import { STRATEGY_IDS, type StrategyId } from "../../steering/strategies.ts";
import { REGIMES, type Regime, STEERING_ENCAPS, type SteeringEncap } from "../../steering/traffic.ts";
import type { Command } from "../context.ts";
import { withProgress } from "./progress.ts";

const HELP = `usage: iovsim steering [options]

Steering strategies on encapsulated traffic (mission item 4; docs/steering.md). For each
traffic set and strategy, the VFs are created through the control plane on a fresh in-memory
host (ixl0), the NIC's switch is programmed from them, the frames go through the switch (the
Wasm data plane) and the frames each core received are read from the switch's queue counters.

Traffic (--encap, --regime):
  encapsulations  vxlan, gtpu (TEID per UE, extension headers on 1 UE in 3), gre (with key),
                  nvgre, mpls (2-3 label stacks over Ethernet), qinq (S-tag + C-tag, plain IP)
  regimes         one-tunnel  one tunnel endpoint pair, fixed outer headers
                  entropy     per-flow entropy in the outer headers (RFC 7348 UDP source port for
                              vxlan/gtpu; GRE key, NVGRE FlowID, MPLS entropy label otherwise)
                  instances   the talk's fix: n generator instances, each with its own MAC
Strategies (--strategy), n = --queues:
  single       one VF, 1 Rx queue                 outer-rss    one VF, n queues, RSS on outer headers
  inner-rss    one VF, n queues, inner RSS        mac-vf       n VFs with unique MACs, 1 queue each
  sw-dispatch  one VF, 1 queue + a software dispatcher hashing the inner tuple to n worker rings:
               the dispatcher and the n workers are worker threads (piscina) on the shared-memory
               SPSC rings; --dispatch inline runs them in one thread instead

Options:
  --encap LIST       encapsulations, comma-separated, or 'all' (default vxlan,gtpu,gre,mpls,qinq)
  --regime LIST      one-tunnel,entropy,instances (default all three)
  --strategy LIST    single,outer-rss,inner-rss,mac-vf,sw-dispatch (default all)
  --queues N         cores / queues / VFs / generator instances, 1..16 (default 4)
  --flows N          inner flows, 1..65535 (default 256)
  --zipf [S]         Zipf flow popularity with exponent S (default 1.0); default uniform
  --frames N         frames per traffic set, 1..1000000 (default 4096)
  --seed N           seed for the Zipf draws (default 1)
  --engine E         wasm (default) or reference (the TypeScript reference switch; single thread)
  --dispatch MODE    software dispatch on 'threads' (default: 1 dispatcher + n worker threads)
                     or 'inline' (dispatcher and workers in the switch's thread)
  --json | --csv     machine-readable output
  -h, --help         this text

Columns: frames per core; Jain's index (anchors §4.3); measured Mpps (sim) = wall-clock rate of
the run through this simulator (not a NIC's rate); modeled Mpps = ${STEERING_MODEL.coreMpps} Mpps per core × n ×
mean/max per-core load, software dispatch capped at ${STEERING_MODEL.dispatcherMpps} Mpps by its one dispatcher thread
(constants and their sources: src/steering/steering-model.json).
Divergence: the receiving VF of the one-VF strategies accepts every generator instance's MAC as
a secondary unicast filter (iavf ADD_ETH_ADDR), so all strategies see the same frames.
`;

type Flag = "json" | "csv";

function parseList<T extends string>(opt: string, text: string, allowed: readonly T[]): T[] {
  if (text === "all") return [...allowed];
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0)
    throw new UserError("E_USAGE", `${opt}: empty list (choose from ${allowed.join(", ")})`);
  for (const i of items) {
    if (!allowed.includes(i as T))
      throw new UserError(
        "E_USAGE",
        `${opt}: unknown value '${i}' (choose from ${allowed.join(", ")}, or all)`,
      );
  }
  return [...new Set(items as T[])];
}

function parseInteger(opt: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text))
    throw new UserError("E_USAGE", `${opt}: '${text}' is not an integer in ${min}..${max}`);
  const n = Number(text);
  if (n < min || n > max) throw new UserError("E_USAGE", `${opt}: ${n} is outside ${min}..${max}`);
  return n;
}

export function parseSteeringArgs(args: string[]): { opts: SteeringOptions; format: "table" | Flag } {
  const opts: SteeringOptions = { ...DEFAULT_STEERING, encaps: [...DEFAULT_STEERING.encaps] };
  let format: "table" | Flag = "table";
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined || v.startsWith("--"))
        throw new UserError("E_USAGE", `option '${a}' needs a value`);
      i++;
      return v;
    };
    switch (a) {
      case "--encap":
        opts.encaps = parseList<SteeringEncap>(a, value(), STEERING_ENCAPS);
        break;
      case "--regime":
        opts.regimes = parseList<Regime>(a, value(), REGIMES);
        break;
      case "--strategy":
        opts.strategies = parseList<StrategyId>(a, value(), STRATEGY_IDS);
        break;
      case "--queues":
        opts.queues = parseInteger(a, value(), 1, 16);
        break;
      case "--flows":
        opts.flows = parseInteger(a, value(), 1, 65535);
        break;
      case "--frames":
        opts.frames = parseInteger(a, value(), 1, 1_000_000);
        break;
      case "--seed":
        opts.seed = parseInteger(a, value(), 0, 2 ** 32 - 1);
        break;
      case "--zipf": {
        opts.popularity = "zipf";
        const next = inline ?? args[i + 1];
        if (next !== undefined && !next.startsWith("--")) {
          if (inline === undefined) i++;
          const s = Number(next);
          if (!/^\d+(\.\d+)?$/.test(next) || !(s > 0 && s <= 10))
            throw new UserError("E_USAGE", `--zipf: '${next}' is not an exponent in (0, 10]`);
          opts.zipfS = s;
        }
        break;
      }
      case "--engine": {
        const e = value();
        if (e !== "wasm" && e !== "reference")
          throw new UserError("E_USAGE", `--engine: unknown engine '${e}' (wasm or reference)`);
        opts.engine = e;
        break;
      }
      case "--dispatch": {
        const m = value();
        if (m !== "threads" && m !== "inline")
          throw new UserError("E_USAGE", `--dispatch: unknown mode '${m}' (threads or inline)`);
        opts.dispatchThreads = m === "threads";
        break;
      }
      case "--json":
      case "--csv":
        if (inline !== undefined) throw new UserError("E_USAGE", `option '${a}' takes no value`);
        if (format !== "table" && format !== a.slice(2))
          throw new UserError("E_USAGE", "--json and --csv cannot be combined");
        format = a.slice(2) as Flag;
        break;
      default:
        throw new UserError("E_USAGE", `unknown option '${args[i]}' (see iovsim steering --help)`);
    }
  }
  return { opts, format };
}

export const command: Command = {
  name: "steering",
  summary: "steering strategies on encapsulated traffic: per-queue counts, Jain's index, Mpps",
  async run(args, ctx) {
    if (args.includes("--help") || args.includes("-h")) {
      ctx.out(HELP);
      return 0;
    }
    const { opts, format } = parseSteeringArgs(args);
    const total = opts.encaps.length * opts.regimes.length * opts.strategies.length;
    const report = await withProgress(ctx, total, (progress) => {
      let done = 0;
      return runSteeringMatrix(opts, (row) =>
        progress(++done, total, `${row.encap}/${row.regime}/${row.strategy}`),
      );
    });
    if (format === "json") ctx.out(steeringJson(report));
    else if (format === "csv") ctx.out(steeringCsv(report));
    else {
      ctx.out(
        `steering over ${opts.queues} cores: ${opts.flows} inner flows (${opts.popularity === "zipf" ? `Zipf s=${opts.zipfS}` : "uniform"}), ${opts.frames} frames per traffic set, engine ${opts.engine}\n`,
      );
      ctx.out(steeringTable(report.rows));
      ctx.out(steeringNotes(report));
    }
    for (const p of report.problems) ctx.err(`iovsim: ${p}\n`);
    return report.problems.length > 0 ? 2 : 0;
  },
};
