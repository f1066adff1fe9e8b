// A thread's prepared layouts, by everything they are made from: the NIC switch programmed from
// the PF's records, the rings and the element contexts of a path (src/paths/prepare.ts), before
// any element runs. A search runs the same path at many rates, and none of this depends on the
// rate, the duration or the faults (the elements write those into their contexts when they are
// created, after the layout). A layout made once in this thread's warm memory is kept with a copy
// of its bytes (every region but the frame buffers, ~1 MiB); a later run with the same key writes
// the copy back instead of laying everything out again, which leaves the memory exactly as laying
// it out would have (the frame buffers aside: every frame is written before it is read). The
// JavaScript description of the layout (BuiltPath) is shared: a run only reads it.
// test/engine/warm.test.ts compares runs that reuse a layout, over garbage, with cold ones.
import type { BuiltPath } from "../paths/build.ts";

interface Prepared {
  built: BuiltPath;
  memory: WebAssembly.Memory;
  /** The bytes of every region but the buffers: [offset, copy] pairs. */
  bytes: Array<[number, Uint8Array]>;
  extra: unknown;
}

/** Layouts kept per thread, the least recently used dropped first. A pool worker serves every
 *  case of a run in turn (the default `paths`: 27 path x size cases, each its own key), so
 *  fewer entries than cases means a layout and a copy again at almost every trial (24 entries,
 *  cleared when full, cost each worker ~0.3 s of copying and more of GC in that run). Each
 *  entry holds about 0.8-1.6 MiB of bytes: at most ~80 MiB per thread, and a reference to the
 *  WebAssembly.Memory it was laid out in (only that one can take it back). An entry of another
 *  memory is never reused, and would keep that memory alive: keeping a layout made in a new
 *  memory drops them all, so the cache holds one memory besides its copies. */
export const ENTRIES = 48;
const prepared = new Map<string, Prepared>();
/** Layouts written back from a copy, and laid out (tests). */
export const preparedStats = { reused: 0, laidOut: 0 };

/** The byte ranges of a layout that a run's start depends on (all but the frame buffers). */
function ranges(built: BuiltPath): Array<[number, number]> {
  const L = built.layout;
  const from = L.base;
  const to = L.end;
  if (!L.hasRegion("buffers")) return [[from, to]];
  const b = L.region("buffers");
  return [
    [from, b.offset],
    [b.offset + b.bytes, to],
  ];
}

/**
 * The layout for `key` in `memory`: the kept one written back, or `prepare()`'s (then kept when
 * `key` is not null). `extra`: what the caller keeps beside it (the templates).
 */
export function preparedLayout<E>(
  key: string | null,
  memory: WebAssembly.Memory,
  prepare: () => { built: BuiltPath; extra: E },
): { built: BuiltPath; extra: E } {
  const have = key === null ? undefined : prepared.get(key);
  if (have && have.memory === memory) {
    const u8 = new Uint8Array(memory.buffer);
    for (const [at, bytes] of have.bytes) u8.set(bytes, at);
    preparedStats.reused++;
    // Most recently used last (a Map keeps insertion order).
    prepared.delete(key as string);
    prepared.set(key as string, have);
    return { built: have.built, extra: have.extra as E };
  }
  const made = prepare();
  preparedStats.laidOut++;
  if (key !== null) {
    const u8 = new Uint8Array(memory.buffer);
    const bytes = ranges(made.built).map(([a, b]) => [a, u8.slice(a, b)] as [number, Uint8Array]);
    // Entries of an older memory can never be written back, and would pin it.
    for (const [k, e] of prepared) if (e.memory !== memory) prepared.delete(k);
    while (prepared.size >= ENTRIES) prepared.delete(prepared.keys().next().value as string);
    prepared.set(key, { built: made.built, memory, bytes, extra: made.extra });
  }
  return made;
}

/** Forgets every kept layout (tests: a cold start). */
export function clearPreparedLayouts(): void {
  prepared.clear();
}

/** How many layouts this thread keeps (tests). */
export function keptLayouts(): number {
  return prepared.size;
}
