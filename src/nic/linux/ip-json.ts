// The JSON iproute2 prints for `ip -j` (and `-j -p`), byte for byte: its writer (lib/json_writer.c)
// separates values with "," and no space; pretty mode puts each object member on its own line,
// indented 4 spaces a level, and pads arrays as "[ a,b ]" (an empty one "[ ]"), objects inside
// arrays as "[ {...} ]". Emitting the same calls in the same order gives the same text.

/** A streaming writer with json_writer.c's separators and pretty-printing rules. */
export class IpJsonWriter {
  private text = "";
  private depth = 0;
  /** "," once a value was written at this level, "" at the start of an array or object. */
  private sep = "";

  constructor(private readonly pretty: boolean) {}

  private eor(): void {
    this.text += this.sep;
    this.sep = ",";
  }

  private eol(): void {
    if (this.pretty) this.text += `\n${"    ".repeat(this.depth)}`;
  }

  private begin(c: string): void {
    this.eor();
    this.text += c;
    this.depth++;
    this.sep = "";
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== "") this.eol();
    this.text += c;
    this.sep = ",";
  }

  /** A member name; the value written next is its value. */
  name(key: string): this {
    this.eor();
    this.eol();
    this.sep = "";
    this.text += `${JSON.stringify(key)}:${this.pretty ? " " : ""}`;
    return this;
  }

  startObject(key?: string): this {
    if (key !== undefined) this.name(key);
    this.begin("{");
    return this;
  }

  endObject(): this {
    this.end("}");
    return this;
  }

  startArray(key?: string): this {
    if (key !== undefined) this.name(key);
    this.begin("[");
    if (this.pretty) this.text += " ";
    return this;
  }

  endArray(): this {
    if (this.pretty && this.sep !== "") this.text += " ";
    this.sep = "";
    this.end("]");
    return this;
  }

  /** A string, number or boolean: as a member when `key` is given, else an array element. */
  value(v: string | number | boolean, key?: string): this {
    if (key !== undefined) this.name(key);
    this.eor();
    // Names and values here are ASCII without control characters: JSON.stringify escapes as
    // jsonw_puts does for them.
    this.text += typeof v === "string" ? JSON.stringify(v) : String(v);
    return this;
  }

  /** The document, with the newline jsonw_destroy() ends it with. */
  done(): string {
    return `${this.text}\n`;
  }
}
