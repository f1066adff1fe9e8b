// The reference embedded switch: a readable model of the NIC's VEB/VEPA data plane, written
// as the spec reads (docs/spec/data-plane.md §2, §3, §5, §6). Slow on purpose; the Wasm
// kernels are compared against it.
//
// Every frame ends counted exactly once per copy: a whole-frame drop with a reason, or per
// selected pool a delivered copy (then pending in its ring until drained) or a dropped copy;
// a transmit frame is additionally either sent to the wire, looped back, both, switched
// nowhere, or held in its Tx ring while VFTE is off. `ledger` tracks this; `conservation()`
// checks it.
import {
  type CopyDrop,
  type Delivery,
  emptySwitchCounters,
  type FrameDropReason,
  MAX_DESCRIPTOR_FRAME,
  type PoolConfig,
  type SwitchConfig,
  type SwitchCounters,
  type SwitchDecision,
} from "../config.ts";
import { assertValidSwitchConfig } from "../validate-config.ts";
import { bump, bumpBucket, countPoolRx, countPoolTx, FCS_BYTES } from "./counters.ts";
import { insertTag, padTo, parseSwitchL2, removeTag, type SwitchL2 } from "./l2.ts";
import { type ParseOptions, parseFrame } from "./parse.ts";
import type { ParsedFrame } from "./parsed.ts";
import {
  descriptorsFor,
  drainRing,
  freeDescriptors,
  newRxRing,
  type RxRingState,
  takeDescriptors,
} from "./rings.ts";
import { chooseQueue } from "./rss-select.ts";
import { passesPortL2Filter, passesVfta, selectRxPools, selectTxPools } from "./select.ts";

/** Minimum frame without FCS (§2.1). */
export const MIN_FRAME = 60;
/** Ethernet header: anything shorter cannot be switched. */
export const ETH_HEADER = 14;
/** Standard maximum without FCS and tags (1500 + 14). */
export const STD_MAX_FRAME = 1514;

export interface TransmitOptions {
  /** The Tx descriptor asks for a VLAN tag (VLE) with this TCI. Honoured only under VMVIR "descriptor". */
  vlanTci?: number;
}

/** Conservation bookkeeping (DESIGN principle 9). */
export interface Ledger {
  wireIn: number;
  txIn: number;
  /** Whole-frame drops before any pool was selected (Rx and Tx). */
  frameDrops: number;
  /** Tx frames waiting in a ring because VFTE is off. */
  txHeld: number;
  /** Tx frames that were transmitted (reached the switching step). */
  txTransmitted: number;
  /** Rx frames from the wire that got a non-empty pool list. */
  rxSwitched: number;
  copiesSelected: number;
  copiesDelivered: number;
  copiesDropped: number;
  /** Copies taken out of rings by drain(). */
  copiesDrained: number;
  wireOut: number;
}

function emptyLedger(): Ledger {
  return {
    wireIn: 0,
    txIn: 0,
    frameDrops: 0,
    txHeld: 0,
    txTransmitted: 0,
    rxSwitched: 0,
    copiesSelected: 0,
    copiesDelivered: 0,
    copiesDropped: 0,
    copiesDrained: 0,
    wireOut: 0,
  };
}

/**
 * Frame too long for a limit: long-packet mode compares len + FCS with RLPML, else with 1514;
 * each recognised VLAN tag adds 4 bytes either way. The hardware counts the tags in RLPML
 * itself (Linux commit d3836f8e "igb: Do not factor VLANs into RLPML calculation", citing the
 * 82576 and i350 EAS; 82599 MAXFRS likewise excludes the tag); QEMU's igb_rx_is_oversized
 * does not, so its LPE limit cuts a tagged frame 4 bytes short (docs/switch-reference.md).
 */
export function isOversized(len: number, tags: number, longPacket: boolean, rlpml: number): boolean {
  return longPacket ? len + FCS_BYTES > rlpml + 4 * tags : len > STD_MAX_FRAME + 4 * tags;
}

export class ReferenceSwitch {
  readonly config: SwitchConfig;
  readonly counters: SwitchCounters;
  /** rings[pool][queue]. */
  readonly rings: RxRingState[][];
  readonly ledger: Ledger = emptyLedger();
  private readonly heldTx: Array<Array<{ frame: Uint8Array; opts: TransmitOptions }>>;
  /** Parser settings for RSS (extra VXLAN ports, like the Wasm switch's `vxlanPorts`). */
  private readonly parseOptions: ParseOptions;

  constructor(config: SwitchConfig, opts: ParseOptions = {}) {
    assertValidSwitchConfig(config);
    // Own copy: later edits to the caller's object must not change a running switch.
    this.config = structuredClone(config);
    this.counters = emptySwitchCounters(this.config);
    this.rings = this.config.pools.map((p) =>
      Array.from({ length: p.numRxQueues }, () => newRxRing(this.config.port.ringSize)),
    );
    this.heldTx = this.config.pools.map(() => []);
    this.parseOptions = { vxlanPorts: [...(opts.vxlanPorts ?? [])] };
  }

  // -------------------------------------------------------------------------------------
  // Receive from the wire (§2).

  receiveFromWire(input: Uint8Array): SwitchDecision {
    const { port } = this.config;
    const pc = this.counters.port;
    const d = newDecision({ kind: "wire" });
    this.ledger.wireIn++;
    // No descriptor can carry it: dropped before the switch, counted in ROC only.
    if (input.length > MAX_DESCRIPTOR_FRAME) {
      bump(pc, "roc");
      return this.frameDrop(d, "oversize");
    }
    // §2.1 admission: < 14 cannot be switched; 14..59 is padded to 60 and counted (RUC).
    if (input.length < ETH_HEADER) {
      bump(pc, "rx_runt_dropped");
      return this.frameDrop(d, "runt");
    }
    let frame = input;
    if (frame.length < MIN_FRAME) {
      frame = padTo(frame, MIN_FRAME);
      d.padded = true;
      bump(pc, "ruc");
    }
    bump(pc, "rx_packets");
    bump(pc, "rx_bytes", frame.length + FCS_BYTES);
    bumpBucket(pc.rx_size, frame.length);

    const l2 = parseSwitchL2(frame, port); // §2.2
    if (l2.truncatedTag) {
      bump(pc, "rx_errors");
      return this.frameDrop(d, "vlan-tag-truncated");
    }
    // Port-wide size limit first; the per-pool limit comes after pool selection (§2.1).
    if (isOversized(frame.length, l2.tags.length, port.longPacket, port.maxFrame)) {
      bump(pc, "roc");
      return this.frameDrop(d, "oversize");
    }
    // Stage 0 (skipped by QEMU's VMDq branch, §2.6) and stage 0b (§2.3).
    if (!port.qemuDefaultPool && !passesPortL2Filter(this.config, l2)) {
      bump(pc, "rx_l2_filtered");
      return this.frameDrop(d, "l2-filter");
    }
    if (!passesVfta(this.config, l2)) {
      bump(pc, "rx_vlan_filtered");
      return this.frameDrop(d, "vlan-filter");
    }
    const pools = selectRxPools(this.config, l2); // steps 1..12
    if (pools.length === 0) {
      bump(pc, "rx_no_pool");
      return this.frameDrop(d, "no-pool");
    }
    this.ledger.rxSwitched++;
    const oversizeCopies = this.deliverCopies(d, frame, l2, pools, false);
    // ROC only when the frame was too long for every selected pool (§2.1).
    if (oversizeCopies === pools.length) bump(pc, "roc");
    if (d.deliveries.length === 0)
      d.dropped = oversizeCopies === pools.length ? "oversize" : "all-copies-dropped";
    return d;
  }

  // -------------------------------------------------------------------------------------
  // Transmit from a pool (§3).

  transmitFromPool(poolIndex: number, frame: Uint8Array, opts: TransmitOptions = {}): SwitchDecision {
    const pool = this.pool(poolIndex);
    this.ledger.txIn++;
    if (!pool.txEnable) {
      // §3.1: the ring is not serviced; the frame waits (in flight), nothing is counted.
      this.heldTx[poolIndex]!.push({ frame: frame.slice(), opts: { ...opts } });
      this.ledger.txHeld++;
      const d = newDecision({ kind: "pool", pool: poolIndex });
      d.dropped = "tx-disabled";
      return d;
    }
    return this.processTx(pool, frame, opts);
  }

  private processTx(pool: PoolConfig, input: Uint8Array, opts: TransmitOptions): SwitchDecision {
    const { port } = this.config;
    const pc = this.counters.pools[pool.index]!;
    const d = newDecision({ kind: "pool", pool: pool.index });
    const txError = (reason: FrameDropReason, mdd = false): SwitchDecision => {
      bump(pc, "tx_errors");
      bump(pc, "tx_dropped");
      if (mdd) bump(pc, "mdd_events");
      return this.frameDrop(d, reason);
    };
    // No descriptor can carry it (a waiting frame is held like the others while VFTE is off).
    if (input.length > MAX_DESCRIPTOR_FRAME) return txError("tx-oversize");
    // §3.4 MDD minimum: a frame that cannot hold an Ethernet header.
    if (input.length < ETH_HEADER) return txError("mdd-short");
    let frame = input;
    if (port.txPadShort && frame.length < MIN_FRAME) {
      frame = padTo(frame, MIN_FRAME);
      d.padded = true;
    }
    let l2 = parseSwitchL2(frame, port);
    if (l2.truncatedTag) return txError("vlan-tag-truncated");

    // §3.2 VLAN insertion policy (VMVIR).
    const pv = pool.portVlan;
    if (pv.action !== "descriptor") {
      const outerType = (frame[12]! << 8) | frame[13]!;
      // An 802.1ad port VLAN over a VF's own C-tag gives QinQ (§3.7); any other tag is an MDD event.
      const qinq = pv.tpid !== port.vlanTpid && outerType === port.vlanTpid;
      const preTagged = !qinq && (l2.tags.length > 0 || outerType === pv.tpid);
      if (preTagged) return txError("mdd-vlan", true);
      if (pv.action === "default") frame = insertTag(frame, pv.tpid, pv.tci);
    } else if (opts.vlanTci !== undefined) {
      frame = insertTag(frame, port.vlanTpid, opts.vlanTci & 0xffff);
    }
    if (frame !== input) l2 = parseSwitchL2(frame, port);

    // §3.8: port transmit ceiling.
    if (frame.length + FCS_BYTES > port.txMaxFrame) return txError("tx-oversize");

    // §3.3 anti-spoofing (VLAN check needs MAC check on; untagged frames are not VLAN-checked).
    if (pool.macAntiSpoof) {
      const spoofed = (reason: FrameDropReason): SwitchDecision => {
        bump(pc, "tx_spoofed");
        bump(pc, "tx_dropped");
        bump(this.counters.port, "tx_spoofed");
        return this.frameDrop(d, reason);
      };
      if (!this.poolOwnsMac(pool.index, l2.sa)) return spoofed("mac-spoof");
      if (pool.vlanAntiSpoof && l2.vid !== null && !this.isVlanMember(pool.index, l2.vid)) {
        return spoofed("vlan-spoof");
      }
    }

    // Transmitted: counted in the sender's Tx counters whatever happens next (§3.5 statistics).
    countPoolTx(pc, frame.length, l2.daClass);
    this.ledger.txTransmitted++;
    const loopback = port.mode === "veb" && port.txLoopback;
    const sel = loopback ? selectTxPools(this.config, l2, pool.index) : { pools: [], toWire: true };
    if (sel.pools.length > 0) {
      bump(pc, "tx_lb_packets");
      bump(pc, "tx_lb_bytes", frame.length + FCS_BYTES);
      this.deliverCopies(d, frame, l2, sel.pools, true);
    }
    if (sel.toWire) {
      d.toWire = true;
      d.wireBytes = frame === input ? frame.slice() : frame; // never alias the caller's buffer
      this.ledger.wireOut++;
      bump(this.counters.port, "tx_packets");
      bump(this.counters.port, "tx_bytes", frame.length + FCS_BYTES);
      bumpBucket(this.counters.port.tx_size, frame.length);
    } else if (sel.pools.length === 0) {
      // E.g. a unicast to the sender's own MAC with LLE off (§3.5): nowhere, yet transmitted.
      bump(this.counters.port, "tx_no_destination");
      d.dropped = "no-destination";
    } else if (d.deliveries.length === 0) {
      d.dropped = "all-copies-dropped";
    }
    return d;
  }

  // -------------------------------------------------------------------------------------
  // Copies into pools: per-pool size check, VLAN strip, queue choice, descriptors (§2.1, §2.8,
  // §4.6, §5). Returns how many copies were too long.

  private deliverCopies(
    d: SwitchDecision,
    frame: Uint8Array,
    l2: SwitchL2,
    pools: number[],
    loopback: boolean,
  ): number {
    const { port } = this.config;
    let oversize = 0;
    // Parsed once (lazily), hashed per pool: keys and levels may differ between pools.
    let parsed: ParsedFrame | undefined;
    const parsedFrame = (): ParsedFrame => {
      parsed ??= parseFrame(frame, this.parseOptions);
      return parsed;
    };
    for (const p of pools) {
      const pool = this.pool(p);
      const pc = this.counters.pools[p]!;
      this.ledger.copiesSelected++;
      if (isOversized(frame.length, l2.tags.length, pool.flags.lpe, pool.rlpml)) {
        oversize++;
        bump(pc, "rx_dropped");
        bump(pc, "rx_oversize");
        this.copyDrop(d, { pool: p, queue: null, reason: "oversize" });
        continue;
      }
      let bytes = frame;
      let vlanTci: number | null = null;
      const strip = pool.flags.strvlan && l2.vlanTag !== null;
      if (strip) {
        bytes = removeTag(frame, l2.vlanTag!.offset);
        vlanTci = pool.flags.hideVlan ? null : l2.vlanTag!.tci;
      }
      // Loopback copies: queue 0 without RSS unless RSS on loopback is switched on (§3.5).
      const choice =
        loopback && !port.rss.onLoopback
          ? { queue: 0, hash: 0, rssType: "none" as const }
          : chooseQueue(frame, port, pool, parsedFrame());
      const ring = this.rings[p]![choice.queue]!;
      const qc = this.counters.queues[p]![choice.queue]!;
      const descriptors = descriptorsFor(bytes.length, port.rxBufferSize);
      if (!takeDescriptors(ring, descriptors)) {
        bump(qc, "rx_no_desc");
        bump(pc, "rx_dropped");
        this.copyDrop(d, { pool: p, queue: choice.queue, reason: "no-desc" });
        continue;
      }
      const delivery: Delivery = {
        pool: p,
        queue: choice.queue,
        hash: choice.hash,
        rssType: choice.rssType,
        loopback,
        vlanStripped: strip,
        vlanTci,
        descriptors,
        bytes: bytes === frame ? frame.slice() : bytes,
      };
      ring.pending.push(delivery);
      d.deliveries.push(delivery);
      this.ledger.copiesDelivered++;
      bump(qc, "rx_packets");
      bump(qc, "rx_bytes", bytes.length + FCS_BYTES);
      bump(qc, "rx_descriptors", descriptors);
      countPoolRx(pc, bytes.length, l2.daClass, loopback);
    }
    return oversize;
  }

  // -------------------------------------------------------------------------------------
  // Driver side and PF controls.

  /** The VF driver takes every frame waiting in a queue and re-posts the buffers. */
  drain(pool: number, queue: number): Delivery[] {
    const frames = drainRing(this.ring(pool, queue));
    this.ledger.copiesDrained += frames.length;
    return frames;
  }

  /** Drain every queue of every pool. */
  drainAll(): Delivery[] {
    const out: Delivery[] = [];
    this.rings.forEach((qs, p) => {
      qs.forEach((_, q) => {
        out.push(...this.drain(p, q));
      });
    });
    return out;
  }

  /** Set a ring's head/tail directly (tests of ring arithmetic; pending frames are kept). */
  setRxRing(pool: number, queue: number, state: { head: number; tail: number }): void {
    const r = this.ring(pool, queue);
    const ok = (v: number) => Number.isInteger(v) && v >= 0 && v < r.size;
    if (!ok(state.head) || !ok(state.tail)) throw new RangeError(`head/tail must be in 0..${r.size - 1}`);
    r.head = state.head;
    r.tail = state.tail;
  }

  freeDescriptors(pool: number, queue: number): number {
    return freeDescriptors(this.ring(pool, queue));
  }

  /** VFRE. */
  setRxEnable(pool: number, on: boolean): void {
    this.pool(pool).rxEnable = on;
  }

  /** VFTE. Enabling services the frames held while it was off, in order. */
  setTxEnable(pool: number, on: boolean): SwitchDecision[] {
    const p = this.pool(pool);
    p.txEnable = on;
    if (!on) return [];
    const held = this.heldTx[pool]!.splice(0);
    this.ledger.txHeld -= held.length;
    return held.map(({ frame, opts }) => this.processTx(p, frame, opts));
  }

  heldTxCount(pool: number): number {
    return this.heldTx[pool]!.length;
  }

  /** Conservation violations (empty when every frame and copy is accounted for). */
  conservation(): string[] {
    const l = this.ledger;
    const out: string[] = [];
    const inRings = this.rings.flat().reduce((n, r) => n + r.pending.length, 0);
    const rxFrames = l.wireIn + l.txIn;
    const ended = l.frameDrops + l.txHeld + l.txTransmitted + l.rxSwitched;
    if (rxFrames !== ended)
      out.push(`frames offered ${rxFrames} != dropped+held+transmitted+switched ${ended}`);
    if (l.copiesSelected !== l.copiesDelivered + l.copiesDropped) {
      out.push(
        `copies selected ${l.copiesSelected} != delivered ${l.copiesDelivered} + dropped ${l.copiesDropped}`,
      );
    }
    if (l.copiesDelivered !== l.copiesDrained + inRings) {
      out.push(`copies delivered ${l.copiesDelivered} != drained ${l.copiesDrained} + in rings ${inRings}`);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------

  private pool(index: number): PoolConfig {
    const p = this.config.pools[index];
    if (!p) throw new RangeError(`no pool ${index} (pools 0..${this.config.pools.length - 1})`);
    return p;
  }

  private ring(pool: number, queue: number): RxRingState {
    const r = this.rings[pool]?.[queue];
    if (!r) throw new RangeError(`no Rx queue ${queue} in pool ${pool}`);
    return r;
  }

  private poolOwnsMac(pool: number, sa: Uint8Array): boolean {
    const text = Array.from(sa, (b) => b.toString(16).padStart(2, "0")).join(":");
    return this.config.rar.some((r) => r.mac === text && r.pools.includes(pool));
  }

  private isVlanMember(pool: number, vid: number): boolean {
    return this.config.vlvf.some((e) => e.vid === vid && e.pools.includes(pool));
  }

  private frameDrop(d: SwitchDecision, reason: FrameDropReason): SwitchDecision {
    d.dropped = reason;
    this.ledger.frameDrops++;
    return d;
  }

  private copyDrop(d: SwitchDecision, drop: CopyDrop): void {
    d.copyDrops.push(drop);
    this.ledger.copiesDropped++;
  }
}

function newDecision(source: SwitchDecision["source"]): SwitchDecision {
  return {
    source,
    dropped: null,
    deliveries: [],
    copyDrops: [],
    toWire: false,
    wireBytes: null,
    padded: false,
  };
}
