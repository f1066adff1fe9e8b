// `iovsim decode`: human and JSON output, options, and errors for bad files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeCapture } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { iovsim } from "../helpers/cli.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "iovsim-decode-"));

const run = (...argv: string[]) => iovsim(argv, { stateDir: tmp });

function capture(name: string, frames: Uint8Array[], format: "pcap" | "pcap-ns" | "pcapng" = "pcap"): string {
  const p = join(tmp, name);
  writeFileSync(
    p,
    encodeCapture(
      frames.map((data, i) => ({ ts: BigInt(i) * 1000n, data, origLen: data.length, iface: 0, linktype: 1 })),
      { format },
    ),
  );
  return p;
}

const vx = eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" })
  .vlan(100, { pcp: 3 })
  .ipv4({ src: "10.1.0.1", dst: "10.1.0.2" })
  .udp({ sport: 50000 })
  .vxlan(4242)
  .eth({ dst: "02:aa:00:00:00:02", src: "02:aa:00:00:00:01" })
  .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
  .tcp({ sport: 2794, dport: 1766 })
  .build();

describe("decode --json", () => {
  it("prints exactly one documented JSON object per frame", async () => {
    const f = capture("one.pcapng", [vx, eth().arp().build({ padTo: 60 })], "pcapng");
    const r = await run("decode", f, "--json");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toEqual({
      frame: 1,
      len: vx.length,
      eth: { dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10", type: "0x8100" },
      vlans: [{ tpid: "0x8100", vid: 100, pcp: 3 }],
      l3: { proto: "ipv4", src: "10.1.0.1", dst: "10.1.0.2", fragment: false },
      l4: { proto: "udp", sport: 50000, dport: 4789 },
      tunnel: { type: "vxlan", id: 4242 },
      inner: {
        eth: { dst: "02:aa:00:00:00:02", src: "02:aa:00:00:00:01", type: "0x0800" },
        vlans: [],
        l3: { proto: "ipv4", src: "66.9.149.187", dst: "161.142.100.80", fragment: false },
        l4: { proto: "tcp", sport: 2794, dport: 1766 },
      },
      rss: { outer: expect.stringMatching(/^0x[0-9a-f]{8}$/), inner: "0x51ccc178" },
      rss_symmetric: {
        toeplitz: {
          outer: expect.stringMatching(/^0x[0-9a-f]{8}$/),
          inner: expect.stringMatching(/^0x[0-9a-f]{8}$/),
        },
        sorted: {
          outer: expect.stringMatching(/^0x[0-9a-f]{8}$/),
          inner: expect.stringMatching(/^0x[0-9a-f]{8}$/),
        },
      },
    });
    expect(JSON.parse(lines[1])).toMatchObject({
      frame: 2,
      len: 60,
      eth: { type: "0x0806" },
      vlans: [],
      rss: { outer: "0x00000000" },
    });
    expect(JSON.parse(lines[1]).l3).toBeUndefined();
  });
  it("truncated names the cut layer; MPLS lists labels", async () => {
    const mpls = eth().mpls([100, 200]).ipv4().udp().build();
    const f = capture("t.pcap", [vx.subarray(0, 30), mpls]);
    const [a, b] = (await run("decode", f, "--json")).out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(a.truncated).toBe("ipv4");
    expect(b.tunnel).toEqual({ type: "mpls", labels: [100, 200] });
    expect(b.inner.l3.proto).toBe("ipv4");
  });
  it("--vxlan-port decodes extra VXLAN ports", async () => {
    const f8472 = eth().ipv4().udp({ dport: 8472 }).vxlan(9).eth().ipv4().build();
    const f = capture("v.pcap", [f8472]);
    expect(JSON.parse((await run("decode", f, "--json")).out).tunnel).toBeUndefined();
    expect(JSON.parse((await run("decode", f, "--json", "--vxlan-port", "8472")).out).tunnel).toEqual({
      type: "vxlan",
      id: 9,
    });
    expect(JSON.parse((await run("decode", f, "--json", "--vxlan-port=8472")).out).tunnel.id).toBe(9);
    // 4789, the IANA port, is always VXLAN: naming it is allowed (with another port too).
    const both = await run("decode", f, "--json", "--vxlan-port", "4789", "--vxlan-port", "8472");
    expect(both.err).toBe("");
    expect(JSON.parse(both.out).tunnel.id).toBe(9);
  });
});

describe("decode (human output)", () => {
  it("one line per frame plus a summary", async () => {
    const f = capture("h.pcap", [vx, vx.subarray(0, 20)], "pcap-ns");
    const r = await run("decode", f);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("02:00:00:00:00:10 > 02:00:00:00:00:11");
    expect(lines[0]).toContain("vlan 100 pcp 3");
    expect(lines[0]).toContain("[vxlan 4242]");
    expect(lines[0]).toContain("tcp 2794 > 1766");
    expect(lines[1]).toContain("TRUNCATED ipv4");
    expect(lines[2]).toBe("2 frames, 1 truncated");
  });
  it("--help documents the options", async () => {
    const r = await run("decode", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--vxlan-port N");
  });
});

describe("decode: records kept though irregular", () => {
  // Two frames as pcap: record 1's original length one below its captured length, record 2's
  // microseconds a second; and the same frames as pcapng with packet block 2's lengths so.
  function odd(format: "pcap" | "pcapng"): { file: string; at: number[] } {
    const p = capture(`odd.${format}`, [vx, vx], format);
    const bytes = new Uint8Array(readFileSync(p));
    const view = new DataView(bytes.buffer);
    const at: number[] = [];
    if (format === "pcap") {
      at.push(24, 24 + 16 + vx.length);
      view.setUint32(at[0]! + 12, vx.length - 1, true);
      view.setUint32(at[1]! + 4, 1_000_000, true);
    } else {
      for (let o = 0; o < bytes.length; o += view.getUint32(o + 4, true))
        if (view.getUint32(o, true) === 6) at.push(o);
      view.setUint32(at[1]! + 24, vx.length - 1, true);
    }
    writeFileSync(p, bytes);
    return { file: p, at };
  }
  const L = vx.length;

  it("each is decoded, marked on its line with why and where, and counted in the summary", async () => {
    const { file, at } = odd("pcap");
    const r = await run("decode", file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("");
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toContain("[vxlan 4242]");
    expect(lines[0]).toMatch(
      new RegExp(
        `  IRREGULAR captured length ${L} exceeds the original length ${L - 1} \\(at byte ${at[0]}\\)$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `  IRREGULAR timestamp microseconds 1000000 out of range \\(0\\.\\.999999\\) \\(at byte ${at[1]}\\)$`,
      ),
    );
    expect(lines[2]).toBe("2 frames, 2 irregular (read as tshark reads them)");
  });

  it("--json: an 'irregular' object (reason, offset) on the frame's own object", async () => {
    const { file, at } = odd("pcapng");
    const r = await run("decode", file, "--json");
    expect(r.code, r.err).toBe(0);
    const [first, second] = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(first.irregular).toBeUndefined();
    expect(second.frame).toBe(2);
    expect(second.tunnel.id).toBe(4242);
    expect(second.irregular).toEqual({
      reason: `captured length ${L} exceeds the original length ${L - 1}`,
      offset: at[1],
    });
    // From standard input, located alike.
    const piped = spawnSync(process.execPath, [join(ROOT, "bin", "iovsim.js"), "decode", "-"], {
      input: readFileSync(file),
      encoding: "utf8",
    });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toContain(
      `IRREGULAR captured length ${L} exceeds the original length ${L - 1} (at byte ${at[1]})`,
    );
    expect(piped.stdout.trim().split("\n").at(-1)).toBe("2 frames, 1 irregular (read as tshark reads it)");
  });

  it("a regular capture has no mark", async () => {
    const r = await run("decode", capture("regular.pcap", [vx]));
    expect(r.out).not.toContain("IRREGULAR");
    expect(r.out.trim().split("\n").at(-1)).toBe("1 frame");
  });
});

describe("decode errors", () => {
  it("missing file, not a capture, bad options: iovsim: message, exit 1, no stack", async () => {
    const missing = await run("decode", join(tmp, "nope.pcap"));
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toBe(`iovsim: ${join(tmp, "nope.pcap")}: no such file\n`);
    const junk = join(tmp, "junk.txt");
    writeFileSync(junk, "hello world");
    expect((await run("decode", junk)).err).toBe(
      `iovsim: ${junk}: not a pcap or pcapng file (magic 0x68656c6c) at byte 0\n`,
    );
    // Piping a capture in without '-' (decode < f.pcap) gets the hint.
    expect((await run("decode")).err).toBe(
      "iovsim: decode: missing FILE (usage: iovsim decode FILE [--json]; FILE '-' reads standard input)\n",
    );
    // An empty operand names no file: it said "iovsim: : no such file".
    const empty = await run("decode", "");
    expect(empty.code).toBe(1);
    expect(empty.err).toBe(
      "iovsim: decode: FILE is an empty string (give a pcap or pcapng file, or '-' for standard input)\n",
    );
    expect((await run("decode", junk, "--vxlan-port", "70000")).err).toBe(
      "iovsim: option '--vxlan-port': '70000' is not a UDP port (1..65535)\n",
    );
    expect((await run("decode", junk, "--bogus")).err).toMatch(/unknown option '--bogus'/);
    // A repeatable option's value given twice is a slip: said, not folded away.
    expect((await run("decode", junk, "--vxlan-port", "8472", "--vxlan-port=8472")).err).toBe(
      "iovsim: option '--vxlan-port 8472' is given twice\n",
    );
    // One port as two spellings; a comma list read as one bad port ("not a UDP port").
    expect((await run("decode", junk, "--vxlan-port", "8472", "--vxlan-port", "08472")).err).toBe(
      "iovsim: option '--vxlan-port 8472' is given twice\n",
    );
    expect((await run("decode", junk, "--vxlan-port", "8472,4790")).err).toBe(
      "iovsim: option '--vxlan-port': '8472,4790' is a list; the option takes one port (repeat it: --vxlan-port 8472 --vxlan-port 4790)\n",
    );
  });
  it("a corrupt record: earlier frames printed, then the error with the byte offset", async () => {
    const p = join(tmp, "capture.pcap");
    const bytes = encodeCapture(
      [vx, vx].map((data) => ({ ts: 0n, data, origLen: data.length, iface: 0, linktype: 1 })),
    );
    writeFileSync(p, bytes.subarray(0, bytes.length - 3));
    const r = await run("decode", p, "--json");
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n")).toHaveLength(1);
    expect(r.err).toBe(
      `iovsim: ${p}: record caplen ${vx.length} exceeds the ${vx.length - 3} bytes left in the file at byte ${24 + 16 + vx.length} (after 1 good frame)\n`,
    );
  });
  // An IEEE 802.3 frame (length field, LLC follows): the line named its length an EtherType.
  it("an 802.3 length is named as one, not as an EtherType", async () => {
    const llc = Uint8Array.from([
      ...[2, 0, 0, 0, 0, 0x11, 2, 0, 0, 0, 0, 0x10],
      0x00,
      0x26, // length 38
      ...[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00],
      ...new Array(38).fill(0),
    ]);
    const r = await run("decode", capture("llc.pcap", [llc]));
    expect(r.out.split("\n")[0]).toMatch(/ {2}802\.3 length 38 {2}rss 0x00000000/);
    const j = JSON.parse((await run("decode", capture("llc.pcap", [llc]), "--json")).out);
    expect(j.eth.length).toBe(38);
  });
  // "1 frames" in the summary line (a one-frame capture is common: one PPPoE PADI).
  it("counts one frame in the singular", async () => {
    const r = await run("decode", capture("one.pcap", [vx]));
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split("\n").at(-1)).toBe("1 frame");
  });
  it("end to end through bin/iovsim.js", () => {
    const f = capture("e2e.pcap", [vx]);
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "iovsim.js"), "decode", f, "--json"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).tunnel).toEqual({ type: "vxlan", id: 4242 });
    const bad = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "iovsim.js"), "decode", join(tmp, "missing.pcap")],
      { encoding: "utf8" },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("decode: VXLAN-GPE (UDP 4790)", () => {
  const o = () => eth().ipv4({ src: "10.1.0.1", dst: "10.1.0.2" }).udp({ sport: 40000 });
  const frames = [
    o().vxlanGpe(100).eth().ipv4().tcp({ sport: 1, dport: 2 }).build(),
    o().vxlanGpe(101).ipv4().udp({ sport: 3, dport: 4 }).build(),
    o().vxlanGpe(103, { nextProtocol: 4 }).payload(24).build(),
    o().vxlanGpe(104, { flags: 0x08, nextProtocol: 1 }).ipv4().build(),
    o().vxlanGpe(105, { flags: 0x1c }).eth().build(),
  ];
  it("the line names the VNI and the Next Protocol; the JSON has flags and next_protocol", async () => {
    const f = capture("gpe.pcap", frames);
    const text = await run("decode", f);
    expect(text.code, text.err).toBe(0);
    const lines = text.out.split("\n");
    expect(lines[0]).toContain("udp 40000 > 4790  [vxlan-gpe 100 next eth]  ");
    expect(lines[1]).toContain("[vxlan-gpe 101 next ipv4]  ipv4 10.0.0.1 > 10.0.0.2  udp 3 > 4");
    expect(lines[2]).toContain("[vxlan-gpe 103 next nsh]  rss");
    expect(lines[3]).toContain("[vxlan-gpe 104 no next protocol]  rss");
    expect(lines[4]).toMatch(/udp 40000 > 4790 {2}rss \S+ {2}INVALID vxlan-gpe$/);
    const json = await run("decode", f, "--json");
    const tun = json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).tunnel);
    expect(tun).toEqual([
      { type: "vxlan-gpe", id: 100, flags: "0x0c", next_protocol: 3 },
      { type: "vxlan-gpe", id: 101, flags: "0x0c", next_protocol: 1 },
      { type: "vxlan-gpe", id: 103, flags: "0x0c", next_protocol: 4 },
      { type: "vxlan-gpe", id: 104, flags: "0x08" },
      undefined,
    ]);
    // --vxlan-port 4790: the user's word makes it plain VXLAN (Ethernet after 8 bytes).
    const asVxlan = await run("decode", f, "--json", "--vxlan-port", "4790");
    expect(JSON.parse(asVxlan.out.split("\n")[0]).tunnel).toEqual({ type: "vxlan", id: 100 });
  });
});
