"""Rate limits on login and writes: 429 with Retry-After, per address and per user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bedflow.api import ApiConfig, create_app
from bedflow.api._errors import ApiError
from bedflow.api._ratelimit import RateLimiter
from tests.utils.api import Api, make_settings

TIGHT = ApiConfig(
    bootstrap_admin=False, login_limit="3/minute", write_limit_user="2/minute",
    write_limit_address="3/minute",
)  # fmt: skip


@pytest.fixture
def tight(api: Api, tmp_path: Path) -> Iterator[Api]:
    app = create_app(make_settings(tmp_path, api.engine), config=TIGHT)
    with TestClient(app) as client:
        yield Api(app, client, api.engine)


def test_login_attempts_are_limited_per_address(tight: Api) -> None:
    form = {"username": "x@example.com", "password": "wrong password"}
    codes = [
        tight.client.post("/api/v1/login/access-token", data=form).status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    r = tight.client.post("/api/v1/login/access-token", data=form)
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 60


def test_writes_are_limited_per_user_and_per_address(tight: Api) -> None:
    _, h1 = tight.user()
    _, h2 = tight.user()
    make = {"name": "p"}
    codes = [
        tight.client.post("/api/v1/projects", json=make, headers=h1).status_code for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    # Reads are not limited.
    assert tight.client.get("/api/v1/projects", headers=h1).status_code == 200
    # Another user from the same address has their own budget, but the address's is spent.
    assert tight.client.post("/api/v1/projects", json=make, headers=h2).status_code == 201
    r = tight.client.post("/api/v1/projects", json=make, headers=h2)
    assert r.status_code == 429 and "retry-after" in r.headers


def test_an_unreachable_redis_does_not_block_requests() -> None:
    limiter = RateLimiter("redis://127.0.0.1:1/0")
    limiter.hit("1/minute", "k")
    limiter.hit("1/minute", "k")


def test_the_limiter_alone() -> None:
    limiter = RateLimiter()
    limiter.hit("1/minute", "a")
    with pytest.raises(ApiError) as caught:
        limiter.hit("1/minute", "a")
    assert caught.value.status == 429
    limiter.reset()
    limiter.hit("1/minute", "a")
