// Generator: the peer on the wire (rx: frames arrive at the offered rate, serialized at link
// rate, handed to the NIC in write-back windows of at most nic_window_frames frames or
// nic_window_ns) or a sender on a CPU: the consumer's application (tx: frames handed to its
// stack, which charges its per-packet cost), or a host thread writing into a device
// (`tailDrop`: pktgen into a tap). Such a thread sends at the offered rate or as fast as its core
// allows, whichever is lower (pktgen does not catch up on slots it missed while busy), and its
// device drops what its queue cannot take (tun_net_xmit on a full ring): those frames were built
// and handed over (charged), then dropped and counted (G_TAILDROP). A sender on a CPU
// (a vCPU or a host core) busy-waits between its frames (FreeBSD's netsend spins on the clock;
// netmap's pkt-gen below 1 ms, Linux pktgen below 100 us, TRex and DPDK poll), so its CPU never
// idles while it has frames to send (idle.ts idle(), the busy-wait counted as polling); ping(8) sleeps between its
// requests instead (ctx.senderSleeps). The Wasm kernel paces, stamps (arrival ns) and builds the
// frames.
import * as P from "../../../assembly/pathabi.ts";
import { countBatch } from "../activation.ts";
import { measureFromNs as measureFrom, setU64, u64 } from "../context.ts";
import { generatorOverrun } from "../faults.ts";
import { idle, senderDone } from "../idle.ts";
import { receiveGate } from "../receive-first.ts";
import { ackGenerator } from "./ack-gen.ts";
import { BatchPricer, ctxOf, type ElementKind, specResource } from "./common.ts";

/** pktgen busy-waits for its next frame only when it is due within this (Linux
 *  net/core/pktgen.c spin(): "for small delays (<100us), just loop until limit is reached";
 *  longer ones sleep on an hrtimer, schedule()). */
const PKTGEN_SPIN_BELOW_NS = 100_000;

export const gen: ElementKind = {
  kind: "gen",
  ports: (s) => ({ in: [], out: [(s as { out: string }).out] }),
  create(spec, ctx) {
    // The receiver's ACKs of a closed loop: sent when its reads ask, not at the offered rate.
    if (ctx.closedLoop?.ackGen === spec.name) return ackGenerator(spec, ctx, ctx.closedLoop);
    const c = ctxOf(ctx, spec.name);
    const res = specResource(ctx, spec);
    const out = ctx.link((spec as { out: string }).out);
    const onWire = res.kind === "wire";
    const u32 = ctx.u32;
    const W = ctx.costs.c.nic_window_frames;
    const Q = ctx.costs.c.nic_window_ns;
    const psPerByte = onWire ? 8000 / ctx.linkGbps : 0;
    u32[(c + P.G_FLAGS) >>> 2] |= P.GF_TIMED | (ctx.poisson ? P.GF_POISSON : 0);
    u32[(c + P.G_PS_PER_BYTE) >>> 2] = Math.round(psPerByte);
    u32[(c + P.G_RNG2) >>> 2] = (ctx.seed(spec.name) * 2246822519) >>> 0 || 1;
    // At most the line rate of the wire this generator's direction crosses (src/engine/line-rate.ts).
    const ratePps = Math.min(
      ctx.ratePps,
      ctx.lineRatePps[ctx.built.dirOf.get(spec.name) ?? "rx"] ?? Infinity,
    );
    setU64(ctx, c + P.G_GAP_PS, 1e12 / ratePps);
    setU64(ctx, c + P.G_LIMIT, ctx.count);
    setU64(ctx, c + P.G_NEXT_PS, 0);
    setU64(ctx, c + P.G_WIRE_PS, 0);
    setU64(ctx, c + P.G_CLOCK_PS, 0);
    const overrun = generatorOverrun(ctx, c, onWire); // an injected fault, or null
    // Closed loop (the sender on the wire): send only while the window has room; a full window
    // waits until it opens (the next ACK's arrival, or read), and nothing is sent before it.
    const loop = onWire ? ctx.closedLoop : undefined;
    // The window was full and the sender waited for a read: the frames it held back are sent
    // from the read on, not back-dated to their (past) offered times.
    let heldBack = false;
    const reopen = (t: number): void => {
      ctx.q.push(t, window);
    };
    const tailDrop = !onWire && (spec as { tailDrop?: boolean }).tailDrop === true;
    // A sender whose VF is rate limited: when the driver's queue is full (the NIC's scheduler
    // holds the VF's ring back, the driver cannot post) the frames due are dropped there, as a
    // full interface queue answers ENOBUFS, instead of being sent late: the loss is the queue's.
    const dropsWhenFull = tailDrop || (!onWire && ctx.vfTxShaper !== undefined);
    const gapPs = 1e12 / ratePps;
    let bytes = 0;
    const serialize = res.account("serialize");
    const pricer = onWire ? null : new BatchPricer(ctx, res, spec);
    const stats = { batches: 0, packets: 0, maxBatch: 0 };
    // The kernel, looked up once (the exports object is a dictionary).
    const genBurst = ctx.k.genBurst;
    const genWindow = ctx.k.genWindow;
    const { q, offerUntilNs, count } = ctx; // fixed for the run
    // ping(8) sends its -c requests however late (held back by the replies' receive work on its
    // CPU: receive-first.ts); a paced sender offers only until the offered window ends.
    const sendsUntilNs = ctx.senderSleeps && count > 0 && !onWire ? Number.POSITIVE_INFINITY : offerUntilNs;
    // Frames stamped before the measured window (the sinks measure from whole microseconds,
    // S_WARMUP_US): offered = frames sent minus these. A burst reaches ahead of its event's time
    // (up to nic_window_ns), and a sender held back makes frames stamped in the past, so the
    // count is kept per burst: one that may cross the threshold is made in two kernel calls (the
    // same frames and stamps as one call: the kernel's state carries over), counted between.
    const measureFromNs = measureFrom(ctx.warmupNs);
    let unmeasured = 0;
    let settled = measureFromNs === 0; // every frame from now on is stamped in the window
    const countUnmeasured = (): void => {
      // Every frame so far arrived by the threshold; only the last can arrive exactly at it.
      const sent = u64(ctx, c + P.G_SENT);
      unmeasured = u64(ctx, c + P.G_LAST_NS) < measureFromNs ? sent : sent - 1;
    };
    const cutShort = () => u64(ctx, c + P.G_NOBUF) + u64(ctx, c + P.G_RINGFULL);
    const burst = (until: number, budget: number): number => {
      if (settled) return genBurst(c, budget);
      if (until <= measureFromNs) {
        const n = genBurst(c, budget);
        if (n > 0) countUnmeasured();
        return n;
      }
      setU64(ctx, c + P.G_UNTIL_NS, measureFromNs);
      const cut = cutShort();
      const n1 = genBurst(c, budget);
      setU64(ctx, c + P.G_UNTIL_NS, until);
      if (n1 > 0) countUnmeasured();
      // Out of budget, buffers or ring room: the burst ends here, as one call would have ended.
      if (n1 >= budget || cutShort() > cut) return n1;
      settled = true; // it stopped at the threshold: every frame stamped before it is made
      return n1 + genBurst(c, budget - n1);
    };
    // A sender on a CPU (a vCPU, or a host core on the native and jail paths) keeps it
    // busy-waiting until its last frame is sent; pktgen only while its gap is shorter than
    // PKTGEN_SPIN_BELOW_NS (longer ones it sleeps on an hrtimer).
    let busyWaits = !onWire && !ctx.senderSleeps && (!tailDrop || 1e9 / ratePps < PKTGEN_SPIN_BELOW_NS);
    if (busyWaits) res.busyWaitingSenders++;
    const finished = (t: number): void => {
      if (!busyWaits) return;
      busyWaits = false;
      senderDone(ctx, res, t);
    };
    // A sender on a CPU that receives too runs only when no receive work is pending there
    // (receive-first.ts): its frames due meanwhile wait, and it sends them when that work ends.
    const gate = onWire ? null : receiveGate(res);
    // Its waits: from when its own work placed on the CPU ends (`busyTo`), so time its last
    // burst still runs is not counted as waiting.
    const held = { waits: 0, ns: 0, from: -1, busyTo: 0 };
    const inWindow = (a: number, b: number) =>
      Math.max(0, Math.min(b, offerUntilNs) - Math.max(a, measureFromNs));
    const resume = (t: number): void => {
      if (t > held.from) held.ns += inWindow(held.from, t);
      held.from = -1;
      window(t);
    };
    // Pushed back by the path (shortfall.ts): from one of its events to the next, it was behind
    // its schedule because its queue was full (a burst cut short by ring room or buffers, or
    // dropped into a full queue: `full`) or, its queue not full, because its CPU was still busy
    // with work already placed there (`busy`). Each interval counts once, by what its first event
    // found; time waiting for receive work is the gate's (`held`), never these.
    const pushed = { fullNs: 0, busyNs: 0, from: -1, full: false };
    const closePushed = (t: number): void => {
      if (pushed.from < 0) return;
      const ns = inWindow(pushed.from, t);
      if (pushed.full) pushed.fullNs += ns;
      else pushed.busyNs += ns;
      pushed.from = -1;
    };
    const openPushed = (t: number, full: boolean): void => {
      pushed.from = t;
      pushed.full = full;
    };
    const window = (t: number): void => {
      if (!onWire) closePushed(t);
      if (t >= sendsUntilNs || (count > 0 && u64(ctx, c + P.G_SENT) + u64(ctx, c + P.G_OVERRUN) >= count)) {
        finished(t);
        return;
      }
      if (gate?.busy) {
        if (t >= measureFromNs) held.waits++;
        held.from = Math.max(t, held.busyTo);
        gate.wait(resume);
        return;
      }
      // Frames (or, for a sending thread, slots) came due before now that it has not made.
      const behind = !onWire && u64(ctx, c + P.G_NEXT_PS) < Math.floor(t * 1000);
      if (tailDrop && res.busyUntil > t) {
        if (behind) openPushed(t, false);
        q.push(res.busyUntil, window); // the thread is still sending what it built
        return;
      }
      // A sending thread skips the slots it missed while busy (pktgen's next_tx from now).
      if (tailDrop && u64(ctx, c + P.G_NEXT_PS) < t * 1000) setU64(ctx, c + P.G_NEXT_PS, t * 1000);
      let budget = W;
      if (loop) {
        const room = loop.room(u64(ctx, c + P.G_SENT));
        if (room <= 0) {
          heldBack = true;
          loop.wait(reopen);
          return;
        }
        budget = Math.min(W, room);
        // Only then: moved forward at every window, a frame longer on the wire than the
        // write-back window (a full-size frame at 10 GbE: 1.2 us > nic_window_ns) would never
        // fit in one, and nothing would be sent. (A burst the room cut short leaves its other
        // frames due; the next window, at most nic_window_ns later, sends them back to back.)
        if (heldBack) setU64(ctx, c + P.G_NEXT_PS, Math.max(u64(ctx, c + P.G_NEXT_PS), t * 1000));
        heldBack = false;
      }
      let until = Math.min(t + Q, sendsUntilNs);
      if (!onWire) setU64(ctx, c + P.G_UNTIL_NS, until); // (the wire's window sets its own below)
      // A sender on a CPU behind its slots (its queue was full: its stack held it back) makes
      // the frames it owes when it gets to them, once its core has done the work already given
      // it, and stamps them then, not back-dated to their slots: it offers what it made, when it
      // made it (the measured window counts frames by stamp), and their latency runs from then.
      // Its slots stay where they were: it keeps sending as fast as its core allows. A sender on
      // time (every frame below capacity) is untouched: its frames are stamped at their slots.
      if (!onWire) {
        const nowPs = Math.floor(t * 1000); // t can be a slot's ps / 1000: never past that slot
        if (u64(ctx, c + P.G_NEXT_PS) < nowPs) {
          const madePs = Math.floor(Math.max(t, res.busyUntil) * 1000);
          if (u64(ctx, c + P.G_WIRE_PS) < madePs) setU64(ctx, c + P.G_WIRE_PS, madePs);
        }
      }
      overrun?.before(t);
      const full0 = dropsWhenFull ? u64(ctx, c + P.G_RINGFULL) : 0;
      const cut0 = onWire ? 0 : cutShort();
      // A sending thread builds each frame when its slot comes: its work starts at the first slot.
      // (Only a sender on a CPU prices its work: the wire's window needs no read of it.)
      const firstSlot = onWire ? 0 : u64(ctx, c + P.G_NEXT_PS) / 1000;
      let n: number;
      if (onWire) {
        // The write-back window opens when its first frame is in (its last bit: the NIC has
        // nothing to write back before), as the steering wire and the echo peer open theirs,
        // not when that frame's first bit starts, which hid its serialization in the window's
        // timer (a 98 B frame at 1 GbE: 944 of the 1,000 ns). So the first frame is made
        // alone, up to the end of the offer, and the window closes nic_window_ns after it.
        // (A frame made after its arrival, held back by a full ring or no buffers, opens it now.)
        if (settled && Number.isFinite(sendsUntilNs)) {
          // Both in one kernel call (the same frames; a call per window less: simulator speed).
          n = genWindow(c, budget, t, Q, sendsUntilNs);
          if (n > 0) until = Math.min(Math.max(u64(ctx, c + P.G_FIRST_NS), t) + Q, sendsUntilNs);
        } else {
          // Before the measured window a burst may be cut at its threshold (burst()).
          setU64(ctx, c + P.G_UNTIL_NS, sendsUntilNs);
          n = burst(sendsUntilNs, 1);
          if (n > 0) until = Math.min(Math.max(u64(ctx, c + P.G_LAST_NS), t) + Q, sendsUntilNs);
          setU64(ctx, c + P.G_UNTIL_NS, until);
          if (n > 0 && budget > 1) n += burst(until, budget - 1);
        }
      } else n = burst(until, budget);
      if (!onWire && (behind || cutShort() > cut0)) openPushed(t, cutShort() > cut0);
      // The device's queue was full: the frames due in this window are built, handed over and
      // dropped (constant gaps; Poisson arrivals use the mean gap for them).
      let drops = 0;
      if (dropsWhenFull && u64(ctx, c + P.G_RINGFULL) > full0) {
        let next = u64(ctx, c + P.G_NEXT_PS);
        while (next <= until * 1000 && drops < W - n) {
          next += gapPs;
          drops++;
        }
        setU64(ctx, c + P.G_NEXT_PS, next);
        setU64(ctx, c + P.G_TAILDROP, u64(ctx, c + P.G_TAILDROP) + drops);
      }
      const nextStart = u64(ctx, c + P.G_NEXT_PS) / 1000;
      if (drops > 0) {
        res.sleeping = false;
        const end = (pricer as BatchPricer).price(firstSlot, n + drops);
        held.busyTo = end;
        if (busyWaits) idle(ctx, res, end);
        if (n > 0) out.publish(end);
        if (n > 0) {
          countBatch(stats, n);
          bytes = u64(ctx, c + P.G_BYTES);
        }
        ctx.q.push(Math.max(end, nextStart, t + 1), window);
        return;
      }
      if (n === 0) {
        q.push(Math.max(until, nextStart, t + 1), window);
        return;
      }
      countBatch(stats, n);
      const last = u64(ctx, c + P.G_LAST_NS);
      const b = u64(ctx, c + P.G_BYTES);
      const db = b - bytes;
      bytes = b;
      let end: number;
      if (onWire) {
        // Descriptor write-back coalescing: the window closes when full or when its timer expires.
        end = n >= W ? last : until;
        const ns = ((db + 24 * n) * psPerByte) / 1000;
        res.addCycles(serialize, ns);
        res.busyNs += ns;
      } else {
        // The application's frames go through its stack as they are sent.
        res.sleeping = false;
        end = (pricer as BatchPricer).price(tailDrop ? firstSlot : last, n);
        held.busyTo = end;
        // Busy-waiting from the burst's end to its next slot: pktgen's tap is read on another
        // core, so nothing on its own starts the wait (an application's frames go to a driver
        // stage on its CPU, which calls idle() when done).
        if (busyWaits && tailDrop) idle(ctx, res, end);
      }
      const next = Math.max(onWire ? end : last, nextStart, t + 1);
      const ready = out.record(end);
      // The consumer's event and the next window fall at the same time, one right after the
      // other (consecutive sequence numbers): one event runs both, in that order.
      if (ready === next) q.push(next, consumerThenWindow);
      else {
        if (ready >= 0) q.push(ready, out.consumer as (t: number) => void);
        q.push(next, window);
      }
    };
    const consumerThenWindow = (t: number): void => {
      (out.consumer as (t: number) => void)(t);
      window(t);
    };
    return {
      name: spec.name,
      stats,
      start: () => ctx.q.push(0, window),
      sentBeforeMeasured: () => unmeasured,
      // Its waits for receive work begun inside the measured window, and their time in it (a
      // wait still open at the run's end counts up to the window's end).
      receiveWait: () => ({
        waits: held.waits,
        ns: held.ns + (held.from >= 0 && held.from < offerUntilNs ? inWindow(held.from, offerUntilNs) : 0),
      }),
      // Its time pushed back inside the measured window (an interval still open at the run's
      // end counts up to the window's end).
      pushedBack: () => {
        const open = pushed.from >= 0 ? inWindow(pushed.from, offerUntilNs) : 0;
        return {
          fullNs: pushed.fullNs + (pushed.full ? open : 0),
          busyNs: pushed.busyNs + (pushed.full ? 0 : open),
        };
      },
      ...(overrun ? { faultRecord: () => overrun.record() } : {}),
    };
  },
};
