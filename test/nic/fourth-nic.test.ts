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
