// vf-loopback between two VFs the NIC's switch cannot connect (different port VLANs) carries
// nothing: `paths --host` leaves it out of the default list with a note naming both VFs' VLANs
// and the switch's rule, and refuses it when --path names it; VFs in one VLAN still run.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn, iovsim, tempDir } from "../helpers/cli.ts";
import { pfWithVfs } from "../helpers/linux-host.ts";

const PF = "/sys/class/net/ixl0/device";
const RUN = ["--direction", "tx", "--size", "64", "--rate", "1Mpps", "--count", "100"];

/** A host with ixl0's two VFs and the `ip link set ixl0 vf ...` settings given. */
async function hostWith(...settings: string[][]): Promise<string> {
  const s = await pfWithVfs(PF, 2, { prefix: "iovsim-loopback-reach-" });
  for (const a of settings) {
    const r = await cliIn(s, "ip", "link", "set", "ixl0", "vf", ...a);
    expect(r, a.join(" ")).toMatchObject({ code: 0 });
  }
  return s;
}

describe("vf-loopback between VFs the switch cannot connect", () => {
  const why =
    "loops VF 0 of ixl0 (port VLAN 100) back to VF 1 (port VLAN 200), and the NIC's switch cannot connect them";

  it("is left out of the default list with a note naming the VLANs and the switch's rule", async () => {
    const s = await hostWith(["0", "vlan", "100"], ["1", "vlan", "200"]);
    const r = await cliIn(s, "paths", "--host", ...RUN, "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const ran = j.paths.map((p: { name: string }) => p.name);
    expect(ran).not.toContain("vf-loopback");
    expect(ran).toContain("jail-vf");
    const note = j.notes.find((n: string) => n.startsWith("vf-loopback left out"));
    expect(note).toContain(why);
    expect(note).toContain("tx no destination");
  });

  it("named with --path, is refused; with both VFs in one VLAN it runs and delivers", async () => {
    const s = await hostWith(["0", "vlan", "100"], ["1", "vlan", "200"]);
    const named = await cliIn(s, "paths", "--host", "--path", "vf-loopback", ...RUN);
    expect(named.code).toBe(1);
    expect(named.out).toBe("");
    expect(named.err).toContain(why);
    expect((await cliIn(s, "ip", "link", "set", "ixl0", "vf", "1", "vlan", "100")).code).toBe(0);
    const ok = await cliIn(s, "paths", "--host", "--path", "vf-loopback", ...RUN, "--json");
    expect(ok.code, ok.err).toBe(0);
    const lp = JSON.parse(ok.out).paths[0].load_points[0];
    expect(lp.loss_ratio).toBe(0);
  });

  it("-f: an iovctl.conf with VF 0 in VLAN 100 and VF 1 a trunk is refused the same way, with the file's advice", async () => {
    const conf = join(tempDir("iovsim-loopback-reach-conf-"), "ix0.conf");
    writeFileSync(
      conf,
      'PF {\n\tdevice : "ix0";\n\tnum_vfs : 2;\n}\n\nVF-0 {\n\tpassthrough : false;\n\tvlan : 100;\n}\n\nVF-1 {\n\tpassthrough : true;\n\tvlan : "trunk";\n}\n',
    );
    const r = await iovsim(["paths", "-f", conf, "--path", "vf-loopback", ...RUN]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${conf}: path 'vf-loopback' loops VF 0 of ix0 (port VLAN 100) back to VF 1 (VLAN trunk), and the NIC's switch cannot connect them`,
    );
    expect(r.err).toContain("the same 'vlan' for both in the file");
  });
});
