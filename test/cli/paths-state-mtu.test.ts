// `paths --host` takes the paths' MTU from the saved host (`ip link set DEV mtu N`): the PF's
// netdev for the paths on the PF, the jail VF's own; --mtu overrides it with a note; paths whose
// interfaces disagree are refused (one run has one MTU); -f measures a fresh host at 1500.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim as inProcess, tempDir } from "../helpers/cli.ts";

const NUMVFS = "/sys/class/net/ixl0/device/sriov_numvfs";
const iovsim = (...argv: string[]) => inProcess(argv, { stateDir: null });

async function host(...setup: string[][]): Promise<string> {
  const d = join(tempDir("iovsim-paths-mtu-"), "state");
  for (const argv of setup)
    expect(await iovsim("--state", d, ...argv), argv.join(" ")).toMatchObject({ code: 0 });
  return d;
}

// One short load point: the MTU checks run before it; a 9000-byte frame needs MTU 8982.
const RUN = ["--size", "9000", "--rate", "10%", "--trial-ms", "0.2", "--workers", "1"];

describe("paths --host: the MTU of the saved host's interfaces", () => {
  it("the PF's MTU set with ip link carries 9000-byte frames on native, said in a note and in --json", async () => {
    const s = await host(["sysfs", "write", NUMVFS, "1"], ["ip", "link", "set", "ixl0", "mtu", "9000"]);
    const r = await iovsim("--state", s, "paths", "--host", "--path", "native", ...RUN, "--json");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('"mtu_bytes": 9000');
    expect(r.out).toMatch(/the paths run at MTU 9000, what ixl0 has on the simulated host/);
  });

  it("without ip link set the paths run at 1500: a 9000-byte frame is refused", async () => {
    const s = await host(["sysfs", "write", NUMVFS, "1"]);
    const r = await iovsim("--state", s, "paths", "--host", "--path", "native", ...RUN);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/needs an MTU of at least 8982 .* every interface's default/);
  });

  it("the jail VF's own netdev gives jail-vf its MTU; the PF's does not", async () => {
    const s = await host(["sysfs", "write", NUMVFS, "2"], ["ip", "link", "set", "ixl0", "mtu", "9000"]);
    const refused = await iovsim("--state", s, "paths", "--host", "--path", "jail-vf", ...RUN);
    expect(refused.err).toMatch(/MTU of at least 8982 .* the paths run at MTU 1500/);
    expect((await iovsim("--state", s, "ip", "link", "set", "iavf0", "mtu", "9000")).code).toBe(0);
    const ok = await iovsim("--state", s, "paths", "--host", "--path", "jail-vf,vm-vf", ...RUN);
    expect(ok.code, ok.err).toBe(0);
    // The VM's VF has its MTU in the guest: said, taken as the run's.
    expect(ok.out).toMatch(/what iavf0 has on the simulated host .*; vm-vf: the guest's interface/);
  });

  it("paths whose interfaces disagree are refused, naming each; --mtu runs them with a note", async () => {
    const s = await host(["sysfs", "write", NUMVFS, "1"], ["ip", "link", "set", "ixl0", "mtu", "9000"]);
    const r = await iovsim("--state", s, "paths", "--host", "--path", "native,jail-vf", ...RUN);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /different MTUs on the simulated host \('native' on ixl0 at 9000, 'jail-vf' on iavf0 at 1500\), and one run has one MTU/,
    );
    const o = await iovsim(
      "--state",
      s,
      "paths",
      "--host",
      "--path",
      "native,jail-vf",
      ...RUN,
      "--mtu",
      "9000",
    );
    expect(o.code, o.err).toBe(0);
    expect(o.out).toMatch(/--mtu 9000 overrides the MTU of iavf0 \(1500\) on the simulated host/);
  });

  it("a jail VF iovctl -C made, whose MTU ip link cannot change (EBUSY): the refusal says so and what can be set", async () => {
    const conf = join(tempDir("iovsim-paths-mtu-conf-"), "ixl0.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 1; }\nVF-0 { passthrough: false; }\n');
    const s = await host(["iovctl", "-C", "-f", conf], ["ip", "link", "set", "ixl0", "mtu", "9000"]);
    // The advice 'set them alike (ip link set DEV mtu N)' cannot be followed for iavf0.
    expect(await iovsim("--state", s, "ip", "link", "set", "iavf0", "mtu", "9000")).toMatchObject({
      code: 2,
      err: "RTNETLINK answers: Device or resource busy\n",
    });
    const r = await iovsim("--state", s, "paths", "--host", "--path", "native,jail-vf", ...RUN);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "set them alike (iovsim ip link set DEV mtu N; iavf0 (1500) is a VF iovctl -C made, whose MTU ip link cannot change (Device or resource busy): set the others to 1500)",
    );
    // With VFs made through sysfs the advice stands as it was.
    const l = await host(["sysfs", "write", NUMVFS, "1"], ["ip", "link", "set", "ixl0", "mtu", "9000"]);
    const q = await iovsim("--state", l, "paths", "--host", "--path", "native,jail-vf", ...RUN);
    expect(q.err).toContain("set them alike (iovsim ip link set DEV mtu N), measure them apart");
  });

  it("-f measures its iovctl.conf on a fresh host: the saved host's MTU does not apply", async () => {
    const s = await host(["ip", "link", "set", "ixl0", "mtu", "9000"]);
    const conf = join(tempDir("iovsim-paths-mtu-"), "iov.conf");
    writeFileSync(conf, 'PF { device : "ixl0"; num_vfs : 1; }\n');
    const r = await iovsim("--state", s, "paths", "-f", conf, "--path", "native", ...RUN);
    expect(r.err).toMatch(/every interface's default/);
  });
});
