// A capture on standard input (`tcpdump -w - | iovsim ...`), as `decode -` reads one:
// `switch --in PORT=-` and `paths --pcap -` (spooled to a private file its worker threads
// read, removed afterwards). In-process with injected bytes, and once through a real pipe.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim as inProcess } from "../helpers/cli.ts";
import { QUICK_STEERING, quickPathsReplay } from "../helpers/quick-replay.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "iovsim-stdin-test-"));
const captures = join(repoRoot, "test", "fixtures", "captures", "tcpdump");
const VXLAN = join(captures, "vxlan.pcap");
const QINQ = join(captures, "QinQpacket.pcap");
const conf = join(tmp, "ixl.conf");
writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 1; }\n');

/** In-process, `stdin` (if any) on standard input. */
const cli = (stdin: Uint8Array | undefined, ...argv: string[]) =>
  inProcess(argv, { stateDir: join(tmp, "state"), stdin });

/** Temporary spool directories this process's runs left behind. */
const spools = () => readdirSync(tmpdir()).filter((n) => n.startsWith("iovsim-stdin-") && !tmp.endsWith(n));

describe("switch --in PORT=-", () => {
  it("replays standard input like the file itself: same counters and captures", async () => {
    const bytes = readFileSync(VXLAN);
    const fromFile = join(tmp, "from-file");
    const fromStdin = join(tmp, "from-stdin");
    const a = await cli(
      undefined,
      "switch",
      "-f",
      conf,
      "--in",
      `wire=${VXLAN}`,
      "--promisc",
      "PF",
      "--out",
      fromFile,
    );
    const b = await cli(bytes, "switch", "-f", conf, "--in", "wire=-", "--promisc", "PF", "--out", fromStdin);
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdinReads).toBe(1);
    expect(b.out).toMatch(/│ wire +│ 10 +│/);
    for (const f of ["PF.pcap", "VF-0.pcap", "wire.pcap"])
      expect(readFileSync(join(fromStdin, f))).toEqual(readFileSync(join(fromFile, f)));
    const ca = JSON.parse(readFileSync(join(fromFile, "counters.json"), "utf8"));
    const cb = JSON.parse(readFileSync(join(fromStdin, "counters.json"), "utf8"));
    expect(cb.inputs).toEqual([{ port: "wire", file: "-" }]);
    expect({ ...cb, inputs: null }).toEqual({ ...ca, inputs: null });
    expect(a.code).toBe(0);
  });

  it("names standard input in its errors, and feeds one port only", async () => {
    const junk = new TextEncoder().encode("not a capture at all\n");
    const r = await cli(junk, "switch", "-f", conf, "--in", "wire=-", "--json");
    expect(r.code).toBe(1);
    expect(r.err).toBe("iovsim: standard input: not a pcap or pcapng file (magic 0x6e6f7420) at byte 0\n");
    const two = await cli(
      readFileSync(VXLAN),
      "switch",
      "-f",
      conf,
      "--in",
      "wire=-",
      "--in",
      "PF=-",
      "--json",
    );
    expect(two.code).toBe(1);
    expect(two.err).toBe("iovsim: option '--in': standard input (-) can feed one port, not wire and PF\n");
    expect(two.stdinReads).toBe(0);
  });

  it("reads a real pipe (node bin/iovsim.js with the capture on its stdin)", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, "bin", "iovsim.js"),
        "switch",
        "-f",
        conf,
        "--in",
        "wire=-",
        "--promisc",
        "PF",
        "--json",
      ],
      { input: readFileSync(VXLAN), encoding: "utf8", cwd: tmp, timeout: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.functions.find((f: { name: string }) => f.name === "wire").offered).toBe(10);
  }, 60_000);
});

describe("paths --pcap -", () => {
  it("replays standard input as the file, names it so, and removes its spool", async () => {
    const before = spools();
    const args = [
      "--path",
      "native",
      "--rewrite-dst",
      "consumer",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "0.1",
      "--json",
    ];
    const a = await cli(undefined, "paths", "--pcap", QINQ, ...args);
    const b = await cli(readFileSync(QINQ), "paths", "--pcap", "-", ...args);
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdinReads).toBe(1);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(jb.replay).toEqual({ ...ja.replay, file: "standard input" });
    // Same frames, same simulated figures (virtual time): only the name differs.
    expect(jb.paths[0].load_points[0].conservation).toEqual(ja.paths[0].load_points[0].conservation);
    expect(spools()).toEqual(before);
  });

  it("a corrupt tail on standard input is noted as such", async () => {
    const before = spools();
    const cut = readFileSync(QINQ).subarray(0, 1000);
    const r = await cli(cut, ...quickPathsReplay("-"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /note: standard input: .* at byte \d+: read the \d+ whole records before it; the last \d+ bytes/,
    );
    expect(spools()).toEqual(before);
  });
});

describe("steering --mix pcap:-", () => {
  const args = QUICK_STEERING;

  it("replays standard input as the file: same flows and simulated figures, named pcap:-", async () => {
    const a = await cli(undefined, "steering", "--mix", `pcap:${VXLAN}`, ...args);
    const b = await cli(readFileSync(VXLAN), "steering", "--mix", "pcap:-", ...args);
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdinReads).toBe(1);
    const ra = JSON.parse(a.out).results[0];
    const rb = JSON.parse(b.out).results[0];
    expect(rb.traffic).toBe("pcap:-");
    expect({ ...rb, traffic: null }).toEqual({ ...ra, traffic: null });
  });

  it("names standard input in its errors", async () => {
    const junk = new TextEncoder().encode("not a capture at all\n");
    const r = await cli(junk, "steering", "--mix", "pcap:-", ...args);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "iovsim: --mix pcap:-: standard input: not a pcap or pcapng file (magic 0x6e6f7420) at byte 0\n",
    );
  });
});

// A capture that is a stream but not standard input: a FIFO, or /dev/fd/N of a shell's process
// substitution (`--pcap <(tcpdump -w - ...)`). It is read once; a device that never ends and is
// no capture (/dev/zero) fails from its first bytes instead of being read forever.
describe("a capture that is a FIFO or a device", () => {
  const bin = join(repoRoot, "bin", "iovsim.js");
  const iovsim = (...argv: string[]) =>
    spawnSync(process.execPath, [bin, "--state", join(tmp, "state"), ...argv], {
      encoding: "utf8",
      cwd: tmp,
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
  const fifoOf = (name: string, file: string) => {
    const fifo = join(tmp, name);
    execFileSync("mkfifo", [fifo]);
    // The writer blocks until the command opens the FIFO, then exits.
    const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", file, fifo], { stdio: "ignore" });
    return { fifo, writer };
  };

  it("/dev/zero is refused at once by switch --in, paths --pcap and steering --mix pcap:", () => {
    for (const argv of [
      ["switch", "-f", conf, "--in", "wire=/dev/zero", "--json"],
      quickPathsReplay("/dev/zero"),
      ["steering", "--mix", "pcap:/dev/zero", ...QUICK_STEERING],
    ]) {
      const r = iovsim(...argv);
      expect(r.signal).toBeNull(); // not killed by the timeout
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/dev\/zero: not a pcap or pcapng file \(magic 0x00000000\) at byte 0\n$/);
    }
  }, 120_000);

  it("paths --pcap FIFO replays it (its worker threads read a private copy), named as given", () => {
    const { fifo, writer } = fifoOf("paths.fifo", QINQ);
    const r = iovsim(...quickPathsReplay(fifo), "--json");
    writer.kill();
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.replay.file).toBe(fifo);
    expect(j.replay.frames).toBe(249);
  }, 120_000);

  it("switch --in wire=FIFO reads it like the file", () => {
    const { fifo, writer } = fifoOf("switch.fifo", VXLAN);
    const r = iovsim("switch", "-f", conf, "--in", `wire=${fifo}`, "--promisc", "PF", "--json");
    writer.kill();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).functions.find((f: { name: string }) => f.name === "wire").offered).toBe(10);
  }, 120_000);
});

// `iovsim ... - < DIR`: reading standard input fails with EISDIR. decode named it '-', switch and
// steering said the errno's code ('cannot read (EISDIR)'), and paths --pcap - died with an
// internal error. Each now says it in words, naming standard input (and the option).
describe("standard input that is a directory", () => {
  const bin = join(repoRoot, "bin", "iovsim.js");
  const fromDir = (...argv: string[]) => {
    const fd = openSync(tmp, "r");
    try {
      return spawnSync(process.execPath, [bin, "--state", join(tmp, "state"), ...argv], {
        encoding: "utf8",
        cwd: tmp,
        stdio: [fd, "pipe", "pipe"],
        timeout: 60_000,
        killSignal: "SIGKILL",
      });
    } finally {
      closeSync(fd);
    }
  };

  it.each([
    [["decode", "-"], "iovsim: standard input: is a directory\n"],
    [
      ["switch", "-f", conf, "--in", "wire=-", "--json"],
      "iovsim: standard input: cannot read (is a directory)\n",
    ],
    [
      ["steering", "--mix", "pcap:-", ...QUICK_STEERING],
      "iovsim: --mix pcap:-: standard input: cannot read (is a directory)\n",
    ],
    [quickPathsReplay("-"), "iovsim: --pcap -: standard input: cannot read (is a directory)\n"],
  ])(
    "%s: one line in words, exit 1",
    (argv, err) => {
      const r = fromDir(...argv);
      expect(r.stderr).toBe(err);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
    },
    60_000,
  );
});
