"""Files: streamed upload and download with identical bytes, on a local folder and on S3."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bedflow.api import create_app
from bedflow.db import BedFile
from tests.utils.api import CONFIG, Api, make_settings
from tests.utils.storage import MIB


def _multipart(data: bytes, filename: str = "part.stl", content_type: str = "model/stl") -> dict:
    return {"file": (filename, data, content_type)}


def test_upload_and_download_are_byte_identical(store_api: Api) -> None:
    api = store_api
    user, h = api.user()
    bed = api.bed(user)
    # Past the S3 part size (8 MiB): the multipart upload path is exercised too.
    data = os.urandom(11 * MIB + 123)
    r = api.client.post(f"/api/v1/beds/{bed.id}/files?kind=stl", files=_multipart(data), headers=h)
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["size"] == len(data) and meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert (meta["kind"], meta["filename"], meta["content_type"]) == (
        "stl",
        "part.stl",
        "model/stl",
    )

    with api.client.stream("GET", f"/api/v1/files/{meta['id']}/content", headers=h) as down:
        assert down.status_code == 200
        assert down.headers["content-length"] == str(len(data))
        assert down.headers["content-type"] == "model/stl"
        assert 'filename="part.stl"' in down.headers["content-disposition"]
        digest = hashlib.sha256()
        for chunk in down.iter_bytes():
            digest.update(chunk)
    assert digest.hexdigest() == meta["sha256"]

    listing = api.client.get(f"/api/v1/beds/{bed.id}/files", headers=h).json()
    assert listing["count"] == 1 and listing["data"][0]["id"] == meta["id"]
    assert api.client.delete(f"/api/v1/files/{meta['id']}", headers=h).status_code == 204
    assert api.client.get(f"/api/v1/files/{meta['id']}", headers=h).status_code == 404
    assert list(api.app.state.bedflow.storage.list()) == []


def test_client_file_name_is_display_only(api: Api) -> None:
    user, h = api.user()
    bed = api.bed(user)
    r = api.client.post(
        f"/api/v1/beds/{bed.id}/files",
        files=_multipart(b"x", filename="../../etc/päss wd", content_type="text/html; x=<y>"),
        headers=h,
    )
    assert r.status_code == 201
    meta = r.json()
    assert meta["filename"] == "päss wd" and meta["kind"] == "other"
    assert meta["content_type"] == "text/html"
    row = api.session.get(BedFile, uuid.UUID(meta["id"]))
    assert row is not None and row.object_key.startswith(f"beds/{bed.id}/")
    down = api.client.get(f"/api/v1/files/{meta['id']}/content", headers=h)
    disposition = down.headers["content-disposition"]
    assert disposition == "attachment; filename=\"p_ss_wd\"; filename*=UTF-8''p%C3%A4ss%20wd"
    assert down.headers["x-content-type-options"] == "nosniff"


def test_upload_needs_a_file_part_and_multipart(api: Api) -> None:
    user, h = api.user()
    url = f"/api/v1/beds/{api.bed(user).id}/files"
    r = api.client.post(url, data={"other": "x"}, files={"not-file": ("a", b"a")}, headers=h)
    assert r.status_code == 422
    r = api.client.post(
        url, content=b"abc", headers={**h, "Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 415
    r = api.client.post(f"{url}?kind=exe", files=_multipart(b"x"), headers=h)
    assert r.status_code == 422


def test_a_multipart_boundary_of_1000_characters_answers_400(api: Api) -> None:
    # Was a 500: the parser's constructor raised FormParserError outside the request's care.
    user, h = api.user()
    url = f"/api/v1/beds/{api.bed(user).id}/files"
    boundary = "b" * 1000
    body = f"--{boundary}\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--{boundary}--"
    content_type = f"multipart/form-data; boundary={boundary}"
    r = api.client.post(url, content=body, headers={**h, "Content-Type": content_type})
    assert r.status_code == 400 and "boundary" in r.json()["error"]["message"]


def test_another_users_files_are_not_found(api: Api) -> None:
    alice, h_alice = api.user()
    _, h_bob = api.user()
    bed = api.bed(alice)
    meta = api.client.post(
        f"/api/v1/beds/{bed.id}/files", files=_multipart(b"secret"), headers=h_alice
    ).json()
    calls = [
        api.client.get(f"/api/v1/files/{meta['id']}", headers=h_bob),
        api.client.get(f"/api/v1/files/{meta['id']}/content", headers=h_bob),
        api.client.delete(f"/api/v1/files/{meta['id']}", headers=h_bob),
        api.client.get(f"/api/v1/beds/{bed.id}/files", headers=h_bob),
        api.client.post(f"/api/v1/beds/{bed.id}/files", files=_multipart(b"x"), headers=h_bob),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    r = api.client.get(f"/api/v1/files/{meta['id']}/content", headers=h_alice)
    assert r.content == b"secret"


def test_deleting_a_bed_deletes_its_objects(api: Api) -> None:
    user, h = api.user()
    bed = api.bed(user)
    for _ in range(2):
        api.client.post(f"/api/v1/beds/{bed.id}/files", files=_multipart(b"abc"), headers=h)
    store = api.app.state.bedflow.storage
    assert len(list(store.list(f"beds/{bed.id}/"))) == 2
    assert api.client.delete(f"/api/v1/beds/{bed.id}", headers=h).status_code == 204
    assert list(store.list(f"beds/{bed.id}/")) == []


@pytest.fixture
def small_limit_api(api: Api, tmp_path) -> Iterator[Api]:
    """The app with uploads limited to 1 MiB (same database)."""
    settings = make_settings(tmp_path, api.engine, max_upload_bytes=MIB)
    app = create_app(settings, config=CONFIG)
    with TestClient(app) as client:
        yield Api(app, client, api.engine)


def test_upload_past_the_limit_answers_413_and_keeps_nothing(small_limit_api: Api) -> None:
    api = small_limit_api
    user, h = api.user()
    bed = api.bed(user)
    url = f"/api/v1/beds/{bed.id}/files"
    # Just past the file limit (inside the multipart slack): store_file refuses it.
    r = api.client.post(url, files=_multipart(b"x" * (MIB + 1)), headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    # Far past it, declared: refused before reading.
    r = api.client.post(url, files=_multipart(b"x" * (3 * MIB)), headers=h)
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        for _ in range(4):
            yield b"y" * MIB

    r = api.client.post(
        url, content=chunks(), headers={**h, "Content-Type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 413
    assert api.client.get(f"{url}", headers=h).json()["count"] == 0
    assert list(api.app.state.bedflow.storage.list()) == []


def test_json_bodies_are_limited_too(api: Api) -> None:
    _, h = api.user()
    r = api.client.post("/api/v1/beds", json={"text": "x" * (2 * MIB)}, headers=h)
    assert r.status_code == 413
