// `-` where a report command takes it: a capture read from standard input gives the same report
// as the file (the document names the input as "-"), and an output that is a directory or a
// file is never silently created under the name "-".
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { withoutWallClock } from "./acceptance-runs.ts";

const IN = "examples/in.pcap";
const CONF = "examples/ixl0.conf";

describe("a capture on standard input", () => {
  it("switch --in wire=- --json: the file's counters, the input named '-', read once", async () => {
    const file = await iovsim(["switch", "-f", CONF, "--in", `wire=${IN}`, "--json"]);
    const piped = await iovsim(["switch", "-f", CONF, "--in", "wire=-", "--json"], {
      stdin: readFileSync(IN),
    });
    expect(piped.code, piped.err).toBe(0);
    expect(piped.stdinReads).toBe(1);
    const [a, b] = [JSON.parse(file.out), JSON.parse(piped.out)];
    expect(b.inputs).toEqual([{ port: "wire", file: "-" }]);
    expect({ ...b, inputs: a.inputs }).toEqual(a);
  });

  it("switch --in wire=- --csv: the same counters as from the file", async () => {
    const file = await iovsim(["switch", "-f", CONF, "--in", `wire=${IN}`, "--csv"]);
    const piped = await iovsim(["switch", "-f", CONF, "--in", "wire=-", "--csv"], {
      stdin: readFileSync(IN),
    });
    expect(piped.code, piped.err).toBe(0);
    expect(piped.out).toBe(file.out);
  });

  it("paths --pcap - --json: the same simulated figures as the file", async () => {
    const argv = ["paths", "--path", "native", "--count", "300", "--rewrite-dst", "consumer", "--json"];
    const file = await iovsim([...argv, "--pcap", IN]);
    const piped = await iovsim([...argv, "--pcap", "-"], { stdin: readFileSync(IN) });
    expect(piped.code, piped.err).toBe(0);
    // Every path's figures alike; the document names the capture as given (a file or "-").
    const paths = (t: string) => (withoutWallClock(JSON.parse(t)) as { paths: unknown[] }).paths;
    expect(paths(piped.out)).toEqual(paths(file.out));
  });
});

describe("an output named '-' that cannot be standard output", () => {
  it("switch --out -: refused (a directory of captures), no directory '-' made", async () => {
    const r = await iovsim(["switch", "-f", CONF, "--in", `wire=${IN}`, "--out", "-"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/option '--out -': --out is a directory/);
    expect(r.out).toBe("");
    expect(existsSync("-")).toBe(false);
  });

  it("switch --out ./-: a directory named '-' when asked for it that way", async () => {
    const cwd = tempDir("iovsim-report-acc-dash-");
    const r = await iovsim(["switch", "-f", CONF, "--in", `wire=${IN}`, "--out", join(cwd, "-")]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(cwd, "-", "counters.json"))).toBe(true);
  });
});
