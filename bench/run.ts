// `npm run bench`: loads every bench/*.bench.ts suite, times its cases with tinybench 6 and
// prints measured rates (items/s of the simulator on this machine: "measured (simulator)"),
// the targets beside them, and the ratio Wasm ÷ TypeScript reference per group.
//   tsx bench/run.ts [--quick] [--only a,b] [--filter TEXT] [--json FILE]
// --only toeplitz,switch runs just bench/toeplitz.bench.ts and bench/switch.bench.ts.
import { readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Table from "cli-table3";
import { Bench } from "tinybench";
import { type BenchCase, type NativeCase, type Suite, TARGET_NATIVE_RATIO, TARGET_RATIO } from "./types.ts";

const here = dirname(fileURLToPath(import.meta.url));

interface Row {
  c: BenchCase | NativeCase;
  /** Native rows: the CPU-time rates of native and of the group's Wasm case. */
  cpu?: { native: number; wasm: number };
  rate: number; // items per second (NaN when the case failed)
  rme: number;
  samples: number;
  error?: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

type SuiteModule = {
  suite?: Suite;
  /** Printed above the lines the suite measured itself. */
  HEADING?: string;
};
function fmtRate(c: BenchCase | NativeCase, rate: number): string {
  return `${(rate / 1e6).toFixed(rate >= 1e7 ? 1 : 3)} ${c.unit}`;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const filter = arg("--filter");
  const only = arg("--only")?.split(",");
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => !only || only.includes(f.replace(/\.bench\.ts$/, "")))
    .sort();
  const cases: BenchCase[] = [];
  // Cases timed by their own program (native C references), run after the tinybench cases.
  const natives: NativeCase[] = [];
  const skipped: string[] = [];
  // Suites may also return lines they measured themselves (end-to-end runs): printed as given.
  const measured: Array<{ file: string; line: Record<string, unknown> }> = [];
  const headings = new Map<string, string>();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as SuiteModule;
    if (typeof mod.suite !== "function") throw new Error(`bench/${f} does not export suite(ctx)`);
    if (typeof mod.HEADING === "string") headings.set(f, mod.HEADING);
    const out = (await mod.suite({ quick })) as unknown[];
    for (const c of out) {
      if (typeof (c as NativeCase).measure === "function") {
        const nc = c as NativeCase;
        if (!filter || `${nc.group} ${nc.name}`.includes(filter)) natives.push(nc);
      } else if (typeof (c as { skipped?: unknown }).skipped === "string") {
        skipped.push((c as { skipped: string }).skipped);
      } else if (typeof (c as BenchCase).fn === "function") {
        const bc = c as BenchCase;
        if (!filter || `${bc.group} ${bc.name}`.includes(filter)) cases.push(bc);
      } else if (!filter || JSON.stringify(c).includes(filter)) {
        measured.push({ file: f, line: c as Record<string, unknown> });
      }
    }
  }
  const bench = new Bench({ time: quick ? 150 : 1000, warmupTime: quick ? 50 : 200 });
  for (const [i, c] of cases.entries()) bench.add(`${i} ${c.group} :: ${c.name} [${c.variant}]`, c.fn);
  process.stderr.write(`running ${cases.length} cases (${quick ? "quick" : "full"})...\n`);
  await bench.run();
  const timed: Row[] = cases.map((c, i) => {
    const r = bench.tasks[i]!.result as unknown as {
      state: string;
      latency?: { mean: number; rme: number; samplesCount?: number };
      error?: unknown;
    };
    if (!r.latency)
      return { c, rate: Number.NaN, rme: 0, samples: 0, error: `${r.state}: ${String(r.error)}` };
    return {
      c,
      rate: (c.items * 1000) / r.latency.mean,
      rme: r.latency.rme,
      samples: r.latency.samplesCount ?? 0,
    };
  });
  if (natives.length > 0) process.stderr.write(`running ${natives.length} native C references...\n`);
  const nativeRows: Row[] = natives.map((c) => {
    try {
      const m = c.measure();
      return { c, rate: m.rate, rme: 0, samples: 0, cpu: { native: m.cpuRate, wasm: m.wasmCpuRate } };
    } catch (e) {
      return { c, rate: Number.NaN, rme: 0, samples: 0, error: e instanceof Error ? e.message : String(e) };
    }
  });
  const rows = [...timed, ...nativeRows];

  const table = new Table({
    head: [
      "group",
      "case",
      "variant",
      "measured (simulator)",
      "±rme",
      "target",
      "wasm ÷ ref",
      `wasm ÷ native: wall clock; CPU time (target ≥ ${TARGET_NATIVE_RATIO}×)`,
    ],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    const { c } = row;
    if (row.error) {
      table.push([c.group, c.name, c.variant, `FAILED (${row.error})`, "", "", "", ""]);
      continue;
    }
    const ref = rows.find((x) => x.c.group === c.group && x.c.variant === "reference");
    const ratio = c.variant === "wasm" && ref ? row.rate / ref.rate : undefined;
    const nat = rows.find((x) => x.c.group === c.group && x.c.variant === "native" && !x.error);
    const nratio = c.variant === "wasm" && nat ? row.rate / nat.rate : undefined;
    const cratio = nratio !== undefined && nat?.cpu ? nat.cpu.wasm / nat.cpu.native : undefined;
    const goal = "target" in c ? c.target : undefined;
    const target = goal !== undefined ? `≥ ${goal} ${c.unit}` : "";
    const met = goal !== undefined ? (row.rate / 1e6 >= goal ? " (met)" : " (NOT met)") : "";
    table.push([
      c.group,
      c.name,
      c.variant,
      fmtRate(c, row.rate),
      c.variant === "native"
        ? `median of 7; CPU time ${fmtRate(c, row.cpu?.native ?? Number.NaN)}`
        : `${row.rme.toFixed(1)}%`,
      target + met,
      ratio !== undefined
        ? `${ratio.toFixed(1)}× (target ≥ ${TARGET_RATIO}×${ratio >= TARGET_RATIO ? ", met" : ", NOT met"})`
        : "",
      nratio !== undefined && cratio !== undefined
        ? `${nratio.toFixed(2)}×; ${cratio.toFixed(2)}× (${cratio >= TARGET_NATIVE_RATIO ? "met" : "NOT met"})`
        : "",
    ]);
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(
    `iovsim benchmarks — measured (simulator), single thread, ${cpu}, ${cpus().length} cores, Node ${process.version}\n`,
  );
  if (rows.length > 0) process.stdout.write(`${table.toString()}\n`);
  for (const line of new Set(skipped)) process.stdout.write(`${line}\n`);
  failed = rows.some((r) => r.error !== undefined);
  // Lines a suite measured itself: printed by their `text` under their suite's heading
  // ("simulator speed", wall clock), else as JSON.
  const bySuite = new Map<string, Array<{ file: string; line: Record<string, unknown> }>>();
  for (const m of measured) {
    const key = typeof m.line.suite === "string" ? m.line.suite : m.file;
    bySuite.set(key, [...(bySuite.get(key) ?? []), m]);
  }
  for (const [key, ms] of bySuite) {
    const heading = (headings.get(ms[0].file) ?? `${key} (measured by ${ms[0].file})`).trim();
    process.stdout.write(`${heading}\n`);
    for (const m of ms)
      process.stdout.write(
        typeof m.line.text === "string" ? `  ${m.line.text}\n` : `  ${JSON.stringify(m.line)}\n`,
      );
  }
  for (const row of rows)
    if (row.c.note) process.stdout.write(`  ${row.c.group} / ${row.c.name}: ${row.c.note}\n`);
  const json = arg("--json");
  if (json) {
    const out = rows.map((r) => ({
      group: r.c.group,
      name: r.c.name,
      variant: r.c.variant,
      unit: r.c.unit,
      ratePerSecond: r.rate,
      rmePercent: r.rme,
      target: ("target" in r.c ? r.c.target : undefined) ?? null,
      ...(r.cpu ? { cpuRatePerSecond: r.cpu.native, wasmCpuRatePerSecond: r.cpu.wasm } : {}),
    }));
    writeFileSync(json, `${JSON.stringify({ cpu, node: process.version, quick, results: out }, null, 2)}\n`);
  }
}

process.on("exit", () => {
  if (failed) process.exitCode = 1;
});
let failed = false;

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
