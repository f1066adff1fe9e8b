// The software dispatcher element (anchors §4.2 "software RSS/RPS"): one thread takes every
// frame from the single hardware queue, parses it and hashes the innermost tuple in software
// (the project's Wasm parser and Toeplitz code, called from the dispatcher thread; RSS key and
// RETA like a NIC's), and fans the descriptors out to n worker rings in the shared memory
// (SPSC rings, zero copy: the buffer travels, not the bytes). Workers take their ring and
// return the buffers.
//
// Runs single-threaded in the caller's thread (dispatcher and workers in turn): the ring
// protocol is the multi-thread one, but the measured rate is one thread's.
import * as A from "../../assembly/abi.ts";
import type { WasmSwitch } from "../switch/nic.ts";
import type { Descriptor } from "../switch/ring.ts";
import { RingView } from "../switch/ring.ts";

const WORKER_RING = 1024;
const DISPATCH_RETA = 128;
const ALL_TYPES = A.RT_ALL;

type DispatchKernels = {
  parse(frame: number, len: number, out: number): number;
  rssSummary(rec: number, frame: number, table: number, enabled: number, inner: number): number;
  lastRssHash(): number;
};

export interface DispatchStats {
  /** Frames the dispatcher took from the hardware queue. */
  dispatched: number;
  /** Frames each worker took from its ring. */
  perWorker: number[];
  /** Frames refused because a worker ring was full (dropped, buffer returned). */
  ringFull: number;
}

export class WasmDispatcher {
  private readonly rings: RingView[];
  private readonly k: DispatchKernels;
  private readonly rec: number;
  private readonly table: number;
  private readonly reta: number[];
  readonly stats: DispatchStats;

  /** `pool`'s Toeplitz table (the switch's key) is reused for the software hash. */
  constructor(
    private readonly sw: WasmSwitch,
    workers: number,
    pool: number,
  ) {
    const L = sw.layout;
    this.rings = Array.from(
      { length: workers },
      (_, w) => new RingView(L, L.addRing(`dispatch:${w}`, WORKER_RING, A.RING_KIND_OTHER, pool, w)),
    );
    this.rec = L.addRegion("dispatch-parse", A.PARSE_BYTES, 64).offset;
    this.table = sw.sl.toeplitz + pool * A.TOEPLITZ_TABLE_BYTES;
    this.k = sw.kernels as unknown as DispatchKernels;
    this.reta = Array.from({ length: DISPATCH_RETA }, (_, i) => i % workers);
    this.stats = { dispatched: 0, perWorker: new Array(workers).fill(0), ringFull: 0 };
  }

  /** Hashes the inner tuple of each frame (one descriptor per frame) and enqueues it to a worker ring. */
  dispatch(descs: readonly Descriptor[]): void {
    const { bufBase, params } = this.sw.sl;
    const out: Descriptor[][] = this.rings.map(() => []);
    for (const d of descs) {
      const at = bufBase + d.buf * params.bufSize + d.off;
      this.k.parse(at, d.len, this.rec);
      this.k.rssSummary(this.rec, at, this.table, ALL_TYPES, 1);
      const hash = this.k.lastRssHash() >>> 0;
      out[this.reta[hash & (DISPATCH_RETA - 1)]!]!.push({ ...d, hash });
      this.stats.dispatched++;
    }
    out.forEach((batch, w) => {
      const n = this.rings[w]!.enqueue(batch);
      for (const d of batch.slice(n)) {
        this.stats.ringFull++;
        this.sw.free.free(d.buf);
      }
    });
  }

  /** Each worker drains its ring: counts the frames and returns the buffers. */
  runWorkers(): void {
    this.rings.forEach((r, w) => {
      for (const d of r.dequeue()) {
        this.stats.perWorker[w]!++;
        this.sw.free.free(d.buf);
      }
    });
  }
}
