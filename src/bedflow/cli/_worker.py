"""`bedflow worker`: run a Celery worker for the jobs (needs ``BEDFLOW_BROKER_URL``)."""

from __future__ import annotations

from typing import Annotated

import typer

from bedflow._exceptions import BedflowError
from bedflow.cli._app import app, err


@app.command()
def worker(
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues to consume: pack (packing), cfd (flow).")
    ] = "pack,cfd",
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Jobs this worker runs at once (processes).")
    ] = 1,
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    beat: Annotated[
        bool,
        typer.Option(
            "--beat",
            help="Also schedule cleanup (run one per cluster); every worker recovers lost jobs.",
        ),
    ] = False,
) -> None:
    """Run a Celery worker on the broker of BEDFLOW_BROKER_URL (Redis).

    Jobs are acknowledged when they end, so a worker killed mid-job leaves its job to another.
    """
    from bedflow.settings import get_settings

    try:
        settings = get_settings()
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(2) from exc
    if not settings.broker_url:
        err.print("[bold red]error[/]: set BEDFLOW_BROKER_URL (e.g. redis://localhost:6379/0)")
        raise typer.Exit(2)
    from bedflow.worker.celery_app import app as celery

    names = ",".join(q.strip() for q in queues.split(",") if q.strip())
    argv = ["worker", f"--queues={names}", f"--concurrency={concurrency}", f"--loglevel={loglevel}"]
    if beat:
        argv.append("--beat")
    celery.worker_main(argv)
