// Replaying a capture taken elsewhere (issue 9 item 3): its MACs match no function, so every
// frame is an l2-filter drop. `switch` says so, and offers --rewrite-dst PORT and --promisc PORT
// (honouring trust: an untrusted VF's request is refused with an error, as its driver would).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeCapture, readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const capture = join(root, "examples", "capture.pcap"); // tcpdump's vxlan.pcap: 10 frames
const ixl = join(root, "examples", "ixl0.conf");
const tmp = tempDir("iovsim-replay-");
const trusted = join(tmp, "trusted.conf");
// The X710 has unicast promiscuous per VF (the 82599 and 82576 have not: see below).
writeFileSync(trusted, `PF { device: "ixl0"; num_vfs: 2; }\nVF-1 { allow-promisc: true; }\n`);
const ixTrusted = join(tmp, "ix-trusted.conf");
writeFileSync(ixTrusted, `PF { device: "ix0"; num_vfs: 2; }\nVF-1 { allow-promisc: true; }\n`);
const igb = join(tmp, "igb.conf");
writeFileSync(igb, `PF { device: "igb0"; num_vfs: 2; }\nVF-0 { allow-promisc: true; }\n`);

let n = 0;
async function sw(conf: string, ...extra: string[]) {
  const dir = join(tmp, `out${n++}`);
  const r = await iovsim([
    "--state",
    join(tmp, "state"),
    "switch",
    "-f",
    conf,
    "--in",
    `wire=${capture}`,
    "--out",
    dir,
    ...extra,
  ]);
  const frames = (name: string) => readCaptureFile(join(dir, `${name}.pcap`)).records.length;
  const counters = () => JSON.parse(readFileSync(join(dir, "counters.json"), "utf8"));
  return { rc: r.code, out: r.out, err: r.err, frames, counters };
}

describe("switch: replaying a foreign capture", () => {
  it("without options every frame is filtered, and the summary says what to do", async () => {
    const r = await sw(ixl);
    expect(r.rc).toBe(0);
    expect(r.out).toContain("frame drops: l2-filter 10");
    expect(r.out).toContain("note: all 10 wire frames were dropped by the MAC filter");
    expect(r.out).toContain("--rewrite-dst PORT");
    expect(r.out).toContain("--promisc PORT");
  });

  // It said "all 1 wire frames were dropped ... their destination MACs match".
  it("one foreign frame: said in the singular", async () => {
    const one = join(tmp, "one.pcap");
    const frame = eth({ dst: "02:99:00:00:00:01", src: "02:99:00:00:00:02" }).ipv4().udp().build();
    writeFileSync(
      one,
      encodeCapture([{ ts: 0n, data: frame, origLen: frame.length, iface: 0, linktype: 1 }]),
    );
    const r = await iovsim([
      "--state",
      join(tmp, "state"),
      "switch",
      "-f",
      ixl,
      "--in",
      `wire=${one}`,
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      "iovsim: note: the one wire frame was dropped by the MAC filter (l2-filter): its destination MAC matches no PF or VF of",
    );
  });

  // The same capture given as a VF's transmit: anti-spoofing drops every frame, and only the
  // counters said so (no note, unlike the wire's MAC filter).
  it("given as a VF's transmit: every frame spoofed, the note says what lets it through", async () => {
    const argv = ["--state", join(tmp, "state"), "switch", "-f", ixl, "--in", `VF-0=${capture}`, "--json"];
    const r = await iovsim(argv);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).frame_drops).toEqual({ "mac-spoof": 10 });
    expect(r.err).toBe(
      `iovsim: note: all 10 frames VF-0 sent were dropped by anti-spoofing (mac-spoof): their source MACs are not VF-0's. A VF sends only from its own MAC unless its VF-0 section of ${ixl} sets 'mac-anti-spoof: false;'\n`,
    );
    // ...and that setting does let them through, to the wire.
    const open = join(tmp, "no-anti-spoof.conf");
    writeFileSync(open, 'PF { device: "ixl0"; num_vfs: 1; }\nVF-0 { mac-anti-spoof: false; }\n');
    const o = await iovsim([
      "--state",
      join(tmp, "state"),
      "switch",
      "-f",
      open,
      "--in",
      `VF-0=${capture}`,
      "--json",
    ]);
    expect(o.err).toBe("");
    expect(JSON.parse(o.out).wire_out).toBe(10);
  });

  for (const engine of ["wasm", "reference"]) {
    it(`--rewrite-dst VF-0 delivers every frame to VF-0 (${engine})`, async () => {
      const r = await sw(ixl, "--rewrite-dst", "VF-0", "--engine", engine);
      expect(r.rc).toBe(0);
      expect(r.out).not.toContain("note: all");
      expect(r.frames("VF-0")).toBe(10);
      expect(r.frames("PF")).toBe(0);
      expect(r.counters().frameDrops).toEqual({});
      expect(r.counters().rewriteDst).toBe("VF-0");
      // The destination is VF-0's MAC, the rest of each frame is the capture's.
      const got = readCaptureFile(join(tmp, `out${n - 1}`, "VF-0.pcap")).records;
      const orig = readCaptureFile(capture).records;
      expect([...got[0].data.subarray(0, 6)]).toEqual([2, 0, 0, 0, 0, 0x10]);
      expect(Buffer.compare(got[0].data.subarray(6), orig[0].data.subarray(6))).toBe(0);
    });
  }

  it("--promisc PF: the PF receives every frame", async () => {
    const r = await sw(ixl, "--promisc", "PF");
    expect(r.rc).toBe(0);
    expect(r.frames("PF")).toBe(10);
    expect(r.frames("VF-0")).toBe(0);
  });

  it("--promisc VF-n needs allow-promisc: refused for an untrusted VF, honoured for a trusted one", async () => {
    const refused = await sw(ixl, "--promisc", "VF-0");
    expect(refused.rc).toBe(1);
    expect(refused.err).toContain(
      `iovsim: option '--promisc VF-0': VF-0 is untrusted: ${ixl} does not set 'allow-promisc: true;'`,
    );
    expect((await sw(trusted, "--promisc", "VF-0")).rc).toBe(1);
    const ok = await sw(trusted, "--promisc", "VF-1");
    expect(ok.rc).toBe(0);
    expect(ok.frames("VF-1")).toBe(10);
    expect(ok.frames("VF-0")).toBe(0);
  });

  it("igb and ix VFs have no unicast promiscuous mode; bad ports are usage errors", async () => {
    const r = await sw(igb, "--promisc", "VF-0");
    expect(r.rc).toBe(1);
    expect(r.err).toContain("no unicast promiscuous mode");
    // The 82599 has no per-pool UPE either (spec §2.7): even a trusted VF gets ALLMULTI at most.
    expect((await sw(ixTrusted, "--promisc", "VF-1")).err).toBe(
      "iovsim: option '--promisc VF-1': the ix NIC (82599ES) has no unicast promiscuous mode for VFs (it gives allmulti)\n",
    );
    expect((await sw(ixl, "--rewrite-dst", "VF-9")).err).toContain("option '--rewrite-dst': no port 'VF-9'");
    expect((await sw(ixl, "--promisc", "wire")).err).toContain(
      "option '--promisc': 'wire' is not a function",
    );
    expect((await sw(ixl, "--rewrite-dst")).err).toContain("option '--rewrite-dst' needs a value");
    // A repeatable option's value given twice, as --rewrite-dst given twice, is refused.
    expect((await sw(ixl, "--promisc", "PF", "--promisc", "PF")).err).toBe(
      "iovsim: option '--promisc PF' is given twice\n",
    );
    expect((await sw(ixl, "--rss", "inner", "--vxlan-port", "8472", "--vxlan-port", "8472")).err).toBe(
      "iovsim: option '--vxlan-port 8472' is given twice\n",
    );
  });

  it("--rewrite-dst without a wire input is refused (it changed nothing, silently)", async () => {
    const { code: rc, err } = await iovsim([
      "--state",
      join(tmp, "state"),
      "switch",
      "-f",
      ixl,
      "--in",
      `VF-0=${capture}`,
      "--rewrite-dst",
      "VF-1",
      "--json",
    ]);
    expect(rc).toBe(1);
    expect(err).toBe(
      "iovsim: option '--rewrite-dst VF-1': it rewrites frames from the wire, and no --in wire=FILE is given (it would change nothing)\n",
    );
  });
});

describe("switch: a capture that carries the FCS", () => {
  it("a full-size frame with its FCS is delivered, not an oversize drop (the FCS is not frame data)", async () => {
    // 1514 bytes (the largest untagged frame without FCS) + 4 FCS bytes, to VF-0's MAC; the
    // link-type field says every record ends in a 4-byte FCS (P bit, 2 16-bit words).
    const frame = eth({ dst: "02:00:00:00:00:10", src: "02:99:00:00:00:01" })
      .ipv4()
      .udp()
      .build({ padTo: 1514 });
    const withFcs = Uint8Array.from([...frame, 0xde, 0xad, 0xbe, 0xef]);
    const bytes = encodeCapture([{ ts: 1n, data: withFcs, origLen: withFcs.length, iface: 0, linktype: 1 }]);
    new DataView(bytes.buffer).setUint32(20, 0x24000001, true);
    const file = join(tmp, "fcs.pcap");
    writeFileSync(file, bytes);
    const { code: rc, out } = await iovsim([
      "--state",
      join(tmp, "state"),
      "switch",
      "-f",
      ixl,
      "--in",
      `wire=${file}`,
      "--json",
    ]);
    expect(rc).toBe(0);
    const j = JSON.parse(out);
    expect(j.frame_drops).toEqual({});
    expect(j.functions.find((f: { name: string }) => f.name === "VF-0").received).toBe(1);
    expect(j.counters.port.rx_bytes).toBe(1518); // DA..CRC: the frame's 1514 + the FCS the NIC counts
  });
});
