// `paths --rate R`: a load point that keeps a resource busy for its whole trial is said to be
// beyond what the path sustains, even when its queues absorbed the excess (0 % loss shown).
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

async function paths(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(["paths", ...argv, "--json"], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
  });
  expect(code, err).toBe(0);
  return JSON.parse(out) as { notes: string[]; results: unknown[] };
}

describe("paths --rate: a saturated load point", () => {
  it("above what vhost sustains: a note names the busy resource", async () => {
    const j = await paths("--path", "virtio-tap", "--size", "64", "--rate", "1.3Mpps");
    const note = j.notes.find((n) => n.includes("busy for the whole trial"));
    expect(note).toMatch(/^virtio-tap rx 64: at --rate 1\.3Mpps vhost0 was busy for the whole trial/);
  });

  it("well below it: no such note", async () => {
    const j = await paths("--path", "virtio-tap", "--size", "64", "--rate", "0.3Mpps");
    expect(j.notes.some((n) => n.includes("busy for the whole trial"))).toBe(false);
  });
});
