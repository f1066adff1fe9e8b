// Simulator speed of the virtual-time engine (wall clock, this machine): native path, 64 B,
// 14.88 Mpps offered (10 GbE line rate), one thread. Prints simulated frames per wall second and
// the factor x real time (virtual seconds per wall second), setup (host, switch, layout) apart.
//   npx tsx bench/engine-speed.ts [virtual ms] [runs]
import { ensureKernels, simulate } from "../src/engine/simulate.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

await ensureKernels();
const virtualMs = Number(process.argv[2] ?? 20);
const runs = Number(process.argv[3] ?? 4);
for (let i = 0; i < runs; i++) {
  const cpu0 = process.cpuUsage();
  const r = simulate({
    path: "native",
    direction: "rx",
    traffic: defaultProfile(),
    ratePps: 14.88e6,
    arrival: "constant",
    durationNs: virtualMs * 1e6,
    warmupNs: 0,
    seed: 1,
    profile: "bhyve",
  });
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const runMs = r.simulator.wall_ms - (r.simulator.setup_ms ?? 0);
  console.log(
    `run ${i + 1}: ${r.simulator.frames} frames, ${r.simulator.events} events, ${virtualMs} ms virtual in ` +
      `${runMs.toFixed(0)} ms wall (+${(r.simulator.setup_ms ?? 0).toFixed(0)} ms setup): ` +
      `${(((r.simulator.frames / runMs) * 1e3) / 1e6).toFixed(2)} M frames/s, ${(virtualMs / runMs).toFixed(3)} x real time ` +
      `[process CPU ${cpuMs.toFixed(0)} ms incl. setup] (simulated: delivered ${(r.delivered_pps / 1e6).toFixed(2)} Mpps, bottleneck ${r.bottleneck})`,
  );
}
