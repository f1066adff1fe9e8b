// UCL syntax messages quote what the user wrote; a control character in it (a raw CR after a
// backslash, a single-quoted key spanning lines) must be escaped so that every diagnostic stays
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
  it("an invalid escape of a control character is shown escaped", () => {
    const e = error('PF { device = "ix\\\r0"; }');
    expect(e.message).toBe("invalid escape sequence '\\\\r' in string");
    expect(oneLine(e.message)).toBe(true);
  });

  it("a key spanning lines is shown escaped in 'missing value'", () => {
    const e = error("PF { 'a\nb' }");
    expect(e.message).toBe("missing value for key 'a\\nb'");
    expect(oneLine(e.message)).toBe(true);
  });

  it("printable keys and escapes are shown as written", () => {
    expect(error('PF { device = "a\\q"; }').message).toBe("invalid escape sequence '\\q' in string");
    expect(error("PF { num_vfs }").message).toBe("missing value for key 'num_vfs'");
  });
});
