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
  const dir = join(tempDir("iovsim-report-acc-"), `a&b <script>alert("x")</script>`);
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
