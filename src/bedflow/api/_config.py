"""Options of the HTTP API that are not read from the environment: limits and poll intervals.

What an installation sets (sign-up, token lifetime, the first admin, embedded workers) is in
:class:`bedflow.settings.Settings`; these are the code's own choices, which tests tune.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ApiConfig"]


@dataclass(frozen=True)
class ApiConfig:
    """How the API behaves; the defaults suit a small installation.

    Rate limits use the `limits` notation (``"10/minute"``, ``"100/hour;1000/day"``); they are
    counted in memory on the embedded default and in Redis when a broker URL is set.

    >>> app = create_app(settings, config=ApiConfig(login_limit="3/minute"))  # doctest: +SKIP
    """

    bootstrap_admin: bool = True
    """Create a local admin on first start (no user in the database)."""
    login_limit: str = "10/minute"
    """Login and signup attempts per client address."""
    login_failure_limit: str = "30/hour;100/day"
    """Failed logins per client address, whatever the account; past it the address is refused
    (429) until the window moves on. Accounts are never locked: the owner signing in from
    another address is not refused because someone guesses at their password."""
    write_limit_user: str = "120/minute"
    """Writes (POST, PUT, PATCH, DELETE) per signed-in user."""
    write_limit_address: str = "300/minute"
    """Writes per client address, whoever signs in from it."""
    max_body_bytes: int = 1024 * 1024
    """Largest request body outside file uploads (a bed spec is a few kB)."""
    workers: int | None = None
    """Embedded worker processes started with the app when no broker URL is set (0: none);
    None: ``Settings.embedded_worker_count``."""
    db_spare_connections: int = 5
    """Connections of the pool beyond ``Settings.db_sessions`` (the requests' share), for the
    event hub, health probes and WebSocket sign-ins."""
    hash_slots: int | None = None
    """Password hashes (sign-ins, sign-ups) one server process runs at once; None: one per two
    cores (an argon2 hash uses four lanes). ``Settings.signin_queue`` more may wait per slot."""
    replica_retry_s: float = 30.0
    """How long the read replica (``BEDFLOW_READ_REPLICA_URL``) is left alone after it failed
    to answer, its reads served by the primary meanwhile."""
    auth_recheck_s: float = 5.0
    """How often an open WebSocket or event stream asks the database again whether its token
    still holds (not revoked, no password change since, user active) and whether its user may
    still see what it streams; the shorter ``BEDFLOW_AUTH_CACHE_SECONDS`` wins when set. A
    WebSocket whose token no longer holds is closed with 1008 (policy violation)."""
    event_poll_s: float = 0.2
    """How often the process's event hub reads new job events from the database (at once on a
    Redis notice when a broker is configured); every WebSocket connection is fed from it."""
