// The native C references (bench/native/*.c) compute what the Wasm kernels compute, on the same
// memory: the bench compares their speed, so they must do the same work. Skipped where gcc is
// absent (the bench then prints "native reference skipped: no gcc").
import { describe, expect, it } from "vitest";
import * as A from "../../assembly/abi.ts";
import { buildNative, nativeUnavailable, runNative } from "../../bench/native-ref.ts";
import { prepareParser } from "../../bench/parser.bench.ts";
import { firstBurst, prepareSwitch } from "../../bench/switch.bench.ts";
import { prepareToeplitz } from "../../bench/toeplitz.bench.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";

const noGcc = nativeUnavailable() !== null;

/** Every tunnel kind the parser decodes, VXLAN-GPE most of all (valid, malformed, cut short):
 *  the bench's mix has plain VXLAN only, and parser.c must parse all of them as parse.ts does. */
function tunnelMix(): { frames: Uint8Array[]; gpe: number[] } {
  const o = () => eth({}).ipv4({ src: "10.0.0.1", dst: "10.0.0.2" });
  const u = (dport = 4790) => o().udp({ sport: 49152, dport });
  const gpe = [
    u().vxlanGpe(7).ipv4({ src: "192.168.0.1" }).tcp({ sport: 1, dport: 2 }).build(), // Next Protocol 1
    u().vxlanGpe(8).ipv6({ src: "2001:db8::1" }).udp({ sport: 3, dport: 4 }).payload(8).build(), // 2
    u().vxlanGpe(9).eth({}).ipv4({}).udp({ sport: 5, dport: 6 }).build(), // 3
    u().vxlanGpe(10, { nextProtocol: 4 }).payload(24).build(), // NSH: reported, not entered
    u().vxlanGpe(11, { nextProtocol: 0x7f }).ipv4({}).tcp({}).build(), // unknown Next Protocol
    u().vxlanGpe(12, { flags: 0x08, nextProtocol: 1 }).ipv4({}).tcp({}).build(), // P clear
    u().vxlanGpe(13, { flags: 0x1c, nextProtocol: 1 }).ipv4({}).tcp({}).build(), // version 1
    u().payload(5).build(), // GPE header cut short (UDP length covers 5 bytes)
    u()
      .vxlanGpe(14)
      .ipv4({})
      .tcp({})
      .build()
      .subarray(0, 42 + 6), // frame cut inside the header
    u()
      .vxlanGpe(15)
      .ipv4({})
      .tcp({})
      .build()
      .subarray(0, 42 + 8 + 30), // inner IPv4 cut short
    eth({}).ipv6({}).udp({ dport: 4790 }).vxlanGpe(16).eth({}).ipv6({}).tcp({}).build(), // outer IPv6
  ];
  const others = [
    u(4789).vxlan(1).eth({}).ipv4({}).tcp({}).build(),
    u(6081).geneve(2).eth({}).ipv4({}).udp({}).build(),
    o().gre({ key: 3 }).ipv4({}).tcp({}).build(),
    o().nvgre(4).eth({}).ipv6({}).tcp({}).build(),
    u(2152).gtpu(5).ipv4({}).udp({}).build(),
    u(6635).mpls([100, 200]).ipv4({}).tcp({}).build(),
    o().ipv4({}).tcp({}).build(), // IP in IP
  ];
  return { frames: [...gpe, ...others], gpe: gpe.map((_, i) => i) };
}

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
    expect(r.xor).toBe(p.burst() >>> 0);
  });

  it("parser + outer/inner RSS over every tunnel kind, VXLAN-GPE valid and malformed: same parse records", async () => {
    const mix = tunnelMix();
    const p = await prepareParser(undefined, mix.frames);
    // The GPE frames are recorded as GPE by Wasm (a parser.c without GPE would leave PS_TUN 0 and
    // miss the inner layers, changing the checksum): entered, not entered, invalid and cut.
    const recs = mix.gpe.map((i) => p.record(i));
    const entered = recs.filter((r) => r[A.PS_TUN] === A.TUN_VXLAN_GPE && r[A.PS_TUN_FLAGS] & A.TF_INNER);
    expect(entered.length).toBeGreaterThanOrEqual(4);
    expect(recs.some((r) => r[A.PS_TUN] === A.TUN_VXLAN_GPE && !(r[A.PS_TUN_FLAGS] & A.TF_INNER))).toBe(true);
    expect(recs.some((r) => r[A.PS_INVALID] === A.TR_VXLAN_GPE)).toBe(true);
    expect(recs.some((r) => r[A.PS_TRUNC] === A.TR_VXLAN_GPE)).toBe(true);
    const image = p.writeParserImage();
    const r = runNative(buildNative("parser"), image, 1, 1);
    expect(r.checksum).toBe(p.checksum());
    expect(r.xor).toBe(p.burst() >>> 0);
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
