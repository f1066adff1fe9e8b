// Echo responder element: the ping peer on the wire (a native host, on a VLAN subinterface when
// the request is tagged). Takes frames the switch sent to the wire, answers each ICMPv4 echo
// request in place (swap MACs and IPv4 addresses, type 8 ->
// 0, checksum fixed incrementally, RFC 1624) and sends the reply back toward us (the switch's
// wire-in ring). Anything else is counted, dropped and its buffer returned. Nothing allocated.
import { R_TAIL, D_BUF, DESC_BYTES } from "../abi";
import { E_IN, E_OUT, E_RET, E_ECHOED, E_DROPPED } from "../pathabi";
import { rAvail, rDesc, rSpace, rPublishHead, rPublishTail, bufBase, bufStride, frameAddr, descLen } from "../pathring";

@inline function bump(ctx: usize, off: usize, v: u64): void { store<u64>(ctx + off, load<u64>(ctx + off) + v); }

/** Turns an Ethernet/IPv4/ICMP echo request of `len` bytes into its reply. A request with up to
 *  two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8) is answered with the same tags, VID and PCP
 *  kept, as a host on a VLAN subinterface answers: the tags stay where they are. */
function reflect(f: usize, len: u32): bool {
  if (len < 14) return false;
  let l3: u32 = 14;
  let type = load<u16>(f + 12);
  // EtherTypes are big-endian in memory: 0x8100 reads 0x0081, 0x88a8 reads 0xa888.
  for (let k = 0; k < 2 && (type == 0x0081 || type == 0xa888); k++) {
    if (l3 + 4 > len) return false;
    type = load<u16>(f + <usize>l3 + 2);
    l3 += 4;
  }
  if (type != 0x0008) return false; // EtherType 0x0800
  if (len < l3 + 20 + 8) return false;
  const ip = f + <usize>l3;
  const vihl = <u32>load<u8>(ip);
  if ((vihl >> 4) != 4) return false;
  const ihl = (vihl & 15) << 2;
  if (ihl < 20 || l3 + ihl + 8 > len || load<u8>(ip + 9) != 1) return false;
  const icmp = ip + <usize>ihl;
  if (load<u8>(icmp) != 8 || load<u8>(icmp + 1) != 0) return false;
  // MACs: destination <- source, source <- destination.
  const d0 = load<u32>(f), d1 = load<u16>(f + 4);
  store<u32>(f, load<u32>(f + 6)); store<u16>(f + 4, load<u16>(f + 10));
  store<u32>(f + 6, d0); store<u16>(f + 10, d1);
  // IPv4 addresses swap (the header checksum is unchanged by a swap).
  const src = load<u32>(ip + 12);
  store<u32>(ip + 12, load<u32>(ip + 16));
  store<u32>(ip + 16, src);
  // Type 8 -> 0: the 16-bit word (type, code) drops by 0x0800. HC' = ~(~HC + ~m + m').
  const hc = <u32>bswap<u16>(load<u16>(icmp + 2));
  let sum: u32 = (~hc & 0xffff) + (~(<u32>0x0800) & 0xffff) + 0;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  store<u8>(icmp, 0);
  store<u16>(icmp + 2, bswap<u16>(<u16>(~sum & 0xffff)));
  return true;
}

export function echoBurst(ctx: usize, budget: u32): u32 {
  const inr = <usize>load<u32>(ctx + E_IN);
  const out = <usize>load<u32>(ctx + E_OUT);
  const ret = <usize>load<u32>(ctx + E_RET);
  let n = rAvail(inr);
  if (n > budget) n = budget;
  const s = rSpace(out);
  if (s < n) n = s;
  if (ret != 0) { const r = rSpace(ret); if (r < n) n = r; }
  if (n == 0) return 0;
  const base = bufBase(ctx);
  const stride = bufStride(ctx);
  const head = load<u32>(inr);
  const tail = load<u32>(out + R_TAIL);
  const rtail = ret != 0 ? load<u32>(ret + R_TAIL) : 0;
  let sent: u32 = 0;
  let dropped: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const d = rDesc(inr, head + k);
    if (reflect(frameAddr(base, stride, d), descLen(d))) {
      memory.copy(rDesc(out, tail + sent), d, DESC_BYTES);
      sent++;
    } else {
      if (ret != 0) store<u32>(rDesc(ret, rtail + dropped) + D_BUF, load<u32>(d + D_BUF));
      dropped++;
    }
  }
  rPublishHead(inr, n);
  if (sent != 0) rPublishTail(out, sent);
  if (dropped != 0 && ret != 0) rPublishTail(ret, dropped);
  bump(ctx, E_ECHOED, sent);
  bump(ctx, E_DROPPED, dropped);
  return n;
}
