// A sweep's points run on a host of the sweep file's choosing (`host: FILE`, as `iovsim reset
// --host FILE` takes), not only on the embedded default: a paths sweep over the second port of
// a two-X710 host was refused at plan time (ixl1 is no PF of the default host), and a user who
// had reset the state with --host got the default host's figures without a word.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const TWO_X710 = "examples/hosts/two-x710.json";

function sweepFile(dir: string, body: string): string {
  const f = join(dir, "s.yaml");
  writeFileSync(f, body);
  return f;
}

const ON_IXL1 = `name: second-port
experiment: paths
host: ${TWO_X710}
axes:
  size: [64]
options:
  config: examples/ixl1.conf
  path: jail-vf
  rate: 10%
  trial-ms: 0.2
`;

describe("sweep host: FILE", () => {
  it("plan checks the points against that host; run measures on it (host_file, pf in each result)", async () => {
    const d = tempDir("iovsim-sweep-host-");
    const f = sweepFile(d, ON_IXL1);
    const plan = await iovsim(["sweep", "plan", f, "--no-calibrate"]);
    expect(plan.err).toBe("");
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(
      /^sweep second-port: 1 point of `iovsim paths` over size, each on the host of examples\/hosts\/two-x710\.json$/m,
    );
    const json = JSON.parse((await iovsim(["sweep", "plan", f, "--no-calibrate", "--json"])).out);
    expect(json.host).toBe(TWO_X710);
    const out = join(d, "out");
    const run = await iovsim(["sweep", "run", f, "--out", out]);
    expect(run.code, run.err).toBe(0);
    const point = JSON.parse(readFileSync(join(out, "points", "000000.json"), "utf8"));
    expect(point.result.configuration.host_file).toBe(TWO_X710);
    expect(point.result.configuration.pf).toBe("ixl1");
    // The merged table says which host its rows ran on (last column), and so does the JSON.
    const csv = (await iovsim(["sweep", "merge", out, "--csv"])).out.trimEnd().split(/\r?\n/);
    expect(csv[0]!.endsWith(",host_file")).toBe(true);
    expect(csv[1]!.endsWith(`,${TWO_X710}`)).toBe(true);
    expect(JSON.parse((await iovsim(["sweep", "merge", out, "--json"])).out).host).toBe(TWO_X710);
  }, 60_000);

  it("without it, ixl1 is refused as before (the default host has no ixl1)", async () => {
    const d = tempDir("iovsim-sweep-host-");
    const f = sweepFile(d, ON_IXL1.replace(`host: ${TWO_X710}\n`, ""));
    const plan = await iovsim(["sweep", "plan", f, "--no-calibrate"]);
    expect(plan.code).toBe(1);
    expect(plan.err).toMatch(/ixl1/);
  });

  it("a host file that is missing or broken is refused at the host key, with the file's own error", async () => {
    const d = tempDir("iovsim-sweep-host-");
    const missing = await iovsim([
      "sweep",
      "plan",
      sweepFile(d, ON_IXL1.replace(TWO_X710, "nosuch.json")),
      "--no-calibrate",
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/s\.yaml:3:7: host: .*nosuch\.json/);
    const bad = join(d, "bad.json");
    writeFileSync(bad, '{"devices": [{"name": "ixl0"}]}');
    const broken = await iovsim([
      "sweep",
      "plan",
      sweepFile(d, ON_IXL1.replace(TWO_X710, bad)),
      "--no-calibrate",
    ]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(
      /s\.yaml:3:7: host: invalid host file:\n.*bad\.json:1:14: \$\.devices\[0\]\.selector/,
    );
    expect(broken.err).not.toMatch(/at .*\.ts:\d+/);
    // Located at the top-level host, not at options' host (paths' --host flag), given too.
    const both = sweepFile(d, `${ON_IXL1.replace(TWO_X710, "nosuch.json")}  host: false\n`);
    const r = await iovsim(["sweep", "plan", both, "--no-calibrate"]);
    expect(r.err).toMatch(/s\.yaml:3:7: host: .*nosuch\.json/);
  });

  it("fidelity reads no host: host is refused there, located", async () => {
    const d = tempDir("iovsim-sweep-host-");
    const f = sweepFile(d, `name: f\nexperiment: fidelity\nhost: ${TWO_X710}\naxes:\n  case: [eli-exits]\n`);
    const r = await iovsim(["sweep", "plan", f, "--no-calibrate"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/s\.yaml:3:\d+: .*host.*fidelity/);
  });

  it("a state reset with --host and a sweep naming none: said, not silently the default host", async () => {
    const d = tempDir("iovsim-sweep-host-");
    const state = join(d, "state");
    expect((await iovsim(["--state", state, "reset", "--host", TWO_X710])).code).toBe(0);
    const f = sweepFile(d, ON_IXL1.replace(`host: ${TWO_X710}\n`, "").replace("ixl1.conf", "ixl0.conf"));
    const r = await iovsim(["--state", state, "sweep", "plan", f, "--no-calibrate"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /your state's host file examples\/hosts\/two-x710\.json \(iovsim reset --host\) is not what the points run on: .*\(host: examples\/hosts\/two-x710\.json/,
    );
    // Named in the sweep file: nothing to say.
    const named = sweepFile(d, ON_IXL1);
    expect((await iovsim(["--state", state, "sweep", "plan", named, "--no-calibrate"])).err).toBe("");
  });
});
