// The pool fans independent simulations out over worker threads; results do not depend on which
// worker ran what, nor on the number of workers, nor on load on the machine. Uses the queue test
// double behind the worker protocol (test/experiment/queue-worker.ts), not the engine.
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { UserError } from "../../src/errors.ts";
import { type ExperimentCase, runExperiment, trialSpec } from "../../src/experiment/experiment.ts";
import { poolRunner } from "../../src/experiment/pool.ts";
import { inlineRunner } from "../../src/experiment/runner.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { simulateQueue } from "./queue-double.ts";

const WORKER = fileURLToPath(new URL("./queue-worker.ts", import.meta.url));
const cases: ExperimentCase[] = [64, 512, 1518].flatMap((size) =>
  ["native", "vm-vf"].map((path) => ({
    path,
    direction: "rx" as const,
    size,
    frameBytes: size,
    traffic: defaultProfile({ sizes: { kind: "fixed", size } }),
  })),
);
const trial = {
  arrival: "poisson" as const,
  durationNs: 1_000_000,
  seed: 11,
  profile: "bhyve",
  linkGbps: 10,
};

async function run(workers: number) {
  const runner =
    workers === 0
      ? inlineRunner((s) => simulateQueue({ capacityPps: 4e6, buffer: 64, frameBytes: 64, linkGbps: 10 }, s))
      : poolRunner(workers, WORKER);
  try {
    const r = await runExperiment({ cases, trial, precision: 0.01, pdrLoss: 0.005, runner });
    return JSON.stringify(r.cases);
  } finally {
    await runner.close();
  }
}

describe("worker pool", () => {
  it("brings a user error from the engine in a worker back as a UserError (not an internal error)", async () => {
    await ensureKernels();
    const runner = poolRunner(1);
    try {
      const bad = { ...trialSpec(cases[0], trial, 1e6), durationNs: 0 };
      const e = await runner.run(bad).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toMatch(/duration must be > 0/);
    } finally {
      await runner.close();
    }
  });

  it("runs its worker module as ESM (compiled to CommonJS, the engine ran at half speed)", async () => {
    const runner = poolRunner(
      1,
      fileURLToPath(new URL("../engine/module-format-worker.ts", import.meta.url)),
    );
    try {
      const reply = (await runner.run(trialSpec(cases[0], trial, 1e6))) as unknown as { format: string };
      expect(reply.format).toBe("esm");
    } finally {
      await runner.close();
    }
  });

  it("gives byte-identical results inline, on 1 worker, on 2 workers, and with the CPU busy", async () => {
    const inline = await run(0);
    expect(await run(1)).toBe(inline);
    expect(await run(2)).toBe(inline);
    // Load the machine: a thread spinning for the whole run.
    const burner = new Worker("const end = Date.now() + 4000; while (Date.now() < end) {}", { eval: true });
    try {
      expect(await run(2)).toBe(inline);
    } finally {
      await burner.terminate();
    }
  });
});
