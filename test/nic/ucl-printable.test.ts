// UCL syntax messages quote what the user wrote; a control character in it (a raw CR after a
// backslash, a key holding a newline) must be escaped so that every diagnostic stays
// one FILE:LINE:COL line (found by the config fuzz campaign, seed 1 cases 34506 and 59936).
import { describe, expect, it } from "vitest";
import { parseUcl } from "../../src/nic/ucl.ts";

function error(text: string) {
  const r = parseUcl(text);
  if (r.ok) throw new Error("expected a syntax error");
  return r.error;
}

const oneLine = (m: string) => [...m].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);

describe("UCL messages are one printable line", () => {
  it("a control character after a backslash in a string is shown escaped", () => {
    // libucl reads the CR again as an ordinary character: "unexpected control character".
    const e = error('PF { device = "ix\\\r0"; }');
    expect(e.message).toMatch(/^unexpected control character 0x0d inside a double-quoted string/);
    expect(oneLine(e.message)).toBe(true);
  });

  it("a key holding a newline is shown escaped in 'missing value'", () => {
    const e = error('PF { "a\\nb" }');
    expect(e.message).toBe("missing value for key 'a\\nb'");
    expect(oneLine(e.message)).toBe(true);
  });

  it("printable keys and escapes are shown as written", () => {
    expect(error("PF { dev+ice: 1 }").message).toMatch(/^invalid character '\+' in a key/);
    expect(error("PF { num_vfs }").message).toBe("missing value for key 'num_vfs'");
  });
});
