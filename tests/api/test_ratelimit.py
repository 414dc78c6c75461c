"""Rate limits on login and writes: 429 with Retry-After, per address and per user."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage

from bedflow.api import ApiConfig, create_app
from bedflow.api._errors import ApiError
from bedflow.api._ratelimit import RateLimiter
from tests.utils.api import Api, make_settings
from tests.utils.db import PASSWORD

TIGHT = ApiConfig(
    bootstrap_admin=False, login_limit="3/minute", write_limit_user="2/minute",
    write_limit_address="3/minute",
)  # fmt: skip


@pytest.fixture
def tight(api: Api, tmp_path: Path) -> Iterator[Api]:
    app = create_app(make_settings(tmp_path, api.engine), config=TIGHT)
    with TestClient(app) as client:
        yield Api(app, client, api.engine)


@pytest.mark.slow
def test_login_attempts_are_limited_per_address(tight: Api) -> None:
    form = {"username": "x@example.com", "password": "wrong password"}
    codes = [
        tight.client.post("/api/v1/login/access-token", data=form).status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    r = tight.client.post("/api/v1/login/access-token", data=form)
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 60


@pytest.mark.slow
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


def test_an_unreachable_redis_does_not_block_requests(caplog: pytest.LogCaptureFixture) -> None:
    """Regression: this test asserted nothing. Over the limit twice, both requests pass
    (the limit could not be checked) and each says so in the log."""
    limiter = RateLimiter("redis://127.0.0.1:1/0")
    assert not isinstance(limiter.storage, MemoryStorage)  # Redis, not the fallback
    with caplog.at_level(logging.WARNING, logger="bedflow.api._ratelimit"):
        for _ in range(3):
            limiter.hit("1/minute", "k")  # no ApiError 429
    assert [r.getMessage() for r in caplog.records].count(
        "rate limit not checked: ConnectionError"
    ) == 3


def test_the_limiter_alone() -> None:
    limiter = RateLimiter()
    limiter.hit("1/minute", "a")
    with pytest.raises(ApiError) as caught:
        limiter.hit("1/minute", "a")
    assert caught.value.status == 429
    limiter.reset()
    limiter.hit("1/minute", "a")


PROXY = "127.0.0.1"
LOGIN = "/api/v1/login/access-token"


@contextmanager
def _app_behind(api: Api, tmp_path: Path, config: ApiConfig, **settings: str) -> Iterator[Api]:
    """An app whose peer is always ``PROXY``, with ``settings`` (e.g. trusted_proxies)."""
    app = create_app(make_settings(tmp_path, api.engine, **settings), config=config)
    with TestClient(app, client=(PROXY, 50000)) as client:
        yield Api(app, client, api.engine)


def _login(a: Api, email: str, password: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    form = {"username": email, "password": password}
    return a.client.post(LOGIN, data=form, headers=headers).status_code


FEW = ApiConfig(bootstrap_admin=False, login_limit="3/minute", workers=0)


def test_forwarded_for_is_ignored_from_peers_that_are_not_trusted_proxies(
    api: Api, tmp_path: Path
) -> None:
    """Regression: X-Forwarded-For was believed from any loopback peer, so rotating it
    gave every attempt a fresh per-address budget."""
    with _app_behind(api, tmp_path, FEW) as a:
        codes = [_login(a, "x@example.com", "wrong", f"10.0.0.{i}") for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_trusted_proxy_names_the_client_and_cannot_be_bypassed_by_prepending(
    api: Api, tmp_path: Path
) -> None:
    with _app_behind(api, tmp_path, FEW, trusted_proxies=f"{PROXY},192.168.0.0/16") as a:
        codes = [_login(a, "x@example.com", "wrong", "10.0.0.1") for _ in range(3)]
        assert codes == [401, 401, 401]
        assert _login(a, "x@example.com", "wrong", "10.0.0.1") == 429
        # A client may write anything left of what the proxy appended: the first untrusted
        # address from the right counts.
        assert _login(a, "x@example.com", "wrong", "10.9.9.9, 10.0.0.1") == 429
        assert _login(a, "x@example.com", "wrong", "10.9.9.9, 10.0.0.1, 192.168.4.4") == 429
        assert _login(a, "x@example.com", "wrong", "10.0.0.2") == 401


@pytest.mark.slow
def test_failed_logins_slow_the_guessers_address_not_the_account(api: Api, tmp_path: Path) -> None:
    """Regression: ten failed logins for an account locked it, and its owner then got 429
    for the right password; now the failures count against the address they come from."""
    owner, _ = api.user()
    config = ApiConfig(
        bootstrap_admin=False, login_limit="1000/minute", login_failure_limit="3/hour", workers=0
    )
    with _app_behind(api, tmp_path, config, trusted_proxies=PROXY) as a:
        guesser, home = "10.6.6.6", "10.1.1.1"
        assert [_login(a, owner.email, f"guess {i}", guesser) for i in range(3)] == [401] * 3
        assert _login(a, owner.email, "guess 4", guesser) == 429
        assert _login(a, owner.email, PASSWORD, guesser) == 429  # slowed, even when right
        assert _login(a, "other@example.com", "guess", guesser) == 429
        # The owner, elsewhere, is not locked out; their successes do not count as failures.
        assert _login(a, owner.email, "typo", home) == 401
        assert [_login(a, owner.email, PASSWORD, home) for _ in range(5)] == [200] * 5


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path, api: Api) -> None:
    with pytest.raises(ValueError, match="BEDFLOW_TRUSTED_PROXIES"):
        make_settings(tmp_path, api.engine, trusted_proxies="10.0.0.1,proxy.example.com")
    settings = make_settings(tmp_path, api.engine, trusted_proxies=" 10.0.0.1 , fd00::/8,")
    assert settings.trusted_proxy_list == ["10.0.0.1", "fd00::/8"]
