// DESIGN principle 5: a packet path is data. A path made here from existing elements, in no
// source file, runs through the generic machinery: its layout graph, the engine (simulate), the
// VF needs the options check against a configuration, and whether a capture replays on transmit,
// all read from the path's data rather than from a switch on its name.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkConfigPaths } from "../../src/cli/commands/paths-options.ts";
import { simulatePing } from "../../src/engine/ping.ts";
import { checkReplayDirection } from "../../src/engine/replay.ts";
import { ensureKernels, pathElements, simulate } from "../../src/engine/simulate.ts";
import { UserError } from "../../src/errors.ts";
import {
  ENGINE_PATHS,
  type EngineElement,
  type EnginePath,
  enginePath,
  layoutGraph,
  txReplayable,
  vfRolesOf,
} from "../../src/paths/path-graphs.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { baseSpec, simulated } from "../engine/base-spec.ts";
import { DNS } from "../engine/replay-fixtures.ts";

beforeAll(async () => {
  await ensureKernels();
});

const known = (name: string): EnginePath => {
  const p = enginePath(name);
  if (!p) throw new Error(`no path ${name}`);
  return p;
};

/** jail-vf under another name: the same graph and NIC binding. */
const jailCopy: EnginePath = { ...known("jail-vf"), name: "jail-vf-copy" };

/** jail-epair with a second epair between the first and the jail's stack (an extra hop of an
 *  existing kind, charged as the first one is). */
function withSecondEpair(): EnginePath {
  const base = known("jail-epair");
  const rx = base.rx ?? [];
  const i = rx.findIndex((e) => e.name === "epair");
  const first = rx[i] as Extract<EngineElement, { kind: "hop" }>;
  const second: EngineElement = { ...first, name: "epair2", in: first.out, out: "epair2.b" };
  const sink = { ...rx[i + 1], in: "epair2.b" } as EngineElement;
  return {
    ...base,
    name: "jail-epair2",
    summary: "jail-epair with a second epair in front of the jail's stack",
    rx: [...rx.slice(0, i + 1), second, sink, ...rx.slice(i + 2)],
  };
}

const withoutSimulator = (r: unknown, path: string) => ({ ...(simulated(r) as object), path });

describe("a path defined as data only", () => {
  it("is none of the source's paths", () => {
    const names = ENGINE_PATHS.map((p) => p.name);
    expect(names).not.toContain(jailCopy.name);
    expect(names).not.toContain("jail-epair2");
  });

  it("lays out and runs as the path it copies: every simulated figure the same", () => {
    expect({ ...layoutGraph(jailCopy), name: "jail-vf" }).toEqual(layoutGraph(known("jail-vf")));
    expect(pathElements(jailCopy, "both")).toEqual(pathElements("jail-vf", "both"));
    for (const direction of ["rx", "tx"] as const) {
      const copy = simulate(baseSpec({ path: jailCopy.name, direction }), {}, jailCopy);
      const orig = simulate(baseSpec({ path: "jail-vf", direction }));
      expect(copy.path).toBe("jail-vf-copy");
      expect(copy.delivered_pps).toBeGreaterThan(0);
      expect(withoutSimulator(copy, "x")).toEqual(withoutSimulator(orig, "x"));
    }
  });

  it("an extra hop of an existing kind runs, conserves frames and costs what the hop costs", () => {
    const extra = withSecondEpair();
    const spec = { ratePps: 200_000 };
    const two = simulate(baseSpec({ ...spec, path: extra.name }), {}, extra);
    const one = simulate(baseSpec({ ...spec, path: "jail-epair" }));
    expect(two.conservation.ok).toBe(true);
    expect(two.loss_ratio).toBe(0);
    expect(two.delivered_pps).toBeCloseTo(one.delivered_pps, 6);
    // The second epair's epair_cycles on the host core: a longer path, a busier core.
    expect(two.latency_us.p50).toBeGreaterThan(one.latency_us.p50);
    const busy = (r: typeof one) => r.resources.find((x) => x.resource === "host-core0")?.utilization ?? 0;
    expect(busy(two)).toBeGreaterThan(busy(one));
    expect(two.elements?.some((e) => e.name === "epair2")).toBe(true);
  });

  it("its VF needs come from its NIC binding: the options refuse it on a host without that VF", () => {
    expect(vfRolesOf(jailCopy)).toEqual(["host-vf"]);
    expect(vfRolesOf(known("vf-loopback"))).toEqual(["host-vf", "ppt-vf"]);
    expect(vfRolesOf(known("native"))).toEqual([]);
    const conf = { text: TALK_IOVCTL_CONF.replace(/VF-0 \{[^}]*\}/, ""), file: "nojail.conf" };
    const noJail = setupHost(conf.text, conf.file);
    expect(() => checkConfigPaths(noJail, conf, [jailCopy])).toThrow(
      /nojail\.conf: path 'jail-vf-copy' needs a VF with 'passthrough : false'/,
    );
    const vmOnly: EnginePath = { ...known("vm-vf"), name: "vm-vf-copy" };
    expect(() => checkConfigPaths(noJail, conf, [vmOnly])).not.toThrow();
    const talk = { text: TALK_IOVCTL_CONF, file: "iovctl.conf" };
    expect(() => checkConfigPaths(setupHost(talk.text), talk, [jailCopy, vmOnly])).not.toThrow();
  });

  it("whether a capture replays on transmit is the path's txReplay, and the engine runs it", () => {
    expect(txReplayable(jailCopy)).toBe(true);
    const loop: EnginePath = { ...known("vf-loopback"), name: "vf-loopback-copy" };
    expect(txReplayable(loop)).toBe(false);
    const replay = { file: DNS, timing: "paced" as const, rewriteSrc: "consumer" as const };
    let refused: unknown;
    try {
      checkReplayDirection(replay, "tx", loop);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toMatch(/path 'vf-loopback-copy' is not supported/);
    expect(() => checkReplayDirection(replay, "tx", jailCopy)).not.toThrow();
    const r = simulate(
      baseSpec({ path: jailCopy.name, direction: "tx", ratePps: 500_000, durationNs: 400_000, replay }),
      {},
      jailCopy,
    );
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.sent).toBe(200);
    expect(r.conservation.delivered).toBe(200);
  });

  it("pings as the path it copies, and an extra hop lengthens the round trip", () => {
    const ping = (path: EnginePath | string) =>
      typeof path === "string"
        ? simulatePing({ path, count: 4, seed: 1, profile: "bhyve" })
        : simulatePing({ path: path.name, count: 4, seed: 1, profile: "bhyve" }, path);
    const copy = ping(jailCopy);
    expect(copy.received).toBe(4);
    expect(copy.rtt_us).toEqual(ping("jail-vf").rtt_us);
    const extra = ping(withSecondEpair());
    expect(extra.received).toBe(4);
    expect(Math.min(...extra.rtt_us)).toBeGreaterThan(Math.max(...ping("jail-epair").rtt_us));
  });
});

describe("principle 5 stays true", () => {
  it("no source outside the path data and the named fidelity cases compares a path's name", () => {
    const names = ENGINE_PATHS.map((p) => p.name);
    const src = join(dirname(fileURLToPath(import.meta.url)), "../../src");
    const offenders: string[] = [];
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || file.startsWith("fidelity") || file === join("paths", "path-graphs.ts"))
        continue;
      const text = readFileSync(join(src, file), "utf8");
      text.split("\n").forEach((line, i) => {
        for (const n of names)
          if (line.includes(`=== "${n}"`) || line.includes(`!== "${n}"`))
            offenders.push(`src/${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
