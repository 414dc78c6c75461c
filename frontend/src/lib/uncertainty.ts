// dp/L with its numerical uncertainty in words: "X ± U Pa/m (GCI, 3 grids)" where a grid
// convergence study ran, "uncertainty unknown (single grid)" where none did (null is unknown,
// not zero).
import type { Schemas } from "../api/client";
import { num } from "./format";

export type GridStudy = Schemas["GridConvergenceRecord"];

export const UNKNOWN = "uncertainty unknown (single grid)";

/** The dp/L figure with its ± and where it comes from. */
export function dpdlText(dpdl: number | null | undefined, u: GridStudy | null | undefined): string {
  if (dpdl == null) return "—";
  if (!u || u.uncertainty == null) return `${num(dpdl)} Pa/m, ${UNKNOWN}`;
  return `${num(dpdl)} ± ${num(u.uncertainty, 2)} Pa/m (GCI, 3 grids${u.converged ? "" : ", not converging: a bound"})`;
}

/** The study's details, one line each, for a hover or a panel. */
export function studyLines(u: GridStudy): string[] {
  const grids = u.cells_per_dp.map((c, i) => `${num(c, 3)} cells/dp: ${num(u.values[i])} Pa/m`).join("; ");
  const lines = [
    `three grids: ${grids}`,
    `observed order ${num(u.observed_order, 3)}`,
    `extrapolated dp/L ${num(u.extrapolated)} Pa/m`,
    `GCI ${u.gci == null ? "—" : `${num(u.gci * 100, 3)} %`}, safety factor ${num(u.safety_factor, 3)}`,
  ];
  if (!u.converged) lines.push("the values do not converge monotonically: the GCI is a bound, not an estimate");
  return [...lines, ...(u.notes ?? [])];
}

/** The error bar's half-width for a chart point, or undefined where unknown. */
export function errorBar(u: GridStudy | null | undefined): number | undefined {
  return u?.uncertainty ?? undefined;
}

/** The error bar on a logarithmic axis: [below, above], the part below kept above zero (a
 * bound wider than the value itself would reach zero or below, which a log axis cannot draw). */
export function logErrorBar(y: number, u: GridStudy | null | undefined): [number, number] | undefined {
  const e = errorBar(u);
  return e === undefined ? undefined : [Math.min(e, 0.99 * y), e];
}
