// The native C references (bench/native/*.c) compute what the Wasm kernels compute, on the same
// memory: the bench compares their speed, so they must do the same work. Skipped where gcc is
// absent (the bench then prints "native reference skipped: no gcc").
import { describe, expect, it } from "vitest";
import { buildNative, nativeUnavailable, runNative } from "../../bench/native-ref.ts";
import { prepareParser } from "../../bench/parser.bench.ts";
import { firstBurst, prepareSwitch } from "../../bench/switch.bench.ts";
import { prepareToeplitz } from "../../bench/toeplitz.bench.ts";
import { loadModule } from "../../src/switch/wasm.ts";

const noGcc = nativeUnavailable() !== null;

describe.skipIf(noGcc)("native C references agree with the Wasm kernels", () => {
  for (const alwaysCopy of [false, true]) {
    it(`switch burst VF->VF 64B${alwaysCopy ? " + copy" : ""}: same descriptors, frames and counters`, async () => {
      const s = prepareSwitch(await loadModule(), alwaysCopy);
      const first = firstBurst(s, `test-switch-${alwaysCopy ? "copy" : "zero-copy"}`);
      expect(first.consumed).toBe(256);
      expect(first.fast).toBe(256);
      const r = runNative(buildNative("switch"), first.image, 1, 1);
      expect(r.fast).toBe(256);
      expect(r.checksum).toBe(first.checksum);
    });
  }

  it("parser + outer/inner RSS over the bench's 64-frame mix: same parse records", async () => {
    const p = await prepareParser();
    const image = p.writeParserImage();
    const r = runNative(buildNative("parser"), image, 1, 1);
    expect(r.checksum).toBe(p.checksum());
    expect(r.xor).toBe(p.burst());
  });

  it("the parser checksum sees a one-byte change in one frame", async () => {
    const p = await prepareParser();
    const image = p.writeParserImage();
    p.poke(3, 29); // last byte of the 4th frame's outer IPv4 source (VXLAN): changes its outer hash
    expect(runNative(buildNative("parser"), image, 1, 1).checksum).not.toBe(p.checksum());
  });

  it("toeplitz batch over the bench's 1024 IPv4 tuples: same hash for every tuple", async () => {
    const t = await prepareToeplitz();
    const r = runNative(buildNative("toeplitz"), t.writeToeplitzImage(), 1, 1);
    expect(r.checksum).toBe(t.checksum());
    expect(r.xor).toBe(t.batch() >>> 0);
  });

  it("the toeplitz checksum sees a one-bit change in one tuple", async () => {
    const t = await prepareToeplitz();
    const image = t.writeToeplitzImage();
    t.poke(700, 11); // last byte of tuple 700's destination port
    expect(runNative(buildNative("toeplitz"), image, 1, 1).checksum).not.toBe(t.checksum());
  });
});
