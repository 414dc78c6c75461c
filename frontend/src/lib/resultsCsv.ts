// The Results page's CSV export: one row per result, the typed fields flattened, with the
// grid convergence study's figures (empty where the uncertainty is unknown: a single grid).
import type { Schemas } from "../api/client";

type Result = Schemas["ResultPublic"];

export const RESULT_COLUMNS = [
  "result_id", "bed", "solver", "solver_version", "superficial_velocity_m_s", "particle_reynolds", "porosity",
  "pressure_drop_per_length_Pa_m", "uncertainty_Pa_m", "gci", "safety_factor", "observed_order", "extrapolated_Pa_m",
  "ergun_Pa_m", "carman_kozeny_Pa_m", "eisfeld_schnitzlein_Pa_m", "ratio_to_ergun",
  "permeability_m2", "friction_factor", "converged", "bedflow_version", "spec_hash", "created_at",
];

export function resultRow(r: Result, bed: string): (string | number | null | undefined)[] {
  const c = r.correlations ?? {};
  const u = r.uncertainty;
  return [
    r.id, bed, r.solver, r.solver_version, r.superficial_velocity, r.particle_reynolds, r.porosity,
    r.pressure_drop_per_length, u?.uncertainty, u?.gci, u?.safety_factor, u?.observed_order, u?.extrapolated,
    c.ergun, c.carman_kozeny, c.eisfeld_schnitzlein, r.ratio_to_correlations?.ergun,
    r.permeability, r.friction_factor, r.converged == null ? null : String(r.converged),
    r.provenance.bedflow_version, r.provenance.spec_hash, r.created_at,
  ];
}
