// IPv6 addresses in flow rules are read as testpmd reads them, with inet_pton(AF_INET6), and
// printed as inet_ntop prints them. The table below is glibc's behaviour (resolv/inet_pton.c
// inet_pton6, inet_ntop.c inet_ntop6); where python3 is installed, its socket.inet_pton /
// inet_ntop (glibc's own) check every row of the table, so the table cannot drift from the real
// functions.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { canonicalIpv6, ptonIpv6 } from "../../src/steering/ipv6-text.ts";

/** [text, inet_ntop of it, or null where inet_pton refuses it]. */
const TABLE: Array<[string, string | null]> = [
  ["2001:db8::1", "2001:db8::1"],
  ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
  ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
  ["::", "::"],
  ["::1", "::1"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["1::", "1::"],
  ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"], // one zero group is not compressed (RFC 5952 4.2.2)
  ["::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"],
  ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // the longest run
  ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"], // the first of equal runs
  ["::ffff:192.0.2.1", "::ffff:192.0.2.1"], // IPv4-mapped keeps its dotted quad
  ["::ffff:c000:201", "::ffff:192.0.2.1"],
  ["::192.0.2.1", "::192.0.2.1"], // IPv4-compatible
  ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ["fe80::1", "fe80::1"],
  ["", null],
  [":", null],
  [":::", null],
  ["1::2::3", null], // two "::"
  [":1::", null], // a leading single ':'
  ["1:", null], // a trailing single ':'
  ["1:2:3:4:5:6:7", null], // seven groups, no "::"
  ["1:2:3:4:5:6:7:8:9", null],
  ["1:2:3:4:5:6:7:8::", null], // "::" standing for no group
  ["::1:2:3:4:5:6:7:8", null],
  ["12345::", null], // five hex digits
  ["g::1", null],
  ["fe80::1%eth0", null], // zone id
  ["[::1]", null], // brackets
  ["2001:db8::/32", null], // prefix length
  ["1.2.3.4", null], // IPv4 alone
  ["::ffff:01.2.3.4", null], // inet_pton4: no leading zeros
  ["::ffff:1.2.3", null],
  ["::ffff:1.2.3.4.", null],
  ["::ffff:1.2.3.256", null],
  ["::a.2.3.4", null],
  ["1:2:3:4:5:6:7:1.2.3.4", null], // the IPv4 tail past 128 bits
  ["1.2.3.4::", null], // the IPv4 part not last
  [" ::1", null],
];

describe("inet_pton(AF_INET6) / inet_ntop, as testpmd reads and prints an address", () => {
  it.each(TABLE)("%j -> %j", (text, printed) => {
    expect(canonicalIpv6(text) ?? null).toBe(printed);
  });

  it("the bytes: 2001:db8::1 and the IPv4-mapped form", () => {
    expect(Array.from(ptonIpv6("2001:db8::1")!)).toEqual([0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
    expect(Array.from(ptonIpv6("::ffff:192.0.2.1")!.subarray(10))).toEqual([0xff, 0xff, 192, 0, 2, 1]);
  });

  const python = spawnSync("python3", ["-c", "import socket"], { stdio: "ignore" }).status === 0;
  (python ? it : it.skip)("glibc's inet_pton / inet_ntop (python3's socket) agree with every row", () => {
    const script = [
      "import json, socket, sys",
      "out = []",
      "for s in json.load(sys.stdin):",
      "    try: out.append(socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, s)))",
      "    except (OSError, ValueError): out.append(None)",
      "print(json.dumps(out))",
    ].join("\n");
    const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(TABLE.map((t) => t[0])) });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toEqual(TABLE.map((t) => t[1]));
  });
});
