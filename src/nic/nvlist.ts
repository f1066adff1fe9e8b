// libnv's nvlist_dump() text format and nvlist_size() (the packed size) for the config nvlist
// iovctl builds, as used by `iovctl -C -n`.
//
// Packed size model (sys/contrib/libnv/nvlist.c nvlist_size(), nvpair.c):
//   nvlist header  = 19 bytes  (struct nvlist_header, packed: magic u8, version u8, flags u8,
//                               descriptors u64, size u64)
//   each pair      = 19 bytes  (struct nvpair_header, packed: type u8, namesize u16,
//                               datasize u64, nitems u64) + strlen(name) + 1 + data
//   data           = BOOL 1, NUMBER 8, STRING strlen + 1, BINARY its length,
//                    NVLIST: a nested nvlist header (19) + the children + one
//                    NVLIST_UP pair closing it (19 + 1 byte empty name).
// So size = 19 + sum over pairs. This mirrors libnv's arithmetic; it is not a byte-exact
// packer, and string lengths are UTF-8 byte counts.
import type { DeviceConfig, IovConfig, ParamValue } from "./types.ts";

export type NvValue = boolean | number | bigint | string | Uint8Array | NvList | null;
/** An nvlist: ordered name/value pairs. */
export type NvList = Array<[string, NvValue]>;

const NVLIST_HEADER_SIZE = 19;
const NVPAIR_HEADER_SIZE = 19;
const U64 = 1n << 64n;

function isNvList(v: NvValue): v is NvList {
  return Array.isArray(v);
}

function typeName(v: NvValue): string {
  if (v === null) return "NULL";
  if (typeof v === "boolean") return "BOOL";
  if (typeof v === "number" || typeof v === "bigint") return "NUMBER";
  if (typeof v === "string") return "STRING";
  if (v instanceof Uint8Array) return "BINARY";
  return "NVLIST";
}

/** ` %ju (%jd) (0x%jx)` of a uint64_t. */
function formatNumber(v: number | bigint): string {
  const u = ((BigInt(v) % U64) + U64) % U64;
  const signed = u >= 1n << 63n ? u - U64 : u;
  return `${u} (${signed}) (0x${u.toString(16)})`;
}

/** nvlist_dump(): `<4 spaces per level><name> (<TYPE>):<value>` per pair. */
export function dumpNvList(list: NvList, level = 0): string {
  let out = "";
  const indent = " ".repeat(level * 4);
  for (const [name, v] of list) {
    out += `${indent}${name} (${typeName(v)}):`;
    if (v === null) out += " null\n";
    else if (typeof v === "boolean") out += ` ${v ? "TRUE" : "FALSE"}\n`;
    else if (typeof v === "number" || typeof v === "bigint") out += ` ${formatNumber(v)}\n`;
    else if (typeof v === "string") out += ` [${v}]\n`;
    else if (v instanceof Uint8Array)
      out += ` ${v.length} ${[...v].map((b) => b.toString(16).padStart(2, "0")).join("")}\n`;
    else out += `\n${dumpNvList(v, level + 1)}`;
  }
  return out;
}

function dataSize(v: Exclude<NvValue, NvList>): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number" || typeof v === "bigint") return 8;
  if (typeof v === "string") return Buffer.byteLength(v, "utf8") + 1;
  return v.length;
}

/** nvlist_size(): bytes nvlist_pack() would produce (see the model at the top of this file). */
export function packedSize(list: NvList): number {
  let size = NVLIST_HEADER_SIZE;
  for (const [name, v] of list) {
    size += NVPAIR_HEADER_SIZE + Buffer.byteLength(name, "utf8") + 1;
    if (v !== null && isNvList(v)) {
      // nested header + children (counted without their own outer header) + NVLIST_UP pair
      size += NVLIST_HEADER_SIZE + (packedSize(v) - NVLIST_HEADER_SIZE) + NVPAIR_HEADER_SIZE + 1;
    } else size += dataSize(v);
  }
  return size;
}

function deviceNode(dev: DeviceConfig): NvList {
  const conv = (pairs: Array<[string, ParamValue]>): NvList => pairs.map(([k, v]) => [k, v]);
  return [
    ["DRIVER", conv(dev.driver)],
    ["IOV", conv(dev.iov)],
  ];
}

/** The config nvlist iovctl hands to IOV_CONFIG: PF, then VF-0 .. VF-(n-1), each DRIVER then IOV. */
export function configToNvList(config: IovConfig): NvList {
  return [
    ["PF", deviceNode(config.pf)],
    ...config.vfs.map((vf, i): [string, NvValue] => [`VF-${i}`, deviceNode(vf)]),
  ];
}
