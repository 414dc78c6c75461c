"""`bedflow serve`: run the HTTP API with uvicorn.

Authentication is always on; there is no switch to turn it off. Binding to an address other
than loopback (127.0.0.1, ::1, localhost) exposes the server to the network, so it is refused
unless ``BEDFLOW_ENVIRONMENT=production`` (which already requires a proper secret key) or
``--allow-remote`` is given explicitly.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Annotated, Literal

import typer

from bedflow._exceptions import BedflowError
from bedflow.cli._app import app, err, out
from bedflow.cli._banner import banner

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless told otherwise.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes; on Linux each listens on its own socket (SO_REUSEPORT), "
            "so connections spread evenly over them.",
        ),
    ] = 1,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Bind a non-loopback address outside production (BEDFLOW_ENVIRONMENT).",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    log_format: Annotated[
        Literal["auto", "json", "text"],
        typer.Option(
            help="Log lines as JSON objects or as text for people; auto: text (after a short "
            "banner) when standard error is a terminal, JSON otherwise."
        ),
    ] = "auto",
) -> None:
    """Run the web dashboard (at /, when built: make web) and the HTTP API (docs at /docs,
    API under /api/v1) with uvicorn.

    On the embedded default it migrates the SQLite database first and, on the very first
    start, creates an admin and logs where its password is. A non-loopback --host needs
    BEDFLOW_ENVIRONMENT=production or --allow-remote. In a terminal it starts with a short
    banner (the dashboard's URL, how the first admin signs in, where the data lives) and logs
    text lines; otherwise, or with --log-format json, one JSON object per line.
    """
    from bedflow.settings import get_settings

    try:
        settings = get_settings()
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    if not is_loopback(host) and not allow_remote and settings.environment != "production":
        err.print(
            f"[bold red]error[/]: refusing to listen on {host}, reachable from the network, in "
            "development: set BEDFLOW_ENVIRONMENT=production (with a secret key) or pass "
            "--allow-remote"
        )
        raise typer.Exit(2)

    from bedflow.api import (
        LOG_FORMAT_ENV,
        LOG_LEVEL_ENV,
        ApiConfig,
        configure_logging,
        ensure_admin,
        prepare_database,
        run_server,
    )
    from bedflow.db import make_engine, make_sessionmaker

    text = log_format == "text" or (log_format == "auto" and sys.stderr.isatty())
    os.environ[LOG_LEVEL_ENV] = log_level
    os.environ[LOG_FORMAT_ENV] = "text" if text else "json"
    configure_logging(log_level.upper(), json=not text)
    # Once, here, before the workers start: they would otherwise race to migrate.
    engine = make_engine(settings.database_url)
    try:
        prepare_database(engine)
        ensure_admin(engine, make_sessionmaker(engine), settings, ApiConfig())
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    if text:
        from bedflow.api import find_web_dir

        for line in banner(settings, host=host, port=port, app_built=find_web_dir() is not None):
            out.print(line, markup=False)
    run_server(
        "bedflow.api:make_app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        # The app reads forwarded headers from BEDFLOW_TRUSTED_PROXIES only; uvicorn's
        # default believes them from any loopback peer, so anyone on the host could pick
        # the address that the sign-in limits count.
        proxy_headers=False,
        log_level=log_level.lower(),
    )
