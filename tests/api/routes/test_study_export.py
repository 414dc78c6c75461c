"""Exporting a study to the user's own S3 bucket with a stored credential (issue 14 §2): a
job on the embedded workers, against a real S3-protocol server on loopback (moto)."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import select

from bedflow.db import BedFile, Job, crud
from tests.utils.api import Api, state
from tests.utils.jobs import job_bed, wait_for
from tests.utils.storage import make_s3


def _finished(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def _secret_key(api: Api) -> str:
    return state(api.app).settings.secret_key.get_secret_value()


@pytest.mark.slow
def test_a_study_is_exported_to_the_users_bucket(worker_api: Api, s3_endpoint: str) -> None:
    api = worker_api
    alice, h = api.user()
    _, h_bob = api.user()
    bucket = make_s3(s3_endpoint)  # the user's own bucket, on the S3 server
    secret = {
        "access_key_id": "testing",
        "secret_access_key": "testing",
        "endpoint_url": s3_endpoint,
    }
    credential = crud.create_credential(
        api.session,
        name=f"alice-s3-{uuid.uuid4().hex[:6]}",
        service="s3",
        secret=json.dumps(secret),
        secret_key=_secret_key(api),
        created_by=alice,
    )
    bed = job_bed(api.session, alice)
    grid = {"cfd.inlet_velocity": ["0.01 m/s", "0.02 m/s"]}
    study = api.client.post(
        "/api/v1/studies", json={"bed_id": str(bed.id), "grid": grid}, headers=h
    ).json()
    for row in study["table"]:
        wait_for(api.engine, uuid.UUID(row["job_id"]), _finished, timeout=120)

    body = {"credential_id": str(credential.id), "bucket": bucket.bucket, "prefix": "out/sweep"}
    url = f"/api/v1/studies/{study['id']}/export"
    assert api.client.post(url, json=body, headers=h_bob).status_code == 404  # not bob's study
    r = api.client.post(url, json=body, headers=h)
    assert r.status_code == 202, r.text
    job = wait_for(api.engine, uuid.UUID(r.json()["id"]), _finished, timeout=120)
    assert job.status == "succeeded", job.error

    keys = list(bucket.list("out/sweep/"))
    manifest = json.loads(b"".join(bucket.open_stream("out/sweep/study.json")))
    assert manifest["study"]["id"] == study["id"]
    results = [p["result"] for p in manifest["points"]]
    assert [r["superficial_velocity"] for r in results] == pytest.approx([0.01, 0.02])
    assert all(r["ratio_to_correlations"]["ergun"] == 1.0 for r in results)  # correlation run
    api.session.rollback()
    files = list(api.session.scalars(select(BedFile).where(BedFile.bed_id == bed.id)))
    assert files and {f"out/sweep/{f.object_key}" for f in files} | {"out/sweep/study.json"} == set(
        keys
    )
    first = files[0]
    copied = b"".join(bucket.open_stream(f"out/sweep/{first.object_key}"))
    assert hashlib.sha256(copied).hexdigest() == first.sha256
    assert "testing" not in json.dumps(manifest)  # the secret goes nowhere


def test_an_export_needs_the_users_own_s3_credential(api: Api) -> None:
    alice, h = api.user()
    bob, _ = api.user()
    bed = api.bed(alice)
    study, _ = crud.create_study(
        api.session, user=alice, bed=bed, name="s", grid={}, params={}, points=[]
    )
    key = _secret_key(api)
    bobs = crud.create_credential(
        api.session, name="bob-s3", service="s3", secret="{}", secret_key=key, created_by=bob
    )
    other = crud.create_credential(
        api.session, name="alice-gh", service="github", secret="x", secret_key=key, created_by=alice
    )
    url = f"/api/v1/studies/{study.id}/export"
    body = {"bucket": "my-results", "prefix": "a"}
    r = api.client.post(url, json={**body, "credential_id": str(bobs.id)}, headers=h)
    assert r.status_code == 404 and "credential" in r.json()["error"]["message"]
    r = api.client.post(url, json={**body, "credential_id": str(other.id)}, headers=h)
    assert r.status_code == 422 and "not s3" in r.json()["error"]["message"]
    for bad in ({"bucket": "../etc"}, {"prefix": "../up"}, {"prefix": "/abs"}):
        r = api.client.post(url, json={**body, "credential_id": str(bobs.id), **bad}, headers=h)
        assert r.status_code == 422
