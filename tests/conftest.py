"""Session-wide settings and checks: hypothesis without per-example deadlines, and no process
the tests started outlives the session."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings

from bedflow.db.crud import _passwords
from tests.utils.passwords import TEST_HASHER
from tests.utils.procs import MARK, marked_processes

# A per-example deadline measures the machine's load, not the code: examples that took 200 ms
# on a busy 2-core machine failed tests that pass alone. Speed belongs in bench/.
settings.register_profile("bedflow", deadline=None)
settings.load_profile("bedflow")
# `make test-fast` (--hypothesis-profile=fast): a quarter of the examples, for a quick loop
# while editing; `make test` and CI run the full hundred.
settings.register_profile("fast", deadline=None, max_examples=25)

# A real argon2id hasher at its lowest cost in this test process: the suite hashes and checks
# hundreds of passwords, each 0.2 s at the production cost (time 3, 64 MiB, 4 lanes) on two
# cores. Processes the tests start (serve, workers, the browser tests) keep the production cost.
_passwords._hasher = TEST_HASHER
_passwords._DUMMY_HASH = TEST_HASHER.hash("not a password")

#: How long processes may take to exit after the last fixture stopped them.
GRACE_S = 10.0


#: Fixtures that need a service beyond the test's process: an S3 server (moto), embedded
#: worker processes. PostgreSQL and S3 cases are found by their parameter (below).
SERVICE_FIXTURES = frozenset({"s3_endpoint", "worker_app"})
#: Parameters of the backend fixtures (db_engine, worker_engine, store and store_api) that
#: name a service.
SERVICE_PARAMS = frozenset({"postgresql", "s3"})


def pytest_configure(config: pytest.Config) -> None:
    os.environ[MARK] = uuid.uuid4().hex  # fresh: a pytest run by a test has its own


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `services` every test that needs PostgreSQL, an S3 server or worker processes,
    so that ``make test-fast`` (``-m "not slow and not services"``) leaves them out. Tests
    that need Redis, Celery or uvicorn processes are marked in their modules."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = {p for p in callspec.params.values() if isinstance(p, str)} if callspec else set()
        fixtures = set(getattr(item, "fixturenames", ()))
        if params & SERVICE_PARAMS or fixtures & SERVICE_FIXTURES:
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_session() -> Iterator[None]:
    """Every test or fixture that starts processes stops them. Set up first, torn down last:
    whatever still runs with this session's mark in its environment (orphans handed to init
    included) leaked; it is killed and the session fails."""
    yield
    mark = os.environ[MARK]
    deadline = time.monotonic() + GRACE_S
    left = marked_processes(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = marked_processes(mark)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, "processes started by the tests outlived them:\n" + "\n".join(
        f"  {pid}: {cmd[:200]}" for pid, cmd in left.items()
    )
