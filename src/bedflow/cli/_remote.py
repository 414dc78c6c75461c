"""`bedflow submit`, `bedflow jobs`, `bedflow cancel`: the pipeline on a bedflow server.

The server and the token come from ``--server``/``--token`` or ``BEDFLOW_SERVER``/
``BEDFLOW_TOKEN``; the token is a personal ``bf_`` token or a JWT from a login.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bedflow import cfd
from bedflow.cli._app import ExistingFile, app, err, out, read_text
from bedflow.cli._client import (
    ServerClient,
    ServerError,
    bed_error,
    explain,
    follow_job,
    open_events,
)
from bedflow.cli._stages import ConvergeOption

Server = Annotated[
    str,
    typer.Option("--server", envvar="BEDFLOW_SERVER", help="The server's URL.", show_default=True),
]
Token = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="BEDFLOW_TOKEN",
        help="A personal bf_ token (POST /api/v1/tokens) or a JWT from a login.",
        show_default=False,
    ),
]
DEFAULT_SERVER = "http://127.0.0.1:8000"


def _result_table(client: ServerClient, job: dict[str, Any]) -> None:
    table = Table(title=f"job {job['id']}", show_header=False, box=None)
    table.add_row("status", job["status"])
    if job.get("simulation_id"):
        results = client.request("GET", "/results", params={"simulation_id": job["simulation_id"]})[
            "data"
        ]
        for r in results:
            if r.get("porosity") is not None:
                table.add_row("porosity", f"{r['porosity']:.4f}")
            dp = r.get("pressure_drop_per_length")
            if dp is not None:
                text = cfd.uncertainty_text(dp, _study(r), grid=r.get("solver") != "correlation")
                table.add_row(
                    "dp/L",
                    f"{text.removeprefix('dp/L = ')} at u = {r['superficial_velocity']:.4g} m/s, "
                    f"Re_p = {r['particle_reynolds']:.3g}",
                )
            ratios = r.get("ratio_to_correlations") or {}
            for name, value in (r.get("correlations") or {}).items():
                if value is not None:
                    ratio = ratios.get(name)
                    shown = f" (ratio {ratio:.3f})" if ratio is not None else ""
                    table.add_row(f"  {name}", f"{value:.4g} Pa/m{shown}")
    out.print(table)


def _study(result: dict[str, Any]) -> cfd.GridConvergence | None:
    """The grid study of a result as the server returns it (``uncertainty``), if any."""
    data = result.get("uncertainty")
    if not isinstance(data, dict):
        return None
    try:
        return cfd.GridConvergence.from_json(data)
    except (KeyError, TypeError):  # a server that words it otherwise: say nothing wrong
        return None


def _follow(client: ServerClient, job: dict[str, Any], ws: Any) -> dict[str, Any]:
    columns = (
        TextColumn("{task.description:>11}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("queued", total=100, message="")

        def on_event(event: dict[str, Any]) -> None:
            if event.get("type") == "log" or event.get("kind") == "log":
                bar.console.print(escape(str(event.get("message", ""))), highlight=False)
                return
            bar.update(
                task,
                completed=float(event.get("progress") or 0),
                description=str(event.get("stage") or "") or "running",
                message=escape(str(event.get("message", ""))[:60]),
            )

        final = follow_job(client, uuid.UUID(job["id"]), on_event, ws)
        if final["status"] == "succeeded":
            bar.update(task, completed=100, description="done", message="")
    return final


@app.command()
def submit(
    file: ExistingFile,
    server: Server = DEFAULT_SERVER,
    token: Token = "",
    follow: Annotated[
        bool,
        typer.Option("--follow/--no-follow", help="Follow the job live, or print its id only."),
    ] = True,
    poll: Annotated[
        bool, typer.Option("--poll", help="Follow by polling instead of the WebSocket.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Recompute every stage, even when cached.")
    ] = False,
    engine: Annotated[str | None, typer.Option("--engine", help="Packing engine.")] = None,
    solver: Annotated[str | None, typer.Option("--solver", help="Flow solver.")] = None,
    converge: ConvergeOption = False,
) -> None:
    """Run the pipeline on a server: create the bed from FILE, queue the job, follow it.

    Shows the progress and the log lines live, then the result table. Ctrl-C cancels the job
    on the server (exit 130). Exit 1 when the job fails or the server refuses the request.
    """
    text = read_text(file)
    client = ServerClient(server, token)
    job: dict[str, Any] | None = None
    try:
        try:
            bed = client.request(
                "POST", "/beds", content=text.encode(), headers={"Content-Type": "text/plain"}
            )
        except ServerError as exc:
            bed_error(exc, str(file), text)
        body: dict[str, Any] = {
            "bed_id": bed["id"],
            "force": force,
            "engine": engine,
            "solver": solver,
        }
        if converge:  # only when asked: a server without grid studies refuses the key
            body["converge"] = True
        if not follow:
            job = client.request("POST", "/jobs", json=body)
            out.print(job["id"])
            return
        with open_events(client) as ws:  # opened first: it sees every event of the new job
            job = client.request("POST", "/jobs", json=body)
            err.print(f"queued job {job['id']} on bed {escape(bed['name'])}")
            final = _follow(client, job, None if poll else ws)
        if final["status"] != "succeeded":
            err.print(f"[bold red]job {final['status']}[/]: {escape(final.get('error') or '')}")
            raise typer.Exit(1)
        _result_table(client, final)
    except KeyboardInterrupt:
        if job is None:
            raise typer.Exit(130) from None
        try:
            client.request("POST", f"/jobs/{job['id']}/cancel")
            err.print(f"[yellow]cancelled[/] job {job['id']} on the server")
        except ServerError as exc:
            err.print(f"[bold red]error[/]: could not cancel job {job['id']}: {exc.message}")
        raise typer.Exit(130) from None
    except ServerError as exc:
        explain(exc)
    finally:
        client.close()


@app.command()
def jobs(
    server: Server = DEFAULT_SERVER,
    token: Token = "",
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only jobs in this status (queued, running, succeeded, ...)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="At most this many.")] = 20,
) -> None:
    """List your jobs on a server, newest first."""
    client = ServerClient(server, token)
    try:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        page = client.request("GET", "/jobs", params=params)
    except ServerError as exc:
        explain(exc)
    finally:
        client.close()
    table = Table(title=f"{page['count']} jobs" if page["count"] != 1 else "1 job")
    table.add_column("id", no_wrap=True, min_width=36)
    for column in ("status", "stage", "progress", "type", "created"):
        table.add_column(column, overflow="fold")
    for j in page["data"]:
        table.add_row(
            j["id"], j["status"], j["stage"], f"{j['progress']}%", j["type"], j["created_at"][:19]
        )
    out.print(table)


@app.command()
def cancel(
    job_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="The job's id.")],
    server: Server = DEFAULT_SERVER,
    token: Token = "",
) -> None:
    """Cancel a job on a server: a queued job at once, a running one within a second or two."""
    client = ServerClient(server, token)
    try:
        job = client.request("POST", f"/jobs/{job_id}/cancel")
    except ServerError as exc:
        explain(exc, what=f"job {job_id}")
    finally:
        client.close()
    state = "cancelled" if job["status"] == "cancelled" else "asked to stop"
    out.print(f"job {job['id']} {state}")
