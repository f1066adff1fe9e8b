// iovctl's parse phase (usr.sbin/iovctl/parse.c): find_device, then the schema-driven second
// pass that turns a UCL document into typed sections. Messages are FreeBSD's, byte for byte;
// each diagnostic also carries the line and column of the offending key or value.
//
// Two ways to use it: iovctl stops at the first error (take diagnostics[0]); `iovsim validate`
// keeps going and reports every problem. The first diagnostic is always the one FreeBSD prints,
// because collecting never reorders or changes what happened before it.
import type { ParamSpec, ParamValue, PfSchema } from "./types.ts";
import { UINT_MAX, VF_VLAN_TRUNK } from "./types.ts";
import { libuclOrder, type Pos, type UclEntry, type UclObject, type UclValue, uclToString } from "./ucl.ts";

export type Phase = "syntax" | "device" | "parse" | "validate";

export interface Diagnostic {
  severity: "error" | "warning";
  phase: Phase;
  line: number;
  column: number;
  /** The included file the problem is in (as its `.include` named it); absent for the file itself. */
  file?: string;
  /** The message iovctl prints (FreeBSD's text, byte for byte). */
  message: string;
  /** A clearer message where FreeBSD's has artefacts ('(null)', "No error: 0"); for `validate`. */
  detail?: string;
}

export interface ParsedParam {
  /** Key as written in the file. */
  key: string;
  subsystem: "iov" | "driver";
  spec: ParamSpec;
  value: ParamValue;
  keyPos: Pos;
  valuePos: Pos;
}

export interface ParsedSection {
  /** Section name as written. */
  name: string;
  kind: "PF" | "DEFAULT" | "VF";
  /** VF-n: n as strtoul would read it (may exceed 65535). */
  vfNumber?: bigint;
  pos: Pos;
  params: ParsedParam[];
}

export interface ParsedFile {
  /** Accepted sections in the order libucl iterates them (duplicates and strays left out). */
  sections: ParsedSection[];
  /** Keys that were present but rejected, per section kind+name, so "required" checks stay quiet. */
  rejectedKeys: Set<string>;
  diagnostics: Diagnostic[];
}

const VF_PATTERN = /^VF-([1-9][0-9]*|0)$/i;

/**
 * A libucl key or string as iovctl's C code reads it: up to its first NUL. libucl keeps a NUL
 * that a "\u0000" escape makes (the object has its length), but iovctl only ever takes the
 * char pointer (ucl_object_key, ucl_object_tostring): `"ixl0\u0000x"` is the device ixl0.
 */
export function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** ucl_object_tostring() as C reads it: the string up to its first NUL, null for anything else. */
function tostring(v: UclValue): string | null {
  const s = uclToString(v);
  return s === null ? null : cString(s);
}

/** For `validate`: a key or string that iovctl reads shorter than written, because of a NUL. */
function nulWarning(pos: Pos, what: string, written: string): Diagnostic | undefined {
  if (!written.includes("\0")) return undefined;
  return diag(
    "parse",
    pos,
    `${what} holds a NUL character (\\u0000): iovctl reads only what precedes it, '${cString(written)}'`,
    "warning",
  );
}
/** FreeBSD's strerror(0); iovctl's err() appends it when errno is 0. (Exact text unverified.) */
export const STRERROR_ZERO = "No error: 0";

function diag(
  phase: Phase,
  pos: Pos,
  message: string,
  severity: "error" | "warning" = "error",
  detail?: string,
): Diagnostic {
  return {
    severity,
    phase,
    ...(pos.file !== undefined ? { file: pos.file } : {}),
    line: pos.line,
    column: pos.column,
    message,
    ...(detail ? { detail } : {}),
  };
}

export type FindDeviceResult = { ok: true; device: string; pos: Pos } | { ok: false; diagnostic: Diagnostic };

/** find_device(): the first top-level `PF` (any case), then its first `device` key (any case). */
export function findDevice(root: UclObject): FindDeviceResult {
  for (const top of libuclOrder(root.entries)) {
    if (cString(top.key).toUpperCase() !== "PF") continue;
    for (const e of sectionEntries(top)) {
      if (cString(e.key).toLowerCase() !== "device") continue;
      const device = tostring(e.value);
      if (device === null) {
        return {
          ok: false,
          diagnostic: diag(
            "device",
            e.value.pos,
            `Config PF.device must be a string: ${STRERROR_ZERO}`,
            "error",
            `PF.device must be a quoted device name such as "ixl0", not ${describeValue(e.value)}`,
          ),
        };
      }
      return { ok: true, device, pos: e.value.pos };
    }
    break;
  }
  const message = "Config file does not specify device";
  // A byte order mark is part of the first key for libucl: `PF` is then not found.
  const bom = root.entries[0]?.key.startsWith("\uFEFF")
    ? `${message}: the file starts with a UTF-8 byte order mark (EF BB BF), which libucl reads as part of the first key; save the file without it`
    : undefined;
  return { ok: false, diagnostic: diag("device", { line: 1, column: 1 }, message, "error", bom) };
}

/**
 * What ucl_iterate_object(section, &it, true) yields: an object's entries (duplicates grouped),
 * or, for a scalar section such as `PF = 5`, the scalar itself under the section's key.
 */
function sectionEntries(section: UclEntry): UclEntry[] {
  const v = section.value;
  if (v.kind === "object") return libuclOrder(v.entries);
  if (v.kind === "array") return [];
  return [section];
}

/** The second pass of parse_config_file(): sections in libucl order, keys checked against the schema. */
export function parseSections(root: UclObject, schema: PfSchema): ParsedFile {
  const out: ParsedFile = { sections: [], rejectedKeys: new Set(), diagnostics: [] };
  const seen = new Set<string>();
  let processedVf = false;
  for (const entry of libuclOrder(root.entries)) {
    const nul = nulWarning(entry.keyPos, `Section name '${entry.key}'`, entry.key);
    if (nul) out.diagnostics.push(nul);
    const top = { ...entry, key: cString(entry.key) };
    const upper = top.key.toUpperCase();
    let kind: ParsedSection["kind"];
    let vfNumber: bigint | undefined;
    if (upper === "PF") kind = "PF";
    else if (upper === "DEFAULT") {
      kind = "DEFAULT";
      if (processedVf)
        out.diagnostics.push(diag("parse", top.keyPos, "'default' section must precede all VF sections"));
    } else if (VF_PATTERN.test(top.key)) {
      kind = "VF";
      processedVf = true;
      vfNumber = strtoulDecimal(top.key.slice(3));
    } else {
      const msg = `Unexpected top-level node: ${top.key}`;
      out.diagnostics.push(diag("parse", top.keyPos, msg, "error", slashSlashHint(top.key, msg)));
      continue;
    }
    // parse_device_config(): nvlist_exists() on an NV_FLAG_IGNORE_CASE list.
    const duplicate = seen.has(upper);
    if (duplicate) {
      out.diagnostics.push(diag("parse", top.keyPos, `Multiple definitions of '${top.key}' in config file`));
    }
    seen.add(upper);
    if (top.value.kind === "array") {
      // iovctl would crash on the key-less array elements; we say what is wrong instead.
      out.diagnostics.push(
        diag("parse", top.value.pos, `${top.key}: section must be an object, not an array`),
      );
      continue;
    }
    const section: ParsedSection = { name: top.key, kind, vfNumber, pos: top.keyPos, params: [] };
    const deviceSchema = kind === "PF" ? schema.pf : schema.vf;
    parseDeviceParams(top, section, deviceSchema, out);
    if (!duplicate) out.sections.push(section);
  }
  return out;
}

function parseDeviceParams(
  top: UclEntry,
  section: ParsedSection,
  deviceSchema: PfSchema["pf"],
  out: ParsedFile,
): void {
  const taken = new Set<string>();
  for (const entry of sectionEntries(top)) {
    const nul = nulWarning(entry.keyPos, `${section.name}: key '${entry.key}'`, entry.key);
    if (nul) out.diagnostics.push(nul);
    const e = { ...entry, key: cString(entry.key) };
    const lower = e.key.toLowerCase();
    let subsystem: "iov" | "driver" = "iov";
    let spec = deviceSchema.iov.find((p) => p.name.toLowerCase() === lower);
    if (!spec) {
      subsystem = "driver";
      spec = deviceSchema.driver.find((p) => p.name.toLowerCase() === lower);
    }
    if (!spec) {
      const msg = `${section.name}: Invalid config key '${e.key}'`;
      out.diagnostics.push(diag("parse", e.keyPos, msg, "error", slashSlashHint(e.key, msg)));
      continue;
    }
    const converted = convertValue(e.key, spec.type, e.value);
    if (converted.ok && e.value.kind === "string") {
      const cut = nulWarning(e.value.pos, `${section.name}: the value of '${e.key}'`, e.value.value);
      if (cut) out.diagnostics.push(cut);
    }
    if (!converted.ok) {
      out.diagnostics.push(diag("parse", e.value.pos, converted.message, "error", converted.detail));
      out.rejectedKeys.add(`${section.kind}:${section.name.toUpperCase()}:${lower}`);
      continue;
    }
    if (taken.has(lower)) {
      // Divergence: FreeBSD's libnv latches EEXIST here and fails later without a clear message.
      out.diagnostics.push(
        diag("parse", e.keyPos, `${section.name}: Multiple definitions of config key '${e.key}'`),
      );
      continue;
    }
    taken.add(lower);
    section.params.push({
      key: e.key,
      subsystem,
      spec,
      value: converted.value,
      keyPos: e.keyPos,
      valuePos: e.value.pos,
    });
  }
}

/** For `validate`: a key "//" is a C++-style comment libucl read as a key (UCL has none). */
function slashSlashHint(key: string, message: string): string | undefined {
  return key.startsWith("//")
    ? `${message} ('//' does not start a comment in UCL: use # or /* */)`
    : undefined;
}

type Converted = { ok: true; value: ParamValue } | { ok: false; message: string; detail?: string };

/** A UCL value as a user would name it: the text written, or what kind of thing it is. */
export function describeValue(v: UclValue): string {
  switch (v.kind) {
    case "string":
      return `'${v.value}'`;
    case "object":
      return "a section ({ ... })";
    case "array":
      return "a list ([ ... ])";
    default:
      return `${v.kind === "int" || v.kind === "float" || v.kind === "time" ? "the number" : v.kind === "bool" ? "the boolean" : "the value"} ${v.text}`;
  }
}

function typeError(key: string, v: UclValue, type: string): Converted {
  return {
    ok: false,
    message: `Value '${tostring(v) ?? "(null)"}' of key '${key}' is not of type ${type}`,
    // FreeBSD prints '(null)' for a value that is not a string; validate names what it is.
    ...(tostring(v) === null
      ? { detail: `Value of key '${key}' is not of type ${type}: it is ${describeValue(v)}` }
      : {}),
  };
}

/** ucl_object_toint_safe(): ints as-is, floats and times truncated toward zero. */
function toInt(v: UclValue): bigint | null {
  if (v.kind === "int") return v.value;
  if (v.kind === "float" || v.kind === "time") {
    const t = Math.trunc(v.value);
    if (!Number.isFinite(t) || Math.abs(t) >= 2 ** 63) return null;
    return BigInt(t);
  }
  return null;
}

function numberValue(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** add_config(): checks a UCL value against a schema type and converts it to the nvlist value. */
export function convertValue(key: string, type: string, v: UclValue): Converted {
  switch (type) {
    case "bool":
      return v.kind === "bool" ? { ok: true, value: v.value } : typeError(key, v, "bool");
    case "string":
      return v.kind === "string" ? { ok: true, value: cString(v.value) } : typeError(key, v, "string");
    case "uint8_t":
    case "uint16_t":
    case "uint32_t":
    case "uint64_t": {
      const n = toInt(v);
      const max = UINT_MAX[type] ?? 0n;
      if (n === null || n < 0n || n > max) return typeError(key, v, type);
      return { ok: true, value: numberValue(n) };
    }
    case "unicast-mac":
      return convertMac(key, v);
    case "vlan": {
      const s = tostring(v);
      if (s !== null) {
        if (s.toLowerCase() === "trunk") return { ok: true, value: VF_VLAN_TRUNK };
        return typeError(key, v, "vlan");
      }
      const n = toInt(v);
      if (n === null || n < 0n || n > 4095n) return typeError(key, v, "vlan");
      return { ok: true, value: Number(n) };
    }
    default:
      return { ok: false, message: `Unexpected type '${type}' in schema` };
  }
}

/** add_unicast_mac_config(): strtok_r on ':' (empty fields vanish), strtoul(token, 16) per field. */
function convertMac(key: string, v: UclValue): Converted {
  const s = tostring(v);
  if (s === null) return typeError(key, v, "unicast-mac");
  const tokens = s.split(":").filter((t) => t !== "");
  const mac = new Uint8Array(6);
  let i = 0;
  for (const token of tokens) {
    if (token.length < 1 || token.length > 2) return typeError(key, v, "unicast-mac");
    const value = strtoul16Whole(token);
    if (value === null || value > 255n) return typeError(key, v, "unicast-mac");
    if (i >= 6) return typeError(key, v, "unicast-mac");
    mac[i++] = Number(value);
  }
  if (i !== 6) return typeError(key, v, "unicast-mac");
  if (mac[0] & 1) return { ok: false, message: `Value '${s}' of key '${key}' is a multicast address` };
  return { ok: true, value: mac };
}

/**
 * strtoul(token, &end, 16) that must consume the whole token: leading white space and a sign
 * are allowed (so "+a" and "-0" pass, "-1" wraps to ULONG_MAX and is out of range).
 */
function strtoul16Whole(token: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9A-Fa-f]+)$/.exec(token);
  if (!m) return null;
  const n = BigInt(`0x${m[2]}`);
  if (m[1] === "-" && n !== 0n) return 0xffffffffffffffffn - n + 1n;
  return n;
}

/** strtoul(s, NULL, 10) for an all-digit string, saturating at ULONG_MAX like FreeBSD's libc. */
function strtoulDecimal(digits: string): bigint {
  const n = BigInt(digits);
  const max = 0xffffffffffffffffn;
  return n > max ? max : n;
}
