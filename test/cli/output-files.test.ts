// An output file the user names that cannot be written (--html onto a directory, into a
// missing directory, under a regular file) is the user's mistake: one line naming the option
// and the file, status 1, no "internal error" (status 70), refused before the run.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import { replaceFileSync } from "../../src/fs-atomic.ts";
import { asWriteError, checkOutputFile } from "../../src/output-file.ts";
import { writeHtmlReport } from "../../src/report/html/index.ts";
import { iovsim } from "../helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "iovsim-outfiles-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => iovsim(["--state", join(dir, "state"), ...argv]);

describe("--html FILE that cannot be written", () => {
  const commands: Array<[string, string[]]> = [
    ["ping", ["ping", "--path", "native", "-c", "1"]],
    ["paths", ["paths", "--path", "native", "--size", "64", "--rate", "10%", "--workers", "1"]],
    ["demo", ["demo"]],
    [
      "steering",
      ["steering", "--mix", "plain", "--strategy", "single", "--queues", "1", "--rate", "1Mpps", "--no-ndr"],
    ],
    ["fidelity", ["fidelity", "--case", "talk-ping-jail"]],
    ["switch", ["switch", "-f", "examples/ixl0.conf", "--in", "wire=examples/in.pcap", "--json"]],
  ];
  it.each(commands)("%s: a directory, a missing directory, a file in the way", async (_name, argv) => {
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const file = join(dir, "plain");
    writeFileSync(file, "x");
    for (const [target, why] of [
      [sub, "it is a directory"],
      [join(dir, "missing", "r.html"), "no such directory"],
      [join(file, "r.html"), "a file is in the way of its directory"],
    ]) {
      const r = await cli(...argv, "--html", target);
      expect(r).toEqual({ code: 1, out: "", err: `iovsim: --html ${target}: cannot write (${why})\n` });
    }
  });
});

describe("--html FILE that is one of the run's inputs", () => {
  const root = join(import.meta.dirname, "..", "..");
  const capture = () => {
    const f = join(dir, "in.pcap");
    writeFileSync(f, readFileSync(join(root, "examples", "in.pcap")));
    return f;
  };
  const conf = () => {
    const f = join(dir, "ixl0.conf");
    writeFileSync(f, readFileSync(join(root, "examples", "ixl0.conf")));
    return f;
  };
  // Each input is read first and the run would succeed, leaving the report where the user's
  // capture or configuration was: refused before the run, the file untouched.
  const cases: Array<[string, () => { file: string; argv: string[]; named: string }]> = [
    [
      "switch --in",
      () => {
        const f = capture();
        return {
          file: f,
          argv: ["switch", "-f", conf(), "--in", `wire=${f}`, "--json"],
          named: `--in wire=${f}`,
        };
      },
    ],
    [
      "switch -f (through a link)",
      () => {
        const f = conf();
        const link = join(dir, "link.conf");
        symlinkSync(f, link);
        return {
          file: link,
          argv: ["switch", "-f", f, "--in", `wire=${join(root, "examples", "in.pcap")}`, "--json"],
          named: `-f ${f}`,
        };
      },
    ],
    [
      "paths --pcap",
      () => {
        const f = capture();
        return {
          file: f,
          argv: ["paths", "--path", "native", "--pcap", f, "--rewrite-dst", "consumer", "--rate", "10%"],
          named: `--pcap ${f}`,
        };
      },
    ],
    [
      "ping -f",
      () => {
        const f = conf();
        return { file: f, argv: ["ping", "--path", "jail-vf", "-c", "1", "-f", f], named: `-f ${f}` };
      },
    ],
    [
      "steering --mix pcap:",
      () => {
        const f = capture();
        return {
          file: f,
          argv: [
            "steering",
            "--mix",
            `pcap:${f}`,
            "--strategy",
            "single",
            "--queues",
            "1",
            "--rate",
            "1Mpps",
            "--no-ndr",
          ],
          named: `--mix pcap:${f}`,
        };
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: refused, the input kept`, async () => {
      const { file, argv, named } = make();
      const before = readFileSync(file);
      const r = await cli(...argv, "--html", file);
      expect(r.err).toBe(
        `iovsim: --html ${file}: that is this run's input (${named}), which the report would replace; choose another file\n`,
      );
      expect(r.code).toBe(1);
      expect(readFileSync(file)).toEqual(before);
    });
  }
  it("switch --html into --out DIR under an output's name is refused; another name is written", async () => {
    const out = join(dir, "out");
    const argv = ["switch", "-f", conf(), "--in", `wire=${capture()}`, "--out", out];
    const r = await cli(...argv, "--html", join(out, "wire.pcap"));
    expect(r.err).toMatch(/--html .*wire\.pcap: --out .* holds this run's captures and counters/);
    expect(r.code).toBe(1);
    const ok = await cli(...argv, "--html", join(out, "report.html"));
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, "wire.pcap")).subarray(0, 4)).toEqual(
      Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]),
    );
  });
});

describe("output-file helpers", () => {
  it("checkOutputFile accepts a new file in an existing directory and an existing file", () => {
    expect(() => checkOutputFile(join(dir, "new.html"), "--html")).not.toThrow();
    writeFileSync(join(dir, "old.html"), "");
    expect(() => checkOutputFile(join(dir, "old.html"), "--html")).not.toThrow();
  });

  it("asWriteError turns errno failures into UserErrors and passes other errors through", () => {
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const e = asWriteError(denied, "/x/r.html", "--html");
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toBe("--html /x/r.html: cannot write (permission denied)");
    const bug = new TypeError("not an errno");
    expect(asWriteError(bug, "/x/r.html")).toBe(bug);
  });

  it("writeHtmlReport onto a directory fails as a UserError and leaves no temporary file", async () => {
    const sub = join(dir, "sub");
    mkdirSync(sub);
    await expect(writeHtmlReport(sub, { version: "0", command: "iovsim t" })).rejects.toThrow(
      new UserError("E_OUT", `--html ${sub}: cannot write (it is a directory)`),
    );
    expect(readdirSync(dir)).toEqual(["sub"]);
  });
});

// Renaming a temporary over the name the user gave replaced whatever was there: a FIFO became a
// plain file (the reader got nothing), a symbolic link was cut, and as root `--html /dev/null`
// would have put a plain file in place of /dev/null. Tested on a FIFO and a link in a temp dir.
describe("an output name that is a FIFO, a device or a symbolic link", () => {
  it.skipIf(process.platform === "win32")("a FIFO is written in place and stays a FIFO", async () => {
    const fifo = join(dir, "report.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // A reader on the other end (opening a FIFO blocks until both ends are open).
    const reader = spawn("cat", [fifo]);
    let got = "";
    reader.stdout.on("data", (d: Buffer) => (got += d.toString()));
    const closed = new Promise((r) => reader.on("close", r));
    await writeHtmlReport(fifo, { version: "0", command: "iovsim t" });
    await closed;
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(got).toContain("</html>");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  // /dev/stdout on a pipe resolves (realpath) to /proc/PID/fd/pipe:[N], a name that does not
  // exist: the report was staged beside it and refused with 'cannot write (no such directory)'.
  it.skipIf(!existsSync("/dev/stdout"))(
    "--html /dev/stdout with stdout a pipe writes the report into the pipe",
    () => {
      const argv = [
        join(import.meta.dirname, "..", "..", "bin", "iovsim.js"),
        "--state",
        join(dir, "state"),
        "switch",
        "-f",
        "examples/ixl0.conf",
        "--in",
        "wire=examples/in.pcap",
        "--csv",
        "--html",
        "/dev/stdout",
      ];
      const r = spawnSync(process.execPath, argv, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      });
      expect(r.stderr).toBe("iovsim: wrote /dev/stdout\n");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^scope,function,queue,counter,value\r\n/);
      expect(r.stdout).toContain("</html>");
      // A shell's pipe (Node's spawn 'pipe' above is a socket): the same.
      const sh = spawnSync("sh", ["-c", '"$0" "$@" | cat', process.execPath, ...argv], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(sh.stderr).toBe("iovsim: wrote /dev/stdout\n");
      expect(sh.stdout).toContain("</html>");
    },
  );

  it("/dev/null is written, not replaced", () => {
    replaceFileSync("/dev/null", "x");
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("a symbolic link is followed: the file it points to is replaced, the link stays", async () => {
    writeFileSync(join(dir, "real.html"), "old");
    symlinkSync("real.html", join(dir, "link.html"));
    const r = await cli(
      "switch",
      "-f",
      "examples/ixl0.conf",
      "--in",
      "wire=examples/in.pcap",
      "--json",
      "--html",
      join(dir, "link.html"),
    );
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, "link.html")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real.html"), "utf8")).toContain("</html>");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
