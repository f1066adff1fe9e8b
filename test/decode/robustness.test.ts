// Robustness: the malformed captures and 1,000,000 seeded random byte strings (pure noise,
// noise behind a plausible EtherType, and truncated / mutated tunnel frames) go through the
// reference parser. It must never throw (its reader throws on any out-of-bounds read), every
// frame must be counted, and every offset it reports must lie inside the frame.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import type { ParsedFrame, ParsedLayers } from "../../src/switch/reference/parsed.ts";
import { readCapture } from "../../src/traffic/capture-io.ts";
import { iovsim } from "../helpers/cli.ts";
import { tunnelFrames, vxlan8472Frames } from "./tunnel-frames.ts";

const CAPTURES = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");

/** xorshift32: deterministic, seeded. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const LAYER_NAMES =
  /^(inner-)?(eth|vlan|ipv4|ipv6|ipv6-ext|ah|tcp|udp|sctp|icmp|icmpv6|vxlan|vxlan-gpe|geneve|gre|gtpu|mpls)$/;

function checkLayers(l: ParsedLayers, len: number): void {
  for (const off of [l.eth?.offset, l.l3?.offset, l.l4?.offset, l.l3?.homeAddrOffset, l.l3?.rt2DstOffset]) {
    if (off !== undefined && (off < 0 || off > len))
      throw new Error(`offset ${off} outside ${len}-byte frame`);
  }
  if (l.vlans.length > 8) throw new Error("more than 8 VLAN tags");
}

function check(p: ParsedFrame, len: number): void {
  if (p.len !== len) throw new Error("len mismatch");
  checkLayers(p, len);
  if (p.inner) checkLayers(p.inner, len);
  if (p.tunnel && (p.tunnel.innerOffset > len || (p.tunnel.labels?.length ?? 0) > 8))
    throw new Error("bad tunnel info");
  if (p.truncated !== undefined && !LAYER_NAMES.test(p.truncated))
    throw new Error(`odd truncated '${p.truncated}'`);
  if (p.invalid !== undefined && !LAYER_NAMES.test(p.invalid)) throw new Error(`odd invalid '${p.invalid}'`);
  for (const h of [p.rss.outer, p.rss.inner])
    if (!Number.isInteger(h) || h < 0 || h > 0xffffffff) throw new Error("bad hash");
}

const ETHERTYPES = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8848, 0x0806];

describe("parser robustness", () => {
  it("1,000,000 random byte strings (lengths 0..200): no throw, every frame counted", () => {
    const next = rng(0x10c5eed);
    const seeds = [...tunnelFrames(), ...vxlan8472Frames()].map((f) => f.frame);
    const buf = new Uint8Array(256);
    const N = 1_000_000;
    let parsed = 0;
    let truncated = 0;
    let tunnels = 0;
    const failures: string[] = [];
    for (let i = 0; i < N; i++) {
      const kind = i % 4;
      let len: number;
      if (kind <= 1) {
        // pure noise, and noise behind a plausible EtherType (reaches IP, tags, MPLS)
        len = next() % 201;
        for (let k = 0; k < len; k += 4) {
          const w = next();
          buf[k] = w;
          buf[k + 1] = w >>> 8;
          buf[k + 2] = w >>> 16;
          buf[k + 3] = w >>> 24;
        }
        if (kind === 1 && len >= 15) {
          const et = ETHERTYPES[next() % ETHERTYPES.length];
          buf[12] = et >> 8;
          buf[13] = et & 0xff;
          if (et === 0x0800) buf[14] = 0x40 | (next() % 16);
          if (et === 0x86dd) buf[14] = 0x60;
        }
      } else {
        // a valid tunnel frame, cut short (kind 2) or with a few bytes changed and cut (kind 3)
        const src = seeds[next() % seeds.length];
        len = Math.min(200, next() % (src.length + 1));
        buf.set(src.subarray(0, len));
        if (kind === 3) {
          const flips = 1 + (next() % 4);
          for (let f = 0; f < flips && len > 0; f++) buf[next() % len] = next() & 0xff;
        }
      }
      const frame = buf.subarray(0, len);
      try {
        const p = parseFrame(frame);
        check(p, len);
        if (p.truncated) truncated++;
        if (p.tunnel) tunnels++;
        parsed++;
      } catch (e) {
        if (failures.length < 5)
          failures.push(
            `#${i} len ${len} [${Array.from(frame, (b) => b.toString(16).padStart(2, "0")).join("")}]: ${(e as Error).message}`,
          );
      }
    }
    expect(failures).toEqual([]);
    expect(parsed).toBe(N);
    // The corpus really exercised the deep paths.
    expect(truncated).toBeGreaterThan(100_000);
    expect(tunnels).toBeGreaterThan(50_000);
  });

  it("§10.3 robustness frames parse without reading out of bounds", () => {
    const cases = [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00], // ends inside the VLAN tag
      [...new Array(12).fill(2), 0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6], // 10 bytes of IP
      [...new Array(12).fill(2), 0x08, 0x00, 0x4f, ...new Array(39).fill(0)], // IHL 15, 40 bytes
    ];
    for (const c of cases) expect(() => check(parseFrame(Uint8Array.from(c)), c.length)).not.toThrow();
  });
});

describe("malformed captures through decode", () => {
  const dir = join(CAPTURES, "malformed");
  it.each(readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)))(
    "%s: every frame decoded and counted",
    async (f) => {
      const path = join(dir, f);
      const { records } = readCapture(readFileSync(path), f);
      const { code: rc, out, err } = await iovsim(["decode", path, "--json"]);
      expect(err).toBe("");
      expect(rc).toBe(0);
      const lines = out.split("\n").filter(Boolean);
      expect(lines).toHaveLength(records.length);
      lines.forEach((l, i) => {
        expect(JSON.parse(l).frame).toBe(i + 1);
      });
    },
  );
});
