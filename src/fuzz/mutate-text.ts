// Text mutations for iovctl.conf (UCL) inputs: token insertions from a UCL/iovctl dictionary,
// deletions, duplicated and swapped lines, splices from another file, number and string
// boundary values, odd bytes (NUL, CR, non-ASCII, lone surrogates' UTF-8), unclosed constructs.
import { VF_CONFIG_KEYS } from "../nic/kernel.ts";
import type { Rng } from "./prng.ts";

const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  "=",
  ":",
  ";",
  ",",
  "#",
  "/*",
  "*/",
  "//",
  "\\",
  "\n",
  "\r\n",
  "\t",
  " ",
  "PF",
  "DEFAULT",
  "VF-0",
  "VF-1",
  "VF-63",
  "VF-64",
  "VF-99999999999",
  "vf-00",
  "device",
  "num_vfs",
  ...VF_CONFIG_KEYS,
  "ixl0",
  "ix0",
  "igb0",
  "em0",
  "true",
  "false",
  "yes",
  "off",
  "null",
  "0",
  "-1",
  "1",
  "64",
  "65",
  "4095",
  "4096",
  "0x10",
  "0x",
  "1e400",
  "1.5",
  "99999999999999999999",
  "-9223372036854775809",
  "10k",
  "1min",
  '"02:00:00:00:00:01"',
  '"01:00:5e:00:00:01"',
  '"zz:zz"',
  '""',
  '"\\u0000"',
  '"\\x"',
  "\u0024{VAR}", // a libucl variable reference
  "$",
  ".include",
  ".priority",
  "<<EOD\n",
  "EOD",
  "\u0000",
  "\u00e9",
  "\uffff",
  "\ud800",
];

const LINES = [
  'PF { device = "ixl0"; num_vfs = 4; }',
  "DEFAULT { passthrough = false; }",
  'VF-0 { mac-addr = "02:01:02:03:04:05"; allow-set-mac = true; }',
  "VF-1 { num-queues = 16; vlan = 100; }",
  "VF-2 { passthrough = true; }",
];

/** Applies 1..5 text mutations to `input`; `donors` supply lines to splice in. */
export function mutateText(r: Rng, input: string, donors: readonly string[]): string {
  let s = input;
  const rounds = r.int(1, 5);
  for (let k = 0; k < rounds; k++) {
    const lines = s.split("\n");
    const at = r.int(0, s.length);
    switch (r.int(0, 9)) {
      case 0:
      case 1:
        s = s.slice(0, at) + r.pick(TOKENS) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + r.int(1, 12)));
        break;
      case 3: {
        const i = r.int(0, lines.length - 1);
        lines.splice(i, 0, lines[i]!);
        s = lines.join("\n");
        break;
      }
      case 4: {
        const i = r.int(0, lines.length - 1);
        const j = r.int(0, lines.length - 1);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join("\n");
        break;
      }
      case 5: {
        const d = donors.length > 0 && r.bool(0.7) ? r.pick(donors).split("\n") : LINES;
        lines.splice(r.int(0, lines.length), 0, r.pick(d));
        s = lines.join("\n");
        break;
      }
      case 6: // replace a number with a boundary value
        s = s.replace(/-?\d+/g, (m) =>
          r.bool(0.3) ? r.pick(["0", "-1", "65", "4096", "18446744073709551616", "0x", "1e999"]) : m,
        );
        break;
      case 7: // truncate (unclosed braces, strings, comments)
        s = s.slice(0, at);
        break;
      case 8: // change case of a stretch
        s = s.slice(0, at) + s.slice(at, at + 12).toUpperCase() + s.slice(at + 12);
        break;
      default: // a long run (deep nesting, long strings)
        s =
          s.slice(0, at) +
          r.pick(["{", "[", "a", '"', "/*", "\\"]).repeat(r.pick([70, 300, 5000])) +
          s.slice(at);
    }
  }
  return s;
}
