"""A job that asks for a grid convergence study (``JobParams.converge``) runs one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow.db import BedFile, Job, crud, make_sessionmaker
from bedflow.storage import LocalStorage
from bedflow.worker import execute_job
from tests.utils.db import make_user
from tests.utils.jobs import job_bed, job_settings

# Ordered packing (instant), the LBM at 8, 6 and 4 cells per diameter: seconds.
LBM = (
    "bed { diameter = 15 mm; height = 30 mm }\nparticles { diameter = 5 mm; count = 20 }\n"
    "packing { method = hexagonal_3d }\n"
    "cfd { solver = lbm; cells_per_dp = 8; inlet_velocity = 1 mm/s; "
    "fluid_density = 1000 kg/m3; fluid_viscosity = 1 mPa.s }\n"
)


@pytest.mark.slow
def test_a_converge_job_runs_three_grids_and_stores_each_run(
    session: Session, tmp_path: Path
) -> None:
    user = make_user(session)
    bed = job_bed(session, user, LBM)
    job = crud.create_job(session, user=user, type="simulate", bed=bed, params={"converge": True})
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    crud.claim_job(session, worker="test")
    store = LocalStorage(tmp_path / "objects")
    outcome = execute_job(job.id, session_factory=sessions, storage=store, settings=settings)
    with sessions() as fresh:
        row = fresh.get(Job, job.id)
        assert row is not None
        assert outcome == "succeeded", row.error
        files = {f.filename: f for f in fresh.scalars(select(BedFile))}
    for name in ("result.json", "result-grid-8.json", "result-grid-6.json", "result-grid-4.json"):
        assert f"simulate/{name}" in files, sorted(files)
    stored = files["simulate/result.json"]
    data = json.loads((tmp_path / "objects" / stored.object_key).read_bytes())
    assert data["uncertainty"]["cells_per_dp"] == [8.0, 6.0, 4.0]


def test_a_converge_job_of_the_correlations_fails_with_the_reason(
    session: Session, tmp_path: Path
) -> None:
    user = make_user(session)
    bed = job_bed(session, user)  # the correlation solver
    job = crud.create_job(session, user=user, type="simulate", bed=bed, params={"converge": True})
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    crud.claim_job(session, worker="test")
    outcome = execute_job(
        job.id, session_factory=sessions, storage=LocalStorage(tmp_path), settings=settings
    )
    with sessions() as fresh:
        row = fresh.get(Job, job.id)
        assert row is not None and outcome == "failed"
        assert row.error is not None and "correlation solver has no grid to refine" in row.error
