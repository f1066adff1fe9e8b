// A sweep file (YAML, or JSON, which YAML reads too): which experiment, the axes it crosses,
// the seed policy and the options every point shares. Parsed with positions so that every
// error names file:line:column (the node at fault), validated with zod.
import { readFileSync } from "node:fs";
import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { formatLocated, UserError } from "../errors.ts";
import { isSpecialFile } from "../input-file.ts";
import { fsStrerror } from "../nic/errno.ts";

/** Experiments a sweep can run: each point is one `iovsim <experiment> ... --json` run. */
export const EXPERIMENTS = ["paths", "steering", "fidelity"] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

/** fidelity's cases fix their own scenarios and seeds: it takes no --seed (the sweep's is unused). */
export const TAKES_SEED: Readonly<Record<Experiment, boolean>> = {
  paths: true,
  steering: true,
  fidelity: false,
};

/**
 * Exit statuses after which the experiment's JSON is a result: fidelity exits 1 when a case
 * fails, and that verdict is what a fidelity sweep collects (a usage error prints no JSON);
 * paths and steering exit 3 when they completed with an --inject-fault (src/engine/faults.ts
 * FAULT_EXIT_STATUS; not imported: nothing here imports the engine), and what the fault did
 * is the result a fault sweep collects. Exit 2 (conservation violated) stays a failure.
 */
export const RESULT_STATUSES: Readonly<Record<Experiment, readonly number[]>> = {
  paths: [0, 3],
  steering: [0, 3],
  fidelity: [0, 1],
};

const scalar = z.union([z.string().min(1), z.number().finite(), z.boolean()], {
  error: "a value is a string, a finite number or true/false",
});
const range = z
  .object({
    from: z.number().finite(),
    to: z.number().finite(),
    step: z.number().finite().positive(),
    /** Appended to each value: "%" gives 10%, 20%, ...; "Mpps" gives 1Mpps, ... */
    unit: z.string().optional(),
  })
  .strict()
  .refine((r) => r.to >= r.from, { message: "'to' must not be below 'from'", path: ["to"] })
  // A step that is not positive has its own error above; dividing by it would add a second.
  .refine((r) => !(r.step > 0) || rangeLength(r) <= MAX_RANGE_VALUES, {
    message: "a range of more than 10,000 values",
    path: ["step"],
  });

const optionName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*$/,
    "an option name is lower-case letters, digits and '-' (e.g. trial-ms), without '--'",
  );

/** Experiments whose points read the simulated host (paths: the PFs a config names; steering:
 *  --port): a sweep of these may name a host file. */
export const HOST_EXPERIMENTS: readonly Experiment[] = ["paths", "steering"];

/** A range longer than this is almost certainly a mistake (a step too small). */
export const MAX_RANGE_VALUES = 10_000;
/** Sweeps larger than this are almost certainly a mistake in a range. */
export const MAX_POINTS = 100_000;

/** How many values a range gives ('to' is included when it falls on a step). */
function rangeLength(r: { from: number; to: number; step: number }): number {
  return Math.floor((r.to - r.from) / r.step + 1e-9) + 1;
}

const axisSchema = z.union([z.array(scalar).min(1), range], {
  error: "an axis is a list of values (e.g. [64, 1518]) or a range {from, to, step[, unit]}",
});

export const sweepSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "a sweep name is letters, digits, '.', '_' and '-'"),
    experiment: z.enum(EXPERIMENTS),
    /** Every axis is crossed with every other (the product). */
    axes: z.record(optionName, axisSchema).refine((a) => Object.keys(a).length > 0, {
      message: "a sweep needs at least one axis",
    }),
    seed: z
      .object({
        /** fixed: every point runs with `value`; per-point: `value` + a hash of the point's coordinates. */
        policy: z.enum(["fixed", "per-point"]),
        value: z
          .number()
          .int()
          .nonnegative()
          .max(2 ** 31 - 1),
      })
      .strict()
      .default({ policy: "fixed", value: 1 }),
    /** Options every point gets, e.g. { "trial-ms": 2, "direction": "rx" }. */
    options: z.record(optionName, scalar).default({}),
    /** The host every point's private state is made from (`iovsim reset --host FILE`); none:
     *  the embedded default host. Relative to the directory `sweep run` starts in. */
    host: z.string().min(1, "a host file name, not an empty string").optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const k of Object.keys(s.axes)) {
      if (k in s.options)
        ctx.addIssue({
          code: "custom",
          message: `'${k}' is both an axis and a fixed option`,
          path: ["options", k],
        });
      if (RESERVED.has(k))
        ctx.addIssue({ code: "custom", message: `'${k}' is set by the sweep itself`, path: ["axes", k] });
      // A value listed twice is the same point twice: the same run, and a merged table with
      // two identical rows.
      const axis = s.axes[k];
      if (Array.isArray(axis))
        axis.forEach((v, i) => {
          if (axis.indexOf(v) < i)
            ctx.addIssue({
              code: "custom",
              message: `'${String(v)}' is listed twice in axis '${k}' (each value is one point per combination)`,
              path: ["axes", k, i],
            });
        });
    }
    // fidelity's cases build their own hosts: a host it would not read is a mistake.
    if (s.host !== undefined && !HOST_EXPERIMENTS.includes(s.experiment))
      ctx.addIssue({
        code: "custom",
        message: `'host' is for ${HOST_EXPERIMENTS.join(" and ")} sweeps: ${s.experiment} reads no host`,
        path: ["host"],
      });
    for (const k of Object.keys(s.options))
      if (RESERVED.has(k))
        ctx.addIssue({ code: "custom", message: `'${k}' is set by the sweep itself`, path: ["options", k] });
    // Refused here, where the axes can be named, rather than by the plan with the file alone.
    // (A range refused on its own, a step <= 0 or too many values, is not counted twice.)
    const lengths = Object.values(s.axes).map(axisLength);
    const count = lengths.reduce((n, l) => n * l, 1);
    if (lengths.every((l) => l >= 1) && count > MAX_POINTS)
      ctx.addIssue({
        code: "custom",
        message: `the axes give ${count} points (more than ${MAX_POINTS.toLocaleString("en-US")})`,
        path: ["axes"],
      });
  });

function axisLength(axis: z.infer<typeof axisSchema>): number {
  if (Array.isArray(axis)) return axis.length;
  const ok = axis.step > 0 && axis.to >= axis.from && rangeLength(axis) <= MAX_RANGE_VALUES;
  return ok ? rangeLength(axis) : 0;
}

/** Options the sweep sets on every point itself. */
const RESERVED = new Set(["seed", "json", "csv", "html", "workers"]);

export type SweepSpec = z.infer<typeof sweepSchema>;
export type AxisValue = string | number | boolean;

/** A parsed sweep file: the spec and the text it came from (hashed into every result). */
export interface SweepFile {
  file: string;
  text: string;
  spec: SweepSpec;
}

export function readSweepFile(file: string): SweepFile {
  let text: string;
  if (isSpecialFile(file))
    throw new UserError("E_SWEEP_FILE", `${file}: cannot read the sweep file: not a regular file`);
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError("E_SWEEP_FILE", `${file}: cannot read the sweep file: ${fsStrerror(e)}`);
  }
  return { file, text, spec: parseSweep(text, file) };
}

/** Parses and validates a sweep; every problem is reported at once, each located. */
export function parseSweep(text: string, file: string): SweepSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lines.linePos(Math.max(0, Math.min(offset, text.length)));
  const problems: string[] = [];
  for (const e of doc.errors) {
    const { line, col } = at(e.pos[0]);
    problems.push(formatLocated({ file, line, column: col, message: yamlMessage(e) }));
  }
  if (problems.length === 0) {
    const input = doc.toJS();
    const parsed = sweepSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues.flatMap((i) => located(i, input))) {
      const { line, col } = at(issue.key ? keyOffset(doc, issue.path) : nodeOffset(doc, issue.path));
      const where = issue.path.length > 0 ? ` (${issue.path.join(".")})` : "";
      problems.push(formatLocated({ file, line, column: col, message: `${issue.message}${where}` }));
    }
  }
  throw new UserError("E_SWEEP_FILE", problems.join("\n"));
}

/**
 * Where option `name` is set in a sweep file, as "file:line:column": the element `value` of its
 * axis list (the whole range for a range), or its value under `options`; the file alone when
 * it is in neither. For errors found after parsing (a point the experiment refuses).
 */
export function optionLocation(f: SweepFile, name: string, value?: AxisValue): string {
  const lines = new LineCounter();
  const doc = parseDocument(f.text, { lineCounter: lines });
  const axis = f.spec.axes[name];
  let offset: number | undefined;
  const i = Array.isArray(axis) && value !== undefined ? axis.indexOf(value) : -1;
  if (i >= 0) offset = nodeOffset(doc, ["axes", name, i]);
  else if (axis) offset = keyOffset(doc, ["axes", name]);
  else if (name in f.spec.options) offset = keyOffset(doc, ["options", name]);
  if (offset === undefined) return f.file;
  const { line, col } = lines.linePos(offset);
  return `${f.file}:${line}:${col}`;
}

/** Where the sweep's top-level `host` (its host file) is, as "file:line:column" of its value
 *  (not `options.host`, paths' --host flag). */
export function hostLocation(f: SweepFile): string {
  const lines = new LineCounter();
  const doc = parseDocument(f.text, { lineCounter: lines });
  const offset = nodeOffset(doc, ["host"]);
  if (offset === undefined) return f.file;
  const { line, col } = lines.linePos(offset);
  return `${f.file}:${line}:${col}`;
}

/** The YAML parser's message in a user's words (its own advice names its API). */
function yamlMessage(e: { code: string; message: string }): string {
  if (e.code === "MULTIPLE_DOCS")
    return "a sweep file is one YAML document; a second one starts here (remove the '---' and what follows, or use one file per sweep)";
  return e.message.split("\n")[0];
}

type Path = (string | number)[];
/** One problem to report: where (`key`: at the key itself, not its value) and what. */
interface LocatedIssue {
  path: Path;
  message: string;
  key?: boolean;
}

/**
 * A zod issue as the problems a user fixes: an unknown key once per key, at the key; a record
 * key with its own rule; a union (an axis: list or range) reported as the branch the value is
 * written as, else as the union's own message.
 */
function located(issue: z.core.$ZodIssue, input: unknown, prefix: Path = []): LocatedIssue[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((k) => ({ path: [...path, k], message: `unknown key '${k}'`, key: true }));
  if (issue.code === "invalid_key") {
    const key = path[path.length - 1];
    const why = issue.issues[0]?.message ?? issue.message;
    return [{ path, message: `'${String(key)}': ${why}`, key: true }];
  }
  if (issue.code === "invalid_union") {
    // The branch the value is written as: the only one that did not refuse its type outright.
    const written = issue.errors.filter(
      (branch) => !branch.some((i) => i.path.length === 0 && i.code === "invalid_type"),
    );
    if (written.length === 1) return written[0].flatMap((i) => located(i, input, path));
    return [{ path, message: `${issue.message}, not ${describe(valueAt(input, path))}` }];
  }
  return [{ path, message: issue.message }];
}

function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const p of path)
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return typeof v === "object" ? "a map" : `the ${typeof v} ${JSON.stringify(v)}`;
}

/** Offset of the deepest node on `path` that exists (the key itself when the value is missing). */
function nodeOffset(doc: ReturnType<typeof parseDocument>, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

/** Offset of the key that ends `path` (an unknown or misspelt key), else of its value. */
function keyOffset(doc: ReturnType<typeof parseDocument>, path: Path): number {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const name = path[path.length - 1];
  if (isMap(parent))
    for (const pair of parent.items)
      if (isScalar(pair.key) && String(pair.key.value) === String(name) && pair.key.range)
        return pair.key.range[0];
  return nodeOffset(doc, path);
}

/** The values of one axis, in order. */
export function axisValues(axis: SweepSpec["axes"][string]): AxisValue[] {
  if (Array.isArray(axis)) return axis;
  const out: AxisValue[] = [];
  // Integer steps so 0.1 + 0.2 does not drift; values rounded to 9 significant digits.
  const n = rangeLength(axis);
  for (let i = 0; i < n; i++) {
    const v = Number((axis.from + i * axis.step).toPrecision(9));
    out.push(axis.unit ? `${v}${axis.unit}` : v);
  }
  return out;
}
