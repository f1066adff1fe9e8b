// Traffic generator element: builds frames from templates, hardware-generator style. Per frame:
// pop a free buffer, copy the template chosen by the size sequence, patch the flow id (chosen by
// the popularity table), the stamp (sequence number + simulator timestamp), fix the L4 checksum
// incrementally (RFC 1624), enqueue. One burst per call; nothing allocated.
import { R_TAIL, R_DESC, R_MASK, D_BUF, DF_EOP, H_BUF_HEADROOM } from "../abi";
import {
  X_HDR, G_OUT, G_FREE, G_RET0, G_RET4, G_NRET, G_TPL, G_SEQ, G_NSEQ, G_FLOWS, G_FLOW_MASK, G_PS_PER_BYTE, G_FLAGS,
  G_LIMIT, G_RNG, G_SENT, G_BYTES, G_CLOCK_PS, G_NOBUF, G_RINGFULL, G_CLOCK_NS, GF_PATCH, GF_TIMED, GF_POISSON, G_GAP_PS, G_UNTIL_NS, G_NEXT_PS, G_WIRE_PS, G_RNG2, G_LAST_NS, G_SIDE, G_GAPS, G_FIRST_NS, T_ADDR, T_LEN, T_PAY,
  T_FLOW, T_CSUM, T_CSUM_KIND, TPL_BYTES, STAMP_MAGIC,
} from "../pathabi";
import { rAvail, rDesc, rMask, rSpace, rPublishHead, rPublishTail, bufBase, bufSize, bufStride } from "../pathring";

@inline function bswap16(v: u32): u32 { return ((v & 0xff) << 8) | ((v >> 8) & 0xff); }
/** Bytes a frame occupies on the wire before its FCS: Ethernet pads a shorter one to 60 (the
 *  64-byte minimum frame, IEEE 802.3 clause 4.2.3.3), so a replayed 42-byte ARP takes as long
 *  as a 60-byte frame. G_BYTES counts these bytes. */
@inline function wireLen(len: u32): u64 { return <u64>(len < 60 ? 60 : len); }

/** Moves returned buffers (descriptors on return rings) onto the free stack. */
function drainReturns(ctx: usize, free: usize): void {
  const nret = load<u32>(ctx + G_NRET);
  let count = load<u32>(free);
  for (let i: u32 = 0; i < nret; i++) {
    const slot: u32 = i < 4 ? G_RET0 + (i << 2) : G_RET4 + ((i - 4) << 2);
    const ret = <usize>load<u32>(ctx + <usize>slot);
    const n = rAvail(ret);
    if (n == 0) continue;
    const head = load<u32>(ret);
    for (let k: u32 = 0; k < n; k++) {
      store<u32>(free + 64 + (<usize>count << 2), load<u32>(rDesc(ret, head + k) + D_BUF));
      count++;
    }
    rPublishHead(ret, n);
  }
  store<u32>(free, count);
}

/** Generates up to `budget` frames onto the out ring. Returns the number sent. */
export function genBurst(ctx: usize, budget: u32): u32 {
  return gen(ctx, budget, false, 0, 0, 0);
}

/**
 * A write-back window of the wire generator (timed), opened by its first frame: that frame is
 * made if it arrives by the end of the offer, `endNs`; the window then lasts until
 * min(max(its arrival, `atNs`) + `windowNs`, `endNs`), written to G_UNTIL_NS, and the rest of
 * the `budget` frames are made up to then (times in whole ns as TypeScript's setU64 rounds
 * them). The first frame's arrival is left in G_FIRST_NS. Exactly genBurst(ctx, 1) with
 * G_UNTIL_NS = `endNs`, then genBurst(ctx, budget - 1) with G_UNTIL_NS = that window end if the
 * first frame was made (frames, times, counters): one call instead of two per window
 * (src/engine/elements/gen.ts). G_UNTIL_NS is not read.
 */
export function genWindow(ctx: usize, budget: u32, atNs: f64, windowNs: f64, endNs: f64): u32 {
  return gen(ctx, budget, true, atNs, windowNs, endNs);
}

/** A time (ns, not negative, finite) in whole ns as setU64 stores it (Math.round: halves up). */
function wholeNs(x: f64): u64 {
  let r = Math.floor(x);
  if (x - r >= 0.5) r += 1; // x - floor(x) is exact
  return r > 0 ? <u64>r : 0;
}

/** genWindow's end of the window once its first frame arrived at `firstNs`; in ps. */
function openWindow(ctx: usize, firstNs: u64, atNs: f64, windowNs: f64, endNs: f64): u64 {
  const until = wholeNs(Math.min(Math.max(<f64>firstNs, atNs) + windowNs, endNs));
  store<u64>(ctx + G_UNTIL_NS, until);
  store<u64>(ctx + G_FIRST_NS, firstNs);
  return until * 1000;
}

@inline function bump(at: usize): void {
  store<u64>(at, load<u64>(at) + 1);
}

function gen(ctx: usize, budget: u32, opens: bool, atNs: f64, windowNs: f64, endNs: f64): u32 {
  const out = <usize>load<u32>(ctx + G_OUT);
  const free = <usize>load<u32>(ctx + G_FREE);
  drainReturns(ctx, free);
  let n = budget;
  let count = load<u32>(free);
  const noBuf = count < n;
  if (noBuf) n = count;
  // Run at most two bursts ahead of the consumer: a deeper queue only spreads the frames in
  // flight over more buffers (cache misses at every stage) without moving more of them.
  const flags = load<u32>(ctx + G_FLAGS);
  const timed = (flags & GF_TIMED) != 0;
  let space = rSpace(out);
  const used = rMask(out) + 1 - space;
  const lead = budget << 1;
  if (!timed) space = used >= lead ? 0 : space < lead - used ? space : lead - used;
  const ringFull = space < n;
  if (ringFull) n = space;
  // Bursts cut short. An opening window counts as its two calls would: the first frame's now
  // (only if it cannot be made), the rest's once that frame is made (restCut below).
  if (!opens) {
    if (noBuf) bump(ctx + G_NOBUF);
    if (ringFull) bump(ctx + G_RINGFULL);
  } else if (count == 0) bump(ctx + G_NOBUF);
  else if (space == 0) bump(ctx + G_RINGFULL);
  const limit = load<u64>(ctx + G_LIMIT);
  let seq = load<u64>(ctx + G_SENT);
  if (limit != 0 && seq + <u64>n > limit) n = <u32>(limit - seq);
  if (n == 0) return 0;
  const base = bufBase(ctx);
  const size = bufSize(ctx);
  const stride = bufStride(ctx);
  const headroom = load<u32>(<usize>load<u32>(ctx + X_HDR) + (H_BUF_HEADROOM << 2));
  const tplTab = <usize>load<u32>(ctx + G_TPL);
  const seqTab = <usize>load<u32>(ctx + G_SEQ);
  const nseq = load<u32>(ctx + G_NSEQ);
  const flows = <usize>load<u32>(ctx + G_FLOWS);
  const flowMask = load<u32>(ctx + G_FLOW_MASK);
  const psPerByte = <u64>load<u32>(ctx + G_PS_PER_BYTE);
  const patch = (flags & GF_PATCH) != 0;
  const poisson = (flags & GF_POISSON) != 0;
  const gapPs = load<u64>(ctx + G_GAP_PS);
  const side = <usize>load<u32>(ctx + G_SIDE);
  const gaps = <usize>load<u32>(ctx + G_GAPS);
  let untilPs = (opens ? wholeNs(endNs) : load<u64>(ctx + G_UNTIL_NS)) * 1000;
  let nextPs = load<u64>(ctx + G_NEXT_PS);
  let wirePs = load<u64>(ctx + G_WIRE_PS);
  let rng2 = load<u32>(ctx + G_RNG2);
  let lastNs = load<u64>(ctx + G_LAST_NS);
  let made: u32 = 0;
  let rng = load<u32>(ctx + G_RNG);
  let clock = load<u64>(ctx + G_CLOCK_PS);
  let bytes = load<u64>(ctx + G_BYTES);
  const tail = load<u32>(out + R_TAIL);
  const outDesc = <usize>load<u32>(out + R_DESC);
  const outMask = load<u32>(out + R_MASK);
  // Per-template values, recomputed only when the template changes (fixed sizes: once).
  let cur: u32 = 0xffffffff;
  let tpl: usize = 0;
  let len: u32 = 0;
  let pay: usize = 0;
  let fo: u32 = 0xffff;
  let co: u32 = 0xffff;
  let kind: u32 = 0;
  let doCsum = false;
  let wireQ: u64 = 0;
  let wireR: u32 = 0;
  let oldSum: u32 = 0; // ~checksum + the complements of the words the patch replaces (LE words)
  let w0: u32 = 0;
  let flowBase: u32 = 0;
  const copy16 = headroom + 256 <= size; // 16-byte vector copies stay inside the buffer
  // The engine's common case (one frame size at a constant rate, stamped, no replay tables):
  // the same bytes and times as the general loop below, with the per-frame choices hoisted.
  if (timed && patch && !poisson && gaps == 0 && side == 0 && nseq == 1 && copy16 && untilPs < FIXED_MAX_PS) {
    const ti = <u32>load<u16>(seqTab);
    const t = tplTab + <usize>(ti * TPL_BYTES);
    len = <u32>load<u16>(t + T_LEN);
    if (len > 48 && len <= 256) {
      made = genFixed(
        ctx, t, ti, n, free, count, outDesc, outMask, tail, base, stride, headroom, flows, flowMask,
        psPerByte, gapPs, untilPs, nextPs, wirePs, rng, seq, opens, atNs, windowNs, endNs,
      );
      if (made == 0) return 0;
      if (opens) restCut(ctx, noBuf, ringFull);
      count -= made;
      seq += <u64>made;
      bytes += <u64>made * wireLen(len);
      store<u64>(ctx + G_NEXT_PS, fNextPs);
      store<u64>(ctx + G_WIRE_PS, fWirePs);
      store<u64>(ctx + G_LAST_NS, fWirePs / 1000);
      rPublishTail(out, made);
      store<u32>(free, count);
      store<u32>(ctx + G_RNG, fRng);
      store<u64>(ctx + G_SENT, seq);
      store<u64>(ctx + G_BYTES, bytes);
      store<u64>(ctx + G_CLOCK_PS, fWirePs); // the clock is the last frame's arrival (ps)
      atomic.store<u64>(ctx + G_CLOCK_NS, fWirePs / 1000);
      return made;
    }
  }
  // The simulator clock as ns + ps remainder (clock = ns * 1000 + rem), so a frame's stamp
  // (clock / 1000) costs no 64-bit division; the wire time per template is divided once. Only
  // here, not before the common case above, which needs neither: two 64-bit divisions saved on
  // every call of that case (the wire generator makes one or two per write-back window).
  let ns = clock / 1000;
  let rem = <u32>(clock - ns * 1000);
  let si = <u32>(seq % <u64>nseq); // position in the size sequence
  for (let k: u32 = 0; k < n; k++) {
    const pos = si;
    const ti = <u32>load<u16>(seqTab + (<usize>si << 1));
    if (timed) {
      // Offered start, held back while the wire is busy (offered load above line rate is capped
      // by the wire); the stamp is the frame's arrival, its last bit in.
      const tl = <u64>load<u16>(tplTab + <usize>(ti * TPL_BYTES) + T_LEN);
      const start = nextPs > wirePs ? nextPs : wirePs;
      const end = start + (wireLen(<u32>tl) + 24) * psPerByte;
      if (end > untilPs) break;
      wirePs = end;
      let gap = gapPs;
      if (gaps != 0) gap = load<u64>(gaps + (<usize>pos << 3)); // the capture's own spacing
      else if (poisson) {
        rng2 ^= rng2 << 13; rng2 ^= rng2 >> 17; rng2 ^= rng2 << 5;
        const u = (<f64>rng2 + 1.0) / 4294967297.0;
        gap = <u64>(-Math.log(u) * <f64>gapPs);
      }
      // The offered schedule runs on from where it was, not from when the wire let this frame
      // out: after a frame longer than the gap the next ones follow back to back (never faster
      // than the wire) until the schedule is met again, so the long-run rate is the one asked.
      nextPs += gap;
      ns = end / 1000;
      rem = <u32>(end - ns * 1000);
      lastNs = ns;
      if (opens && k == 0) untilPs = openWindow(ctx, ns, atNs, windowNs, endNs);
    }
    made++;
    count--;
    const buf = load<u32>(free + 64 + (<usize>count << 2));
    si++;
    if (si == nseq) si = 0;
    if (ti != cur) {
      cur = ti;
      const t = tplTab + <usize>(ti * TPL_BYTES);
      tpl = <usize>load<u32>(t + T_ADDR);
      len = <u32>load<u16>(t + T_LEN);
      pay = <usize>load<u16>(t + T_PAY);
      fo = <u32>load<u16>(t + T_FLOW);
      co = <u32>load<u16>(t + T_CSUM);
      kind = <u32>load<u8>(t + T_CSUM_KIND);
      const wire = (wireLen(len) + 24) * psPerByte;
      wireQ = wire / 1000;
      wireR = <u32>(wire - wireQ * 1000);
      w0 = (STAMP_MAGIC << 16) | ti;
      flowBase = fo != 0xffff ? bswap16(load<u16>(tpl + fo)) : 0;
      doCsum = co != 0xffff && (kind == 2 || load<u16>(tpl + co) != 0);
      if (doCsum) {
        // One's-complement sums are byte-order independent (RFC 1071 §2(B)): work on words as
        // loaded (little-endian) and store the result as loaded.
        let sum: u32 = ~(<u32>load<u16>(tpl + co)) & 0xffff;
        if (fo != 0xffff) sum += ~(<u32>load<u16>(tpl + fo)) & 0xffff;
        for (let w: u32 = 0; w < 16; w += 2) sum += ~(<u32>load<u16>(tpl + pay + w)) & 0xffff;
        oldSum = sum;
      }
    }
    const frame = base + <usize>(buf * stride) + <usize>headroom;
    if (copy16 && len <= 256) {
      for (let i: u32 = 0; i < len; i += 16) v128.store(frame + i, v128.load(tpl + i));
    } else {
      memory.copy(frame, tpl, len);
    }
    // Wire time of this frame at the target rate: (len + FCS + preamble/IFG) bytes.
    if (!timed) {
      ns += wireQ;
      rem += wireR;
      if (rem >= 1000) { rem -= 1000; ns++; }
    }
    if (patch) {
      rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
      const flow = <u32>load<u16>(flows + (<usize>(rng & flowMask) << 1));
      let newSum: u32 = 0;
      if (fo != 0xffff) {
        const fw = <u32>bswap16((flowBase + flow) & 0xffff); // as stored (big-endian), loaded LE
        store<u16>(frame + fo, <u16>fw);
        newSum = fw;
      }
      const s1 = <u32>seq;
      const s2 = <u32>ns;
      const s3 = <u32>(ns >> 32);
      store<u32>(frame + pay, w0);
      store<u32>(frame + pay + 4, s1);
      store<u64>(frame + pay + 8, ns);
      if (doCsum) {
        let sum = oldSum + newSum + (w0 & 0xffff) + (w0 >> 16) + (s1 & 0xffff) + (s1 >> 16) +
          (s2 & 0xffff) + (s2 >> 16) + (s3 & 0xffff) + (s3 >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        let c = ~sum & 0xffff;
        if (kind == 1 && c == 0) c = 0xffff;
        store<u16>(frame + co, <u16>c);
      }
    }
    v128.store(outDesc + (<usize>((tail + k) & outMask) << 4), i64x2(
      <i64>(<u64>buf | (<u64>headroom << 32) | (<u64>len << 48)),
      <i64>(<u64>DF_EOP << 48),
    ));
    if (side != 0) store<u64>(side + (<usize>buf << 3), ns); // replay: arrival kept beside the bytes
    bytes += wireLen(len);
    seq++;
  }
  n = made;
  if (timed) {
    store<u64>(ctx + G_NEXT_PS, nextPs);
    store<u64>(ctx + G_WIRE_PS, wirePs);
    store<u32>(ctx + G_RNG2, rng2);
    store<u64>(ctx + G_LAST_NS, lastNs);
    if (n == 0) return 0;
    if (opens) restCut(ctx, noBuf, ringFull);
  }
  clock = ns * 1000 + <u64>rem;
  rPublishTail(out, n);
  store<u32>(free, count);
  store<u32>(ctx + G_RNG, rng);
  store<u64>(ctx + G_SENT, seq);
  store<u64>(ctx + G_BYTES, bytes);
  store<u64>(ctx + G_CLOCK_PS, clock);
  atomic.store<u64>(ctx + G_CLOCK_NS, clock / 1000);
  return n;
}

/** An opening window's first frame was made: the rest of it cut short as genBurst(ctx,
 *  budget - 1) would have counted (no buffers: count - 1 < budget - 1, i.e. count < budget; ring
 *  room likewise), the same conditions as one call for the whole budget. */
function restCut(ctx: usize, noBuf: bool, ringFull: bool): void {
  if (noBuf) bump(ctx + G_NOBUF);
  if (ringFull) bump(ctx + G_RINGFULL);
}

// genFixed divides times by 1000 in f64, exact below this (2^50 ps, about 1,126 s of virtual time).
const FIXED_MAX_PS: u64 = <u64>1 << 50;

// genFixed's results besides the frame count (module globals: read once per burst).
let fNextPs: u64 = 0;
let fWirePs: u64 = 0;
let fRng: u32 = 0;

/**
 * genBurst's loop for one template (len <= 256) at a constant rate, timed and stamped: frame k
 * starts when both the offered time and the wire allow, arrives (its stamp) when its last bit
 * is in, and is built exactly as the general loop builds it (copy, flow id, stamp, RFC 1624
 * checksum). Returns the frames made; the timing and random state are left in fNextPs, fWirePs,
 * fRng.
 */
function genFixed(
  ctx: usize, t: usize, ti: u32, n: u32, free: usize, count: u32, outDesc: usize, outMask: u32,
  tail: u32, base: usize, stride: u32, headroom: u32, flows: usize, flowMask: u32, psPerByte: u64,
  gapPs: u64, untilPs: u64, nextPs: u64, wirePs: u64, rng: u32, seq: u64,
  opens: bool, atNs: f64, windowNs: f64, endNs: f64,
): u32 {
  const tpl = <usize>load<u32>(t + T_ADDR);
  const len = <u32>load<u16>(t + T_LEN);
  const pay = <usize>load<u16>(t + T_PAY);
  const fo = <u32>load<u16>(t + T_FLOW);
  const co = <u32>load<u16>(t + T_CSUM);
  const kind = <u32>load<u8>(t + T_CSUM_KIND);
  const wire = (wireLen(len) + 24) * psPerByte;
  const w0 = (STAMP_MAGIC << 16) | ti;
  const hasFlow = fo != 0xffff;
  const flowBase = hasFlow ? bswap16(load<u16>(tpl + fo)) : 0;
  const doCsum = co != 0xffff && (kind == 2 || load<u16>(tpl + co) != 0);
  // ~checksum + the complements of the words the patch replaces, + the stamp's constant word.
  let oldSum: u32 = 0;
  if (doCsum) {
    oldSum = ~(<u32>load<u16>(tpl + co)) & 0xffff;
    if (hasFlow) oldSum += ~(<u32>load<u16>(tpl + fo)) & 0xffff;
    for (let w: u32 = 0; w < 16; w += 2) oldSum += ~(<u32>load<u16>(tpl + pay + w)) & 0xffff;
    oldSum += (w0 & 0xffff) + (w0 >> 16);
  }
  const descHi: u64 = <u64>DF_EOP << 48;
  const descLo = (<u64>headroom << 32) | (<u64>len << 48);
  const frames = base + <usize>headroom;
  const v0 = v128.load(tpl);
  const v1 = v128.load(tpl, 16);
  const v2 = v128.load(tpl, 32);
  const v3 = v128.load(tpl, 48);
  const longer = len > 64; // bytes past the first 64 (none for a minimum-size frame)
  const zeroSum: u32 = kind == 1 ? 0xffff : 0; // UDP sends a computed 0 as 0xffff (RFC 768)
  // An opening window: its first frame's arrival, as the loop below works it out, sets the end
  // of the window before the loop (not a test per frame) if that frame is made (by `endNs`).
  if (opens && n > 0) {
    const end = (nextPs > wirePs ? nextPs : wirePs) + wire;
    if (end <= untilPs) untilPs = openWindow(ctx, <u64><i64>(<f64><i64>end / 1000.0), atNs, windowNs, endNs);
  }
  let made: u32 = 0;
  for (; made < n; made++) {
    const start = nextPs > wirePs ? nextPs : wirePs;
    const end = start + wire;
    if (end > untilPs) break;
    wirePs = end;
    // As the general loop: the offered schedule runs on from where it was (above line rate it
    // stays behind the wire; frames go back to back either way).
    nextPs += gapPs;
    // end / 1000 through f64, signed conversions (end < FIXED_MAX_PS): exact, since a correctly
    // rounded quotient of an integer below 2^50 by 1000 never rounds up to the next integer;
    // V8 11 emits a 64-bit divide for the u64 form and fix-ups for unsigned conversions.
    const ns = <u64><i64>(<f64><i64>end / 1000.0);
    count--;
    const buf = load<u32>(free + 64 + (<usize>count << 2));
    const frame = frames + <usize>(buf * stride);
    v128.store(frame, v0);
    v128.store(frame, v1, 16);
    v128.store(frame, v2, 32);
    v128.store(frame, v3, 48);
    if (longer) for (let i: u32 = 64; i < len; i += 16) v128.store(frame + i, v128.load(tpl + i));
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    const flow = <u32>load<u16>(flows + (<usize>(rng & flowMask) << 1));
    // One's-complement sum in 64 bits, folded at the end: 2^16 = 1 (mod 0xffff), so summing
    // 32-bit words gives the same folded result as summing their 16-bit halves (RFC 1071).
    let sum: u64 = <u64>oldSum;
    if (hasFlow) {
      const fw = <u32>bswap16((flowBase + flow) & 0xffff); // as stored (big-endian), loaded LE
      store<u16>(frame + fo, <u16>fw);
      sum += <u64>fw;
    }
    const s1 = <u32>seq;
    store<u32>(frame + pay, w0);
    store<u32>(frame + pay + 4, s1);
    store<u64>(frame + pay + 8, ns);
    if (doCsum) {
      sum += <u64>s1 + (ns & 0xffffffff) + (ns >> 32);
      let f = <u32>((sum & 0xffff) + (sum >> 16)); // sum < 2^35: f < 2^20
      f = (f & 0xffff) + (f >> 16);
      f = (f & 0xffff) + (f >> 16);
      const c = ~f & 0xffff;
      store<u16>(frame + co, <u16>(c == 0 ? zeroSum : c));
    }
    const slot = outDesc + (<usize>((tail + made) & outMask) << 4);
    store<u64>(slot, <u64>buf | descLo);
    store<u64>(slot, descHi, 8);
    seq++;
  }
  fNextPs = nextPs;
  fWirePs = wirePs;
  fRng = rng;
  return made;
}
