// Acceptance sweep of "bad input gets a clear error and loses nothing": the state directory,
// the JSON files a user gives (host file, cost profile), iovctl.conf columns, captures and
// output directories, each run as a user runs it. Every refusal names the file (with
// line:column or byte offset where there is one) or the option, exits non-zero without a stack
// trace, and leaves the files on disk as they were; `iovsim reset` recovers the state.
// Cases that could hang when they regress (FIFOs) run as child processes with a timeout.
// Runs as root in CI: permission cases (chmod 000, read-only directories) are not here, root
// reads and writes them anyway; /dev/full stands in for a write that fails.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = resolve(import.meta.dirname, "..", "..");
const examples = join(root, "examples");
const ixl0Conf = join(examples, "ixl0.conf");
const base = tempDir("iovsim-inputs-");
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
/** A fresh directory for one case. */
const dir = () => {
  const d = join(base, `c${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const file = (d: string, name: string, text: string | Uint8Array) => {
  const p = join(d, name);
  writeFileSync(p, text);
  return p;
};
const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
const mkfifo = (p: string) => expect(spawnSync("mkfifo", [p]).status).toBe(0);

/** `iovsim ARGS` as a child process, killed after 30 s: a hang fails the case instead of the run. */
function child(...argv: string[]) {
  return spawnSync(process.execPath, [join(root, "bin", "iovsim.js"), ...argv], {
    encoding: "utf8",
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
}

/** Every file under `d` with its bytes, to show that a refused command changed nothing. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    const st = lstatSync(p);
    out[name] = st.isFile() ? readFileSync(p, "base64") : st.isDirectory() ? "<dir>" : "<special>";
  }
  return out;
}

/** A state directory holding the state after `iovctl -C -f examples/ixl0.conf`. */
async function configuredState(): Promise<string> {
  const s = dir();
  expect((await iovsim(["--state", s, "iovctl", "-C", "-f", ixl0Conf])).code).toBe(0);
  return s;
}

/** The refusal of a command that reads state: exit 1, one line, no stack, nothing changed. */
async function refusedRead(s: string, expected: string | RegExp) {
  const before = snapshot(s);
  const r = await iovsim(["--state", s, "dmesg"]);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  if (typeof expected === "string") expect(r.err).toBe(`iovsim: ${expected}\n`);
  else expect(r.err).toMatch(expected);
  expect(r.err).not.toMatch(/internal error|\n {4}at /);
  expect(snapshot(s)).toEqual(before);
}

async function resetRecovers(s: string) {
  expect((await iovsim(["--state", s, "reset"])).code).toBe(0);
  const r = await iovsim(["--state", s, "pciconf", "-l"]);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^ixl0@pci0:1:0:0:/m);
}

describe("the state directory", () => {
  it("an empty state.json: corrupt at 1:1, kept as it is; reset recovers", async () => {
    const s = dir();
    const st = file(s, "state.json", "");
    await refusedRead(
      s,
      `state file ${st} is corrupt: not valid JSON (Unexpected end of JSON input), at ${st}:1:1; run 'iovsim reset' to start from a clean host`,
    );
    await resetRecovers(s);
  });

  it("a truncated state.json: located where it stops; kept; reset recovers", async () => {
    const s = await configuredState();
    const st = join(s, "state.json");
    const text = readFileSync(st, "utf8").slice(0, 300);
    writeFileSync(st, text);
    const line = text.split("\n").length;
    await refusedRead(
      s,
      new RegExp(`is corrupt: not valid JSON \\(Unterminated string\\), at ${st}:${line}:\\d+; run`),
    );
    await resetRecovers(s);
  });

  it("valid JSON of the wrong shape (an array, null, binary bytes): corrupt, named", async () => {
    const s = dir();
    const st = file(s, "state.json", "[1, 2]");
    await refusedRead(
      s,
      `state file ${st} is corrupt: not a JSON object; run 'iovsim reset' to start from a clean host`,
    );
    writeFileSync(st, "null");
    await refusedRead(
      s,
      `state file ${st} is corrupt: not a JSON object; run 'iovsim reset' to start from a clean host`,
    );
    // V8's excerpt of the text is left out: no raw bytes, no line break inside the message.
    writeFileSync(st, Buffer.from([0x3d, 0x53, 0x07, 0x6d, 0x0a, 0xff, 0x39]));
    await refusedRead(
      s,
      /^iovsim: state file \S+ is corrupt: not valid JSON \(Unexpected token '='\), at \S+:1:1; run 'iovsim reset' to start from a clean host\n$/,
    );
    await resetRecovers(s);
  });

  it("a key this iovsim does not know (top level or in a VF's config) is refused, not dropped by the next write", async () => {
    const s = await configuredState();
    const st = join(s, "state.json");
    const state = JSON.parse(readFileSync(st, "utf8"));
    state.future = { x: 1 };
    writeFileSync(st, JSON.stringify(state, null, 1));
    const line =
      readFileSync(st, "utf8")
        .split("\n")
        .findIndex((l) => l.includes('"future"')) + 1;
    const before = snapshot(s);
    const r = await iovsim(["--state", s, "vm", "attach", "vm1", "ppt0"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `iovsim: state file ${st} is corrupt: $.future: a key this iovsim does not know, at ${st}:${line}:12; run 'iovsim reset' to start from a clean host\n`,
    });
    expect(snapshot(s)).toEqual(before);
    delete state.future;
    state.pfs.ixl0.vfs[1].config.trusted = true;
    writeFileSync(st, JSON.stringify(state));
    await refusedRead(
      s,
      /is corrupt: \$\.pfs\.ixl0\.vfs\[1\]\.config\.trusted: a key this iovsim does not know, at \S+:1:\d+; run/,
    );
    await resetRecovers(s);
  });

  it("the Linux view's section is strict too: an unknown key there is named when `ip` reads it", async () => {
    const s = dir();
    expect(
      (await iovsim(["--state", s, "sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "2"])).code,
    ).toBe(0);
    const st = join(s, "state.json");
    const state = JSON.parse(readFileSync(st, "utf8"));
    state.linux.pfs.ixl0.vfs[0].rate = 5;
    const text = JSON.stringify(state);
    writeFileSync(st, text);
    const before = snapshot(s);
    // Located like every other fault of the state file (the unknown key's value, on the file's one line).
    expect(await iovsim(["--state", s, "ip", "link", "show"])).toEqual({
      code: 1,
      out: "",
      err: `iovsim: state file ${st} is corrupt: $.linux.pfs.ixl0.vfs[0].rate: a key this iovsim does not know, at ${st}:1:${text.indexOf('"rate":5') + '"rate":'.length + 1}; run 'iovsim reset' to start from a clean host\n`,
    });
    expect(snapshot(s)).toEqual(before);
    await resetRecovers(s);
  });

  it("a state.json of a newer iovsim is not called corrupt: what to do is said; reset recovers", async () => {
    const s = dir();
    const st = file(s, "state.json", '{\n "version": 7,\n "pfs": {}\n}\n');
    await refusedRead(
      s,
      `state file ${st} was written by a newer iovsim (state version 7; this one reads version 1): run that iovsim, use another --state directory, or run 'iovsim reset' to discard it and start from a clean host`,
    );
    await resetRecovers(s);
  });

  it("a UTF-8 byte-order mark an editor added is skipped", async () => {
    const s = await configuredState();
    const st = join(s, "state.json");
    writeFileSync(st, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(st)]));
    const r = await iovsim(["--state", s, "iovctl", "-L", "-d", "ixl0"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toMatch(/vfs=4\/64/);
  });

  it("a directory named state.json: named; iovctl -C changes nothing", async () => {
    const s = dir();
    mkdirSync(join(s, "state.json"));
    await refusedRead(s, `cannot read state file ${join(s, "state.json")}: Is a directory`);
    const before = snapshot(s);
    const r = await iovsim(["--state", s, "iovctl", "-C", "-f", ixl0Conf]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `iovsim: cannot read state file ${join(s, "state.json")}: Is a directory\n`,
    });
    expect(snapshot(s)).toEqual(before);
  });

  it("a file where the state directory (or a parent of it) should be is named, for reads and writes", async () => {
    const d = dir();
    const f = file(d, "plain", "keep me\n");
    for (const s of [f, join(f, "sub")]) {
      const read = await iovsim(["--state", s, "dmesg"]);
      expect(read).toEqual({
        code: 1,
        out: "",
        err: `iovsim: cannot read state file ${join(s, "state.json")}: ${f} is a file, not a directory\n`,
      });
      const write = await iovsim(["--state", s, "reset"]);
      expect(write).toEqual({
        code: 1,
        out: "",
        err: `iovsim: cannot create state directory ${s}: ${f} is a file, not a directory\n`,
      });
    }
    expect(readFileSync(f, "utf8")).toBe("keep me\n");
  });

  it("a symbolic link as state.json is replaced by the new state; the file it named is kept", async () => {
    const s = dir();
    const elsewhere = await configuredState();
    const target = join(elsewhere, "state.json");
    const kept = readFileSync(target, "utf8");
    symlinkSync(target, join(s, "state.json"));
    expect((await iovsim(["--state", s, "reset"])).code).toBe(0);
    expect(lstatSync(join(s, "state.json")).isFile()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe(kept);
  });

  it.skipIf(!hasMkfifo)(
    "a FIFO as state.json or state.lock is refused at once (reading it blocked forever)",
    () => {
      const s = dir();
      mkfifo(join(s, "state.json"));
      const r = child("--state", s, "dmesg");
      expect(r.signal).toBeNull();
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `iovsim: cannot read state file ${join(s, "state.json")}: not a regular file; remove it, or run 'iovsim reset'\n`,
      });
      const l = dir();
      mkfifo(join(l, "state.lock"));
      const w = child("--state", l, "reset");
      expect(w.signal).toBeNull();
      expect({ status: w.status, stderr: w.stderr }).toEqual({
        status: 1,
        stderr: `iovsim: cannot lock state directory ${l}: ${join(l, "state.lock")} is not a regular file (iovsim never makes one like it); remove it\n`,
      });
      expect(snapshot(l)).toEqual({ "state.lock": "<special>" });
    },
    70_000,
  );

  it("a directory as state.lock is refused at once, not waited on for 15 s as a held lock", async () => {
    const s = dir();
    mkdirSync(join(s, "state.lock"));
    const r = await iovsim(["--state", s, "iovctl", "-C", "-f", ixl0Conf]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `iovsim: cannot lock state directory ${s}: ${join(s, "state.lock")} is not a regular file (iovsim never makes one like it); remove it\n`,
    });
    expect(snapshot(s)).toEqual({ "state.lock": "<dir>" });
  });

  // Root writes anywhere chmod can forbid, but not into sysfs: it stands in for a read-only place.
  it.skipIf(!existsSync("/sys/kernel"))(
    "a state directory nobody may write (sysfs): named, nothing created",
    async () => {
      const r = await iovsim(["--state", "/sys/kernel", "iovctl", "-C", "-f", ixl0Conf]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /^iovsim: cannot lock state directory \/sys\/kernel: (Permission denied|Read-only file system|Operation not permitted)\n$/,
      );
      expect(existsSync("/sys/kernel/state.json")).toBe(false);
    },
  );

  it("two iovctl -C processes at once: one consistent state with both PFs' VFs, no temporary left", async () => {
    const s = dir();
    expect(
      (await iovsim(["--state", s, "reset", "--host", join(examples, "hosts", "two-x710.json")])).code,
    ).toBe(0);
    const run = (conf: string) =>
      new Promise<number>((done) => {
        const p = spawn(
          process.execPath,
          [join(root, "bin", "iovsim.js"), "--state", s, "iovctl", "-C", "-f", conf],
          {
            stdio: "ignore",
          },
        );
        p.on("exit", (code) => done(code ?? 1));
      });
    expect(await Promise.all([run(ixl0Conf), run(join(examples, "ixl1.conf"))])).toEqual([0, 0]);
    expect(readdirSync(s)).toEqual(["state.json"]);
    const state = JSON.parse(readFileSync(join(s, "state.json"), "utf8"));
    expect(state.pfs.ixl0.vfs).toHaveLength(4);
    expect(state.pfs.ixl1.vfs).toHaveLength(2);
  }, 60_000);
});

describe("iovctl.conf columns: characters, a tab is one, CRLF ends a line", () => {
  it("CRLF line ends and tabs: the column of the value at fault", async () => {
    const d = dir();
    const conf = file(
      d,
      "crlf.conf",
      'PF {\r\n\tdevice : "ixl0";\r\n\tnum_vfs : 4;\r\n}\r\nVF-0 {\r\n\tpassthrough : maybe;\r\n}\r\n',
    );
    const r = await iovsim(["validate", "-f", conf]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${conf}:6:16: error: Value 'maybe' of key 'passthrough' is not of type bool\n`);
  });

  it("multi-byte and astral characters before the fault count one column each", async () => {
    const d = dir();
    // `é€` are 2 and 3 bytes (1 UTF-16 unit each), 😀 is 4 bytes (2 UTF-16 units): '=' is character 22.
    const conf = file(d, "mb.conf", 'PF { device : "ixl0"; num_vfs : 4; }\nVF-0 { "é€😀" : "x" ; = }\n');
    const r = await iovsim(["validate", "-f", conf]);
    expect(r.err).toBe(`${conf}:2:22: error: expected a key, found '='\n`);
  });

  it("binary garbage and a NUL byte: located, exit 1, no stack", async () => {
    const d = dir();
    const nul = file(d, "nul.conf", 'PF {\n\tdevice : "ixl0";\0\n\tnum_vfs : 4;\n}\n');
    expect(await iovsim(["validate", "-f", nul])).toEqual({
      code: 1,
      out: `${nul}: 1 error, 0 warnings\n`,
      err: `${nul}:2:18: error: expected a key, found control character 0x00\n`,
    });
  });

  it("nesting 100,000 levels deep: located at the 65th level, no stack overflow", async () => {
    const d = dir();
    const conf = file(
      d,
      "deep.conf",
      `PF { device : "ixl0"; num_vfs : 4; }\nVF-0 ${"{ a ".repeat(100_000)}${"}".repeat(100_000)}\n`,
    );
    const r = await iovsim(["validate", "-f", conf]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${conf}:2:262: error: objects nested deeper than 64 levels (iovsim's limit; libucl's is 65535)\n`,
    );
  });
});

describe("JSON inputs: cost profile (--profile FILE) and host file (reset --host FILE)", () => {
  const constant = (value: string) =>
    `{\n  "name": "t",\n  "description": "t",\n  "extends": "bhyve",\n  "constants": {\n    "cpu_ghz": {\n      "value": ${value},\n      "unit": "GHz", "range": [2, 3.5], "tag": "assumption",\n      "source": "at least ten characters", "use": "the clock"\n    }\n  }\n}\n`;
  const profile = (d: string, name: string, text: string) => [
    "model",
    "show",
    "--profile",
    file(d, name, text),
  ];

  it("NaN and Infinity are not JSON: located, V8's multi-line excerpt left out", async () => {
    const d = dir();
    for (const v of ["NaN", "Infinity"]) {
      const r = await iovsim(profile(d, `${v}.json`, constant(v)));
      expect(r).toEqual({
        code: 1,
        out: "",
        err: `iovsim: ${join(d, `${v}.json`)}:7:16: not valid JSON: Unexpected token '${v[0]}'\n`,
      });
    }
  });

  it("1e999 (Infinity once parsed) and a value outside its own range: located by JSON path", async () => {
    const d = dir();
    const big = await iovsim(profile(d, "big.json", constant("1e999")));
    expect(big.err).toBe(
      `iovsim: invalid cost profile\n${join(d, "big.json")}:7:16: $.constants.cpu_ghz.value: Invalid input: expected number, received Infinity\n`,
    );
    const out = await iovsim(profile(d, "out.json", constant("9")));
    expect(out.err).toBe(
      `iovsim: invalid cost profile\n${join(d, "out.json")}:7:16: $.constants.cpu_ghz.value: value 9 outside its range [2, 3.5]\n`,
    );
  });

  it("--profile NAME{constant=value}: a negative value is out of range (was 'not a number'), 1e999 not finite", async () => {
    const show = async (p: string) => (await iovsim(["model", "show", "--profile", p])).err;
    expect(await show("bhyve{cpu_ghz=-1}")).toBe(
      "iovsim: --profile bhyve{cpu_ghz=-1}: cpu_ghz = -1 lies outside its range [2, 3.5]\n",
    );
    expect(await show("bhyve{cpu_ghz=1e999}")).toBe(
      "iovsim: --profile bhyve{cpu_ghz=1e999}: cpu_ghz=1e999: not a finite number\n",
    );
    expect(await show("bhyve{cpu_ghz=NaN}")).toBe(
      "iovsim: --profile bhyve{cpu_ghz=NaN}: cpu_ghz=NaN: not a number\n",
    );
  });

  it("a repeated key (JSON keeps the last copy unseen) is refused at the copy, naming the first", async () => {
    const d = dir();
    const text = constant("3").replace('"unit": "GHz"', '"unit": "GHz", "value": 3.4');
    const r = await iovsim(profile(d, "dup.json", text));
    expect(r.err).toBe(
      `iovsim: ${join(d, "dup.json")}:8:22: duplicate key "value" (first at line 7, column 7): JSON keeps only the last copy; remove one\n`,
    );
    const host = file(
      d,
      "host.json",
      '{"devices": [{"name": "ixl0", "selector": "pci0:1:0:0", "profile": "ixl", "profile": "ix"}]}',
    );
    expect((await iovsim(["reset", "--host", host])).err).toBe(
      `iovsim: ${host}:1:75: duplicate key "profile" (first at line 1, column 57): JSON keeps only the last copy; remove one\n`,
    );
  });

  it("an astral character before a syntax error counts one column", async () => {
    const d = dir();
    const r = await iovsim(profile(d, "emoji.json", '{\n  "name": "😀😀", "description": "t",, "x": 1\n}\n'));
    expect(r.err).toBe(
      `iovsim: ${join(d, "emoji.json")}:2:36: not valid JSON: Expected double-quoted property name\n`,
    );
  });

  it("nested 100,000 levels deep, valid or not: located, never an internal error", async () => {
    const d = dir();
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect((await iovsim(profile(d, "deep.json", deep))).err).toBe(
      `iovsim: invalid cost profile\n${join(d, "deep.json")}:1:1: $: Invalid input: expected object, received array\n`,
    );
    expect((await iovsim(profile(d, "open.json", `${"[".repeat(100_000)}}`))).err).toBe(
      `iovsim: ${join(d, "open.json")}:1:100001: not valid JSON: Unexpected token '}'\n`,
    );
    const host = file(d, "host.json", `{"devices": ${deep}}`);
    expect((await iovsim(["reset", "--host", host])).err).toBe(
      `iovsim: invalid host file:\n  ${host}:1:14: $.devices[0]: Invalid input: expected object, received array\n`,
    );
  });

  it("a host file's wrong types, unknown keys and out-of-range values: file:line:column, the state kept", async () => {
    const s = await configuredState();
    const before = snapshot(s);
    const d = dir();
    const host = file(
      d,
      "host.json",
      `${JSON.stringify({ devices: [{ name: "ixl0", selector: "pci0:1:0:0", profile: "ixl", sriov: { totalVfs: "64", vfStride: 0 }, speed: 10 }] }, null, 2)}\n`,
    );
    const r = await iovsim(["--state", s, "reset", "--host", host]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: [
        "iovsim: invalid host file:",
        `  ${host}:8:21: $.devices[0].sriov.totalVfs: Invalid input: expected number, received string`,
        `  ${host}:9:21: $.devices[0].sriov.vfStride: Too small: expected number to be >=1`,
        `  ${host}:11:16: $.devices[0].speed: Unrecognized key: "speed"`,
        "",
      ].join("\n"),
    });
    expect(snapshot(s)).toEqual(before);
  });

  it("a host file with a byte-order mark is read", async () => {
    const d = dir();
    const host = file(
      d,
      "bom.json",
      `\uFEFF${readFileSync(join(examples, "hosts", "two-x710.json"), "utf8")}`,
    );
    const r = await iovsim(["--state", dir(), "reset", "--host", host]);
    expect(r).toMatchObject({ code: 0, err: "" });
  });

  it.skipIf(!hasMkfifo)(
    "a FIFO as host file is refused at once (reading it blocked forever)",
    () => {
      const d = dir();
      const fifo = join(d, "host.fifo");
      mkfifo(fifo);
      const r = child("--state", join(d, "state"), "reset", "--host", fifo);
      expect(r.signal).toBeNull();
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `iovsim: cannot read host file '${fifo}': not a regular file\n`,
      });
      expect(existsSync(join(d, "state", "state.json"))).toBe(false);
    },
    40_000,
  );
});

describe("captures", () => {
  const eth = Buffer.from(
    "0200000000100200000000990800" +
      "4500001c000100004011f9c40a0000010a000002" +
      "04d2162e00080000".padEnd(52, "0"),
    "hex",
  );
  const pcapHeader = () => {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(1, 20);
    return h;
  };
  const pcapRecord = (data: Buffer) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1, 0);
    r.writeUInt32LE(data.length, 8);
    r.writeUInt32LE(data.length, 12);
    return Buffer.concat([r, data]);
  };
  const block = (type: number, body: Buffer) => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const len = 12 + padded.length;
    const head = Buffer.alloc(8);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(len, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(len, 0);
    return Buffer.concat([head, padded, tail]);
  };
  const shb = () => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(0x1a2b3c4d, 0);
    b.writeUInt16LE(1, 4);
    b.writeBigInt64LE(-1n, 8);
    return block(0x0a0d0d0a, b);
  };
  const idb = () => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(1, 0);
    b.writeUInt32LE(65535, 4);
    return block(1, b);
  };
  const epb = (data: Buffer, iface = 0) => {
    const b = Buffer.alloc(20);
    b.writeUInt32LE(iface, 0);
    b.writeUInt32LE(data.length, 12);
    b.writeUInt32LE(data.length, 16);
    return block(6, Buffer.concat([b, data]));
  };

  it("a gzip'ed capture: the message says to uncompress it", async () => {
    const d = dir();
    const gz = file(d, "in.pcap.gz", gzipSync(Buffer.concat([pcapHeader(), pcapRecord(eth)])));
    expect(await iovsim(["decode", gz])).toEqual({
      code: 1,
      out: "",
      err: `iovsim: ${gz}: not a pcap or pcapng file (magic 0x1f8b0800, gzip-compressed: uncompress it first with gunzip) at byte 0\n`,
    });
  });

  it("unknown pcapng blocks are skipped; a zero-length packet is counted as truncated, the next one read", async () => {
    const d = dir();
    const f = file(
      d,
      "odd.pcapng",
      Buffer.concat([
        shb(),
        idb(),
        block(0x0badbeef, Buffer.from("hello!!!")),
        epb(Buffer.alloc(0)),
        epb(eth),
      ]),
    );
    const r = await iovsim(["decode", f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^ {4}1 {6}0B .*TRUNCATED eth\n {4}2 {5}60B {2}02:00:00:00:00:99 > 02:00:00:00:00:10 .*\n2 frames, 1 truncated\n$/,
    );
  });

  it("a record length of 4 GB: named with the byte offset; an interface id out of range: that record dropped, named", async () => {
    const d = dir();
    const huge = Buffer.concat([pcapHeader(), pcapRecord(eth), pcapRecord(eth)]);
    huge.writeUInt32LE(0xffffffff, 24 + 16 + 60 + 8);
    const f = file(d, "huge.pcap", huge);
    const r = await iovsim(["decode", f]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: ${f}: record caplen 4294967295 exceeds the largest this reader buffers (67108864) at byte 100 (after 1 good frame)\n`,
    );
    const g = file(d, "iface.pcapng", Buffer.concat([shb(), idb(), epb(eth, 5)]));
    const dropped = await iovsim(["decode", g]);
    expect(dropped).toMatchObject({ code: 0, err: "" });
    expect(dropped.out).toBe(
      "    1  dropped: interface id 5 not declared (record 1, at byte 48)\n0 frames, 1 record dropped (interface id 5 not declared: 1)\n",
    );
  });

  it("steering --mix pcap:FILE with no whole record: the error says where the file breaks", async () => {
    const d = dir();
    const bad = Buffer.concat([shb(), idb(), epb(eth)]);
    bad.writeUInt32LE(7, 48 + 4); // a block length that is no multiple of 4
    const f = file(d, "bad.pcapng", bad);
    const r = await iovsim([
      "steering",
      "--mix",
      `pcap:${f}`,
      "--queues",
      "1",
      "--frames",
      "500",
      "--no-ndr",
      "--rate",
      "1Mpps",
    ]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `iovsim: --mix pcap:${f}: no frame of 14..1514 bytes to replay; ${f}: bad block length 7 at byte 48: read the 0 whole records before it; the last 92 bytes (from byte 48) were left out\n`,
    });
  });
});

describe("output files", () => {
  const sw = (...extra: string[]) => [
    "switch",
    "-f",
    ixl0Conf,
    "--in",
    `wire=${join(examples, "in.pcap")}`,
    ...extra,
  ];

  it("switch --out below a regular file: a clear refusal (was an internal error), the file kept", async () => {
    const d = dir();
    const f = file(d, "plain", "keep\n");
    expect(await iovsim(sw("--out", join(f, "sub")))).toEqual({
      code: 1,
      out: "",
      err: `iovsim: option '--out': cannot use '${join(f, "sub")}' as a directory (a file is in the way)\n`,
    });
    expect(readFileSync(f, "utf8")).toBe("keep\n");
  });

  it("switch --out DIR holding a directory under an output's name: refused before any file is replaced", async () => {
    for (const name of ["counters.json", "VF-7.pcap"]) {
      const d = dir();
      mkdirSync(join(d, name));
      file(d, "wire.pcap", "an earlier run's capture");
      const before = snapshot(d);
      expect(await iovsim(sw("--out", d))).toEqual({
        code: 1,
        out: "",
        err: `iovsim: option '--out': ${join(d, name)} is a directory named like the outputs (captures, counters.json) that --out replaces or removes; remove or rename it\n`,
      });
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("a symbolic-link loop, read or written: said in words (was 'ELOOP' or Node's raw message)", async () => {
    const d = dir();
    symlinkSync(join(d, "b"), join(d, "a"));
    symlinkSync(join(d, "a"), join(d, "b"));
    const loop = join(d, "a");
    const words = "too many levels of symbolic links";
    expect((await iovsim(["decode", loop])).err).toBe(`iovsim: ${loop}: cannot read (${words})\n`);
    expect(
      (await iovsim(["switch", "-f", loop, "--in", `wire=${join(examples, "in.pcap")}`, "--json"])).err,
    ).toBe(`iovsim: ${loop}: cannot read (${words})\n`);
    expect((await iovsim(["switch", "-f", ixl0Conf, "--in", `wire=${loop}`, "--json"])).err).toBe(
      `iovsim: ${loop}: cannot read (${words})\n`,
    );
    expect((await iovsim(["model", "show", "--profile", loop])).err).toMatch(
      new RegExp(`^iovsim: --profile ${loop}: ${words} \\(built-in`),
    );
    expect((await iovsim(sw("--json", "--html", loop))).err).toBe(
      `iovsim: --html ${loop}: cannot write (${words})\n`,
    );
  });

  it.skipIf(!existsSync("/dev/full"))(
    "--html /dev/full (a write that fails): named with the reason, exit 1",
    async () => {
      const r = await iovsim(sw("--json", "--html", "/dev/full"));
      expect(r.code).toBe(1);
      expect(r.err).toBe("iovsim: --html /dev/full: cannot write (no space left on device)\n");
    },
  );
});
