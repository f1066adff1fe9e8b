// docs/decode-json.md documents `iovsim decode --json`: every key the real output has (on the
// examples' captures, the tcpdump fixtures and a few frames built here for the layers those lack:
// an IEEE 802.3 length, an MPLS label stack, a truncated and an invalid IPv4 header, a VXLAN-GPE
// frame, a record of another link type; a tcpdump capture with an irregular record) is named on the page, and every field its table lists
// occurs in that output.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const page = readFileSync(join(root, "docs", "decode-json.md"), "utf8");

/** A classic little-endian pcap (µs) of `frames` with link type `linktype`. */
function pcap(frames: Uint8Array[], linktype = 1): Uint8Array {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linktype, 20);
  const parts: Buffer[] = [head];
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f));
  }
  return Buffer.concat(parts);
}

const mac = "020000000002 020000000001";
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
// IPv4 (20 B, UDP, 10.0.0.1 > 10.0.0.2, total length 28) + UDP 1000 > 2000.
const ipv4Udp = `45000028 00000000 4011 0000 0a000001 0a000002 03e8 07d0 0014 0000 ${"00".repeat(12)}`;
const built = [
  hex(`${mac} 0026 ${"aa".repeat(38)}`), // IEEE 802.3: a length, LLC follows
  hex(`${mac} 8847 00064140 ${ipv4Udp}`), // MPLS label 100, bottom of stack, then IPv4
  hex(`${mac} 0800 4500000000`), // IPv4 cut after 5 bytes
  hex(`${mac} 0800 ${"4100".padEnd(40, "0")}`), // IPv4 with IHL 1: invalid
  // VXLAN-GPE (UDP 4790): flags I and P, next protocol 1 (IPv4), VNI 100, then IPv4 + UDP.
  hex(`${mac} 0800 45000040 00000000 4011 0000 0a000001 0a000002 c000 12b6 002c 0000
       0c000001 00006400 ${ipv4Udp}`),
];

/** Every key path of a JSON value: `a.b`, arrays as `a[]`. */
function keyPaths(v: unknown, prefix: string, out: Set<string>): void {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${prefix}[]`, out);
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      keyPaths(x, p, out);
    }
}

/** The field table's names (`.inner` after `a.b.outer` is `a.b.inner`), each with its row. */
function tableFields(): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of page.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const [first, ...rest] = line.split("|").slice(1);
    let last = "";
    for (const m of first.matchAll(/`([^`]+)`/g)) {
      let name = m[1];
      if (name.startsWith(".")) name = last.replace(/\.[^.]+$/, "") + name;
      fields.set(name, rest.join("|"));
      last = name;
    }
  }
  return fields;
}

it("docs/decode-json.md names every key of decode --json, and its table lists only real keys", async () => {
  const tmp = tempDir("iovsim-decode-page-");
  const files = [
    ...readdirSync(join(root, "examples"))
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .map((f) => join(root, "examples", f)),
    ...readdirSync(join(root, "test", "fixtures", "captures", "tcpdump")).map((f) =>
      join(root, "test", "fixtures", "captures", "tcpdump", f),
    ),
  ];
  writeFileSync(join(tmp, "built.pcap"), pcap(built));
  writeFileSync(join(tmp, "sll.pcap"), pcap([hex("0000 0001 0006 020000000001 0000 0800")], 113));
  files.push(join(tmp, "built.pcap"), join(tmp, "sll.pcap"));
  // A record kept though irregular (its microseconds field a second or more): `irregular`.
  files.push(join(root, "test", "fixtures", "captures", "tcpdump", "malformed", "aoe-oobr-1.pcap"));

  const seen = new Set<string>();
  for (const f of files) {
    const r = await iovsim(["--state", join(tmp, "state"), "decode", f, "--json"]);
    for (const line of r.out.split("\n").filter((l) => l !== "")) keyPaths(JSON.parse(line), "", seen);
  }
  const fields = tableFields();
  const documented = (p: string): boolean => {
    const q = p.replace(/^inner\./, ""); // the inner packet: "eth, vlans, l3, l4 as above"
    if (fields.has(q) || fields.has(`${q}[]`)) return true;
    if ([...fields.keys()].some((n) => n.startsWith(`${q}.`))) return true; // a container
    const item = /^(\w+)\[\]\.(\w+)$/.exec(q); // vlans[].vid: named in the vlans[] row
    if (item) return (fields.get(`${item[1]}[]`) ?? "").includes(`\`${item[2]}\``);
    return page.includes(`"${q}":`); // the non-Ethernet and dropped records, shown whole
  };
  expect([...seen].filter((p) => !documented(p)).sort()).toEqual([]);
  // The other way: each field of the table occurs (inner's are covered by the outer ones).
  const occurs = (n: string) => seen.has(n) || seen.has(n.replace(/\[\]$/, ""));
  expect([...fields.keys()].filter((n) => !occurs(n)).sort()).toEqual([]);
}, 120_000);
