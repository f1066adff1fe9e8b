// `paths --application`: the consumer's application reads every frame (app_rx_cycles on the
// consumer's CPU, in the JSON's per-resource cycles), the report notes it, and a command that
// has no consumer application to add refuses the option.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const stateDir = mkdtempSync(join(tmpdir(), "iovsim-app-"));
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

const RUN = ["paths", "--path", "vm-vf", "--size", "64", "--rate", "300kpps", "--profile", "kvm-posted"];
const args = [...RUN, "--workers", "1", "--json"];

describe("paths --application", () => {
  it("charges app_rx_cycles per frame on the guest's vCPU and says so in the notes", async () => {
    const on = await cli([...args, "--application"]);
    const off = await cli(args);
    expect(on.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(on.out));
    const j0 = pathsJsonSchema.parse(JSON.parse(off.out));
    const vcpu = (x: typeof j) => x.paths[0].load_points[0].cpu.find((c) => c.resource === "guest-vcpu0")!;
    // 64 B frames: 60 bytes in memory (no FCS), 18 of payload copied to user space per read.
    const c = loadCosts("kvm-posted").c;
    expect(vcpu(j).by_event.app).toBeCloseTo(c.app_rx_cycles + (18 / c.copy_gbytes_per_s) * c.cpu_ghz, 0);
    expect(vcpu(j0).by_event.app).toBeUndefined();
    expect(j.notes.join("\n")).toMatch(/--application: an application on the consumer's CPU/);
    expect(j0.notes.join("\n")).not.toMatch(/--application/);
  }, 60_000);

  it("is refused by a command it does not apply to", async () => {
    const r = await cli(["ping", "--application"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/ping: unknown option '--application'/);
  });
});
