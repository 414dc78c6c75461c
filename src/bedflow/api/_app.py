"""The app factory: routers under ``/api/v1``, errors, middleware, and the start-up steps."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bedflow._private import PRIVATE_DIR, make_private_dirs, tighten
from bedflow._version import __version__
from bedflow.api._bootstrap import ensure_admin, prepare_database
from bedflow.api._config import ApiConfig
from bedflow.api._counts import Counts
from bedflow.api._dbgate import DbGate
from bedflow.api._errors import install_error_handlers
from bedflow.api._hashqueue import HashQueue
from bedflow.api._headers import AnswerOptions, SecurityHeaders
from bedflow.api._identities import Identities
from bedflow.api._jobs import EventHub
from bedflow.api._logging import configure_structlog, install_redaction
from bedflow.api._metrics import Metrics
from bedflow.api._middleware import RequestMiddleware
from bedflow.api._ratelimit import RateLimiter
from bedflow.api._replica import Replica
from bedflow.api._security import signing_key
from bedflow.api._state import AppState
from bedflow.api._web import WebApp, find_web_dir
from bedflow.api.routes import api_router
from bedflow.api.schemas import BedCreate
from bedflow.db import make_engine, make_sessionmaker, pool_options, writing_engine
from bedflow.settings import Settings
from bedflow.storage import get_storage
from bedflow.worker import make_dispatcher

__all__ = ["API_PREFIX", "create_app"]


API_PREFIX = "/api/v1"

DESCRIPTION = """\
Packed-bed CFD studies over HTTP: beds (from JSON or `.bed` text), their files, simulations
and results, projects shared between users (who join by accepting an invitation).

Sign in with `POST /api/v1/login/access-token` (email and password, the OAuth2 password flow,
also the **Authorize** button here), or create a personal token at `POST /api/v1/tokens` and
send `Authorization: Bearer bf_...`. A browser signs in with `POST /api/v1/login/session`
instead: an httpOnly session cookie, and its CSRF token sent as `X-CSRF-Token` on writes.
Everything is visible only to its owner, the members of
its project, and admins; another user's object answers 404. Errors have the body
`{"error": {"code", "message", "details"}}`.
"""


def create_app(
    settings: Settings, *, config: ApiConfig | None = None, web_dir: Path | None = None
) -> FastAPI:
    """The bedflow API for ``settings``, and the web dashboard at ``/`` from ``web_dir``
    (default: ``frontend/dist`` of the checkout, else the wheel's built app; see ``_web``).

    On start it migrates the embedded (SQLite) database and, when no user exists, creates a
    local admin and logs how to sign in.

    >>> app = create_app(get_settings())  # doctest: +SKIP
    >>> uvicorn.run(app)  # doctest: +SKIP
    """
    config = config or ApiConfig()
    configure_structlog()
    # The database, objects, keys and caches live here: the server's user alone reads them.
    make_private_dirs(settings.data_dir)
    tighten(settings.data_dir, PRIVATE_DIR)
    install_redaction()
    pool = pool_options(
        settings.database_url, size=settings.db_sessions, overflow=config.db_spare_connections
    )
    engine = make_engine(settings.database_url, **pool)
    sessions = make_sessionmaker(writing_engine(engine))
    read_engine = (
        engine.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql"
        else engine
    )
    read_sessions = make_sessionmaker(read_engine)
    state = AppState(
        settings=settings,
        config=config,
        engine=engine,
        sessions=sessions,
        read_sessions=read_sessions,
        storage=get_storage(settings),
        limiter=RateLimiter(settings.broker_url),
        metrics=Metrics(read_sessions),
        token_key=signing_key(settings.secret_key.get_secret_value()),
        identities=Identities(settings.auth_cache_seconds),
        counts=Counts(settings.count_cache_seconds),
    )
    if settings.read_replica_url:
        state.replica = Replica(
            settings.read_replica_url,
            pool_size=settings.db_sessions,
            retry_s=config.replica_retry_s,
        )

    hub = EventHub(read_sessions, settings, config.event_poll_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(prepare_database, engine)
        await anyio.to_thread.run_sync(ensure_admin, engine, sessions, settings, config)
        dispatcher = make_dispatcher(
            settings,
            workers=settings.embedded_worker_count if config.workers is None else config.workers,
        )
        await anyio.to_thread.run_sync(dispatcher.start)
        state.dispatcher = dispatcher
        state.db_gate = DbGate(settings.db_sessions)
        slots = config.hash_slots or max(1, (os.cpu_count() or 2) // 2)
        state.hash_queue = HashQueue(slots=slots, queue=settings.signin_queue * slots)
        try:
            yield
        finally:
            await hub.aclose()
            await anyio.to_thread.run_sync(dispatcher.stop)
            if state.dispatcher is dispatcher:
                state.dispatcher = None
            engine.dispose()
            if state.replica is not None:
                state.replica.dispose()

    app = FastAPI(
        title="bedflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.bedflow = state
    app.state.event_hub = hub
    app.include_router(api_router, prefix=API_PREFIX)
    app.router.default = WebApp(find_web_dir(web_dir), app.router.default)
    install_error_handlers(app)
    # Added last is outermost: the security headers cover even RequestMiddleware's own 413
    # and 500, and OPTIONS is answered inside it, with a request id and an access-log line.
    app.add_middleware(AnswerOptions, router=app.router)
    app.add_middleware(RequestMiddleware, state=state)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxy_list:
        # Outermost, so that limits, logs and metrics all see the client the proxy names;
        # forwarded headers from anyone else are ignored (uvicorn's own handling, which
        # trusts every loopback peer, is turned off by `bedflow serve`).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    _install_openapi(app)
    return app


def _install_openapi(app: FastAPI) -> None:
    """Add the bed schemas that the hand-parsed bed bodies reference to the components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, defs = models_json_schema(
            [(BedCreate, "validation")], ref_template="#/components/schemas/{model}"
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model_schema in defs.get("$defs", {}).items():
            components.setdefault(name, model_schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
