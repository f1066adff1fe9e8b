// A NIC that exists only as a JSON file (test/fixtures/nic/x550.json, an X550: ix driver, 82599
// pool modes, PCIe 3.0 x4): the control plane, the switch and the engine run on it with no code
// that names it. A broken profile is refused with file:line:column.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import {
  getProfile,
  Host,
  type HostSpec,
  registerNicProfileFile,
  validateHostSpec,
} from "../../src/nic/index.ts";
import { linuxDriverFacts } from "../../src/nic/linux/drivers.ts";
import { findNetdev, setVf, sysfsWrite } from "../../src/nic/linux/index.ts";
import { parseNicProfile } from "../../src/nic/profile.ts";
import { setupHost } from "../../src/paths/setup.ts";
import { programSwitch, retaSizeFor } from "../../src/switch/program.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { iovsim } from "../helpers/cli.ts";
import { twoVfConf } from "../helpers/two-vf-conf.ts";

const FIXTURE = new URL("../fixtures/nic/x550.json", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "iovsim-x550-"));
const HOST_JSON = {
  devices: [{ name: "ix5", selector: "pci0:3:0:0", profile: "x550", mac: "a0:36:9f:00:00:50" }],
};
const CONF = twoVfConf("ix5");
let spec: HostSpec;

const cli = (args: string[]) => iovsim(["--state", join(dir, "state"), ...args]);

beforeAll(async () => {
  expect(registerNicProfileFile(FIXTURE)).toBe("x550");
  spec = validateHostSpec(HOST_JSON, "host.json");
  writeFileSync(join(dir, "host.json"), JSON.stringify(HOST_JSON));
  writeFileSync(join(dir, "iov.conf"), CONF);
  await ensureKernels();
}, 120_000);

describe("a fourth NIC written only as JSON", () => {
  it("loads with its switch, PCIe and Linux facts", () => {
    const p = getProfile("x550");
    expect(p?.pcie).toMatchObject({ generation: 3, lanes: 4 });
    expect(retaSizeFor("x550", "vf")).toBe(128);
    expect(linuxDriverFacts("x550", "ix", "ixv")).toMatchObject({ pfDriver: "ixgbe", linkSpeedMbps: 10000 });
  });

  it("validate and iovctl -C run on it; pciconf shows its device id", async () => {
    expect((await cli(["reset", "--host", join(dir, "host.json")])).code).toBe(0);
    const v = await cli(["validate", "-f", join(dir, "iov.conf")]);
    expect(v.code, v.out + v.err).toBe(0);
    const c = await cli(["iovctl", "-C", "-f", join(dir, "iov.conf")]);
    expect(c.code, c.err).toBe(0);
    const l = await cli(["pciconf", "-l"]);
    expect(l.out).toMatch(/ix5@pci0:3:0:0:.*device=0x1563/);
    expect(l.out).toMatch(/device=0x1565/);
  });

  it("the switch is programmed from its profile: pools, RETA, PF queues from the pool mode", () => {
    expect(Host.fresh(spec, "host.json").pf("ix5")?.profile).toBe("x550");
    const ph = setupHost(CONF, "iov.conf", spec);
    expect(ph.linkGbps).toBe(10);
    const pf = ph.host.pf(ph.pf);
    if (!pf) throw new Error("no ix5");
    const sw = programSwitch(pf);
    expect(sw.pools.length).toBe(3);
    expect(sw.pools.every((p) => p.reta.length === 128)).toBe(true);
    // 2 VFs: the 82599 pool mode for fewer than 32 VFs gives the PF pool 4 queues.
    expect(sw.pools.find((p) => p.reta.length > 0 && p.numRxQueues === 4)).toBeDefined();
  });

  it("simulate runs a path on it (the engine's NIC binding, link speed from the profile)", () => {
    for (const path of ["native", "vm-vf", "jail-vf"]) {
      const r = simulate({
        path,
        direction: "rx",
        traffic: defaultProfile(),
        ratePps: 2e5,
        arrival: "constant",
        durationNs: 5e5,
        seed: 1,
        profile: "bhyve",
        config: { text: CONF, file: "iov.conf" },
        host: spec,
      });
      expect(r.conservation.ok, path).toBe(true);
      expect(r.conservation.delivered, path).toBe(r.conservation.sent);
      expect(r.conservation.sent, path).toBeGreaterThan(50);
    }
  }, 60_000);

  it("its drivers' transmit-queue bounds are its own: the engine runs the queue at them", () => {
    // The fixture gives the X550's drivers (ixgbe/ixgbevf, ix/ixv); a copy of it under another
    // id gives its VF drivers bounds no built-in NIC has, and the queue runs at those.
    expect(getProfile("x550")?.txQueue.linux.vf).toMatchObject({
      driver: "ixgbevf",
      stopFree: { value: 21 },
    });
    const q = JSON.parse(readFileSync(FIXTURE, "utf8"));
    q.id = "x550-txq";
    // The fixture has no VF transmit limiter; the 82599's (ixgbe's rate factor) fills the ring.
    q.vfTxShaper = JSON.parse(
      readFileSync(new URL("../../src/nic/profiles/ix.json", import.meta.url), "utf8"),
    ).vfTxShaper;
    q.txQueue.linux.vf.stopFree.value = 30;
    q.txQueue.linux.vf.wakeFree.value = 90;
    q.txQueue.freebsd.vf.stopFree.value = 50;
    q.txQueue.freebsd.vf.wakeFree.value = 80;
    const file = join(dir, "x550-txq.json");
    writeFileSync(file, JSON.stringify(q, null, 2));
    expect(registerNicProfileFile(file)).toBe("x550-txq");
    const host = Host.fresh(
      validateHostSpec({ devices: [{ ...HOST_JSON.devices[0], profile: "x550-txq" }] }, "host.json"),
      "host.json",
    );
    // Both VFs limited to 500 Mbit/s, the sender at 1.2 Mpps of 64 B: the NIC's ring fills and
    // each wake posts wakeFree - stopFree + 1 frames (one more when the NIC took one before the
    // wake ran, and up to 7 more that the write-back crossing the bound brings: ixgbevf and ixv
    // have WTHRESH 8, their completions come 8 at a time, tx-write-back.ts). The VM's VF (VF 1) under KVM is the Linux guest's ixgbevf entry; the jail's
    // (VF 0) on a FreeBSD host the ixv entry (a halted bhyve vCPU wakes ~10 µs late, so the
    // FreeBSD side runs on the host's core, which does not halt).
    expect(sysfsWrite(host.state, "/sys/class/net/ix5/device/sriov_numvfs", "2").ok).toBe(true);
    for (const vf of [0, 1])
      expect(setVf(host.state, findNetdev(host.state, "ix5")!, { vf, maxTxRate: 500 }).ok).toBe(true);
    const config = { text: JSON.stringify(host.state), file: "test host", hostState: true as const };
    for (const [path, profile, stop, wake] of [
      ["vm-vf", "kvm-exits", 30, 90], // a Linux guest: txQueue.linux.vf
      ["jail-vf", "freebsd", 50, 80], // a FreeBSD host: txQueue.freebsd.vf
    ] as const) {
      const r = simulate({
        path,
        direction: "tx",
        traffic: defaultProfile(),
        ratePps: 1.2e6,
        arrival: "constant",
        durationNs: 10e6,
        warmupNs: 1e6,
        seed: 7,
        profile,
        config,
      });
      expect(r.conservation.ok, profile).toBe(true);
      expect(r.bottleneck, profile).toBe(path === "vm-vf" ? "vf1-max-tx-rate" : "vf0-max-tx-rate");
      const drv = r.elements!.find((e) => e.kind === "txdrv")!;
      expect(drv.max_batch, profile).toBeGreaterThanOrEqual(wake - stop + 1);
      expect(drv.max_batch, profile).toBeLessThanOrEqual(wake - stop + 1 + 8);
    }
  }, 60_000);

  it("a broken NIC profile is refused at the line and column of the bad entry", () => {
    const text = readFileSync(FIXTURE, "utf8").replace('"generation": 3', '"generation": "three"');
    const bad = join(dir, "bad.json");
    writeFileSync(bad, text);
    const line = text.split("\n").findIndex((l) => l.includes('"three"')) + 1;
    expect(() => registerNicProfileFile(bad)).toThrow(
      new RegExp(`bad\\.json:${line}:\\d+: \\$\\.pcie\\.generation`),
    );
  });

  it("a figure's source too short to name a publication is refused with why, at its line", () => {
    const original = readFileSync(FIXTURE, "utf8");
    const text = original.replace('"X550 datasheet: PCI Express 3.0 x4 (8 GT/s)"', '"datasheet"');
    const line = text.split("\n").findIndex((l) => l.includes('"datasheet"')) + 1;
    expect(() => parseNicProfile(text, "x550.json")).toThrow(
      new RegExp(
        `x550\\.json:${line}:\\d+: .*source: a source names the publication \\(at least 10 characters\\)`,
      ),
    );
  });

  it("a hex field takes as many digits as its register has: 2 for a revision, 6 for a class, 8 for page sizes", () => {
    const original = readFileSync(FIXTURE, "utf8");
    const edited = (from: string, to: string) => () =>
      parseNicProfile(original.replace(from, to), "x550.json");
    const refused = (from: string, to: string, field: string, example: string) =>
      expect(edited(from, to), to).toThrow(`.${field}: expected a hex string like ${example}`);
    refused('"revision": "0x01"', '"revision": "0x001"', "revision", "0x02");
    refused('"device": "0x1563"', '"device": "0x15630"', "device", "0x1572");
    refused('"class": "0x020000"', '"class": "0x0200000"', "class", "0x020000");
    refused('"supportedPageSizes": "0x553"', '"supportedPageSizes": "553"', "supportedPageSizes", "0x553");
    expect(
      edited('"supportedPageSizes": "0x553"', '"supportedPageSizes": "0xffffffff"')().sriov
        .supportedPageSizes,
    ).toBe(0xffffffff);
  });
});
