// Start-up of the CLI (simulator speed, wall clock and CPU on this machine): whole `iovsim`
// processes, launcher and CLI together, for a few commands that do little besides starting,
// as scripts run them many times over. Each command runs `runs` times; the lines give medians.
// The first line runs the TypeScript sources under tsx (IOVSIM_TSX=1), what every command
// paid before the launcher ran the bundled CLI (bin/cli-bundle.js).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SuiteContext } from "./types.ts";

export const HEADING =
  "simulator speed: CLI start-up (whole processes, launcher and CLI; wall clock and CPU)";

const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "iovsim.js");

const COMMANDS: Array<{ argv: string[]; env?: Record<string, string>; label?: string }> = [
  { argv: ["--version"], env: { IOVSIM_TSX: "1" }, label: "--version (sources under tsx: IOVSIM_TSX=1)" },
  { argv: ["--version"] },
  { argv: ["--help"] },
  { argv: ["iovctl", "-C", "-n", "-f", join(root, "examples", "ixl0.conf")] },
  { argv: ["pciconf", "-l"] },
  { argv: ["model", "show"] },
  { argv: ["paths", "--help"] },
];

/** CPU seconds of this process's waited-for children (Linux /proc; undefined elsewhere). */
function childrenCpuS(): number | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from field 3 here; clock ticks.
  return (Number(f[13]) + Number(f[14])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function suite({ quick }: SuiteContext) {
  const runs = quick ? 3 : 7;
  const state = mkdtempSync(join(tmpdir(), "iovsim-startup-bench-"));
  try {
    // Not timed: builds the bundle if the sources changed since the last run.
    spawnSync(process.execPath, [bin, "--version"]);
    return COMMANDS.map(({ argv, env, label }) => {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const c0 = childrenCpuS();
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [bin, "--state", state, ...argv], {
          env: { ...process.env, ...env },
          stdio: "ignore",
        });
        wall.push(performance.now() - t0);
        const c1 = childrenCpuS();
        if (c0 !== undefined && c1 !== undefined) cpu.push((c1 - c0) * 1e3);
        if (r.error) throw r.error;
      }
      const name = label ?? argv.map((a) => a.replace(`${root}/`, "")).join(" ");
      const cpuText = cpu.length ? `, CPU ${median(cpu).toFixed(0)} ms` : "";
      return {
        suite: "startup",
        case: name,
        wall_ms: median(wall),
        ...(cpu.length ? { cpu_ms: median(cpu) } : {}),
        runs,
        text: `iovsim ${name}: wall ${median(wall).toFixed(0)} ms${cpuText} (median of ${runs})`,
      };
    });
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
