// What the HTML report renders, validated with zod so the CLI can hand over its JSON results
// (`paths --json`, issue 8 §8; steering; switch counters.json; fidelity) as they are. Unknown
// keys are dropped, not rejected: a newer result schema with extra fields still renders.
import { z } from "zod";
import { UserError } from "../../errors.ts";

const finite = z.number().finite();
const nonneg = finite.nonnegative();

/** One resource's share of a load point (simulated). */
export const CpuUseSchema = z.object({
  resource: z.string().min(1),
  /** Busy virtual time / measured virtual time, 0..1. */
  utilization: nonneg,
  /** The busy share without polling (a busy-wait, an idle spin, halt polling); absent in
   *  results from before it was given (then all of it is work). */
  work_utilization: nonneg.optional(),
  cycles_per_packet: nonneg,
  /** What cycles_per_packet counts: CPU cycles, or ns for a resource without a clock (wire, DMA
   *  engine); absent in results from before it was given. */
  cycles_per_packet_unit: z.enum(["cycles", "ns"]).optional(),
  /** cycles_per_packet broken down by event kind (stack, irq, exit, ...). */
  by_event: z.record(z.string(), nonneg).optional(),
});

export const LatencySchema = z.object({
  p50: nonneg,
  p90: nonneg,
  p99: nonneg,
  p999: nonneg,
  /** Minimum, mean and maximum one-way latency (`paths --json` gives them; min since it was added). */
  min: nonneg.optional(),
  mean: nonneg.optional(),
  max: nonneg.optional(),
});

/** One direction of a load point in both directions (simulated). */
export const DirectionPointSchema = z.object({
  offered_mpps: nonneg,
  delivered_mpps: nonneg,
  loss_ratio: z.number().min(0).max(1),
  latency_us: LatencySchema.nullable(),
});

export const LoadPointSchema = z.object({
  /** The fraction of NDR this point was offered at (0.1, 0.5, 0.9); null: a rate given with --rate. */
  fraction_of_ndr: z.number().nonnegative().nullable().optional(),
  offered_mpps: nonneg,
  delivered_mpps: nonneg,
  loss_ratio: z.number().min(0).max(1),
  /** null: no frame delivered at this point (no latency to show). */
  latency_us: LatencySchema.nullable(),
  /** Direction "both": each direction's own figures (the ones above are both together). */
  per_direction: z.object({ rx: DirectionPointSchema, tx: DirectionPointSchema }).optional(),
  cpu: z.array(CpuUseSchema).default([]),
  /** The resource that limits this point (simulated): the busiest one. */
  bottleneck: z.string().min(1).optional(),
  events_per_s: z.record(z.string(), nonneg).optional(),
});

export const PathResultSchema = z.object({
  name: z.string().min(1),
  direction: z.string().min(1),
  /** Frame size in bytes, or a mix name such as "imix". */
  size: z.union([z.number().int().positive(), z.string().min(1)]),
  /** The frames that ran (bytes with FCS; a mix's mean): above `size` where --encap or --proto
   *  raised it to hold the headers (64 -> 112 with vxlan). */
  frame_bytes: z.number().positive().optional(),
  /** null: one load point was simulated at a given rate (`paths --rate`), no throughput search. */
  ndr_mpps: nonneg.nullable(),
  pdr_mpps: nonneg.nullable(),
  /** NDR and PDR in Gbit/s at Layer 1 (frame + 20 B preamble and inter-frame gap). */
  ndr_gbps: nonneg.nullable().optional(),
  pdr_gbps: nonneg.nullable().optional(),
  /** The wire's line rate for this frame size; null: no frame crosses a wire. */
  line_rate_mpps: nonneg.nullable().optional(),
  /** Virtual ms of the final trials that gave NDR, PDR and the load points (null: none). */
  final_trial_ms: nonneg.nullable().optional(),
  bottleneck: z.string().optional(),
  load_points: z.array(LoadPointSchema).default([]),
});

export const PingResultSchema = z.object({
  path: z.string().min(1),
  /** null: no reply came back, so there is no round-trip time (shown as a dash, not charted). */
  rtt_us: z.object({
    p50: nonneg.nullable(),
    p99: nonneg.nullable(),
    min: nonneg.nullable().optional(),
    avg: nonneg.nullable().optional(),
    max: nonneg.nullable().optional(),
  }),
  transmitted: z.number().int().nonnegative().optional(),
  received: z.number().int().nonnegative().optional(),
  /** Every reply's round-trip time in order (`iovsim ping`): charted echo by echo. */
  rtts_us: z.array(nonneg).optional(),
});

/** How fast the simulator ran (wall clock). Never a simulated figure. */
export const SimulatorSpeedSchema = z.object({
  frames: nonneg.optional(),
  simulations: z.number().int().nonnegative().optional(),
  virtual_s: nonneg.optional(),
  wall_s: nonneg.optional(),
  realtime_factor: nonneg.optional(),
  workers: z.number().int().positive().optional(),
});

export const SteeringResultSchema = z.object({
  strategy: z.string().min(1),
  traffic: z.string().min(1),
  queues: z.number().int().positive(),
  /** Load per queue (frames or Mpps, as the steering run reports it); charted as shares. */
  per_queue: z.array(nonneg).min(1),
  /** Jain's fairness index of per_queue, 1/n..1. */
  jain: z.number().min(0).max(1),
  max_over_mean: nonneg,
  /** Frames overtaken by a later frame of their flow (0 for every flow-affine strategy). */
  reordered: z.number().int().min(0).optional(),
  /** Frames dropped, by reason (a flow rule's drop, a full ring, ...): per_queue counts only the
   *  delivered ones, so offered = sum(per_queue) + drops. */
  drops: z.record(z.string(), z.number().int().min(0)).optional(),
  /** null: simulated at a given rate only (`steering --no-ndr --rate R`). */
  ndr_mpps: nonneg.nullable(),
  /** NDR in Gbit/s at Layer 1 (frame + 20 B preamble and inter-frame gap). */
  ndr_gbps: nonneg.nullable().optional(),
  /** The resource that limits the run (simulated). */
  bottleneck: z.string().min(1).optional(),
  /** Which operating point per_queue, latency and bottleneck describe: the --rate or the NDR. */
  at: z.enum(["rate", "ndr"]).optional(),
  latency_us: z.object({ p50: nonneg, p99: nonneg }).optional(),
});

/** `iovsim switch --out DIR` counters.json (src/cli/commands/switch.ts). */
export const SwitchCountersSchema = z.object({
  engine: z.string().optional(),
  pf: z.string().optional(),
  conservation: z.unknown().optional(),
  frameDrops: z.record(z.string(), nonneg).optional(),
  /** Single copies dropped (one pool's copy of a replicated frame), by reason. */
  copyDrops: z.record(z.string(), nonneg).optional(),
  /**
   * Frames per input port / function (`switch --json` functions[]); not counters.json's
   * `functions`, which has another shape and is ignored here.
   */
  per_function: z
    .array(
      z.object({
        name: z.string().min(1),
        offered: nonneg,
        received: nonneg,
        to_wire: nonneg.nullable(),
        dropped: nonneg,
      }),
    )
    .optional(),
  counters: z.object({
    port: z.record(z.string(), z.union([nonneg, z.record(z.string(), nonneg)])).optional(),
    /** Pool counters per function: "PF", "VF-0", ... */
    pools: z.record(z.string(), z.record(z.string(), nonneg)),
    queues: z.record(z.string(), z.array(z.record(z.string(), nonneg))).optional(),
  }),
});

export const FidelityRowSchema = z.object({
  case: z.string().min(1),
  published: finite,
  simulated: finite,
  /** Relative error (simulated - published) / published, as a fraction. */
  error: finite,
  /** Accepted |error|, as a fraction. */
  tolerance: nonneg,
  /** The accepted range of `simulated` when it is not symmetric ([low, high], same unit). */
  range: z.tuple([finite, finite]).optional(),
  pass: z.boolean(),
  unit: z.string().optional(),
  source: z.string().optional(),
  /** The cost profiles the case ran on (the table's profile line of `iovsim fidelity`). */
  profiles: z.array(z.string().min(1)).optional(),
});

const SensitivityEndSchema = z.object({
  /** The constant's value at this end of its range. */
  value: finite,
  /** The case's figure re-simulated with it (the case's unit). */
  simulated: finite,
  pass: z.boolean(),
});

/** `fidelity --sensitivity`: one constant of one case at both ends of its range (fidelity --json). */
export const SensitivityRowSchema = z.object({
  case: z.string().min(1),
  constant: z.string().min(1),
  /** Per profile the case runs: the constant's value and range there. */
  ranges: z.record(z.string(), z.object({ value: finite, range: z.tuple([finite, finite]) })),
  low: SensitivityEndSchema,
  high: SensitivityEndSchema,
  /** The verdict at both ends is the one at the profile's value. */
  holds: z.boolean(),
});

const RangeSchema = z.union([
  z.tuple([finite, finite]),
  z.object({ min: finite, max: finite }).transform((r) => [r.min, r.max] as [number, number]),
]);

export const CostConstantSchema = z.object({
  value: finite,
  unit: z.string().min(1),
  range: RangeSchema.optional(),
  source: z.string().min(1),
});

export const CostProfileSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  constants: z.record(z.string(), CostConstantSchema),
});

/**
 * How the figures were obtained (the test conditions a benchmark report states beside every
 * NDR/PDR): link, NIC, arrivals, trial length, search resolution, PDR loss limit, seed.
 */
export const ConditionsSchema = z.object({
  link_gbps: finite.positive().optional(),
  /** The NIC (PF) the run's VFs live on, e.g. "ixl0". */
  nic: z.string().min(1).optional(),
  /** Paths that crossed a link of another speed than `link_gbps` (passthrough on ix0 beside an
   *  igb0 PF), with the port; absent: every path ran at `link_gbps`. */
  other_links: z
    .array(
      z.object({
        link_gbps: finite.positive(),
        port: z.string().min(1).optional(),
        paths: z.array(z.string().min(1)).min(1),
      }),
    )
    .optional(),
  arrival: z.string().min(1).optional(),
  /** The MTU of every interface of the paths (paths --mtu); absent: 1500 (or not said). */
  mtu_bytes: z.number().int().positive().optional(),
  /** VFs whose transmit the NIC limited (ip link ... max_tx_rate, --host), one line each, e.g.
   *  "jail-vf: VF 0 max_tx_rate 500 Mbit/s ..."; absent: none. */
  vf_tx_limits: z.array(z.string().min(1)).optional(),
  seed: z.number().int().optional(),
  /** Virtual ms of each search trial; null: trials of a frame count instead. */
  trial_ms: finite.positive().nullable().optional(),
  /** Frames offered per trial (--count, steering --frames); null: trials of a duration. */
  trial_frames: z.number().int().positive().nullable().optional(),
  /** Search resolution as a fraction of line rate; absent: no search ran. */
  precision_of_line_rate: finite.positive().optional(),
  /** PDR's loss limit as a fraction; absent: no PDR searched. */
  pdr_loss: z.number().min(0).max(1).optional(),
  /** The one load given with --rate instead of a search. */
  rate: z.string().min(1).nullable().optional(),
  /** --window: a closed loop's window (frames sent and not yet read); absent: an open loop. */
  window: z.number().int().positive().optional(),
});

export const ReportInputSchema = z.object({
  title: z.string().optional(),
  /** The `paths --json` schema id, shown for traceability. */
  schema: z.string().optional(),
  /** Tool version (package.json). */
  version: z.string().min(1),
  /** The exact command line that reproduces this report. */
  command: z.string().min(1),
  /** Cost profile name as `paths --json` gives it; `cost_profile` carries the constants. */
  profile: z.string().optional(),
  conditions: ConditionsSchema.optional(),
  /** When the report was made (ISO 8601); omitted, the report is byte-for-byte reproducible. */
  generated_at: z.string().optional(),
  paths: z.array(PathResultSchema).optional(),
  ping: z.array(PingResultSchema).optional(),
  simulator: SimulatorSpeedSchema.optional(),
  steering: z
    .object({
      results: z.array(SteeringResultSchema),
      /** Rows with nothing to chart (NIC limits, no lossless load, every frame filtered), each
       *  with the reason the terminal's table gives in its row. */
      not_simulated: z
        .array(
          z.object({
            strategy: z.string().min(1),
            traffic: z.string().min(1),
            queues: z.number().int().positive(),
            reason: z.string().min(1),
          }),
        )
        .optional(),
    })
    .optional(),
  counters: SwitchCountersSchema.optional(),
  fidelity: z
    .object({
      rows: z.array(FidelityRowSchema),
      sensitivity: z.array(SensitivityRowSchema).optional(),
      /** The constants with ranges --sensitivity does not move, and why (fidelity --json). */
      sensitivity_not_moved: z
        .array(z.object({ constants: z.array(z.string()), reason: z.string() }))
        .optional(),
    })
    .optional(),
  config: z.object({ file: z.string().min(1), text: z.string() }).optional(),
  cost_profile: CostProfileSchema.optional(),
  /** True for a run that times and prices nothing (switch: counts of the NIC's switch on the
   *  frames given): the report then says so instead of naming a cost profile. */
  prices_nothing: z.boolean().optional(),
  /** Injected faults (--inject-fault): one line each saying what it did. */
  faults: z.array(z.string()).optional(),
  /** The run's notes (`paths --json` notes: what qualifies its figures, e.g. the trial that
   *  failed just above NDR and which direction it lost in), shown under the test conditions. */
  notes: z.array(z.string()).optional(),
});

export type CpuUse = z.infer<typeof CpuUseSchema>;
export type LoadPoint = z.infer<typeof LoadPointSchema>;
export type PathResult = z.infer<typeof PathResultSchema>;
export type PingResult = z.infer<typeof PingResultSchema>;
export type SteeringResult = z.infer<typeof SteeringResultSchema>;
export type SwitchCountersJson = z.infer<typeof SwitchCountersSchema>;
export type FidelityRow = z.infer<typeof FidelityRowSchema>;
export type SensitivityRow = z.infer<typeof SensitivityRowSchema>;
export type Conditions = z.infer<typeof ConditionsSchema>;
export type CostProfile = z.infer<typeof CostProfileSchema>;
/** What renderHtmlReport accepts (before defaults are applied). */
export type ReportInputJson = z.input<typeof ReportInputSchema>;
/** Validated report input. */
export type ReportInput = z.output<typeof ReportInputSchema>;

/** Validates `value` as report input; `what` names its origin (a file) in the error. */
export function parseReportInput(value: unknown, what = "report input"): ReportInput {
  const r = ReportInputSchema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 5)
    .map((i) => `  ${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`)
    .join("\n");
  throw new UserError("E_REPORT_INPUT", `${what}: not a valid report input:\n${issues}`);
}
