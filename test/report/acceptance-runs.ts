// The small runs the report acceptance tests share (one per command, cheap enough to repeat) and
// the walks over a JSON document they use: every number with its key path, the wall-clock
// `simulator` blocks set apart.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";

export const IXL0_CONF = "examples/ixl0.conf";
export const IN_PCAP = "examples/in.pcap";

/** Each command's report run, without its output option (--json, --csv, --html FILE). */
export const RUNS = {
  paths: ["paths", "--path", "native", "--size", "64", "--count", "400"],
  ping: ["ping", "--path", "vm-vf", "-c", "3"],
  steering: [
    "steering",
    "--mix",
    "vxlan",
    "--strategy",
    "single,outer-rss",
    "--queues",
    "1,2",
    "--frames",
    "500",
  ],
  fidelity: ["fidelity", "--case", "talk-ping-jail"],
  switch: ["switch", "-f", IXL0_CONF, "--in", `wire=${IN_PCAP}`],
  demo: ["demo", "--size", "64", "--trial-ms", "0.2"],
} as const satisfies Record<string, readonly string[]>;

export type RunName = keyof typeof RUNS;

/** A copy of a file under a directory whose name a shell and an HTML page both must quote. */
export function hostileCopy(file: string, name: string): string {
  const dir = join(tempDir("iovsim-report-acc-"), `a&b <script>alert("x")`);
  mkdirSync(dir);
  const to = join(dir, name);
  copyFileSync(file, to);
  return to;
}

export type Leaf = { path: string; key: string; value: unknown };

/** Every leaf (not an object or array) of a JSON value, with its path ("a.b[0].c") and key. */
export function leaves(v: unknown, path = "", key = ""): Leaf[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${path}[${i}]`, key));
  if (v !== null && typeof v === "object")
    return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k, k));
  return [{ path, key, value: v }];
}

/** The document without any `simulator` block (the wall clock: how fast this machine ran). */
export function withoutWallClock(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutWallClock);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "simulator")
        .map(([k, x]) => [k, withoutWallClock(x)]),
    );
  return v;
}

/** A profile variant whose name holds a comma and braces: a CSV cell that must be quoted. */
export const COMMA_PROFILE = "bhyve{cpu_ghz=3,host_irq_cycles=900}";

/**
 * Runs a sweep into a new results directory with the CLI in this process (each point as
 * `sweep run` would run it, without a child process) and returns the directory.
 */
export async function runSweepHere(text: string): Promise<string> {
  const { planSweep } = await import("../../src/sweep/plan.ts");
  const { parseSweep } = await import("../../src/sweep/spec.ts");
  const { runShard } = await import("../../src/sweep/run.ts");
  const { toolVersion } = await import("../../src/version.ts");
  const { iovsim } = await import("../helpers/cli.ts");
  const plan = planSweep({ file: "acc.yaml", text, spec: parseSweep(text, "acc.yaml") });
  const dir = join(tempDir("iovsim-report-acc-sweep-"), "results");
  const sum = await runShard({
    plan,
    text,
    version: await toolVersion(),
    dir,
    shard: { k: 0, n: 1 },
    execute: async (args) => {
      const r = await iovsim(args);
      return { exitCode: r.code, stdout: r.out, stderr: r.err };
    },
  });
  if (sum.failed > 0) throw new Error(`sweep: ${sum.failed} points failed`);
  return dir;
}

/** Two paths points per profile: one a variant named with a comma; NDR searched. */
export const SWEEP_NDR = `name: acc-ndr
experiment: paths
axes:
  size: [64, 1518]
  profile: [bhyve, "${COMMA_PROFILE}"]
seed: { policy: fixed, value: 1 }
options: { path: native, count: 300 }
`;

/** A sweep at a fixed offered load (--rate): no NDR is searched. */
export const SWEEP_RATE = `name: acc-rate
experiment: paths
axes:
  size: [64, 1518]
  rate: [10%]
seed: { policy: fixed, value: 1 }
options: { path: native, count: 300 }
`;

/** One steering point per core count. */
export const SWEEP_STEERING = `name: acc-steering
experiment: steering
axes:
  queues: [1, 2]
seed: { policy: fixed, value: 1 }
options: { mix: vxlan, strategy: outer-rss, frames: 500 }
`;

/** One fidelity case (fidelity takes no seed). */
export const SWEEP_FIDELITY = `name: acc-fidelity
experiment: fidelity
axes:
  case: [talk-ping-jail]
`;

/**
 * Other kinds of run than RUNS' (both directions, --rate on IMIX, a closed loop, a capture,
 * injected faults, ping on virtio): what, which command's schema, argv, exit status. The JSON
 * and CSV acceptance tests each run those their output applies to.
 */
export const VARIANT_RUNS: Array<[string, RunName, string[], number]> = [
  [
    "paths --direction both",
    "paths",
    ["paths", "--path", "native,vm-vf", "--size", "64", "--count", "300", "--direction", "both"],
    0,
  ],
  [
    "paths --rate on imix",
    "paths",
    ["paths", "--path", "native", "--size", "64,imix", "--count", "300", "--rate", "20%"],
    0,
  ],
  [
    "paths --application --window",
    "paths",
    ["paths", "--path", "vm-vf", "--trial-ms", "0.2", "--application", "--window", "32"],
    0,
  ],
  [
    "paths --pcap",
    "paths",
    [
      "paths",
      "--path",
      "native",
      "--pcap",
      "examples/in.pcap",
      "--count",
      "300",
      "--rewrite-dst",
      "consumer",
    ],
    0,
  ],
  [
    "paths --inject-fault",
    "paths",
    [
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--count",
      "300",
      "--inject-fault",
      "sink-stall,generator-overrun",
    ],
    3,
  ],
  [
    "steering --rate --inject-fault",
    "steering",
    [
      "steering",
      "--mix",
      "mix,plain",
      "--strategy",
      "sw-dispatch,flow-rules",
      "--queues",
      "2,4",
      "--frames",
      "500",
      "--rate",
      "10%",
      "--no-ndr",
      "--inject-fault",
      "sink-stall",
    ],
    3,
  ],
  [
    // A capture with frames left out before the engine (37 records cut to 0 bytes).
    "steering --mix pcap:",
    "steering",
    [
      "steering",
      "--mix",
      "pcap:test/fixtures/captures/tcpdump/malformed/bgp_vpn_rt-oobr.pcap",
      "--strategy",
      "single",
      "--queues",
      "1",
      "--frames",
      "500",
      "--rate",
      "10%",
      "--no-ndr",
    ],
    0,
  ],
  ["ping -c 1 on virtio", "ping", ["ping", "--path", "virtio", "-c", "1"], 0],
];
