// `paths -f FILE` and `ping -f FILE` apply the iovctl.conf to a fresh copy of the host the state
// describes (src/cli/commands/paths-source.ts): after `iovsim reset --host FILE`, a PF of that
// host file is there, as it is for `iovctl -C`; the state itself is only read.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const dir = tempDir("iovsim-paths-source-");
const hostFile = join(dir, "host.json");
writeFileSync(
  hostFile,
  JSON.stringify({
    devices: [
      { name: "ixl5", selector: "pci0:7:0:0", profile: "ixl" },
      { name: "ix0", selector: "pci0:3:0:0", profile: "ix" },
    ],
  }),
);
const conf = join(dir, "ixl5.conf");
writeFileSync(
  conf,
  'PF {\n\tdevice : "ixl5";\n\tnum_vfs : 2;\n}\nVF-0 { passthrough : false; }\nVF-1 { passthrough : true; }\n',
);

async function userHost(): Promise<string> {
  const state = tempDir("iovsim-paths-source-state-");
  expect(await iovsim(["reset", "--host", hostFile], { stateDir: state })).toMatchObject({ code: 0 });
  return state;
}

const onePoint = ["--size", "64", "--rate", "1Mpps", "--count", "100", "--json"];

describe("paths/ping -f on the host the state describes", () => {
  it("paths -f runs on the user's host file, names it, and leaves the state as it was", async () => {
    const state = await userHost();
    const before = readFileSync(join(state, "state.json"), "utf8");
    const r = await iovsim(["paths", "-f", conf, "--path", "jail-vf,vm-vf", ...onePoint], {
      stateDir: state,
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.configuration).toMatchObject({ source: "file", file: conf, host_file: hostFile, pf: "ixl5" });
    expect(j.configuration.paths[0].vf.selector).toBe("pci0:7:0:16");
    expect(readFileSync(join(state, "state.json"), "utf8")).toBe(before);
    const text = await iovsim(
      ["paths", "-f", conf, "--path", "jail-vf", "--size", "64", "--rate", "1Mpps", "--count", "100"],
      {
        stateDir: state,
      },
    );
    expect(text.out).toContain(
      `Configuration: ${conf} (-f), on a fresh in-memory host of host file ${hostFile}: ixl5`,
    );
  });

  it("--host names the host file the saved host was made from", async () => {
    const state = await userHost();
    expect(await iovsim(["iovctl", "-C", "-f", conf], { stateDir: state })).toMatchObject({ code: 0 });
    const ping = await iovsim(["ping", "--host", "--path", "jail-vf", "-c", "1", "--json"], {
      stateDir: state,
    });
    expect(JSON.parse(ping.out)).toMatchObject({ host_file: hostFile, received: 1 });
    const paths = await iovsim(
      ["paths", "--host", "--path", "jail-vf", "--size", "64", "--rate", "1Mpps", "--count", "10"],
      {
        stateDir: state,
      },
    );
    expect(paths.out).toMatch(
      new RegExp(
        `Configuration: the VFs on the simulated host \\(.*; host file ${hostFile}\\): ixl5 with 2 VFs`,
      ),
    );
  });

  it("ping -f runs on the user's host file and its JSON names it", async () => {
    const state = await userHost();
    const r = await iovsim(["ping", "--path", "jail-vf", "-f", conf, "-c", "1", "--json"], {
      stateDir: state,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ config: conf, host_file: hostFile, received: 1 });
  });

  it("a state without a host file is the embedded default host: its PFs are named", async () => {
    const r = await iovsim(["ping", "--path", "jail-vf", "-f", conf, "-c", "1"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /ixl5\.conf:2:11: Could not open device '\/dev\/iov\/ixl5'.*embedded default host.*ixl0, ix0, igb0.*iovsim reset --host FILE/,
    );
    const ok = await iovsim(["ping", "--path", "jail-vf", "-c", "1", "--json"]);
    expect(JSON.parse(ok.out).host_file).toBeNull();
  });

  it("the embedded iovctl.conf on a host file without its PF names the host file's PFs", async () => {
    const state = await userHost();
    const r = await iovsim(["ping", "--path", "jail-vf", "-c", "1"], { stateDir: state });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`the PFs of the host file ${hostFile}: ixl5, ix0`);
  });

  it("a host file without ix0: passthrough refused when named, left out otherwise (was an internal error)", async () => {
    const noIx0 = join(dir, "no-ix0.json");
    writeFileSync(
      noIx0,
      JSON.stringify({ devices: [{ name: "ixl5", selector: "pci0:7:0:0", profile: "ixl" }] }),
    );
    const state = tempDir("iovsim-paths-source-state-");
    expect(await iovsim(["reset", "--host", noIx0], { stateDir: state })).toMatchObject({ code: 0 });
    const why = `path 'passthrough' passes the whole PF ix0 through to a VM, and the host of host file ${noIx0} has no ix0 (its PFs: ixl5): add it to the host file (iovsim reset --host FILE), or choose other paths with --path`;
    const named = await iovsim(
      ["paths", "-f", conf, "--path", "passthrough", "--size", "64", "--rate", "1Mpps"],
      { stateDir: state },
    );
    expect(named).toMatchObject({ code: 1, out: "", err: `iovsim: ${why}\n` });
    const ping = await iovsim(["ping", "-f", conf, "--path", "passthrough", "-c", "1"], { stateDir: state });
    expect(ping).toMatchObject({ code: 1, err: `iovsim: ${why}\n` });
    const all = await iovsim(
      ["paths", "-f", conf, "--size", "64", "--rate", "1Mpps", "--count", "20", "--json"],
      {
        stateDir: state,
      },
    );
    expect(all.code, all.err).toBe(0);
    expect(JSON.parse(all.out).notes).toContain(`passthrough left out (no --path named it): ${why}`);
    // --host on that host: the same, naming the saved host.
    expect(await iovsim(["iovctl", "-C", "-f", conf], { stateDir: state })).toMatchObject({ code: 0 });
    const host = await iovsim(
      ["paths", "--host", "--path", "passthrough", "--size", "64", "--rate", "1Mpps"],
      { stateDir: state },
    );
    expect(host.code).toBe(1);
    expect(host.err).toMatch(
      /path 'passthrough' passes the whole PF ix0 through to a VM, and the simulated host \(.*\) has no ix0 \(its PFs: ixl5\)/,
    );
  });

  it("--html onto the state file the run reads is refused, and the state is left as it was", async () => {
    const state = await userHost();
    expect(await iovsim(["iovctl", "-C", "-f", conf], { stateDir: state })).toMatchObject({ code: 0 });
    const file = join(state, "state.json");
    const before = readFileSync(file, "utf8");
    const why = `iovsim: --html ${file}: that is this run's input (the simulated host's state, which the run reads), which the report would replace; choose another file\n`;
    for (const argv of [
      ["paths", "--host", "--path", "jail-vf", "--size", "64", "--rate", "1Mpps", "--count", "10"],
      ["paths", "-f", conf, "--path", "jail-vf", "--size", "64", "--rate", "1Mpps", "--count", "10"],
      ["ping", "--host", "--path", "jail-vf", "-c", "1"],
      ["ping", "-f", conf, "--path", "jail-vf", "-c", "1"],
    ])
      expect(await iovsim([...argv, "--html", file], { stateDir: state }), argv.join(" ")).toMatchObject({
        code: 1,
        out: "",
        err: why,
      });
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("an empty -f is refused, naming the option", async () => {
    for (const cmd of [
      ["paths", "--path", "native"],
      ["ping", "--path", "native"],
    ]) {
      const r = await iovsim([...cmd, "-f", ""]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`iovsim: ${cmd[0]}: option '-f, --config' needs a file name\n`);
    }
  });
});
