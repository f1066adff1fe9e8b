// The CLI as a user runs it: `paths --json` shape, labelled tables, ping, demo, bad input.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const stateDir = mkdtempSync(join(tmpdir(), "iovsim-paths-"));
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

describe("iovsim paths", () => {
  it("--json has the documented fields for every path and size", async () => {
    const r = await cli(["paths", "--json", "--seconds", "0.05", "--size", "64,1518"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.profile.name).toBe("bhyve");
    expect(j.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(j.paths).toHaveLength(12);
    for (const p of j.paths) {
      expect(typeof p.name).toBe("string");
      expect([64, 1518]).toContain(p.size);
      expect(p.measured.mpps).toBeGreaterThan(0);
      expect(p.measured.conservation.ok).toBe(true);
      for (const k of ["mpps", "gbps", "cycles_per_packet"]) expect(p.modeled[k]).toBeGreaterThan(0);
      expect(typeof p.modeled.bottleneck).toBe("string");
      expect(p.modeled.latency_us.p99).toBeGreaterThanOrEqual(p.modeled.latency_us.p50);
    }
    const big = j.paths.find((p: any) => p.name === "native" && p.size === 1518);
    expect(big.modeled.bottleneck).toBe("line rate");
    expect(j.ping.map((p: any) => p.path)).toEqual([
      "native",
      "jail-vf",
      "vm-vf",
      "passthrough",
      "virtio",
      "jail-epair",
    ]);
    const vm = j.ping.find((p: any) => p.path === "vm-vf");
    expect(vm.modeled_rtt_us / j.ping[0].modeled_rtt_us).toBeGreaterThan(2);
  });

  it("the table labels measured (simulator) and modeled columns; --csv has a header", async () => {
    const t = await cli(["paths", "--path", "native,virtio", "--size", "64", "--seconds", "0.05"]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/measured\s*│[\s\S]*\(simulator\)/);
    expect(t.out).toMatch(/modeled/);
    expect(t.out).toMatch(/modeled ping RTT/);
    const c = await cli(["paths", "--path", "native", "--size", "64", "--seconds", "0.05", "--csv"]);
    expect(c.out.split("\n")[0]).toMatch(/^path,direction,size,measured_mpps,measured_gbps,modeled_mpps/);
    expect(c.out.split("\n")[1]).toMatch(/^native,rx,64,/);
  });

  it("a user's profile changes the modeled numbers, not the measured ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prof-"));
    const { loadProfile } = await import("../../src/model/profile.ts");
    const p = structuredClone(loadProfile("bhyve").file);
    p.name = "slow-stack";
    p.constants.stack_cycles.value = 20_000;
    writeFileSync(join(dir, "p.json"), JSON.stringify(p));
    const r = await cli([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--seconds",
      "0.05",
      "--json",
      "--profile",
      join(dir, "p.json"),
    ]);
    const j = JSON.parse(r.out);
    expect(j.profile.name).toBe("slow-stack");
    expect(j.paths[0].modeled.mpps).toBeLessThan(0.2);
  });

  it("bad options are named, exit 1, no stack trace", async () => {
    for (const [argv, re] of [
      [["paths", "--path", "nope"], /--path: unknown path 'nope'/],
      [["paths", "--size", "12"], /--size: '12'/],
      [["paths", "--seconds", "x"], /--seconds: 'x'/],
      [["paths", "--workers", "0"], /--workers: '0'/],
      [["paths", "--profile", "/nonexistent.json"], /--profile \/nonexistent\.json: no such file/],
      [["paths", "--bogus"], /bogus/],
      [["ping"], /--path NAME is required/],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});

describe("iovsim ping and demo", () => {
  it("ping sends real echoes through the path: ping-style lines, modeled and measured labelled", async () => {
    const r = await cli(["ping", "--path", "vm-vf", "-c", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING vm-vf peer \(10\.2\.0\.1\) via vm-vf/);
    expect(
      r.out.match(
        /64 bytes from 10\.2\.0\.1: icmp_seq=\d+ ttl=64 time=[\d.]+ ms \(modeled\); measured \(simulator\) [\d.]+ µs/g,
      ),
    ).toHaveLength(2);
    expect(r.out).toMatch(/2 packets transmitted, 2 packets received, 0\.0% packet loss/);
    expect(r.out).toMatch(/round-trip min\/avg\/max\/stddev = .* ms \(modeled\)/);
    // Same model, same events: the modeled RTT matches `paths --json`'s ping entry (22.8 µs).
    expect(r.out).toMatch(/time=0\.023 ms/);
  });

  it("ping refuses a transmit-only path", async () => {
    const r = await cli(["ping", "--path", "vf-loopback"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/only transmits/);
  });

  it("demo shows the config, the VFs, the paths, the ping and the steering comparison", async () => {
    const r = await cli(["demo", "--seconds", "0.03", "--size", "64"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/num_vfs : 3/);
    expect(r.out).toMatch(/ppt0@pci0:1:0:17:/);
    expect(r.out).toMatch(/VF-1 ppt0 .* bhyve VM 'vm0'/);
    expect(r.out).toMatch(/modeled ping RTT/);
    expect(r.out).toMatch(/vxlan\s*│ inner RSS\s*│ 1024 \/ 1024 \/ 1024 \/ 1024/);
    expect(r.out).toMatch(/gtpu\s*│ outer RSS .* 0\.250/);
  });
});

describe("iovsim paths --pcap", () => {
  it("replays a capture through the paths and keeps conservation", async () => {
    const pcap = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "vxlan.pcap");
    const r = await cli(["paths", "--pcap", pcap, "--path", "native", "--seconds", "0.05", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.paths[0].measured.conservation.ok).toBe(true);
    expect(j.paths[0].measured.conservation.sent).toBeGreaterThan(0);
    const bad = await cli(["paths", "--pcap", "/no/such.pcap"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--pcap .*no such file/);
  });
});

describe("iovsim paths --direction / --count", () => {
  it("runs the transmit direction through the switch, one row per direction, JSON says which", async () => {
    const { runCli } = await import("../../src/cli/main.ts");
    let out = "";
    let err = "";
    const code = await runCli(
      [
        "paths",
        "--path",
        "vm-vf,vf-loopback",
        "--direction",
        "tx",
        "--size",
        "64",
        "--count",
        "2000",
        "--json",
      ],
      {
        stateDir: "/nonexistent-iovsim-state",
        out: (s: string) => (out += s),
        err: (s: string) => (err += s),
      },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    const rep = JSON.parse(out);
    expect(rep.direction).toBe("tx");
    expect(rep.paths.map((p: { name: string; direction: string }) => `${p.name}/${p.direction}`)).toEqual([
      "vm-vf/tx",
      "vf-loopback/tx",
    ]);
    expect(rep.paths[0].measured.frames_delivered).toBe(2000);
    expect(rep.paths[0].measured.events.iotlbLookups).toBe(4000);
  });

  it("refuses a direction a path does not have, naming the option", async () => {
    const { runCli } = await import("../../src/cli/main.ts");
    let err = "";
    const code = await runCli(["paths", "--path", "vf-loopback", "--direction", "rx"], {
      stateDir: "/nonexistent-iovsim-state",
      out: () => {},
      err: (s: string) => (err += s),
    });
    expect(code).toBe(1);
    expect(err).toMatch(/--direction rx: path 'vf-loopback' runs only tx/);
  });

  it("pcap replay: warns that sinks cannot check integrity, and n/a instead of modeled numbers when nothing arrives", async () => {
    const { runCli } = await import("../../src/cli/main.ts");
    // A classic pcap (LINKTYPE_ETHERNET) with one 60-byte frame for a MAC nobody owns.
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0);
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(4, 6);
    hdr.writeUInt32LE(65535, 16);
    hdr.writeUInt32LE(1, 20);
    const frame = Buffer.alloc(60);
    Buffer.from([0x02, 0x77, 0, 0, 0, 1, 0x02, 0, 0, 0, 0xff, 1, 0x08, 0x00]).copy(frame);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(60, 8);
    rec.writeUInt32LE(60, 12);
    const dir = mkdtempSync(join(tmpdir(), "iovsim-pcap-"));
    const pcap = "one.pcap";
    writeFileSync(join(dir, pcap), Buffer.concat([hdr, rec, frame]));
    let out = "";
    await runCli(["paths", "--path", "jail-vf", "--pcap", join(dir, pcap), "--seconds", "0.05"], {
      stateDir: "/nonexistent-iovsim-state",
      out: (s: string) => (out += s),
      err: () => {},
    });
    expect(out).toMatch(/warning: pcap replay: .*cannot check sequence or integrity/);
    // The capture's frames are for MACs the jail's VF does not own: nothing reaches it.
    expect(out).toMatch(/warning: jail-vf rx .*no frame reached the far end/);
    expect(out).toMatch(/jail-vf .*n\/a/);
  });
});
