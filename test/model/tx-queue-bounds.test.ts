// tx_stop_free_desc, tx_wake_free_desc and tx_ring_unused_desc (a transmit driver's queue in front
// of the NIC's ring, src/engine/elements/tx-queue-stop.ts): a queue woken with fewer free than it
// stops at would stop again at once, and one that needs more than the ring holds, less the
// descriptors its driver keeps back, would never post or never wake. The control plane refuses
// both, located, rather than let the data plane run such a driver; the KVM profiles carry Linux
// iavf/i40e's bounds, bhyve and freebsd FreeBSD iflib's.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { loadCosts, txQueueBoundsProblem } from "../../src/model/costs.ts";
import { NIC_TX_RING_SIZE } from "../../src/model/nic-tx-ring.ts";
import { baseSpec } from "../engine/base-spec.ts";
import { iovsim } from "../helpers/cli.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const dir = mkdtempSync(join(tmpdir(), "iovsim-txq-"));
const bhyve = loadCosts("bhyve").constants;
/** A profile extending bhyve that sets the stop bound and, unless `wake` is undefined, the wake
 *  bound, both with `range`, and any `more` constants. */
function profile(
  name: string,
  stop: number,
  wake: number | undefined,
  range: [number, number],
  more: Record<string, unknown> = {},
): string {
  const constants = {
    tx_stop_free_desc: { ...bhyve.tx_stop_free_desc, value: stop, range },
    ...(wake === undefined ? {} : { tx_wake_free_desc: { ...bhyve.tx_wake_free_desc, value: wake, range } }),
    ...more,
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, description: "d", extends: "bhyve", constants }, null, 2));
  return path;
}
/** A tx_ring_unused_desc record of `value` within `range`. */
const unused = (value: number, range: [number, number]) => ({
  tx_ring_unused_desc: { ...bhyve.tx_ring_unused_desc, value, range },
});
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
};

describe("a transmit queue's stop and wake bounds", () => {
  it("the built-in profile takes the same bound for both (FreeBSD iflib: MAX_TX_DESC + 2, ixl/iavf)", () => {
    for (const name of ["bhyve", "freebsd"]) {
      const c = loadCosts(name).c;
      expect(c.tx_stop_free_desc).toBe(130);
      expect(c.tx_wake_free_desc).toBe(130);
      expect(c.tx_ring_unused_desc).toBe(0); // TXQ_AVAIL counts the whole ring
    }
  });

  it("the KVM profiles take Linux iavf/i40e's: stop below 23, wake at 46, one descriptor kept back", () => {
    for (const name of ["kvm-exits", "kvm-posted"]) {
      const p = loadCosts(name);
      expect([p.c.tx_stop_free_desc, p.c.tx_wake_free_desc, p.c.tx_ring_unused_desc]).toEqual([23, 46, 1]);
      expect(p.constants.tx_stop_free_desc.source).toMatch(/DESC_NEEDED = MAX_SKB_FRAGS \+ 6 = 23/);
      expect(p.constants.tx_wake_free_desc.source).toMatch(
        /TX_WAKE_THRESHOLD \(\(s16\)\(DESC_NEEDED \* 2\)\) = 46/,
      );
      expect(p.constants.tx_ring_unused_desc.source).toMatch(/IAVF_DESC_UNUSED/);
      // The 82599's Linux drivers (ixgbe, ixgbevf): DESC_NEEDED = MAX_SKB_FRAGS + 4.
      const x = loadCosts(`${name}!ixgbe`).c;
      expect([x.tx_stop_free_desc, x.tx_wake_free_desc, x.tx_ring_unused_desc]).toEqual([21, 42, 1]);
    }
    // FreeBSD does not run Linux's driver: its profiles keep no descriptor back.
    expect(message(() => loadCosts("bhyve!ixgbe"))).toBe(
      "--profile bhyve!ixgbe: tx_ring_unused_desc = 1 lies outside its range [0, 0]",
    );
  });

  it("refuses a wake below the stop bound, in a file and in a variant", () => {
    expect(message(() => loadCosts(profile("low-wake", 42, 21, [1, 130])))).toMatch(
      /\$\.constants\.tx_wake_free_desc\.value: must be at least tx_stop_free_desc \(42\)/,
    );
    expect(message(() => loadCosts("bhyve{tx_wake_free_desc=42}"))).toBe(
      "--profile bhyve{tx_wake_free_desc=42}: tx_wake_free_desc = 42: must be at least tx_stop_free_desc (130): a transmit queue woken with fewer free would stop again at once",
    );
    // A file that raises only the stop bound above the wake bound it extends: located at what it
    // set, not at a wake bound it never wrote.
    expect(message(() => loadCosts(profile("high-stop", 200, undefined, [21, 200])))).toMatch(
      /high-stop\.json:\d+:\d+: \$\.constants\.tx_stop_free_desc\.value: must be at most tx_wake_free_desc \(130\)/,
    );
    // A variant that moves only the stop bound past its profile's wake bound: the stop bound.
    const linuxPair = profile("linux-pair", 21, 42, [21, 130]);
    expect(message(() => loadCosts(`${linuxPair}{tx_stop_free_desc=100}`))).toMatch(
      /: tx_stop_free_desc = 100: must be at most tx_wake_free_desc \(42\)/,
    );
    // Linux ixgbe's pair (DESC_NEEDED 21, TX_WAKE_THRESHOLD 42) is a variant of the built-in one.
    expect(loadCosts("bhyve{tx_stop_free_desc=21,tx_wake_free_desc=42}").c.tx_wake_free_desc).toBe(42);
  });

  it("refuses a wake bound past the ring less the descriptors the driver keeps back, located", () => {
    // In a file: the wake bound it set (the ring's 512 less 1 is the most a driver sees free).
    const m = message(() => loadCosts(profile("wake-at-ring", 23, 512, [21, 512], unused(1, [0, 1]))));
    expect(m).toMatch(
      /wake-at-ring\.json:\d+:\d+: \$\.constants\.tx_wake_free_desc\.value: must be at most 511 \(the NIC transmit ring's 512 descriptors less the tx_ring_unused_desc 1 the driver keeps back\): a stopped transmit queue would never be woken/,
    );
    // A file that sets only the unused count under a wake bound it extends: the unused count.
    const base = profile("ring-512", 512, 512, [21, 512]);
    const over = join(dir, "keeps-one.json");
    writeFileSync(
      over,
      JSON.stringify(
        { name: "keeps-one", description: "d", extends: base, constants: unused(1, [0, 1]) },
        null,
        2,
      ),
    );
    expect(message(() => loadCosts(over))).toMatch(
      /keeps-one\.json:\d+:\d+: \$\.constants\.tx_ring_unused_desc\.value: must be at most 0 \(the NIC transmit ring's 512 descriptors less tx_wake_free_desc, 512\)/,
    );
    // In a variant: the constant it moved.
    const zero = profile("wake-512-unused-0", 23, 512, [21, 512], unused(0, [0, 1]));
    expect(message(() => loadCosts(zero))).toBe("accepted");
    expect(message(() => loadCosts(`${zero}{tx_ring_unused_desc=1}`))).toBe(
      `--profile ${zero}{tx_ring_unused_desc=1}: tx_ring_unused_desc = 1: must be at most 0 (the NIC transmit ring's 512 descriptors less tx_wake_free_desc, 512): a stopped transmit queue would never be woken`,
    );
    // A driver that kept the whole ring back: refused, range ends included.
    const all = message(() => loadCosts(profile("keeps-all", 23, 46, [21, 46], unused(512, [0, 512]))));
    expect(all).toContain(
      "$.constants.tx_ring_unused_desc.value: must be less than the NIC transmit ring's 512 descriptors",
    );
    expect(all).toContain("$.constants.tx_ring_unused_desc.range[1]: must be less than");
    expect(message(() => loadCosts(profile("half", 2.5, 46, [2, 46])))).toContain(
      "$.constants.tx_stop_free_desc.value: a count of descriptors, a whole number",
    );
  });

  it("one check for every loader: the engine's driver runs it on the ring it was built with", () => {
    const linux = { tx_stop_free_desc: 23, tx_wake_free_desc: 46, tx_ring_unused_desc: 1 };
    const none = () => false;
    expect(txQueueBoundsProblem(linux, none, 512)).toBeUndefined();
    expect(txQueueBoundsProblem(linux, none, 47)).toBeUndefined(); // 46 of 47 seen free
    expect(txQueueBoundsProblem(linux, none, 46)).toEqual({
      at: "tx_wake_free_desc",
      value: 46,
      why: "must be at most 45 (the NIC transmit ring's 46 descriptors less the tx_ring_unused_desc 1 the driver keeps back): a stopped transmit queue would never be woken",
    });
    expect(txQueueBoundsProblem({ ...linux, tx_wake_free_desc: 22 }, none)?.why).toMatch(
      /^must be at least tx_stop_free_desc \(23\)/,
    );
  });

  it("refuses a bound above the NIC's transmit ring, range ends included", () => {
    const m = message(() => loadCosts(profile("over-ring", 130, 600, [21, 600])));
    expect(m).toContain(
      `$.constants.tx_wake_free_desc.value: must be at most the NIC transmit ring's ${NIC_TX_RING_SIZE} descriptors`,
    );
    expect(m).toContain("$.constants.tx_wake_free_desc.range[1]: must be at most");
    // At the ring's size it is accepted, and the data plane runs it: the engine's transmit ring
    // holds that many (a driver whose wake needs more than its ring is refused when it is built).
    const atRing = profile("at-ring", NIC_TX_RING_SIZE, NIC_TX_RING_SIZE, [21, NIC_TX_RING_SIZE]);
    expect(message(() => loadCosts(atRing))).toBe("accepted");
    const r = simulate(
      baseSpec({ path: "native", direction: "tx", profile: atRing, durationNs: 2e5, warmupNs: 0 }),
    );
    expect(r.conservation.ok).toBe(true);
    // Woken only with the whole ring free, the driver posts one frame a wake: every frame the
    // sender made (one every 1 µs at 1 Mpps) is delivered, each its own batch. A queue never
    // woken would have delivered its first frame only.
    expect(r.conservation.sent).toBeGreaterThan(100);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    const drv = r.elements!.find((e) => e.kind === "txdrv")!;
    expect(drv.max_batch).toBe(1);
    expect(drv.batches).toBe(r.conservation.sent);
  });

  it("`model show` prints each profile's bounds with range, tag and source", async () => {
    const kvm = await iovsim(["model", "show", "kvm-exits"]);
    expect(kvm.code).toBe(0);
    expect(kvm.out).toMatch(
      /^tx_stop_free_desc\s+23\s+descriptors\s+\[21, 23\]\s+verified\s+Linux drivers\/net\/ethernet\/intel\/iavf\/iavf_txrx\.h/m,
    );
    expect(kvm.out).toMatch(
      /^tx_wake_free_desc\s+46\s+descriptors\s+\[42, 46\]\s+verified\s+Linux .*iavf_clean_tx_irq/m,
    );
    expect(kvm.out).toMatch(
      /^tx_ring_unused_desc\s+1\s+descriptors\s+\[1, 1\]\s+verified\s+Linux .*IAVF_DESC_UNUSED/m,
    );
    const bsd = await iovsim(["model", "show", "freebsd"]);
    expect(bsd.out).toMatch(
      /^tx_stop_free_desc\s+130\s+descriptors\s+\[21, 130\]\s+verified\s+FreeBSD sys\/net\/iflib\.c/m,
    );
    expect(bsd.out).toMatch(
      /^tx_ring_unused_desc\s+0\s+descriptors\s+\[0, 0\]\s+verified\s+FreeBSD sys\/net\/iflib\.c TXQ_AVAIL/m,
    );
    const x = await iovsim(["model", "show", "kvm-posted!ixgbe"]);
    expect(x.out).toMatch(/^variant of kvm-posted: tx_stop_free_desc 23 -> 21, tx_wake_free_desc 46 -> 42$/m);
    const j = JSON.parse((await iovsim(["model", "show", "--json", "kvm-posted"])).out);
    expect(j.constants.tx_ring_unused_desc).toMatchObject({ value: 1, range: [1, 1], tag: "verified" });
  });
});
