import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import { axisValues, parseSweep } from "../../src/sweep/spec.ts";

const GOOD = `name: s1
experiment: paths
axes:
  path: [native, vm-vf]
  rate: { from: 10, to: 30, step: 10, unit: "%" }
options:
  trial-ms: 2
`;

function errorOf(text: string, file = "s.yaml"): string {
  try {
    parseSweep(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("sweep files", () => {
  it("reads YAML and the same sweep written as JSON", () => {
    const y = parseSweep(GOOD, "s.yaml");
    const j = parseSweep(JSON.stringify(y), "s.json");
    expect(j).toEqual(y);
    expect(y.seed).toEqual({ policy: "fixed", value: 1 });
    expect(axisValues(y.axes.rate)).toEqual(["10%", "20%", "30%"]);
  });

  it("ranges do not drift with fractional steps", () => {
    expect(axisValues({ from: 0.1, to: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it("names the line and column of a wrong value", () => {
    const msg = errorOf(GOOD.replace("experiment: paths", "experiment: pathz"));
    expect(msg).toMatch(/^s\.yaml:2:13: .*experiment/);
  });

  it("names an unknown key where it is", () => {
    expect(errorOf(`${GOOD}colour: red\n`)).toMatch(/^s\.yaml:\d+:1: .*colour/);
  });

  it("reports every problem at once", () => {
    const msg = errorOf(GOOD.replace("experiment: paths", "experiment: x").replace("step: 10", "step: -1"));
    expect(msg.split("\n")).toHaveLength(2);
  });

  it("a step of 0 gets one error, not also 'more than 10,000 values'", () => {
    const msg = errorOf(GOOD.replace("step: 10", "step: 0"));
    expect(msg.split("\n")).toEqual([expect.stringMatching(/^s\.yaml:5:\d+: .*>0 \(axes\.rate\.step\)$/)]);
  });

  it("still refuses a range of more than 10,000 values", () => {
    expect(errorOf(GOOD.replace("step: 10", "step: 0.001"))).toMatch(
      /more than 10,000 values \(axes\.rate\.step\)/,
    );
  });

  it("refuses a duplicated key, located", () => {
    expect(errorOf("name: a\nname: b\nexperiment: paths\naxes: {size: [64]}\n")).toMatch(/^s\.yaml:2:1: /);
  });

  it("refuses a value listed twice in an axis (the same point twice), located at the second", () => {
    expect(errorOf(GOOD.replace("[native, vm-vf]", "[native, vm-vf, native]"))).toMatch(
      /^s\.yaml:4:25: 'native' is listed twice in axis 'path'/,
    );
  });

  it("refuses an axis that is also a fixed option, and options the sweep sets itself", () => {
    expect(errorOf(GOOD.replace("trial-ms: 2", "path: native"))).toMatch(/both an axis and a fixed option/);
    expect(errorOf(GOOD.replace("trial-ms: 2", "seed: 3"))).toMatch(/set by the sweep itself/);
    expect(errorOf(GOOD.replace("path: [native, vm-vf]", "json: [true]"))).toMatch(/set by the sweep itself/);
  });

  it("refuses a sweep without axes and a YAML syntax error, located", () => {
    expect(errorOf("name: a\nexperiment: paths\naxes: {}\n")).toMatch(/at least one axis/);
    expect(errorOf("name: a\nexperiment: paths\naxes: [\n")).toMatch(/^s\.yaml:\d+:\d+: /);
  });
});
