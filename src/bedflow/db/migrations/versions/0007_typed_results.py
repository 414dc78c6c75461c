"""Typed results: the whole flow result in ``results.flow``, its figures in typed columns.

A result kept its figures in columns and a second copy of the run's summary, untyped, in
``extra["summary"]``. The result is now stored whole and validated (``flow``, the
``FlowRecord`` of the solver's ``FlowResult``), with new columns for what is searched and
compared: solver and versions, particle diameter, convergence, the grid convergence
uncertainty, the measured region and where the porosity came from. ``extra`` is dropped.

Existing rows are moved: the figures from their columns and their summary (its solver, the
correlations' predictions and the ratios to them, as the run computed them), the spec hash
from ``extra``, the solver from the simulation when the summary has none. What they never
recorded stays null (``solver_version`` empty, iterations, convergence, region). The
summary's packing figures (particle count, bulk porosity, packing quality) belong to the
bed's packing, whose ``metrics.json`` keeps them; they are not carried over. The downgrade
writes a summary of the flow back into ``extra``.

Revision ID: 0007_typed_results
Revises: 0006_invitations
Create Date: 2026-12-05 04:10:00
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_typed_results"
down_revision: str | None = "0006_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_CORRELATIONS = ("ergun", "carman_kozeny", "eisfeld_schnitzlein")
_NEW: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("particle_diameter", sa.Double()),
    ("converged", sa.Boolean()),
    ("iterations", sa.Integer()),
    ("uncertainty", sa.Double()),
    ("gci", sa.Double()),
    ("extrapolated", sa.Double()),
    ("region_z_min", sa.Double()),
    ("region_z_max", sa.Double()),
    ("porosity_from", sa.String(length=200)),
    ("solver", sa.String(length=32)),
    ("solver_version", sa.String(length=64)),
    ("bedflow_version", sa.String(length=32)),
    ("spec_hash", sa.String(length=64)),
)
_FIGURES = {  # the record's name: the column's
    "porosity": "porosity",
    "pressure_drop_per_length": "pressure_drop_per_length",
    "permeability": "permeability",
    "particle_reynolds": "reynolds_number",
    "friction_factor": "friction_factor",
    "superficial_velocity": "superficial_velocity",
}


def _results(extra: bool) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id", sa.Uuid()),
        sa.column("simulation_id", sa.Uuid()),
        *(sa.column(c) for c in _FIGURES.values()),
        *(sa.column(f"{n}_per_length") for n in _CORRELATIONS),
        sa.column("solver", sa.String()),
        sa.column("spec_hash", sa.String()),
    ]
    columns.append(sa.column("extra", _JSON) if extra else sa.column("flow", _JSON))
    return sa.table("results", *columns)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _record(row: Any, solver: str) -> dict[str, Any]:
    """The flow record of a result stored before 0007 (what ``FlowRecord`` validates)."""
    summary = (row.extra or {}).get("summary") or {}
    record: dict[str, Any] = {
        "solver": str(summary.get("solver") or solver or ""),
        "solver_version": "",
    }
    for name, column in _FIGURES.items():
        value = getattr(row, column)
        record[name] = _finite(summary.get(name) if value is None else value)
    predicted = summary.get("correlations") or {}
    ratios = summary.get("ratio_to_correlations") or {}
    record["correlations"] = {
        n: _finite(
            getattr(row, f"{n}_per_length")
            if getattr(row, f"{n}_per_length") is not None
            else predicted.get(n)
        )
        for n in _CORRELATIONS
    }
    record["ratio_to_correlations"] = {n: _finite(ratios.get(n)) for n in _CORRELATIONS}
    for empty in ("history", "notes"):
        record[empty] = []
    for empty in ("timings", "domain", "fields"):
        record[empty] = {}
    record |= {"iterations": None, "converged": None, "uncertainty": None, "region": None}
    return record


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        for name, type_ in _NEW:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("flow", _JSON, nullable=True))
    conn = op.get_bind()
    solvers = sa.table("simulations", sa.column("id", sa.Uuid()), sa.column("solver"))
    old = _results(extra=True)
    rows = conn.execute(
        sa.select(old, solvers.c.solver.label("sim_solver")).join(
            solvers, solvers.c.id == old.c.simulation_id
        )
    ).all()
    new = _results(extra=False)
    for row in rows:
        record = _record(row, row.sim_solver)
        spec_hash = (row.extra or {}).get("spec_hash")
        conn.execute(
            new.update()
            .where(new.c.id == row.id)
            .values(
                flow=record,
                solver=record["solver"][:32],
                spec_hash=str(spec_hash)[:64] if spec_hash else None,
            )
        )
    with op.batch_alter_table("results") as batch:
        batch.alter_column("flow", existing_type=_JSON, nullable=False)
        batch.drop_column("extra")


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("extra", _JSON, nullable=True))
    conn = op.get_bind()
    new = _results(extra=False)
    old = _results(extra=True)
    for row in conn.execute(sa.select(new)).all():
        flow = row.flow or {}
        summary = {
            k: flow.get(k) for k in ("solver", *_FIGURES, "correlations", "ratio_to_correlations")
        }
        extra: dict[str, Any] = {"summary": summary}
        if row.spec_hash:
            extra["spec_hash"] = row.spec_hash
        conn.execute(old.update().where(old.c.id == row.id).values(extra=extra))
    with op.batch_alter_table("results") as batch:
        batch.alter_column("extra", existing_type=_JSON, nullable=False)
        batch.drop_column("flow")
        for name, _ in reversed(_NEW):
            batch.drop_column(name)
