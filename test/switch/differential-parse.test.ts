// Parser differential test (issue 4 items 2 and 6): the Wasm parser's summary, decoded to the
// ParsedFrame shape, equals the reference parser's result on spec cases, every capture in
// test/fixtures/captures (malformed ones included), and 100,000+ random and mutated frames.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { WasmParser } from "../../src/switch/wasm-parse.ts";
import { readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { randomConfig, randomFrame, rng } from "./random-switch.ts";

const CAPTURES = join(import.meta.dirname, "..", "fixtures", "captures");

let parser: WasmParser;
beforeAll(async () => {
  await loadModule();
  parser = new WasmParser();
});

function agree(frame: Uint8Array, p = parser, opts = {}): void {
  const ref = parseFrame(frame, opts);
  const got = p.parse(frame);
  if (JSON.stringify(got) !== JSON.stringify(ref)) expect(got).toEqual(ref);
}

function captureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...captureFiles(join(dir, e.name)));
    else if (/\.(pcap|pcapng)$/.test(e.name)) out.push(join(dir, e.name));
  }
  return out;
}

describe("Wasm parser vs reference parser", () => {
  it("spec vectors: MS TCP hash and tunnels", () => {
    const f = eth({})
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    expect(parser.parse(f).rss.outer).toBe(0x51ccc178);
    agree(f);
    agree(eth({}).ipv4({}).udp({}).vxlan(42).eth({}).ipv4({}).tcp({}).build());
    agree(
      eth({})
        .ipv6({})
        .udp({})
        .geneve(7, { options: [{ cls: 1, type: 2, data: [1, 2, 3, 4] }] })
        .eth({})
        .ipv6({})
        .udp({})
        .build(),
    );
    agree(eth({}).ipv4({}).gre({ key: 5, seq: 1, checksum: true }).ipv4({}).tcp({}).build());
    agree(eth({}).ipv4({}).nvgre(0x123456).eth({}).ipv4({}).udp({}).build());
    agree(
      eth({})
        .ipv4({})
        .udp({})
        .gtpu(0xdeadbeef, { ext: [{ type: 0x85, content: [1, 2] }] })
        .ipv4({})
        .tcp({})
        .build(),
    );
    agree(eth({}).mpls([100, 200, 300]).ipv6({}).tcp({}).build());
    agree(eth({}).ipv4({}).udp({}).mpls([16]).ipv4({}).udp({}).build());
    agree(eth({}).ipv4({}).ipv6({}).tcp({}).build());
    agree(eth({}).qinq(10, 20).ipv4({}).tcp({}).build());
    agree(
      eth({})
        .vlan(1, { tpid: 0x9100 })
        .vlan(2)
        .ipv6({ ext: [{ type: "hbh" }, { type: "ah" }, { type: "fragment" }] })
        .udp({})
        .build(),
    );
  });

  it("VXLAN-GPE on 4790: every Next Protocol, P clear, version 1, cut header", () => {
    for (const [np, b] of [
      [3, (x: ReturnType<typeof eth>) => x.eth({}).ipv4({}).tcp({})],
      [1, (x: ReturnType<typeof eth>) => x.ipv4({}).udp({})],
      [2, (x: ReturnType<typeof eth>) => x.ipv6({}).tcp({})],
      [4, (x: ReturnType<typeof eth>) => x.payload(24)],
    ] as const) {
      for (const flags of [0x0c, 0x08, 0x1c, 0x0d]) {
        const f = b(eth({}).ipv4({}).udp({}).vxlanGpe(0xabcdef, { flags, nextProtocol: np })).build();
        agree(f);
        for (let n = 34; n < f.length; n++) agree(f.subarray(0, n));
      }
    }
    const f = eth({}).ipv4({}).udp({}).vxlanGpe(9).ipv6({}).udp({}).build();
    expect(parser.parse(f).tunnel).toMatchObject({
      type: "vxlan-gpe",
      id: 9,
      gpe: { flags: 0x0c, nextProtocol: 2 },
    });
    expect(parser.parse(f).inner?.l3?.proto).toBe("ipv6");
  });

  it("configurable VXLAN port (8472)", () => {
    const p = new WasmParser({ vxlanPorts: [8472] });
    const f = eth({}).ipv4({}).udp({ dport: 8472 }).payload([8, 0, 0, 0, 0, 0, 1, 0]).build();
    agree(f, p, { vxlanPorts: [8472] });
    expect(p.parse(f).tunnel?.type).toBe("vxlan");
  });

  it("every frame of every capture in test/fixtures/captures, and every prefix of it", () => {
    const files = captureFiles(CAPTURES);
    expect(files.length).toBeGreaterThan(10);
    let frames = 0;
    for (const file of files) {
      let records: Array<{ data: Uint8Array; linktype: number }>;
      try {
        records = readCaptureFile(file).records;
      } catch {
        continue; // a container the reader rejects has no frames to compare
      }
      for (const r of records) {
        if (r.linktype !== 1) continue;
        for (let n = r.data.length; n >= 0; n -= n > 100 ? 7 : 1) agree(r.data.subarray(0, n));
        frames++;
      }
    }
    expect(frames).toBeGreaterThan(50);
  });

  it("100,000 random, truncated and mutated frames", () => {
    let count = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
        const r = rng(seed);
        const cfg = randomConfig(r);
        for (let i = 0; i < 500; i++) {
          let f = r.bool(0.1) ? r.bytes(r.int(0, 200)) : randomFrame(r, cfg);
          if (r.bool(0.3)) f = f.subarray(0, r.int(0, f.length));
          if (r.bool(0.3)) {
            f = f.slice();
            for (let k = 0; k < r.int(1, 6) && f.length > 0; k++) f[r.int(0, f.length - 1)] = r.int(0, 255);
          }
          agree(f);
          count++;
        }
      }),
      { numRuns: 200, seed: 0x5eed, endOnFailure: true },
    );
    expect(count).toBeGreaterThanOrEqual(100_000);
  });
});
