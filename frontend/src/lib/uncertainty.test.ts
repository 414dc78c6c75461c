import { describe, expect, it } from "vitest";
import { dpdlText, errorBar, logErrorBar, studyLines, UNKNOWN, type GridStudy } from "./uncertainty";

const study: GridStudy = {
  cells_per_dp: [8, 12, 18],
  values: [140, 150, 152],
  observed_order: 2.1,
  extrapolated: 153.2,
  gci: 0.01,
  safety_factor: 1.25,
  uncertainty: 1.52,
  converged: true,
  notes: [],
};

describe("dp/L with its uncertainty", () => {
  it("shows ± U and the study where one ran", () => {
    expect(dpdlText(152, study)).toBe("152 ± 1.5 Pa/m (GCI, 3 grids)");
    expect(errorBar(study)).toBe(1.52);
  });
  it("keeps a log axis' error bar above zero", () => {
    expect(logErrorBar(152, study)).toEqual([1.52, 1.52]);
    expect(logErrorBar(1, study)).toEqual([0.99, 1.52]);
    expect(logErrorBar(1, null)).toBeUndefined();
  });
  it("says unknown, not zero, for a single grid", () => {
    expect(dpdlText(152, null)).toBe(`152 Pa/m, ${UNKNOWN}`);
    expect(dpdlText(152, undefined)).toContain("single grid");
    expect(errorBar(null)).toBeUndefined();
    expect(dpdlText(null, study)).toBe("—");
  });
  it("marks a study that does not converge as a bound", () => {
    expect(dpdlText(152, { ...study, converged: false })).toContain("a bound");
  });
  it("lists the three grids, the order, the extrapolation, GCI and safety factor", () => {
    const text = studyLines(study).join("\n");
    expect(text).toContain("8 cells/dp: 140 Pa/m; 12 cells/dp: 150 Pa/m; 18 cells/dp: 152 Pa/m");
    expect(text).toContain("observed order 2.1");
    expect(text).toContain("extrapolated dp/L 153.2 Pa/m");
    expect(text).toContain("GCI 1 %, safety factor 1.25");
  });
});
