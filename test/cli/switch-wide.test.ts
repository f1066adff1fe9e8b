// `iovsim switch` on ixl0 with its maximum of 64 VFs: 65 switch pools, the PF in pool 64 (the hi
// word of the switch's pool sets). Frames to VF-63 and to the PF, from the wire, a VF and the
// PF, through both engines, which must write the same captures and counters (issue 9 item 4).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const tmp = tempDir("iovsim-switch-wide-");
const state = join(tmp, "state");
const conf = join(tmp, "ixl64.conf");
const VF0 = "02:00:00:00:00:10";
const VF63 = "02:00:00:00:00:4f";
const EXT = "02:99:00:00:00:01";
writeFileSync(
  conf,
  `PF { device: "ixl0"; num_vfs: 64; }
VF-0 { mac-addr: "${VF0}"; }
VF-63 { mac-addr: "${VF63}"; }
`,
);

const pcap = (name: string, frames: Uint8Array[], t0: bigint) => writeFrames(join(tmp, name), frames, { t0 });

const frames = (p: string) => readCaptureFile(p).records.map((r) => r.data);
const bcast = (src: string) => eth({ dst: "ff:ff:ff:ff:ff:ff", src }).arp().build({ padTo: 60 });
const toVf63 = (src: string, sport: number) =>
  eth({ dst: VF63, src })
    .ipv4({ src: "10.0.0.1", dst: "10.0.0.63" })
    .udp({ sport, dport: 80 })
    .build({ padTo: 60 });

const wire = pcap("wire.pcap", [toVf63(EXT, 1), bcast(EXT)], 0n);
const vf0 = pcap("vf0.pcap", [toVf63(VF0, 2), bcast(VF0)], 10_000n);
const pf = pcap("pf.pcap", [toVf63("02:aa:00:00:00:01", 3)], 20_000n);

describe("iovsim switch: ixl0 with 64 VFs (65 pools)", () => {
  const outputs: Record<string, string> = {};

  it.each(["wasm", "reference"])(
    "%s engine: frames reach VF-63 and the PF (pool 64)",
    async (engine) => {
      const out = join(tmp, `out-${engine}`);
      const { code: rc, err } = await iovsim(
        [
          "--state",
          state,
          "switch",
          "-f",
          conf,
          "--in",
          `wire=${wire}`,
          "--in",
          `VF-0=${vf0}`,
          "--in",
          `PF=${pf}`,
        ].concat(["--out", out, "--engine", engine]),
      );
      expect(err).toBe("");
      expect(rc).toBe(0);
      // VF-63: the unicast from the wire, VF-0 and the PF (UDP source ports 1, 2, 3), both broadcasts.
      const got63 = frames(join(out, "VF-63.pcap")).map((f) => parseFrame(f));
      expect(got63.map((f) => f.l4?.sport ?? "arp")).toEqual([1, "arp", 2, "arp", 3]);
      // The PF (pool 64) received both broadcasts, the wire's and VF-0's (loopback).
      const gotPf = frames(join(out, "PF.pcap")).map((f) => parseFrame(f).eth?.src);
      expect(gotPf).toEqual([EXT, VF0]);
      // Every other VF got the two broadcasts too (VF-0 only the wire's: no loopback to the sender).
      expect(frames(join(out, "VF-62.pcap"))).toHaveLength(2);
      expect(frames(join(out, "VF-0.pcap"))).toHaveLength(1);
      // Only VF-0's broadcast left by the wire: the unicast frames had an exact filter hit.
      expect(frames(join(out, "wire.pcap")).map((f) => parseFrame(f).eth?.src)).toEqual([VF0]);
      const c = JSON.parse(readFileSync(join(out, "counters.json"), "utf8"));
      expect(c.conservation).toBe("ok");
      expect(Object.keys(c.counters.pools)).toHaveLength(65);
      expect(c.counters.pools["VF-63"].rx_packets).toBe(5);
      expect(c.counters.pools.PF.rx_packets).toBe(2);
      expect(c.counters.pools.PF.tx_packets).toBe(1);
      outputs[engine] = readFileSync(join(out, "VF-63.pcap")).toString("hex") + JSON.stringify(c.counters);
    },
    60_000,
  );

  it("both engines wrote the same VF-63 capture and counters", () => {
    expect(outputs.wasm).toBeDefined();
    expect(outputs.wasm).toBe(outputs.reference);
  });
});
