// tshark as the oracle: `iovsim decode --json` must agree with tshark field by field on every
// real capture in test/fixtures/captures (malformed ones included) and on captures we generate for
// every tunnel type, written as pcap µs, pcap ns and pcapng.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DecodeJson } from "../../src/cli/decode-format.ts";
import { encodeCapture, type WriteFormat } from "../../src/traffic/capture-io.ts";
import { iovsim } from "../helpers/cli.ts";
import { compareFrame, tsharkAvailable, tsharkFrames } from "./tshark.ts";
import { type NamedFrame, TUNNEL_CASES, tunnelFrames, vxlan8472Frames } from "./tunnel-frames.ts";

const CAPTURES = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");
const HAVE_TSHARK = tsharkAvailable();
if (!HAVE_TSHARK) {
  if (process.env.CI) throw new Error("tshark is missing in CI: .ci/run installs the Debian tshark package");
  console.warn("SKIPPED: tshark not installed; the decode oracle tests did not run (apt-get install tshark)");
}
const oracle = HAVE_TSHARK ? describe : describe.skip;

async function decodeJson(file: string, extra: string[] = []): Promise<DecodeJson[]> {
  const { code, out, err } = await iovsim(["decode", file, "--json", ...extra], { stateDir: tmpdir() });
  expect(code, err).toBe(0);
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function agree(
  file: string,
  opts: { extra?: string[]; decodeAs?: string[]; names?: string[]; fcs?: number } = {},
) {
  const ours = await decodeJson(file, opts.extra);
  const theirs = tsharkFrames(file, opts.decodeAs);
  expect(ours.length, `${file}: frame count`).toBe(theirs.length);
  const problems: string[] = [];
  ours.forEach((o, i) => {
    expect(o.frame).toBe(i + 1);
    // tshark's cap_len counts a declared FCS; decode leaves it out of the frame, as a NIC does.
    expect(o.len + (opts.fcs ?? 0)).toBe(Number(theirs[i]["frame.cap_len"][0]));
    for (const d of compareFrame(o, theirs[i]))
      problems.push(`frame ${i + 1}${opts.names ? ` (${opts.names[i]})` : ""}: ${d}`);
  });
  expect(problems, file).toEqual([]);
  return { ours, theirs };
}

const realFiles = readdirSync(CAPTURES).filter((f) => f.endsWith(".pcap"));
const malformedFiles = readdirSync(join(CAPTURES, "malformed")).filter((f) => /\.pcap(ng)?$/.test(f));

oracle("decode agrees with tshark on the real captures", () => {
  it.each(realFiles)("%s", async (f) => {
    await agree(join(CAPTURES, f));
  });
  it("the checks are not vacuous: QinQ S-tags and the VXLAN VNI are seen by both", async () => {
    const q = await agree(join(CAPTURES, "QinQpacket.pcap"));
    expect(
      q.ours.filter((o) => o.vlans.some((v) => v.tpid === "0x88a8" && v.vid === 200)).length,
    ).toBeGreaterThan(200);
    expect(q.theirs.filter((t) => t["ieee8021ad.id"]?.[0] === "200").length).toBeGreaterThan(200);
    const v = await agree(join(CAPTURES, "vxlan.pcap"));
    expect(v.ours.every((o) => o.tunnel?.type === "vxlan" && o.tunnel.id === 100)).toBe(true);
    expect(v.theirs.every((t) => t["vxlan.vni"]?.[0] === "100")).toBe(true);
  });
});

oracle("decode agrees with tshark on the malformed captures", () => {
  it.each(malformedFiles)("%s", async (f) => {
    await agree(join(CAPTURES, "malformed", f));
  });
});

const tmp = mkdtempSync(join(tmpdir(), "iovsim-oracle-"));
function writeFrames(name: string, frames: NamedFrame[], format: WriteFormat): string {
  const p = join(tmp, `${name}.${format}`);
  const recs = frames.map((f, i) => ({
    ts: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_123n,
    data: f.frame,
    origLen: f.frame.length,
    iface: 0,
    linktype: 1,
  }));
  writeFileSync(p, encodeCapture(recs, { format, order: format === "pcap-ns" ? "be" : "le" }));
  return p;
}

/** Which tshark field proves tshark saw each generated tunnel. */
const TUNNEL_FIELD: Record<string, string> = {
  vxlan: "vxlan.vni",
  "vxlan-gpe": "vxlan.vni",
  geneve: "geneve.vni",
  gtpu: "gtp.teid",
  mpls: "mpls.label",
  gre: "ip.src",
  nvgre: "gre.key",
  ipip: "ip.src",
};

oracle("decode agrees with tshark on generated tunnel captures", () => {
  const frames = tunnelFrames();
  it.each(["pcap", "pcap-ns", "pcapng"] as const)("every encapsulation, %s", async (format) => {
    const { ours, theirs } = await agree(writeFrames("tunnels", frames, format), {
      names: frames.map((f) => f.name),
    });
    ours.forEach((o, i) => {
      if (!o.tunnel) return;
      const field = TUNNEL_FIELD[o.tunnel.type];
      expect(theirs[i][field]?.length ?? 0, frames[i].name).toBeGreaterThan(0);
      // NSH behind VXLAN-GPE is reported, not entered.
      if (o.tunnel.next_protocol !== 4) expect(o.inner, frames[i].name).toBeDefined();
    });
    // Every tunnel type appears at least once.
    expect(new Set(ours.map((o) => o.tunnel?.type).filter(Boolean))).toEqual(
      new Set(["vxlan", "vxlan-gpe", "geneve", "gre", "nvgre", "gtpu", "mpls", "ipip"]),
    );
  });
  it("VXLAN on 8472 with --vxlan-port 8472 / -d udp.port==8472,vxlan", async () => {
    const v = vxlan8472Frames();
    const { ours, theirs } = await agree(writeFrames("v8472", v, "pcapng"), {
      extra: ["--vxlan-port", "8472"],
      decodeAs: ["udp.port==8472,vxlan"],
    });
    expect(ours.map((o) => o.tunnel?.id)).toEqual([5001, 9]);
    expect(theirs.map((t) => t["vxlan.vni"]?.[0])).toEqual(["5001", "9"]);
  });
  it("every prefix of every tunnel frame (snaplen-style cuts) agrees, truncated layer named", async () => {
    const cuts: NamedFrame[] = [];
    for (const [name, builder] of TUNNEL_CASES) {
      const full = builder.build(); // unpadded: every proper prefix really cuts a layer
      for (let n = 14; n < full.length; n++) cuts.push({ name: `${name}@${n}`, frame: full.subarray(0, n) });
    }
    const { ours } = await agree(writeFrames("cuts", cuts, "pcap"), { names: cuts.map((c) => c.name) });
    expect(ours.length).toBeGreaterThan(2000);
    const notCut = ours.filter((o, i) => o.truncated === undefined && !cuts[i].name.startsWith("arp@"));
    // MPLS over Ethernet has no length field: a frame ending right after the bottom label is
    // an empty payload, not a provable cut.
    expect(notCut.map((o) => cuts[o.frame - 1].name)).toEqual(["mpls-eth@22", "mpls-eth-ipv6@18"]);
  });
  // Capture kinds the cases above did not cover: a big-endian microsecond pcap, jumbo frames
  // (9000 B, as a 9000-MTU VF receives them), and frames that end in an FCS the capture declares.
  it("every encapsulation in a big-endian microsecond pcap", async () => {
    const p = join(tmp, "tunnels-be.pcap");
    writeFileSync(
      p,
      encodeCapture(
        frames.map((f, i) => ({
          ts: BigInt(i) * 1_000_000n,
          data: f.frame,
          origLen: f.frame.length,
          iface: 0,
          linktype: 1,
        })),
        { format: "pcap", order: "be" },
      ),
    );
    await agree(p, { names: frames.map((f) => f.name) });
  });
  it("every encapsulation as a 9000-byte jumbo frame", async () => {
    const jumbo = TUNNEL_CASES.map(([name, b]) => ({ name, frame: b.build({ padTo: 9000 }) }));
    expect(jumbo.every((f) => f.frame.length === 9000)).toBe(true);
    const { ours } = await agree(writeFrames("jumbo", jumbo, "pcapng"), { names: jumbo.map((f) => f.name) });
    expect(ours.filter((o) => o.tunnel).length).toBeGreaterThan(15);
  });
  it("frames ending in an FCS the pcap link-type field declares: the same fields, 4 bytes apart", async () => {
    const p = join(tmp, "tunnels-fcs.pcap");
    const withFcs = frames.map((f) => Uint8Array.from([...f.frame, 0xde, 0xad, 0xbe, 0xef]));
    writeFileSync(
      p,
      encodeCapture(
        withFcs.map((data, i) => ({
          ts: BigInt(i) * 1000n,
          data,
          origLen: data.length,
          iface: 0,
          linktype: 1,
        })),
        // libpcap's LT_FCS_LENGTH_PRESENT (0x04000000), FCS length 2 x 16 bits in the top nibble.
        { format: "pcap", linktype: 0x24000001 },
      ),
    );
    const { ours } = await agree(p, { fcs: 4, names: frames.map((f) => f.name) });
    // decode's frames are the frames without their FCS.
    expect(ours.map((o) => o.len)).toEqual(frames.map((f) => f.frame.length));
  });
  it("frames we build carry checksums tshark validates as good", () => {
    const p = writeFrames("checksums", frames, "pcap");
    const out = execFileSync(
      "tshark",
      [
        "-r",
        p,
        "-o",
        "ip.defragment:FALSE",
        "-o",
        "ipv6.defragment:FALSE",
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
        "-e",
        "ip.checksum.status",
        "-e",
        "tcp.checksum.status",
        "-e",
        "udp.checksum.status",
        "-e",
        "icmp.checksum.status",
        "-e",
        "icmpv6.checksum.status",
        "-e",
        "gre.checksum.status",
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    ).toString();
    const statuses = out.split(/[\t\n,]/).filter(Boolean);
    // 0 = bad, 1 = good, 2 = not verifiable (a fragment's TCP checksum covers bytes not here)
    expect(statuses.filter((s) => s === "1").length).toBeGreaterThan(60);
    expect(statuses.filter((s) => s !== "1" && s !== "2")).toEqual([]);
    expect(statuses.filter((s) => s === "2").length).toBeLessThanOrEqual(2);
  });
});
