// Issue 9 item 9, the short campaign CI runs: every fuzz target with a few thousand inputs must
// show no trap, no hang, no unlocated error (the same checks as `npm run fuzz`), and a campaign
// must reproduce from its seed. The long campaigns and their figures are in docs/reliability.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CampaignResult, FailureLog } from "../../src/fuzz/campaign.ts";
import { runTarget } from "../../src/fuzz/run-target.ts";
import { loadModule } from "../../src/switch/wasm.ts";

const SEED = 20261202;
const reproDir = mkdtempSync(join(tmpdir(), "iovsim-fuzz-short-"));

beforeAll(async () => {
  await loadModule(); // builds build/release.wasm when stale
});
afterAll(() => rmSync(reproDir, { recursive: true, force: true }));

function clean(r: CampaignResult): void {
  const shown = r.failures
    .slice(0, 5)
    .map((f) => `${f.kind} case ${f.caseIndex}: ${f.message.slice(0, 300)} (${f.reproducer})`);
  expect(shown, `seed ${r.seed}`).toEqual([]);
}

describe("short fuzz campaign (CI)", () => {
  it("frames: 15,000 frames through the Wasm parser and switch, sampled against the reference", async () => {
    const r = await runTarget("frames", { seed: SEED, count: 15_000, reproDir });
    clean(r);
    expect(r.units).toBeGreaterThanOrEqual(15_000);
    expect(r.outcomes["groups-compared-with-reference"]).toBeGreaterThan(0);
    expect(r.outcomes["frames-compared-switch"]).toBeGreaterThan(1000);
    expect(r.outcomes["frames-compared-parser"]).toBeGreaterThan(1000);
    // The traffic reaches every kind of outcome, not only early drops.
    for (const k of ["delivered", "wire", "l2-filter", "mac-spoof", "runt", "replicated"])
      expect(r.outcomes[k] ?? 0, k).toBeGreaterThan(0);
  });

  it("config: 1,000 mutated iovctl.conf files give a configuration or located diagnostics", async () => {
    const r = await runTarget("config", { seed: SEED, count: 1_000, reproDir });
    clean(r);
    expect(r.outcomes.accepted ?? 0).toBeGreaterThan(0);
    expect(r.outcomes["rejected:syntax"] ?? 0).toBeGreaterThan(0);
    expect(r.outcomes["rejected:parse"] ?? 0).toBeGreaterThan(0);
  });

  it("pcap: 3,000 mutated capture files give records or an error naming the file and offset", async () => {
    const r = await runTarget("pcap", { seed: SEED, count: 3_000, reproDir });
    clean(r);
    expect(r.outcomes.rejected ?? 0).toBeGreaterThan(0);
    expect(r.outcomes["records+error"] ?? 0).toBeGreaterThan(0);
  });

  it("state: 800 mutated state files load or fail naming the state file, never crash or reset", async () => {
    const r = await runTarget("state", { seed: SEED, count: 800, reproDir });
    clean(r);
    expect(r.outcomes.rejected ?? 0).toBeGreaterThan(0);
    expect(r.outcomes.loaded ?? 0).toBeGreaterThan(0);
  });

  it("a campaign reproduces from its seed; another seed gives other inputs", async () => {
    const a = await runTarget("pcap", { seed: 5, count: 500, reproDir: "" });
    const b = await runTarget("pcap", { seed: 5, count: 500, reproDir: "" });
    const c = await runTarget("pcap", { seed: 6, count: 500, reproDir: "" });
    expect(b).toEqual(a);
    expect(c.outcomes).not.toEqual(a.outcomes);
    const f1 = await runTarget("frames", { seed: 5, count: 1_000, reproDir: "" });
    const f2 = await runTarget("frames", { seed: 5, count: 1_000, reproDir: "" });
    expect(f2).toEqual(f1);
  });

  it("a failure names its seed and case and writes a reproducer with the replay command", () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-fuzz-repro-"));
    const log = new FailureLog("config", { seed: 42, count: 1, reproDir: dir });
    log.fail("unlocated", 17, "example", () => ({ file: "PF {" }));
    const f = log.failures[0]!;
    expect(f.reproducer).toBe(join(dir, "config-seed42-case17-unlocated.json"));
    const body = JSON.parse(readFileSync(f.reproducer!, "utf8"));
    expect(body).toMatchObject({
      seed: 42,
      case: 17,
      replay: "npm run fuzz -- --target config --seed 42 --case 17",
      input: { file: "PF {" },
    });
  });

  it("npm run fuzz: runs a target in a watched child process; a bad option exits 2", () => {
    const script = join(import.meta.dirname, "..", "..", "scripts", "fuzz.ts");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
        encoding: "utf8",
        timeout: 60_000,
      });
    const ok = run("--target", "pcap", "--seed", "3", "--count", "50", "--repro-dir", reproDir);
    expect(ok.stdout).toMatch(/^pcap: seed 3: 50 capture files in 50 cases, 0 failures/m);
    expect(ok.status).toBe(0);
    const bad = run("--target", "nope");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--target must be one of frames, config, pcap, state");
    expect(existsSync(script)).toBe(true);
  });
});
