// End to end through bin/iovsim.js (a child Node with tsx's loader): the piscina workers, which
// are .ts files, must load under it.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "iovsim.js");

describe("iovsim paths via bin/iovsim.js", () => {
  it("fans simulations out over two workers and prints the JSON report", () => {
    const state = mkdtempSync(join(tmpdir(), "iovsim-e2e-"));
    const r = spawnSync(
      process.execPath,
      [
        bin,
        "--state",
        state,
        "paths",
        "--path",
        "virtio",
        "--size",
        "64",
        "--trial-ms",
        "0.2",
        "--precision",
        "10",
        "--workers",
        "2",
        "--json",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.simulator.workers).toBe(2);
    expect(j.paths[0].load_points).toHaveLength(3);
    expect(j.paths[0].load_points[0].conservation.ok).toBe(true);
  });

  it("a bad profile file is reported without a stack trace", () => {
    const r = spawnSync(process.execPath, [bin, "paths", "--profile", "/no/such.json"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^iovsim: --profile \/no\/such\.json: no such file/);
    expect(r.stderr).not.toMatch(/at .*:\d+:\d+/);
  });
});
