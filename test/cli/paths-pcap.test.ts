// `paths --pcap`: the engine does not replay captures yet, so the option is refused with the
// reason and the command that does run a capture (never accepted and silently ignored).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

const captures = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const stateDir = mkdtempSync(join(tmpdir(), "iovsim-pcap-"));
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

describe("paths --pcap", () => {
  it("is refused with the reason and the alternative, before anything runs", async () => {
    const r = await cli(["paths", "--path", "native", "--pcap", join(captures, "QinQpacket.pcap")]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^iovsim: --pcap: replaying a capture through the virtual-time engine is not supported yet/,
    );
    expect(r.err).toMatch(/iovsim switch -f iovctl\.conf --in wire=FILE/);
  });
});
