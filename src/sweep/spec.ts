// A sweep file (YAML, or JSON, which YAML reads too): which experiment, the axes it crosses,
// the seed policy and the options every point shares. Parsed with positions so that every
// error names file:line:column (the node at fault), validated with zod.
import { readFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument } from "yaml";
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
 * fails, and that verdict is what a fidelity sweep collects (a usage error prints no JSON).
 */
export const RESULT_STATUSES: Readonly<Record<Experiment, readonly number[]>> = {
  paths: [0],
  steering: [0],
  fidelity: [0, 1],
};

const scalar = z.union([z.string().min(1), z.number().finite(), z.boolean()]);
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
  .refine((r) => !(r.step > 0) || (r.to - r.from) / r.step <= 10_000, {
    message: "a range of more than 10,000 values",
    path: ["step"],
  });

const optionName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*$/,
    "an option name is lower-case letters, digits and '-' (e.g. trial-ms), without '--'",
  );

export const sweepSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "a sweep name is letters, digits, '.', '_' and '-'"),
    experiment: z.enum(EXPERIMENTS),
    /** Every axis is crossed with every other (the product). */
    axes: z
      .record(optionName, z.union([z.array(scalar).min(1), range]))
      .refine((a) => Object.keys(a).length > 0, {
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
    for (const k of Object.keys(s.options))
      if (RESERVED.has(k))
        ctx.addIssue({ code: "custom", message: `'${k}' is set by the sweep itself`, path: ["options", k] });
  });

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
    problems.push(formatLocated({ file, line, column: col, message: e.message.split("\n")[0] }));
  }
  if (problems.length === 0) {
    const parsed = sweepSchema.safeParse(doc.toJS());
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
      const { line, col } = at(nodeOffset(doc, path));
      const where = path.length > 0 ? ` (${path.join(".")})` : "";
      problems.push(formatLocated({ file, line, column: col, message: `${issue.message}${where}` }));
    }
  }
  throw new UserError("E_SWEEP_FILE", problems.join("\n"));
}

/** Offset of the deepest node on `path` that exists (the key itself when the value is missing). */
function nodeOffset(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

/** The values of one axis, in order. */
export function axisValues(axis: SweepSpec["axes"][string]): AxisValue[] {
  if (Array.isArray(axis)) return axis;
  const out: AxisValue[] = [];
  // Integer steps so 0.1 + 0.2 does not drift; values rounded to 9 significant digits.
  const n = Math.floor((axis.to - axis.from) / axis.step + 1e-9);
  for (let i = 0; i <= n; i++) {
    const v = Number((axis.from + i * axis.step).toPrecision(9));
    out.push(axis.unit ? `${v}${axis.unit}` : v);
  }
  return out;
}
