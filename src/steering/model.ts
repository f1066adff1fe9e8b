// Modeled throughput of a steering result (labelled "modeled" everywhere): n cores each
// process core_mpps; a run saturates when its busiest core does, so capacity =
// core_mpps × n × balance (balance = mean/max of the per-core counts). Software dispatch is
// also capped by its one dispatcher thread (dispatcher_mpps). Constants and their sources:
// steering-model.json (performance-anchors.md §4.2, §7, §8).
import { readFileSync } from "node:fs";
import { balance } from "./fairness.ts";

interface Constant {
  value: number;
  unit: string;
  source: string;
}
const constants = JSON.parse(readFileSync(new URL("./steering-model.json", import.meta.url), "utf8")) as {
  constants: { core_mpps: Constant; dispatcher_mpps: Constant };
};

export interface SteeringModel {
  coreMpps: number;
  dispatcherMpps: number;
}

export const STEERING_MODEL: SteeringModel = {
  coreMpps: constants.constants.core_mpps.value,
  dispatcherMpps: constants.constants.dispatcher_mpps.value,
};

export const STEERING_MODEL_SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(constants.constants).map(([k, v]) => [k, v.source]),
);

export interface ModeledThroughput {
  /** Mpps the strategy can absorb before its busiest core (or the dispatcher) saturates. */
  mpps: number;
  /** What limits it. */
  bottleneck: "busiest core" | "dispatcher";
}

export function modelThroughput(
  perCore: readonly number[],
  dispatch: boolean,
  m: SteeringModel = STEERING_MODEL,
): ModeledThroughput {
  const cores = m.coreMpps * perCore.length * balance(perCore);
  if (dispatch && m.dispatcherMpps < cores) return { mpps: m.dispatcherMpps, bottleneck: "dispatcher" };
  return { mpps: cores, bottleneck: "busiest core" };
}
