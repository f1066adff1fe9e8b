// Frame parser: Wasm parse + outer/inner RSS over a mix of frames vs the reference parseFrame
// (which also computes both RSS hashes).
import * as A from "../assembly/abi.ts";
import { MS_RSS_KEY } from "../src/switch/config.ts";
import { Layout } from "../src/switch/layout.ts";
import { toeplitzTable } from "../src/switch/nic.ts";
import { parseFrame } from "../src/switch/reference/parse.ts";
import { createMemory, instantiateKernels, loadModule } from "../src/switch/wasm.ts";
import { eth } from "../src/traffic/frames.ts";
import type { BenchCase, Suite } from "./types.ts";

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

export const suite: Suite = async () => {
  const inst = instantiateKernels(await loadModule(), createMemory(8));
  const layout = new Layout(inst.memory, inst.heapBase);
  const table = layout.addRegion("toeplitz", A.TOEPLITZ_TABLE_BYTES).offset;
  layout.u32().set(toeplitzTable(MS_RSS_KEY), table >>> 2);
  const frames = frameMix();
  const STRIDE = 256;
  const base = layout.addRegion("frames", frames.length * STRIDE).offset;
  const lens = layout.addRegion("lens", frames.length * 2).offset;
  const rec = layout.addRegion("record", A.PARSE_BYTES).offset;
  frames.forEach((f, i) => {
    layout.u8().set(f, base + i * STRIDE);
    layout.dv().setUint16(lens + 2 * i, f.length, true);
  });
  const k = inst.exports as unknown as {
    init(h: number): number;
    parseBurst(b: number, s: number, l: number, n: number, out: number, t: number, e: number): number;
  };
  k.init(layout.header);
  const sink = { v: 0 };
  const cases: BenchCase[] = [
    {
      group: "parser (+ outer/inner RSS)",
      name: `${frames.length}-frame mix (TCP/UDP/VLAN/IPv6/VXLAN)`,
      variant: "wasm",
      unit: "M frames/s",
      items: frames.length,
      fn: () => {
        sink.v ^= k.parseBurst(base, STRIDE, lens, frames.length, rec, table, 0x1ff);
      },
    },
    {
      group: "parser (+ outer/inner RSS)",
      name: `${frames.length}-frame mix (TCP/UDP/VLAN/IPv6/VXLAN)`,
      variant: "reference",
      unit: "M frames/s",
      items: frames.length,
      fn: () => {
        for (const f of frames) sink.v ^= parseFrame(f).rss.inner;
      },
    },
  ];
  return cases;
};
