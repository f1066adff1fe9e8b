// Random but valid engine scenarios for the property tests (test/engine/*-property.test.ts):
// every path in the direction(s) it supports, every built-in cost profile with the fidelity
// cases' scenario switches (`kvm-exits!irqfd-2010`), frame sizes 64..1518 (fixed, lists, IMIX),
// offered load from idle to far above line rate, constant or Poisson arrivals, link rates, an
// application and a closed loop where the path has a consumer on a CPU, and injected faults.
// Trials are short (0.2..0.6 ms of virtual time) so a property runs in seconds.
import fc from "fast-check";
import type { FaultSpec } from "../../src/engine/faults.ts";
import type { Direction, ScenarioSpec } from "../../src/engine/types.ts";
import { UserError } from "../../src/errors.ts";
import { CaseEnv, DEFAULT_TRIALS } from "../../src/fidelity/env.ts";
import { ENGINE_PATHS } from "../../src/paths/path-graphs.ts";
import { defaultProfile, type SizeSpec } from "../../src/traffic/profiles.ts";

/** Seed of every property (fast-check's): a failure replays with the same counterexample. */
export const PROPERTY_SEED = 20261203;

export const PROFILES = [
  "bhyve",
  "freebsd",
  "kvm-posted",
  "kvm-exits",
  "kvm-exits!irqfd-2010",
  "kvm-posted!no-event-idx",
  "kvm-posted!vhost-2016",
  "kvm-posted!tun-queue-lock",
] as const;

/** The profile name simulate() takes for `base[!switch]` (a registered variant with a switch). */
export const profileName = (p: string): string => new CaseEnv(DEFAULT_TRIALS).profile(p);

/** Directions a path supports: rx where it has a receive direction, tx where it has a transmit
 *  one, both where it has the two. */
export function directionsOf(path: string): Direction[] {
  const p = ENGINE_PATHS.find((x) => x.name === path)!;
  return [
    ...(p.rx ? (["rx"] as const) : []),
    ...(p.tx ? (["tx"] as const) : []),
    ...(p.rx && p.tx ? (["both"] as const) : []),
  ];
}

const size = fc.integer({ min: 64, max: 1518 });
export const sizes: fc.Arbitrary<SizeSpec> = fc.oneof(
  size.map((s) => ({ kind: "fixed" as const, size: s })),
  fc.constantFrom(64, 65, 128, 1500, 1518).map((s) => ({ kind: "fixed" as const, size: s })),
  fc.array(size, { minLength: 2, maxLength: 4 }).map((s) => ({ kind: "list" as const, sizes: s })),
  fc.constant({ kind: "imix" as const }),
);

/** Offered load, log-uniform from idle (1 kpps) to about twice 64 B line rate at 10 Gbit/s. */
export const rate = fc.double({ min: 3, max: 7.5, noNaN: true }).map((e) => Math.round(10 ** e));

export interface ScenarioOptions {
  /** Only these paths (default: all). */
  paths?: readonly string[];
  /** Only these directions. */
  directions?: readonly Direction[];
  /** Only these profiles (default: PROFILES). */
  profiles?: readonly string[];
  /** Allow an application / closed loop and faults (default true). */
  extras?: boolean;
}

/** A scenario the engine should run (it may still refuse a combination: see runOrRefused). */
export function scenario(o: ScenarioOptions = {}): fc.Arbitrary<ScenarioSpec> {
  const paths = o.paths ?? ENGINE_PATHS.map((p) => p.name);
  return fc
    .record({
      path: fc.constantFrom(...paths),
      dirPick: fc.nat(),
      profile: fc.constantFrom(...(o.profiles ?? PROFILES)),
      sizes,
      flows: fc.integer({ min: 1, max: 256 }),
      ratePps: rate,
      arrival: fc.constantFrom("constant" as const, "poisson" as const),
      durationNs: fc.integer({ min: 200_000, max: 600_000 }),
      warmupFraction: fc.constantFrom(0, 0.1, 0.2, 0.3),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      linkGbps: fc.constantFrom(undefined, 1, 10, 25),
      extra: o.extras === false ? fc.constant(0) : fc.nat({ max: 5 }),
      window: fc.integer({ min: 2, max: 128 }),
      ackEvery: fc.constantFrom(0, 1, 2),
      faultAt: fc.constantFrom(0.1, 0.3, 0.5),
    })
    .map((r) => {
      const dirs = directionsOf(r.path).filter((d) => !o.directions || o.directions.includes(d));
      const direction = dirs[r.dirPick % dirs.length] ?? dirs[0];
      const spec: ScenarioSpec = {
        path: r.path,
        direction,
        traffic: defaultProfile({ sizes: r.sizes, flows: r.flows }),
        ratePps: r.ratePps,
        arrival: r.arrival,
        durationNs: r.durationNs,
        warmupNs: Math.round(r.durationNs * r.warmupFraction),
        seed: r.seed,
        profile: r.profile,
        ...(r.linkGbps !== undefined ? { linkGbps: r.linkGbps } : {}),
      };
      // extra: 0-1 none, 2 an application, 3 a closed loop, 4 sink-stall, 5 generator-overrun.
      if (r.extra === 2 && direction === "rx") spec.application = true;
      if (r.extra === 3 && direction === "rx") {
        spec.application = true;
        spec.window = Math.max(r.window, r.ackEvery);
        spec.ackEvery = r.ackEvery;
      }
      const fault: FaultSpec | undefined =
        r.extra === 4 && direction === "rx"
          ? { kind: "sink-stall", queue: 0, at: { fraction: r.faultAt }, for: { fraction: 0.3 } }
          : r.extra === 5
            ? {
                kind: "generator-overrun",
                at: { fraction: r.faultAt },
                for: { fraction: 0.2 },
                times: 2,
                buffer: 64,
              }
            : undefined;
      if (fault) spec.faults = [fault];
      return spec;
    });
}

/** The spec simulate() gets: the profile switch resolved to its registered variant. */
export function resolved(s: ScenarioSpec): ScenarioSpec {
  return { ...s, profile: profileName(s.profile) };
}

/** Runs `f`, or returns null when the engine refuses the scenario with a UserError (a
 *  combination the control plane or the path refuses, e.g. ACKs on a path without a transmit
 *  direction to the wire): refusing is not running it wrongly. */
export function runOrRefused<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) return null;
    throw e;
  }
}
