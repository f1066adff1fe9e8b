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
    expect(c.out.split("\n")[0]).toMatch(/^path,size,measured_mpps,measured_gbps,modeled_mpps/);
    expect(c.out.split("\n")[1]).toMatch(/^native,64,/);
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
  it("ping prints ping-style lines labelled modeled", async () => {
    const r = await cli(["ping", "--path", "vm-vf", "-c", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING vm-vf \(modeled/);
    expect(r.out.match(/icmp_seq=\d+ ttl=64 time=[\d.]+ ms \(modeled\)/g)).toHaveLength(2);
    expect(r.out).toMatch(/round-trip min\/avg\/max\/stddev = .* \(modeled/);
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
    const pcap = join(import.meta.dirname, "..", "..", "..", "shared", "captures", "tcpdump", "vxlan.pcap");
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
