// The switch's own L2 view of a frame (spec §2.2): DA, SA, address class and the VLAN tags
// the port recognises. Which tags count depends on the port configuration (VET, double-VLAN
// mode), so this is separate from the general frame parser (parse.ts). Bounds-checked.
import type { PortConfig } from "../config.ts";

export type AddressClass = "unicast" | "multicast" | "broadcast";

export interface RecognisedTag {
  /** Byte offset of the tag's TPID. */
  offset: number;
  tpid: number;
  tci: number;
}

export interface SwitchL2 {
  da: Uint8Array;
  sa: Uint8Array;
  daClass: AddressClass;
  /** Tags the port recognises, outermost first (0, 1 or 2). */
  tags: RecognisedTag[];
  /** The tag used for filtering and switching: the innermost recognised one (§2.2). */
  vlanTag: RecognisedTag | null;
  /** VID of vlanTag, or null when untagged. */
  vid: number | null;
  /** A tag was announced but fewer than 4 bytes follow. */
  truncatedTag: boolean;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

export function addressClass(da: Uint8Array): AddressClass {
  if (da.every((x) => x === 0xff)) return "broadcast";
  return (da[0]! & 1) === 1 ? "multicast" : "unicast";
}

/**
 * Parse DA/SA/tags. Single-VLAN mode: one tag when the EtherType is VET. Double-VLAN mode:
 * two tags when outer TPID == sTpid and inner == VET; a lone VET tag still counts as one tag
 * [inferred]. Requires frame.length >= 14 (the caller drops shorter frames).
 */
export function parseSwitchL2(
  frame: Uint8Array,
  port: Pick<PortConfig, "doubleVlan" | "sTpid" | "vlanTpid">,
): SwitchL2 {
  const da = frame.subarray(0, 6);
  const sa = frame.subarray(6, 12);
  const tags: RecognisedTag[] = [];
  let truncatedTag = false;
  const tagAt = (offset: number): RecognisedTag | null => {
    if (offset + 4 > frame.length) {
      truncatedTag = true;
      return null;
    }
    return { offset, tpid: u16(frame, offset), tci: u16(frame, offset + 2) };
  };
  const first = frame.length >= 14 ? u16(frame, 12) : 0;
  if (port.doubleVlan && first === port.sTpid) {
    // The outer tag is only recognised together with a VET inner tag.
    if (frame.length >= 18 && u16(frame, 16) === port.vlanTpid) {
      const outer = tagAt(12);
      const inner = outer ? tagAt(16) : null;
      if (outer && inner) tags.push(outer, inner);
    } else if (frame.length < 18) {
      truncatedTag = true;
    }
  } else if (first === port.vlanTpid) {
    const t = tagAt(12);
    if (t) tags.push(t);
  }
  const vlanTag = tags.length > 0 ? tags[tags.length - 1]! : null;
  return {
    da,
    sa,
    daClass: addressClass(da),
    tags,
    vlanTag,
    vid: vlanTag ? vlanTag.tci & 0xfff : null,
    truncatedTag,
  };
}

/** Remove the 4-byte tag at `offset`. */
export function removeTag(frame: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(frame.length - 4);
  out.set(frame.subarray(0, offset), 0);
  out.set(frame.subarray(offset + 4), offset);
  return out;
}

/** Insert a tag (TPID, TCI) right after the source address (offset 12). */
export function insertTag(frame: Uint8Array, tpid: number, tci: number): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out[12] = (tpid >> 8) & 0xff;
  out[13] = tpid & 0xff;
  out[14] = (tci >> 8) & 0xff;
  out[15] = tci & 0xff;
  out.set(frame.subarray(12), 16);
  return out;
}

/** Zero-pad to `min` bytes (returns the same array when already long enough). */
export function padTo(frame: Uint8Array, min: number): Uint8Array {
  if (frame.length >= min) return frame;
  const out = new Uint8Array(min);
  out.set(frame, 0);
  return out;
}
