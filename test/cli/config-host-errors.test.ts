// An iovctl.conf the data-plane commands (paths -f, ping -f, switch -f) cannot apply on their
// host is refused at the value at fault (file:line:column, in an included file that file's),
// in the words iovctl would use, never "no PF device found" for a file that names one.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const examples = join(__dirname, "..", "..", "examples");

function confIn(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("a PF.device the host lacks", () => {
  it("ping -f and paths -f name it at its value, with the PFs of the host they run on", async () => {
    const dir = tempDir("iovsim-conf-");
    const conf = confIn(dir, "ixl1.conf", 'PF {\n\tdevice : "ixl1";\n\tnum_vfs : 2;\n}\n');
    const ping = await iovsim(["ping", "-f", conf, "--path", "jail-vf", "-c", "1"]);
    expect(ping.code).toBe(1);
    expect(ping.err).toBe(
      `iovsim: invalid iovctl.conf: ${conf}:2:11: Could not open device '/dev/iov/ixl1': No such file or directory (the PFs of the embedded default host: ixl0, ix0, igb0; a host of your own: iovsim reset --host FILE)\n`,
    );
    const paths = await iovsim(["paths", "-f", conf, "--path", "jail-vf", "--size", "64", "--rate", "1Mpps"]);
    expect(paths.code).toBe(1);
    expect(paths.err).toBe(ping.err);
  });

  it("switch -f names it at its value, in the same words, with the PFs of the state's host", async () => {
    const dir = tempDir("iovsim-conf-");
    const conf = confIn(dir, "em0.conf", "PF {\n  device = em0\n  num_vfs = 1\n}\n");
    const r = await iovsim(["switch", "-f", conf, "--in", `wire=${join(examples, "in.pcap")}`, "--json"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: ${conf}:2:12: Could not open device '/dev/iov/em0': No such file or directory (this host's PFs: ixl0, ix0, igb0)\n`,
    );
  });
});

describe("a configuration the kernel refuses", () => {
  // num_vfs named in a comment above the key, and the key itself in an included file: the
  // location is the value's, not the first line that mentions the word.
  const setup = () => {
    const dir = tempDir("iovsim-conf-");
    mkdirSync(join(dir, "inc"));
    confIn(dir, join("inc", "count.conf"), "# how many\nnum_vfs: 64;\n");
    const conf = confIn(
      dir,
      "ix.conf",
      'PF {  # num_vfs: see inc/\n  device: ix0;\n  .include "$CURDIR/inc/count.conf"\n}\n',
    );
    return { conf, at: `${join(dir, "inc", "count.conf")}:2:10` };
  };
  const why =
    "the simulated kernel refused the configuration: No space left on device (num_vfs 64: the ix driver supports at most 63 VFs (the last pool is reserved for the PF))";

  it("ping -f and paths -f locate num_vfs where it is written", async () => {
    const { conf, at } = setup();
    const ping = await iovsim(["ping", "-f", conf, "--path", "jail-vf", "-c", "1"]);
    expect(ping.code).toBe(1);
    expect(ping.err).toBe(`iovsim: ${at}: ${why}\n`);
    const paths = await iovsim(["paths", "-f", conf, "--path", "jail-vf", "--size", "64", "--rate", "1Mpps"]);
    expect(paths.code).toBe(1);
    expect(paths.err).toBe(ping.err);
  });

  it("switch -f locates num_vfs where it is written", async () => {
    const { conf, at } = setup();
    const r = await iovsim(["switch", "-f", conf, "--in", `wire=${join(examples, "in.pcap")}`, "--json"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`iovsim: ${at}: ${why}\n`);
  });
});

describe("whole-PF passthrough of the PF whose VFs the iovctl.conf made", () => {
  const dir = tempDir("iovsim-conf-");
  const conf = confIn(
    dir,
    "ix0.conf",
    'PF {\n\tdevice : "ix0";\n\tnum_vfs : 2;\n}\nVF-0 { passthrough : false; }\nVF-1 { passthrough : true; }\n',
  );
  const refusal = `${conf}:2:11: path 'passthrough' passes the whole PF ix0 through to a VM, and this configuration creates 2 VFs on ix0: a PF with VFs cannot be passed through (its VFs need its driver in the host); configure the VFs on another PF, or choose other paths with --path`;

  it("named with --path (paths, ping): refused at the PF's device value", async () => {
    const paths = await iovsim([
      "paths",
      "-f",
      conf,
      "--path",
      "passthrough,jail-vf",
      "--size",
      "64",
      "--rate",
      "1Mpps",
    ]);
    expect(paths).toMatchObject({ code: 1, out: "", err: `iovsim: ${refusal}\n` });
    const ping = await iovsim(["ping", "-f", conf, "--path", "passthrough", "-c", "1"]);
    expect(ping).toMatchObject({ code: 1, out: "", err: `iovsim: ${refusal}\n` });
  });

  it("of the default list: left out with the same reason, the VF paths still run", async () => {
    const r = await iovsim([
      "paths",
      "-f",
      conf,
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "50",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.notes).toContain(`passthrough left out (no --path named it): ${refusal}`);
    const ran = j.configuration.paths.map((p: { name: string }) => p.name);
    expect(ran).not.toContain("passthrough");
    expect(ran).toContain("jail-vf");
  });
});
