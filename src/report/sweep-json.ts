// The zod schema of `iovsim sweep merge --json` (schema iovsim.sweep.merge/1, written by
// src/sweep/merge.ts; docs/sweeps.md): the sweep's identity and each point in sweep order, its
// coordinates, seed and the experiment's own --json without the wall-clock `simulator` block
// (so shards run on different machines merge to the same bytes). Every figure is simulated.
import { z } from "zod";
import { fidelityJsonSchema } from "./fidelity-json.ts";
import { pathsJsonSchema } from "./paths-json.ts";
import { steeringJsonSchema } from "./steering-json.ts";

export const SWEEP_MERGE_SCHEMA = "iovsim.sweep.merge/1";

/** Each experiment's point result: its --json document less `simulator`. */
const RESULTS = {
  paths: pathsJsonSchema.omit({ simulator: true }),
  steering: steeringJsonSchema.omit({ simulator: true }),
  fidelity: fidelityJsonSchema,
} as const;

const index = z.number().int().nonnegative();

export const sweepMergeJsonSchema = z
  .strictObject({
    schema: z.literal(SWEEP_MERGE_SCHEMA),
    sweep: z.string().min(1),
    experiment: z.enum(["paths", "steering", "fidelity"]),
    /** sha256 of the sweep file's text. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The tool that ran every point ("iovsim 0.1.0"). */
    version: z.string().min(1),
    /** The sweep's host file, as the sweep file gives it; absent: the embedded default host. */
    host: z.string().min(1).optional(),
    axes: z.array(z.string().min(1)),
    /** Points the sweep has; `points` holds fewer only with --partial. */
    count: index,
    points: z.array(
      z.strictObject({
        index,
        coords: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
        seed: z.number().int(),
        result: z.unknown(),
      }),
    ),
  })
  .superRefine((m, ctx) => {
    const result = RESULTS[m.experiment];
    m.points.forEach((p, i) => {
      const at = (path: PropertyKey[], message: string) =>
        ctx.addIssue({ code: "custom", path: ["points", i, ...path], message });
      if (p.index >= m.count) at(["index"], `index ${p.index} is not below count ${m.count}`);
      if (i > 0 && p.index <= m.points[i - 1].index)
        at(["index"], "points are in ascending index order, once each");
      if (Object.keys(p.coords).join("\0") !== m.axes.join("\0"))
        at(["coords"], "coords name the axes, in order");
      const r = result.safeParse(p.result);
      for (const issue of r.error?.issues ?? []) at(["result", ...issue.path], issue.message);
      // A strict schema refuses a `simulator` block; the non-strict paths one would strip it.
      if (p.result !== null && typeof p.result === "object" && "simulator" in p.result)
        at(["result", "simulator"], "the wall-clock simulator block is left out of the merge");
    });
  });

export type SweepMergeJson = z.infer<typeof sweepMergeJsonSchema>;
