// `iovsim switch`: an iovctl.conf on a private host, captures replayed through the switch,
// per-function / per-queue captures, counters.json, and errors. Both engines (the Wasm kernels
// and the TypeScript reference) run, and must write identical captures and counters.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-switch-"));
const state = join(tmp, "state"); // never created: the command must not touch the user's state
const conf = join(tmp, "iov.conf");
writeFileSync(
  conf,
  `PF { device: "ix0"; num_vfs: 3; }
VF-0 { mac-addr: "02:00:00:00:00:10"; }
VF-1 { mac-addr: "02:00:00:00:00:11"; }
VF-2 { mac-addr: "02:00:00:00:00:12"; vlan: 100; }
`,
);
const EXT = "02:99:00:00:00:01";

const pcap = (name: string, frames: Uint8Array[], t0 = 0n) => writeFrames(join(tmp, name), frames, { t0 });

const run = (...argv: string[]) => iovsim(["--state", state, "switch", ...argv]);

const frames = (p: string) => readCaptureFile(p).records.map((r) => r.data);

describe("iovsim switch", () => {
  const wire = pcap("in.pcap", [
    // R2: DA VF-1, UDP 10.0.0.1:1234 -> 10.0.0.2:80, hash 0xe7c0c84a
    eth({ dst: "02:00:00:00:00:11", src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build({ padTo: 60 }),
    eth({ dst: "ff:ff:ff:ff:ff:ff", src: EXT }).arp().build({ padTo: 60 }), // broadcast, untagged
    eth({ dst: "02:00:00:00:00:99", src: EXT }).arp().build({ padTo: 60 }), // unknown unicast
    eth({ dst: "02:00:00:00:00:12", src: EXT }).vlan(100).ipv4().tcp().build({ padTo: 64 }), // VF-2's port VLAN
  ]);
  const tx = pcap(
    "tx.pcap",
    [
      eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" }).ipv4().tcp().build({ padTo: 60 }), // VF->VF loopback
      eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:66" }).ipv4().tcp().build({ padTo: 60 }), // spoofed SA
      eth({ dst: "02:88:00:00:00:11", src: "02:00:00:00:00:10" }).ipv4().tcp().build({ padTo: 60 }), // external
    ],
    500n,
  );

  it.each(["reference", "wasm"])(
    "%s engine: one capture per function and per queue, and counters",
    async (engine) => {
      const out = join(tmp, `out-${engine}`);
      const args = ["-f", conf, "--in", `wire=${wire}`, "--in", `VF-0=${tx}`, "--out", out, "--per-queue"];
      const r = await run(...args, "--engine", engine);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain(`engine: ${engine}`);
      expect(r.out).toMatch(/│ VF-1\s+│ 0\s+│ 3\s+│ 0\s+│ 0\s+│/);
      expect(r.out).toContain("frame drops: mac-spoof 1, l2-filter 1");

      // VF-1: the R2 frame (queue 2 of 4 by RSS), the broadcast, VF-0's loopback frame.
      const vf1 = frames(join(out, "VF-1.pcap"));
      expect(vf1).toHaveLength(3);
      expect(frames(join(out, "VF-1.q2.pcap")).map((f) => parseFrame(f).l4?.sport)).toEqual([1234]);
      // VF-2 received its VLAN-100 frame with the tag stripped, not the untagged broadcast.
      const vf2 = frames(join(out, "VF-2.pcap"));
      expect(vf2).toHaveLength(1);
      expect(parseFrame(vf2[0]).vlans).toEqual([]);
      // The wire got only VF-0's external frame (loopback and spoofed frames stay inside).
      const w = frames(join(out, "wire.pcap"));
      expect(w.map((f) => parseFrame(f).eth?.dst)).toEqual(["02:88:00:00:00:11"]);
      // The PF got the broadcast (and VF-0 too: it has AUPE and is not the sender on Rx).
      expect(frames(join(out, "PF.pcap"))).toHaveLength(1);
      expect(frames(join(out, "VF-0.pcap"))).toHaveLength(1);

      const c = JSON.parse(readFileSync(join(out, "counters.json"), "utf8"));
      expect(c.conservation).toBe("ok");
      expect(c.frameDrops).toEqual({ "mac-spoof": 1, "l2-filter": 1 });
      expect(c.counters.pools["VF-1"].rx_packets).toBe(3);
      expect(c.counters.pools["VF-0"].tx_spoofed).toBe(1);
      expect(c.counters.pools["VF-0"].tx_packets).toBe(2);
      expect(existsSync(state)).toBe(false);
    },
  );

  it("a second run into the same --out leaves one run's captures: earlier ones it did not write are removed", async () => {
    const out = join(tmp, "out-rerun");
    const first = await run(
      "-f",
      conf,
      "--in",
      `wire=${wire}`,
      "--out",
      out,
      "--per-queue",
      "--engine",
      "reference",
    );
    expect(first.code).toBe(0);
    writeFileSync(join(out, "notes.txt"), "mine");
    const two = join(tmp, "two-vfs.conf");
    writeFileSync(two, `PF { device: "ix0"; num_vfs: 2; }\nVF-1 { mac-addr: "02:00:00:00:00:11"; }\n`);
    const second = await run("-f", two, "--in", `wire=${wire}`, "--out", out, "--format", "pcapng");
    expect(second.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "PF.pcapng",
      "VF-0.pcapng",
      "VF-1.pcapng",
      "counters.json",
      "notes.txt",
      "wire.pcapng",
    ]);
  });

  it("--rss inner hashes the encapsulated packet", async () => {
    const inner = (b: ReturnType<typeof eth>) =>
      b.ipv4({ src: "66.9.149.187", dst: "161.142.100.80" }).tcp({ sport: 2794, dport: 1766 });
    const vx = pcap("vx.pcap", [
      inner(
        eth({ dst: "02:00:00:00:00:11", src: EXT })
          .ipv4({ src: "199.92.111.2", dst: "65.69.140.83" })
          .udp({ sport: 14230 })
          .vxlan(1)
          .eth(),
      ).build(),
    ]);
    // Tunnel-aware RSS needs a NIC with it (the X710; the 82599 of ix0 hashes the outer only).
    const ixl = join(tmp, "ixl.conf");
    writeFileSync(ixl, `PF { device: "ixl0"; num_vfs: 2; }\nVF-1 { mac-addr: "02:00:00:00:00:11"; }\n`);
    const queueOf = async (level: string) => {
      const out = join(tmp, `rss-${level}`);
      const r = await run(
        "-f",
        ixl,
        "--in",
        `wire=${vx}`,
        "--out",
        out,
        "--per-queue",
        "--rss",
        level,
        "--engine",
        "reference",
      );
      expect(r.code).toBe(0);
      return [0, 1, 2, 3].find((q) => frames(join(out, `VF-1.q${q}.pcap`)).length === 1);
    };
    expect(await queueOf("inner")).toBe(0x51ccc178 & 3);
    const outerQ = await queueOf("outer");
    expect(outerQ).toBe(parseFrame(frames(vx)[0]).rss.outer & 3);
  });

  it("bad input is reported with the file/option at fault, exit 1", async () => {
    const out = join(tmp, "bad");
    expect((await run("--in", `wire=${wire}`, "--out", out)).err).toMatch(
      /the -f iov.conf option is required/,
    );
    // Given but empty: said so, not "required" as if it had been left out.
    expect((await run("-f", "", "--in", `wire=${wire}`, "--out", out)).err).toBe(
      "iovsim: switch: option '-f, --file' needs a file name (an iovctl.conf)\n",
    );
    expect((await run("-f", conf, "--in", `wire=${wire}`, "--out", "")).err).toBe(
      "iovsim: switch: option '--out' needs a directory name\n",
    );
    expect((await run("-f", conf, "--in", `VF-7=${tx}`, "--out", out, "--engine", "reference")).err).toBe(
      "iovsim: option '--in': no port 'VF-7' on ix0 (ports: wire, PF, VF-0, VF-1, VF-2)\n",
    );
    expect((await run("-f", conf, "--in", "wire", "--out", out)).err).toMatch(/expected PORT=FILE/);
    const missing = await run(
      "-f",
      conf,
      "--in",
      `wire=${join(tmp, "none.pcap")}`,
      "--out",
      out,
      "--engine",
      "reference",
    );
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toBe(`iovsim: ${join(tmp, "none.pcap")}: cannot read (no such file)\n`);
    const badConf = join(tmp, "bad.conf");
    writeFileSync(badConf, `PF { device: "ix0"; num_vfs: 2; }\nVF-0 { bogus-key: 1; }\n`);
    const bc = await run("-f", badConf, "--in", `wire=${wire}`, "--out", out, "--engine", "reference");
    expect(bc.code).toBe(1);
    expect(bc.err).toMatch(new RegExp(`^iovsim: ${badConf.replace(/[.]/g, "\\.")}:2:\\d+: `));
    // A run that failed leaves nothing behind: not even the --out directory it had created.
    expect(existsSync(out)).toBe(false);
    expect((await run("--help")).out).toContain("--per-queue");
  });

  it("a VF the driver refused (accepted by iovctl -C, which exits 0) is named with the reason", async () => {
    const dup = join(tmp, "dup-mac.conf");
    writeFileSync(
      dup,
      `PF { device: "ixl0"; num_vfs: 2; }\nVF-0 { mac-addr: "02:00:00:00:00:01"; }\nVF-1 { mac-addr: "02:00:00:00:00:01"; }\n`,
    );
    const why =
      "VF-1 was not created: the ixl driver refused it (EADDRINUSE: MAC 02:00:00:00:00:01 is already used by the PF or another VF); as on FreeBSD, the other VFs were created (iovctl -C exits 0, dmesg: ixl0: Failed to add VF 1)";
    const ran = await run("-f", dup, "--in", `wire=${wire}`, "--json", "--engine", "reference");
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.out).vfs).toBe(1);
    expect(ran.err).toBe(`iovsim: note: ${why}\n`);
    const text = await run(
      "-f",
      dup,
      "--in",
      `wire=${wire}`,
      "--out",
      join(tmp, "dup-out"),
      "--engine",
      "reference",
    );
    expect(text.out).toContain("; ixl0 with 1 VF; RSS outer\n");
    expect(text.out).toContain(`note: ${why}\n`);
    expect(text.out).toContain("(wire, PF, 1 VF capture, counters.json)\n");
    // Every option naming a port names the refused VF the same way (one resolver).
    for (const [option, value] of [
      ["--in", `VF-1=${tx}`],
      ["--mtu", "VF-1=9000"],
      ["--promisc", "VF-1"],
      ["--rewrite-dst", "VF-1"],
    ] as const) {
      const r = await run(
        "-f",
        dup,
        "--in",
        `wire=${wire}`,
        option,
        value,
        "--json",
        "--engine",
        "reference",
      );
      expect(r).toEqual({ code: 1, out: "", err: `iovsim: option '${option}': ${why}\n` });
    }
  });

  it("malformed captures and random frames: no trap, every frame counted, conservation holds", async () => {
    const dir = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "malformed");
    const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f));
    let x = 0x2545f491;
    const rand = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const noise = Array.from({ length: 20_000 }, (_, i) => {
      const f = Uint8Array.from({ length: rand() % 201 }, () => rand() & 0xff);
      if (i % 2 && f.length >= 12) f.set([2, 0, 0, 0, 0, 0x10 + (i % 3)], 0); // some hit a VF's MAC
      if (i % 3 === 0 && f.length >= 12) f.set([2, 0, 0, 0, 0, 0x10], 6); // some pass VF-0 anti-spoof
      return f;
    });
    const rnd = pcap("random.pcap", noise);
    const expected = files.reduce((n, f) => n + readCaptureFile(join(dir, f)).records.length, 0);
    const results: Record<string, { counters: unknown; files: Record<string, string> }> = {};
    for (const engine of ["reference", "wasm"]) {
      const out = join(tmp, `fuzz-${engine}`);
      const args = [
        "-f",
        conf,
        "--out",
        out,
        "--per-queue",
        "--engine",
        engine,
        "--in",
        `wire=${rnd}`,
        "--in",
        `VF-0=${rnd}`,
      ];
      for (const f of files) args.push("--in", `wire=${join(dir, f)}`);
      const r = await run(...args);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const c = JSON.parse(readFileSync(join(out, "counters.json"), "utf8"));
      expect(c.conservation).toBe("ok");
      const offered = Object.fromEntries(
        c.functions.map((f: { name: string; offered: number }) => [f.name, f.offered]),
      );
      expect(offered.wire).toBe(expected + noise.length);
      expect(offered["VF-0"]).toBe(noise.length);
      const names = readdirSync(out).filter((n) => n.endsWith(".pcap"));
      results[engine] = {
        counters: {
          functions: c.functions,
          frameDrops: c.frameDrops,
          copyDrops: c.copyDrops,
          counters: c.counters,
        },
        files: Object.fromEntries(names.map((n) => [n, readFileSync(join(out, n)).toString("base64")])),
      };
    }
    // Differential: the Wasm kernels and the reference produce the same bytes and counters.
    expect(results.wasm.counters).toEqual(results.reference.counters);
    expect(Object.keys(results.wasm.files).sort()).toEqual(Object.keys(results.reference.files).sort());
    for (const [name, b64] of Object.entries(results.reference.files))
      expect(results.wasm.files[name], name).toBe(b64);
  });
});
