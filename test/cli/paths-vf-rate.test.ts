// `ip link set DEV vf N max_tx_rate R | state disable` reach the data plane of `paths --host` and
// `ping --host`: a limited VF's transmit is served by the NIC's scheduler no faster than its
// programmed rate (the search's NDR lands at the limit, never above, the limiter named the
// bottleneck); a limit above what the path carries changes nothing; a limit on one VF leaves the
// others alone; a VF forced link-down carries nothing and the run says so.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn, tempDir } from "../helpers/cli.ts";
import { pfWithVfs } from "../helpers/linux-host.ts";
import { pathsViolations } from "../helpers/paths-invariants.ts";

const PF = "/sys/class/net/ixl0/device";
/** 64 B frames at Layer 1 (64 + 20 B preamble and gap) in bits. */
const L1_BITS_64 = (64 + 20) * 8;

/** A host with ixl0's two VFs and the `ip link set ixl0 vf ...` settings given. */
async function limitedHost(...settings: string[][]): Promise<string> {
  const s = await pfWithVfs(PF, 2, { prefix: "iovsim-vf-rate-" });
  for (const a of settings) {
    const r = await cliIn(s, "ip", "link", "set", "ixl0", "vf", ...a);
    expect(r, a.join(" ")).toMatchObject({ code: 0 });
  }
  return s;
}

/** `paths --host` JSON of one path's transmit at `size` bytes (extra options appended). */
async function txRunAt(s: string, path: string, size: string, ...extra: string[]) {
  const r = await cliIn(
    s,
    "paths",
    "--host",
    "--path",
    path,
    "--direction",
    "tx",
    "--size",
    size,
    "--workers",
    "1",
    "--json",
    ...extra,
  );
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

/** The same at 64 B. */
const txRun = (s: string, path: string, ...extra: string[]) => txRunAt(s, path, "64", ...extra);

/** jail-vf's transmit at 1518 B (line rate on 10 GbE). */
const tx1518 = (s: string) => txRunAt(s, "jail-vf", "1518");

/** A document without its wall-clock block and the configuration header (which names the limit). */
const figures = (j: Record<string, unknown>) => {
  const { simulator: _s, configuration: _c, ...rest } = j;
  return rest;
};

describe("VF max_tx_rate in the data plane (paths --host)", () => {
  it("jail-vf tx with max_tx_rate 500: NDR lands at 500 Mbit/s of 64 B frames (Layer 1), never above; the limiter is the bottleneck", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "500"]);
    const j = await txRun(s, "jail-vf", "--precision", "0.5");
    const p = j.paths[0];
    const limitPps = 500e6 / L1_BITS_64; // 744,048 frames/s
    const step = 0.005 * p.line_rate_mpps * 1e6;
    expect(p.ndr_mpps * 1e6).toBeLessThanOrEqual(limitPps);
    expect(p.ndr_mpps * 1e6).toBeGreaterThanOrEqual(limitPps - step);
    expect(p.ndr_gbps).toBeLessThanOrEqual(0.5);
    expect(p.bottleneck).toBe("vf0-max-tx-rate");
    // The acceptance invariants (line rate, conservation, units per resource kind) hold with it.
    expect(pathsViolations(j)).toEqual([]);
    // The limiter's own utilization at 90 % of NDR is that share of its rate (simulated).
    const lp = p.load_points.find((l: { fraction_of_ndr: number }) => l.fraction_of_ndr === 0.9);
    const shaper = lp.cpu.find((c: { resource: string }) => c.resource === "vf0-max-tx-rate");
    expect(shaper.kind).toBe("shaper");
    expect(shaper.utilization).toBeCloseTo((lp.offered_mpps * 1e6) / limitPps, 2);
    expect(j.configuration.paths[0].vf.max_tx_rate).toEqual({
      asked_mbps: 500,
      programmed_mbps: 500,
      counts: "layer1",
      burst_bytes: 4096,
      // The profile only assumes both (iovsim model show --nic ixl: vf_tx_counted_bytes and
      // vf_tx_burst_bytes with their ranges), and the document says so where it names them.
      counts_tag: "assumption",
      burst_tag: "assumption",
    });
  });

  it("above the limit (--rate 1Mpps) frames wait in the VF's ring and the sender's queue drops what it cannot hold", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "500"]);
    const j = await txRun(s, "jail-vf", "--rate", "1Mpps", "--trial-ms", "20");
    const lp = j.paths[0].load_points[0];
    expect(lp.loss_ratio).toBeGreaterThan(0.1);
    expect(lp.bottleneck).toBe("vf0-max-tx-rate");
    expect(Object.keys(lp.conservation.dropped)).toEqual(["stack.tx: queue full (tail drop)"]);
    // Queued behind the limiter: the median frame waited for a ring's worth of others.
    expect(lp.latency_us.p50).toBeGreaterThan(100);
  });

  it("i40e's 50 Mbit/s credits: max_tx_rate 75 runs at 50, and the text header says so", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "75"]);
    const r = await cliIn(
      s,
      "paths",
      "--host",
      "--path",
      "jail-vf",
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "20",
      "--workers",
      "1",
    );
    expect(r.code, r.err).toBe(0);
    // The header names the limit, and that what it counts and its burst are assumptions.
    expect(r.out).toContain(
      "VF 0 max_tx_rate 75 Mbit/s (the NIC programs 50 Mbit/s): its transmit is limited (Layer 1 bytes, burst 4096 B; both assumptions of the NIC profile, ranges in iovsim model show --nic)",
    );
    const j = await txRun(s, "jail-vf", "--rate", "1Mpps", "--trial-ms", "20");
    const lp = j.paths[0].load_points[0];
    const shaper = lp.cpu.find((c: { resource: string }) => c.resource === "vf0-max-tx-rate");
    // 1,344 ns per 64 B frame at 500 Mbit/s; at 50 Mbit/s ten times that.
    expect(shaper.cycles_per_packet).toBeGreaterThan(13_000);
  });

  it("the HTML report's test conditions name the limit", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "500"]);
    const html = join(tempDir("iovsim-vf-rate-html-"), "r.html");
    const r = await cliIn(
      s,
      "paths",
      "--host",
      "--path",
      "jail-vf",
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "200",
      "--html",
      html,
    );
    expect(r.code, r.err).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("VF transmit limits");
    expect(page).toContain(
      "jail-vf: VF 0 max_tx_rate 500 Mbit/s: its transmit is limited (Layer 1 bytes, burst 4096 B; both assumptions of the NIC profile, ranges in iovsim model show --nic)",
    );
  });

  it("a limit under two steps of the search is noted, with the --precision that resolves it", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "50"]);
    const j = await txRun(s, "jail-vf", "--count", "200");
    expect(j.notes).toContain(
      "jail-vf tx 64: VF 0's max_tx_rate (50 Mbit/s: 0.074 Mpps of 64 B frames) is under two steps of the search (0.149 Mpps), so NDR and PDR resolve it coarsely; --precision 0.05 resolves it to a tenth",
    );
    const wide = await txRun(await limitedHost(["0", "max_tx_rate", "500"]), "jail-vf", "--count", "200");
    expect(wide.notes.join("\n")).not.toContain("max_tx_rate");
  });

  it("the legacy `rate` is the same maximum", async () => {
    const a = await txRun(
      await limitedHost(["0", "rate", "500"]),
      "jail-vf",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "5",
    );
    const b = await txRun(
      await limitedHost(["0", "max_tx_rate", "500"]),
      "jail-vf",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "5",
    );
    expect(figures(a)).toEqual(figures(b));
    expect(a.paths[0].load_points[0].bottleneck).toBe("vf0-max-tx-rate");
  });

  it("a limit above what the path carries changes no figure; one on another VF neither", async () => {
    const none = await txRun(await limitedHost(), "jail-vf");
    // jail-vf tx is bound by its core near 1.6 Gbit/s at 64 B: a 9 Gbit/s limit is never reached.
    const high = await txRun(await limitedHost(["0", "max_tx_rate", "9000"]), "jail-vf");
    const other = await txRun(await limitedHost(["1", "max_tx_rate", "100"]), "jail-vf");
    expect(figures(other)).toEqual(figures(none));
    const p = high.paths[0];
    const q = none.paths[0];
    expect([p.ndr_mpps, p.pdr_mpps, p.bottleneck]).toEqual([q.ndr_mpps, q.pdr_mpps, q.bottleneck]);
    for (let i = 0; i < q.load_points.length; i++) {
      const [a, b] = [p.load_points[i], q.load_points[i]];
      expect([a.offered_mpps, a.delivered_mpps, a.loss_ratio, a.latency_us]).toEqual([
        b.offered_mpps,
        b.delivered_mpps,
        b.loss_ratio,
        b.latency_us,
      ]);
    }
  });

  it("a limit at the link's speed (max_tx_rate 10000) cannot bind on the wire: line rate, the wire the bottleneck, as without a limit", async () => {
    const none = await tx1518(await limitedHost());
    const atLink = await tx1518(await limitedHost(["0", "max_tx_rate", "10000"]));
    const [p, q] = [atLink.paths[0], none.paths[0]];
    expect(q.bottleneck).toBe("wire");
    expect([p.ndr_mpps, p.pdr_mpps, p.bottleneck]).toEqual([q.ndr_mpps, q.pdr_mpps, q.bottleneck]);
    expect(figures(atLink)).toEqual(figures(none));
  });

  it("a cleared limit (max_tx_rate 0) runs exactly as a VF never limited; receive is never limited", async () => {
    const never = await txRun(await limitedHost(), "jail-vf", "--rate", "1Mpps", "--trial-ms", "5");
    const cleared = await txRun(
      await limitedHost(["0", "max_tx_rate", "500"], ["0", "max_tx_rate", "0"]),
      "jail-vf",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "5",
    );
    // Byte for byte but the wall clock and the state directory's name.
    const bare = (j: { configuration: { file: string | null } }) =>
      JSON.stringify({ ...j, simulator: null, configuration: { ...j.configuration, file: null } });
    expect(bare(cleared)).toBe(bare(never));
    const s = await limitedHost(["0", "max_tx_rate", "50"]);
    const rx = await cliIn(
      s,
      "paths",
      "--host",
      "--path",
      "jail-vf",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "5",
      "--json",
    );
    const lp = JSON.parse(rx.out).paths[0].load_points[0];
    expect(lp.loss_ratio).toBe(0);
    expect(lp.cpu.map((c: { resource: string }) => c.resource)).not.toContain("vf0-max-tx-rate");
  });

  it("vf-loopback: the sending VF's limit holds its frames to the peer VF", async () => {
    const s = await limitedHost(["0", "max_tx_rate", "500"]);
    const j = await txRun(s, "vf-loopback", "--rate", "1Mpps", "--trial-ms", "20");
    const lp = j.paths[0].load_points[0];
    expect(lp.bottleneck).toBe("vf0-max-tx-rate");
    expect(lp.loss_ratio).toBeGreaterThan(0.1);
  });
});

describe("VF link state disable in the data plane", () => {
  const restore = "restore it with iovsim ip link set ixl0 vf 0 state auto";

  it("a path through the VF is left out with a note naming the VF and the command that restores it", async () => {
    const s = await limitedHost(["0", "state", "disable"]);
    const r = await cliIn(
      s,
      "paths",
      "--host",
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "100",
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const ran = j.paths.map((p: { name: string }) => p.name);
    expect(ran).not.toContain("jail-vf");
    expect(ran).not.toContain("vf-loopback");
    expect(ran).toContain("vm-vf"); // VF 1's link is up
    const note = j.notes.find((n: string) => n.startsWith("jail-vf left out"));
    expect(note).toContain("VF 0 of ixl0, whose link is forced down (ip link set ixl0 vf 0 state disable)");
    expect(note).toContain("carries nothing");
    expect(note).toContain(restore);
  });

  it("named, the path (and ping through it) is refused with the same message; state auto/enable run", async () => {
    const s = await limitedHost(["0", "state", "disable"]);
    const paths = await cliIn(
      s,
      "paths",
      "--host",
      "--path",
      "jail-vf",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "100",
    );
    expect(paths.code).toBe(1);
    expect(paths.out).toBe("");
    expect(paths.err).toContain(restore);
    const ping = await cliIn(s, "ping", "--host", "--path", "jail-vf", "-c", "2");
    expect(ping.code).toBe(1);
    expect(ping.err).toContain(restore);
    for (const state of ["auto", "enable"]) {
      expect((await cliIn(s, "ip", "link", "set", "ixl0", "vf", "0", "state", state)).code).toBe(0);
      const ok = await cliIn(s, "ping", "--host", "--path", "jail-vf", "-c", "2", "--json");
      expect(ok.code, ok.err).toBe(0);
      expect(JSON.parse(ok.out).received).toBe(2);
    }
  });
});
