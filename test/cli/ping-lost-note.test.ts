// A configuration the control plane accepts runs on the data plane; when its echoes are lost,
// ping says where the simulation dropped them, not only "100.0% packet loss".
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn, tempDir } from "../helpers/cli.ts";

describe("ping --host on a VF whose made-up MAC no filter admits", () => {
  // ixl takes `mac-addr: 00:...` (no address assigned): the VF makes one up that the PF refuses
  // to filter without allow-set-mac, so with anti-spoofing on (the default) the switch drops
  // the echo requests the VF sends from it.
  const setup = async () => {
    const state = tempDir("iovsim-state-");
    const conf = join(tempDir("iovsim-conf-"), "zero-mac.conf");
    writeFileSync(conf, 'PF { device: ixl0; num_vfs: 1 }\nVF-0 { mac-addr: "00:00:00:00:00:00" }\n');
    expect((await cliIn(state, "iovctl", "-C", "-f", conf)).code).toBe(0);
    return state;
  };

  it("text: a note names the drop after the statistics (exit 2)", async () => {
    const r = await cliIn(await setup(), "ping", "--host", "--path", "jail-vf", "-c", "2");
    expect(r.code).toBe(2);
    expect(r.out).toContain("2 packets transmitted, 0 packets received, 100.0% packet loss\n");
    expect(r.out).toMatch(
      /\nnote: 2 of 2 echoes got no reply; frames dropped on the path \(simulated\): NIC switch: tx dropped \(MDD, oversize or anti-spoof\) 2\n$/,
    );
  });

  it("csv: the note goes to stderr, the rows stay clean", async () => {
    const r = await cliIn(await setup(), "ping", "--host", "--path", "jail-vf", "-c", "1", "--csv");
    expect(r.code).toBe(2);
    expect(r.out).not.toContain("note");
    expect(r.err).toContain(
      "iovsim: note: 1 of 1 echo got no reply; frames dropped on the path (simulated): NIC switch: tx dropped (MDD, oversize or anti-spoof) 1\n",
    );
  });

  it("a ping that is answered has no such note", async () => {
    const state = tempDir("iovsim-state-");
    const conf = join(tempDir("iovsim-conf-"), "ok.conf");
    writeFileSync(conf, 'PF { device: ixl0; num_vfs: 1 }\nVF-0 { mac-addr: "02:00:00:00:00:01" }\n');
    expect((await cliIn(state, "iovctl", "-C", "-f", conf)).code).toBe(0);
    const r = await cliIn(state, "ping", "--host", "--path", "jail-vf", "-c", "1");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("note");
  });
});
