// End-to-end simulator rate (measured, not modeled): generator worker -> switch -> sink worker,
// 64-byte frames, on this machine's cores; and the virtio path (bridge + vhost copy + virtqueue).
// Floor 14.88 Mpps (10 GbE line rate), target 40 Mpps, moonshot 59.52 Mpps (40 GbE line rate).
// Run: `npx tsx bench/paths.bench.ts [--seconds S] [--repeat N] [--burst B] [--idle-spins N]
// [--idle-wait-us U] [--only native]` (or through bench/run.ts, which imports `suite`). Reports
// medians and the spread of N runs; tests never assert these. Native with 2 workers runs in two
// placements: the default pipeline (generator alone | switch + sink) and generator + switch | sink.
import { cpus } from "node:os";
import { consumerMac, nicFor } from "../src/paths/compare.ts";
import { PathEngine } from "../src/paths/engine.ts";
import { pathByName } from "../src/paths/graphs.ts";
import { runPath } from "../src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../src/paths/setup.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

export const FLOOR_MPPS = 14.88;
export const TARGET_MPPS = 40;
export const MOONSHOT_MPPS = 59.52;

export interface BenchLine {
  name: string;
  /** How the steps sat on the workers. */
  policy: string;
  workers: number;
  mppsMedian: number;
  mppsMin: number;
  mppsMax: number;
  runs: number;
}

function median(x: number[]): number {
  const s = [...x].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function suite(
  opts: {
    seconds?: number;
    repeat?: number;
    burst?: number;
    idleSpins?: number;
    idleWaitUs?: number;
    only?: string;
  } = {},
): Promise<BenchLine[]> {
  const seconds = opts.seconds ?? 1;
  const repeat = opts.repeat ?? 3;
  const ph = setupHost(TALK_IOVCTL_CONF);
  const engine = await PathEngine.create(2);
  const lines: BenchLine[] = [];
  try {
    const cases: Array<[string, number, string[][]?]> = [
      ["native", 2],
      ["native", 2, [["gen", "veb-rx"], ["host-stack"]]],
      ["native", 1],
      ["virtio", 2],
      ["virtio", 1],
    ];
    for (const [name, workers, placement] of cases) {
      if (opts.only && !opts.only.split(",").includes(name)) continue;
      const g = pathByName(name)!;
      const rates: number[] = [];
      // one warm-up run (JIT, page faults), not reported
      for (let i = 0; i <= repeat; i++) {
        const r = await runPath(engine, g, {
          traffic: defaultProfile({ dstMac: consumerMac(g, ph) }),
          workers,
          seconds,
          itrUs: 50,
          burst: opts.burst ?? 256,
          idleSpins: opts.idleSpins,
          idleWaitUs: opts.idleWaitUs,
          placement,
          nic: nicFor(g, ph),
        });
        if (!r.conservation.ok || r.failures.length > 0)
          throw new Error(`${name}: run failed: ${JSON.stringify(r.conservation)} ${r.failures}`);
        if (i > 0) rates.push(r.measuredMpps);
      }
      lines.push({
        name,
        policy: placement
          ? placement.map((w) => w.join(" + ")).join(" | ")
          : workers === 1
            ? "run-to-completion"
            : "gen | switch + sink",
        workers,
        mppsMedian: median(rates),
        mppsMin: Math.min(...rates),
        mppsMax: Math.max(...rates),
        runs: rates.length,
      });
    }
  } finally {
    await engine.close();
  }
  return lines;
}

export function format(lines: BenchLine[]): string {
  const out = [
    `paths bench (measured, simulator): ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), Node ${process.version}, 64-byte frames`,
  ];
  for (const l of lines) {
    const verdict =
      l.name !== "native"
        ? ""
        : l.mppsMedian >= MOONSHOT_MPPS
          ? "  >= moonshot"
          : l.mppsMedian >= TARGET_MPPS
            ? "  >= target"
            : l.mppsMedian >= FLOOR_MPPS
              ? "  >= floor"
              : "  BELOW FLOOR (14.88)";
    out.push(
      `  ${l.name.padEnd(7)} ${l.workers === 1 ? "1 worker (run-to-completion)" : `${l.workers} workers (${l.policy})`}`.padEnd(
        56,
      ) +
        `median ${l.mppsMedian.toFixed(2)} Mpps (min ${l.mppsMin.toFixed(2)}, max ${l.mppsMax.toFixed(2)}, ${l.runs} runs)${verdict}`,
    );
  }
  for (const w of [1, 2]) {
    const n = lines.find(
      (l) => l.name === "native" && l.workers === w && l.policy !== "gen + veb-rx | host-stack",
    );
    const v = lines.find(
      (l) => l.name === "virtio" && l.workers === w && l.policy !== "gen + veb-rx | host-stack",
    );
    if (n && v)
      out.push(`  ratio virtio / native, ${w} worker(s): ${(v.mppsMedian / n.mppsMedian).toFixed(2)}`);
  }
  out.push(
    `  floor ${FLOOR_MPPS} Mpps, target ${TARGET_MPPS} Mpps, moonshot ${MOONSHOT_MPPS} Mpps (end to end, native path)`,
  );
  return `${out.join("\n")}\n`;
}

const isMain =
  process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isMain) {
  const arg = (n: string, d: number) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  suite({
    seconds: arg("--seconds", 1),
    repeat: arg("--repeat", 3),
    burst: arg("--burst", 256),
    idleSpins: process.argv.includes("--idle-spins") ? arg("--idle-spins", 256) : undefined,
    idleWaitUs: process.argv.includes("--idle-wait-us") ? arg("--idle-wait-us", 50) : undefined,
    only: process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined,
  }).then((l) => process.stdout.write(format(l)));
}
