// paths names the NIC (PF) its run used in every output, as the HTML report does: the terminal's
// header line and `--json`'s optional `nic` (a document without it still validates).
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { describeRun } from "../../src/report/paths-table.ts";
import { iovsim } from "../helpers/cli.ts";
import { pathsDoc } from "./paths-doc.ts";

/** `paths ...argv`, which must succeed: its stdout. */
async function paths(argv: string[]): Promise<string> {
  const r = await iovsim(["paths", ...argv]);
  expect(r.code).toBe(0);
  return r.out;
}

const RUN = ["--path", "native", "--size", "64", "--rate", "1Mpps", "--trial-ms", "0.2"];

describe("paths names its NIC", () => {
  it("--json has nic: the PF of the talk's configuration", async () => {
    const j = pathsJsonSchema.parse(JSON.parse(await paths([...RUN, "--json"])));
    expect(j.nic).toBe("ixl0");
  });

  it("the terminal's header line names the PF beside the link", async () => {
    expect(await paths(RUN)).toMatch(/10 Gbit\/s link \(PF ixl0\), constant arrivals/);
  });

  it("names the PF the run's frames crossed: ix0 when only passthrough ran, and ixl0 as unused", async () => {
    const argv = ["--path", "passthrough", "--size", "64", "--rate", "1Mpps", "--trial-ms", "0.2"];
    const out = await paths(argv);
    expect(out).toMatch(/10 Gbit\/s link \(PF ix0\), constant arrivals/);
    expect(out).toMatch(
      /: ixl0 with 3 VFs \(no path that ran uses it\)\n {2}passthrough: the PF ix0, passed through whole\n/,
    );
    expect(pathsJsonSchema.parse(JSON.parse(await paths([...argv, "--json"]))).nic).toBe("ix0");
    // With a path on ixl0 beside it, the run names ixl0 (as before).
    expect(await paths(["--path", "native,passthrough", ...RUN.slice(2)])).toMatch(
      /\(PF ixl0\)[\s\S]*ixl0 with 3 VFs\n/,
    );
  });

  it("a document without nic (written before it existed) validates and its header says no PF", () => {
    const doc = pathsDoc();
    expect(doc.nic).toBeUndefined();
    expect(describeRun(doc)).toMatch(/10 Gbit\/s link, constant arrivals/);
    expect(describeRun({ ...doc, nic: "ixl1" })).toContain("10 Gbit/s link (PF ixl1), ");
  });
});
