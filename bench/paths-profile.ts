// Per-element cost of the native path on ONE thread (measured, simulator): lays the path out as
// bench/paths.bench.ts does, then calls each element's burst kernel on the main thread in turn
// (run-to-completion) and times each element separately, in ns per frame. Less sensitive to a
// loaded 2-core machine than the worker runs (no cross-thread scheduling); best of N rounds.
// Run: `npx tsx bench/paths-profile.ts [--path native] [--burst 256] [--rounds 20]`.
import { consumerMac, nicFor } from "../src/paths/compare.ts";
import { PathEngine } from "../src/paths/engine.ts";
import { pathByName } from "../src/paths/graphs.ts";
import { elementCall, instantiatePathKernels } from "../src/paths/kernels.ts";
import { preparePath } from "../src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../src/paths/setup.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

const arg = (n: string, d: string) => {
  const i = process.argv.indexOf(n);
  return i > 0 ? process.argv[i + 1] : d;
};
const name = arg("--path", "native");
const burst = Number(arg("--burst", "256"));
const rounds = Number(arg("--rounds", "20"));
const ph = setupHost(TALK_IOVCTL_CONF);
const engine = await PathEngine.create(1);
try {
  const g = pathByName(name)!;
  const { built } = preparePath(engine, g, {
    traffic: defaultProfile({ dstMac: consumerMac(g, ph) }),
    itrUs: 50,
    burst,
    nic: nicFor(g, ph),
  });
  const { k } = instantiatePathKernels(engine.module, engine.memory);
  const calls = built.steps.map((s) => ({ name: s.name, call: elementCall(k, s, burst) }));
  const best = calls.map(() => Number.POSITIVE_INFINITY);
  let total = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const ns = calls.map(() => 0);
    let frames = 0;
    const t0 = process.hrtime.bigint();
    for (let it = 0; it < 2000; it++) {
      for (const [i, c] of calls.entries()) {
        const a = process.hrtime.bigint();
        const m = c.call();
        ns[i] += Number(process.hrtime.bigint() - a);
        if (i === 0) frames += m;
      }
    }
    const all = Number(process.hrtime.bigint() - t0);
    if (frames === 0) throw new Error("no frames moved");
    for (const i of ns.keys()) best[i] = Math.min(best[i], ns[i] / frames);
    total = Math.min(total, all / frames);
  }
  console.log(`${name}, burst ${burst}, one thread, best of ${rounds} rounds (ns per frame, measured):`);
  for (const [i, c] of calls.entries()) console.log(`  ${c.name.padEnd(14)} ${best[i].toFixed(1)}`);
  console.log(`  total          ${total.toFixed(1)}  (${(1000 / total).toFixed(1)} Mpps run-to-completion)`);
} finally {
  await engine.close();
}
