// A hand-written parser for the subset of UCL (libucl) that iovctl.conf(5) files use.
// Numbers are lexed by the port of libucl's lexer in ucl-number.ts.
// Every key and value keeps its 1-based line and column so later phases can point at it.
// It never throws: bad input yields a located syntax error.
//
// Supported: objects `NAME { ... }` / `NAME : {` / `NAME = {` (also a whole-file `{ ... }`;
// as in libucl an unquoted key must be followed by a blank, ':' or '=', so `NAME{` is an error),
// arrays `[a, b]`, entries `key (:|=)? value` ended by `;`, `,`, a newline or the closing `}`,
// double-quoted strings (JSON escapes), single-quoted strings (only \' is an escape),
// bare words, numbers as libucl lexes them (decimal, 0x hex, floats, k/kb/m/mb/g/gb
// multipliers, ms/s/min/h/d/w/y time suffixes), true/false/yes/no/on/off (any case), null,
// and comments `#` and nested `/* */` (libucl has no `//` comments), and, when the text comes from
// a file (a UclSource), libucl's `.include "path"` with `(try=BOOL)` and `(priority=N)`.
// Not supported (reported as syntax errors): the other macros (.priority, .load, .inherit,
// .includes, .try_include), the other .include parameters, heredoc strings (`<<EOD`).

import { type LexedNumber, lexUclNumber } from "./ucl-number.ts";

export interface Pos {
  line: number;
  column: number;
  /** The included file (the path as its `.include` named it); absent in the file itself. */
  file?: string;
}

export interface UclEntry {
  /** The key exactly as written (without quotes). */
  key: string;
  keyPos: Pos;
  value: UclValue;
}

export interface UclObject {
  kind: "object";
  /** Entries in file order; duplicate keys are kept (libucl turns them into an implicit array). */
  entries: UclEntry[];
  pos: Pos;
}

export interface UclArray {
  kind: "array";
  items: UclValue[];
  pos: Pos;
}

/** A UCL_STRING: quoted or bare. `quoted` keeps the distinction ("true" is a string, true is not). */
export interface UclString {
  kind: "string";
  value: string;
  quoted: boolean;
  pos: Pos;
}

/** UCL_INT (int64). */
export interface UclInt {
  kind: "int";
  value: bigint;
  text: string;
  pos: Pos;
}

/** UCL_FLOAT or UCL_TIME (time values are in seconds, as libucl stores them). */
export interface UclFloat {
  kind: "float" | "time";
  value: number;
  text: string;
  pos: Pos;
}

export interface UclBool {
  kind: "bool";
  value: boolean;
  text: string;
  pos: Pos;
}

export interface UclNull {
  kind: "null";
  text: string;
  pos: Pos;
}

export type UclScalar = UclString | UclInt | UclFloat | UclBool | UclNull;
export type UclValue = UclObject | UclArray | UclScalar;

export interface UclSyntaxError {
  line: number;
  column: number;
  message: string;
  /** The errno libucl leaves behind when it is not 0: ERANGE from strtod/strtoimax. */
  errno?: "ERANGE";
  /** strerror() of the errno a failed `.include` leaves (realpath(3) of a missing file). */
  strerror?: string;
  /** The included file the error is in; absent for the file itself. */
  file?: string;
}

/** A file `.include` asked for, as read (ucl-include.ts reads them from disk). */
export type IncludeRead =
  | { ok: true; realpath: string; text: string }
  | { ok: false; missing: boolean; why: string; strerror?: string };

/** The file being parsed: its realpath ($FILENAME, $CURDIR) and how to read what it includes. */
export interface UclSource {
  realpath: string;
  read(path: string): IncludeRead;
}

/** libucl's UCL_MAX_RECURSION: the file and its includes, 16 files deep at most. */
export const MAX_INCLUDE_NESTING = 16;

export type UclParseResult = { ok: true; root: UclObject } | { ok: false; error: UclSyntaxError };

/**
 * Deeper nesting than any iovctl.conf needs; keeps recursion bounded on hostile input. libucl
 * nests up to 65535 levels ("objects are nesting too deep"): a documented divergence.
 */
const MAX_DEPTH = 64;

class SyntaxFailure {
  constructor(
    readonly pos: Pos,
    readonly message: string,
    readonly errno?: "ERANGE",
    readonly strerror?: string,
  ) {}
}

/** The include chain a parser is in: the files' realpaths (outermost first) and how to read more. */
interface IncludeContext {
  source: UclSource;
  chain: { realpath: string; label?: string }[];
}

/**
 * Parses UCL text. Never throws. With `source` (the text is a file's), `.include` reads the files
 * it names; without, `.include` is an error.
 */
export function parseUcl(text: string, source?: UclSource): UclParseResult {
  try {
    const includes = source ? { source, chain: [{ realpath: source.realpath }] } : undefined;
    return { ok: true, root: new Parser(text, includes).parseDocument() };
  } catch (e) {
    if (e instanceof SyntaxFailure) {
      const { line, column, file } = e.pos;
      return {
        ok: false,
        error: {
          line,
          column,
          message: e.message,
          ...(e.errno ? { errno: e.errno } : {}),
          ...(e.strerror ? { strerror: e.strerror } : {}),
          ...(file !== undefined ? { file } : {}),
        },
      };
    }
    if (e instanceof RangeError) {
      // Defensive: a stack overflow is not a crash for the caller either.
      return { ok: false, error: { line: 1, column: 1, message: "input is nested too deeply" } };
    }
    throw e;
  }
}

/** True for the characters that end a bare value (besides comments): libucl's VALUE_END. */
function endsAtom(c: string): boolean {
  return isLineEnd(c) || c === ";" || c === "," || c === "}" || c === "]";
}

/**
 * A newline for libucl is '\n' or '\r' (both UCL_CHARACTER_VALUE_END): a CR ends a value and
 * an entry as LF does, so a file with CR line ends (or CRLF) reads as one with LF.
 */
function isLineEnd(c: string): boolean {
  return c === "\n" || c === "\r";
}

/** libucl's UCL_CHARACTER_KEY_START: so `// text` is the key "//" with the value "text". */
function isKeyStart(c: string): boolean {
  return /^[A-Za-z0-9_/]$/.test(c) || c.charCodeAt(0) >= 0x80;
}

/** libucl's UCL_CHARACTER_KEY: letters, digits, '_', '-', '.', '/' and any non-ASCII byte. */
function isKeyChar(c: string): boolean {
  return /^[A-Za-z0-9_\-./]$/.test(c) || c.charCodeAt(0) >= 0x80;
}

const BOOLEANS: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  false: false,
  no: false,
  off: false,
};

/** Describes a character for messages: printable as-is, others as U+XXXX. */
function show(c: string): string {
  if (c === "") return "end of file";
  if (c === "\n") return "newline";
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `control character 0x${code.toString(16).padStart(2, "0")}`;
  return `'${c}'`;
}

/** User text quoted in a message, with control characters escaped so the message stays one line. */
export function printable(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    if (!control) out += c;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, "0")}`
          : `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return out;
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  // No byte order mark is skipped: libucl has no such rule, and reads a leading U+FEFF as part of
  // the first key (UTF-8 bytes are key characters), so `\uFEFFPF { ... }` has no PF section.
  constructor(
    private readonly s: string,
    private readonly includes?: IncludeContext,
  ) {}

  /** The included file this parser reads, as its `.include` named it; undefined for the file itself. */
  private get file(): string | undefined {
    return this.includes?.chain[this.includes.chain.length - 1].label;
  }

  private pos(): Pos {
    const file = this.file;
    return { line: this.line, column: this.column(), ...(file !== undefined ? { file } : {}) };
  }

  /** Surrogate pairs on this line before `pairsUpTo` (an astral character is one column). */
  private pairs = 0;
  private pairsUpTo = 0;

  /**
   * The column of `i`, in characters (code points; a tab is one), as lineColumn counts them
   * (docs/reliability.md, "Line and column"): counted incrementally, so a long line costs once.
   */
  private column(): number {
    if (this.pairsUpTo < this.lineStart || this.pairsUpTo > this.i) {
      this.pairs = 0;
      this.pairsUpTo = this.lineStart;
    }
    for (; this.pairsUpTo < this.i; this.pairsUpTo++) {
      const c = this.s.charCodeAt(this.pairsUpTo);
      if (c >= 0xdc00 && c <= 0xdfff && this.pairsUpTo > this.lineStart) {
        const h = this.s.charCodeAt(this.pairsUpTo - 1);
        if (h >= 0xd800 && h <= 0xdbff) this.pairs++;
      }
    }
    return this.i - this.lineStart + 1 - this.pairs;
  }

  private peek(k = 0): string {
    return this.s[this.i + k] ?? "";
  }

  private advance(): string {
    const c = this.s[this.i++];
    if (c === "\n") {
      this.line++;
      this.lineStart = this.i;
    }
    return c;
  }

  private fail(message: string, at: Pos = this.pos(), errno?: "ERANGE", strerror?: string): never {
    throw new SyntaxFailure(at, message, errno, strerror);
  }

  /** Skips a comment starting here, if any. Returns true when one was skipped. */
  private skipComment(): boolean {
    const c = this.peek();
    // libucl (ucl_skip_comments, ucl_lex_is_comment) knows only '#' and '/* */': a '//' is
    // not a comment there (where a key starts it is a key; in a bare value it is text).
    if (c === "#") {
      while (this.i < this.s.length && this.peek() !== "\n") this.advance();
      return true;
    }
    if (c === "/" && this.peek(1) === "*") {
      const start = this.pos();
      let depth = 0;
      while (this.i < this.s.length) {
        if (this.peek() === "/" && this.peek(1) === "*") {
          depth++;
          this.advance();
          this.advance();
        } else if (this.peek() === "*" && this.peek(1) === "/") {
          depth--;
          this.advance();
          this.advance();
          if (depth === 0) return true;
        } else this.advance();
      }
      this.fail("unterminated '/*' comment", start);
    }
    return false;
  }

  /** Skips whitespace and comments; newlines (LF or CR) too when `newlines`. */
  private skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\v" || c === "\f" || (newlines && isLineEnd(c))) {
        this.advance();
      } else if (!this.skipComment()) return;
    }
  }

  parseDocument(): UclObject {
    this.skipSpace(true);
    const start = this.pos();
    let root: UclObject;
    if (this.peek() === "{") {
      this.advance();
      root = this.parseObjectBody(start, 1, true);
      this.endAfterOuterBraces();
    } else if (this.peek() === "[") {
      this.fail("the top level must be an object, not an array");
    } else {
      root = this.parseObjectBody({ line: 1, column: 1 }, 0, false);
    }
    return root;
  }

  /** An included file: its entries, parsed at `depth` (the including object's). */
  parseIncluded(depth: number): UclEntry[] {
    this.skipSpace(true);
    if (this.peek() === "{") {
      const start = this.pos();
      this.advance();
      const obj = this.parseObjectBody(start, depth + 1, true);
      this.endAfterOuterBraces();
      return obj.entries;
    }
    return this.parseObjectBody({ line: 1, column: 1 }, depth, false).entries;
  }

  /** After a braced top-level object only separators (libucl tolerates them) and space may follow. */
  private endAfterOuterBraces(): void {
    this.skipSpace(true);
    while (this.peek() === ";" || this.peek() === ",") {
      this.advance();
      this.skipSpace(true);
    }
    if (this.i < this.s.length)
      this.fail(`unexpected ${show(this.peek())} after the closing '}' of the top-level object`);
  }

  /** Parses entries up to the matching `}` (braced) or end of file (top level). */
  private parseObjectBody(open: Pos, depth: number, braced: boolean): UclObject {
    if (depth > MAX_DEPTH)
      this.fail(`objects nested deeper than ${MAX_DEPTH} levels (iovsim's limit; libucl's is 65535)`, open);
    const obj: UclObject = { kind: "object", entries: [], pos: open };
    // libucl takes separators after a value only (ucl_parse_after_value); where the first key of
    // an object or file should start, a ';' or ',' is ucl_parse_key's "invalid character".
    let afterValue = false;
    for (;;) {
      this.skipSpace(true);
      const c = this.peek();
      if (c === "") {
        if (braced)
          this.fail(
            `expected '}' before end of file (to close '{' at line ${open.line}, column ${open.column})`,
          );
        return obj;
      }
      if (c === "}") {
        if (!braced) this.fail("unexpected '}' without a matching '{'");
        this.advance();
        return obj;
      }
      if (c === ";" || c === ",") {
        // Stray separators after a value (e.g. `};`, `a: 1;;`) are harmless in libucl.
        if (!afterValue)
          this.fail(
            `unexpected '${c}' where a key should start (libucl takes ';' and ',' only after a value)`,
          );
        this.advance();
        continue;
      }
      afterValue = true;
      if (c === ".") {
        // ucl_parse_key(): a '.' where a key starts begins a macro.
        obj.entries.push(...this.parseMacro(depth));
        continue;
      }
      obj.entries.push(this.parseEntry(depth));
      this.endEntry(obj.entries[obj.entries.length - 1].value, braced);
    }
  }

  /**
   * A macro where a key starts (ucl_state_machine, UCL_STATE_MACRO_NAME / UCL_STATE_MACRO): the
   * name runs to a blank or '('; then optional (arguments), then the value: a double-quoted
   * string taken raw (no unescaping, as libucl), or a bare word. Only `.include` is simulated:
   * it returns the included file's entries, which join the object the macro is in.
   */
  private parseMacro(depth: number): UclEntry[] {
    const at = this.pos();
    this.advance();
    let name = "";
    while (this.i < this.s.length && !" \t\r\n(".includes(this.peek())) name += this.advance();
    if (name === "") this.fail("invalid macro name after '.'", at);
    if (name !== "include") {
      if (!LIBUCL_MACROS.has(name))
        this.fail(
          `unknown macro '.${printable(name)}' (libucl's are .include, .try_include, .includes, .priority, .load, .inherit)`,
          at,
        );
      const instead =
        name === "try_include" ? ': use .include(try=true) "FILE"' : ": put its effect in the file by hand";
      this.fail(
        `libucl's .${name} macro is not simulated by iovsim (FreeBSD's iovctl would run it)${instead}`,
        at,
      );
    }
    if (!this.includes)
      this.fail(".include is only simulated in a configuration read from a file (this text has no file)", at);
    this.skipSpace(true);
    const params = this.peek() === "(" ? this.parseIncludeParams() : { must: true };
    this.skipSpace(true);
    const pathPos = this.pos();
    const raw = this.readMacroValue();
    // After the value: blanks, newlines and ';' (ucl_parse_macro_value).
    while (" \t\r\n;".includes(this.peek()) && this.i < this.s.length) this.advance();
    return this.include(
      expandFileVars(raw, this.includes.chain[this.includes.chain.length - 1].realpath),
      params.must,
      at,
      pathPos,
      depth,
    );
  }

  /** `(try=true, priority=2)`: a UCL object, as ucl_parse_macro_arguments parses it. */
  private parseIncludeParams(): { must: boolean } {
    const open = this.pos();
    this.advance();
    const startIndex = this.i;
    let parens = 1;
    let quoted = false;
    for (;;) {
      const c = this.peek();
      if (c === "") this.fail("unterminated '(' of the .include parameters", open);
      if (quoted) {
        if (c === '"' && this.s[this.i - 1] !== "\\") quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === "(") parens++;
      else if (c === ")" && --parens === 0) break;
      this.advance();
    }
    const text = this.s.slice(startIndex, this.i);
    this.advance();
    const parsed = parseUcl(text);
    if (!parsed.ok) this.fail(`invalid .include parameters: ${parsed.error.message}`, open);
    let must = true;
    for (const e of parsed.root.entries) {
      const v = e.value;
      if (e.key === "try") {
        if (v.kind !== "bool")
          this.fail(
            `.include parameter try must be true or false, not ${printable(valueText(v))} (libucl ignores any other value)`,
            open,
          );
        must = !v.value;
      } else if (e.key === "priority") {
        // libucl's priority only decides between repeated keys, which iovsim refuses anyway.
        if (v.kind !== "int")
          this.fail(
            `.include parameter priority must be an integer, not ${printable(valueText(v))} (libucl ignores any other value)`,
            open,
          );
      } else if (LIBUCL_INCLUDE_PARAMS.has(e.key)) {
        this.fail(
          `the .include parameter '${e.key}' is not simulated by iovsim (only try and priority are)`,
          open,
        );
      } else {
        this.fail(
          `unknown .include parameter '${printable(e.key)}' (libucl ignores it; iovsim refuses it so nothing is dropped unseen; known: try, priority)`,
          open,
        );
      }
    }
    return { must };
  }

  /** The macro's value: a double-quoted string, raw, or a bare word up to a value end. */
  private readMacroValue(): string {
    const start = this.pos();
    const c = this.peek();
    if (c === "") this.fail("unexpected end of file after .include (expected a file name)", start);
    if (c === "{") this.fail('a { } body after .include is not simulated by iovsim: write .include "FILE"');
    let raw = "";
    if (c === '"') {
      this.advance();
      for (;;) {
        const d = this.peek();
        if (d === "") this.unterminated(start);
        if (d === "\n") this.fail("unexpected newline inside a double-quoted string");
        this.advance();
        if (d === '"') break;
        raw += d;
        if (d === "\\" && this.peek() !== "") raw += this.advance();
      }
    } else {
      while (this.i < this.s.length && !" \t\r\n;,]}".includes(this.peek())) raw += this.advance();
    }
    if (raw === "") this.fail("missing file name after .include", start);
    return raw;
  }

  /** ucl_include_file_single(): realpath, the self-include check, the nesting limit, the parse. */
  private include(path: string, must: boolean, at: Pos, pathPos: Pos, depth: number): UclEntry[] {
    const ctx = this.includes as IncludeContext;
    const got = ctx.source.read(path);
    if (!got.ok) {
      // With try=true libucl skips a file realpath() cannot resolve and one it cannot fetch.
      if (!must) return [];
      this.fail(
        `cannot open included file '${printable(path)}': ${got.why}`,
        pathPos,
        undefined,
        got.missing ? got.why : got.strerror,
      );
    }
    const current = ctx.chain[ctx.chain.length - 1];
    if (got.realpath === current.realpath)
      this.fail(
        `the file '${printable(current.label ?? got.realpath)}' includes itself (libucl refuses that)`,
        at,
      );
    if (ctx.chain.length + 1 > MAX_INCLUDE_NESTING) {
      const again = ctx.chain.find((f) => f.realpath === got.realpath);
      this.fail(
        `maximum include nesting limit is reached: ${ctx.chain.length + 1} (libucl reads ${MAX_INCLUDE_NESTING} files deep at most)${again ? `: an include cycle ('${printable(path)}' is already being read)` : ""}`,
        at,
      );
    }
    const inner = new Parser(got.text, {
      source: ctx.source,
      chain: [...ctx.chain, { realpath: got.realpath, label: path }],
    });
    return inner.parseIncluded(depth);
  }

  private parseKey(): { key: string; keyPos: Pos } {
    const keyPos = this.pos();
    const c = this.peek();
    if (c === '"') {
      const key = this.readDoubleQuoted();
      if (key === "") this.fail("empty key", keyPos);
      return { key, keyPos };
    }
    // ucl_parse_key() quotes keys JSON's way only: a single quote is no key start.
    if (c === "'")
      this.fail(`invalid character "'" in a key: libucl quotes a key with double quotes only ("key" or key)`);
    if (!isKeyStart(c)) this.fail(`expected a key, found ${show(c)}`, keyPos);
    let key = "";
    while (isKeyChar(this.peek())) key += this.advance();
    // ucl_parse_key(): an unquoted key ends only at a UCL_CHARACTER_KEY_SEP (blank, ':' or
    // '='); anything else, a newline or a '{' included, is "invalid character in a key".
    const after = this.peek();
    if (after === "") this.fail(`unfinished key '${printable(key)}' at the end of the file`, keyPos);
    if (after !== " " && after !== "\t" && after !== ":" && after !== "=") {
      this.fail(
        `invalid character ${show(after)} in a key: libucl needs a blank, ':' or '=' right after a key (write '${printable(key)} {', not '${printable(key)}{' or a '{' alone on the next line)`,
      );
    }
    return { key, keyPos };
  }

  private parseEntry(depth: number, inKeyPath = false): UclEntry {
    const { key, keyPos } = this.parseKey();
    // ucl_parse_key(): blanks and comments, with at most one ':' or '=' among them; then the
    // value, which may start on a later line (`PF \n{` is fine once the key has ended).
    let separator = false;
    for (;;) {
      this.skipSpace(false);
      const s = this.peek();
      if (s !== ":" && s !== "=") break;
      if (separator) this.fail(`unexpected '${s}' character (one ':' or '=' between a key and its value)`);
      // libucl: "key1 key2 ... keyN [:=] value <- we treat that as error" (it reads some such
      // lines as objects all the same; iovsim refuses each).
      if (inKeyPath)
        this.fail(
          `unexpected '${s}' after '${printable(key)}' in a key path (a b { }: no ':' or '=' inside it)`,
        );
      separator = true;
      this.advance();
    }
    // ucl_parse_key(): with no ':' or '=', a '{' or '[' later on the key's line makes the word
    // after the key a key too, of an object nested in this one: `VF 0 { }` is VF { 0 { } }.
    if (!separator && this.keyPathFollows()) {
      if (depth + 1 > MAX_DEPTH)
        this.fail(
          `objects nested deeper than ${MAX_DEPTH} levels (iovsim's limit; libucl's is 65535)`,
          keyPos,
        );
      const inner = this.parseEntry(depth + 1, true);
      return { key, keyPos, value: { kind: "object", entries: [inner], pos: inner.keyPos } };
    }
    this.skipSpace(true);
    const c = this.peek();
    if (c === "" || c === ";" || c === "," || c === "}" || c === "]") {
      this.fail(`missing value for key '${printable(key)}'`, c === "" ? keyPos : this.pos());
    }
    const value = this.parseValue(depth);
    return { key, keyPos, value };
  }

  /**
   * libucl's key-path test, on the raw text: the next character after blanks is not '{' or '[',
   * and one of them comes before the line's end or a ';' or ','.
   */
  private keyPathFollows(): boolean {
    let t = this.i;
    while (this.s[t] === " " || this.s[t] === "\t") t++;
    if (this.s[t] === "{" || this.s[t] === "[") return false;
    for (; t < this.s.length; t++) {
      const c = this.s[t];
      if (c === "," || c === ";" || isLineEnd(c)) return false;
      if (c === "{" || c === "[") return true;
    }
    return false;
  }

  /** After a value: a terminator, or the end of the enclosing object. */
  private endEntry(value: UclValue, braced: boolean): void {
    const composite = value.kind === "object" || value.kind === "array";
    const comment = this.skipAfterValue();
    const c = this.peek();
    if (c === ";" || c === "," || isLineEnd(c)) {
      this.advance();
      return;
    }
    if (c === "" || (c === "}" && braced)) return;
    // `PF { } VF-0 { }` on one line is fine; so is `device: "ixl0" /* PF */ num_vfs: 2`.
    if (composite || comment) return;
    this.fail(`expected ';', ',' or a newline after the value, found ${show(c)}`);
  }

  /**
   * ucl_parse_after_value(): blanks (space and tab only) and comments; true when a comment was
   * among them, for libucl takes a comment after a value as a separator.
   */
  private skipAfterValue(): boolean {
    let comment = false;
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t") this.advance();
      else if (this.skipComment()) comment = true;
      else return comment;
    }
  }

  private parseValue(depth: number): UclValue {
    const start = this.pos();
    const c = this.peek();
    if (c === "{") {
      this.advance();
      return this.parseObjectBody(start, depth + 1, true);
    }
    if (c === "[") {
      this.advance();
      return this.parseArray(start, depth + 1);
    }
    if (c === '"') return { kind: "string", value: this.readDoubleQuoted(), quoted: true, pos: start };
    if (c === "'") return { kind: "string", value: this.readSingleQuoted(), quoted: true, pos: start };
    if (c === "<" && this.peek(1) === "<")
      this.fail(
        "heredoc strings (<<EOD) are not simulated by iovsim (libucl reads them): use a quoted string",
      );
    return this.parseAtom(start, false);
  }

  private parseArray(open: Pos, depth: number): UclArray {
    if (depth > MAX_DEPTH)
      this.fail(`arrays nested deeper than ${MAX_DEPTH} levels (iovsim's limit; libucl's is 65535)`, open);
    const arr: UclArray = { kind: "array", items: [], pos: open };
    for (;;) {
      this.skipSpace(true);
      const c = this.peek();
      if (c === "")
        this.fail(
          `expected ']' before end of file (to close '[' at line ${open.line}, column ${open.column})`,
        );
      if (c === "]") {
        this.advance();
        return arr;
      }
      if (c === "," || c === ";") {
        // As in objects, only after an item: before the first one libucl reads an empty value.
        if (arr.items.length === 0)
          this.fail(`unexpected '${c}' before the first item of the array (libucl: an empty value)`);
        this.advance();
        continue;
      }
      if (c === "}") this.fail("unexpected '}' inside an array");
      const start = this.pos();
      let item: UclValue;
      if (c === "{") {
        this.advance();
        item = this.parseObjectBody(start, depth + 1, true);
      } else if (c === "[") {
        this.advance();
        item = this.parseArray(start, depth + 1);
      } else if (c === '"')
        item = { kind: "string", value: this.readDoubleQuoted(), quoted: true, pos: start };
      else if (c === "'") item = { kind: "string", value: this.readSingleQuoted(), quoted: true, pos: start };
      else item = this.parseAtom(start, true);
      arr.items.push(item);
      // After an item a newline or a comment separates as ',' does (ucl_parse_after_value).
      const comment = this.skipAfterValue();
      const n = this.peek();
      if (isLineEnd(n) || (comment && n !== "")) continue;
      if (n !== "," && n !== ";" && n !== "]" && n !== "") {
        this.fail(`expected ',' or ']' in array, found ${show(n)}`);
      }
    }
  }

  /** A bare value: runs to the end of line / separator / comment, trailing blanks trimmed. */
  private parseAtom(start: Pos, inArray: boolean): UclScalar {
    const startIndex = this.i;
    let raw = "";
    let escaped = false;
    for (;;) {
      const c = this.peek();
      if (c === "" || endsAtom(c)) break;
      if (c === "#" || (c === "/" && this.peek(1) === "*")) break;
      if (inArray && (c === " " || c === "\t")) break;
      if (c === "\\") {
        // ucl_parse_string_value(): a backslash takes the next character into the value (so
        // `a\;b` is one value); the value is JSON-unescaped afterwards.
        raw += this.advance();
        if (this.peek() !== "") raw += this.advance();
        escaped = true;
        continue;
      }
      // A quote inside a bare value is an ordinary character (ucl_parse_string_value); only
      // a value that starts with one is a quoted string.
      if (c === "{" || c === "[") {
        this.fail(`unexpected ${show(c)} inside an unquoted value (quote the value)`);
      }
      // libucl keeps any other control character in a bare value (ucl_parse_string_value);
      // a NUL byte is a documented divergence: libucl stops reading the file there.
      if (c === "\0") this.fail(`unexpected ${show(c)} in a value`);
      raw += this.advance();
    }
    // Only blanks (UCL_CHARACTER_WHITESPACE: space and tab) are cut from the end.
    const text = raw.replace(/[ \t]+$/, "");
    if (text === "") this.fail("missing value", start);
    const lower = text.toLowerCase();
    if (lower in BOOLEANS) return { kind: "bool", value: BOOLEANS[lower], text, pos: start };
    // libucl compares these three case-sensitively ("NULL" is a string).
    if (text === "null") return { kind: "null", text, pos: start };
    if (text === "nan" || text === "inf")
      return {
        kind: "float",
        value: text === "nan" ? Number.NaN : Number.POSITIVE_INFINITY,
        text,
        pos: start,
      };
    // ucl_parse_value(): a value starting with a digit or '-' goes through libucl's number lexer,
    // which reads on past the atom (a suffix must end the value, '/*' is not a value end).
    if (/^[-0-9]/.test(text)) {
      const num = lexUclNumber(this.s, startIndex);
      if (num === "erange") this.fail(`numeric value out of range: ${text}`, start, "ERANGE");
      if (num !== "einval") {
        const { end: _end, ...value } = num;
        return { ...value, text, pos: start };
      }
    }
    return { kind: "string", value: escaped ? unescapeJson(text) : text, quoted: false, pos: start };
  }

  /** The input ended inside a string: the error points at where the string opened. */
  private unterminated(open: Pos): never {
    this.fail(`unterminated string (opened at line ${open.line}, column ${open.column})`, open);
  }

  private readDoubleQuoted(): string {
    const open = this.pos();
    this.advance();
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "") this.unterminated(open);
      if (c === "\n") this.fail("unexpected newline inside a double-quoted string");
      // ucl_lex_json_string(): every byte below 0x1f, a tab included, is an error there.
      if (c.charCodeAt(0) < 0x1f)
        this.fail(`unexpected ${show(c)} inside a double-quoted string (write \\t, \\r, ...)`);
      const escPos = this.pos();
      this.advance();
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.peek();
      if (e === "") this.unterminated(open);
      // ucl_lex_json_string(): only UCL_CHARACTER_ESCAPE characters (" / \\ b f n r t u) are
      // taken with the backslash; any other is read again as an ordinary character (a newline
      // then ends in an error) and ucl_unescape_json_string() drops the backslash: "\x41" is
      // "x41".
      if (!'"/\\bfnrtu'.includes(e)) continue;
      this.advance();
      switch (e) {
        case "n":
          out += "\n";
          break;
        case "t":
          out += "\t";
          break;
        case "r":
          out += "\r";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "\\":
        case '"':
        case "/":
          out += e;
          break;
        case "u": {
          const hex = this.s.slice(this.i, this.i + 4);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("invalid \\u escape (need 4 hex digits)", escPos);
          for (let k = 0; k < 4; k++) this.advance();
          out += String.fromCharCode(Number.parseInt(hex, 16));
          break;
        }
        default:
          out += e;
      }
    }
  }

  private readSingleQuoted(): string {
    const open = this.pos();
    this.advance();
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "") this.unterminated(open);
      this.advance();
      if (c === "'") return out;
      if (c === "\\" && this.peek() === "'") {
        this.advance();
        out += "'";
      } else out += c;
    }
  }
}

/** The macros libucl registers (ucl_parser_new). */
const LIBUCL_MACROS = new Set(["include", "try_include", "includes", "priority", "load", "inherit"]);
/** The .include parameters libucl reads (ucl_include_common) besides try and priority. */
const LIBUCL_INCLUDE_PARAMS = new Set([
  "sign",
  "glob",
  "url",
  "prefix",
  "key",
  "target",
  "duplicate",
  "path",
]);

function valueText(v: UclValue): string {
  if (v.kind === "string") return `'${v.value}'`;
  if (v.kind === "object" || v.kind === "array") return `a${v.kind === "object" ? "n object" : "n array"}`;
  return v.text;
}

/**
 * ucl_expand_variable() with the two variables ucl_parser_set_filevars() defines: $FILENAME (the
 * file's realpath) and $CURDIR (its directory). `${VAR}` or `$VAR` (a prefix: `$CURDIRx` is the
 * directory then 'x'); `$$` is one '$', but only when some variable was expanded (libucl returns
 * the text untouched otherwise); an unknown variable stays as written.
 */
export function expandFileVars(text: string, realpath: string): string {
  const slash = realpath.lastIndexOf("/");
  const vars: [string, string][] = [
    ["FILENAME", realpath],
    ["CURDIR", slash > 0 ? realpath.slice(0, slash) : slash === 0 ? "/" : "."],
  ];
  let found = false;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "$" || i + 1 === text.length) {
      out += text[i++];
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    const strict = next === "{";
    const from = strict ? i + 2 : i + 1;
    const hit = vars.find(
      ([name]) => text.startsWith(name, from) && (!strict || text[from + name.length] === "}"),
    );
    if (hit) {
      found = true;
      out += hit[1];
      i = from + hit[0].length + (strict ? 1 : 0);
    } else {
      out += strict ? "${" : "$";
      i += strict ? 2 : 1;
    }
  }
  return found ? out : text;
}

/** ucl_unescape_json_string(): JSON escapes; any other escaped character stands for itself. */
function unescapeJson(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    if (i === text.length - 1) {
      out += c; // a backslash last stays (libucl issue #74)
      break;
    }
    const e = text[++i];
    const simple: Record<string, string> = { n: "\n", r: "\r", b: "\b", t: "\t", f: "\f" };
    if (e in simple) out += simple[e];
    else if (e === "u") {
      // libucl's loop, quirks included: with three or more characters after the 'u' it reads
      // four (the string's NUL terminator being the fourth when only three are left) as hex
      // until the first that is not (`\u12zz` is U+0120); with fewer it writes 'u' and steps
      // over the next character (`tr\ue` is "tru").
      if (text.length - i - 1 >= 3) {
        let uval = 0;
        for (let k = 1; k <= 4; k++) {
          uval *= 16;
          const d = text[i + k] ?? "";
          if (!/^[0-9A-Fa-f]$/.test(d)) break;
          uval += Number.parseInt(d, 16);
        }
        out += String.fromCharCode(uval);
        i += 4;
      } else {
        out += "u";
        i += 1;
      }
    } else out += e;
  }
  return out;
}

/**
 * Lexes a whole bare atom as libucl would: the number, null when it is not one (then it is a
 * string, as in libucl) or "range" when strtod/strtoimax overflow (a libucl syntax error).
 */
export function lexNumber(text: string): Omit<LexedNumber, "end"> | null | "range" {
  if (!/^[-0-9]/.test(text)) return null;
  const r = lexUclNumber(text, 0);
  if (r === "erange") return "range";
  if (r === "einval") return null;
  const { end: _end, ...num } = r;
  return num;
}

/**
 * What libucl's `ucl_iterate_object(obj, &it, true)` visits: each distinct key (exact spelling)
 * once, at its first occurrence, with its first value. libucl appends a repeated key to an
 * implicit array behind the first copy (ucl_parser_append_elt), and iterating an object with
 * expand_values walks the hash, which holds only the first copy: later copies are never seen.
 * (Checked by running libucl: `VF-0 { a: 1; a: 2 }` iterates `a` once, with the value 1.)
 */
export function libuclIterate(entries: UclEntry[]): UclEntry[] {
  const firsts = new Map<string, UclEntry>();
  for (const e of entries) if (!firsts.has(e.key)) firsts.set(e.key, e);
  return [...firsts.values()];
}

/**
 * The order iovctl's checks see entries in here: libucl's iteration order (libuclIterate), each
 * first copy followed by its later copies. FreeBSD's iovctl never sees those copies and silently
 * uses the first; iovsim shows them to its checks so that a repeated section or key is refused
 * ('Multiple definitions of ...', as the spec has it) instead of silently losing configuration
 * (docs/divergences.md).
 */
export function libuclOrder(entries: UclEntry[]): UclEntry[] {
  const groups = new Map<string, UclEntry[]>();
  for (const e of entries) {
    const g = groups.get(e.key);
    if (g) g.push(e);
    else groups.set(e.key, [e]);
  }
  return [...groups.values()].flat();
}

/** libucl's ucl_object_tostring: the text of a UCL string, null for anything else. */
export function uclToString(v: UclValue): string | null {
  return v.kind === "string" ? v.value : null;
}
