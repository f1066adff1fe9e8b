// IPv6 in the generated steering mixes (--ip): real, valid frames. Each IPv6 header replaces an
// IPv4 one (20 B more), carries the length of what follows it, and every UDP (and TCP) checksum
// is the one computed over the IPv6 pseudo-header (RFC 8200 8.1), checked here by an independent
// sum; iovsim decode and tshark (where installed) read the same headers, and tshark finds every
// checksum good.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DecodeJson } from "../../src/cli/decode-format.ts";
import { mixFrameSize } from "../../src/steering/frame-size.ts";
import {
  buildMix,
  IP_CHOICES,
  type IpFamilies,
  MIX_NAMES,
  type MixName,
} from "../../src/steering/traffic.ts";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import type { ParsedLayers } from "../../src/switch/reference/parsed.ts";
import { compareFrame, tsharkAvailable, tsharkFrames } from "../decode/tshark.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

type Single = Exclude<MixName, "mix">;
const SINGLE = MIX_NAMES.filter((m) => m !== "mix") as Single[];
const FAMILIES = ["4", "6", "6in4", "4in6"] as const;
const mix = (m: MixName, ip: string, flows = 8) =>
  buildMix({ mix: m, flows, tunnels: 2, zipfS: 0, seed: 1, ip: IP_CHOICES[ip] });

/** Which IP headers a mix has: the user's packet (inner) and the underlay (outer). */
const HAS_UNDERLAY = (m: Single) => ["vxlan", "vxlan-gpe", "gtpu", "gre", "esp"].includes(m);
const HAS_USER = (m: Single) => m !== "esp";
const ipv6Headers = (m: Single, f: IpFamilies) =>
  (HAS_USER(m) && f.inner === 6 ? 1 : 0) + (HAS_UNDERLAY(m) && f.outer === 6 ? 1 : 0);

/** The 16-bit one's complement sum of a byte range (an even start). */
function sum16(b: Uint8Array, from: number, to: number, acc = 0): number {
  for (let i = from; i < to; i += 2) acc += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  return acc;
}
const fold = (x: number) => {
  let s = x;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
};

/** Checks the IPv6 header at l3 and the UDP/TCP checksum after it; returns what was checked. */
function checkIpv6(frame: Uint8Array, l: ParsedLayers): string[] {
  if (l.l3?.proto !== "ipv6") return [];
  const ip = l.l3.offset;
  const dv = new DataView(frame.buffer, frame.byteOffset);
  const payloadLen = dv.getUint16(ip + 4);
  // The frame ends where the IPv6 payload does: the generator pads nothing behind it.
  expect(ip + 40 + payloadLen).toBe(frame.length);
  expect(frame[ip]! >> 4).toBe(6);
  if (!l.l4 || (l.l4.proto !== "udp" && l.l4.proto !== "tcp")) return ["ipv6"];
  const proto = l.l4.proto === "udp" ? 17 : 6;
  const l4 = l.l4.offset;
  const len = frame.length - l4;
  // Pseudo-header: source, destination, upper-layer length (32 bits), next header.
  let acc = sum16(frame, ip + 8, ip + 40);
  acc += (len >>> 16) + (len & 0xffff) + proto;
  acc = sum16(frame, l4, frame.length, acc);
  expect(fold(acc), `${l.l4.proto} checksum over the IPv6 pseudo-header`).toBe(0xffff);
  if (proto === 17) expect(dv.getUint16(l4 + 6)).not.toBe(0); // mandatory over IPv6 (RFC 8200)
  return [`ipv6+${l.l4.proto}`];
}

describe("--ip: the address families of the generated mixes", () => {
  it.each(SINGLE.flatMap((m) => FAMILIES.map((ip) => [m, ip] as const)))(
    "%s --ip %s: the families as chosen, 20 B more per IPv6 header",
    (m, ip) => {
      const f = IP_CHOICES[ip]!;
      const v4 = mix(m, "4");
      const t = mix(m, ip);
      expect(t.flowFrames.length).toBe(v4.flowFrames.length);
      t.flowFrames.forEach((fr, i) => {
        expect(fr.length - v4.flowFrames[i]!.length).toBe(20 * ipv6Headers(m, f));
        const p = parseFrame(fr);
        const user = p.inner ?? p; // mpls: the parser takes the label stack for a tunnel
        if (HAS_UNDERLAY(m)) expect(p.l3?.proto).toBe(`ipv${f.outer}`);
        if (HAS_USER(m)) expect(user?.l3?.proto).toBe(`ipv${f.inner}`);
      });
      expect(t.ip).toEqual({
        inner: HAS_USER(m) ? `ipv${f.inner}` : null,
        outer: HAS_UNDERLAY(m) ? `ipv${f.outer}` : null,
      });
    },
  );

  it.each(SINGLE)("%s --ip 6: IPv6 payload lengths and pseudo-header checksums are right", (m) => {
    const checked = new Set<string>();
    for (const fr of mix(m, "6").flowFrames) {
      const p = parseFrame(fr);
      expect(p.truncated).toBeUndefined();
      for (const l of [p, ...(p.inner ? [p.inner] : [])]) for (const c of checkIpv6(fr, l)) checked.add(c);
    }
    expect(checked.size).toBeGreaterThan(0);
    if (m !== "esp") expect([...checked].some((c) => c.startsWith("ipv6+"))).toBe(true);
  });

  it("an IPv6 address stands for the mix's IPv4 one (2001:db8:a:b::c:d), so both have the same flows", () => {
    const v4 = parseFrame(mix("gtpu", "4").flowFrames[0]!);
    const v6 = parseFrame(mix("gtpu", "6").flowFrames[0]!);
    expect(v4.l3?.dst).toBe("203.0.113.1");
    expect(v6.l3?.dst).toBe("2001:db8:203::113:1");
    expect(v6.inner?.l3?.src).toBe("2001:db8:10:64::"); // UE 0: 10.64.0.0
    expect(v6.tunnel?.id).toBe(v4.tunnel?.id);
  });

  it("line rate follows the bigger headers: GTP-U 117 B becomes 137 B (6in4) and 157 B (6)", () => {
    const mean = (ip: string) => mixFrameSize(mix("gtpu", ip, 1024), 8000, 1).mean_bytes;
    const [m4, m6in4, m6] = [mean("4"), mean("6in4"), mean("6")];
    expect(m6in4 - m4).toBeCloseTo(20, 9);
    expect(m6 - m4).toBeCloseTo(40, 9);
  });
});

const HAVE_TSHARK = tsharkAvailable();
if (!HAVE_TSHARK) {
  if (process.env.CI) throw new Error("tshark is missing in CI: .ci/run installs the Debian tshark package");
  console.warn(
    "SKIPPED: tshark not installed; the IPv6 steering-mix oracle did not run (apt-get install tshark)",
  );
}

(HAVE_TSHARK ? describe : describe.skip)("tshark reads the IPv6 mixes as iovsim decode does", () => {
  const dir = tempDir("iovsim-ipv6-mix-");
  const file = join(dir, "mixes.pcap");
  const frames = (["6", "6in4", "4in6"] as const).flatMap((ip) =>
    SINGLE.flatMap((m) => mix(m, ip, 4).flowFrames),
  );
  writeFrames(file, frames);

  it("field by field (addresses, ports, VNI, TEID, labels, tags)", async () => {
    const r = await iovsim(["decode", file, "--json"], { stateDir: dir });
    expect(r.code, r.err).toBe(0);
    const ours = r.out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DecodeJson);
    const theirs = tsharkFrames(file);
    expect(ours.length).toBe(frames.length);
    expect(theirs.length).toBe(frames.length);
    const problems = ours.flatMap((o, i) => compareFrame(o, theirs[i]!).map((d) => `frame ${i + 1}: ${d}`));
    expect(problems).toEqual([]);
    // Not vacuous: tshark saw IPv6 addresses outside and inside tunnels.
    expect(theirs.filter((t) => (t["ipv6.src"] ?? []).length === 2).length).toBeGreaterThan(10);
  });

  it("tshark finds every UDP and TCP checksum over IPv6 good", () => {
    const out = execFileSync(
      "tshark",
      [
        "-r",
        file,
        "-o",
        "udp.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=;",
        "-e",
        "udp.checksum.status",
        "-e",
        "tcp.checksum.status",
        "-e",
        "ipv6.src",
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    ).toString();
    const statuses = out
      .trim()
      .split("\n")
      .filter((l) => l.split(";")[2] !== "")
      .flatMap((l) => l.split(";").slice(0, 2).join(",").split(","))
      .filter((s) => s !== "");
    // 1: good; 3: not present (an IPv4 tunnel's outer UDP checksum may be 0). Never 0 (bad).
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== "1" && s !== "3")).toEqual([]);
    expect(statuses.filter((s) => s === "1").length).toBeGreaterThan(50);
  });
});
