// ping's -c and --interval-ms read as FreeBSD's ping(8) reads -c and -i (sbin/ping/ping.c:
// strtonum(optarg, 1, LONG_MAX) and strtod): what ping.c refuses is refused with its message.
import { describe, expect, it } from "vitest";
import { pingCount, pingIntervalMs, strtod } from "../../src/cli/commands/ping-numbers.ts";
import { UserError } from "../../src/errors.ts";
import { iovsim } from "../helpers/cli.ts";

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("accepted");
}

describe("ping -c as ping.c's strtonum", () => {
  it("refuses what strtonum refuses, in ping's words", () => {
    for (const v of ["1e3", "0x10", "1.5", "", " ", "5 ", "0", "-1", "12abc", "9223372036854775808"])
      expect(messageOf(() => pingCount(v, 5, 1_000_000))).toBe(
        `ping: invalid count of packets to transmit: \`${v}'`,
      );
  });

  it("accepts what strtonum accepts (leading blanks, a sign), within iovsim's limit", () => {
    expect(pingCount(undefined, 5, 1_000_000)).toBe(5);
    expect(pingCount("3", 5, 1_000_000)).toBe(3);
    expect(pingCount("+3", 5, 1_000_000)).toBe(3);
    expect(pingCount(" 007", 5, 1_000_000)).toBe(7);
    expect(messageOf(() => pingCount("2000000", 5, 1_000_000))).toBe(
      "-c/--count: '2000000' is not an integer in 1..1000000",
    );
  });

  it("the command: -c 1e3 is a usage error, nothing simulated", async () => {
    const { code, out, err } = await iovsim(["ping", "--path", "native", "-c", "1e3"]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toBe("iovsim: ping: invalid count of packets to transmit: `1e3'\n");
  });
});

describe("ping --interval-ms as ping.c's strtod for -i", () => {
  it("strtod reads decimal, exponent and hexadecimal forms whole", () => {
    expect(strtod("1e3")).toBe(1000);
    expect(strtod(" .5")).toBe(0.5);
    expect(strtod("0x10")).toBe(16);
    expect(strtod("0x1.8p1")).toBe(3);
    expect(strtod("-INF")).toBe(-Infinity);
    expect(strtod("nan")).toBeNaN();
    for (const v of ["", "5 ", "0b11", "0o7", "1e", "0x", "1_000", "5ms", "Infinityx"])
      expect(strtod(v)).toBeUndefined();
  });

  it("refuses what strtod leaves unread with ping's message; the range is iovsim's", () => {
    expect(pingIntervalMs("1e3", 1000, 0.001, 3_600_000)).toBe(1000);
    expect(messageOf(() => pingIntervalMs("0b11", 1000, 0.001, 3_600_000))).toBe(
      "ping: invalid timing interval: `0b11'",
    );
    expect(messageOf(() => pingIntervalMs("10 ", 1000, 0.001, 3_600_000))).toBe(
      "ping: invalid timing interval: `10 '",
    );
    expect(messageOf(() => pingIntervalMs("nan", 1000, 0.001, 3_600_000))).toBe(
      "--interval-ms: 'nan' is not a number in 0.001..3600000",
    );
    expect(messageOf(() => pingIntervalMs("0", 1000, 0.001, 3_600_000))).toBe(
      "--interval-ms: '0' is not a number in 0.001..3600000",
    );
  });
});

// ping(8)'s own interval option is -i WAIT, in seconds (fractional): `ping -i 0.2` was
// "unknown option '-i'". It reads as ping.c reads it (strtod whole, ping's message), in seconds.
describe("ping -i WAIT (seconds), as ping(8)", () => {
  it("-i 0.2 is --interval-ms 200: the same run", async () => {
    const i = await iovsim(["ping", "--path", "native", "-c", "2", "-i", "0.2", "--json"]);
    const ms = await iovsim(["ping", "--path", "native", "-c", "2", "--interval-ms", "200", "--json"]);
    expect(i.code, i.err).toBe(0);
    const strip = (t: string) => {
      const j = JSON.parse(t);
      delete j.simulator;
      return j;
    };
    expect(strip(i.out)).toEqual(strip(ms.out));
    expect(strip(i.out).interval_ms).toBe(200);
    expect((await iovsim(["ping", "--path", "native", "-c", "1", "--interval", "1.5", "--json"])).code).toBe(
      0,
    );
  });

  it("refuses what ping.c refuses with its message, both forms at once, and an interval out of range", async () => {
    const bad = await iovsim(["ping", "--path", "native", "-i", "0.2s"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe("iovsim: ping: invalid timing interval: `0.2s'\n");
    const both = await iovsim(["ping", "--path", "native", "-i", "1", "--interval-ms", "1000"]);
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/-i\/--interval and --interval-ms are exclusive/);
    const big = await iovsim(["ping", "--path", "native", "-i", "4000"]);
    expect(big.code).toBe(1);
    expect(big.err).toBe("iovsim: -i/--interval: '4000' is not a number of seconds in 0.000001..3600\n");
  });
});

// ping(8)'s -s PACKETSIZE is not simulated (the echo carries ping's default 56 data bytes):
// refused, as every unsupported option, but saying so and where a frame size is measured.
describe("ping -s", () => {
  it("is refused with what the echo carries and where sizes are measured", async () => {
    const r = await iovsim(["ping", "--path", "native", "-s", "1472"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "iovsim: ping: unknown option '-s' (the echo carries ping(8)'s default 56 data bytes; other sizes are not simulated by ping: iovsim paths --proto icmp --size N measures a frame size's path)\n",
    );
  });
});
