// `iovsim paths` / `iovsim ping` with --host (the state in --state DIR or $IOVSIM_STATE): the VFs a user made on the
// simulated host, as a Linux administrator (sysfs, `ip link`) or a FreeBSD one (iovctl -C), are
// the ones measured; their port VLAN and spoof checking reach the switch; the state is only read.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { iovsim as inProcess } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-paths-state-"));
const NUMVFS = "/sys/class/net/ixl0/device/sriov_numvfs";
const DNS = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "dns_udp.pcap");
let dirs = 0;

/** As a user types it: `iovsim [--state DIR] ...`; no stateDir from the test harness. */
const iovsim = (...argv: string[]) => inProcess(argv, { stateDir: null });

/** A state directory where `setup` commands (each `iovsim --state D ...`) succeeded. */
async function host(...setup: string[][]): Promise<string> {
  const d = join(tmp, `state${dirs++}`);
  for (const argv of setup) {
    const r = await iovsim("--state", d, ...argv);
    expect(r, argv.join(" ")).toMatchObject({ code: 0, err: "" });
  }
  return d;
}

/** Every file under `dir` with its SHA-256 (to show a run left the state byte-identical). */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files[p] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return files;
}

/** `paths --host` on `path` (one, or a comma list) at 1 Mpps for 100 frames of 64 B, JSON. */
const onePoint = (path: string, state: string) =>
  iovsim(
    "paths",
    "--host",
    "--path",
    path,
    "--state",
    state,
    "--size",
    "64",
    "--rate",
    "1Mpps",
    "--count",
    "100",
    "--json",
  );

/** Nanoseconds a frame of `bytes` (with FCS) takes on a 10 Gbit/s wire, preamble and gap included. */
const serializeNs = (bytes: number) => ((bytes + 20) * 8) / 10;

/** The receive wire's time per frame in a load point, as the engine accounted it (its cycles
 *  on the wire resource are nanoseconds of serialization). */
function wireNsPerFrame(lp: { cpu: Array<{ resource: string; by_event: Record<string, number> }> }): number {
  return lp.cpu.find((c) => c.resource === "wire-rx")!.by_event.serialize;
}

const saved = process.env.IOVSIM_STATE;
afterEach(() => {
  if (saved === undefined) delete process.env.IOVSIM_STATE;
  else process.env.IOVSIM_STATE = saved;
});

describe("paths and ping --state DIR: the VFs configured through sysfs and ip link", () => {
  it("ping and paths run jail-vf on VF 0 with its port VLAN, and leave the state byte-identical", async () => {
    const d = await host(
      ["sysfs", "write", NUMVFS, "2"],
      ["ip", "link", "set", "ixl0", "vf", "0", "vlan", "100", "qos", "3"],
    );
    const before = snapshot(d);
    expect(Object.keys(before).length).toBeGreaterThan(0);

    const ping = await iovsim("ping", "--host", "--path", "jail-vf", "--state", d, "-c", "3", "--json");
    expect(ping.code, ping.err).toBe(0);
    const pj = JSON.parse(ping.out);
    expect(pj.transmitted).toBe(3);
    expect(pj.received).toBe(3);
    expect(pj.config).toBe(`--state ${d}`);

    const paths = await iovsim(
      "paths",
      "--host",
      "--path",
      "jail-vf",
      "--state",
      d,
      "--size",
      "64",
      "--json",
      "--workers",
      "1",
    );
    expect(paths.code, paths.err).toBe(0);
    const j = JSON.parse(paths.out);
    const p = j.paths[0];
    expect(p.name).toBe("jail-vf");
    // The port VLAN set by ip link tags the wire: 64 bytes asked, 68 on the wire.
    expect(p.frame_bytes).toBe(68);
    expect(j.notes.join("\n")).toMatch(
      new RegExp(`jail-vf: VF-0 has port VLAN 100 \\(priority 3\\) in --state ${d}`),
    );
    expect(p.ndr_mpps).toBeGreaterThan(0);
    for (const lp of p.load_points) {
      expect(lp.delivered_mpps).toBeGreaterThan(0);
      expect(lp.loss_ratio).toBe(0);
      // The engine's own wire serializes tagged frames: 68 bytes + 20 of preamble and gap.
      expect(wireNsPerFrame(lp)).toBeCloseTo(serializeNs(68), 6);
    }
    // The report shows the PF as `ip link show` prints it and the VFs each path got.
    const html = join(tmp, "ping.html");
    const withHtml = await iovsim(
      "ping",
      "--host",
      "--path",
      "jail-vf",
      "--state",
      d,
      "-c",
      "1",
      "--html",
      html,
    );
    expect(withHtml.code, withHtml.err).toBe(0);
    const report = readFileSync(html, "utf8");
    expect(report).toMatch(/# ip link show ixl0\n/);
    expect(report).toMatch(/vf 0 +link\/ether .*, vlan 100, qos 3, spoof checking on/);
    expect(report).toMatch(/# jail \(jail-vf\): VF 0\n# VM \(vm-vf\): VF 1\n/);
    expect(snapshot(d)).toEqual(before);
  });

  it("without a port VLAN the same host's frames are untagged (the VLAN is the state's, not assumed)", async () => {
    const d = await host(["sysfs", "write", NUMVFS, "2"]);
    const r = await onePoint("jail-vf", d);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.paths[0].frame_bytes).toBe(64);
    expect(j.paths[0].load_points[0].loss_ratio).toBe(0);
    expect(wireNsPerFrame(j.paths[0].load_points[0])).toBeCloseTo(serializeNs(64), 6);
    // ping's echoes cross the wire tagged only on the host whose VF has a port VLAN: longer.
    const tagged = await host(
      ["sysfs", "write", NUMVFS, "2"],
      ["ip", "link", "set", "ixl0", "vf", "0", "vlan", "100"],
    );
    const rtt = async (state: string) => {
      const r = await iovsim("ping", "--host", "--path", "jail-vf", "--state", state, "-c", "1", "--json");
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).echoes[0].rtt_us as number;
    };
    expect(await rtt(tagged)).toBeGreaterThan(await rtt(d));
  });

  it("vm-vf runs on VF 1 (the VF after the jail's), with its own port VLAN", async () => {
    const d = await host(
      ["sysfs", "write", NUMVFS, "2"],
      ["ip", "link", "set", "ixl0", "vf", "1", "vlan", "200"],
    );
    const r = await onePoint("vm-vf,jail-vf", d);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const by = Object.fromEntries(j.paths.map((p: { name: string }) => [p.name, p]));
    expect(by["vm-vf"].frame_bytes).toBe(68);
    expect(by["jail-vf"].frame_bytes).toBe(64);
    expect(wireNsPerFrame(by["vm-vf"].load_points[0])).toBeCloseTo(serializeNs(68), 6);
    expect(wireNsPerFrame(by["jail-vf"].load_points[0])).toBeCloseTo(serializeNs(64), 6);
    expect(j.notes.join("\n")).toMatch(/vm-vf: VF-1 has port VLAN 200/);
  });

  it("passthrough takes ix0 by role, bound to ixgbe (boot) or to vfio-pci: the vfio-pci bind is not modelled (docs/linux-mode.md)", async () => {
    // As vm-vf takes VF 1 with iavf bound, the VM's device is chosen by its role; QEMU's
    // vfio-pci would need the bind, which --host does not require (deliberate, documented).
    const boot = await onePoint("passthrough", await host());
    expect(boot.code, boot.err).toBe(0);
    const BDF = "0000:03:00.0"; // ix0
    const vfio = await host(
      ["modprobe", "vfio-pci"],
      ["sysfs", "write", "/sys/bus/pci/drivers/ixgbe/unbind", BDF],
      ["sysfs", "write", `/sys/bus/pci/devices/${BDF}/driver_override`, "vfio-pci"],
      ["sysfs", "write", "/sys/bus/pci/drivers_probe", BDF],
    );
    expect((await iovsim("--state", vfio, "sysfs", "ls", "/sys/bus/pci/drivers/vfio-pci")).out).toContain(
      BDF,
    );
    const bound = await onePoint("passthrough", vfio);
    expect(bound.code, bound.err).toBe(0);
    // The same figures: the binding changes no simulated cost.
    const point = (r: { out: string }) => JSON.parse(r.out).paths[0].load_points[0];
    expect(point(bound).delivered_mpps).toBeGreaterThan(0);
    expect(point(bound).delivered_mpps).toBe(point(boot).delivered_mpps);
    expect(point(bound).latency_us).toEqual(point(boot).latency_us);
  });

  it("vlan 0 qos 5: the NIC priority-tags the VF's frames (VID 0, PCP 5), as ixgbe/i40e/igb do", async () => {
    // ixgbe_ndo_set_vf_vlan, i40e_ndo_set_vf_port_vlan, igb_ndo_set_vf_vlan: `if (vlan || qos)`.
    const d = await host(
      ["sysfs", "write", NUMVFS, "2"],
      ["ip", "link", "set", "ixl0", "vf", "0", "vlan", "0", "qos", "5"],
    );
    const r = await onePoint("jail-vf", d);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.paths[0].frame_bytes).toBe(68);
    expect(j.paths[0].load_points[0].loss_ratio).toBe(0);
    expect(j.paths[0].load_points[0].delivered_mpps).toBeGreaterThan(0);
    expect(wireNsPerFrame(j.paths[0].load_points[0])).toBeCloseTo(serializeNs(68), 6);
    expect(j.notes.join("\n")).toContain(
      `jail-vf: VF-0 has a priority tag (VID 0, priority 5) in --state ${d}`,
    );
    const ping = await iovsim("ping", "--host", "--path", "jail-vf", "--state", d, "-c", "3", "--json");
    expect(ping.code, ping.err).toBe(0);
    expect(JSON.parse(ping.out)).toMatchObject({ transmitted: 3, received: 3 });
    // vlan 0 qos 0 takes the port VLAN off again: untagged.
    const off = await host(
      ["sysfs", "write", NUMVFS, "2"],
      ["ip", "link", "set", "ixl0", "vf", "0", "vlan", "0", "qos", "5"],
      ["ip", "link", "set", "ixl0", "vf", "0", "vlan", "0"],
    );
    const u = await onePoint("jail-vf", off);
    expect(u.code, u.err).toBe(0);
    expect(JSON.parse(u.out).paths[0].frame_bytes).toBe(64);
  });

  it("spoofchk set by ip link decides whether a VF's foreign-source frames reach the wire", async () => {
    const d = await host(["sysfs", "write", NUMVFS, "1"]);
    const run = () =>
      iovsim(
        "paths",
        "--host",
        "--state",
        d,
        "--path",
        "jail-vf",
        "--direction",
        "tx",
        "--pcap",
        DNS,
        "--rate",
        "1Mpps",
        "--count",
        "50",
        "--json",
      );
    const on = JSON.parse((await run()).out);
    expect(on.paths[0].load_points[0].loss_ratio).toBe(1);
    expect(on.warnings.join("\n")).toMatch(/anti-spoof/);
    await host();
    expect((await iovsim("--state", d, "ip", "link", "set", "ixl0", "vf", "0", "spoofchk", "off")).code).toBe(
      0,
    );
    const off = JSON.parse((await run()).out);
    expect(off.paths[0].load_points[0].loss_ratio).toBe(0);
    expect(off.warnings).toEqual([]);
  });

  it("trust set by ip link decides whether the VF may be put in promiscuous mode", async () => {
    const d = await host(["sysfs", "write", NUMVFS, "1"]);
    const run = () =>
      iovsim(
        "paths",
        "--host",
        "--state",
        d,
        "--path",
        "jail-vf",
        "--pcap",
        DNS,
        "--promisc",
        "consumer",
        "--rate",
        "1Mpps",
        "--count",
        "20",
        "--json",
      );
    const off = await run();
    expect(off.code).toBe(1);
    expect(off.err).toBe(
      `iovsim: option '--promisc consumer' (VF-0): VF-0 is untrusted on the simulated host (--state ${d}; ip link set ixl0 vf 0 trust on allows it), so the ixl driver ignores the request (the VF stays in mode none)\n`,
    );
    expect((await iovsim("--state", d, "ip", "link", "set", "ixl0", "vf", "0", "trust", "on")).code).toBe(0);
    const on = await run();
    expect(on.code, on.err).toBe(0);
    expect(JSON.parse(on.out).paths[0].load_points[0].replay).toMatchObject({ to_consumer: 20, filtered: 0 });
  });

  it("VFs made with iovctl -C on ix0: the PF with VFs is measured, its passthrough VF is the VM's", async () => {
    const conf = join(tmp, "iov.conf");
    writeFileSync(
      conf,
      'PF { device: "ix0"; num_vfs: 2; }\nVF-0 { passthrough: true; vlan: 300; }\nVF-1 { passthrough: false; }\n',
    );
    const d = await host(["iovctl", "-C", "-f", conf]);
    const ping = await iovsim("ping", "--host", "--path", "vm-vf", "--state", d, "-c", "2", "--json");
    expect(ping.code, ping.err).toBe(0);
    expect(JSON.parse(ping.out).received).toBe(2);
    const r = await onePoint("vm-vf", d);
    expect(JSON.parse(r.out).notes.join("\n")).toMatch(/vm-vf: VF-0 has port VLAN 300/);
  });

  it("--host reads $IOVSIM_STATE's host as it reads --state's; without --host neither is read", async () => {
    const d = await host(["sysfs", "write", NUMVFS, "1"]);
    process.env.IOVSIM_STATE = d;
    const r = await iovsim("ping", "--host", "--path", "jail-vf", "-c", "1", "--json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).config).toBe(`$IOVSIM_STATE (${d})`);
    const both = await iovsim("ping", "--host", "--path", "jail-vf", "-f", join(tmp, "x.conf"));
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/--host and -f\/--config are exclusive.*leave one out/);
    // A harness isolating its state (a fresh directory, no VFs) still measures the talk's
    // iovctl.conf: --state and $IOVSIM_STATE alone say where the state is, not what to measure.
    const empty = join(tmp, "isolated");
    for (const argv of [
      ["ping", "--path", "vm-vf", "-c", "1", "--json"],
      ["--state", empty, "ping", "--path", "vm-vf", "-c", "1", "--json"],
    ]) {
      const plain = await iovsim(...argv);
      expect(plain.code, plain.err).toBe(0);
      expect(JSON.parse(plain.out).config).not.toMatch(/STATE|--state/);
    }
  });
});

describe("paths and ping --state DIR: refusals", () => {
  it("--host with -f is a usage error", async () => {
    const d = await host(["sysfs", "write", NUMVFS, "2"]);
    for (const cmd of [["paths"], ["ping", "--path", "jail-vf"]]) {
      const r = await iovsim(...cmd, "--host", "--state", d, "-f", join(tmp, "iov.conf"));
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(
        new RegExp(`^iovsim: ${cmd[0]}: --host and -f/--config are exclusive: .*; leave one out\\n$`),
      );
    }
  });

  it("sriov_drivers_autoprobe 0: a driverless VF is the VM's (vfio-pci), never the jail's", async () => {
    const d = await host(
      ["sysfs", "write", "/sys/class/net/ixl0/device/sriov_drivers_autoprobe", "0"],
      ["sysfs", "write", NUMVFS, "1"],
    );
    const vm = await iovsim("ping", "--host", "--path", "vm-vf", "--state", d, "-c", "1", "--json");
    expect(vm.code, vm.err).toBe(0);
    expect(JSON.parse(vm.out).received).toBe(1);
    const jail = await iovsim("ping", "--host", "--path", "jail-vf", "--state", d, "-c", "1");
    expect(jail.code).toBe(1);
    expect(jail.err).toMatch(
      /needs a VF for the jail with its driver bound .* ixl0's VF\(s\) 0 have none .*made with sriov_drivers_autoprobe 0\): write 1 to \/sys\/class\/net\/ixl0\/device\/sriov_drivers_autoprobe/,
    );
  });

  it("VFs iovctl -C made: the refusal says iovctl -D, not sriov_numvfs 0 (which answers EBUSY for them)", async () => {
    const conf = join(tmp, "one-vf.conf");
    writeFileSync(conf, 'PF { device: "ix0"; num_vfs: 1; }\n');
    const d = await host(["iovctl", "-C", "-f", conf]);
    const r = await iovsim("ping", "--host", "--path", "vm-vf", "--state", d, "-c", "1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /ix0's VFs were made by iovctl -C: remove them with iovsim iovctl -D -d ix0, then create 2 with iovsim iovctl -C -f iov\.conf \(num_vfs: 2\)/,
    );
    // The advice works: iovctl -D, then -C with two VFs (the second passthrough), and the path runs.
    writeFileSync(conf, 'PF { device: "ix0"; num_vfs: 2; }\nVF-1 { passthrough: true; }\n');
    for (const argv of [
      ["iovctl", "-D", "-d", "ix0"],
      ["iovctl", "-C", "-f", conf],
    ])
      expect((await iovsim("--state", d, ...argv)).code, argv.join(" ")).toBe(0);
    const ok = await iovsim("ping", "--host", "--path", "vm-vf", "--state", d, "-c", "1", "--json");
    expect(ok.code, ok.err).toBe(0);
  });

  it("a host with no VFs: a clear refusal naming the PF and what to run; nothing is written", async () => {
    const d = join(tmp, "never-written");
    const r = await iovsim("ping", "--host", "--path", "jail-vf", "--state", d, "-c", "1");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: path 'jail-vf' needs a VF for the jail (the first VF without 'passthrough : true'), and ixl0 has no VFs on the simulated host (--state ${d}): create them as on Linux: iovsim sysfs write ${NUMVFS} 1 (or iovsim iovctl -C -f iov.conf), or choose other paths with --path\n`,
    );
    expect(() => readdirSync(d)).toThrow();
    const one = await host(["sysfs", "write", NUMVFS, "1"]);
    const vm = await iovsim("paths", "--host", "--path", "vm-vf", "--state", one, "--size", "64");
    expect(vm.code).toBe(1);
    expect(vm.err).toMatch(
      /ixl0 has 1 VF on the simulated host .*sriov_numvfs 0, then iovsim sysfs write \S+ 2/,
    );
  });
});
