"""``bedflow serve --workers N``'s supervisor options."""

from __future__ import annotations

from typing import Any

import pytest

from bedflow.api import _workers


def test_workers_get_time_to_answer_the_supervisor_on_a_loaded_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: uvicorn's 5 s ping killed healthy workers in a loop while they imported the
    app on a loaded 2-core host (make deploy-check, exit -9 each time)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(_workers.uvicorn, "run", lambda app, **kw: seen.update(kw))
    _workers.run_server("bedflow.api:make_app", host="127.0.0.1", port=0, workers=1)
    assert seen["timeout_worker_healthcheck"] == _workers.HEALTHCHECK_SECONDS >= 30
    _workers.run_server(
        "bedflow.api:make_app",
        host="127.0.0.1",
        port=0,
        workers=1,
        timeout_worker_healthcheck=7,
    )
    assert seen["timeout_worker_healthcheck"] == 7
