// IPv4 forwarding element: the forwarding step of a router's stack on each frame, in place:
// ip_input's header checks (version, length, header checksum), ip_forward's TTL decrement with
// the header checksum fixed incrementally (RFC 1624), then ether_output's new Ethernet header
// (destination <- the next hop's MAC, source <- the egress interface's). Frames it cannot forward
// (a link-layer group address, not IPv4, a bad header or checksum, a TTL that would expire) are
// counted, dropped and their buffers returned. Nothing allocated.
import { R_TAIL, D_BUF, DESC_BYTES } from "../abi";
import { F_IN, F_OUT, F_RET, F_NH_LO, F_NH_HI, F_SRC_LO, F_SRC_HI, F_FORWARDED, F_DROPPED } from "../pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";

@inline function bump(ctx: usize, off: usize, v: u64): void { store<u64>(ctx + off, load<u64>(ctx + off) + v); }

/** One's-complement sum of the IPv4 header (`ihl` bytes at `ip`), folded: 0xffff when valid. */
function headerSum(ip: usize, ihl: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < ihl; i += 2) sum += <u32>bswap<u16>(load<u16>(ip + <usize>i));
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/** Forwards the untagged Ethernet/IPv4 frame of `len` bytes at `f` in place; false: drop it. */
function forward(ctx: usize, f: usize, len: u32): bool {
  if (len < 14 + 20) return false;
  // A link-layer broadcast or multicast is not forwarded (ip_input: M_BCAST/M_MCAST).
  if ((load<u8>(f) & 1) != 0) return false;
  if (load<u16>(f + 12) != 0x0008) return false; // EtherType 0x0800 (big-endian in memory)
  const ip = f + 14;
  const vihl = <u32>load<u8>(ip);
  if ((vihl >> 4) != 4) return false;
  const ihl = (vihl & 15) << 2;
  if (ihl < 20 || ihl + 14 > len) return false;
  const total = <u32>bswap<u16>(load<u16>(ip + 2));
  if (total < ihl || total + 14 > len) return false;
  if (headerSum(ip, ihl) != 0xffff) return false;
  const ttl = <u32>load<u8>(ip + 8);
  if (ttl <= 1) return false; // would expire here (ICMP time exceeded: not modelled)
  // The 16-bit word (TTL, protocol) drops by 0x0100: HC' = ~(~HC + ~m + m') (RFC 1624, eq. 3).
  const m = (ttl << 8) | <u32>load<u8>(ip + 9);
  const hc = <u32>bswap<u16>(load<u16>(ip + 10));
  let sum: u32 = (~hc & 0xffff) + (~m & 0xffff) + (m - 0x100);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  store<u8>(ip + 8, <u8>(ttl - 1));
  store<u16>(ip + 10, bswap<u16>(<u16>(~sum & 0xffff)));
  store<u32>(f, load<u32>(ctx + F_NH_LO));
  store<u16>(f + 4, <u16>load<u32>(ctx + F_NH_HI));
  store<u32>(f + 6, load<u32>(ctx + F_SRC_LO));
  store<u16>(f + 10, <u16>load<u32>(ctx + F_SRC_HI));
  return true;
}

export function ipfwdBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + F_IN);
  const out = <usize>load<u32>(ctx + F_OUT);
  const ret = <usize>load<u32>(ctx + F_RET);
  let n = rAvail(inr);
  if (n > budget) n = budget;
  const s = rSpace(out);
  if (s < n) n = s;
  const r = rSpace(ret);
  if (r < n) n = r;
  if (n == 0) return 0;
  const base = bufBase(ctx);
  const stride = bufStride(ctx);
  const head = load<u32>(inr);
  const tail = load<u32>(out + R_TAIL);
  const rtail = load<u32>(ret + R_TAIL);
  let sent: u32 = 0;
  let dropped: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inr, head + k);
    if (forward(ctx, frameAddr(base, stride, d), descLen(d))) {
      memory.copy(rDesc(out, tail + sent), d, DESC_BYTES);
      sent++;
    } else {
      store<u32>(rDesc(ret, rtail + dropped) + D_BUF, load<u32>(d + D_BUF));
      dropped++;
    }
  }
  rPublishHead(inr, n);
  if (sent != 0) rPublishTail(out, sent);
  if (dropped != 0) rPublishTail(ret, dropped);
  bump(ctx, F_FORWARDED, sent);
  bump(ctx, F_DROPPED, dropped);
  return n;
}
