// Moved: the steering comparison now lives in src/steering/ (traffic, strategies as switch
// configurations, runs through the Wasm switch). Kept as a re-export for older imports.

export { runSteeringMatrix, type SteeringRow } from "../steering/compare.ts";
export { jain } from "../steering/fairness.ts";
