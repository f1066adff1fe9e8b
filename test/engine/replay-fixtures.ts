// What the replay tests share (rx: replay.test.ts, tx: replay-tx.test.ts): a short simulation of
// a replayed capture, the conservation identity restated, and small captures written on the fly.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulate } from "../../src/engine/simulate.ts";
import type { Direction, ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { writePcap } from "../../src/traffic/pcap.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import type { ReplaySpec } from "../../src/traffic/replay.ts";

export const captures = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");
export const QINQ = join(captures, "QinQpacket.pcap"); // 249 broadcast frames (issue 9's example)
export const DNS = join(captures, "dns_udp.pcap"); // 2 unicast frames between MACs of another network
const tmp = mkdtempSync(join(tmpdir(), "iovsim-replay-"));

/** 500 kpps for 0.4 ms (200 frames) of `replay` on `path`, in `direction`. */
export function replayRun(
  direction: Direction,
  path: string,
  replay: Omit<ReplaySpec, "timing"> & { timing?: ReplaySpec["timing"] },
  o: Partial<ScenarioSpec> = {},
): SimResult {
  return simulate({
    path,
    direction,
    traffic: defaultProfile(),
    ratePps: 500_000,
    arrival: "constant",
    durationNs: 400_000,
    seed: 1,
    profile: "bhyve",
    replay: { timing: "paced", ...replay },
    ...o,
  });
}

export const sum = (x: Record<string, number> | undefined) =>
  Object.values(x ?? {}).reduce((a, b) => a + b, 0);

/** The identity the engine checks, restated: every frame and copy accounted for once. */
export function conserves(r: SimResult): boolean {
  const k = r.conservation;
  return k.sent + k.copies === k.delivered + sum(k.deliveredElsewhere) + sum(k.dropped) + k.inFlight;
}

/** A classic pcap (µs) of these frames, optionally followed by a record cut short. */
export function pcapOf(name: string, frames: Uint8Array[], tsUs: number[], corruptTail = false): string {
  const bytes = writePcap(
    frames.map((data, i) => ({
      ts: BigInt(tsUs[i]) * 1000n,
      data,
      origLen: data.length,
      iface: 0,
      linktype: 1,
    })),
  );
  const tail = corruptTail
    ? new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 1, 2])
    : new Uint8Array(0);
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes);
  out.set(tail, bytes.length);
  const file = join(tmp, name);
  writeFileSync(file, out);
  return file;
}

/** A unicast IPv4 frame of `len` bytes to `dst`, from a MAC of another network. */
export function unicastFrame(len: number, dst = [0x02, 0x99, 0, 0, 0, 1]): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set([0x02, 0x00, 0x00, 0x00, 0xff, 0x01], 6);
  f[12] = 0x08; // IPv4 ethertype; the rest is payload as far as the switch is concerned
  return f;
}
