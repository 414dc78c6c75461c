"""Migration 0007 (typed results) moves each result's ``extra["summary"]`` into its record
and columns, and back, on both backends."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Uuid, bindparam, select, text

from bedflow.db import Result, crud, downgrade, make_engine, make_sessionmaker, upgrade
from bedflow.db._base import utcnow
from tests.utils.db import BACKENDS, empty_database, make_bed, make_user

SUMMARY = {  # what the worker stored before 0007 (a correlation run of a small bed)
    "name": "tiny",
    "spec_hash": "ab" * 32,
    "particles": 124,
    "bulk_porosity": 0.39,
    "porosity": 0.42,
    "packing_quality": "ok",
    "solver": "correlation",
    "superficial_velocity": 0.01,
    "particle_reynolds": 49.9,
    "pressure_drop_per_length": 5.8,
    "permeability": 1.7e-6,
    "friction_factor": 4.2,
    "correlations": {"ergun": 5.8, "carman_kozeny": 5.1, "eisfeld_schnitzlein": 4.9},
    "ratio_to_correlations": {"ergun": 1.0, "carman_kozeny": 1.137, "eisfeld_schnitzlein": None},
}
INSERT = text(
    "INSERT INTO results (id, simulation_id, porosity, pressure_drop_per_length,"
    " permeability, reynolds_number, friction_factor, superficial_velocity, ergun_per_length,"
    " carman_kozeny_per_length, eisfeld_schnitzlein_per_length, extra, created_at) VALUES"
    " (:id, :sim, :porosity, :dp, NULL, :re, NULL, NULL, :ergun, NULL, NULL, :extra, :now)"
).bindparams(
    bindparam("id", type_=Uuid()),
    bindparam("sim", type_=Uuid()),
    bindparam("now", type_=DateTime(timezone=True)),
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_0007_moves_the_summary_into_the_typed_result_and_back(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        try:
            with sessions() as session:  # users, beds and simulations are the same at 0006
                bed = make_bed(session, owner=make_user(session))
                sims = [crud.create_simulation(session, bed=bed, solver=s) for s in ("lbm",) * 2]
                summarised, bare = (s.id for s in sims)
            downgrade(url, "0006_invitations")
            ids = uuid.uuid4(), uuid.uuid4()
            with engine.begin() as conn:  # rows in SQL: the models describe 0007
                for rid, sim, extra, re in (
                    (ids[0], summarised, {"summary": SUMMARY, "spec_hash": "ab" * 32}, 49.9),
                    (ids[1], bare, {}, None),
                ):
                    conn.execute(
                        INSERT,
                        {
                            "id": rid, "sim": sim, "porosity": 0.42, "dp": 5.8, "re": re,
                            "ergun": 5.8, "extra": json.dumps(extra), "now": utcnow(),
                        },
                    )  # fmt: skip

            upgrade(url)
            with sessions() as session:
                moved = {r.id: r for r in session.scalars(select(Result))}
            old, plain = moved[ids[0]], moved[ids[1]]
            flow = old.flow
            assert (old.solver, flow.solver, old.spec_hash) == ("correlation",) * 2 + ("ab" * 32,)
            assert (flow.porosity, flow.pressure_drop_per_length, flow.particle_reynolds) == (
                0.42, 5.8, 49.9,
            )  # fmt: skip
            assert (flow.permeability, flow.friction_factor) == (1.7e-6, 4.2)  # from the summary
            assert flow.correlations.model_dump() == SUMMARY["correlations"]
            assert flow.ratio_to_correlations.model_dump() == SUMMARY["ratio_to_correlations"]
            assert flow.uncertainty is None and old.uncertainty is None  # unknown, not zero
            assert (flow.iterations, flow.converged, flow.solver_version) == (None, None, "")
            # a row with no summary keeps its columns; the solver comes from its simulation
            assert (plain.solver, plain.flow.porosity, plain.flow.correlations.ergun) == (
                "lbm", 0.42, 5.8,
            )  # fmt: skip
            assert plain.flow.ratio_to_correlations.ergun is None  # never computed by a run
            assert plain.spec_hash is None

            downgrade(url, "0006_invitations")
            with engine.connect() as conn:
                rows = dict(conn.execute(text("SELECT id, extra FROM results")).all())
            extras = {
                uuid.UUID(str(k)): json.loads(v) if isinstance(v, str) else v
                for k, v in rows.items()
            }
            back = extras[ids[0]]
            assert back["spec_hash"] == "ab" * 32
            assert back["summary"]["ratio_to_correlations"] == SUMMARY["ratio_to_correlations"]
            assert back["summary"]["pressure_drop_per_length"] == 5.8
            assert "spec_hash" not in extras[ids[1]]
        finally:
            engine.dispose()
