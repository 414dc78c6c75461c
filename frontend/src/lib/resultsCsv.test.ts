import { describe, expect, it } from "vitest";
import { RESULT_COLUMNS, resultRow } from "./resultsCsv";
import { toCsv } from "./format";

const base = {
  id: "r1", simulation_id: "s1", solver: "lbm", created_at: "2026-01-01T00:00:00Z",
  pressure_drop_per_length: 152, superficial_velocity: 0.01, particle_reynolds: 3.2, porosity: 0.41,
  correlations: { ergun: 150, carman_kozeny: 140, eisfeld_schnitzlein: 155 },
  ratio_to_correlations: { ergun: 1.0133 },
  provenance: { bedflow_version: "0.9", spec_hash: "abc" },
};

describe("results CSV", () => {
  it("has one cell per column, the correlations from their typed record", () => {
    const row = resultRow(base, "bed A");
    expect(row).toHaveLength(RESULT_COLUMNS.length);
    const at = (k: string) => row[RESULT_COLUMNS.indexOf(k)];
    expect(at("ergun_Pa_m")).toBe(150);
    expect(at("particle_reynolds")).toBe(3.2);
    expect(at("uncertainty_Pa_m")).toBeUndefined();
  });
  it("carries the grid uncertainty where a study ran", () => {
    const u = { cells_per_dp: [8, 12, 18] as [number, number, number], values: [1, 2, 3] as [number, number, number], observed_order: 2, extrapolated: 153, gci: 0.01, safety_factor: 1.25, uncertainty: 1.5, converged: true };
    const row = resultRow({ ...base, uncertainty: u }, "bed A");
    expect(row[RESULT_COLUMNS.indexOf("uncertainty_Pa_m")]).toBe(1.5);
    expect(toCsv([RESULT_COLUMNS, row]).split("\n")[1]).toContain(",152,1.5,0.01,1.25,2,153,");
  });
});
