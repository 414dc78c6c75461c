"""Security headers on every response, and OPTIONS answered with every method of a path."""

from __future__ import annotations

import pytest

from bedflow.api._headers import API_CSP, DOCS_CSP
from tests.utils.api import Api
from tests.utils.storage import MIB

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_secured(response: object, csp: str = API_CSP) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in SECURITY.items():
        assert headers.get(name) == value, (name, headers)
    assert headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-request-id"]


def test_every_kind_of_response_carries_the_security_headers(api: Api) -> None:
    # Were set on downloads only.
    user, h = api.user()
    bed = api.bed(user)
    upload = api.client.post(
        f"/api/v1/beds/{bed.id}/files",
        files={"file": ("a.html", b"<script>", "text/html")},
        headers=h,
    )
    responses = {
        "json": api.client.get("/api/v1/health"),
        "list": api.client.get("/api/v1/beds", headers=h),
        "created": upload,
        "download": api.client.get(f"/api/v1/files/{upload.json()['id']}/download", headers=h),
        "unauthorized": api.client.get("/api/v1/beds"),
        "unmatched 404": api.client.get("/api/v1/nothing-here"),
        "validation 422": api.client.get("/api/v1/beds?limit=0", headers=h),
        "405": api.client.delete("/api/v1/health"),
        "413": api.client.post("/api/v1/beds", json={"text": "x" * (2 * MIB)}, headers=h),
        "openapi": api.client.get("/api/v1/openapi.json"),
    }
    for kind, response in responses.items():
        assert response.status_code < 500, kind
        _assert_secured(response)


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
def test_the_docs_page_has_a_policy_that_allows_what_it_loads(api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.status_code == 200
    _assert_secured(r, DOCS_CSP)
    if path == "/docs":  # Swagger UI's bundle and style come from jsDelivr
        assert "https://cdn.jsdelivr.net/" in r.text
        assert "script-src 'self' https://cdn.jsdelivr.net" in DOCS_CSP


def test_options_lists_every_method_of_the_path(api: Api) -> None:
    # Was a 405 whose Allow header named one method (POST) of a path that takes GET too.
    user, _ = api.user()
    bed = api.bed(user)
    for path, methods in (
        ("/api/v1/beds", {"GET", "POST"}),
        (f"/api/v1/beds/{bed.id}", {"GET", "PUT", "PATCH", "DELETE"}),
        ("/api/v1/users/me", {"GET", "PATCH"}),
        ("/api/v1/health", {"GET"}),
    ):
        r = api.client.options(path)
        assert r.status_code == 204, path
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert allowed == methods | {"OPTIONS"}, path
        _assert_secured(r)
    assert api.client.options("/api/v1/nothing-here").status_code == 404
