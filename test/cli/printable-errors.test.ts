// A user error may quote the user's file (a JSON parser's excerpt of a binary file passed as a
// profile): control characters reach the terminal escaped, never raw (no NUL, no ESC).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { printable } from "../../src/cli/main.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const dir = tempDir("iovsim-printable-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("user errors are printable", () => {
  it("escapes control characters but keeps tabs, newlines and non-ASCII text", () => {
    expect(printable("a\x00b\x1b[31mc\x7f\td\ne é")).toBe("a\\x00b\\x1b[31mc\\x7f\td\ne é");
  });

  it("model show --profile BINARY: the parser's excerpt comes out escaped", async () => {
    const file = join(dir, "binary.json");
    writeFileSync(file, Buffer.from([0x78, 0x02, 0x00, 0x04, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
    const { code, err } = await iovsim(["--state", join(dir, "state"), "model", "show", "--profile", file]);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^iovsim: ${file}:1:\\d+: not valid JSON`));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(err.slice(0, -1)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
