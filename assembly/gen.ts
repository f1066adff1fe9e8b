// Traffic generator element: builds frames from templates, hardware-generator style. Per frame:
// pop a free buffer, copy the template chosen by the size sequence, patch the flow id (chosen by
// the popularity table), the stamp (sequence number + simulator timestamp), fix the L4 checksum
// incrementally (RFC 1624), enqueue. One burst per call; nothing allocated.
import { R_TAIL, D_BUF, D_OFF, D_LEN, D_HASH, D_TCI, D_FLAGS, D_INFO, DF_EOP, H_BUF_HEADROOM } from "./abi";
import {
  X_HDR, G_OUT, G_FREE, G_RET0, G_NRET, G_TPL, G_SEQ, G_NSEQ, G_FLOWS, G_FLOW_MASK, G_PS_PER_BYTE, G_FLAGS,
  G_LIMIT, G_RNG, G_SENT, G_BYTES, G_CLOCK_PS, G_NOBUF, G_RINGFULL, G_CLOCK_NS, GF_PATCH, T_ADDR, T_LEN, T_PAY,
  T_FLOW, T_CSUM, T_CSUM_KIND, TPL_BYTES, STAMP_MAGIC,
} from "./pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufSize } from "./pathring";

@inline function bswap16(v: u32): u32 { return ((v & 0xff) << 8) | ((v >> 8) & 0xff); }

/** Adds the one's-complement difference of the 16-bit big-endian word at `off`. */
@inline function csumDelta(sum: u32, tpl: usize, frame: usize, off: u32): u32 {
  const oldW = bswap16(load<u16>(tpl + off));
  const newW = bswap16(load<u16>(frame + off));
  return sum + (~oldW & 0xffff) + newW;
}

/** Moves returned buffers (descriptors on return rings) onto the free stack. */
function drainReturns(ctx: usize, free: usize): void {
  const nret = load<u32>(ctx + G_NRET);
  let count = load<u32>(free);
  for (let i: u32 = 0; i < nret; i++) {
    const ret = <usize>load<u32>(ctx + G_RET0 + (i << 2));
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
  const out = <usize>load<u32>(ctx + G_OUT);
  const free = <usize>load<u32>(ctx + G_FREE);
  drainReturns(ctx, free);
  let n = budget;
  let count = load<u32>(free);
  if (count < n) { n = count; store<u64>(ctx + G_NOBUF, load<u64>(ctx + G_NOBUF) + 1); }
  const space = rSpace(out);
  if (space < n) { n = space; store<u64>(ctx + G_RINGFULL, load<u64>(ctx + G_RINGFULL) + 1); }
  const limit = load<u64>(ctx + G_LIMIT);
  let seq = load<u64>(ctx + G_SENT);
  if (limit != 0 && seq + <u64>n > limit) n = <u32>(limit - seq);
  if (n == 0) return 0;
  const base = bufBase(ctx);
  const size = bufSize(ctx);
  const headroom = load<u32>(<usize>load<u32>(ctx + X_HDR) + (H_BUF_HEADROOM << 2));
  const tplTab = <usize>load<u32>(ctx + G_TPL);
  const seqTab = <usize>load<u32>(ctx + G_SEQ);
  const nseq = load<u32>(ctx + G_NSEQ);
  const flows = <usize>load<u32>(ctx + G_FLOWS);
  const flowMask = load<u32>(ctx + G_FLOW_MASK);
  const psPerByte = <u64>load<u32>(ctx + G_PS_PER_BYTE);
  const patch = (load<u32>(ctx + G_FLAGS) & GF_PATCH) != 0;
  let rng = load<u32>(ctx + G_RNG);
  let clock = load<u64>(ctx + G_CLOCK_PS);
  let bytes = load<u64>(ctx + G_BYTES);
  const tail = load<u32>(out + R_TAIL);
  for (let k: u32 = 0; k < n; k++) {
    count--;
    const buf = load<u32>(free + 64 + (<usize>count << 2));
    const t = tplTab + <usize>(load<u8>(seqTab + <usize>(<u32>(seq % <u64>nseq))) * TPL_BYTES);
    const tpl = <usize>load<u32>(t + T_ADDR);
    const len = <u32>load<u16>(t + T_LEN);
    const frame = base + <usize>(buf * size) + <usize>headroom;
    memory.copy(frame, tpl, len);
    // Wire time of this frame at the target rate: (len + FCS + preamble/IFG) bytes.
    clock += <u64>(len + 24) * psPerByte;
    if (patch) {
      rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
      const flow = <u32>load<u16>(flows + (<usize>(rng & flowMask) << 1));
      const pay = <usize>load<u16>(t + T_PAY);
      const fo = <u32>load<u16>(t + T_FLOW);
      if (fo != 0xffff) store<u16>(frame + fo, bswap16(bswap16(load<u16>(tpl + fo)) + flow));
      store<u32>(frame + pay, (STAMP_MAGIC << 16) | (<u32>((t - tplTab) / TPL_BYTES)));
      store<u32>(frame + pay + 4, <u32>seq);
      store<u64>(frame + pay + 8, clock / 1000);
      const co = <u32>load<u16>(t + T_CSUM);
      const kind = load<u8>(t + T_CSUM_KIND);
      if (co != 0xffff && (kind == 2 || load<u16>(tpl + co) != 0)) {
        let sum: u32 = ~bswap16(load<u16>(tpl + co)) & 0xffff;
        if (fo != 0xffff) sum = csumDelta(sum, tpl, frame, fo);
        for (let w: u32 = 0; w < 16; w += 2) sum = csumDelta(sum, tpl, frame, <u32>pay + w);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        let c = ~sum & 0xffff;
        if (kind == 1 && c == 0) c = 0xffff;
        store<u16>(frame + co, bswap16(c));
      }
    }
    const d = rDesc(out, tail + k);
    store<u32>(d + D_BUF, buf);
    store<u16>(d + D_OFF, <u16>headroom);
    store<u16>(d + D_LEN, <u16>len);
    store<u32>(d + D_HASH, 0);
    store<u16>(d + D_TCI, 0);
    store<u8>(d + D_FLAGS, DF_EOP);
    store<u8>(d + D_INFO, 0);
    bytes += <u64>len;
    seq++;
  }
  rPublishTail(out, n);
  store<u32>(free, count);
  store<u32>(ctx + G_RNG, rng);
  store<u64>(ctx + G_SENT, seq);
  store<u64>(ctx + G_BYTES, bytes);
  store<u64>(ctx + G_CLOCK_PS, clock);
  atomic.store<u64>(ctx + G_CLOCK_NS, clock / 1000);
  return n;
}
