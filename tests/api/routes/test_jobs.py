"""Jobs through the API on the embedded worker pool: run, cancel, re-run, logs, recovery."""

from __future__ import annotations

import socket
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from bedflow.db import BedFile, Job, Result, crud
from bedflow.db._base import utcnow
from bedflow.worker import recover_jobs
from tests.utils.api import Api, state
from tests.utils.jobs import LBM_LONG, SLOW, job_bed, wait_for


def _finished(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def test_pipeline_job_runs_end_to_end_and_logs_page(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id), "force": True}, headers=h)
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text
    job_id = uuid.UUID(r.json()["id"])
    job = wait_for(api.engine, job_id, _finished)
    assert (job.status, job.progress, job.error) == ("succeeded", 100, None)
    api.session.rollback()
    assert api.session.scalar(select(func.count()).select_from(Result)) == 1
    assert (api.session.scalar(select(func.count()).select_from(BedFile)) or 0) >= 5
    body = api.client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
    assert body["status"] == "succeeded" and body["simulation_id"]

    everything = api.client.get(f"/api/v1/jobs/{job_id}/logs?limit=1000", headers=h).json()
    seqs = [e["seq"] for e in everything["data"]]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 5
    assert everything["data"][-1]["kind"] == "complete"
    paged: list[int] = []
    after = 0
    while True:
        page = api.client.get(f"/api/v1/jobs/{job_id}/logs?after={after}&limit=4", headers=h)
        data = page.json()["data"]
        if not data:
            break
        paged += [e["seq"] for e in data]
        after = page.json()["next_after"]
    assert paged == seqs

    # re-run: a new job with the same parameters
    r = api.client.post(f"/api/v1/jobs/{job_id}/rerun", json={"force": False}, headers=h)
    assert r.status_code == 202 and r.json()["params"]["force"] is False
    rerun = wait_for(api.engine, uuid.UUID(r.json()["id"]), _finished)
    assert rerun.status == "succeeded" and rerun.id != job_id


def test_cancel_during_dem_packing(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice, SLOW, name="slow")
    r = api.client.post(f"/api/v1/beds/{bed.id}/generate", json={"force": True}, headers=h)
    assert r.status_code == 202, r.text
    job_id = uuid.UUID(r.json()["id"])
    wait_for(api.engine, job_id, lambda j: j.stage == "pack" and j.progress > 2)
    r = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=h)
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    # the issue asks for a stop within 2 s; the margin covers a slow CI database
    job = wait_for(api.engine, job_id, _finished, timeout=3.0)
    assert job.status == "cancelled"


def test_cancel_during_the_lbm_solver_run(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice, LBM_LONG, name="lbm")
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id), "force": True}, headers=h)
    assert r.status_code == 202, r.text
    job_id = uuid.UUID(r.json()["id"])
    # the solver is iterating: past its start (and the kernel's first compilation)
    deadline = time.monotonic() + 120
    while not any(
        e.stage == "simulate" and e.message.startswith("iteration")
        for e in crud.list_job_events(api.session, job_id=job_id, limit=1000)
    ):
        api.session.rollback()
        assert time.monotonic() < deadline, "the solver did not start iterating"
        time.sleep(0.1)
    r = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=h)
    assert r.status_code == 200, r.text
    # The issue asks for a stop within 2 s; 5 s leaves a margin for a loaded CI machine (the
    # cancel request is read every 0.5 s, the solver checks between iteration blocks).
    job = wait_for(api.engine, job_id, _finished, timeout=5.0)
    assert (job.status, job.stage) == ("cancelled", "simulate")


def test_another_users_job_is_404(worker_api: Api) -> None:
    api = worker_api
    alice, _ = api.user()
    _, h_bob = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id)}, headers=h_bob)
    assert r.status_code == 404
    job = Job(user_id=alice.id, bed_id=bed.id, type="pipeline", status="cancelled")
    api.session.add(job)
    api.session.commit()
    for call in (
        api.client.get(f"/api/v1/jobs/{job.id}", headers=h_bob),
        api.client.get(f"/api/v1/jobs/{job.id}/logs", headers=h_bob),
        api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=h_bob),
        api.client.post(f"/api/v1/jobs/{job.id}/rerun", headers=h_bob),
    ):
        assert call.status_code == 404
    r = api.client.get("/api/v1/jobs", params={"user_id": str(alice.id)}, headers=h_bob)
    assert r.status_code == 403


def test_job_left_running_by_a_dead_worker_is_retried(worker_api: Api) -> None:
    api = worker_api
    alice, _ = api.user()
    bed = job_bed(api.session, alice)
    # a worker on this host whose process is gone, its heartbeat still fresh
    job = Job(
        user_id=alice.id, bed_id=bed.id, type="pipeline", status="running", attempts=1,
        worker=f"{socket.gethostname()}:999999:embedded", params={"force": True},
        heartbeat_at=utcnow(),
    )  # fmt: skip
    api.session.add(job)
    api.session.commit()
    assert recover_jobs(state(api.app).settings) == [job.id]
    done = wait_for(api.engine, job.id, _finished)
    assert (done.status, done.attempts) == ("succeeded", 2)


def test_cancel_of_a_job_whose_worker_is_gone_ends_it_at_once(api: Api) -> None:
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    # running on a worker that stopped beating long ago (killed with its host, say)
    job = Job(
        user_id=alice.id, bed_id=bed.id, type="pipeline", status="running", attempts=1,
        worker="lost-host:4242:celery", heartbeat_at=utcnow() - timedelta(hours=1),
    )  # fmt: skip
    api.session.add(job)
    api.session.commit()
    r = api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["cancel_requested"]) == ("cancelled", True)
    events = crud.list_job_events(api.session, job_id=job.id)
    assert [(e.kind, e.status) for e in events] == [("complete", "cancelled")]
