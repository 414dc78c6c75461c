"""Users keep their own credentials (``/users/me/credentials``) for destinations they own,
and export studies and beds to their own bucket with them (issue 14 §2); the exports run on
the embedded workers against a real S3-protocol server on loopback (moto)."""

from __future__ import annotations

import json
import uuid

import pytest

from bedflow._exceptions import RequestError
from bedflow.db import Job, crud
from bedflow.worker._export import run_export
from tests.utils.api import EXPORT_ENDPOINT, Api, state
from tests.utils.jobs import job_bed, wait_for
from tests.utils.storage import make_s3

URL = "/api/v1/users/me/credentials"
SECRET_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-do-not-leak"


def _secret(endpoint: str | None = None, key: str = SECRET_KEY) -> str:
    value = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": key}
    if endpoint is not None:
        value["endpoint_url"] = endpoint
    return json.dumps(value)


def _finished(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def test_users_keep_their_own_credentials(api: Api) -> None:
    _, h_alice = api.user()
    _, h_bob = api.user()
    _, h_admin = api.user(role="admin")
    body = {"name": "archive", "service": "s3", "secret": _secret()}
    r = api.client.post(URL, json=body, headers=h_alice)
    assert r.status_code == 201, r.text
    mine = r.json()
    # a JSON secret shows its access key id's tail, not the JSON's (the secret key's)
    assert mine["masked"] == "••••MPLE" and SECRET_KEY[-2:] not in mine["masked"]
    assert SECRET_KEY not in r.text
    assert api.client.post(URL, json=body, headers=h_alice).status_code == 409  # name taken
    assert api.client.post(URL, json=body, headers=h_bob).status_code == 201  # bob's own
    listed = api.client.get(URL, headers=h_alice)
    assert [c["id"] for c in listed.json()["data"]] == [mine["id"]]
    assert SECRET_KEY not in listed.text

    one = f"{URL}/{mine['id']}"
    new = {"secret": _secret(key="another-secret-of-alice")}
    assert api.client.put(one, json=new, headers=h_bob).status_code == 404  # not bob's
    assert api.client.delete(one, headers=h_bob).status_code == 404
    r = api.client.put(one, json=new, headers=h_alice)
    assert r.status_code == 200 and "another-secret" not in r.text
    # the admins' settings page manages the installation's credentials, not users' own
    admin_list = api.client.get("/api/v1/credentials", headers=h_admin).json()["data"]
    assert mine["id"] not in {c["id"] for c in admin_list}
    assert api.client.delete(f"/api/v1/credentials/{mine['id']}", headers=h_admin).status_code == (
        404
    )
    r = api.client.post(
        "/api/v1/credentials", json={**body, "secret": "x"}, headers=h_admin
    )  # the same name, the admin's own
    assert r.status_code == 201
    admin_list = api.client.get("/api/v1/credentials", headers=h_admin).json()["data"]
    assert [c["id"] for c in admin_list] == [r.json()["id"]]
    assert api.client.delete(one, headers=h_alice).status_code == 204
    assert api.client.get(URL, headers=h_alice).json() == {"data": [], "count": 0}


@pytest.mark.parametrize(
    "secret",
    [
        _secret("http://169.254.169.254"),  # the cloud's metadata service
        _secret("http://127.0.0.1:5432"),
        _secret(EXPORT_ENDPOINT.replace("https", "http")),  # not the listed scheme
        _secret(EXPORT_ENDPOINT + ".evil.test"),
        json.dumps({"access_key_id": "a", "secret_access_key": SECRET_KEY, "region": "x/../y"}),
        json.dumps({"secret_access_key": SECRET_KEY}),
        SECRET_KEY,  # not JSON
    ],
)
def test_a_secret_bedflow_cannot_use_safely_is_refused(api: Api, secret: str) -> None:
    _, h = api.user()
    r = api.client.post(URL, json={"name": "a", "service": "s3", "secret": secret}, headers=h)
    assert r.status_code == 422, r.text
    assert SECRET_KEY not in r.text  # refused without echoing the secret


def test_a_listed_endpoint_is_allowed_and_other_services_are_not(api: Api) -> None:
    _, h = api.user()
    ok = {"name": "a", "service": "s3", "secret": _secret(EXPORT_ENDPOINT + "/")}
    r = api.client.post(URL, json=ok, headers=h)
    assert r.status_code == 201, r.text
    r = api.client.put(
        f"{URL}/{r.json()['id']}", json={"secret": _secret("http://10.0.0.1")}, headers=h
    )
    assert r.status_code == 422 and "BEDFLOW_EXPORT_S3_ENDPOINTS" in r.json()["error"]["message"]
    r = api.client.post(URL, json={**ok, "name": "b", "service": "github"}, headers=h)
    assert r.status_code == 422


def test_an_export_with_an_endpoint_no_longer_allowed_is_refused(api: Api) -> None:
    """A credential saved before the endpoint left the list (here: written straight to the
    database) is refused by the API and, again, by the worker before it connects."""
    alice, h = api.user()
    bed = api.bed(alice)
    key = state(api.app).settings.secret_key.get_secret_value()
    credential = crud.create_credential(
        api.session, name="old", service="s3", secret=_secret("http://169.254.169.254"),
        secret_key=key, created_by=alice,
    )  # fmt: skip
    body = {"credential_id": str(credential.id), "bucket": "my-results"}
    r = api.client.post(f"/api/v1/beds/{bed.id}/export", json=body, headers=h)
    assert r.status_code == 422 and "169.254.169.254" in r.json()["error"]["message"]
    params = {"bed_id": str(bed.id), "destination": body}
    with pytest.raises(RequestError, match="not an export endpoint"):
        run_export(
            api.session, raw_params=params, source=state(api.app).storage, secret_key=key,
            allowed_endpoints=[EXPORT_ENDPOINT],
        )  # fmt: skip


def test_a_reader_exports_a_bed_to_their_own_bucket(api: Api) -> None:
    """A viewer of a project may export its beds, with a credential of their own; the
    queued job's params name the credential by id and hold no secret."""
    alice, _ = api.user()
    bob, h_bob = api.user()
    project = crud.create_project(api.session, owner=alice, name="shared")
    crud.add_member(api.session, project=project, user=bob, role="viewer")
    bed = api.bed(alice, project=project)
    r = api.client.post(
        URL, json={"name": "b", "service": "s3", "secret": _secret(EXPORT_ENDPOINT)}, headers=h_bob
    )
    body = {"credential_id": r.json()["id"], "bucket": "bobs-bucket", "prefix": "from-alice"}
    r = api.client.post(f"/api/v1/beds/{bed.id}/export", json=body, headers=h_bob)
    assert r.status_code == 202, r.text
    job = r.json()
    assert (job["type"], job["status"], job["bed_id"]) == ("s3-export", "queued", str(bed.id))
    assert SECRET_KEY not in r.text
    row = api.session.get(Job, uuid.UUID(job["id"]))
    assert row is not None and row.params["destination"] == body
    assert row.params["bed_id"] == str(bed.id) and SECRET_KEY not in json.dumps(row.params)


def _export(api: Api, url: str, body: dict[str, str], headers: dict[str, str]) -> Job:
    r = api.client.post(url, json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert SECRET_KEY not in r.text
    job = wait_for(api.engine, uuid.UUID(r.json()["id"]), _finished, timeout=120)
    assert job.status == "succeeded", job.error
    assert SECRET_KEY not in json.dumps(job.params)  # the params name the credential only
    return job


@pytest.mark.slow
def test_a_user_exports_a_study_and_a_bed_with_their_own_credential(
    worker_api: Api,
    s3_endpoint: str,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level("INFO")
    api = worker_api
    alice, h = api.user()
    bob, h_bob = api.user()
    bucket = make_s3(s3_endpoint)  # alice's own bucket (moto takes any key)
    r = api.client.post(
        URL, json={"name": "mine", "service": "s3", "secret": _secret(s3_endpoint)}, headers=h
    )
    assert r.status_code == 201, r.text
    credential_id = r.json()["id"]
    bed = job_bed(api.session, alice)
    grid = {"cfd.inlet_velocity": ["0.01 m/s"]}
    study = api.client.post(
        "/api/v1/studies", json={"bed_id": str(bed.id), "grid": grid}, headers=h
    ).json()
    wait_for(api.engine, uuid.UUID(study["table"][0]["job_id"]), _finished, timeout=120)

    body = {"credential_id": credential_id, "bucket": bucket.bucket, "prefix": "sweep"}
    _export(api, f"/api/v1/studies/{study['id']}/export", body, h)
    _export(api, f"/api/v1/beds/{bed.id}/export", {**body, "prefix": "bed"}, h)
    study_keys, bed_keys = set(bucket.list("sweep/")), set(bucket.list("bed/"))
    assert "sweep/study.json" in study_keys and "bed/bed.json" in bed_keys
    assert {k.removeprefix("sweep/") for k in study_keys} - {"study.json"} == {
        k.removeprefix("bed/") for k in bed_keys
    } - {"bed.json"}  # the same files of the bed, both times
    manifest = json.loads(b"".join(bucket.open_stream("bed/bed.json")))
    assert manifest["bed"]["id"] == str(bed.id) and manifest["files"]
    for key in ("sweep/study.json", "bed/bed.json"):
        assert SECRET_KEY not in b"".join(bucket.open_stream(key)).decode()

    # bob neither sees nor uses alice's credential, even on his own bed
    assert api.client.get(URL, headers=h_bob).json()["count"] == 0
    bobs_bed = job_bed(api.session, bob)
    r = api.client.post(f"/api/v1/beds/{bobs_bed.id}/export", json=body, headers=h_bob)
    assert r.status_code == 404 and "credential" in r.json()["error"]["message"]
    r = api.client.post(f"/api/v1/beds/{bed.id}/export", json=body, headers=h_bob)
    assert r.status_code == 404  # nor exports a bed he cannot read
    _assert_no_secret_in_logs(request, caplog)
    api.session.rollback()


def _assert_no_secret_in_logs(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the server's log records nor the worker processes' output (their stderr, the
    session's captured output: they were started before this test) hold the secret."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    workers = "".join(capture.read_global_capture()) if capture is not None else ""
    logged = caplog.text + workers
    assert "/export" in caplog.text  # the requests were logged
    if capture is not None and capture.is_globally_capturing():
        assert "exported" in workers  # and the workers' runs
    assert SECRET_KEY not in logged


def test_the_routes_are_documented_with_examples(api: Api) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, method in (
        (URL, "post"),
        (f"{URL}/{{credential_id}}", "put"),
        ("/api/v1/beds/{bed_id}/export", "post"),
        ("/api/v1/studies/{study_id}/export", "post"),
    ):
        assert paths[path][method]["requestBody"]
    components = schema["components"]["schemas"]
    for name, field in (
        ("CredentialCreate", "secret"),
        ("CredentialUpdate", "secret"),
        ("ExportDestination", "bucket"),
    ):
        assert components[name]["properties"][field]["examples"]
