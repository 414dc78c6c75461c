"""The worker checks a job's engine again when it starts: an admin may have disabled it after
the job was queued (the API refuses it at submission)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedflow.db import BedFile, Job, crud, make_sessionmaker
from bedflow.storage import LocalStorage
from bedflow.worker import execute_job
from tests.utils.db import make_user
from tests.utils.jobs import job_bed, job_settings, queued_job


def test_a_job_whose_engine_was_disabled_after_it_was_queued_fails(
    session: Session, tmp_path: Path
) -> None:
    user = make_user(session)
    job = queued_job(session, user=user, bed=job_bed(session, user))  # hexagonal_3d
    crud.set_setting(session, key="engine.hexagonal_3d", value={"enabled": False})
    engine = session.get_bind().engine  # type: ignore[union-attr]
    sessions = make_sessionmaker(engine)
    assert crud.claim_job(session, worker="test") is not None
    outcome = execute_job(
        job.id,
        session_factory=sessions,
        storage=LocalStorage(tmp_path / "objects"),
        settings=job_settings(tmp_path, engine),
    )
    assert outcome == "failed"
    with sessions() as fresh:
        done = fresh.get(Job, job.id)
        assert done is not None and done.status == "failed" and done.error is not None
        assert "the packing engine 'hexagonal_3d' is disabled on this installation" in done.error
        assert fresh.scalar(select(func.count()).select_from(BedFile)) == 0  # nothing packed
