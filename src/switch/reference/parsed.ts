// What the frame parser reports (reference parser, Wasm parser summary, and `decode --json`).
// Offsets are byte offsets from the start of the frame. Absent layers are undefined.

export type TunnelType = "vxlan" | "vxlan-gpe" | "geneve" | "gre" | "nvgre" | "gtpu" | "mpls" | "ipip";

export interface VlanTag {
  tpid: number; // 0x8100, 0x88a8, 0x9100, ...
  vid: number;
  pcp: number;
  dei: number;
}

export interface L3Info {
  proto: "ipv4" | "ipv6";
  offset: number;
  src: string;
  dst: string;
  /** IPv4: MF set or offset != 0; IPv6: a Fragment header was present. */
  fragment: boolean;
  /** IP protocol / final next-header after skipping extension headers. */
  nextProto: number;
  /** IPv4 fragment offset in 8-byte units (IPv6: from the Fragment header); 0 when not a fragment. */
  fragOffset?: number;
  /** IPv4: the fixed 20 bytes are present (addresses shown) but IHL × 4 runs past the frame: no hash. */
  headerTruncated?: boolean;
  /** The packet's length field says more bytes than the frame holds (L4 not decodable for RSS). */
  truncated?: boolean;
  /** IPv6: offset of the Home Address option's address (Destination Options, type 0xC9), for RSS "EX". */
  homeAddrOffset?: number;
  /** IPv6: offset of the address in a type-2 Routing header with segments-left 1, for RSS "EX". */
  rt2DstOffset?: number;
}

export interface L4Info {
  proto: "tcp" | "udp" | "icmp" | "icmpv6" | "sctp" | "gre" | "esp" | "other";
  offset: number;
  sport?: number;
  dport?: number;
  /** The fixed L4 header (TCP 20, UDP 8, SCTP 12 bytes) is entirely inside the packet. */
  complete?: boolean;
}

export interface TunnelInfo {
  type: TunnelType;
  /** VNI, TEID, GRE key or VSID; absent when the header has none. */
  id?: number;
  /** MPLS label stack, outermost first. */
  labels?: number[];
  /** VXLAN-GPE: the flags byte (R R Ver Ver I P B O) and, when the P bit is set, the Next Protocol. */
  gpe?: { flags: number; nextProtocol?: number };
  /** Offset where the encapsulated packet starts. */
  innerOffset: number;
}

/** One parsed layer set (outer packet, or the packet inside a tunnel). */
export interface ParsedLayers {
  eth?: { dst: string; src: string; type: number; offset: number };
  vlans: VlanTag[];
  l3?: L3Info;
  l4?: L4Info;
  /** EtherType after the VLAN tags (eth.type is the field at offset 12, as Wireshark shows it). */
  etherType?: number;
}

export interface ParsedFrame extends ParsedLayers {
  len: number;
  tunnel?: TunnelInfo;
  inner?: ParsedLayers;
  /** Name of the layer that was cut short ("eth", "vlan", "ipv4", "ipv6", "ipv6-ext", "tcp", "udp", "vxlan", "vxlan-gpe", "geneve", "gre", "gtpu", "mpls", ...). */
  truncated?: string;
  /** Name of a layer whose header failed a sanity check (bad IPv4 version or IHL, GRE version, ...). */
  invalid?: string;
  /** RSS hashes with the Microsoft key, outer and tunnel-aware inner (0 when not hashable). */
  rss: { outer: number; inner: number };
}
