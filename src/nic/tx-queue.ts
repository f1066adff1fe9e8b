// A driver's transmit-queue bounds as facts of the NIC profile (`txQueue`): for each OS that can
// drive the NIC (Linux, FreeBSD) and each function (PF, VF), the driver that does, when it stops
// its queue (fewer than `stopFree` descriptors free), when its completions wake it (`wakeFree`
// free), and how many descriptors it never counts as free (`unused`), each with its source. The
// engine's transmit driver (src/engine/elements/txdrv.ts) takes the bounds of the NIC and OS in
// its path; `txQueueBoundsProblem` is the one check every loader runs on them.
import { z } from "zod";

/**
 * Descriptors of the NIC transmit ring a driver posts on: the switch's default Tx ring
 * (src/switch/nic.ts `txRingSize`, 512). Restated here, not imported (src/nic imports nothing
 * from the switch): the profile checks bound the queue's thresholds by it.
 */
export const NIC_TX_RING_SIZE = 512;

export const TX_QUEUE_OSES = ["linux", "freebsd"] as const;
export type TxQueueOs = (typeof TX_QUEUE_OSES)[number];
export type TxQueueFn = "pf" | "vf";

const Tag = z.enum(["verified", "secondary", "derived", "assumption"]);
const Source = z.string().min(10, "a source names the publication (at least 10 characters)");

/** One bound: a whole number of descriptors with how sure it is and where it comes from. */
const figure = (min: number) =>
  z
    .object({
      value: z
        .number()
        .int("a count of descriptors, a whole number")
        .min(min, `must be at least ${min}`)
        .max(NIC_TX_RING_SIZE, `must be at most the NIC transmit ring's ${NIC_TX_RING_SIZE} descriptors`),
      tag: Tag,
      source: Source,
    })
    .strict();

export const TxQueueDriverSchema = z
  .object({
    /** The driver of this OS on this function (must be the profile's own name for it). */
    driver: z.string().regex(/^[a-z0-9_]+$/),
    /** It posts while at least this many descriptors are free, and stops its queue below. */
    stopFree: figure(1),
    /** A stopped queue wakes once the NIC's completions leave this many free. */
    wakeFree: figure(1),
    /** Descriptors it never counts as free (Linux's *_DESC_UNUSED keep one back, iflib none). */
    unused: figure(0),
  })
  .strict();
export type TxQueueDriver = z.output<typeof TxQueueDriverSchema>;

const perFunction = z.object({ pf: TxQueueDriverSchema, vf: TxQueueDriverSchema }).strict();
export const TxQueueSchema = z.object({ linux: perFunction, freebsd: perFunction }).strict();
export type TxQueueFacts = z.output<typeof TxQueueSchema>;

/** The bounds a queue runs with (the values of a TxQueueDriver). */
export interface TxQueueBounds {
  stopFree: number;
  wakeFree: number;
  unused: number;
}
export type TxQueueField = keyof TxQueueBounds;

/** What is wrong with a transmit queue's bounds, at which of them, or undefined. */
export interface TxQueueBoundsProblem {
  at: TxQueueField;
  value: number;
  why: string;
}

/**
 * Whether a transmit queue's bounds fit together and in its ring of `ringSize` descriptors (the
 * one check every loader runs: a NIC profile file, and the engine's driver on the ring it was
 * built with). The driver sees `ringSize - unused` descriptors at most (Linux's *_DESC_UNUSED
 * keeps one back); a queue woken with fewer free than it stops at would stop again at once, one
 * woken with more than it can ever see free is never woken (a stop bound no higher than the wake
 * bound then fits too); and an unused count of the whole ring.
 */
export function txQueueBoundsProblem(
  b: TxQueueBounds,
  ringSize = NIC_TX_RING_SIZE,
): TxQueueBoundsProblem | undefined {
  const { stopFree: stop, wakeFree: wake, unused } = b;
  if (unused >= ringSize)
    return {
      at: "unused",
      value: unused,
      why: `must be less than the NIC transmit ring's ${ringSize} descriptors, or the driver could post nothing`,
    };
  if (wake < stop)
    return {
      at: "wakeFree",
      value: wake,
      why: `must be at least stopFree (${stop}): a transmit queue woken with fewer free would stop again at once`,
    };
  const usable = ringSize - unused;
  if (wake <= usable) return undefined;
  return {
    at: "wakeFree",
    value: wake,
    why: `must be at most ${usable} (the NIC transmit ring's ${ringSize} descriptors less the ${unused} unused the driver keeps back): a stopped transmit queue would never be woken`,
  };
}

/** The bounds of a NIC's `txQueue` entry. */
export function boundsOf(d: TxQueueDriver): TxQueueBounds {
  return { stopFree: d.stopFree.value, wakeFree: d.wakeFree.value, unused: d.unused.value };
}

/** Problems of a profile's `txQueue` as (JSON path, message) pairs: each entry's bounds, and its
 *  driver against the profile's own name for that OS's driver on that function. */
export function txQueueProblems(
  q: TxQueueFacts,
  drivers: Record<TxQueueOs, Record<TxQueueFn, string>>,
): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  for (const os of TX_QUEUE_OSES)
    for (const fn of ["pf", "vf"] as const) {
      const d = q[os][fn];
      const want = drivers[os][fn];
      if (d.driver !== want)
        out.push({
          path: ["txQueue", os, fn, "driver"],
          message: `must be '${want}', the ${os === "linux" ? "Linux" : "FreeBSD"} ${fn.toUpperCase()} driver this profile names (${os === "linux" ? `linux.${fn}Driver` : `${fn}.driver`})`,
        });
      const bad = txQueueBoundsProblem(boundsOf(d));
      if (bad) out.push({ path: ["txQueue", os, fn, bad.at, "value"], message: bad.why });
    }
  return out;
}
