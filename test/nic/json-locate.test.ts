// The JSON locator behind every "file:line:column" of a host file, cost profile or state file.
import { describe, expect, it } from "vitest";
import {
  jsonDuplicateKey,
  jsonErrorOffset,
  jsonPathOffset,
  jsonSyntaxReason,
  lineColumn,
} from "../../src/nic/json-locate.ts";

describe("json-locate", () => {
  it("columns count characters: é, € and 😀 are one column each; a tab is one; CRLF ends a line", () => {
    const text = '{\r\n\t"k": "é€😀", x\n}';
    expect(lineColumn(text, text.indexOf("x"))).toEqual({ line: 2, column: 14 }); // UTF-16 units would say 15
    expect(lineColumn("😀😀x", 4)).toEqual({ line: 1, column: 3 });
    expect(lineColumn("ab\ncd", 3)).toEqual({ line: 2, column: 1 });
  });

  it("syntax errors in text nested 200,000 levels deep are found without recursion", () => {
    const deep = `${"[".repeat(200_000)}1${"]".repeat(200_000)}`;
    expect(jsonErrorOffset(deep)).toBe(-1);
    expect(jsonErrorOffset(`${deep.slice(0, -1)}}`)).toBe(deep.length - 1);
    expect(jsonErrorOffset(`{"a": [1, {"b": tru}]}`)).toBe(16);
    expect(jsonErrorOffset(`{"a": 1,}`)).toBe(8);
    expect(jsonErrorOffset(`[1] 2`)).toBe(4);
  });

  it("a path is found past values nested 200,000 levels deep", () => {
    const text = `{"skip": ${"[".repeat(200_000)}${"]".repeat(200_000)}, "want": {"x": 1}}`;
    expect(jsonPathOffset(text, ["want", "x"])).toBe(text.lastIndexOf("1"));
  });

  it("a repeated key is found in the object that repeats it, not across objects or in arrays", () => {
    expect(jsonDuplicateKey('{"a": 1, "b": {"a": 2}, "c": ["a", "a"]}')).toBeUndefined();
    expect(jsonDuplicateKey('{"a": {"x": 1, "y": "x", "x": 2}}')).toEqual({ key: "x", at: 25, first: 7 });
    expect(jsonDuplicateKey('[{"k": 1}, {"k": 2, "\\u006b": 3}]')).toEqual({ key: "k", at: 20, first: 12 });
  });

  it("V8's messages lose their excerpt and position, keep the reason", () => {
    const reason = (t: string) => {
      try {
        JSON.parse(t);
      } catch (e) {
        return jsonSyntaxReason(e);
      }
    };
    expect(reason('{\n "v": NaN,\n "w": 1\n}')).toBe("Unexpected token 'N'");
    expect(reason('{"a": 1 "b": 2}')).toBe("Expected ',' or '}' after property value");
    expect(reason("")).toBe("Unexpected end of JSON input");
  });
});
