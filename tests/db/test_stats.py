"""Run statistics by solver and by user; project roles; credentials by id."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bedflow.db import Bed, crud
from bedflow.db._base import utcnow
from tests.utils.db import make_bed, make_project, make_user


def _finish(session: Session, bed: Bed, solver: str, status: str) -> None:
    sim = crud.create_simulation(session, bed=bed, solver=solver)
    crud.update_simulation(session, simulation=sim, status="running")
    crud.update_simulation(session, simulation=sim, status=status)  # type: ignore[arg-type]


def test_run_stats_by_solver_and_user(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    a_bed, b_bed = make_bed(session, owner=alice), make_bed(session, owner=bob)
    for solver, status in (("lbm", "succeeded"), ("lbm", "failed"), ("openfoam", "succeeded")):
        _finish(session, a_bed, solver, status)
    _finish(session, b_bed, "lbm", "cancelled")
    crud.create_simulation(session, bed=b_bed, solver="lbm")  # still queued
    since = utcnow() - timedelta(hours=1)

    [total] = crud.run_stats(session, since=since)
    assert (total.runs, total.succeeded, total.failed, total.cancelled) == (5, 2, 1, 1)
    assert total.success_rate == pytest.approx(0.5)
    assert total.mean_duration_s is not None and total.mean_duration_s >= 0

    by_solver = crud.run_stats(session, since=since, by="solver")
    assert [(s.key, s.runs) for s in by_solver] == [("lbm", 4), ("openfoam", 1)]
    by_user = {s.key: s for s in crud.run_stats(session, since=since, by="user")}
    assert by_user[str(alice.id)].runs == 3 and by_user[str(bob.id)].success_rate == 0.0

    [mine] = crud.run_stats(session, since=since, owner=alice)
    assert mine.runs == 3 and mine.success_rate == pytest.approx(2 / 3)
    [later] = crud.run_stats(session, since=utcnow() + timedelta(hours=1))
    assert later.runs == 0 and later.success_rate is None and later.mean_duration_s is None


def test_project_role(session: Session) -> None:
    owner, viewer, outsider = make_user(session), make_user(session), make_user(session)
    admin = make_user(session, role="admin")
    project = make_project(session, owner=owner)
    crud.add_member(session, project=project, user=viewer)
    assert crud.project_role(session, user=owner, project=project) == "owner"
    assert crud.project_role(session, user=viewer, project=project) == "viewer"
    assert crud.project_role(session, user=outsider, project=project) is None
    assert crud.project_role(session, user=admin, project=project) == "admin"


def test_get_credential(session: Session) -> None:
    row = crud.create_credential(
        session, name="c", service="s3", secret="0123456789abcdef", secret_key="k" * 40
    )
    assert crud.get_credential(session, credential_id=row.id) is row
    assert crud.get_credential(session, credential_id=uuid.uuid4()) is None
