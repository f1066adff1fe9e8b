// A small harness for the data-plane acceptance sweep: writes captures, runs `iovsim switch`
// in-process on both engines (the Wasm kernels and the TypeScript reference), requires the two
// to agree byte for byte, and hands back what each function received, the wire and counters.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { PacketRecord } from "../../src/traffic/capture.ts";
import { encodeCapture, readCaptureFile, type WriteOptions } from "../../src/traffic/capture-io.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

export const tmp = tempDir("iovsim-dp-sweep-");
const state = join(tmp, "state"); // never created: switch reads the embedded default host
let seq = 0;

/** An iovctl.conf in the temporary directory. */
export function conf(text: string): string {
  const p = join(tmp, `c${seq++}.conf`);
  writeFileSync(p, text);
  return p;
}

/** Frames as one capture file (1 µs apart from t0 ns), any format the writer knows. */
export function capture(
  frames: Uint8Array[],
  opts: WriteOptions & { t0?: bigint; step?: bigint } = {},
): string {
  const { t0 = 1_000_000_000n, step, ...write } = opts;
  const p = join(tmp, `in${seq++}.${opts.format === "pcapng" ? "pcapng" : "pcap"}`);
  return writeFrames(p, frames, { ...write, t0, stepNs: step ?? 1000n });
}

/** Records written as given (interfaces, link types, original lengths). */
export function captureRecords(records: PacketRecord[], opts: WriteOptions = {}): string {
  const p = join(tmp, `in${seq++}.${opts.format === "pcapng" ? "pcapng" : "pcap"}`);
  writeFileSync(p, encodeCapture(records, opts));
  return p;
}

export async function cli(...argv: string[]) {
  const { code: rc, out, err } = await iovsim(["--state", state, ...argv]);
  return { rc, out, err };
}

export interface SwitchRun {
  rc: number;
  out: string;
  err: string;
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: counters.json is checked field by field
  c: any;
  /** Frames a function received ("PF", "VF-0", ...) or the wire got ("wire"). */
  got(name: string): Uint8Array[];
  /** Frames in a function's queue k (needs --per-queue). */
  queue(name: string, k: number): Uint8Array[];
}

function readDir(dir: string, rc: number, out: string, err: string): SwitchRun {
  const ext = readdirSync(dir).some((f) => f.endsWith(".pcapng")) ? "pcapng" : "pcap";
  const frames = (file: string) =>
    readCaptureFile(join(dir, `${file}.${ext}`)).records.map((r) => new Uint8Array(r.data));
  return {
    rc,
    out,
    err,
    dir,
    c: JSON.parse(readFileSync(join(dir, "counters.json"), "utf8")),
    got: (name) => frames(name),
    queue: (name, k) => frames(`${name}.q${k}`),
  };
}

/**
 * Runs `iovsim switch -f CONF --in PORT=FILE ... --out DIR` on both engines; they must write the
 * same captures and counters (apart from the engine's name). Returns the Wasm engine's run.
 */
export async function runSwitch(
  confFile: string,
  inputs: Record<string, string> | string[],
  ...extra: string[]
) {
  const ins = Array.isArray(inputs) ? inputs : Object.entries(inputs).map(([p, f]) => `${p}=${f}`);
  const runs: SwitchRun[] = [];
  for (const engine of ["wasm", "reference"]) {
    const dir = join(tmp, `out${seq++}`);
    const argv = [
      "switch",
      "-f",
      confFile,
      ...ins.flatMap((i) => ["--in", i]),
      "--out",
      dir,
      "--engine",
      engine,
    ];
    const r = await cli(...argv, ...extra);
    expect(r.err, `${engine}: stderr`).toBe("");
    expect(r.rc, `${engine}: exit status`).toBe(0);
    runs.push(readDir(dir, r.rc, r.out, r.err));
  }
  const [w, ref] = runs;
  const strip = (c: SwitchRun["c"]) => ({ ...c, engine: undefined });
  expect(strip(w.c), "both engines: counters.json").toEqual(strip(ref.c));
  for (const f of readdirSync(w.dir).filter((x) => x !== "counters.json"))
    expect(readFileSync(join(w.dir, f)).equals(readFileSync(join(ref.dir, f))), `both engines: ${f}`).toBe(
      true,
    );
  expect(w.c.conservation).toBe("ok");
  return w;
}

/** The received-frame counts of every function, e.g. { "VF-0": 1, PF: 0, ... }. */
export function receivedCounts(r: SwitchRun): Record<string, number> {
  return Object.fromEntries(
    (r.c.functions as Array<{ name: string; received: number }>)
      .filter((f) => f.name !== "wire")
      .map((f) => [f.name, f.received]),
  );
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
