// Acceptance cases for the data-plane CLIs (`decode`, `switch`), found by running them as a new
// user would: output directories that cannot be written, pseudo file systems, VXLAN on a
// non-standard port through the switch, and error wording. Each case failed before its fix.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { encodeCapture, readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim } from "../helpers/cli.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "iovsim-accept-dp-"));
const state = join(tmp, "state"); // never created: switch reads the default host only
const conf = join(tmp, "iov.conf");
writeFileSync(
  conf,
  `PF { device: "ix0"; num_vfs: 2; }
VF-0 { mac-addr: "02:00:00:00:00:10"; }
VF-1 { mac-addr: "02:00:00:00:00:11"; }
`,
);
// Tunnel-aware RSS (--rss inner) needs a NIC that has it: the X710 (ixl), not the 82599.
const innerConf = join(tmp, "iov-ixl.conf");
writeFileSync(
  innerConf,
  `PF { device: "ixl0"; num_vfs: 2; }
VF-0 { mac-addr: "02:00:00:00:00:10"; }
VF-1 { mac-addr: "02:00:00:00:00:11"; }
`,
);
const EXT = "02:99:00:00:00:01";

const pcap = (name: string, frames: Uint8Array[]) => writeFrames(join(tmp, name), frames);

/** `iovsim --state STATE ...argv`; `rc` is its exit status. */
async function run(...argv: string[]) {
  const { code: rc, out, err } = await iovsim(["--state", state, ...argv]);
  return { rc, out, err };
}

const wire = pcap("wire.pcap", [
  eth({ dst: "02:00:00:00:00:10", src: EXT }).ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }).udp().build(),
]);

describe("switch --out that cannot be written", () => {
  it.each([
    ["an output file blocked by a directory is a user error naming the file, no temp file left", "wire.pcap"],
    ["counters.json blocked by a directory is a user error naming it", "counters.json"],
  ])("%s", async (_case, blocked) => {
    const out = join(tmp, `blocked-${blocked}`);
    mkdirSync(join(out, blocked), { recursive: true });
    const r = await run("switch", "-f", conf, "--in", `wire=${wire}`, "--out", out);
    expect(r.rc).toBe(1);
    expect(r.err).toContain(blocked);
    expect(r.err).not.toContain("internal error");
    expect(readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  // Node 20's mkdirSync(..., { recursive: true }) loops forever when mkdir says ENOENT for a
  // parent that exists (/proc): the command must fail, not hang. Spawned (main.ts directly, so
  // the time limit's SIGKILL reaches the process that would spin).
  it.skipIf(!existsSync("/proc/self"))(
    "an --out under /proc fails quickly with a message",
    () => {
      const main = join(repoRoot, "src", "cli", "main.ts");
      const argv = ["switch", "-f", conf, "--in", `wire=${wire}`, "--out", "/proc/iovsim-x/y"];
      const r = spawnSync(process.execPath, ["--import", "tsx", main, "--state", state, ...argv], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 30_000,
        killSignal: "SIGKILL",
      });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^iovsim: option '--out': cannot use '\/proc\/iovsim-x\/y'/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    40_000,
  );
});

describe("switch -f pointing at a directory", () => {
  it("says it is a directory, like decode does", async () => {
    const r = await run("switch", "-f", tmp, "--in", `wire=${wire}`, "--out", join(tmp, "o-dir"));
    expect(r.rc).toBe(1);
    expect(r.err).toBe(`iovsim: ${tmp}: is a directory\n`);
  });
});

describe("switch --vxlan-port", () => {
  // VXLAN on Linux's port 8472 to VF-0 (4 queues by default on ixl0), 32 inner flows that share
  // one outer header: with --rss inner the queues follow the inner hash only when 8472 is known.
  const frames = Array.from({ length: 32 }, (_, i) =>
    eth({ dst: "02:00:00:00:00:10", src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 50000, dport: 8472 })
      .vxlan(42)
      .eth({ dst: "02:aa:00:00:00:02", src: "02:aa:00:00:00:01" })
      .ipv4({ src: `192.168.0.${i + 1}`, dst: "192.168.1.1" })
      .tcp({ sport: 1000 + i, dport: 80 })
      .build(),
  );
  const input = pcap("vxlan8472.pcap", frames);

  for (const engine of ["wasm", "reference"]) {
    it(`${engine}: queues follow the inner hash with --vxlan-port 8472, the outer one without`, async () => {
      const queuesOf = (dir: string) =>
        [0, 1, 2, 3].flatMap((q) =>
          readCaptureFile(join(dir, `VF-0.q${q}.pcap`)).records.map((r) => ({ q, src: r.data[26 + 50 + 3] })),
        );
      const expectQueues = (dir: string, kind: "inner" | "outer", ports: number[]) => {
        const got = queuesOf(dir);
        expect(got).toHaveLength(32);
        for (const { q, src } of got) {
          const f = frames.find((x) => x[26 + 50 + 3] === src)!;
          expect(q).toBe(parseFrame(f, { vxlanPorts: ports }).rss[kind] & 3);
        }
        return new Set(got.map((g) => g.q)).size;
      };
      // Inner RSS with per-queue captures into `out`; `extra` adds the VXLAN port or not.
      const innerRss = (out: string, ...extra: string[]) =>
        run(
          "switch",
          "-f",
          innerConf,
          "--in",
          `wire=${input}`,
          "--out",
          out,
          "--rss",
          "inner",
          "--per-queue",
          "--engine",
          engine,
          ...extra,
        );
      const withPort = join(tmp, `vx-${engine}`);
      const r1 = await innerRss(withPort, "--vxlan-port", "8472");
      expect(r1.err).toBe("");
      expect(r1.rc).toBe(0);
      expect(expectQueues(withPort, "inner", [8472])).toBeGreaterThan(1);

      const without = join(tmp, `novx-${engine}`);
      const r2 = await innerRss(without);
      expect(r2.rc).toBe(0);
      // Not a tunnel without the port: one outer 4-tuple, one queue.
      expect(expectQueues(without, "outer", [])).toBe(1);
    });
  }

  it("rejects a bad port and more than 15 extra ports", async () => {
    const base = [
      "switch",
      "-f",
      innerConf,
      "--in",
      `wire=${wire}`,
      "--out",
      join(tmp, "o-bad"),
      "--rss",
      "inner",
    ];
    const r = await run(...base, "--vxlan-port", "0");
    expect(r.rc).toBe(1);
    expect(r.err).toBe("iovsim: option '--vxlan-port': '0' is not a UDP port (1..65535)\n");
    // One port in two spellings was taken once, silently (decode refused it): refused alike.
    const twice = await run(...base, "--vxlan-port", "8472", "--vxlan-port", "08472");
    expect(twice.err).toBe("iovsim: option '--vxlan-port 8472' is given twice\n");
    // 4789 is always VXLAN: it does not count among the 15 extra ports.
    const fifteen = Array.from({ length: 15 }, (_, i) => ["--vxlan-port", String(10000 + i)]).flat();
    expect((await run(...base, ...fifteen, "--vxlan-port", "4789")).rc).toBe(0);
    const many = Array.from({ length: 16 }, (_, i) => ["--vxlan-port", String(10000 + i)]).flat();
    const r2 = await run(...base, ...many);
    expect(r2.rc).toBe(1);
    expect(r2.err).toContain("at most 15");
  });

  it("counters.json records the extra VXLAN ports", async () => {
    const dir = join(tmp, "vx-counters");
    const r = await run(
      "switch",
      "-f",
      innerConf,
      "--in",
      `wire=${input}`,
      "--out",
      dir,
      "--rss",
      "inner",
      "--vxlan-port",
      "8472",
    );
    expect(r.rc).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "counters.json"), "utf8")).vxlanPorts).toEqual([8472]);
  });

  // With RSS on the outer headers the extra ports change nothing (the parser finds the inner
  // packet only for the inner hash): the option was accepted and ignored.
  it("is refused without --rss inner, naming the option", async () => {
    const r = await run("switch", "-f", conf, "--in", `wire=${input}`, "--json", "--vxlan-port", "8472");
    expect(r.rc).toBe(1);
    expect(r.err).toBe(
      "iovsim: option '--vxlan-port 8472': it marks VXLAN for tunnel-aware RSS (--rss inner); with RSS on the outer headers it changes nothing\n",
    );
  });
});

describe("switch --rss inner on a NIC whose RSS sees only the outer headers", () => {
  // src/nic/profiles/*.json switch.innerRss: the 82599 (ix) and 82576 (igb) have no tunnel
  // parsing for RSS (Linux ixgbe registers VXLAN ports only on X550-class MACs, igb none).
  for (const [device, model] of [
    ["ix0", "Intel 82599ES 10-Gigabit SFI/SFP+ Network Connection (profile ix)"],
    ["igb0", "Intel 82576 Gigabit Network Connection (profile igb)"],
  ]) {
    it(`${device}: refused, naming the option, the NIC and what to use instead`, async () => {
      const c = join(tmp, `inner-${device}.conf`);
      writeFileSync(c, `PF { device: "${device}"; num_vfs: 1; }\n`);
      const r = await run("switch", "-f", c, "--in", `wire=${wire}`, "--json", "--rss", "inner");
      expect(r.rc).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toBe(
        `iovsim: option '--rss inner': ${device} is an ${model}, whose RSS hashes only the outer headers of tunnelled frames (no VXLAN/GENEVE/GTP-U parsing for RSS); use --rss outer and spread the inner flows in software (iovsim steering --strategy sw-dispatch), or a NIC with tunnel-aware RSS (profile ice: Intel Ethernet Controller E810-C for QSFP, profile ixl: Intel Ethernet Controller X710 for 10GbE SFP+)\n`,
      );
      const v = await run(
        "switch",
        "-f",
        c,
        "--in",
        `wire=${wire}`,
        "--json",
        "--rss",
        "inner",
        "--vxlan-port",
        "8472",
      );
      expect(v.rc).toBe(1);
      expect(v.err).toMatch(/^iovsim: option '--rss inner' \(and '--vxlan-port 8472' with it\): /);
    });
  }
});

describe("switch inputs that are not plain Ethernet frames", () => {
  it("counts snaplen-cut frames and non-Ethernet records in the summary and counters.json", async () => {
    const full = eth({ dst: "02:00:00:00:00:10", src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp()
      .payload(100)
      .build();
    const p = join(tmp, "cut.pcap");
    writeFileSync(
      p,
      encodeCapture(
        [
          { ts: 0n, data: full.subarray(0, 60), origLen: full.length, iface: 0, linktype: 1 },
          { ts: 1n, data: full, origLen: full.length, iface: 1, linktype: 1 },
          { ts: 2n, data: full.subarray(14), origLen: full.length - 14, iface: 2, linktype: 101 },
        ],
        { format: "pcapng" },
      ),
    );
    const dir = join(tmp, "cut-out");
    const r = await run("switch", "-f", conf, "--in", `wire=${p}`, "--out", dir);
    expect(r.rc).toBe(0);
    // Each note names the input and the record, as decode numbers them.
    expect(r.out).toContain(
      `note: --in wire=${p}: skipped 1 record of link type 101 (RAW), not Ethernet (record 3)`,
    );
    expect(r.out).toContain(
      `note: --in wire=${p}: 1 frame was cut by the capture's snaplen (record 1; the first has 60 of ${full.length} bytes)`,
    );
    const c = JSON.parse(readFileSync(join(dir, "counters.json"), "utf8"));
    expect(c.skippedNonEthernet).toBe(1);
    expect(c.snaplenCut).toBe(1);
    expect(readCaptureFile(join(dir, "VF-0.pcap")).records.map((x) => x.data.length)).toEqual([
      60,
      full.length,
    ]);
  });
});

describe("switch --in port names", () => {
  it("a VF number with a leading zero is an unknown port, not an internal error", async () => {
    const r = await run("switch", "-f", conf, "--in", `VF-01=${wire}`, "--out", join(tmp, "o-vf01"));
    expect(r.rc).toBe(1);
    expect(r.err).toBe("iovsim: option '--in': no port 'VF-01' on ix0 (ports: wire, PF, VF-0, VF-1)\n");
  });
});

describe("switch flags", () => {
  it("--per-queue=VALUE is refused instead of silently ignoring the value", async () => {
    const r = await run(
      "switch",
      "-f",
      conf,
      "--in",
      `wire=${wire}`,
      "--out",
      join(tmp, "o-pq"),
      "--per-queue=no",
    );
    expect(r.rc).toBe(1);
    // The registry's one wording: a flag takes no value.
    expect(r.err).toBe(
      "iovsim: switch: option '--per-queue' takes no value (got '--per-queue=no') (see iovsim switch --help)\n",
    );
  });
});

describe("decode of other link types", () => {
  it("names common link types (raw IP, Linux cooked) when it skips them", async () => {
    const ip = eth().ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }).udp().build().subarray(14);
    const p = join(tmp, "linktypes.pcapng");
    writeFileSync(
      p,
      encodeCapture(
        [
          { ts: 0n, data: ip, origLen: ip.length, iface: 0, linktype: 101 },
          { ts: 1n, data: new Uint8Array(16 + ip.length), origLen: 16 + ip.length, iface: 1, linktype: 113 },
        ],
        { format: "pcapng" },
      ),
    );
    const r = await run("decode", p);
    expect(r.rc).toBe(0);
    expect(r.out).toContain("link type 101 (RAW): not Ethernet, skipped");
    expect(r.out).toContain("link type 113 (LINUX_SLL): not Ethernet, skipped");
    expect(r.out).toContain("2 frames, 2 not Ethernet (skipped)");
  });
});

describe("decode -", () => {
  it("reads the capture from standard input (tcpdump -w - | iovsim decode -)", () => {
    const main = join(repoRoot, "src", "cli", "main.ts");
    const r = spawnSync(process.execPath, ["--import", "tsx", main, "decode", "-", "--json"], {
      cwd: repoRoot,
      input: readFileSync(wire),
      encoding: "utf8",
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim()).eth.dst).toBe("02:00:00:00:00:10");
  }, 40_000);

  it("names standard input in its errors, as switch --in PORT=- and paths --pcap - do", () => {
    const main = join(repoRoot, "src", "cli", "main.ts");
    const r = spawnSync(process.execPath, ["--import", "tsx", main, "decode", "-"], {
      cwd: repoRoot,
      input: "not a capture at all\n",
      encoding: "utf8",
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    expect(r.stderr).toBe("iovsim: standard input: not a pcap or pcapng file (magic 0x6e6f7420) at byte 0\n");
    expect(r.status).toBe(1);
  }, 40_000);
});

describe("switch counters.json against the spec's counter rules (§6)", () => {
  it("a VF's broadcast and multicast: per-receiver copies, bytes with FCS, broadcast is not multicast", async () => {
    const bcast = eth({ dst: "ff:ff:ff:ff:ff:ff", src: "02:00:00:00:00:10" })
      .ipv4()
      .udp()
      .payload(100)
      .build();
    const mcast = eth({ dst: "01:00:5e:00:00:05", src: "02:00:00:00:00:10" })
      .ipv4()
      .udp()
      .payload(20)
      .build();
    const input = pcap("vf0-bm.pcap", [bcast, mcast]);
    const dir = join(tmp, "bm");
    const r = await run("switch", "-f", conf, "--in", `VF-0=${input}`, "--out", dir);
    expect(r.rc).toBe(0);
    const c = JSON.parse(readFileSync(join(dir, "counters.json"), "utf8")).counters;
    const len = (f: Uint8Array) => Math.max(f.length, 60) + 4;
    expect(c.pools["VF-0"]).toMatchObject({
      tx_packets: 2,
      tx_bytes: len(bcast) + len(mcast),
      tx_broadcast: 1,
      tx_multicast: 1,
      rx_packets: 0,
    });
    // The broadcast reaches VF-1 and the PF (never the sender); the multicast, registered by
    // nobody, only the default pool (PF), and both leave through the wire.
    expect(c.pools["VF-1"]).toMatchObject({
      rx_packets: 1,
      rx_bytes: len(bcast),
      rx_broadcast: 1,
      rx_multicast: 0,
    });
    expect(c.pools.PF).toMatchObject({
      rx_packets: 2,
      rx_bytes: len(bcast) + len(mcast),
      rx_broadcast: 1,
      rx_multicast: 1,
    });
    expect(c.port).toMatchObject({ tx_packets: 2, tx_bytes: len(bcast) + len(mcast) });
    expect(readCaptureFile(join(dir, "wire.pcap")).records).toHaveLength(2);
  });
});

// A capture replayed from the directory an earlier run wrote (`--in wire=out/VF-0.pcap --out out`)
// was read, then overwritten or removed as a stale output: the user's input was gone.
describe("switch --in a capture that --out DIR would replace or remove", () => {
  it("is refused before the run, naming the input and the output, and the input survives", async () => {
    const out = join(tmp, "reuse");
    mkdirSync(out);
    const stale = join(out, "VF-7.pcap"); // named like an output, no VF-7 in this configuration
    copyFileSync(wire, stale);
    const r = await run("switch", "-f", conf, "--in", `wire=${stale}`, "--out", out);
    expect(r.rc).toBe(1);
    expect(r.err).toContain(`option '--in wire=${stale}'`);
    expect(r.err).toContain("VF-7.pcap");
    expect(r.err).not.toContain("internal error");
    expect(readFileSync(stale)).toEqual(readFileSync(wire));
  });

  it("also through a symbolic link in DIR; an input of another name in DIR is fine", async () => {
    const out = join(tmp, "reuse-link");
    mkdirSync(out);
    const mine = join(tmp, "mine.pcap");
    copyFileSync(wire, mine);
    symlinkSync(mine, join(out, "wire.pcap"));
    const r = await run("switch", "-f", conf, "--in", `wire=${mine}`, "--out", out);
    expect(r.rc).toBe(1);
    expect(r.err).toContain("wire.pcap");
    expect(readFileSync(mine)).toEqual(readFileSync(wire));
    const other = join(out, "capture.pcap");
    copyFileSync(wire, other);
    rmSync(join(out, "wire.pcap"));
    const ok = await run("switch", "-f", conf, "--in", `wire=${other}`, "--out", out);
    expect(ok.rc).toBe(0);
    expect(readFileSync(other)).toEqual(readFileSync(wire));
  });
});
