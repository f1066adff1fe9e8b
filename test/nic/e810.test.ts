// The Intel E810 (ice) as a built-in NIC: one profile file (src/nic/profiles/ice.json), no code
// that names it. Expectations come from the sources the profile cites: FreeBSD sys/dev/ice
// (ice_iov.c schema and clamp, ice_resmgr.h ICE_MAX_SCATTERED_QUEUES 16), pci.ids (8086:1592,
// VF 8086:1889), the E810 datasheet (PCIe 4.0 x16, 100 Gb/s), Linux ice (64-entry VF LUT,
// 2048-entry PF LUT, DESC_NEEDED 23 / TX_WAKE_THRESHOLD 46).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vfTxShaping } from "../../src/model/vf-rate.ts";
import { getProfile, Host, validateHostSpec } from "../../src/nic/index.ts";
import { parseNicProfile } from "../../src/nic/profile.ts";
import { setupHost } from "../../src/paths/setup.ts";
import { programSwitch } from "../../src/switch/program.ts";
import { iovsim } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-e810-"));
const HOST = new URL("../../examples/hosts/e810.json", import.meta.url).pathname;
const CONF = new URL("../../examples/ice0.conf", import.meta.url).pathname;
const cli = (args: string[]) => iovsim(["--state", join(dir, "state"), ...args]);

describe("the E810 (ice) profile", () => {
  it("carries the datasheet's and drivers' facts", () => {
    const p = getProfile("ice");
    expect(p?.pf).toMatchObject({ driver: "ice", vendor: 0x8086, device: 0x1592 });
    expect(p?.sriov.vfDeviceId).toBe(0x1889);
    expect(p?.pcie).toMatchObject({ generation: 4, lanes: 16, gts: 16 });
    expect(p?.switch.capacityGbps).toBe(100);
    expect(p?.rss).toMatchObject({ vfRetaSize: 64, pfRetaSize: 2048 });
    expect(p?.linux).toMatchObject({ pfDriver: "ice", vfDriver: "iavf", linkSpeedMbps: 100000 });
    expect(p?.txQueue.linux.pf).toMatchObject({ stopFree: { value: 23 }, wakeFree: { value: 46 } });
    expect(p?.txQueue.freebsd.pf).toMatchObject({ driver: "ice", stopFree: { value: 130 } });
    // Two PFs of 128 VFs: the device's 256.
    expect(2 * (p?.sriov.totalVfs ?? 0)).toBe(256);
  });

  it("iovctl -S shows ice_iov_attach's VF schema and no PF parameters of its own", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    const s = await cli(["iovctl", "-S", "-d", "ice0"]);
    expect(s.code, s.err).toBe(0);
    const vfPart = s.out.split("on a VF:")[1] ?? "";
    const names = [...vfPart.matchAll(/^\t(\S+) : /gm)].map((m) => m[1]);
    expect(names).toEqual([
      "passthrough",
      "mac-addr",
      "mac-anti-spoof",
      "allow-set-mac",
      "allow-promisc",
      "num-queues",
      "mirror-src-vsi",
      "max-vlan-allowed",
      "max-mac-filters",
    ]);
    expect(s.out).toMatch(/num-queues : uint16_t \(default = 4\)/);
    expect(s.out).toMatch(/mirror-src-vsi : uint16_t \(default = 65535\)/);
    const pfPart = s.out.split("on a VF:")[0];
    expect([...pfPart.matchAll(/^\t(\S+) : /gm)].map((m) => m[1])).toEqual(["num_vfs", "device"]);
  });

  it("iovctl -C creates the example's VFs: pciconf shows ice0 (8086:1592) and iavf/ppt VFs (8086:1889)", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    const c = await cli(["iovctl", "-C", "-f", CONF]);
    expect(c.code, c.err).toBe(0);
    const l = (await cli(["pciconf", "-l"])).out;
    expect(l).toMatch(/^ice0@pci0:1:0:0:\s.*vendor=0x8086 device=0x1592 subvendor=0x8086 subdevice=0x0002/m);
    expect(l).toMatch(/^iavf0@pci0:1:0:8:\s.*device=0x1889/m);
    expect(l.match(/device=0x1889/g)?.length).toBe(4);
  });

  it("num-queues outside 1..16 is clamped with ice_iov_add_vf's lines; VFs past the queue budget fail", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    const conf = join(dir, "clamp.conf");
    writeFileSync(
      conf,
      'PF { device : "ice0"; num_vfs : 128; }\nDEFAULT { num-queues : 16; }\nVF-0 { num-queues : 20; }\n',
    );
    const c = await cli(["iovctl", "-C", "-f", conf]);
    expect(c.code, c.err).toBe(0);
    const d = (await cli(["dmesg"])).out;
    expect(d).toContain("ice0: Invalid num-queues (20) for VF 0");
    expect(d).toContain("ice0: Setting VF 0 num-queues to 16");
    // 1024 queues, the PF keeps 4: 63 VFs of 16 fit (1012), VF 63 does not.
    expect(d).toContain("ice0: Unable to assign VF Tx queues: ENOSPC");
    expect(d).toContain("Failed to add VF 63");
    expect(d).not.toContain("Failed to add VF 62\n");
  });

  it("the Linux view names ice and iavf; sriov_totalvfs is 128", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    const t = await cli(["sysfs", "read", "/sys/class/net/ice0/device/sriov_totalvfs"]);
    expect(t.out.trim()).toBe("128");
    expect((await cli(["sysfs", "write", "/sys/class/net/ice0/device/sriov_numvfs", "2"])).code).toBe(0);
    const ip = await cli(["ip", "link", "show", "ice0"]);
    expect(ip.out).toMatch(/vf 1 {5}link\/ether/);
  });

  it("the switch: VF pools with a 64-entry RETA, the PF pool with 2048; paths runs on a VF", async () => {
    const spec = validateHostSpec(
      { devices: [{ name: "ice0", selector: "pci0:1:0:0", profile: "ice", mac: "b4:96:91:a0:00:00" }] },
      "host.json",
    );
    expect(Host.fresh(spec, "host.json").pf("ice0")?.profile).toBe("ice");
    const text = 'PF { device : "ice0"; num_vfs : 2; }\n';
    const ph = setupHost(text, "two.conf", spec);
    expect(ph.linkGbps).toBe(100);
    const pf = ph.host.pf(ph.pf);
    if (!pf) throw new Error("no ice0");
    const sw = programSwitch(pf);
    const sizes = sw.pools.map((p) => p.reta.length).sort((a, b) => a - b);
    expect(sizes).toEqual([64, 64, 2048]);
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    const r = await cli(["paths", "--path", "vm-vf", "--size", "64", "-f", CONF]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/vm-vf/);
  }, 120_000);
});

describe("ice's min_tx_rate (Linux ice_set_vf_bw)", () => {
  it("is applied and shown, and refused once the VFs' minimums would exceed the 100 Gb/s link", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    expect((await cli(["sysfs", "write", "/sys/class/net/ice0/device/sriov_numvfs", "2"])).code).toBe(0);
    const a = await cli(["ip", "link", "set", "ice0", "vf", "0", "min_tx_rate", "60000", "max_tx_rate", "0"]);
    expect(a.code, a.err).toBe(0);
    expect((await cli(["ip", "link", "show", "ice0"])).out).toMatch(/vf 0 .*min_tx_rate 60000Mbps/);
    // 60000 + 50000 > 100000: ice_min_tx_rate_oversubscribed refuses VF 1's, by 10000 Mb/s.
    const b = await cli(["ip", "link", "set", "ice0", "vf", "1", "min_tx_rate", "50000", "max_tx_rate", "0"]);
    expect(b.code).toBe(2);
    expect(b.err).toContain("RTNETLINK answers: Invalid argument");
    expect((await cli(["dmesg"])).out).toContain(
      "ice 0000:01:00.0: min_tx_rate of 50000 Mbps on VF 1 would cause oversubscription of 10000 Mbps based on the current link speed 100000 Mbps",
    );
    // 60000 + 40000 is the link exactly, which is not more than it.
    const set = (vf: string, min: string) =>
      cli(["ip", "link", "set", "ice0", "vf", vf, "min_tx_rate", min, "max_tx_rate", "0"]);
    expect((await set("1", "40000")).code).toBe(0);
    // A VF's new minimum replaces its old one: VF 0 at 60000 again still fits beside 40000.
    expect((await set("0", "60000")).code).toBe(0);
    expect((await set("0", "60001")).code).toBe(2);
  });
});

describe("ice's VF transmit limit (Linux ice_set_vf_bw -> ice_sched_bw_to_rl_profile)", () => {
  const text = readFileSync(new URL("../../src/nic/profiles/ice.json", import.meta.url), "utf8");

  it("programs max_tx_rate as the rate-limiter profile's mantissa x tick: 1000 Mbit/s runs at 997.48792", () => {
    // By hand from ice_sched.c: 1000 Mb/s = 1,000,000 Kb/s = 125,000,000 B/s. Tick rates
    // 446428571 / (32 x 2^e): e = 3 gives 1,743,861 B/s and a mantissa of round(71.68) = 72, not
    // above 128; e = 4 gives 871,930 B/s and round(143.36) = 143, the first above 128.
    const expected = (143 * 871930 * 8) / 1e6;
    const s = vfTxShaping(getProfile("ice")!, 1000);
    expect(s?.programmedMbps).toBeCloseTo(expected, 9);
    expect(s).toMatchObject({ askedMbps: 1000, burstBytes: 15 * 1024, counts: "layer1" });
    // Every whole-Mb/s limit up to the link lands within half a mantissa step (1/258) of itself.
    for (const r of [1, 7, 50, 333, 25000, 100000]) {
      const got = vfTxShaping(getProfile("ice")!, r)?.programmedMbps ?? 0;
      expect(Math.abs(got - r) / r).toBeLessThan(1 / 258);
    }
  });

  it("a mantissa-exponent granularity whose minKbps exceeds maxKbps is refused at the figure", () => {
    const bad = text.replace('"minKbps": 500', '"minKbps": 200000000');
    const line = bad.split("\n").findIndex((l) => l.includes('"minKbps": 200000000')) + 1;
    expect(() => parseNicProfile(bad, "ice.json")).toThrow(
      new RegExp(
        `ice\\.json:${line}:\\d+: \\$\\.vfTxShaper\\.granularity\\.minKbps: minKbps must not exceed maxKbps`,
      ),
    );
  });

  it("max_tx_rate above the 100 Gb/s link is refused with ice_set_max_bw_limit's words; the new minimum stays", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    expect((await cli(["sysfs", "write", "/sys/class/net/ice0/device/sriov_numvfs", "2"])).code).toBe(0);
    const set = (...a: string[]) => cli(["ip", "link", "set", "ice0", "vf", ...a]);
    expect((await set("1", "max_tx_rate", "100000")).code).toBe(0);
    const r = await set("1", "min_tx_rate", "10", "max_tx_rate", "100001");
    expect(r.code).toBe(2);
    expect(r.err).toContain("RTNETLINK answers: Invalid argument");
    const log = (await cli(["dmesg"])).out;
    expect(log).toContain(
      "ice 0000:01:00.0: invalid max Tx rate 100001000 Kbps specified for ICE_VSI_VF 3 is greater than current link speed 100000000 Kbps",
    );
    expect(log).toContain("ice 0000:01:00.0: Unable to set max-tx-rate for VF 1");
    // ice_set_vf_bw applied min_tx_rate before the maximum failed; the old maximum is kept.
    expect((await cli(["ip", "link", "show", "ice0"])).out).toMatch(
      /vf 1 .*max_tx_rate 100000Mbps, min_tx_rate 10Mbps/,
    );
    // A maximum below the minimum never reaches the driver: ip refuses it (and rtnl_set_vf_rate would).
    expect(await set("0", "min_tx_rate", "600", "max_tx_rate", "500")).toMatchObject({
      code: 1,
      err: "Invalid min_tx_rate 600 - must be <= max_tx_rate 500\n",
    });
  });

  it("a VF limited to 1000 Mbit/s delivers no more than the programmed rate (paths --host, 1518 B)", async () => {
    expect((await cli(["reset", "--host", HOST])).code).toBe(0);
    expect((await cli(["sysfs", "write", "/sys/class/net/ice0/device/sriov_numvfs", "2"])).code).toBe(0);
    expect((await cli(["ip", "link", "set", "ice0", "vf", "0", "max_tx_rate", "1000"])).code).toBe(0);
    const r = await cli([
      ...["paths", "--host", "--path", "jail-vf", "--direction", "tx", "--size", "1518"],
      ...["--workers", "1", "--precision", "0.1", "--json"],
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const p = j.paths[0];
    // The limiter counts Layer 1 bytes: the 1514 B in the ring + FCS 4 + preamble and gap 20.
    const programmed = (143 * 871930 * 8) / 1e6;
    const limitPps = (programmed * 1e6) / (1538 * 8); // 81,070 frames/s
    const step = 0.001 * p.line_rate_mpps * 1e6; // one search step: 0.1 % of 100 GbE's 8.13 Mpps
    expect(p.ndr_mpps * 1e6).toBeLessThanOrEqual(limitPps);
    expect(p.ndr_mpps * 1e6).toBeGreaterThanOrEqual(limitPps - step);
    expect(p.bottleneck).toBe("vf0-max-tx-rate");
    expect(j.configuration.paths[0].vf.max_tx_rate).toMatchObject({
      asked_mbps: 1000,
      burst_bytes: 15360,
      burst_tag: "derived",
    });
    expect(j.configuration.paths[0].vf.max_tx_rate.programmed_mbps).toBeCloseTo(programmed, 6);
  }, 120_000);
});

describe("pf.iovModel: a driver that behaves as a modelled one needs no code", () => {
  const text = readFileSync(new URL("../../src/nic/profiles/ice.json", import.meta.url), "utf8");

  it("ice names the ixl model; a model that does not exist is refused at its line", () => {
    expect(parseNicProfile(text, "ice.json").pf.iovModel).toBe("ixl");
    const bad = text.replace('"iovModel": "ixl"', '"iovModel": "mlx5"');
    const line = bad.split("\n").findIndex((l) => l.includes('"mlx5"')) + 1;
    expect(() => parseNicProfile(bad, "ice.json")).toThrow(
      new RegExp(`ice\\.json:${line}:\\d+: \\$\\.pf\\.iovModel`),
    );
  });
});
