// End-to-end simulator rate (measured, not modeled): generator worker -> switch -> sink worker,
// 64-byte frames, on this machine's cores; and the virtio path (bridge + vhost copy + virtqueue).
// Floor 14.88 Mpps (10 GbE line rate), target 40 Mpps, moonshot 59.52 Mpps (40 GbE line rate).
// Run: `npx tsx bench/paths.bench.ts [--seconds S] [--repeat N] [--burst B]` (or through
// bench/run.ts, which imports `suite`). Reports medians and the spread of N runs; tests never assert these.
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
  opts: { seconds?: number; repeat?: number; burst?: number } = {},
): Promise<BenchLine[]> {
  const seconds = opts.seconds ?? 1;
  const repeat = opts.repeat ?? 3;
  const ph = setupHost(TALK_IOVCTL_CONF);
  const engine = await PathEngine.create(2);
  const lines: BenchLine[] = [];
  try {
    for (const [name, workers] of [
      ["native", 2],
      ["native", 1],
      ["virtio", 2],
      ["virtio", 1],
    ] as const) {
      const g = pathByName(name)!;
      const rates: number[] = [];
      // one warm-up run (JIT, page faults), not reported
      for (let i = 0; i <= repeat; i++) {
        const r = await runPath(engine, g, {
          traffic: defaultProfile({ dstMac: consumerMac(g, ph) }),
          workers,
          seconds,
          itrUs: 50,
          burst: opts.burst ?? 64,
          nic: nicFor(g, ph),
        });
        if (!r.conservation.ok || r.failures.length > 0)
          throw new Error(`${name}: run failed: ${JSON.stringify(r.conservation)} ${r.failures}`);
        if (i > 0) rates.push(r.measuredMpps);
      }
      lines.push({
        name,
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
      `  ${l.name.padEnd(7)} ${l.workers === 1 ? "1 worker (run-to-completion)" : `${l.workers} workers (gen | switch+sink)`}`.padEnd(
        56,
      ) +
        `median ${l.mppsMedian.toFixed(2)} Mpps (min ${l.mppsMin.toFixed(2)}, max ${l.mppsMax.toFixed(2)}, ${l.runs} runs)${verdict}`,
    );
  }
  for (const w of [1, 2]) {
    const n = lines.find((l) => l.name === "native" && l.workers === w);
    const v = lines.find((l) => l.name === "virtio" && l.workers === w);
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
    burst: arg("--burst", 64),
  }).then((l) => process.stdout.write(format(l)));
}
