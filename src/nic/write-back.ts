// How a NIC reports what it has done, as facts of the NIC profile (`writeBack`): for each OS that
// can drive the NIC (Linux, FreeBSD) and each function (PF, VF), the driver that does, and
// - transmit: whether completions come as descriptor write-back or as a head index the NIC writes
//   to host memory (`report`), every how many packets the driver sets RS (`rsEvery`), and the
//   queue's TXDCTL.WTHRESH (`wthresh`: 0 writes back each RS descriptor at once; above 0 the NIC
//   accumulates that many processed descriptors and writes them back in one burst), and whether
//   the NIC writes back what waits below that threshold when the queue's interrupt throttle timer
//   expires (`itrFlush`: the 8259x's EITR flush of WTHRESH, the X710/E810's WB_ON_ITR);
// - receive: RXDCTL.WTHRESH (`wthresh`: 0 or 1 writes back each descriptor, above 1 that many at
//   once);
// - both: the size of the descriptors the driver sets the ring up with (`descBytes`, 16 or 32: the
//   X710 and E810 take either for receive, and i40e, iavf, ixl and ice choose 32).
// Each with its source. src/model/hw-limits.ts prices a write-back event on PCIe from them;
// `writeBackProblems` is the one check every loader runs.
import { z } from "zod";
import { NIC_TX_RING_SIZE, TX_QUEUE_OSES, type TxQueueFn, type TxQueueOs } from "./tx-queue.ts";

/** The descriptor cache a write-back threshold counts in: 82598EB datasheet §3.5.3.3.2, "internal
 *  circular queues of 64 descriptors per queue"; a threshold above it could never be reached. */
export const WTHRESH_MAX = 64;

const Tag = z.enum(["verified", "secondary", "derived", "assumption"]);
const Source = z.string().min(10, "a source names the publication (at least 10 characters)");

const count = (min: number, max: number, what: string) =>
  z
    .object({
      value: z
        .number()
        .int("a count of descriptors, a whole number")
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max} (${what})`),
      tag: Tag,
      source: Source,
    })
    .strict();

/** A descriptor's size: 16 (legacy and advanced descriptors, every transmit descriptor) or 32 B
 *  (the X710's and E810's 32-byte receive descriptors: RX queue context DSIZE = 1). */
export const DESC_SIZES = [16, 32] as const;
const descBytes = z
  .object({
    value: z.number().refine((v) => (DESC_SIZES as readonly number[]).includes(v), {
      message: "must be 16 or 32 (bytes per descriptor: 16 B legacy/advanced, or 32 B receive descriptors)",
    }),
    tag: Tag,
    source: Source,
  })
  .strict();

const TxWriteBackSchema = z
  .object({
    /** "descriptor": the NIC writes the descriptors back (DD set); "head": it writes the ring's
     *  head index to a location in host memory instead (82598EB §3.5.3.7, X710 head write-back). */
    report: z.object({ value: z.enum(["descriptor", "head"]), tag: Tag, source: Source }).strict(),
    /** The driver sets RS on the last descriptor of every this many packets. */
    rsEvery: count(1, NIC_TX_RING_SIZE, `the NIC transmit ring's ${NIC_TX_RING_SIZE} descriptors`),
    /** TXDCTL.WTHRESH: 0 writes back each RS descriptor at once; n > 0 every n descriptors. */
    wthresh: count(0, WTHRESH_MAX, "the 64 descriptors a queue's on-chip cache holds"),
    /** Bytes per transmit descriptor: what the NIC fetches and, with descriptor write-back, writes back. */
    descBytes,
    /** Completed descriptors waiting below the threshold (WTHRESH, or the RS stride) are written
     *  back when the queue's interrupt throttle timer, started by the first of them, expires. */
    itrFlush: z.object({ value: z.boolean(), tag: Tag, source: Source }).strict(),
  })
  .strict();

const RxWriteBackSchema = z
  .object({
    /** RXDCTL.WTHRESH: 0 or 1 writes back each descriptor, n > 1 every n descriptors. */
    wthresh: count(0, WTHRESH_MAX, "the 64 descriptors a queue's on-chip cache holds"),
    /** Bytes per receive descriptor: what the NIC fetches and writes back. */
    descBytes,
  })
  .strict();

export const WriteBackDriverSchema = z
  .object({
    /** The driver of this OS on this function (must be the profile's own name for it). */
    driver: z.string().regex(/^[a-z0-9_]+$/),
    tx: TxWriteBackSchema,
    rx: RxWriteBackSchema,
  })
  .strict();
export type WriteBackDriver = z.output<typeof WriteBackDriverSchema>;

const perFunction = z.object({ pf: WriteBackDriverSchema, vf: WriteBackDriverSchema }).strict();
export const WriteBackSchema = z.object({ linux: perFunction, freebsd: perFunction }).strict();
export type WriteBackFacts = z.output<typeof WriteBackSchema>;

/** A write-back policy as the PCIe pricing needs it (the values of a WriteBackDriver). */
export interface WriteBackPolicy {
  tx: {
    report: "descriptor" | "head";
    rsEvery: number;
    wthresh: number;
    descBytes: number;
    itrFlush: boolean;
  };
  rx: { wthresh: number; descBytes: number };
}

export function policyOf(d: WriteBackDriver): WriteBackPolicy {
  return {
    tx: {
      report: d.tx.report.value,
      rsEvery: d.tx.rsEvery.value,
      wthresh: d.tx.wthresh.value,
      descBytes: d.tx.descBytes.value,
      itrFlush: d.tx.itrFlush.value,
    },
    rx: { wthresh: d.rx.wthresh.value, descBytes: d.rx.descBytes.value },
  };
}

/** What is wrong with a policy, at which field (a path under the driver's entry), or undefined. */
export function writeBackPolicyProblem(p: WriteBackPolicy): { at: string[]; why: string } | undefined {
  if (p.tx.report === "head" && p.tx.wthresh !== 0)
    return {
      at: ["tx", "wthresh", "value"],
      why: "must be 0 with head write-back: the NIC then writes the head index instead of the descriptors (82598EB datasheet §3.5.3.3.1, the DD status bit: 'When head write-back is enabled, the descriptor write-back is not'), so there are no descriptors to accumulate",
    };
  return undefined;
}

/** Problems of a profile's `writeBack` as (JSON path, message) pairs: each entry's policy, and its
 *  driver against the profile's own name for that OS's driver on that function. */
export function writeBackProblems(
  w: WriteBackFacts,
  drivers: Record<TxQueueOs, Record<TxQueueFn, string>>,
): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  for (const os of TX_QUEUE_OSES)
    for (const fn of ["pf", "vf"] as const) {
      const d = w[os][fn];
      const want = drivers[os][fn];
      if (d.driver !== want)
        out.push({
          path: ["writeBack", os, fn, "driver"],
          message: `must be '${want}', the ${os === "linux" ? "Linux" : "FreeBSD"} ${fn.toUpperCase()} driver this profile names (${os === "linux" ? `linux.${fn}Driver` : `${fn}.driver`})`,
        });
      const bad = writeBackPolicyProblem(policyOf(d));
      if (bad) out.push({ path: ["writeBack", os, fn, ...bad.at], message: bad.why });
    }
  return out;
}
