// A transmit driver's queue bounds (src/engine/elements/tx-queue-stop.ts) are facts of the NIC
// profile (`txQueue`: for Linux and FreeBSD, PF and VF, the driver's stop bound, wake bound and
// descriptors kept back, each with its source), and the engine takes the entry of the NIC a path
// crosses and of the OS driving its queue (the cost profile's `os`). A queue woken with fewer
// free than it stops at would stop again at once, and one that needs more than the ring holds,
// less the descriptors its driver keeps back, would never wake: the NIC profile refuses both,
// located, rather than let the data plane run such a driver.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { txQueueOf } from "../../src/engine/elements/txdrv.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import { ensureKernels, scenarioGraphOptions } from "../../src/engine/simulate.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { getProfile, parseNicProfile } from "../../src/nic/profile.ts";
import { NIC_TX_RING_SIZE, txQueueBoundsProblem } from "../../src/nic/tx-queue.ts";
import { baseSpec } from "../engine/base-spec.ts";
import { iovsim } from "../helpers/cli.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
};
const bounds = (id: string, os: "linux" | "freebsd", fn: "pf" | "vf") => {
  const d = getProfile(id)!.txQueue[os][fn];
  return [d.driver, d.stopFree.value, d.wakeFree.value, d.unused.value];
};

describe("a transmit queue's bounds, per NIC, OS and function", () => {
  it("each NIC profile gives its Linux and FreeBSD drivers' bounds", () => {
    // Linux: *_DESC_UNUSED keeps one back; iflib's TXQ_AVAIL counts the whole ring.
    expect(bounds("ixl", "linux", "pf")).toEqual(["i40e", 23, 46, 1]);
    expect(bounds("ixl", "linux", "vf")).toEqual(["iavf", 23, 46, 1]);
    expect(bounds("ix", "linux", "pf")).toEqual(["ixgbe", 21, 42, 1]);
    expect(bounds("ix", "linux", "vf")).toEqual(["ixgbevf", 21, 42, 1]);
    expect(bounds("igb", "linux", "vf")).toEqual(["igbvf", 21, 32, 1]); // IGBVF_TX_QUEUE_WAKE
    // FreeBSD iflib: MAX_TX_DESC + 2 for both bounds, MAX_TX_DESC the driver's segment count.
    expect(bounds("ixl", "freebsd", "pf")).toEqual(["ixl", 130, 130, 0]);
    expect(bounds("ixl", "freebsd", "vf")).toEqual(["iavf", 130, 130, 0]);
    expect(bounds("ix", "freebsd", "pf")).toEqual(["ix", 34, 34, 0]);
    expect(bounds("igb", "freebsd", "pf")).toEqual(["igb", 66, 66, 0]);
    expect(getProfile("ix")!.txQueue.linux.vf.stopFree.source).toMatch(
      /ixgbevf\.h .*DESC_NEEDED = MAX_SKB_FRAGS \+ 4/,
    );
  });

  it("the cost profiles name the OS of host and guest and no longer carry the bounds", () => {
    expect(loadCosts("bhyve").os).toEqual({ host: "freebsd", guest: "freebsd" });
    expect(loadCosts("freebsd").os).toEqual({ host: "freebsd", guest: "freebsd" }); // extends bhyve
    expect(loadCosts("kvm-posted").os).toEqual({ host: "linux", guest: "linux" });
    expect(loadCosts("kvm-exits{cpu_ghz=3}").os.guest).toBe("linux");
    expect(message(() => loadCosts("bhyve{tx_stop_free_desc=21}"))).toMatch(
      /unknown constant 'tx_stop_free_desc'/,
    );
    // A profile that extends none names both; an OS without drivers in the NIC profiles is refused.
    const root = JSON.parse(
      readFileSync(new URL("../../src/model/costs/bhyve.json", import.meta.url), "utf8"),
    );
    const dir = mkdtempSync(join(tmpdir(), "iovsim-os-"));
    const { os: _os, ...noOs } = root;
    writeFileSync(join(dir, "no-os.json"), JSON.stringify(noOs, null, 2));
    expect(message(() => loadCosts(join(dir, "no-os.json")))).toMatch(
      /no-os\.json:1:1: \$\.os: missing: a profile that extends none names the OS of its host and guest/,
    );
    writeFileSync(
      join(dir, "win.json"),
      JSON.stringify({ ...root, os: { host: "windows", guest: "linux" } }, null, 2),
    );
    expect(message(() => loadCosts(join(dir, "win.json")))).toMatch(/win\.json:\d+:\d+: \$\.os\.host: /);
    // The old switch names what replaced it.
    expect(message(() => loadCosts("kvm-exits!ixgbe"))).toMatch(
      /^--profile kvm-exits!ixgbe: the switch 'ixgbe' is gone: .*NIC profile of the port the path crosses.*NIC profile ix/,
    );
  });

  it("the engine picks the bounds of the path's NIC, the OS on the driver's side and its function", () => {
    const picked = (path: string, profile: string) => {
      const g = buildGraph(scenarioGraphOptions(baseSpec({ path, direction: "tx", profile })));
      const el = g.ctx.path.tx!.find((e) => e.kind === "txdrv")!;
      const d = txQueueOf(g.ctx, el.on);
      return [d.nic, d.at, d.entry.driver, d.entry.stopFree.value, d.entry.wakeFree.value];
    };
    // The whole 82599 PF passed through (ix0): the guest's ixgbe under KVM, ix under bhyve.
    expect(picked("passthrough", "kvm-exits")).toEqual(["ix", "linux.pf", "ixgbe", 21, 42]);
    expect(picked("passthrough", "bhyve")).toEqual(["ix", "freebsd.pf", "ix", 34, 34]);
    // An X710 VF in the guest: iavf; the host's PF: i40e or ixl; the host's VF (loopback): iavf.
    expect(picked("vm-vf", "kvm-posted")).toEqual(["ixl", "linux.vf", "iavf", 23, 46]);
    expect(picked("native", "kvm-exits")).toEqual(["ixl", "linux.pf", "i40e", 23, 46]);
    expect(picked("native", "freebsd")).toEqual(["ixl", "freebsd.pf", "ixl", 130, 130]);
    expect(picked("vf-loopback", "bhyve")).toEqual(["ixl", "freebsd.vf", "iavf", 130, 130]);
  });

  it("one check for every loader: a NIC file, and the engine's driver on the ring it was built with", () => {
    const linux = { stopFree: 23, wakeFree: 46, unused: 1 };
    expect(txQueueBoundsProblem(linux, 512)).toBeUndefined();
    expect(txQueueBoundsProblem(linux, 47)).toBeUndefined(); // 46 of 47 seen free
    expect(txQueueBoundsProblem(linux, 46)).toEqual({
      at: "wakeFree",
      value: 46,
      why: "must be at most 45 (the NIC transmit ring's 46 descriptors less the 1 unused the driver keeps back): a stopped transmit queue would never be woken",
    });
    expect(txQueueBoundsProblem({ ...linux, wakeFree: 22 })?.why).toMatch(
      /^must be at least stopFree \(23\)/,
    );
    expect(txQueueBoundsProblem({ ...linux, unused: NIC_TX_RING_SIZE })?.at).toBe("unused");
  });

  it("a NIC profile with bounds that do not fit, or another driver's name, is refused at the entry", () => {
    const text = readFileSync(new URL("../../src/nic/profiles/ix.json", import.meta.url), "utf8");
    const at = (t: string, needle: string, nth = 0) => {
      let i = -1;
      for (let k = 0; k <= nth; k++) i = t.indexOf(needle, i + 1);
      return t.slice(0, i).split("\n").length;
    };
    // The Linux VF entry's wake bound (second "value": 42) below its stop bound.
    const lowWake = text.replace(/("wakeFree": \{\s*"value": )42/g, (m, p, off) =>
      off > text.indexOf('"driver": "ixgbevf"', text.indexOf('"txQueue"')) ? `${p}20` : m,
    );
    const line = at(lowWake, '"value": 20');
    expect(message(() => parseNicProfile(lowWake, "ix.json"))).toMatch(
      new RegExp(
        `ix\\.json:${line}:\\d+: \\$\\.txQueue\\.linux\\.vf\\.wakeFree\\.value: must be at least stopFree \\(21\\)`,
      ),
    );
    // Past the ring less the one descriptor Linux keeps back.
    const never = text.replace('"value": 42,', `"value": ${NIC_TX_RING_SIZE},`);
    expect(message(() => parseNicProfile(never, "ix.json"))).toMatch(
      /\$\.txQueue\.linux\.pf\.wakeFree\.value: must be at most 511 \(the NIC transmit ring's 512 descriptors less the 1 unused the driver keeps back\)/,
    );
    expect(message(() => parseNicProfile(text.replace('"value": 42,', '"value": 600,'), "ix.json"))).toMatch(
      /\$\.txQueue\.linux\.pf\.wakeFree\.value: must be at most the NIC transmit ring's 512 descriptors/,
    );
    expect(message(() => parseNicProfile(text.replace('"value": 21,', '"value": 2.5,'), "ix.json"))).toMatch(
      /\$\.txQueue\.linux\.pf\.stopFree\.value: a count of descriptors, a whole number/,
    );
    // An entry that names another driver than the profile's own for that OS and function.
    const other = text.replace(
      '"driver": "ixgbevf",\n        "stopFree"',
      '"driver": "iavf",\n        "stopFree"',
    );
    expect(other).not.toBe(text);
    expect(message(() => parseNicProfile(other, "ix.json"))).toMatch(
      new RegExp(
        `ix\\.json:${at(other, '"driver": "iavf"')}:\\d+: \\$\\.txQueue\\.linux\\.vf\\.driver: must be 'ixgbevf', the Linux VF driver this profile names \\(linux\\.vfDriver\\)`,
      ),
    );
    // A profile without the facts is refused, located at the profile.
    const { txQueue: _gone, ...rest } = JSON.parse(text);
    expect(message(() => parseNicProfile(JSON.stringify(rest, null, 2), "ix.json"))).toMatch(/\$\.txQueue: /);
  });

  it("`model show --nic` prints each driver's bounds with tag and source; `model show` the OS", async () => {
    const r = await iovsim(["model", "show", "kvm-exits", "--nic", "ix"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^host OS linux, guest OS linux/m);
    expect(r.out).toMatch(
      /^linux\.vf\.stopFree \(ixgbevf\)\s+21\s+descriptors\s+\[21, 21\]\s+verified\s+Linux drivers\/net\/ethernet\/intel\/ixgbevf\/ixgbevf\.h/m,
    );
    expect(r.out).toMatch(
      /^freebsd\.pf\.wakeFree \(ix\)\s+34\s+descriptors\s+\[34, 34\]\s+verified\s+FreeBSD sys\/net\/iflib\.c/m,
    );
    const j = JSON.parse((await iovsim(["model", "show", "--json", "bhyve"])).out);
    expect(j.os).toEqual({ host: "freebsd", guest: "freebsd" });
    expect(j.hardware.tx_queue.freebsd.vf).toMatchObject({ driver: "iavf", stopFree: { value: 130 } });
  });
});
