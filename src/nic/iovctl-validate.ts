// iovctl's validate phase (usr.sbin/iovctl/validate.c), run after the whole file parsed:
// required PF parameters, num_vfs >= 1, DEFAULT copied into every VF-i, required VF
// parameters, then VF sections beyond num_vfs. Also the one-call entry point that runs
// UCL -> parse -> validate and returns either an IovConfig or located diagnostics.
import type { Diagnostic, ParsedFile, ParsedParam, ParsedSection } from "./iovctl-parse.ts";
import { findDevice, parseSections } from "./iovctl-parse.ts";
import type { DeviceConfig, DeviceSchema, IovConfig, PfSchema } from "./types.ts";
import { type Pos, parseUcl, type UclObject, type UclSource } from "./ucl.ts";

/** Where each part of the final config came from, for located messages. */
export interface ConfigSource {
  pf?: ParsedSection;
  defaults?: ParsedSection;
  /** VF sections by index (only those written in the file). */
  vfs: Map<number, ParsedSection>;
  /** Best position for a VF (its section, else DEFAULT, else PF.num_vfs, else 1:1). */
  locateVf(index: number, key?: string): Pos;
  /** Position of a PF key (its value), else the PF section, else 1:1. */
  locatePf(key?: string): Pos;
}

export interface ValidateResult {
  /** Present when there were no errors. */
  config?: IovConfig;
  /**
   * The config built from the parts that were valid (bad keys and sections left out), even
   * when there were errors; lets `iovsim validate` run the kernel checks too. Absent when
   * num_vfs itself is unusable.
   */
  partialConfig?: IovConfig;
  /** num_vfs as read (even when other errors exist), if it was valid. */
  numVfs?: number;
  source: ConfigSource;
  diagnostics: Diagnostic[];
}

const FILE_START: Pos = { line: 1, column: 1 };

function findParam(section: ParsedSection | undefined, key: string): ParsedParam | undefined {
  const lower = key.toLowerCase();
  return section?.params.find((p) => p.key.toLowerCase() === lower);
}

function makeSource(
  pf: ParsedSection | undefined,
  defaults: ParsedSection | undefined,
  vfs: Map<number, ParsedSection>,
): ConfigSource {
  return {
    pf,
    defaults,
    vfs,
    locatePf(key) {
      if (key) {
        const p = findParam(pf, key);
        if (p) return p.valuePos;
      }
      return pf?.pos ?? FILE_START;
    },
    locateVf(index, key) {
      const vf = vfs.get(index);
      if (key) {
        const p = findParam(vf, key) ?? findParam(defaults, key);
        if (p) return p.valuePos;
      }
      if (vf) return vf.pos;
      if (defaults) return defaults.pos;
      return findParam(pf, "num_vfs")?.valuePos ?? pf?.pos ?? FILE_START;
    },
  };
}

function toDevice(section: ParsedSection | undefined): DeviceConfig {
  const dev: DeviceConfig = { driver: [], iov: [] };
  for (const p of section?.params ?? []) dev[p.subsystem].push([p.key, p.value]);
  return dev;
}

/** apply_subsystem_defaults(): DEFAULT keys the VF lacks are appended after the VF's own keys. */
function withDefaults(dev: DeviceConfig, defaults: DeviceConfig | undefined): DeviceConfig {
  if (!defaults) return dev;
  const merge = (own: DeviceConfig["iov"], extra: DeviceConfig["iov"]) => {
    const have = new Set(own.map(([k]) => k.toLowerCase()));
    return [...own, ...extra.filter(([k]) => !have.has(k.toLowerCase()))];
  };
  return { driver: merge(dev.driver, defaults.driver), iov: merge(dev.iov, defaults.iov) };
}

function missingRequired(dev: DeviceConfig, schema: DeviceSchema): string[] {
  const missing: string[] = [];
  for (const sub of ["driver", "iov"] as const) {
    const have = new Set(dev[sub].map(([k]) => k.toLowerCase()));
    for (const spec of schema[sub]) {
      if (spec.required && !have.has(spec.name.toLowerCase())) missing.push(spec.name);
    }
  }
  return missing;
}

/** validate_config(). Parse diagnostics come first; validate ones follow in FreeBSD's order. */
export function validateSections(parsed: ParsedFile, schema: PfSchema): ValidateResult {
  const diagnostics = [...parsed.diagnostics];
  const pf = parsed.sections.find((s) => s.kind === "PF");
  const defaults = parsed.sections.find((s) => s.kind === "DEFAULT");
  const vfSections = new Map<number, ParsedSection>();
  for (const s of parsed.sections) {
    if (s.kind === "VF" && s.vfNumber !== undefined && s.vfNumber <= 65535n)
      vfSections.set(Number(s.vfNumber), s);
  }
  const source = makeSource(pf, defaults, vfSections);
  const rejected = (kind: string, name: string, key: string) =>
    parsed.rejectedKeys.has(`${kind}:${name.toUpperCase()}:${key.toLowerCase()}`);
  const push = (pos: Pos, message: string) =>
    diagnostics.push({
      severity: "error",
      phase: "validate",
      ...(pos.file !== undefined ? { file: pos.file } : {}),
      line: pos.line,
      column: pos.column,
      message,
    });

  const pfDev = toDevice(pf);
  for (const name of missingRequired(pfDev, schema.pf)) {
    if (pf && rejected("PF", pf.name, name)) continue; // already reported as a type error
    push(pf?.pos ?? FILE_START, `Required parameter '${name}' not found in 'PF'`);
  }
  const numVfsEntry = pfDev.iov.find(([k]) => k.toLowerCase() === "num_vfs");
  const numVfs = numVfsEntry ? Number(numVfsEntry[1]) : undefined;
  const vfs: DeviceConfig[] = [];
  if (numVfs === 0) push(source.locatePf("num_vfs"), "PF.num_vfs must be at least 1");
  if (numVfs !== undefined && numVfs > 0) {
    const defaultDev = defaults ? toDevice(defaults) : undefined;
    for (let i = 0; i < numVfs; i++) {
      const dev = withDefaults(toDevice(vfSections.get(i)), defaultDev);
      for (const name of missingRequired(dev, schema.vf)) {
        const sec = vfSections.get(i);
        if (sec && rejected("VF", sec.name, name)) continue;
        if (defaults && rejected("DEFAULT", defaults.name, name)) continue;
        push(source.locateVf(i), `Required parameter '${name}' not found in 'VF-${i}'`);
      }
      vfs.push(dev);
    }
    // Sections left in the config nvlist after VF-0..n-1 were taken out: file order.
    for (const s of parsed.sections) {
      if (s.kind !== "VF" || s.vfNumber === undefined) continue;
      if (s.vfNumber > 65535n) push(s.pos, `VF number ${s.vfNumber} is too large to be valid`);
      else if (s.vfNumber >= BigInt(numVfs))
        push(s.pos, `VF number ${s.vfNumber} is out of bounds (num_vfs=${numVfs})`);
    }
  }
  const hasError = diagnostics.some((d) => d.severity === "error");
  return {
    config: hasError ? undefined : { pf: pfDev, vfs },
    partialConfig: vfs.length > 0 ? { pf: pfDev, vfs } : undefined,
    numVfs: numVfs !== undefined && numVfs > 0 ? numVfs : undefined,
    source,
    diagnostics,
  };
}

export interface LoadedConfig extends ValidateResult {
  root?: UclObject;
  /** PF.device as found by find_device, if found. */
  device?: string;
  /** Where that PF.device value is (to locate "no such device" when the host lacks it). */
  devicePos?: Pos;
}

/**
 * The whole userland pipeline on a file's text: UCL syntax, find_device, parse, validate.
 * Never throws. On a syntax error or a find_device error nothing else is checked (as iovctl).
 * With `file` (the text is that file's, see uclFileSource), `.include` reads what it names.
 */
export function loadIovConfig(
  text: string,
  schemaFor: (device: string) => PfSchema | undefined,
  file?: UclSource,
): LoadedConfig {
  const empty = makeSource(undefined, undefined, new Map());
  const parsed = parseUcl(text, file);
  if (!parsed.ok) {
    const e = parsed.error;
    return {
      source: empty,
      diagnostics: [
        {
          severity: "error",
          phase: "syntax",
          ...(e.file !== undefined ? { file: e.file } : {}),
          line: e.line,
          column: e.column,
          message: e.message,
        },
      ],
    };
  }
  const dev = findDevice(parsed.root);
  if (!dev.ok) return { root: parsed.root, source: empty, diagnostics: [dev.diagnostic] };
  const schema = schemaFor(dev.device);
  if (!schema)
    return { root: parsed.root, device: dev.device, devicePos: dev.pos, source: empty, diagnostics: [] };
  return {
    root: parsed.root,
    device: dev.device,
    devicePos: dev.pos,
    ...validateSections(parseSections(parsed.root, schema), schema),
  };
}
