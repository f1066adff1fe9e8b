// `decode --json` shows the symmetric hashes: both directions of a GTP-U conversation agree.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildMix } from "../../src/steering/traffic.ts";
import { writePcap } from "../../src/traffic/pcap.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

describe("decode --json rss_symmetric", () => {
  it("uplink and downlink of one subscriber: plain hashes differ, symmetric ones agree", async () => {
    const t = buildMix({ mix: "gtpu", flows: 2, tunnels: 1, zipfS: 0, seed: 1 });
    const dir = tempDir("iovsim-sym-");
    const file = join(dir, "gtpu.pcap");
    writeFileSync(
      file,
      writePcap(
        t.flowFrames.map((data, i) => ({ ts: BigInt(i), data, origLen: data.length, iface: 0, linktype: 1 })),
      ),
    );
    const { code, out } = await iovsim(["decode", file, "--json"], { stateDir: dir });
    expect(code).toBe(0);
    const [up, down] = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(Object.keys(up)).toContain("rss");
    expect(up.rss.inner).not.toBe(down.rss.inner);
    for (const m of ["toeplitz", "sorted"])
      for (const level of ["outer", "inner"])
        expect(up.rss_symmetric[m][level], `${m} ${level}`).toBe(down.rss_symmetric[m][level]);
    expect(up.rss_symmetric.toeplitz.inner).not.toBe("0x00000000");
  });
});
