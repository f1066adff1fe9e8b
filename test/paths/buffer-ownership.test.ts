// Buffers the NIC switch drops go home to the generator that owns them (a return ring per
// owner, the switch its only producer), not onto the switch's own free stack: a run that drops
// far more frames than the generator has buffers still sends every frame, and conserves them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nicFor } from "../../src/paths/compare.ts";
import { PathEngine } from "../../src/paths/engine.ts";
import { pathByName } from "../../src/paths/graphs.ts";
import { runPath } from "../../src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

let engine: PathEngine;
const ph = setupHost(TALK_IOVCTL_CONF);

beforeAll(async () => {
  engine = await PathEngine.create(2);
});
afterAll(async () => {
  await engine?.close();
});

describe("buffer ownership across the switch", () => {
  for (const workers of [1, 2]) {
    it(`frames the switch drops return their buffers to the generator (${workers} worker(s))`, async () => {
      const g = pathByName("native")!;
      const count = 30_000; // several times the generator's buffers (at most 8192)
      const r = await runPath(engine, g, {
        // A unicast MAC no filter knows: the switch drops every frame (L2 filter).
        traffic: defaultProfile({ count, dstMac: "02:de:ad:00:00:01" }),
        workers,
        seconds: 10,
        itrUs: 50,
        nic: nicFor(g, ph),
      });
      expect(r.failures).toEqual([]);
      expect(r.conservation.sent).toBe(count);
      expect(r.conservation.delivered).toBe(0);
      expect(Object.values(r.conservation.dropped).reduce((a, b) => a + b, 0)).toBe(count);
      expect(r.conservation.ok).toBe(true);
    });
  }
});
