// The brief asks for every divergence from FreeBSD/Linux/testpmd behaviour in two places: the
// command's --help and docs/divergences.md. help-pages.test.ts checks that a command whose help
// has a Divergences paragraph is named on the page; this file pins the other direction, item by
// item: each divergence the page states for a command is also in that command's help. The rows
// are the page's items in their own words on each side (a help text is shorter); a row whose
// page words are gone fails too, so the table follows the page when an item is reworded.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const state = tempDir("iovsim-divergences-help-");
const page = readFileSync(join(root, "docs", "divergences.md"), "utf8").replace(/\s+/g, " ");

/** [command, words of the item on docs/divergences.md, words of the same item in its help]. */
const ITEMS: [string, string, RegExp][] = [
  ["iovctl", "`<path>: not a regular file`", /not a regular file/],
  ["iovctl", "section must be an object, not an array", /is one array/],
  ["iovctl", "resolved as open(2) would", /open\(2\) would/],
  ["iovctl", "**The packed size**", /packed size/],
  ["iovctl", "location string is the pciconf selector", /location string is the pciconf selector/],
  ["iovctl", "**`No error: 0`**", /No error: 0.*not checked on a FreeBSD system/s],
  ["ip", "A VF's own netdev is always down", /VF's own\s+netdev is always down/],
  [
    "ip",
    "only `-d`, `-s`, `-j` and `-p` are simulated",
    /other options \(-o, -br, -c, -n, \.\.\.\) are refused/,
  ],
  ["ip", "model: `addrgenmode`, `numtxqueues`", /\(addrgenmode,\s+numtxqueues/],
  ["ip", "`ip link set lo mtu N` is refused as not simulated", /mtu on lo is refused as not simulated/],
  [
    "ip",
    "its other filters (`type`, `group`, `master`, ...)",
    /other filters \(type, group, master, \.\.\.\) are not simulated/,
  ],
  ["devlink", "`-V`, `-f`, `-b` and `-N` are not simulated", /-V, -f, -b, -N are not simulated/],
  ["sysfs", "(no `module`, `uevent`)", /no module or uevent/],
  ["sysfs", "except while `iovctl -C` VFs exist", /iovctl -C VFs exist/],
  ["sysfs", "The log lines of the unbind and the bind are iovsim's", /log lines are iovsim's/],
  ["sysfs", 'no "no IOMMU group" failure', /no "no IOMMU group" failure/],
  ["sysfs", "`new_id` accepts only driver_data 0", /driver_data 0 only/],
  ["sysfs", "a newer kernel's third field", /third field is read past and ignored/],
  ["decode", "**pcap records longer than the file's snaplen**", /longer than the file's snaplen/],
  ["switch", "**pcap records longer than the file's snaplen**", /longer than the file's\s+snaplen/],
  ["steering", "without extension headers or flow labels", /without extension headers or flow\s+labels/],
  ["steering", "`steering --rate` reports a short trial as it ran", /short trial is reported as it\s+ran/],
  ["steering", "symmetric hashing are computed in TypeScript", /symmetric hashing are computed/],
  ["flow", "an IP rule without `udp` matches any L4", /without udp matches\s+any L4/],
  ["flow", "a `udp` rule also matches GTP-U and VXLAN", /udp rule also matches GTP-U and VXLAN/],
  [
    "flow",
    "`flow destroy` of a rule that does not exist is an error",
    /destroy of a rule that does not exist is an\s+error/,
  ],
  ["flow", "`flow flush` prints testpmd's `Flow rule #N destroyed`", /flush prints 'Flow rule #N destroyed'/],
  ["flow", "`flow list` prints rules in `flow create`'s syntax", /list prints rules in flow create's syntax/],
  ["flow", "no VF target", /no VF target/],
  ["dmesg", "only `-a`", /only -a and -c/],
  ["pciconf", "`-r -w -D -B -b -V -x` fail", /-r, -w, -D, -B, -b, -V and -x are not simulated/],
  [
    "modprobe",
    "`modprobe -r` of a NIC driver is not simulated",
    /removing the\s+host's NIC drivers is not simulated/,
  ],
  ["ping", "`iovsim ping` exits 2 when any echo went unanswered", /2 an echo unanswered \(ping\(8\) exits 0/],
];

describe("each divergence docs/divergences.md states for a command is in its --help", () => {
  const helps = new Map<string, string>();
  for (const [cmd, onPage, inHelp] of ITEMS)
    it(`${cmd}: ${onPage}`, async () => {
      expect(page, "docs/divergences.md no longer says this: update the row").toContain(onPage);
      if (!helps.has(cmd)) {
        const { code, out } = await iovsim(["--state", state, "help", cmd]);
        expect(code).toBe(0);
        helps.set(cmd, out);
      }
      expect(helps.get(cmd), `iovsim help ${cmd} does not state it`).toMatch(inHelp);
    });
});
