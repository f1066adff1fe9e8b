// Split virtqueue (virtio 1.x §2.7) in shared memory, receive direction: the guest driver posts
// buffers on the avail ring, the vhost-style backend copies each frame from its input ring (the
// tap) into the next guest buffer (behind a 12-byte virtio_net_hdr) and publishes it on the used
// ring. Notifications use VIRTIO_RING_F_EVENT_IDX when negotiated: used_event / avail_event
// suppress interrupts and kicks the other side does not need; without it, the flags of virtio
// 1.x §2.7.7 do (VRING_AVAIL_F_NO_INTERRUPT set by the driver while it polls, VRING_USED_F_NO_NOTIFY
// set by the device while it works): a side then signals on every index move while the other's
// flag is clear, not only on the first one past the event index. Counts copies, bytes, kicks and
// notifications.
import { R_TAIL, D_BUF, D_OFF, D_LEN, D_HASH, D_TCI, D_FLAGS, D_INFO, DF_EOP, H_BUF_HEADROOM } from "../abi";
import {
  V_SIZE, V_DESC, V_AVAIL, V_USED, V_GBUF, V_IN, V_RET, V_SINK, V_EVENT_IDX, V_LAST_AVAIL, V_COPIES, V_BYTES_COPIED,
  V_USED_NOTIFY, V_USED_SUPPRESSED, V_NO_AVAIL, V_LAST_USED, V_KICKS, V_KICKS_SUPPRESSED, V_REFILLED, VNET_HDR_BYTES,
  V_PEND_USED, V_PEND_REFILL,
  S_CLOCK, S_PKT_PS, X_HDR, V_OUT, V_SIDE, V_GBUF_LEN, V_RSIDE, V_GSIDE,
} from "../pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";
import { sinkCheck, sinkReplayed } from "./sink";

@inline function bump(ctx: usize, off: usize, v: u64): void { store<u64>(ctx + off, load<u64>(ctx + off) + v); }

/** vring_need_event(): should the side that moved an index from `old` to `now` notify? */
@inline export function needEvent(event: u32, now: u32, old: u32): bool {
  return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
}

/** used_event sits after avail.ring[size], avail_event after used.ring[size]. */
@inline function usedEventAddr(vq: usize): usize { return availRing(vq) + 4 + (<usize>load<u32>(vq + V_SIZE) << 1); }
@inline function availEventAddr(vq: usize): usize { return usedRing(vq) + 4 + (<usize>load<u32>(vq + V_SIZE) << 3); }

// Ring layout (virtio 1.x §2.7): each burst below walks the same three areas, so their address
// arithmetic is written once here. The queue size is a power of two: `mask` = size - 1.
@inline function ringMask(vq: usize): u32 { return load<u32>(vq + V_SIZE) - 1; }
@inline function availRing(vq: usize): usize { return <usize>load<u32>(vq + V_AVAIL); }
@inline function usedRing(vq: usize): usize { return <usize>load<u32>(vq + V_USED); }
@inline function descTable(vq: usize): usize { return <usize>load<u32>(vq + V_DESC); }
/** avail.ring[idx]: the u16 descriptor id posted at avail index `idx`. */
@inline function availSlot(avail: usize, idx: u32, mask: u32): usize { return avail + 4 + (<usize>(idx & mask) << 1); }
/** used.ring[idx]: the {u32 id, u32 len} element published at used index `idx`. */
@inline function usedElem(used: usize, idx: u32, mask: u32): usize { return used + 4 + (<usize>(idx & mask) << 3); }
@inline function putUsed(used: usize, idx: u32, mask: u32, id: u32, len: u32): void {
  const ue = usedElem(used, idx, mask);
  store<u32>(ue, id);
  store<u32>(ue + 4, len);
}
/** desc[id]: {u64 addr, u32 len, u16 flags, u16 next}. */
@inline function descAt(descT: usize, id: u32, mask: u32): usize { return descT + (<usize>(id & mask) << 4); }
/** A ring's index (avail.idx or used.idx) as the other side published it: read atomically. */
@inline function peerIdx(ring: usize): u32 { return <u32>atomic.load<u16>(ring + 2); }
/** A ring's index as this side last wrote it (nobody else writes it). */
@inline function ownIdx(ring: usize): u32 { return <u32>load<u16>(ring + 2); }
@inline function publishIdx(ring: usize, idx: u32): void { atomic.store<u16>(ring + 2, <u16>idx); }
/** Entries from this side's `last` up to the other side's `idx` (indices wrap at 2^16), at most `budget`. */
@inline function takeUpTo(idx: u32, last: u32, budget: u32): u32 {
  const n = (idx - last) & 0xffff;
  return n > budget ? budget : n;
}
/** Frame bytes of a buffer that holds `bufLen` bytes behind the virtio_net_hdr. */
@inline function frameBytes(bufLen: u32): u32 { return bufLen > <u32>VNET_HDR_BYTES ? bufLen - <u32>VNET_HDR_BYTES : 0; }
/** Writes a frame into a guest buffer behind a zeroed virtio_net_hdr (no offloads asked). */
@inline function toGuestBuffer(gaddr: usize, frame: usize, len: u32): void {
  memory.fill(gaddr, 0, VNET_HDR_BYTES);
  memory.copy(gaddr + VNET_HDR_BYTES, frame, len);
}

/** VRING_AVAIL_F_NO_INTERRUPT (avail.flags, driver) and VRING_USED_F_NO_NOTIFY (used.flags, device). */
const F_NO_SIGNAL: u16 = 1;

@inline function eventIdx(vq: usize): bool { return load<u32>(vq + V_EVENT_IDX) != 0; }
@inline function flagsAt(ring: usize, on: bool): void {
  const f = atomic.load<u16>(ring);
  atomic.store<u16>(ring, on ? f | F_NO_SIGNAL : f & ~F_NO_SIGNAL);
}
/** A side wants (true) or not (false) to be signalled: with EVENT_IDX it sets its event index
 *  (at `eventAt`) to `at`, without it it clears or sets NO_SIGNAL in its ring's flags. */
@inline function wantSignals(vq: usize, eventAt: usize, ownFlags: usize, want: bool, at: u32): void {
  if (eventIdx(vq)) { if (want) atomic.store<u16>(eventAt, <u16>at); }
  else flagsAt(ownFlags, !want);
}
/** The device wants (true) or not (false) kicks for new avail buffers. */
@inline function deviceWantsKicks(vq: usize, want: bool, at: u32): void {
  wantSignals(vq, availEventAddr(vq), usedRing(vq), want, at);
}
/** The driver wants (true) or not (false) an interrupt for new used buffers. */
@inline function driverWantsInterrupts(vq: usize, want: bool, at: u32): void {
  wantSignals(vq, usedEventAddr(vq), availRing(vq), want, at);
}

/** Should the side that moved its index from `old` by `n` signal the other? With EVENT_IDX, when
 *  the index passed the other's event index (at `eventAt`); without it, while the other's
 *  NO_SIGNAL flag (in the ring flags at `otherFlags`) is clear. */
@inline function signals(vq: usize, eventAt: usize, otherFlags: usize, old: u32, n: u32): bool {
  return eventIdx(vq)
    ? needEvent(<u32>atomic.load<u16>(eventAt), (old + n) & 0xffff, old)
    : (atomic.load<u16>(otherFlags) & F_NO_SIGNAL) == 0;
}

/** Driver side: `n` buffers posted after avail index `availIdx`; kick unless avail_event (or the
 *  device's NO_NOTIFY flag, without EVENT_IDX) suppresses it. */
@inline function countKick(vq: usize, availIdx: u32, n: u32): void {
  bump(vq, signals(vq, availEventAddr(vq), usedRing(vq), availIdx, n) ? V_KICKS : V_KICKS_SUPPRESSED, 1);
}

/** Backend side: `n` used entries published after used index `usedIdx`; notify unless used_event
 *  (or the driver's NO_INTERRUPT flag, without EVENT_IDX) suppresses it. */
@inline function countUsedNotify(vq: usize, usedIdx: u32, n: u32): void {
  bump(vq, signals(vq, usedEventAddr(vq), availRing(vq), usedIdx, n) ? V_USED_NOTIFY : V_USED_SUPPRESSED, 1);
}

/** Replay: a frame's arrival time (u64 ns) in the guest side table, per descriptor id. */
@inline function arrivalSlot(gside: usize, id: u32, mask: u32): usize { return gside + (<usize>(id & mask) << 3); }

/** Backend, end of a burst: `n` avail entries taken (`copied` frame bytes); with `rearm`, once it
 *  has caught up with the driver's avail index it asks for a kick again (vhost_enable_notify). */
@inline function backendTook(vq: usize, lastAvail: u32, availIdx: u32, n: u32, copied: u64, rearm: bool): void {
  store<u32>(vq + V_LAST_AVAIL, lastAvail + n);
  bump(vq, V_COPIES, n);
  bump(vq, V_BYTES_COPIED, copied);
  if (rearm && ((lastAvail + n) & 0xffff) == availIdx) deviceWantsKicks(vq, true, lastAvail + n);
}

/** Backend (vhost-copy): up to `budget` frames from the tap ring into guest buffers. The used
 *  entries are written now; their used index is published by vhostRxFlush when the batch is done
 *  (vhost_net_signal_used: the guest sees them, and the notification is decided, then). */
export function vhostRxBurst(vq: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(vq + V_IN);
  const ret = <usize>load<u32>(vq + V_RET);
  let n = rAvail(inr);
  if (n > budget) n = budget;
  if (ret != 0) { const s = rSpace(ret); if (s < n) n = s; }
  if (n == 0) return 0;
  const mask = ringMask(vq);
  const avail = availRing(vq);
  const used = usedRing(vq);
  const descT = descTable(vq);
  const lastAvail = load<u32>(vq + V_LAST_AVAIL);
  deviceWantsKicks(vq, false, 0); // vhost_disable_notify while it works
  const availIdx = peerIdx(avail);
  n = takeUpTo(availIdx, lastAvail, n);
  if (n == 0) {
    // Out of guest buffers: ask for a kick as soon as the guest adds one, and wait.
    bump(vq, V_NO_AVAIL, 1);
    deviceWantsKicks(vq, true, lastAvail);
    return 0;
  }
  const base = bufBase(vq);
  const bstride = bufStride(vq);
  const head = load<u32>(inr);
  const pend = load<u32>(vq + V_PEND_USED);
  const usedIdx = ownIdx(used) + pend;
  const rtail = ret != 0 ? load<u32>(ret + R_TAIL) : 0;
  const rside = <usize>load<u32>(vq + V_RSIDE);
  const gside = <usize>load<u32>(vq + V_GSIDE);
  let copied: u64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inr, head + k);
    const id = <u32>load<u16>(availSlot(avail, lastAvail + k, mask));
    if (gside != 0) store<u64>(arrivalSlot(gside, id, mask), load<u64>(rside + (<usize>load<u32>(d + D_BUF) << 3)));
    const de = descAt(descT, id, mask);
    const cap = load<u32>(de + 8);
    let l = descLen(d);
    if (l + VNET_HDR_BYTES > cap) l = cap - VNET_HDR_BYTES; // truncated (never: buffers fit the MTU)
    toGuestBuffer(<usize>load<u64>(de), frameAddr(base, bstride, d), l);
    putUsed(used, usedIdx + k, mask, id, l + VNET_HDR_BYTES);
    copied += <u64>l;
    if (ret != 0) store<u32>(rDesc(ret, rtail + k) + D_BUF, load<u32>(d + D_BUF));
  }
  rPublishHead(inr, n);
  if (ret != 0) rPublishTail(ret, n);
  store<u32>(vq + V_PEND_USED, pend + n);
  // Receive asks for kicks only when a frame finds no buffer (handle_rx: vhost_enable_notify when
  // get_rx_bufs returns no heads); a batch that ends because the tap ran dry leaves them off.
  backendTook(vq, lastAvail, availIdx, n, copied, false);
  return n;
}

/** Backend, end of a batch: publishes the used index of the entries vhostRxBurst wrote and
 *  notifies unless used_event (or the driver's NO_INTERRUPT flag, without EVENT_IDX) suppresses
 *  it, as the guest's state is now. Returns the entries published. */
export function vhostRxFlush(vq: usize): u32 {
  return flushUsed(vq, 0xffffffff);
}

/** Backend, one entry: publishes the oldest entry vhostRxBurst wrote and decides its
 *  notification against the guest's state now (vhost_add_used_and_signal_n after each packet,
 *  Linux 2.6.33-4.17). Returns the entries published (0 or 1). */
export function vhostRxFlushOne(vq: usize): u32 {
  return flushUsed(vq, 1);
}

function flushUsed(vq: usize, most: u32): u32 {
  const pend = load<u32>(vq + V_PEND_USED);
  const n = pend < most ? pend : most;
  if (n == 0) return 0;
  const used = usedRing(vq);
  const usedIdx = ownIdx(used);
  publishIdx(used, usedIdx + n);
  store<u32>(vq + V_PEND_USED, pend - n);
  countUsedNotify(vq, usedIdx, n);
  return n;
}

/** Guest driver: takes up to `budget` used buffers and checks each frame; the buffers are
 *  re-posted (avail index, kick) by vqGuestRxDone at the end of the poll. */
export function vqGuestRxBurst(vq: usize, budget: u32): u32 {
  const used = usedRing(vq);
  const lastUsed = load<u32>(vq + V_LAST_USED);
  const n = takeUpTo(peerIdx(used), lastUsed, budget);
  if (n == 0) return 0;
  driverWantsInterrupts(vq, false, 0); // virtqueue_disable_cb while NAPI polls
  const mask = ringMask(vq);
  const avail = availRing(vq);
  const descT = descTable(vq);
  const sink = <usize>load<u32>(vq + V_SINK);
  const clockAt = <usize>load<u32>(sink + S_CLOCK);
  const now = clockAt != 0 ? atomic.load<u64>(clockAt) : 0;
  const refill = load<u32>(vq + V_PEND_REFILL);
  const availIdx = ownIdx(avail) + refill;
  const gside = <usize>load<u32>(vq + V_GSIDE);
  for (let k: u32 = 0; k < n; k++) {
    const ue = usedElem(used, lastUsed + k, mask);
    const id = load<u32>(ue);
    const flen = frameBytes(load<u32>(ue + 4));
    const fnow = now + (<u64>(k + 1) * load<u64>(sink + S_PKT_PS)) / 1000;
    if (gside != 0) sinkReplayed(sink, flen, load<u64>(arrivalSlot(gside, id, mask)), fnow);
    else sinkCheck(sink, <usize>load<u64>(descAt(descT, id, mask)) + VNET_HDR_BYTES, flen, fnow);
    store<u16>(availSlot(avail, availIdx + k, mask), <u16>id); // refill
  }
  store<u32>(vq + V_PEND_REFILL, refill + n);
  store<u32>(vq + V_LAST_USED, lastUsed + n);
  return n;
}

/** Guest driver, end of a poll: once more than `refillFree` buffers are free (taken and not yet
 *  re-posted: num_free) it re-posts them all (virtnet_receive -> try_fill_recv: avail index; kick
 *  unless avail_event, or the device's NO_NOTIFY flag without EVENT_IDX, suppresses it), and when
 *  the poll `complete`s under budget re-enables the interrupt (virtqueue_enable_cb_prepare:
 *  used_event = last used, or the NO_INTERRUPT flag cleared) and returns 1 when used buffers
 *  arrived meanwhile (virtqueue_poll: poll again), else 0. */
export function vqGuestRxDone(vq: usize, complete: u32, refillFree: u32): u32 {
  const refill = load<u32>(vq + V_PEND_REFILL);
  if (refill > refillFree) {
    const avail = availRing(vq);
    const availIdx = ownIdx(avail);
    publishIdx(avail, availIdx + refill);
    store<u32>(vq + V_PEND_REFILL, 0);
    bump(vq, V_REFILLED, refill);
    countKick(vq, availIdx, refill);
  }
  if (complete == 0) return 0;
  const lastUsed = load<u32>(vq + V_LAST_USED);
  driverWantsInterrupts(vq, true, lastUsed);
  return ((peerIdx(usedRing(vq)) - lastUsed) & 0xffff) != 0 ? 1 : 0;
}

// ---- transmit direction --------------------------------------------------------------------
// The guest driver copies each frame of its stack's ring into its next transmit buffer (behind
// a 12-byte virtio_net_hdr), posts it on the avail ring and kicks under avail_event; the
// backend copies each posted buffer into a tap buffer (the host buffer paired with the
// descriptor in V_SIDE: nothing is allocated), publishes the used entry (the Tx completion) and
// notifies under used_event. Descriptors complete in order, so the guest reuses them in order.

/** Tx: the tap buffer paired with descriptor `id` (already masked). */
@inline function tapBufSlot(side: usize, id: u32): usize { return side + (<usize>id << 2); }

/** Guest driver, transmit: reaps completions, then posts up to `budget` frames. */
export function vqGuestTxBurst(vq: usize, budget: u32): u32 {
  const mask = ringMask(vq);
  const size = mask + 1;
  const avail = availRing(vq);
  const inr = <usize>load<u32>(vq + V_IN);
  const lastUsed = load<u32>(vq + V_LAST_USED);
  const reaped = (peerIdx(usedRing(vq)) - lastUsed) & 0xffff;
  const nowUsed = lastUsed + reaped;
  if (reaped != 0) {
    // Completions are reaped here, as the driver frees old skbs before each transmit
    // (free_old_xmit_skbs in start_xmit): no interrupt is asked for them.
    store<u32>(vq + V_LAST_USED, nowUsed);
    bump(vq, V_REFILLED, reaped);
  }
  const availIdx = ownIdx(avail);
  const free = size - ((availIdx - nowUsed) & 0xffff);
  let n = rAvail(inr);
  if (n > budget) n = budget;
  // start_xmit posts one skb while the queue runs, and stops the queue as soon as fewer than
  // TX_STOP_FREE descriptors are free: it never posts into the last TX_STOP_FREE - 1.
  const room = free >= TX_STOP_FREE ? free - TX_STOP_FREE + 1 : 0;
  if (n > room) n = room;
  if (n == 0) {
    txStopped(vq, nowUsed, availIdx, free);
    return reaped;
  }
  const descT = descTable(vq);
  const side = <usize>load<u32>(vq + V_SIDE);
  const base = bufBase(vq);
  const bstride = bufStride(vq);
  const head = load<u32>(inr);
  const cap = load<u32>(vq + V_GBUF_LEN) - <u32>VNET_HDR_BYTES;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inr, head + k);
    const id = (availIdx + k) & mask;
    const de = descAt(descT, id, mask);
    let len = descLen(d);
    if (len > cap) len = cap;
    toGuestBuffer(<usize>load<u64>(de), frameAddr(base, bstride, d), len);
    store<u32>(de + 8, len + VNET_HDR_BYTES);
    store<u16>(de + 12, 0); // device-readable
    store<u32>(tapBufSlot(side, id), load<u32>(d + D_BUF));
    store<u16>(availSlot(avail, id, mask), <u16>id);
  }
  rPublishHead(inr, n);
  publishIdx(avail, availIdx + n);
  countKick(vq, availIdx, n);
  txStopped(vq, nowUsed, availIdx + n, free - n);
  return n;
}

/** Descriptors a transmit may need (virtio_net: 2 + MAX_SKB_FRAGS, MAX_SKB_FRAGS = 17). */
const TX_STOP_FREE: u32 = 19;

/** Guest driver, transmit: with fewer free descriptors than one packet may need, the queue
 *  stops and the driver asks for a completion interrupt to restart it (start_xmit): at the
 *  first completion without EVENT_IDX (virtqueue_enable_cb), after 3/4 of the pending ones
 *  with it (virtqueue_enable_cb_delayed, Linux 3.0). Otherwise completions interrupt nobody. */
function txStopped(vq: usize, lastUsed: u32, availIdx: u32, free: u32): void {
  if (free >= TX_STOP_FREE) return;
  const pending = (availIdx - lastUsed) & 0xffff;
  driverWantsInterrupts(vq, true, lastUsed + ((pending * 3) >> 2));
}

/** Backend (vhost-copy), transmit: up to `budget` guest buffers copied into tap buffers. */
export function vhostTxBurst(vq: usize, budget: u32): u32 {
  const avail = availRing(vq);
  const out = <usize>load<u32>(vq + V_OUT);
  const lastAvail = load<u32>(vq + V_LAST_AVAIL);
  const availIdx = peerIdx(avail);
  let n = takeUpTo(availIdx, lastAvail, budget);
  const s = rSpace(out);
  if (n > s) n = s;
  if (n == 0) {
    deviceWantsKicks(vq, true, lastAvail); // kick me when the guest posts
    return 0;
  }
  deviceWantsKicks(vq, false, 0); // vhost_disable_notify while it works
  const mask = ringMask(vq);
  const used = usedRing(vq);
  const descT = descTable(vq);
  const side = <usize>load<u32>(vq + V_SIDE);
  const base = bufBase(vq);
  const bstride = bufStride(vq);
  const headroom = load<u32>(<usize>load<u32>(vq + X_HDR) + (H_BUF_HEADROOM << 2));
  const usedIdx = ownIdx(used);
  const tail = load<u32>(out + R_TAIL);
  let copied: u64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const id = <u32>load<u16>(availSlot(avail, lastAvail + k, mask)) & mask;
    const de = descAt(descT, id, mask);
    const len = frameBytes(load<u32>(de + 8));
    const buf = load<u32>(tapBufSlot(side, id));
    memory.copy(base + <usize>(buf * bstride) + <usize>headroom, <usize>load<u64>(de) + VNET_HDR_BYTES, len);
    const o = rDesc(out, tail + k);
    store<u32>(o + D_BUF, buf);
    store<u16>(o + D_OFF, <u16>headroom);
    store<u16>(o + D_LEN, <u16>len);
    store<u32>(o + D_HASH, 0);
    store<u16>(o + D_TCI, 0);
    store<u8>(o + D_FLAGS, DF_EOP);
    store<u8>(o + D_INFO, 0);
    putUsed(used, usedIdx + k, mask, id, 0);
    copied += <u64>len;
  }
  rPublishTail(out, n);
  publishIdx(used, usedIdx + n);
  countUsedNotify(vq, usedIdx, n);
  // Transmit: handle_tx's loop goes on to the next descriptor, finds none and re-enables kicks.
  backendTook(vq, lastAvail, availIdx, n, copied, true);
  return n;
}
