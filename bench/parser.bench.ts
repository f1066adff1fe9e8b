// Frame parser: Wasm parse + outer/inner RSS over a mix of frames vs the reference parseFrame
// (which also computes both RSS hashes), and the native C reference (bench/native/parser.c) on
// an image of the same Wasm memory.
import * as A from "../assembly/abi.ts";
import { MS_RSS_KEY } from "../src/switch/config.ts";
import { Layout } from "../src/switch/layout.ts";
import { toeplitzTable } from "../src/switch/nic.ts";
import { parseFrame } from "../src/switch/reference/parse.ts";
import { createMemory, instantiateKernels, loadModule } from "../src/switch/wasm.ts";
import { eth } from "../src/traffic/frames.ts";
import {
  buildNative,
  cpuRate,
  FNV_INIT,
  fnv1a,
  nativeUnavailable,
  runNative,
  writeImage,
} from "./native-ref.ts";
import type { Suite, SuiteItem } from "./types.ts";

export function frameMix(): Uint8Array[] {
  const base = eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" });
  const out: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(
      base
        .ipv4({ src: `10.0.${i}.1`, dst: "10.0.0.2" })
        .tcp({ sport: 1000 + i, dport: 80 })
        .build(),
    );
    out.push(
      base
        .vlan(100)
        .ipv4({ src: "10.1.0.1", dst: `10.1.${i}.2` })
        .udp({ sport: 5000 + i, dport: 53 })
        .payload(20)
        .build(),
    );
    out.push(
      base
        .ipv6({ src: "2001:db8::1", dst: `2001:db8::${i + 2}` })
        .tcp({ sport: 2000 + i, dport: 443 })
        .build(),
    );
    out.push(
      base
        .ipv4({})
        .udp({ sport: 40000 + i })
        .vxlan(i)
        .eth({})
        .ipv4({ src: `192.168.${i}.1` })
        .tcp({ sport: i })
        .build(),
    );
  }
  return out;
}

/** The parser bench's memory: the frame mix, its lengths, a parse record, the MS-key table
 *  (`module`: another build of the kernels, for an A/B of two builds in one process; `mix`:
 *  other frames of at most 256 bytes, for the agreement test's tunnel kinds). */
export async function prepareParser(module?: WebAssembly.Module, mix?: Uint8Array[]) {
  const inst = instantiateKernels(module ?? (await loadModule()), createMemory(8));
  const layout = new Layout(inst.memory, inst.heapBase);
  const table = layout.addRegion("toeplitz", A.TOEPLITZ_TABLE_BYTES).offset;
  layout.u32().set(toeplitzTable(MS_RSS_KEY), table >>> 2);
  const frames = mix ?? frameMix();
  const STRIDE = 256;
  const long = frames.findIndex((f) => f.length > STRIDE);
  if (long >= 0) throw new Error(`frame ${long} is ${frames[long].length} bytes; at most ${STRIDE}`);
  const base = layout.addRegion("frames", frames.length * STRIDE).offset;
  const lens = layout.addRegion("lens", frames.length * 2).offset;
  const rec = layout.addRegion("record", A.PARSE_BYTES).offset;
  frames.forEach((f, i) => {
    layout.u8().set(f, base + i * STRIDE);
    layout.dv().setUint16(lens + 2 * i, f.length, true);
  });
  const k = inst.exports as unknown as {
    init(h: number): number;
    parse(f: number, len: number, out: number): number;
    parseRss(rec: number, f: number, table: number, enabled: number): void;
    parseBurst(b: number, s: number, l: number, n: number, out: number, t: number, e: number): number;
  };
  k.init(layout.header);
  const enabled = 0x1ff;
  const burst = () => k.parseBurst(base, STRIDE, lens, frames.length, rec, table, enabled);
  /** native-ref's parser checksum: FNV-1a of every frame's record after parse + parseRss. */
  const checksum = () => {
    let h = FNV_INIT;
    frames.forEach((f, i) => {
      k.parse(base + i * STRIDE, f.length, rec);
      k.parseRss(rec, base + i * STRIDE, table, enabled);
      h = fnv1a(h, layout.u8(), rec, A.PARSE_BYTES);
    });
    return h;
  };
  const writeParserImage = () =>
    writeImage("parser", inst.memory, inst.memory.buffer.byteLength, [
      layout.header,
      base,
      STRIDE,
      lens,
      frames.length,
      rec,
      table,
      enabled,
    ]);
  /** Frame `i`'s parse record words after parse + parseRss on the Wasm memory (tests). */
  const record = (i: number) => {
    k.parse(base + i * STRIDE, frames[i].length, rec);
    k.parseRss(rec, base + i * STRIDE, table, enabled);
    return new Uint32Array(layout.u8().slice(rec, rec + A.PARSE_BYTES).buffer);
  };
  /** Flips byte `at` of frame `i` in memory (tests: the checksum must see it). */
  const poke = (i: number, at: number) => {
    layout.u8()[base + i * STRIDE + at] ^= 0xff;
  };
  return { frames, burst, checksum, writeParserImage, poke, record };
}

export const suite: Suite = async () => {
  const p = await prepareParser();
  const frames = p.frames;
  const sink = { v: 0 };
  const group = "parser (+ outer/inner RSS)";
  const name = `${frames.length}-frame mix (TCP/UDP/VLAN/IPv6/VXLAN)`;
  const cases: SuiteItem[] = [
    {
      group,
      name,
      variant: "wasm",
      unit: "M frames/s",
      items: frames.length,
      fn: () => {
        sink.v ^= p.burst();
      },
    },
    {
      group,
      name,
      variant: "reference",
      unit: "M frames/s",
      items: frames.length,
      fn: () => {
        for (const f of frames) sink.v ^= parseFrame(f).rss.inner;
      },
    },
  ];
  const why = nativeUnavailable();
  if (why) {
    cases.push({ skipped: `native reference skipped: ${why}` });
    return cases;
  }
  const wasmSum = p.checksum();
  const wasmXor = p.burst() >>> 0; // Wasm returns an i32; the C program prints it unsigned
  const image = p.writeParserImage();
  cases.push({
    group,
    name: `${name}, native C reference (gcc)`,
    variant: "native",
    unit: "M frames/s",
    items: frames.length,
    measure: () => {
      const b = buildNative("parser");
      const wasmCpuRate = cpuRate(() => {
        sink.v ^= p.burst();
      }, frames.length);
      const r = runNative(b, image);
      if (r.checksum !== wasmSum || r.xor !== wasmXor)
        throw new Error(`native parser disagrees with Wasm (checksum ${r.checksum} vs ${wasmSum})`);
      return { rate: r.rate, cpuRate: r.cpuRate, wasmCpuRate };
    },
    note: "bench/native/parser.c (gcc, flags in build/native/parser.flags): parse + parseRss of the same frames on an image of the Wasm memory; every frame's parse record agrees with Wasm",
  });
  return cases;
};
